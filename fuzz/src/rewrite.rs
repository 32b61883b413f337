//! Module rewrites with wasm-encoder's re-encoder: exporting a global that
//! generation left unexported (the termination fuel counter of
//! `ensure_termination`), so callers can reset it between calls.

use wasm_encoder::reencode::{Error, Reencode, utils};
use wasm_encoder::{ExportKind, ExportSection};
use wasmparser::{ExportSectionReader, Parser, Payload};

/// `wasm` with global `index` also exported as `name`; `None` when `name` is
/// already taken, the module has no export section, or it cannot be
/// re-encoded.
pub fn export_global(wasm: &[u8], index: u32, name: &str) -> Option<Vec<u8>> {
    let mut has_exports = false;
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ExportSection(reader) = payload.ok()? {
            has_exports = true;
            for export in reader {
                if export.ok()?.name == name {
                    return None;
                }
            }
        }
    }
    if !has_exports {
        return None;
    }
    let mut rewrite = ExportGlobal { index, name };
    let mut module = wasm_encoder::Module::new();
    rewrite
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .ok()?;
    Some(module.finish())
}

struct ExportGlobal<'a> {
    index: u32,
    name: &'a str,
}

impl Reencode for ExportGlobal<'_> {
    type Error = std::convert::Infallible;

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: ExportSectionReader<'_>,
    ) -> Result<(), Error<Self::Error>> {
        utils::parse_export_section(self, exports, section)?;
        exports.export(self.name, ExportKind::Global, self.index);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_global_gets_exported_once() {
        let wasm =
            wat::parse_str(r#"(module (global (mut i32) (i32.const 7)) (func (export "f")))"#)
                .unwrap();
        let out = export_global(&wasm, 0, "g").unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
        let names: Vec<String> = Parser::new(0)
            .parse_all(&out)
            .filter_map(|p| match p.unwrap() {
                Payload::ExportSection(r) => Some(
                    r.into_iter()
                        .map(|e| e.unwrap().name.to_string())
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(names, ["f", "g"]);
        // A taken name is refused rather than duplicated.
        assert!(export_global(&wasm, 0, "f").is_none());
    }
}
