//! The sections that declare a module's entities: imports, functions, tables,
//! memories, globals and exports.
//!
//! Each reader checks the running total of its index space against
//! [`wisp_core::limits`] before reserving anything, so a declared count can
//! never drive an allocation larger than the section's bytes.

use alloc::string::ToString;
use core::ops::Range;

use wasmparser as wp;
use wisp_core::ExternKind;
use wisp_core::limits::{
    MAX_EXPORTS, MAX_FUNCTIONS, MAX_GLOBALS, MAX_IMPORTS, MAX_MEMORIES, MAX_TABLES,
};

use super::types::{global_type, read_memory_type, read_table_type};
use super::{Cx, capacity, check_limit, const_expr::const_expr};
use crate::error::ReadContext;
use crate::{DecodeError, Export, Global, Import, ImportDesc, Module, Table};

/// First byte of a table entry that carries an initializer expression.
const TABLE_WITH_INIT: u8 = 0x40;

/// Bytes of a section reader's contents (the allocation budget for its entries).
fn section_len<T>(r: &wp::SectionLimited<'_, T>) -> usize {
    let range = r.range();
    usize::try_from(range.end.saturating_sub(range.start)).unwrap_or(usize::MAX)
}

/// Byte offset of a section's first entry count (for limit errors).
fn section_offset<T>(cx: &Cx<'_>, r: &wp::SectionLimited<'_, T>) -> usize {
    cx.offset(r.range().start)
}

/// The import section, read by hand so that the import kind byte is checked
/// before anything else is read for it (wasmparser would read a tag type for
/// kind 4, or a compact-imports group, and report a different error).
pub(super) fn import_section(
    cx: &Cx<'_>,
    m: &mut Module,
    range: Range<u64>,
) -> Result<(), DecodeError> {
    let ctx = ReadContext::Imports;
    let rerr = |e: wp::BinaryReaderError| cx.err(&e, ctx);
    let (mut r, count, count_pos) = cx.open_vec(range, ctx)?;
    check_limit(count, 0, MAX_IMPORTS, "imports", count_pos)?;
    m.imports.reserve(capacity(count, r.bytes_remaining()));
    for _ in 0..count {
        let offset = cx.offset(r.original_position());
        let module = r.read_string().map_err(rerr)?.to_string();
        let name = r.read_string().map_err(rerr)?.to_string();
        let kind_pos = cx.offset(r.original_position());
        let counts = &mut m.num_imported;
        let desc = match r.read_u8().map_err(rerr)? {
            0x00 => {
                counts.funcs = check_limit(1, counts.funcs, MAX_FUNCTIONS, "functions", offset)?;
                ImportDesc::Func(r.read_var_u32().map_err(rerr)?)
            }
            0x01 => {
                counts.tables = check_limit(1, counts.tables, MAX_TABLES, "tables", offset)?;
                ImportDesc::Table(read_table_type(cx, &mut r, ctx)?)
            }
            0x02 => {
                counts.memories =
                    check_limit(1, counts.memories, MAX_MEMORIES, "memories", offset)?;
                ImportDesc::Memory(read_memory_type(cx, &mut r, ctx)?)
            }
            0x03 => {
                counts.globals = check_limit(1, counts.globals, MAX_GLOBALS, "globals", offset)?;
                let ty: wp::GlobalType = r.read().map_err(rerr)?;
                ImportDesc::Global(global_type(&ty, kind_pos.saturating_add(1))?)
            }
            0x04 => {
                return Err(DecodeError::new(
                    "malformed import kind: tags belong to the exception-handling proposal, \
                     which wisp does not support",
                    kind_pos,
                ));
            }
            _ => return Err(DecodeError::new("malformed import kind", kind_pos)),
        };
        m.imports.push(Import {
            module,
            name,
            desc,
            offset,
        });
    }
    cx.close_vec(&r)
}

