//! Custom sections, and the `name` section's module, function and local names.
//!
//! Per the spec's appendix on custom sections, a malformed `name` section does
//! not make the module malformed: if any part of it fails to decode, wisp keeps
//! no names at all rather than a partial, possibly misleading, set.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use wasmparser as wp;

use super::Cx;
use crate::{CustomSection, Module, Names};

/// Records a custom section (whose id byte is at `offset`), and decodes it if
/// it is the first `name` section.
pub(super) fn custom_section(
    cx: &Cx<'_>,
    m: &mut Module,
    r: &wp::CustomSectionReader<'_>,
    offset: usize,
) {
    let first_name_section = r.name() == "name" && !cx.seen_name_section.replace(true);
    m.customs.push(CustomSection {
        name: r.name().to_string(),
        data: cx.range(r.data_range()),
        offset,
    });
    if first_name_section {
        m.names = decode_names(wp::NameSectionReader::new(r.data_reader())).unwrap_or_default();
    }
}

/// Decodes the subsections wisp keeps; any error discards the whole section.
fn decode_names(reader: wp::NameSectionReader<'_>) -> Option<Names> {
    let mut names = Names::default();
    for subsection in reader {
        match subsection.ok()? {
            wp::Name::Module { name, .. } => names.module = Some(name.to_string()),
            wp::Name::Function(map) => names.functions = name_map(map)?,
            wp::Name::Local(indirect) => {
                for naming in indirect {
                    let naming = naming.ok()?;
                    names.locals.insert(naming.index, name_map(naming.names)?);
                }
            }
            // Other subsections (labels, types, tables, ...) are not kept.
            _ => {}
        }
    }
    Some(names)
}

/// One index-to-name map; wasmparser rejects indices out of increasing order.
fn name_map(map: wp::NameMap<'_>) -> Option<BTreeMap<u32, String>> {
    let mut out = BTreeMap::new();
    for naming in map {
        let naming = naming.ok()?;
        out.insert(naming.index, naming.name.to_string());
    }
    Some(out)
}
