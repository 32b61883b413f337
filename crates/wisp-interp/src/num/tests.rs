//! Unit tests of the numeric helpers, with cases taken from the official
//! test suite (`wasm-v2/{i32,i64,f32,f64,float_misc,conversions}.wast`).
//! Float literals are written as in the `.wast` files (hex floats) and
//! parsed by [`hexf`]; results are compared bit for bit.

use super::*;
use wisp_core::TrapCode::{IntegerDivideByZero, IntegerOverflow, InvalidConversionToInteger};

/// Parses a finite hex float (`-0x1.fffffep+127`), a decimal integer-valued
/// float (`2147483648.0`) or `inf`/`-inf`, exactly, as an `f64`. Values in
/// the tests are exactly representable, so scaling by powers of two is exact.
fn hexf(s: &str) -> f64 {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let value = if s == "inf" {
        f64::INFINITY
    } else if let Some(hex) = s.strip_prefix("0x") {
        let (mantissa, exp) = hex.split_once('p').unwrap_or((hex, "0"));
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = u64::from_str_radix(&[int, frac].concat(), 16).expect("hex digits");
        let mut exp: i32 = exp.trim_start_matches('+').parse().expect("exponent");
        exp -= 4 * frac.len() as i32;
        let mut v = digits as f64;
        assert_eq!(v as u64, digits, "mantissa of {s} must be exact");
        while exp > 0 {
            v *= 2.0;
            exp -= 1;
        }
        while exp < 0 {
            v *= 0.5;
            exp += 1;
        }
        v
    } else {
        s.parse().expect("decimal")
    };
    if neg { -value } else { value }
}

/// [`hexf`] as an `f32`, asserting the literal is exactly representable.
fn hexf32(s: &str) -> f32 {
    let v = hexf(s);
    let f = v as f32;
    assert!(f64::from(f) == v || v.is_nan(), "{s} is not an f32");
    f
}

/// Canonical NaNs and signalling NaNs with a payload, as bits.
const F32_NAN: u32 = 0x7FC0_0000;
const F32_NEG_NAN: u32 = 0xFFC0_0000;
const F32_SNAN: u32 = 0x7FA0_0000; // nan:0x200000
const F64_NAN: u64 = 0x7FF8_0000_0000_0000;
const F64_SNAN: u64 = 0x7FF4_0000_0000_0000; // nan:0x4000000000000

fn is_arithmetic_f32(x: f32) -> bool {
    x.is_nan() && x.to_bits() & (1 << 22) != 0
}

fn is_arithmetic_f64(x: f64) -> bool {
    x.is_nan() && x.to_bits() & (1 << 51) != 0
}

#[test]
fn hexf_parses_the_literal_forms() {
    assert_eq!(hexf("0x1p+0"), 1.0);
    assert_eq!(hexf("-0x1.8p+1"), -3.0);
    assert_eq!(hexf("0x1p-1074").to_bits(), 1);
    assert_eq!(hexf("0x0.0000000000001p-1022").to_bits(), 1);
    assert_eq!(hexf32("0x1.fffffep+127"), f32::MAX);
    assert_eq!(hexf32("0x1p-149").to_bits(), 1);
    assert_eq!(hexf("-inf"), f64::NEG_INFINITY);
    assert_eq!(hexf("2147483648.0"), 2_147_483_648.0);
}

// ------------------------------------------------------------- integers ----

#[test]
fn i32_division_and_remainder() {
    assert_eq!(i32_div_s(7, 2), Ok(3));
    assert_eq!(i32_div_s(-7, 2), Ok(-3));
    assert_eq!(i32_div_s(7, -2), Ok(-3));
    assert_eq!(i32_div_s(-7, -2), Ok(3));
    assert_eq!(i32_div_s(1, 0), Err(IntegerDivideByZero));
    assert_eq!(i32_div_s(0, 0), Err(IntegerDivideByZero));
    assert_eq!(i32_div_s(i32::MIN, -1), Err(IntegerOverflow));
    assert_eq!(i32_div_s(i32::MIN, 0), Err(IntegerDivideByZero));
    assert_eq!(i32_div_s(i32::MIN, 2), Ok(-0x4000_0000));
    assert_eq!(
        i32_div_s(0x8000_0001_u32 as i32, 1000),
        Ok(0xFFDF_3B65_u32 as i32)
    );

    assert_eq!(i32_div_u(i32::MIN, -1), Ok(0));
    assert_eq!(i32_div_u(-5, 2), Ok(0x7FFF_FFFD));
    assert_eq!(i32_div_u(0x8FF0_0FF0_u32 as i32, 0x10001), Ok(0x8FEF));
    assert_eq!(i32_div_u(0x8000_0001_u32 as i32, 1000), Ok(0x20_C49B));
    assert_eq!(i32_div_u(1, 0), Err(IntegerDivideByZero));

    assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
    assert_eq!(i32_rem_s(-7, 2), Ok(-1));
    assert_eq!(i32_rem_s(7, -2), Ok(1));
    assert_eq!(i32_rem_s(0x8000_0001_u32 as i32, 1000), Ok(-647));
    assert_eq!(i32_rem_s(1, 0), Err(IntegerDivideByZero));

    assert_eq!(i32_rem_u(i32::MIN, -1), Ok(i32::MIN));
    assert_eq!(i32_rem_u(-5, 2), Ok(1));
    assert_eq!(i32_rem_u(0x8FF0_0FF0_u32 as i32, 0x10001), Ok(0x8001));
    assert_eq!(i32_rem_u(0x8000_0001_u32 as i32, 1000), Ok(649));
    assert_eq!(i32_rem_u(1, 0), Err(IntegerDivideByZero));
}

