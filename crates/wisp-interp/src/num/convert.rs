//! Conversions between value types: trapping and saturating float→int
//! truncation, int→float conversion, demotion/promotion, wrap/extend and the
//! bit-preserving reinterprets.
//!
//! Names are `<result>_<op>_<operand>` as in the instruction names; integers
//! are passed as `i32`/`i64` whatever their signedness (Wasm integers are
//! sign-agnostic), the `_u` variants reinterpret the bits.
//!
//! # Note
//! The range checks of the trapping truncations compare against exact
//! powers of two, written as float literals that are exactly representable.
//! A value is in range when its truncation toward zero is, so the lower bound
//! is `MIN` inclusive for the signed cases where `MIN - 1` is not
//! representable in the source type, and `MIN - 1` (or `-1.0`) exclusive
//! otherwise. A NaN fails every comparison, so it is never in range.
//!
//! Rust's `as` casts from float to int saturate and send NaN to 0, which is
//! exactly the `_sat` semantics, and its int-to-float casts round to nearest,
//! ties to even, as the spec's `convert` requires.

use wisp_core::TrapCode;

/// The trap for a NaN or out-of-range truncation.
#[cold]
#[inline(never)]
fn trunc_trap(is_nan: bool) -> TrapCode {
    if is_nan {
        TrapCode::InvalidConversionToInteger
    } else {
        TrapCode::IntegerOverflow
    }
}

