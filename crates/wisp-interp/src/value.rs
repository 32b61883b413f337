//! Values crossing the embedding API, and their raw 64-bit slot encoding.
//!
//! Inside the interpreter every value is an untyped `u64` slot: integers are
//! zero-extended bit patterns, floats are their bits, a `funcref` is 0 for
//! null or the function's store address plus one, and an `externref` is 0 for
//! null or the embedder's handle plus one.

use crate::func::Func;
use wisp_core::{RefType, ValType};

/// An opaque reference chosen by the embedder (the payload of an `externref`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(pub u32);

/// A WebAssembly value. Floats are kept as bits so NaN payloads survive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    /// The bits of an `f32`.
    F32(u32),
    /// The bits of an `f64`.
    F64(u64),
    FuncRef(Option<Func>),
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
        }
    }

    /// The default (zero or null) value of a type.
    pub fn default_for(ty: ValType) -> Val {
        Val::from_raw(0, ty)
    }

    /// The value as an `f32`.
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(b) => Some(f32::from_bits(*b)),
            _ => None,
        }
    }

    /// The value as an `f64`.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(b) => Some(f64::from_bits(*b)),
            _ => None,
        }
    }

    /// Encodes the value as a raw slot.
    pub(crate) fn to_raw(self) -> u64 {
        match self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(b) => b as u64,
            Val::F64(b) => b,
            Val::FuncRef(None) | Val::ExternRef(None) => 0,
            Val::FuncRef(Some(f)) => f.addr() as u64 + 1,
            Val::ExternRef(Some(r)) => r.0 as u64 + 1,
        }
    }

    /// Decodes a raw slot of type `ty`.
    pub(crate) fn from_raw(raw: u64, ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw),
            ValType::Ref(RefType::FuncRef) => {
                Val::FuncRef(raw.checked_sub(1).map(|a| Func::from_addr(a as u32)))
            }
            ValType::Ref(RefType::ExternRef) => {
                Val::ExternRef(raw.checked_sub(1).map(|h| ExternRef(h as u32)))
            }
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Self {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::F64(v.to_bits())
    }
}