#[test]
fn i64_division_and_remainder() {
    assert_eq!(i64_div_s(i64::MIN, -1), Err(IntegerOverflow));
    assert_eq!(i64_div_s(1, 0), Err(IntegerDivideByZero));
    assert_eq!(i64_div_s(-7, 2), Ok(-3));
    assert_eq!(i64_div_s(i64::MIN, 2), Ok(-0x4000_0000_0000_0000));
    assert_eq!(
        i64_div_s(0x8000_0000_0000_0001_u64 as i64, 1000),
        Ok(0xFFDF_3B64_5A1C_AC09_u64 as i64)
    );
    assert_eq!(i64_div_u(i64::MIN, -1), Ok(0));
    assert_eq!(
        i64_div_u(0x8FF0_0FF0_0FF0_0FF0_u64 as i64, 0x1_0000_0001),
        Ok(0x8FF0_0FEF)
    );
    assert_eq!(
        i64_div_u(0x8000_0000_0000_0001_u64 as i64, 1000),
        Ok(0x20_C49B_A5E3_53F7)
    );
    assert_eq!(i64_div_u(1, 0), Err(IntegerDivideByZero));

    assert_eq!(i64_rem_s(i64::MIN, -1), Ok(0));
    assert_eq!(i64_rem_s(0x8000_0000_0000_0001_u64 as i64, 1000), Ok(-807));
    assert_eq!(i64_rem_s(1, 0), Err(IntegerDivideByZero));
    assert_eq!(i64_rem_u(i64::MIN, -1), Ok(i64::MIN));
    assert_eq!(
        i64_rem_u(0x8FF0_0FF0_0FF0_0FF0_u64 as i64, 0x1_0000_0001),
        Ok(0x8000_0001)
    );
    assert_eq!(i64_rem_u(0x8000_0000_0000_0001_u64 as i64, 1000), Ok(809));
    assert_eq!(i64_rem_u(1, 0), Err(IntegerDivideByZero));
}

#[test]
fn shifts_and_rotates_take_the_count_modulo_the_width() {
    assert_eq!(i32_shl(1, 31), i32::MIN);
    assert_eq!(i32_shl(1, 32), 1);
    assert_eq!(i32_shl(1, 33), 2);
    assert_eq!(i32_shl(1, -1), i32::MIN);
    assert_eq!(i32_shr_s(i32::MIN, 31), -1);
    assert_eq!(i32_shr_s(-1, 0x7FFF_FFFF), -1);
    assert_eq!(i32_shr_u(i32::MIN, 31), 1);
    assert_eq!(i32_shr_u(-1, 32), -1);
    assert_eq!(i32_shr_u(-1, 33), 0x7FFF_FFFF);
    assert_eq!(i32_rotl(0xABCD_9876_u32 as i32, 1), 0x579B_30ED);
    assert_eq!(i32_rotl(0xFE00_DC00_u32 as i32, 4), 0xE00D_C00F_u32 as i32);
    assert_eq!(
        i32_rotl(0xB0C1_D2E3_u32 as i32, 0x20),
        0xB0C1_D2E3_u32 as i32
    );
    assert_eq!(i32_rotr(0xFF00_CC00_u32 as i32, 1), 0x7F80_6600);
    assert_eq!(i32_rotr(0xB0C1_D2E3_u32 as i32, 5), 0x1D86_0E97);
    assert_eq!(i32_rotr(1, -1), 2);

    assert_eq!(i64_shl(1, 63), i64::MIN);
    assert_eq!(i64_shl(1, 64), 1);
    assert_eq!(i64_shr_s(i64::MIN, 63), -1);
    assert_eq!(i64_shr_u(i64::MIN, 63), 1);
    assert_eq!(i64_shr_u(-1, 65), i64::MAX);
    assert_eq!(i64_rotl(1, 63), i64::MIN);
    assert_eq!(i64_rotl(1, 64), 1);
    assert_eq!(i64_rotr(1, 1), i64::MIN);
    assert_eq!(
        i64_rotl(0xABD1_234E_F567_809C_u64 as i64, 0x3F),
        0x55E8_91A7_7AB3_C04E
    );
}