/// `i32.trunc_f32_s`: in range iff `-2^31 <= x < 2^31`.
#[inline]
pub(crate) fn i32_trunc_f32_s(x: f32) -> Result<i32, TrapCode> {
    if (-2_147_483_648.0..2_147_483_648.0).contains(&x) {
        Ok(x as i32)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// `i32.trunc_f32_u`: in range iff `-1 < x < 2^32`.
#[inline]
pub(crate) fn i32_trunc_f32_u(x: f32) -> Result<i32, TrapCode> {
    if x > -1.0 && x < 4_294_967_296.0 {
        Ok(x as u32 as i32)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// `i32.trunc_f64_s`: in range iff `-2^31 - 1 < x < 2^31`.
#[inline]
pub(crate) fn i32_trunc_f64_s(x: f64) -> Result<i32, TrapCode> {
    if x > -2_147_483_649.0 && x < 2_147_483_648.0 {
        Ok(x as i32)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// `i32.trunc_f64_u`: in range iff `-1 < x < 2^32`.
#[inline]
pub(crate) fn i32_trunc_f64_u(x: f64) -> Result<i32, TrapCode> {
    if x > -1.0 && x < 4_294_967_296.0 {
        Ok(x as u32 as i32)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// 2^63 as a float literal (exact in both `f32` and `f64`).
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
/// 2^64 as a float literal (exact in both `f32` and `f64`).
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// `i64.trunc_f32_s`: in range iff `-2^63 <= x < 2^63`.
#[inline]
pub(crate) fn i64_trunc_f32_s(x: f32) -> Result<i64, TrapCode> {
    if (-(TWO_POW_63 as f32)..TWO_POW_63 as f32).contains(&x) {
        Ok(x as i64)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// `i64.trunc_f32_u`: in range iff `-1 < x < 2^64`.
#[inline]
pub(crate) fn i64_trunc_f32_u(x: f32) -> Result<i64, TrapCode> {
    if x > -1.0 && x < TWO_POW_64 as f32 {
        Ok(x as u64 as i64)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// `i64.trunc_f64_s`: in range iff `-2^63 <= x < 2^63`.
#[inline]
pub(crate) fn i64_trunc_f64_s(x: f64) -> Result<i64, TrapCode> {
    if (-TWO_POW_63..TWO_POW_63).contains(&x) {
        Ok(x as i64)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// `i64.trunc_f64_u`: in range iff `-1 < x < 2^64`.
#[inline]
pub(crate) fn i64_trunc_f64_u(x: f64) -> Result<i64, TrapCode> {
    if x > -1.0 && x < TWO_POW_64 {
        Ok(x as u64 as i64)
    } else {
        Err(trunc_trap(x.is_nan()))
    }
}

/// `i32.trunc_sat_f32_s`: truncates, saturating; NaN gives 0.
#[inline]
pub(crate) fn i32_trunc_sat_f32_s(x: f32) -> i32 {
    x as i32
}

/// `i32.trunc_sat_f32_u`: truncates, saturating to `[0, 2^32 - 1]`; NaN gives 0.
#[inline]
pub(crate) fn i32_trunc_sat_f32_u(x: f32) -> i32 {
    x as u32 as i32
}

/// `i32.trunc_sat_f64_s`: truncates, saturating; NaN gives 0.
#[inline]
pub(crate) fn i32_trunc_sat_f64_s(x: f64) -> i32 {
    x as i32
}

/// `i32.trunc_sat_f64_u`: truncates, saturating to `[0, 2^32 - 1]`; NaN gives 0.
#[inline]
pub(crate) fn i32_trunc_sat_f64_u(x: f64) -> i32 {
    x as u32 as i32
}

/// `i64.trunc_sat_f32_s`: truncates, saturating; NaN gives 0.
#[inline]
pub(crate) fn i64_trunc_sat_f32_s(x: f32) -> i64 {
    x as i64
}

/// `i64.trunc_sat_f32_u`: truncates, saturating to `[0, 2^64 - 1]`; NaN gives 0.
#[inline]
pub(crate) fn i64_trunc_sat_f32_u(x: f32) -> i64 {
    x as u64 as i64
}

/// `i64.trunc_sat_f64_s`: truncates, saturating; NaN gives 0.
#[inline]
pub(crate) fn i64_trunc_sat_f64_s(x: f64) -> i64 {
    x as i64
}

/// `i64.trunc_sat_f64_u`: truncates, saturating to `[0, 2^64 - 1]`; NaN gives 0.
#[inline]
pub(crate) fn i64_trunc_sat_f64_u(x: f64) -> i64 {
    x as u64 as i64
}

/// `f32.convert_i32_s`, correctly rounded.
#[inline]
pub(crate) fn f32_convert_i32_s(x: i32) -> f32 {
    x as f32
}

/// `f32.convert_i32_u`, correctly rounded.
#[inline]
pub(crate) fn f32_convert_i32_u(x: i32) -> f32 {
    x as u32 as f32
}

/// `f32.convert_i64_s`, correctly rounded (a single rounding, no detour
/// through `f64`).
#[inline]
pub(crate) fn f32_convert_i64_s(x: i64) -> f32 {
    x as f32
}

/// `f32.convert_i64_u`, correctly rounded (a single rounding).
#[inline]
pub(crate) fn f32_convert_i64_u(x: i64) -> f32 {
    x as u64 as f32
}

/// `f64.convert_i32_s` (exact).
#[inline]
pub(crate) fn f64_convert_i32_s(x: i32) -> f64 {
    f64::from(x)
}

/// `f64.convert_i32_u` (exact).
#[inline]
pub(crate) fn f64_convert_i32_u(x: i32) -> f64 {
    f64::from(x as u32)
}

/// `f64.convert_i64_s`, correctly rounded.
#[inline]
pub(crate) fn f64_convert_i64_s(x: i64) -> f64 {
    x as f64
}

/// `f64.convert_i64_u`, correctly rounded.
#[inline]
pub(crate) fn f64_convert_i64_u(x: i64) -> f64 {
    x as u64 as f64
}

/// `f32.demote_f64`: rounds to nearest, ties to even.
///
/// A NaN keeps its sign and the top of its payload and gets the quiet bit,
/// so a canonical NaN stays canonical and any other becomes an arithmetic
/// NaN, independent of what the hardware would do.
#[inline]
pub(crate) fn f32_demote_f64(x: f64) -> f32 {
    if x.is_nan() {
        let bits = x.to_bits();
        let sign = ((bits >> 63) as u32) << 31;
        let payload = ((bits >> 29) as u32) & 0x007F_FFFF;
        f32::from_bits(sign | 0x7FC0_0000 | payload)
    } else {
        x as f32
    }
}

/// `f64.promote_f32` (exact). A NaN keeps its sign and payload and gets the
/// quiet bit, as in [`f32_demote_f64`].
#[inline]
pub(crate) fn f64_promote_f32(x: f32) -> f64 {
    if x.is_nan() {
        let bits = x.to_bits();
        let sign = u64::from(bits >> 31) << 63;
        let payload = u64::from(bits & 0x007F_FFFF) << 29;
        f64::from_bits(sign | 0x7FF8_0000_0000_0000 | payload)
    } else {
        f64::from(x)
    }
}

/// `i32.wrap_i64`: the low 32 bits.
#[inline]
pub(crate) fn i32_wrap_i64(x: i64) -> i32 {
    x as i32
}

/// `i64.extend_i32_s`: sign extension.
#[inline]
pub(crate) fn i64_extend_i32_s(x: i32) -> i64 {
    i64::from(x)
}

/// `i64.extend_i32_u`: zero extension.
#[inline]
pub(crate) fn i64_extend_i32_u(x: i32) -> i64 {
    i64::from(x as u32)
}

/// `i32.reinterpret_f32`: the float's bits.
#[inline]
pub(crate) fn i32_reinterpret_f32(x: f32) -> i32 {
    x.to_bits() as i32
}

/// `i64.reinterpret_f64`: the float's bits.
#[inline]
pub(crate) fn i64_reinterpret_f64(x: f64) -> i64 {
    x.to_bits() as i64
}

/// `f32.reinterpret_i32`: the float with these bits (NaN payloads kept).
#[inline]
pub(crate) fn f32_reinterpret_i32(x: i32) -> f32 {
    f32::from_bits(x as u32)
}

/// `f64.reinterpret_i64`: the float with these bits (NaN payloads kept).
#[inline]
pub(crate) fn f64_reinterpret_i64(x: i64) -> f64 {
    f64::from_bits(x as u64)
}
