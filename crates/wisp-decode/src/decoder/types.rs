//! The type section, and the conversion of wasmparser's value, reference,
//! table, memory and global types into wisp's (rejecting what Wasm 2.0 lacks).
//!
//! The type section is read entry by entry with a raw [`BinaryReader`] rather
//! than through wasmparser's `RecGroup` reader: each entry must be a plain
//! function type (`0x60`), and checking that byte first means a hostile
//! `rec` group can never make wasmparser preallocate its entries.

use alloc::format;
use alloc::vec::Vec;
use core::ops::Range;

use wasmparser as wp;
use wisp_core::limits::{MAX_PARAMS, MAX_RESULTS, MAX_TYPES};
use wisp_core::{FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType};

use super::{Cx, capacity, check_limit};
use crate::error::ReadContext;
use crate::{DecodeError, Module};

/// The binary form byte of a function type.
const FUNC_FORM: u8 = 0x60;

/// Decodes the type section found at `range` (its contents, count included).
pub(super) fn type_section(
    cx: &Cx<'_>,
    m: &mut Module,
    range: Range<u64>,
) -> Result<(), DecodeError> {
    let rerr = |e: wp::BinaryReaderError| cx.err(&e, ReadContext::Section);
    let (mut r, count, count_pos) = cx.open_vec(range, ReadContext::Section)?;
    check_limit(count, 0, MAX_TYPES, "types", count_pos)?;
    m.types.reserve(capacity(count, r.bytes_remaining()));
    for _ in 0..count {
        let pos = cx.offset(r.original_position());
        let form = r.read_u8().map_err(rerr)?;
        if form != FUNC_FORM {
            return Err(not_a_func_type(form, pos));
        }
        let ty: wp::FuncType = r.read().map_err(rerr)?;
        m.types.push(func_type(&ty, pos)?);
    }
    cx.close_vec(&r)
}

#[cold]
fn not_a_func_type(form: u8, offset: usize) -> DecodeError {
    let what = match form {
        0x4e => "recursive type groups (GC proposal) are not supported",
        0x4f | 0x50 => "subtypes (GC proposal) are not supported",
        0x5e | 0x5f => "struct and array types (GC proposal) are not supported",
        0x5d => "continuation types (stack-switching proposal) are not supported",
        0x65 => "shared types (shared-everything-threads proposal) are not supported",
        _ => "expected 0x60",
    };
    DecodeError::new(format!("malformed function type: {what}"), offset)
}

/// Converts a function type.
pub(super) fn func_type(ty: &wp::FuncType, offset: usize) -> Result<FuncType, DecodeError> {
    // wasmparser bounds both lists by its own (equal) limits; checked again
    // against wisp's so that the two can never silently diverge.
    if ty.params().len() > MAX_PARAMS as usize || ty.results().len() > MAX_RESULTS as usize {
        return Err(DecodeError::new(
            "function type has too many parameters or results",
            offset,
        ));
    }
    let params = ty
        .params()
        .iter()
        .map(|&t| val_type(t, offset))
        .collect::<Result<Vec<_>, _>>()?;
    let results = ty
        .results()
        .iter()
        .map(|&t| val_type(t, offset))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FuncType::new(params, results))
}

/// Converts a value type: the four number types and the two Wasm 2.0 reference types.
pub(super) fn val_type(ty: wp::ValType, offset: usize) -> Result<ValType, DecodeError> {
    Ok(match ty {
        wp::ValType::I32 => ValType::I32,
        wp::ValType::I64 => ValType::I64,
        wp::ValType::F32 => ValType::F32,
        wp::ValType::F64 => ValType::F64,
        wp::ValType::V128 => {
            return Err(DecodeError::new(
                "malformed value type: v128 belongs to the SIMD proposal, which wisp does not support",
                offset,
            ));
        }
        wp::ValType::Ref(r) => match ref_type_opt(r) {
            Some(r) => ValType::Ref(r),
            None => {
                return Err(DecodeError::new(
                    format!("malformed value type: `{r}` is not a Wasm 2.0 type"),
                    offset,
                ));
            }
        },
    })
}

/// Converts a reference type (`funcref` or `externref`).
pub(super) fn ref_type(ty: wp::RefType, offset: usize) -> Result<RefType, DecodeError> {
    ref_type_opt(ty).ok_or_else(|| {
        DecodeError::new(
            format!("malformed reference type: `{ty}` is not a Wasm 2.0 reference type"),
            offset,
        )
    })
}

fn ref_type_opt(ty: wp::RefType) -> Option<RefType> {
    if ty == wp::RefType::FUNCREF {
        Some(RefType::FuncRef)
    } else if ty == wp::RefType::EXTERNREF {
        Some(RefType::ExternRef)
    } else {
        None
    }
}