#[test]
fn bit_counts_and_sign_extension() {
    assert_eq!(i32_clz(0), 32);
    assert_eq!(i32_clz(1), 31);
    assert_eq!(i32_clz(i32::MIN), 0);
    assert_eq!(i32_ctz(0), 32);
    assert_eq!(i32_ctz(0x8000), 15);
    assert_eq!(i32_popcnt(-1), 32);
    assert_eq!(i32_popcnt(0x5555_5555), 16);
    assert_eq!(i64_clz(0), 64);
    assert_eq!(i64_ctz(0), 64);
    assert_eq!(i64_popcnt(-1), 64);

    assert_eq!(i32_extend8_s(0x7F), 127);
    assert_eq!(i32_extend8_s(0x80), -128);
    assert_eq!(i32_extend8_s(0x0123_4580), -0x80);
    assert_eq!(i32_extend8_s(0xFEDC_BA7F_u32 as i32), 0x7F);
    assert_eq!(i32_extend16_s(0x8000), -0x8000);
    assert_eq!(i32_extend16_s(0x0123_7FFF), 0x7FFF);
    assert_eq!(i64_extend8_s(0x0123_4567_89AB_CD80), -0x80);
    assert_eq!(i64_extend16_s(0x8000), -0x8000);
    assert_eq!(i64_extend32_s(0x8000_0000), -0x8000_0000);
    assert_eq!(i64_extend32_s(0x0123_4567_7FFF_FFFF), 0x7FFF_FFFF);
}

// ---------------------------------------------------------------- floats ----

