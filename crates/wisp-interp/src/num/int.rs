//! Integer operators: division and remainder (the ones that trap), shifts and
//! rotates (count taken modulo the width), bit counts and sign extension.
//!
//! Operands use the Wasm type's Rust twin (`i32`, `i64`); the unsigned
//! operators reinterpret the bits, exactly as Wasm's sign-agnostic integers do.

use wisp_core::TrapCode;

macro_rules! int_ops {
    (
        $int:ty, $uint:ty,
        $div_s:ident, $div_u:ident, $rem_s:ident, $rem_u:ident,
        $shl:ident, $shr_s:ident, $shr_u:ident, $rotl:ident, $rotr:ident,
        $clz:ident, $ctz:ident, $popcnt:ident
    ) => {
        #[doc = concat!("`", stringify!($div_s), "`: signed division truncating toward zero.")]
        ///
        /// Traps with `IntegerDivideByZero` if `b == 0` and with
        /// `IntegerOverflow` for `MIN / -1` (whose quotient is not representable).
        #[inline]
        pub(crate) fn $div_s(a: $int, b: $int) -> Result<$int, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivideByZero);
            }
            a.checked_div(b).ok_or(TrapCode::IntegerOverflow)
        }

        #[doc = concat!("`", stringify!($div_u), "`: unsigned division.")]
        ///
        /// Traps with `IntegerDivideByZero` if `b == 0`.
        #[inline]
        pub(crate) fn $div_u(a: $int, b: $int) -> Result<$int, TrapCode> {
            match (a as $uint).checked_div(b as $uint) {
                Some(q) => Ok(q as $int),
                None => Err(TrapCode::IntegerDivideByZero),
            }
        }

        #[doc = concat!("`", stringify!($rem_s), "`: signed remainder, with the sign of `a`.")]
        ///
        /// Traps with `IntegerDivideByZero` if `b == 0`; `MIN rem -1` is 0.
        #[inline]
        pub(crate) fn $rem_s(a: $int, b: $int) -> Result<$int, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivideByZero);
            }
            Ok(a.wrapping_rem(b))
        }

        #[doc = concat!("`", stringify!($rem_u), "`: unsigned remainder.")]
        ///
        /// Traps with `IntegerDivideByZero` if `b == 0`.
        #[inline]
        pub(crate) fn $rem_u(a: $int, b: $int) -> Result<$int, TrapCode> {
            match (a as $uint).checked_rem(b as $uint) {
                Some(r) => Ok(r as $int),
                None => Err(TrapCode::IntegerDivideByZero),
            }
        }

        #[doc = concat!("`", stringify!($shl), "`: shift left by `b` modulo the width.")]
        #[inline]
        pub(crate) fn $shl(a: $int, b: $int) -> $int {
            a.wrapping_shl(b as u32)
        }

        #[doc = concat!("`", stringify!($shr_s), "`: arithmetic shift right by `b` modulo the width.")]
        #[inline]
        pub(crate) fn $shr_s(a: $int, b: $int) -> $int {
            a.wrapping_shr(b as u32)
        }

        #[doc = concat!("`", stringify!($shr_u), "`: logical shift right by `b` modulo the width.")]
        #[inline]
        pub(crate) fn $shr_u(a: $int, b: $int) -> $int {
            (a as $uint).wrapping_shr(b as u32) as $int
        }

        #[doc = concat!("`", stringify!($rotl), "`: rotate left by `b` modulo the width.")]
        #[inline]
        pub(crate) fn $rotl(a: $int, b: $int) -> $int {
            // `rotate_left` already reduces the count modulo the width.
            a.rotate_left(b as u32)
        }

        #[doc = concat!("`", stringify!($rotr), "`: rotate right by `b` modulo the width.")]
        #[inline]
        pub(crate) fn $rotr(a: $int, b: $int) -> $int {
            a.rotate_right(b as u32)
        }

        #[doc = concat!("`", stringify!($clz), "`: count of leading zero bits (the width for 0).")]
        #[inline]
        pub(crate) fn $clz(a: $int) -> $int {
            a.leading_zeros() as $int
        }

        #[doc = concat!("`", stringify!($ctz), "`: count of trailing zero bits (the width for 0).")]
        #[inline]
        pub(crate) fn $ctz(a: $int) -> $int {
            a.trailing_zeros() as $int
        }

        #[doc = concat!("`", stringify!($popcnt), "`: count of one bits.")]
        #[inline]
        pub(crate) fn $popcnt(a: $int) -> $int {
            a.count_ones() as $int
        }
    };
}

int_ops!(
    i32, u32, i32_div_s, i32_div_u, i32_rem_s, i32_rem_u, i32_shl, i32_shr_s, i32_shr_u, i32_rotl,
    i32_rotr, i32_clz, i32_ctz, i32_popcnt
);
int_ops!(
    i64, u64, i64_div_s, i64_div_u, i64_rem_s, i64_rem_u, i64_shl, i64_shr_s, i64_shr_u, i64_rotl,
    i64_rotr, i64_clz, i64_ctz, i64_popcnt
);

/// `i32.extend8_s`: sign-extends the low 8 bits.
#[inline]
pub(crate) fn i32_extend8_s(a: i32) -> i32 {
    a as i8 as i32
}

/// `i32.extend16_s`: sign-extends the low 16 bits.
#[inline]
pub(crate) fn i32_extend16_s(a: i32) -> i32 {
    a as i16 as i32
}

/// `i64.extend8_s`: sign-extends the low 8 bits.
#[inline]
pub(crate) fn i64_extend8_s(a: i64) -> i64 {
    a as i8 as i64
}

/// `i64.extend16_s`: sign-extends the low 16 bits.
#[inline]
pub(crate) fn i64_extend16_s(a: i64) -> i64 {
    a as i16 as i64
}

/// `i64.extend32_s`: sign-extends the low 32 bits.
#[inline]
pub(crate) fn i64_extend32_s(a: i64) -> i64 {
    a as i32 as i64
}