/// Reads a table type (element type, then limits) from `r`.
///
/// The limits flags byte is checked first: Wasm 2.0 allows only 0 (no
/// maximum) and 1 (maximum), and the spec reads it as a LEB128 integer, which
/// is where its "integer too large" wording comes from.
pub(super) fn read_table_type(
    cx: &Cx<'_>,
    r: &mut wp::BinaryReader<'_>,
    ctx: ReadContext,
) -> Result<TableType, DecodeError> {
    let rerr = |e: wp::BinaryReaderError| cx.err(&e, ctx);
    let pos = cx.offset(r.original_position());
    let mut probe = r.clone();
    let _: wp::RefType = probe.read().map_err(rerr)?;
    let flags_pos = cx.offset(probe.original_position());
    let flags = probe.read_u8().map_err(rerr)?;
    if flags > 1 {
        let detail = match flags {
            0x04 | 0x05 => ": 64-bit tables (memory64 proposal) are not supported",
            _ => "",
        };
        return Err(bad_limits_flags(flags, detail, flags_pos));
    }
    let ty: wp::TableType = r.read().map_err(rerr)?;
    table_type(&ty, pos)
}

/// Reads a memory type (limits) from `r`, checking its flags byte like
/// [`read_table_type`] does.
pub(super) fn read_memory_type(
    cx: &Cx<'_>,
    r: &mut wp::BinaryReader<'_>,
    ctx: ReadContext,
) -> Result<MemoryType, DecodeError> {
    let rerr = |e: wp::BinaryReaderError| cx.err(&e, ctx);
    let pos = cx.offset(r.original_position());
    let flags = r.clone().read_u8().map_err(rerr)?;
    if flags > 1 {
        let detail = match flags {
            0x02 | 0x03 => ": shared memories (threads proposal) are not supported",
            0x04..=0x07 => ": 64-bit memories (memory64 proposal) are not supported",
            0x08..=0x0f => ": custom page sizes are not supported",
            _ => "",
        };
        return Err(bad_limits_flags(flags, detail, pos));
    }
    let ty: wp::MemoryType = r.read().map_err(rerr)?;
    memory_type(&ty, pos)
}

#[cold]
fn bad_limits_flags(flags: u8, detail: &str, offset: usize) -> DecodeError {
    let spec = if flags & 0x80 != 0 {
        "integer representation too long"
    } else {
        "integer too large"
    };
    DecodeError::new(format!("{spec}{detail}"), offset)
}

/// Converts a table type; 64-bit and shared tables are rejected.
pub(super) fn table_type(ty: &wp::TableType, offset: usize) -> Result<TableType, DecodeError> {
    if ty.table64 {
        return Err(unsupported_limits(
            "64-bit tables (memory64 proposal)",
            offset,
        ));
    }
    if ty.shared {
        return Err(unsupported_limits(
            "shared tables (shared-everything-threads proposal)",
            offset,
        ));
    }
    Ok(TableType {
        element: ref_type(ty.element_type, offset)?,
        min: ty.initial,
        max: ty.maximum,
        table64: false,
    })
}

/// Converts a memory type; 64-bit, shared and custom-page-size memories are rejected.
pub(super) fn memory_type(ty: &wp::MemoryType, offset: usize) -> Result<MemoryType, DecodeError> {
    if ty.memory64 {
        return Err(unsupported_limits(
            "64-bit memories (memory64 proposal)",
            offset,
        ));
    }
    if ty.shared {
        return Err(unsupported_limits(
            "shared memories (threads proposal)",
            offset,
        ));
    }
    if ty.page_size_log2.is_some() {
        return Err(unsupported_limits(
            "custom page sizes (custom-page-sizes proposal)",
            offset,
        ));
    }
    Ok(MemoryType {
        min: ty.initial,
        max: ty.maximum,
        memory64: false,
        shared: false,
        page_size_log2: None,
    })
}

#[cold]
fn unsupported_limits(what: &str, offset: usize) -> DecodeError {
    DecodeError::new(
        format!("malformed limits flags: {what} are not supported"),
        offset,
    )
}

/// Converts a global type read at `offset`; shared globals are rejected with
/// the spec's wording for a mutability byte other than 0 or 1.
pub(super) fn global_type(ty: &wp::GlobalType, offset: usize) -> Result<GlobalType, DecodeError> {
    let content = val_type(ty.content_type, offset)?;
    if ty.shared {
        // Every Wasm 2.0 value type is one byte: the flags byte follows it.
        return Err(DecodeError::new(
            "malformed mutability",
            offset.saturating_add(1),
        ));
    }
    Ok(GlobalType {
        content,
        mutability: if ty.mutable {
            Mutability::Var
        } else {
            Mutability::Const
        },
    })
}