#[test]
fn min_and_max_order_signed_zeros() {
    let (pz, nz) = (0.0f32, -0.0f32);
    assert_eq!(f32_min(pz, nz).to_bits(), nz.to_bits());
    assert_eq!(f32_min(nz, pz).to_bits(), nz.to_bits());
    assert_eq!(f32_max(pz, nz).to_bits(), pz.to_bits());
    assert_eq!(f32_max(nz, pz).to_bits(), pz.to_bits());
    assert_eq!(f32_max(nz, nz).to_bits(), nz.to_bits());
    assert_eq!(f64_min(0.0, -0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(f64_max(-0.0, 0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(f64_min(-0.0, -0.0).to_bits(), (-0.0f64).to_bits());

    assert_eq!(f32_min(1.0, 2.0), 1.0);
    assert_eq!(f32_max(1.0, 2.0), 2.0);
    assert_eq!(f32_min(f32::NEG_INFINITY, f32::INFINITY), f32::NEG_INFINITY);
    assert_eq!(f64_max(f64::NEG_INFINITY, -1.0), -1.0);
    assert_eq!(f64_min(-f64::MAX, f64::MAX), -f64::MAX);
}

#[test]
fn min_and_max_propagate_nan() {
    let nan = f32::from_bits(F32_NAN);
    let neg_nan = f32::from_bits(F32_NEG_NAN);
    let snan = f32::from_bits(F32_SNAN);
    // A canonical input gives a canonical result.
    assert_eq!(f32_min(nan, 1.0).to_bits(), F32_NAN);
    assert_eq!(f32_max(1.0, neg_nan).to_bits(), F32_NEG_NAN);
    assert_eq!(f32_max(f32::INFINITY, nan).to_bits(), F32_NAN);
    assert_eq!(f32_min(-0.0, neg_nan).to_bits(), F32_NEG_NAN);
    // A signalling input gives an arithmetic (quiet) NaN.
    assert!(is_arithmetic_f32(f32_min(snan, 1.0)));
    assert!(is_arithmetic_f32(f32_max(0.0, snan)));
    assert!(is_arithmetic_f32(f32_max(snan, nan)));
    assert_eq!(f64_min(f64::from_bits(F64_NAN), 0.0).to_bits(), F64_NAN);
    assert!(is_arithmetic_f64(f64_max(-1.0, f64::from_bits(F64_SNAN))));
}

#[test]
fn sign_operators_touch_only_the_sign_bit() {
    assert_eq!(f32_abs(f32::from_bits(0xFFA0_0000)).to_bits(), 0x7FA0_0000);
    assert_eq!(f32_neg(f32::from_bits(F32_SNAN)).to_bits(), 0xFFA0_0000);
    assert_eq!(f32_neg(0.0).to_bits(), (-0.0f32).to_bits());
    assert_eq!(f32_abs(-0.0).to_bits(), 0);
    assert_eq!(
        f32_copysign(f32::from_bits(F32_SNAN), -1.0).to_bits(),
        0xFFA0_0000
    );
    assert_eq!(f32_copysign(2.5, f32::from_bits(F32_NEG_NAN)), -2.5);
    assert_eq!(f32_copysign(-2.5, 0.0), 2.5);
    assert_eq!(
        f64_abs(f64::from_bits(0xFFF4_0000_0000_0001)).to_bits(),
        0x7FF4_0000_0000_0001
    );
    assert_eq!(f64_neg(-f64::INFINITY), f64::INFINITY);
    assert_eq!(f64_copysign(1.0, -0.0), -1.0);
    assert_eq!(
        f64_copysign(-f64::from_bits(F64_NAN), 1.0).to_bits(),
        F64_NAN
    );
}

#[test]
fn nearest_rounds_half_to_even() {
    let cases32: &[(&str, &str)] = &[
        ("0.0", "0.0"),
        ("-0.0", "-0.0"),
        ("0x1p-149", "0.0"),
        ("-0x1p-149", "-0.0"),
        ("0x1p-1", "0.0"),
        ("-0x1p-1", "-0.0"),
        ("0x1.8p+0", "2.0"),
        ("-0x1.8p+0", "-2.0"),
        ("0x1.4p+1", "2.0"),
        ("-0x1.4p+1", "-2.0"),
        ("0x1.2p+2", "4.0"),
        ("-0x1.cp+1", "-4.0"),
        ("0x1.fffffep+22", "0x1p+23"),
        ("-0x1.fffffep+22", "-0x1p+23"),
        ("0x1.000002p+23", "0x1.000002p+23"),
        ("0x1.fffffep+127", "0x1.fffffep+127"),
        ("-inf", "-inf"),
    ];
    for (x, want) in cases32 {
        assert_eq!(
            f32_nearest(hexf32(x)).to_bits(),
            hexf32(want).to_bits(),
            "f32.nearest {x}"
        );
    }
    let cases64: &[(&str, &str)] = &[
        ("-0.0", "-0.0"),
        ("0x1p-1074", "0.0"),
        ("-0x1p-1", "-0.0"),
        ("0x1.4p+1", "2.0"),
        ("-0x1.cp+1", "-4.0"),
        ("0x1.fffffffffffffp+51", "0x1p+52"),
        ("-0x1.fffffffffffffp+51", "-0x1p+52"),
        ("0x1.0000000000001p+52", "0x1.0000000000001p+52"),
        ("0x1.fffffffffffffp+1023", "0x1.fffffffffffffp+1023"),
        ("inf", "inf"),
    ];
    for (x, want) in cases64 {
        assert_eq!(
            f64_nearest(hexf(x)).to_bits(),
            hexf(want).to_bits(),
            "f64.nearest {x}"
        );
    }
}

#[test]
fn ceil_floor_trunc_keep_signed_zeros() {
    let z = |x: f32| x.to_bits();
    assert_eq!(z(f32_ceil(-0.5)), z(-0.0));
    assert_eq!(z(f32_ceil(0.5)), z(1.0));
    assert_eq!(z(f32_ceil(-1.5)), z(-1.0));
    assert_eq!(z(f32_floor(-0.5)), z(-1.0));
    assert_eq!(z(f32_floor(0.5)), z(0.0));
    assert_eq!(z(f32_floor(-0.0)), z(-0.0));
    assert_eq!(z(f32_trunc(-0.5)), z(-0.0));
    assert_eq!(z(f32_trunc(-1.5)), z(-1.0));
    assert_eq!(z(f32_trunc(1.9)), z(1.0));
    assert_eq!(z(f32_ceil(hexf32("-0x1p-149"))), z(-0.0));
    assert_eq!(z(f32_floor(hexf32("0x1.fffffep+127"))), z(f32::MAX));
    assert_eq!(f64_ceil(hexf("0x1.fffffffffffffp+51")), hexf("0x1p+52"));
    assert_eq!(f64_floor(hexf("-0x1.fffffffffffffp+51")), hexf("-0x1p+52"));
    assert_eq!(f64_floor(hexf("0x1p-1074")), 0.0);
    assert_eq!(
        f64_trunc(hexf("-0x1.fffffffffffffp+51")),
        hexf("-0x1.ffffffffffffep+51")
    );
    assert_eq!(f64_ceil(-0.5).to_bits(), (-0.0f64).to_bits());
    assert_eq!(f64_trunc(f64::NEG_INFINITY), f64::NEG_INFINITY);
}

#[test]
fn sqrt_is_correctly_rounded() {
    assert_eq!(f32_sqrt(2.0).to_bits(), 0x3FB5_04F3);
    assert_eq!(f64_sqrt(2.0).to_bits(), 0x3FF6_A09E_667F_3BCD);
    assert_eq!(f32_sqrt(-0.0).to_bits(), (-0.0f32).to_bits());
    assert_eq!(f64_sqrt(f64::INFINITY), f64::INFINITY);
    assert!(f32_sqrt(-1.0).is_nan());
    assert!(f64_sqrt(f64::NEG_INFINITY).is_nan());
    // float_misc.wast
    assert_eq!(f32_sqrt(hexf32("0x1.000002p+0")), 1.0);
    assert_eq!(f32_sqrt(hexf32("0x1.000004p+0")), hexf32("0x1.000002p+0"));
    assert_eq!(
        f64_sqrt(hexf("0x1.fffffffffffffp-1")),
        hexf("0x1.fffffffffffffp-1")
    );
    assert_eq!(f64_sqrt(hexf("0x1p-1074")), hexf("0x1p-537"));
}

#[test]
fn rounding_and_sqrt_quiet_a_nan_input() {
    let ops32: [fn(f32) -> f32; 5] = [f32_nearest, f32_ceil, f32_floor, f32_trunc, f32_sqrt];
    for (i, op) in ops32.iter().enumerate() {
        assert_eq!(op(f32::from_bits(F32_NAN)).to_bits(), F32_NAN, "op {i}");
        assert_eq!(
            op(f32::from_bits(F32_NEG_NAN)).to_bits(),
            F32_NEG_NAN,
            "op {i}"
        );
        assert_eq!(
            op(f32::from_bits(F32_SNAN)).to_bits(),
            0x7FE0_0000,
            "op {i}"
        );
        assert!(is_arithmetic_f32(op(f32::from_bits(0xFF80_0001))), "op {i}");
    }
    let ops64: [fn(f64) -> f64; 5] = [f64_nearest, f64_ceil, f64_floor, f64_trunc, f64_sqrt];
    for (i, op) in ops64.iter().enumerate() {
        assert_eq!(op(f64::from_bits(F64_NAN)).to_bits(), F64_NAN, "op {i}");
        assert_eq!(
            op(f64::from_bits(F64_SNAN)).to_bits(),
            0x7FFC_0000_0000_0000,
            "op {i}"
        );
        assert!(
            is_arithmetic_f64(op(f64::from_bits(0xFFF0_0000_0000_0001))),
            "op {i}"
        );
    }
}

// ----------------------------------------------------------- conversions ----

#[test]
fn trapping_truncation_to_i32() {
    let nan32 = f32::from_bits(F32_NAN);
    assert_eq!(i32_trunc_f32_s(hexf32("-2147483648.0")), Ok(i32::MIN));
    assert_eq!(
        i32_trunc_f32_s(hexf32("2147483648.0")),
        Err(IntegerOverflow)
    );
    assert_eq!(
        i32_trunc_f32_s(hexf32("-2147483904.0")),
        Err(IntegerOverflow)
    );
    assert_eq!(i32_trunc_f32_s(hexf32("0x1.fffffep+30")), Ok(2_147_483_520));
    assert_eq!(i32_trunc_f32_s(-1.9), Ok(-1));
    assert_eq!(i32_trunc_f32_s(-0.0), Ok(0));
    assert_eq!(i32_trunc_f32_s(hexf32("0x1p-149")), Ok(0));
    assert_eq!(i32_trunc_f32_s(f32::INFINITY), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_s(f32::NEG_INFINITY), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_s(nan32), Err(InvalidConversionToInteger));
    assert_eq!(i32_trunc_f32_s(-nan32), Err(InvalidConversionToInteger));

    assert_eq!(i32_trunc_f32_u(hexf32("-0x1.ccccccp-1")), Ok(0));
    assert_eq!(i32_trunc_f32_u(-1.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f32_u(hexf32("2147483648")), Ok(i32::MIN));
    assert_eq!(i32_trunc_f32_u(hexf32("4294967040.0")), Ok(-256));
    assert_eq!(
        i32_trunc_f32_u(hexf32("4294967296.0")),
        Err(IntegerOverflow)
    );
    assert_eq!(
        i32_trunc_f32_u(f32::from_bits(F32_SNAN)),
        Err(InvalidConversionToInteger)
    );

    assert_eq!(i32_trunc_f64_s(-2_147_483_648.9), Ok(i32::MIN));
    assert_eq!(i32_trunc_f64_s(-2_147_483_649.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_s(2_147_483_647.9), Ok(i32::MAX));
    assert_eq!(i32_trunc_f64_s(2_147_483_648.0), Err(IntegerOverflow));
    assert_eq!(
        i32_trunc_f64_s(f64::from_bits(F64_NAN)),
        Err(InvalidConversionToInteger)
    );

    assert_eq!(i32_trunc_f64_u(4_294_967_295.9), Ok(-1));
    assert_eq!(i32_trunc_f64_u(4_294_967_296.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_u(-0.9), Ok(0));
    assert_eq!(i32_trunc_f64_u(hexf("-0x1.fffffffffffffp-1")), Ok(0));
    assert_eq!(i32_trunc_f64_u(-1.0), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_u(1e16), Err(IntegerOverflow));
    assert_eq!(i32_trunc_f64_u(f64::INFINITY), Err(IntegerOverflow));
    assert_eq!(
        i32_trunc_f64_u(-f64::from_bits(F64_SNAN)),
        Err(InvalidConversionToInteger)
    );
}

#[test]
fn trapping_truncation_to_i64() {
    assert_eq!(
        i64_trunc_f32_s(hexf32("-9223372036854775808")),
        Ok(i64::MIN)
    );
    assert_eq!(
        i64_trunc_f32_s(hexf32("9223372036854775808")),
        Err(IntegerOverflow)
    );
    assert_eq!(
        i64_trunc_f32_s(hexf32("0x1.fffffep+62")),
        Ok(9_223_371_487_098_961_920)
    );
    assert_eq!(
        i64_trunc_f32_s(hexf32("-0x1.000002p+63")),
        Err(IntegerOverflow)
    );
    assert_eq!(
        i64_trunc_f32_s(f32::from_bits(F32_NAN)),
        Err(InvalidConversionToInteger)
    );

    assert_eq!(
        i64_trunc_f32_u(hexf32("0x1.fffffep+63")),
        Ok(-1_099_511_627_776)
    );
    assert_eq!(
        i64_trunc_f32_u(hexf32("18446744073709551616")),
        Err(IntegerOverflow)
    );
    assert_eq!(i64_trunc_f32_u(hexf32("-0x1.ccccccp-1")), Ok(0));
    assert_eq!(i64_trunc_f32_u(-1.0), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f32_u(f32::NEG_INFINITY), Err(IntegerOverflow));

    assert_eq!(i64_trunc_f64_s(hexf("-9223372036854775808")), Ok(i64::MIN));
    assert_eq!(
        i64_trunc_f64_s(hexf("9223372036854775808")),
        Err(IntegerOverflow)
    );
    assert_eq!(
        i64_trunc_f64_s(hexf("9223372036854774784")),
        Ok(9_223_372_036_854_774_784)
    );
    assert_eq!(
        i64_trunc_f64_s(hexf("-9223372036854777856")),
        Err(IntegerOverflow)
    );
    assert_eq!(
        i64_trunc_f64_s(f64::from_bits(F64_SNAN)),
        Err(InvalidConversionToInteger)
    );

    assert_eq!(i64_trunc_f64_u(hexf("18446744073709549568")), Ok(-2048));
    assert_eq!(
        i64_trunc_f64_u(hexf("18446744073709551616")),
        Err(IntegerOverflow)
    );
    assert_eq!(i64_trunc_f64_u(hexf("-0x1.fffffffffffffp-1")), Ok(0));
    assert_eq!(i64_trunc_f64_u(-1.0), Err(IntegerOverflow));
    assert_eq!(i64_trunc_f64_u(1e8), Ok(100_000_000));
    assert_eq!(i64_trunc_f64_u(hexf("0x1.ccccccccccccdp+0")), Ok(1));
}

#[test]
fn saturating_truncation() {
    let nan32 = f32::from_bits(F32_NAN);
    let nan64 = f64::from_bits(F64_NAN);
    assert_eq!(i32_trunc_sat_f32_s(nan32), 0);
    assert_eq!(i32_trunc_sat_f32_s(-nan32), 0);
    assert_eq!(i32_trunc_sat_f32_s(f32::INFINITY), i32::MAX);
    assert_eq!(i32_trunc_sat_f32_s(f32::NEG_INFINITY), i32::MIN);
    assert_eq!(i32_trunc_sat_f32_s(2_147_483_648.0), i32::MAX);
    assert_eq!(i32_trunc_sat_f32_s(-2_147_483_904.0), i32::MIN);
    assert_eq!(i32_trunc_sat_f32_s(-1.9), -1);
    assert_eq!(i32_trunc_sat_f32_u(f32::NEG_INFINITY), 0);
    assert_eq!(i32_trunc_sat_f32_u(-1.0), 0);
    assert_eq!(i32_trunc_sat_f32_u(4_294_967_296.0), -1);
    assert_eq!(i32_trunc_sat_f32_u(f32::from_bits(F32_SNAN)), 0);
    assert_eq!(i32_trunc_sat_f64_s(-2_147_483_649.0), i32::MIN);
    assert_eq!(i32_trunc_sat_f64_s(2_147_483_647.9), i32::MAX);
    assert_eq!(i32_trunc_sat_f64_s(nan64), 0);
    assert_eq!(i32_trunc_sat_f64_u(4_294_967_295.9), -1);
    assert_eq!(i32_trunc_sat_f64_u(1e16), -1);
    assert_eq!(i32_trunc_sat_f64_u(-0.9), 0);
    assert_eq!(i64_trunc_sat_f32_s(f32::INFINITY), i64::MAX);
    assert_eq!(i64_trunc_sat_f32_s(hexf32("-0x1.000002p+63")), i64::MIN);
    assert_eq!(i64_trunc_sat_f32_u(hexf32("18446744073709551616")), -1);
    assert_eq!(i64_trunc_sat_f32_u(nan32), 0);
    assert_eq!(i64_trunc_sat_f64_s(hexf("9223372036854775808")), i64::MAX);
    assert_eq!(i64_trunc_sat_f64_s(-nan64), 0);
    assert_eq!(i64_trunc_sat_f64_u(hexf("18446744073709549568")), -2048);
    assert_eq!(i64_trunc_sat_f64_u(f64::NEG_INFINITY), 0);
    assert_eq!(i64_trunc_sat_f64_u(f64::INFINITY), -1);
}

#[test]
fn int_to_float_conversion_rounds_once_to_nearest_even() {
    let f32_cases: &[(f32, &str)] = &[
        (f32_convert_i32_s(16_777_217), "16777216.0"),
        (f32_convert_i32_s(-16_777_217), "-16777216.0"),
        (f32_convert_i32_s(16_777_219), "16777220.0"),
        (f32_convert_i32_s(i32::MIN), "-2147483648"),
        (f32_convert_i32_s(0x0123_4567), "0x1.234568p+24"),
        (f32_convert_i32_u(-1), "4294967296.0"),
        (f32_convert_i32_u(0x8000_0080_u32 as i32), "0x1.000000p+31"),
        (f32_convert_i32_u(0x8000_0081_u32 as i32), "0x1.000002p+31"),
        (f32_convert_i32_u(0xFFFF_FE80_u32 as i32), "0x1.fffffcp+31"),
        (f32_convert_i32_u(0xFFFF_FE81_u32 as i32), "0x1.fffffep+31"),
        (f32_convert_i64_s(0x0020_0000_2000_0001), "0x1.000002p+53"),
        (
            f32_convert_i64_s(0xFFDF_FFFF_DFFF_FFFF_u64 as i64),
            "-0x1.000002p+53",
        ),
        (f32_convert_i64_s(i64::MAX), "9223372036854775808"),
        (f32_convert_i64_u(-1), "18446744073709551616.0"),
        (f32_convert_i64_u(0x0020_0000_2000_0001), "0x1.000002p+53"),
        (f32_convert_i64_u(0x7FFF_FFBF_FFFF_FFFF), "0x1.fffffep+62"),
        (
            f32_convert_i64_u(0x8000_0080_0000_0001_u64 as i64),
            "0x1.000002p+63",
        ),
        (
            f32_convert_i64_u(0xFFFF_FE80_0000_0001_u64 as i64),
            "0x1.fffffep+63",
        ),
    ];
    for (i, (got, want)) in f32_cases.iter().enumerate() {
        assert_eq!(got.to_bits(), hexf32(want).to_bits(), "case {i}: {want}");
    }
    let f64_cases: &[(f64, &str)] = &[
        (f64_convert_i32_s(i32::MIN), "-2147483648"),
        (f64_convert_i32_u(-1), "4294967295.0"),
        (f64_convert_i32_u(i32::MIN), "2147483648"),
        (f64_convert_i64_s(9_007_199_254_740_993), "9007199254740992"),
        (
            f64_convert_i64_s(-9_007_199_254_740_993),
            "-9007199254740992",
        ),
        (f64_convert_i64_s(9_007_199_254_740_995), "9007199254740996"),
        (f64_convert_i64_u(-1), "18446744073709551616.0"),
        (
            f64_convert_i64_u(0x8000_0000_0000_0400_u64 as i64),
            "0x1.0000000000000p+63",
        ),
        (
            f64_convert_i64_u(0x8000_0000_0000_0401_u64 as i64),
            "0x1.0000000000001p+63",
        ),
        (
            f64_convert_i64_u(0xFFFF_FFFF_FFFF_F400_u64 as i64),
            "0x1.ffffffffffffep+63",
        ),
        (
            f64_convert_i64_u(0xFFFF_FFFF_FFFF_F401_u64 as i64),
            "0x1.fffffffffffffp+63",
        ),
        (f64_convert_i64_u(9_007_199_254_740_993), "9007199254740992"),
    ];
    for (i, (got, want)) in f64_cases.iter().enumerate() {
        assert_eq!(got.to_bits(), hexf(want).to_bits(), "case {i}: {want}");
    }
}

#[test]
fn demote_and_promote() {
    let demote: &[(&str, &str)] = &[
        ("-0.0", "-0.0"),
        ("0x0.0000000000001p-1022", "0.0"),
        ("-0x0.0000000000001p-1022", "-0.0"),
        ("0x1.fffffe0000000p-127", "0x1p-126"),
        ("0x1.fffffdfffffffp-127", "0x1.fffffcp-127"),
        ("0x1p-149", "0x1p-149"),
        ("0x1.fffffd0000000p+127", "0x1.fffffcp+127"),
        ("-0x1.fffffd0000001p+127", "-0x1.fffffep+127"),
        ("0x1.fffffefffffffp+127", "0x1.fffffep+127"),
        ("0x1.ffffffp+127", "inf"),
        ("-0x1.ffffffp+127", "-inf"),
        ("0x1.0000010000000p+0", "0x1.000000p+0"),
        ("0x1.0000010000001p+0", "0x1.000002p+0"),
        ("0x1.0000030000000p+0", "0x1.000004p+0"),
        ("0x1.0000050000000p+0", "0x1.000004p+0"),
        ("0x1.4eae4f7024c7p+108", "0x1.4eae5p+108"),
        ("0x1.cb98354d521ffp-127", "0x1.cb9834p-127"),
        ("0x1p-150", "0.0"),
        ("0x1.0000000000001p-150", "0x1p-149"),
    ];
    for (x, want) in demote {
        assert_eq!(
            f32_demote_f64(hexf(x)).to_bits(),
            hexf32(want).to_bits(),
            "demote {x}"
        );
    }
    assert_eq!(f32_demote_f64(f64::from_bits(F64_NAN)).to_bits(), F32_NAN);
    assert_eq!(
        f32_demote_f64(-f64::from_bits(F64_NAN)).to_bits(),
        F32_NEG_NAN
    );
    assert!(is_arithmetic_f32(f32_demote_f64(f64::from_bits(F64_SNAN))));
    assert!(is_arithmetic_f32(f32_demote_f64(f64::from_bits(
        0x7FF0_0000_0000_0001
    ))));

    for x in [
        "0.0",
        "-0.0",
        "0x1p-149",
        "-0x1.fffffep+127",
        "0x1.8f867ep+125",
        "-inf",
    ] {
        assert_eq!(
            f64_promote_f32(hexf32(x)).to_bits(),
            hexf(x).to_bits(),
            "promote {x}"
        );
    }
    assert_eq!(f64_promote_f32(f32::from_bits(F32_NAN)).to_bits(), F64_NAN);
    assert_eq!(
        f64_promote_f32(f32::from_bits(F32_NEG_NAN)).to_bits(),
        0xFFF8_0000_0000_0000
    );
    assert!(is_arithmetic_f64(f64_promote_f32(f32::from_bits(F32_SNAN))));
    assert!(is_arithmetic_f64(f64_promote_f32(f32::from_bits(
        0xFF80_0001
    ))));
}

#[test]
fn wrap_extend_and_reinterpret() {
    assert_eq!(i32_wrap_i64(0x1_0000_0005), 5);
    assert_eq!(i32_wrap_i64(-1), -1);
    assert_eq!(i32_wrap_i64(0xFFFF_FFFF_0000_0000_u64 as i64), 0);
    assert_eq!(i64_extend_i32_s(-1), -1);
    assert_eq!(i64_extend_i32_u(-1), 0xFFFF_FFFF);
    assert_eq!(i64_extend_i32_u(i32::MIN), 0x8000_0000);
    assert_eq!(i32_reinterpret_f32(-0.0), i32::MIN);
    assert_eq!(
        i32_reinterpret_f32(f32::from_bits(F32_SNAN)),
        F32_SNAN as i32
    );
    assert_eq!(i64_reinterpret_f64(-0.0), i64::MIN);
    assert_eq!(f32_reinterpret_i32(F32_SNAN as i32).to_bits(), F32_SNAN);
    assert_eq!(f32_reinterpret_i32(-1).to_bits(), u32::MAX);
    assert_eq!(f64_reinterpret_i64(F64_SNAN as i64).to_bits(), F64_SNAN);
    assert_eq!(f64_reinterpret_i64(1), hexf("0x1p-1074"));
}
