//! Numeric instructions (spec "Validation › Instructions › Numeric
//! Instructions"): constants, unary and binary operators, tests,
//! comparisons and conversions, including the sign-extension and
//! saturating-truncation operators of WebAssembly 2.0.
//!
//! Every numeric operator has a fixed signature `[t1 (t2)] -> [t3]`, so the
//! family is one table (the `numeric!` invocation below: a signature, then
//! the `visit_*` rules that have it) and one rule (`FuncValidator::numeric`).

use wisp_core::ValType;
use wisp_decode::wasmparser::{Ieee32, Ieee64};

use super::{FuncValidator, Result};

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;
const F32: ValType = ValType::F32;
const F64: ValType = ValType::F64;

/// Defines a `visit_*` rule per operator name, grouped by signature:
/// `[params] -> result: visit_a visit_b ...;`.
macro_rules! numeric {
    ($($params:tt -> $result:ident : $($visit:ident)*;)*) => {
        impl FuncValidator<'_> {
            $($(
                #[inline(always)]
                pub(super) fn $visit(&mut self) -> Result<()> {
                    self.numeric(&$params, $result)
                }
            )*)*
        }
    };
}

impl FuncValidator<'_> {
    /// The one numeric rule: pop the operands, push the result.
    #[inline(always)]
    fn numeric(&mut self, params: &[ValType], result: ValType) -> Result<()> {
        self.pop_push(params, result)
    }

    #[inline(always)]
    pub(super) fn visit_i32_const(&mut self, _: i32) -> Result<()> {
        self.push_operand(Some(I32));
        Ok(())
    }

    #[inline(always)]
    pub(super) fn visit_i64_const(&mut self, _: i64) -> Result<()> {
        self.push_operand(Some(I64));
        Ok(())
    }

    pub(super) fn visit_f32_const(&mut self, _: Ieee32) -> Result<()> {
        self.push_operand(Some(F32));
        Ok(())
    }

    pub(super) fn visit_f64_const(&mut self, _: Ieee64) -> Result<()> {
        self.push_operand(Some(F64));
        Ok(())
    }
}

numeric! {
    // i32 tests, unary operators and sign extension: [i32] -> [i32].
    [I32] -> I32: visit_i32_eqz visit_i32_clz visit_i32_ctz visit_i32_popcnt
        visit_i32_extend8_s visit_i32_extend16_s;
    // i32 comparisons and binary operators: [i32 i32] -> [i32].
    [I32, I32] -> I32: visit_i32_eq visit_i32_ne visit_i32_lt_s visit_i32_lt_u
        visit_i32_gt_s visit_i32_gt_u visit_i32_le_s visit_i32_le_u visit_i32_ge_s
        visit_i32_ge_u visit_i32_add visit_i32_sub visit_i32_mul visit_i32_div_s
        visit_i32_div_u visit_i32_rem_s visit_i32_rem_u visit_i32_and visit_i32_or
        visit_i32_xor visit_i32_shl visit_i32_shr_s visit_i32_shr_u visit_i32_rotl
        visit_i32_rotr;

    // i64 test: [i64] -> [i32]; comparisons: [i64 i64] -> [i32].
    [I64] -> I32: visit_i64_eqz;
    [I64, I64] -> I32: visit_i64_eq visit_i64_ne visit_i64_lt_s visit_i64_lt_u
        visit_i64_gt_s visit_i64_gt_u visit_i64_le_s visit_i64_le_u visit_i64_ge_s
        visit_i64_ge_u;
    // i64 unary operators and sign extension: [i64] -> [i64].
    [I64] -> I64: visit_i64_clz visit_i64_ctz visit_i64_popcnt visit_i64_extend8_s
        visit_i64_extend16_s visit_i64_extend32_s;
    // i64 binary operators: [i64 i64] -> [i64].
    [I64, I64] -> I64: visit_i64_add visit_i64_sub visit_i64_mul visit_i64_div_s
        visit_i64_div_u visit_i64_rem_s visit_i64_rem_u visit_i64_and visit_i64_or
        visit_i64_xor visit_i64_shl visit_i64_shr_s visit_i64_shr_u visit_i64_rotl
        visit_i64_rotr;

    // f32.
    [F32, F32] -> I32: visit_f32_eq visit_f32_ne visit_f32_lt visit_f32_gt visit_f32_le
        visit_f32_ge;
    [F32] -> F32: visit_f32_abs visit_f32_neg visit_f32_ceil visit_f32_floor visit_f32_trunc
        visit_f32_nearest visit_f32_sqrt;
    [F32, F32] -> F32: visit_f32_add visit_f32_sub visit_f32_mul visit_f32_div visit_f32_min
        visit_f32_max visit_f32_copysign;

    // f64.
    [F64, F64] -> I32: visit_f64_eq visit_f64_ne visit_f64_lt visit_f64_gt visit_f64_le
        visit_f64_ge;
    [F64] -> F64: visit_f64_abs visit_f64_neg visit_f64_ceil visit_f64_floor visit_f64_trunc
        visit_f64_nearest visit_f64_sqrt;
    [F64, F64] -> F64: visit_f64_add visit_f64_sub visit_f64_mul visit_f64_div visit_f64_min
        visit_f64_max visit_f64_copysign;

    // Conversions, grouped by operand type.
    [I64] -> I32: visit_i32_wrap_i64;
    [F32] -> I32: visit_i32_trunc_f32_s visit_i32_trunc_f32_u visit_i32_trunc_sat_f32_s
        visit_i32_trunc_sat_f32_u visit_i32_reinterpret_f32;
    [F64] -> I32: visit_i32_trunc_f64_s visit_i32_trunc_f64_u visit_i32_trunc_sat_f64_s
        visit_i32_trunc_sat_f64_u;
    [I32] -> I64: visit_i64_extend_i32_s visit_i64_extend_i32_u;
    [F32] -> I64: visit_i64_trunc_f32_s visit_i64_trunc_f32_u visit_i64_trunc_sat_f32_s
        visit_i64_trunc_sat_f32_u;
    [F64] -> I64: visit_i64_trunc_f64_s visit_i64_trunc_f64_u visit_i64_trunc_sat_f64_s
        visit_i64_trunc_sat_f64_u visit_i64_reinterpret_f64;
    [I32] -> F32: visit_f32_convert_i32_s visit_f32_convert_i32_u visit_f32_reinterpret_i32;
    [I64] -> F32: visit_f32_convert_i64_s visit_f32_convert_i64_u;
    [F64] -> F32: visit_f32_demote_f64;
    [I32] -> F64: visit_f64_convert_i32_s visit_f64_convert_i32_u;
    [I64] -> F64: visit_f64_convert_i64_s visit_f64_convert_i64_u visit_f64_reinterpret_i64;
    [F32] -> F64: visit_f64_promote_f32;
}