pub(super) fn function_section(
    cx: &Cx<'_>,
    m: &mut Module,
    r: wp::FunctionSectionReader<'_>,
) -> Result<(), DecodeError> {
    check_limit(
        r.count(),
        m.num_imported.funcs,
        MAX_FUNCTIONS,
        "functions",
        section_offset(cx, &r),
    )?;
    m.functions.reserve(capacity(r.count(), section_len(&r)));
    for ty in r {
        m.functions
            .push(ty.map_err(|e| cx.err(&e, ReadContext::Section))?);
    }
    Ok(())
}

/// The table section, read by hand like the import section (see
/// [`read_table_type`] for why).
pub(super) fn table_section(
    cx: &Cx<'_>,
    m: &mut Module,
    range: Range<u64>,
) -> Result<(), DecodeError> {
    let ctx = ReadContext::Section;
    let (mut r, count, count_pos) = cx.open_vec(range, ctx)?;
    check_limit(
        count,
        m.num_imported.tables,
        MAX_TABLES,
        "tables",
        count_pos,
    )?;
    m.tables.reserve(capacity(count, r.bytes_remaining()));
    for _ in 0..count {
        let offset = cx.offset(r.original_position());
        if r.clone().read_u8().ok() == Some(TABLE_WITH_INIT) {
            return Err(DecodeError::new(
                "malformed reference type: tables with an initializer expression \
                 (function-references proposal) are not supported",
                offset,
            ));
        }
        m.tables.push(Table {
            ty: read_table_type(cx, &mut r, ctx)?,
            init: None,
            offset,
        });
    }
    cx.close_vec(&r)
}

/// The memory section, read by hand (see [`read_memory_type`] for why).
pub(super) fn memory_section(
    cx: &Cx<'_>,
    m: &mut Module,
    range: Range<u64>,
) -> Result<(), DecodeError> {
    let ctx = ReadContext::Section;
    let (mut r, count, count_pos) = cx.open_vec(range, ctx)?;
    check_limit(
        count,
        m.num_imported.memories,
        MAX_MEMORIES,
        "memories",
        count_pos,
    )?;
    m.memories.reserve(capacity(count, r.bytes_remaining()));
    for _ in 0..count {
        m.memories.push(read_memory_type(cx, &mut r, ctx)?);
    }
    cx.close_vec(&r)
}

pub(super) fn global_section(
    cx: &Cx<'_>,
    m: &mut Module,
    r: wp::GlobalSectionReader<'_>,
) -> Result<(), DecodeError> {
    check_limit(
        r.count(),
        m.num_imported.globals,
        MAX_GLOBALS,
        "globals",
        section_offset(cx, &r),
    )?;
    m.globals.reserve(capacity(r.count(), section_len(&r)));
    for item in r.into_iter_with_offsets() {
        let (pos, global) = item.map_err(|e| cx.err(&e, ReadContext::Section))?;
        let offset = cx.offset(pos);
        m.globals.push(Global {
            ty: global_type(&global.ty, offset)?,
            init: const_expr(cx, &global.init_expr)?,
            offset,
        });
    }
    Ok(())
}

pub(super) fn export_section(
    cx: &Cx<'_>,
    m: &mut Module,
    r: wp::ExportSectionReader<'_>,
) -> Result<(), DecodeError> {
    check_limit(r.count(), 0, MAX_EXPORTS, "exports", section_offset(cx, &r))?;
    m.exports.reserve(capacity(r.count(), section_len(&r)));
    for item in r.into_iter_with_offsets() {
        let (pos, export) = item.map_err(|e| cx.err(&e, ReadContext::Exports))?;
        let offset = cx.offset(pos);
        let kind = match export.kind {
            wp::ExternalKind::Func => ExternKind::Func,
            wp::ExternalKind::Table => ExternKind::Table,
            wp::ExternalKind::Memory => ExternKind::Memory,
            wp::ExternalKind::Global => ExternKind::Global,
            wp::ExternalKind::Tag | wp::ExternalKind::FuncExact => {
                return Err(DecodeError::new(
                    "malformed export kind: tags belong to the exception-handling proposal, \
                     which wisp does not support",
                    offset,
                ));
            }
        };
        m.exports.push(Export {
            name: export.name.to_string(),
            kind,
            index: export.index,
            offset,
        });
    }
    Ok(())
}
