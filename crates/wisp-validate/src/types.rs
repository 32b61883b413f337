//! Conversion of the types that appear in operator immediates (wasmparser's
//! richer type language) into wisp's WebAssembly 2.0 types, rejecting
//! everything 2.0 cannot express.

use alloc::format;

use wisp_core::{RefType, ValType};
use wisp_decode::wasmparser as wp;

use crate::error::{Result, ValidationError};

/// A wasmparser value type as a wisp value type; `v128` and the typed
/// references of later proposals are not supported.
pub(crate) fn val_type(ty: wp::ValType, offset: usize) -> Result<ValType> {
    Ok(match ty {
        wp::ValType::I32 => ValType::I32,
        wp::ValType::I64 => ValType::I64,
        wp::ValType::F32 => ValType::F32,
        wp::ValType::F64 => ValType::F64,
        wp::ValType::V128 => {
            return Err(ValidationError::new("v128 not supported (SIMD)", offset));
        }
        wp::ValType::Ref(r) => ValType::Ref(ref_type(r, offset)?),
    })
}

/// `funcref` and `externref`; any other reference type is a later proposal.
pub(crate) fn ref_type(ty: wp::RefType, offset: usize) -> Result<RefType> {
    if ty == wp::RefType::FUNCREF {
        Ok(RefType::FuncRef)
    } else if ty == wp::RefType::EXTERNREF {
        Ok(RefType::ExternRef)
    } else {
        Err(ValidationError::new(
            format!("reference type {ty} not supported (not part of WebAssembly 2.0)"),
            offset,
        ))
    }
}

/// The heap type of `ref.null`: `func` or `extern` (unshared).
pub(crate) fn heap_type(ty: wp::HeapType, offset: usize) -> Result<RefType> {
    match ty {
        wp::HeapType::Abstract {
            shared: false,
            ty: wp::AbstractHeapType::Func,
        } => Ok(RefType::FuncRef),
        wp::HeapType::Abstract {
            shared: false,
            ty: wp::AbstractHeapType::Extern,
        } => Ok(RefType::ExternRef),
        _ => Err(ValidationError::new(
            "heap type not supported (not part of WebAssembly 2.0)",
            offset,
        )),
    }
}
