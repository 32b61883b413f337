//! Float operators whose spec semantics differ from a bare Rust expression:
//! `min`/`max` (NaN-propagating, `-0 < +0`), the rounding operators and
//! `sqrt` (a NaN input must give a *quiet* NaN), and the sign operators
//! (`abs`, `neg`, `copysign`), which act on the sign bit alone, NaN or not.
//!
//! `add`, `sub`, `mul`, `div` and the comparisons need no helper: Rust's
//! operators are IEEE 754 operations, and the NaN a machine produces is one
//! the spec allows (an arithmetic NaN, canonical when the inputs are).
//!
//! NaN results here are built from a NaN input with the quiet bit set: a
//! canonical input stays canonical, any other becomes an arithmetic NaN,
//! which is exactly the spec's `nans{z}` set.

use super::fmath;

macro_rules! float_ops {
    (
        $float:ty, $bits:ty, sign = $sign:expr, quiet = $quiet:expr,
        $abs:ident, $neg:ident, $copysign:ident, $min:ident, $max:ident,
        $nearest:ident = $round_even:ident, $ceil:ident = $ceil_impl:ident,
        $floor:ident = $floor_impl:ident, $trunc:ident = $trunc_impl:ident,
        $sqrt:ident = $sqrt_impl:ident, $quiet_fn:ident
    ) => {
        /// The NaN `x` with its quiet bit set (`x` must be a NaN).
        #[inline]
        fn $quiet_fn(x: $float) -> $float {
            <$float>::from_bits(x.to_bits() | $quiet)
        }

        #[doc = concat!("`", stringify!($abs), "`: clears the sign bit (also of a NaN).")]
        #[inline]
        pub(crate) fn $abs(x: $float) -> $float {
            <$float>::from_bits(x.to_bits() & !$sign)
        }

        #[doc = concat!("`", stringify!($neg), "`: flips the sign bit (also of a NaN).")]
        #[inline]
        pub(crate) fn $neg(x: $float) -> $float {
            <$float>::from_bits(x.to_bits() ^ $sign)
        }

        #[doc = concat!("`", stringify!($copysign), "`: `a` with the sign bit of `b`.")]
        #[inline]
        pub(crate) fn $copysign(a: $float, b: $float) -> $float {
            <$float>::from_bits((a.to_bits() & !$sign) | (b.to_bits() & $sign))
        }

        #[doc = concat!("`", stringify!($min), "`: the lesser operand; NaN if either is, and `-0 < +0`.")]
        #[inline]
        pub(crate) fn $min(a: $float, b: $float) -> $float {
            if a.is_nan() {
                $quiet_fn(a)
            } else if b.is_nan() {
                $quiet_fn(b)
            } else if a == b {
                // Equal values have equal bits, except `+0 == -0`: the
                // result is negative if either operand is.
                <$float>::from_bits(a.to_bits() | b.to_bits())
            } else if a < b {
                a
            } else {
                b
            }
        }

        #[doc = concat!("`", stringify!($max), "`: the greater operand; NaN if either is, and `-0 < +0`.")]
        #[inline]
        pub(crate) fn $max(a: $float, b: $float) -> $float {
            if a.is_nan() {
                $quiet_fn(a)
            } else if b.is_nan() {
                $quiet_fn(b)
            } else if a == b {
                // `+0 == -0`: the result is positive if either operand is.
                <$float>::from_bits(a.to_bits() & b.to_bits())
            } else if a > b {
                a
            } else {
                b
            }
        }

        #[doc = concat!("`", stringify!($nearest), "`: rounds to the nearest integer, ties to even; keeps the sign of zero.")]
        #[inline]
        pub(crate) fn $nearest(x: $float) -> $float {
            if x.is_nan() { $quiet_fn(x) } else { fmath::$round_even(x) }
        }

        #[doc = concat!("`", stringify!($ceil), "`: rounds toward positive infinity.")]
        #[inline]
        pub(crate) fn $ceil(x: $float) -> $float {
            if x.is_nan() { $quiet_fn(x) } else { fmath::$ceil_impl(x) }
        }

        #[doc = concat!("`", stringify!($floor), "`: rounds toward negative infinity.")]
        #[inline]
        pub(crate) fn $floor(x: $float) -> $float {
            if x.is_nan() { $quiet_fn(x) } else { fmath::$floor_impl(x) }
        }

        #[doc = concat!("`", stringify!($trunc), "`: rounds toward zero.")]
        #[inline]
        pub(crate) fn $trunc(x: $float) -> $float {
            if x.is_nan() { $quiet_fn(x) } else { fmath::$trunc_impl(x) }
        }

        #[doc = concat!("`", stringify!($sqrt), "`: correctly rounded square root; `sqrt(-0) = -0`, negative → NaN.")]
        #[inline]
        pub(crate) fn $sqrt(x: $float) -> $float {
            if x.is_nan() { $quiet_fn(x) } else { fmath::$sqrt_impl(x) }
        }
    };
}

float_ops!(
    f32,
    u32,
    sign = 1u32 << 31,
    quiet = 1u32 << 22,
    f32_abs,
    f32_neg,
    f32_copysign,
    f32_min,
    f32_max,
    f32_nearest = round_even_f32,
    f32_ceil = ceil_f32,
    f32_floor = floor_f32,
    f32_trunc = trunc_f32,
    f32_sqrt = sqrt_f32,
    quiet_f32
);
float_ops!(
    f64,
    u64,
    sign = 1u64 << 63,
    quiet = 1u64 << 51,
    f64_abs,
    f64_neg,
    f64_copysign,
    f64_min,
    f64_max,
    f64_nearest = round_even_f64,
    f64_ceil = ceil_f64,
    f64_floor = floor_f64,
    f64_trunc = trunc_f64,
    f64_sqrt = sqrt_f64,
    quiet_f64
);

/// `x`, or the canonical f32 NaN (`0x7fc00000`) if `x` is a NaN.
#[inline]
pub(crate) fn f32_canon_nan(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        x
    }
}

/// `x`, or the canonical f64 NaN (`0x7ff8000000000000`) if `x` is a NaN.
#[inline]
pub(crate) fn f64_canon_nan(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        x
    }
}
