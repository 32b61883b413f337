//! Values in scripts: turning `invoke` arguments into [`Val`]s, matching
//! results against `assert_return` patterns, and printing both for failure
//! messages.
//!
//! Matching follows the spec interpreter: numbers compare by bits (so `-0`
//! differs from `0` and a NaN literal names one exact payload);
//! `nan:canonical` accepts exactly the canonical NaN of either sign and
//! `nan:arithmetic` any NaN with the quiet bit set; `ref.func` and
//! `ref.extern` without an operand accept any non-null reference of that type.

use core::fmt::Write as _;

use wast::WastRet;
use wast::core::{AbstractHeapType, HeapType, NanPattern, WastArgCore, WastRetCore};
use wisp_interp::{ExternRef, Val};

const F32_SIGN: u32 = 0x8000_0000;
const F32_CANONICAL_NAN: u32 = 0x7fc0_0000;
const F64_SIGN: u64 = 0x8000_0000_0000_0000;
const F64_CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// Whether `bits` is the canonical `f32` NaN with either sign.
pub fn is_canonical_nan_f32(bits: u32) -> bool {
    bits & !F32_SIGN == F32_CANONICAL_NAN
}

/// Whether `bits` is an arithmetic `f32` NaN: a NaN whose quiet bit is set.
pub fn is_arithmetic_nan_f32(bits: u32) -> bool {
    bits & F32_CANONICAL_NAN == F32_CANONICAL_NAN
}

/// Whether `bits` is the canonical `f64` NaN with either sign.
pub fn is_canonical_nan_f64(bits: u64) -> bool {
    bits & !F64_SIGN == F64_CANONICAL_NAN
}

/// Whether `bits` is an arithmetic `f64` NaN: a NaN whose quiet bit is set.
pub fn is_arithmetic_nan_f64(bits: u64) -> bool {
    bits & F64_CANONICAL_NAN == F64_CANONICAL_NAN
}

/// Converts an `invoke` argument; `Err` names what wisp cannot represent.
pub(crate) fn arg_to_val(arg: &wast::WastArg<'_>) -> Result<Val, String> {
    let wast::WastArg::Core(arg) = arg else {
        return Err("component-model value".into());
    };
    Ok(match arg {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::RefNull(ty) => match null_kind(ty) {
            Some(NullKind::Func) => Val::FuncRef(None),
            Some(NullKind::Extern) => Val::ExternRef(None),
            None => return Err(format!("ref.null of heap type {ty:?}")),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef(*n))),
        WastArgCore::V128(_) => return Err("v128 value (SIMD is not supported)".into()),
        WastArgCore::RefHost(_) => return Err("ref.host value (GC is not supported)".into()),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NullKind {
    Func,
    Extern,
}

/// The Wasm 2.0 null a heap type denotes (`func`/`nofunc`, `extern`/`noextern`).
fn null_kind(ty: &HeapType<'_>) -> Option<NullKind> {
    match ty {
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
        } => Some(NullKind::Func),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
        } => Some(NullKind::Extern),
        _ => None,
    }
}

/// Whether `val` matches the expected result `ret`.
pub(crate) fn matches(ret: &WastRet<'_>, val: &Val) -> bool {
    match ret {
        WastRet::Core(ret) => matches_core(ret, val),
        _ => false,
    }
}

fn matches_core(ret: &WastRetCore<'_>, val: &Val) -> bool {
    match (ret, val) {
        (WastRetCore::I32(e), Val::I32(v)) => e == v,
        (WastRetCore::I64(e), Val::I64(v)) => e == v,
        (WastRetCore::F32(p), Val::F32(bits)) => match p {
            NanPattern::CanonicalNan => is_canonical_nan_f32(*bits),
            NanPattern::ArithmeticNan => is_arithmetic_nan_f32(*bits),
            NanPattern::Value(e) => e.bits == *bits,
        },
        (WastRetCore::F64(p), Val::F64(bits)) => match p {
            NanPattern::CanonicalNan => is_canonical_nan_f64(*bits),
            NanPattern::ArithmeticNan => is_arithmetic_nan_f64(*bits),
            NanPattern::Value(e) => e.bits == *bits,
        },
        (WastRetCore::RefNull(ty), Val::FuncRef(None)) => ty
            .as_ref()
            .is_none_or(|t| null_kind(t) == Some(NullKind::Func)),
        (WastRetCore::RefNull(ty), Val::ExternRef(None)) => ty
            .as_ref()
            .is_none_or(|t| null_kind(t) == Some(NullKind::Extern)),
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(e)), Val::ExternRef(Some(r))) => *e == r.0,
        // wisp cannot map a function handle back to a module-relative index,
        // so `ref.func N` is checked for non-nullness only (as wasmtime does).
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::Either(alts), v) => alts.iter().any(|a| matches_core(a, v)),
        _ => false,
    }
}

/// Whether `ret` is something wisp can ever produce (Wasm 2.0 without SIMD).
pub(crate) fn unsupported_ret(ret: &WastRet<'_>) -> Option<&'static str> {
    match ret {
        WastRet::Core(r) => unsupported_core(r),
        _ => Some("component-model result"),
    }
}

fn unsupported_core(ret: &WastRetCore<'_>) -> Option<&'static str> {
    match ret {
        WastRetCore::V128(_) => Some("v128 result (SIMD is not supported)"),
        WastRetCore::RefHost(_)
        | WastRetCore::RefAny
        | WastRetCore::RefEq
        | WastRetCore::RefArray
        | WastRetCore::RefStruct
        | WastRetCore::RefI31
        | WastRetCore::RefI31Shared => Some("GC reference result (GC is not supported)"),
        WastRetCore::Either(alts) => {
            if alts.iter().all(|a| unsupported_core(a).is_some()) {
                Some("`either` with no supported alternative")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Formats a value as `type:value`, floats with their bits: `f32:1.5 (0x3fc00000)`.
pub fn fmt_val(val: &Val) -> String {
    match val {
        Val::I32(v) => format!("i32:{v}"),
        Val::I64(v) => format!("i64:{v}"),
        Val::F32(b) => format!("f32:{} ({b:#010x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} ({b:#018x})", f64::from_bits(*b)),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(_)) => "ref.func".into(),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(r)) => format!("ref.extern {}", r.0),
    }
}

/// Formats a list of values as `[i32:1, f64:2 (0x4000000000000000)]`.
pub fn fmt_vals(vals: &[Val]) -> String {
    let mut s = String::from("[");
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&fmt_val(v));
    }
    s.push(']');
    s
}

/// Formats expected results the same way as [`fmt_vals`].
pub(crate) fn fmt_rets(rets: &[WastRet<'_>]) -> String {
    let mut s = String::from("[");
    for (i, r) in rets.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        match r {
            WastRet::Core(r) => fmt_ret_core(&mut s, r),
            _ => s.push_str("<component value>"),
        }
    }
    s.push(']');
    s
}

fn fmt_ret_core(s: &mut String, r: &WastRetCore<'_>) {
    let _ = match r {
        WastRetCore::I32(v) => write!(s, "i32:{v}"),
        WastRetCore::I64(v) => write!(s, "i64:{v}"),
        WastRetCore::F32(NanPattern::CanonicalNan) => write!(s, "f32:nan:canonical"),
        WastRetCore::F32(NanPattern::ArithmeticNan) => write!(s, "f32:nan:arithmetic"),
        WastRetCore::F32(NanPattern::Value(v)) => {
            write!(s, "f32:{} ({:#010x})", f32::from_bits(v.bits), v.bits)
        }
        WastRetCore::F64(NanPattern::CanonicalNan) => write!(s, "f64:nan:canonical"),
        WastRetCore::F64(NanPattern::ArithmeticNan) => write!(s, "f64:nan:arithmetic"),
        WastRetCore::F64(NanPattern::Value(v)) => {
            write!(s, "f64:{} ({:#018x})", f64::from_bits(v.bits), v.bits)
        }
        WastRetCore::RefNull(None) => write!(s, "ref.null"),
        WastRetCore::RefNull(Some(t)) => match null_kind(t) {
            Some(NullKind::Func) => write!(s, "ref.null func"),
            Some(NullKind::Extern) => write!(s, "ref.null extern"),
            None => write!(s, "ref.null {t:?}"),
        },
        WastRetCore::RefExtern(None) => write!(s, "ref.extern"),
        WastRetCore::RefExtern(Some(n)) => write!(s, "ref.extern {n}"),
        WastRetCore::RefFunc(_) => write!(s, "ref.func"),
        WastRetCore::Either(alts) => {
            s.push_str("either(");
            for (i, a) in alts.iter().enumerate() {
                if i > 0 {
                    s.push_str(" | ");
                }
                fmt_ret_core(s, a);
            }
            write!(s, ")")
        }
        other => write!(s, "{other:?}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_nan_accepts_both_signs_only() {
        assert!(is_canonical_nan_f32(0x7fc0_0000));
        assert!(is_canonical_nan_f32(0xffc0_0000));
        assert!(!is_canonical_nan_f32(0x7fc0_0001));
        assert!(!is_canonical_nan_f32(0x7fa0_0000));
        assert!(!is_canonical_nan_f32(0x7f80_0000)); // +inf
        assert!(is_canonical_nan_f64(0x7ff8_0000_0000_0000));
        assert!(is_canonical_nan_f64(0xfff8_0000_0000_0000));
        assert!(!is_canonical_nan_f64(0x7ff8_0000_0000_0001));
        assert!(!is_canonical_nan_f64(0x7ff0_0000_0000_0001)); // signalling
    }

    #[test]
    fn arithmetic_nan_needs_the_quiet_bit() {
        assert!(is_arithmetic_nan_f32(0x7fc0_0000));
        assert!(is_arithmetic_nan_f32(0xffc0_1234));
        assert!(!is_arithmetic_nan_f32(0x7fa0_0000)); // signalling NaN
        assert!(!is_arithmetic_nan_f32(0x3fc0_0000)); // 1.5
        assert!(is_arithmetic_nan_f64(0x7ffc_0000_0000_0000));
        assert!(!is_arithmetic_nan_f64(0x7ff4_0000_0000_0000));
        assert!(!is_arithmetic_nan_f64(0x3ff8_0000_0000_0000)); // 1.5
    }

    #[test]
    fn formatting() {
        assert_eq!(
            fmt_vals(&[Val::I32(-3), Val::F32(1.5f32.to_bits())]),
            "[i32:-3, f32:1.5 (0x3fc00000)]"
        );
        assert_eq!(fmt_val(&Val::ExternRef(Some(ExternRef(7)))), "ref.extern 7");
        assert_eq!(fmt_vals(&[]), "[]");
    }
}
