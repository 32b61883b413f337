//! Numeric operators: constants, comparisons, arithmetic and conversions.
//!
//! A constant right operand of an integer operation becomes an immediate
//! (`*Imm` instructions); a constant left operand of a commutative operation
//! or a comparison is swapped to the right; `a - c` becomes `a + (-c)` and
//! `c - a` becomes `RSubImm`. Other constants are materialized first.
//! Reinterpretations and `i64.extend_i32_u` emit nothing: the raw slot
//! encodings coincide (i32 values are kept zero-extended). The exception
//! is `i32.reinterpret_f32`: an `f32` slot's high half is unspecified (the
//! executor stores `f32` results as 4 bytes), so it becomes `I32WrapI64`,
//! which zero-extends.

use wisp_decode::wasmparser::Operator;

use super::TranslateError;
use crate::ir::{Bin, BinImm, Cmp, Compare, Instr, IntWidth, Rhs, Un};

use super::Translator;
use super::stack::{Operand, Producer, Source};

/// Which immediate forms an integer binary operation has.
#[derive(Clone, Copy)]
enum ImmForm {
    /// None: constants are materialized.
    None,
    /// `a op imm` only.
    Right(IntWidth, fn(BinImm) -> Instr),
    /// `a op imm`, and `imm op a` is swapped into it.
    Commutative(IntWidth, fn(BinImm) -> Instr),
    /// Subtraction: `a - imm` is `add(a, -imm)`, `imm - a` is `rsub(a, imm)`.
    Sub {
        width: IntWidth,
        add: fn(BinImm) -> Instr,
        rsub: fn(BinImm) -> Instr,
    },
}

/// The immediate encoding raw constant `c` of the given width, if it fits.
fn imm_of(width: IntWidth, c: u64) -> Option<i32> {
    match width {
        IntWidth::I32 => Some(c as u32 as i32),
        IntWidth::I64 => i32::try_from(c as i64).ok(),
    }
}

/// The immediate encoding `-c`, if it fits.
fn neg_imm_of(width: IntWidth, c: u64) -> Option<i32> {
    match width {
        IntWidth::I32 => Some((c as u32 as i32).wrapping_neg()),
        IntWidth::I64 => (c as i64).checked_neg().and_then(|n| i32::try_from(n).ok()),
    }
}

/// The NaN canonicalization of f32 results.
const F32: fn(Un) -> Instr = Instr::F32CanonNan;
/// The NaN canonicalization of f64 results.
const F64: fn(Un) -> Instr = Instr::F64CanonNan;

impl Translator<'_> {
    /// Translates a float operation that may produce a NaN with `emit`, then
    /// canonicalizes its result in place with `canon` when the config asks.
    fn float_result(
        &mut self,
        canon: fn(Un) -> Instr,
        emit: impl FnOnce(&mut Self) -> Result<(), TranslateError>,
    ) -> Result<(), TranslateError> {
        emit(self)?;
        if self.canonicalize_nans {
            let slot = self.slot(self.height().saturating_sub(1));
            self.emit(canon(Un {
                dst: slot,
                src: slot,
            }))?;
        }
        Ok(())
    }

    /// `i32.reinterpret_f32`: a constant is already zero-extended; any
    /// other `f32` is zero-extended by `I32WrapI64`.
    pub(super) fn reinterpret_f32(&mut self) -> Result<(), TranslateError> {
        if matches!(self.stack.last(), Some(Operand::Const(_))) {
            return Ok(());
        }
        self.unary(Instr::I32WrapI64)
    }

    fn unary(&mut self, ctor: fn(Un) -> Instr) -> Result<(), TranslateError> {
        let src = self.pop_slot()?;
        self.push_result(Producer::Un(ctor, Un { dst: 0, src }))
    }

    fn binary(&mut self, reg: fn(Bin) -> Instr, form: ImmForm) -> Result<(), TranslateError> {
        let hb = self.height().saturating_sub(1);
        let b = self.pop_source()?;
        let ha = self.height().saturating_sub(1);
        let a = self.pop_source()?;
        let with_imm = match (form, a, b) {
            (
                ImmForm::Right(w, ctor) | ImmForm::Commutative(w, ctor),
                Source::Slot(a),
                Source::Const(c),
            ) => imm_of(w, c).map(|imm| (ctor, a, imm)),
            (ImmForm::Commutative(w, ctor), Source::Const(c), Source::Slot(b)) => {
                imm_of(w, c).map(|imm| (ctor, b, imm))
            }
            (ImmForm::Sub { width, add, .. }, Source::Slot(a), Source::Const(c)) => {
                neg_imm_of(width, c).map(|imm| (add, a, imm))
            }
            (ImmForm::Sub { width, rsub, .. }, Source::Const(c), Source::Slot(b)) => {
                imm_of(width, c).map(|imm| (rsub, b, imm))
            }
            _ => None,
        };
        if let Some((ctor, a, imm)) = with_imm {
            return self.push_result(Producer::BinImm(ctor, BinImm { dst: 0, a, imm }));
        }
        let a = self.source_slot(a, ha)?;
        let b = self.source_slot(b, hb)?;
        self.push_result(Producer::Bin(reg, Bin { dst: 0, a, b }))
    }

    /// `i32.add`; a left shift by 2 or 3 (array indexing) that produced one
    /// operand just before is fused: `I32AddShl2/3 { dst, a: base, b: index }`.
    fn add_i32(&mut self) -> Result<(), TranslateError> {
        let h = self.height();
        let fusable = |t: &Self, shifted: u32, other: u32| -> Option<(u32, u32)> {
            let last = t.last_at(shifted)?;
            let Instr::I32ShlImm(shl) = t.code[last.index] else {
                return None;
            };
            let k = shl.imm as u32 & 31;
            // A constant other operand is better served by `I32AddImm`.
            let other_is_const = matches!(t.stack.get(other as usize), Some(Operand::Const(_)));
            ((k == 2 || k == 3) && !other_is_const).then_some((shl.a, k))
        };
        let (Some(top), Some(below)) = (h.checked_sub(1), h.checked_sub(2)) else {
            return self.binary(
                Instr::I32Add,
                ImmForm::Commutative(IntWidth::I32, Instr::I32AddImm),
            );
        };
        // The shifted operand is on top, or below a lazy (non-`Temp`) operand.
        let shifted_on_top = fusable(self, top, below);
        let shifted_below = match self.stack.get(top as usize) {
            Some(Operand::Local(_)) => fusable(self, below, top),
            _ => None,
        };
        let Some((index, k)) = shifted_on_top.or(shifted_below) else {
            return self.binary(
                Instr::I32Add,
                ImmForm::Commutative(IntWidth::I32, Instr::I32AddImm),
            );
        };
        if let Some(last) = self.last {
            self.unemit(last);
        }
        let (hb, b) = (top, self.pop_source()?);
        let (ha, a) = (below, self.pop_source()?);
        let base = if shifted_on_top.is_some() {
            self.source_slot(a, ha)?
        } else {
            self.source_slot(b, hb)?
        };
        let ctor = if k == 2 {
            Instr::I32AddShl2
        } else {
            Instr::I32AddShl3
        };
        self.push_result(Producer::Bin(
            ctor,
            Bin {
                dst: 0,
                a: base,
                b: index,
            },
        ))
    }

    fn compare(&mut self, width: IntWidth, cmp: Cmp) -> Result<(), TranslateError> {
        let hb = self.height().saturating_sub(1);
        let b = self.pop_source()?;
        let ha = self.height().saturating_sub(1);
        let a = self.pop_source()?;
        let with_imm = match (a, b) {
            (Source::Slot(a), Source::Const(c)) => imm_of(width, c).map(|imm| (cmp, a, imm)),
            (Source::Const(c), Source::Slot(b)) => imm_of(width, c).map(|imm| (cmp.swap(), b, imm)),
            _ => None,
        };
        let compare = match with_imm {
            Some((cmp, a, imm)) => Compare {
                width,
                cmp,
                a,
                rhs: Rhs::Imm(imm),
            },
            None => {
                let a = self.source_slot(a, ha)?;
                let b = self.source_slot(b, hb)?;
                Compare {
                    width,
                    cmp,
                    a,
                    rhs: Rhs::Slot(b),
                }
            }
        };
        self.push_result(Producer::Compare(compare))
    }

    fn eqz(&mut self, width: IntWidth) -> Result<(), TranslateError> {
        let a = self.pop_slot()?;
        self.push_result(Producer::Compare(Compare {
            width,
            cmp: Cmp::Eq,
            a,
            rhs: Rhs::Imm(0),
        }))
    }

    /// Translates a numeric operator; returns `false` if `op` is not one.
    #[inline(always)]
    pub(super) fn visit_numeric(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        use Cmp::*;
        use ImmForm as F;
        use Instr as I;
        use IntWidth::{I32, I64};
        use Operator as O;
        match *op {
            // Constants and no-op conversions.
            O::I32Const { value } => self.push_const(value as u32 as u64)?,
            O::I64Const { value } => self.push_const(value as u64)?,
            O::F32Const { value } => self.push_const(value.bits() as u64)?,
            O::F64Const { value } => self.push_const(value.bits())?,
            O::I32ReinterpretF32 => self.reinterpret_f32()?,
            O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64
            | O::I64ExtendI32U => {}

            // i32
            O::I32Eqz => self.eqz(I32)?,
            O::I32Eq => self.compare(I32, Eq)?,
            O::I32Ne => self.compare(I32, Ne)?,
            O::I32LtS => self.compare(I32, LtS)?,
            O::I32LtU => self.compare(I32, LtU)?,
            O::I32GtS => self.compare(I32, GtS)?,
            O::I32GtU => self.compare(I32, GtU)?,
            O::I32LeS => self.compare(I32, LeS)?,
            O::I32LeU => self.compare(I32, LeU)?,
            O::I32GeS => self.compare(I32, GeS)?,
            O::I32GeU => self.compare(I32, GeU)?,
            O::I32Clz => self.unary(I::I32Clz)?,
            O::I32Ctz => self.unary(I::I32Ctz)?,
            O::I32Popcnt => self.unary(I::I32Popcnt)?,
            O::I32Add => self.add_i32()?,
            O::I32Sub => self.binary(
                I::I32Sub,
                F::Sub {
                    width: I32,
                    add: I::I32AddImm,
                    rsub: I::I32RSubImm,
                },
            )?,
            O::I32Mul => self.binary(I::I32Mul, F::Commutative(I32, I::I32MulImm))?,
            O::I32DivS => self.binary(I::I32DivS, F::None)?,
            O::I32DivU => self.binary(I::I32DivU, F::None)?,
            O::I32RemS => self.binary(I::I32RemS, F::None)?,
            O::I32RemU => self.binary(I::I32RemU, F::None)?,
            O::I32And => self.binary(I::I32And, F::Commutative(I32, I::I32AndImm))?,
            O::I32Or => self.binary(I::I32Or, F::Commutative(I32, I::I32OrImm))?,
            O::I32Xor => self.binary(I::I32Xor, F::Commutative(I32, I::I32XorImm))?,
            O::I32Shl => self.binary(I::I32Shl, F::Right(I32, I::I32ShlImm))?,
            O::I32ShrS => self.binary(I::I32ShrS, F::Right(I32, I::I32ShrSImm))?,
            O::I32ShrU => self.binary(I::I32ShrU, F::Right(I32, I::I32ShrUImm))?,
            O::I32Rotl => self.binary(I::I32Rotl, F::Right(I32, I::I32RotlImm))?,
            O::I32Rotr => self.binary(I::I32Rotr, F::Right(I32, I::I32RotrImm))?,
            O::I32Extend8S => self.unary(I::I32Extend8S)?,
            O::I32Extend16S => self.unary(I::I32Extend16S)?,

            // i64
            O::I64Eqz => self.eqz(I64)?,
            O::I64Eq => self.compare(I64, Eq)?,
            O::I64Ne => self.compare(I64, Ne)?,
            O::I64LtS => self.compare(I64, LtS)?,
            O::I64LtU => self.compare(I64, LtU)?,
            O::I64GtS => self.compare(I64, GtS)?,
            O::I64GtU => self.compare(I64, GtU)?,
            O::I64LeS => self.compare(I64, LeS)?,
            O::I64LeU => self.compare(I64, LeU)?,
            O::I64GeS => self.compare(I64, GeS)?,
            O::I64GeU => self.compare(I64, GeU)?,
            O::I64Clz => self.unary(I::I64Clz)?,
            O::I64Ctz => self.unary(I::I64Ctz)?,
            O::I64Popcnt => self.unary(I::I64Popcnt)?,
            O::I64Add => self.binary(I::I64Add, F::Commutative(I64, I::I64AddImm))?,
            O::I64Sub => self.binary(
                I::I64Sub,
                F::Sub {
                    width: I64,
                    add: I::I64AddImm,
                    rsub: I::I64RSubImm,
                },
            )?,
            O::I64Mul => self.binary(I::I64Mul, F::Commutative(I64, I::I64MulImm))?,
            O::I64DivS => self.binary(I::I64DivS, F::None)?,
            O::I64DivU => self.binary(I::I64DivU, F::None)?,
            O::I64RemS => self.binary(I::I64RemS, F::None)?,
            O::I64RemU => self.binary(I::I64RemU, F::None)?,
            O::I64And => self.binary(I::I64And, F::Commutative(I64, I::I64AndImm))?,
            O::I64Or => self.binary(I::I64Or, F::Commutative(I64, I::I64OrImm))?,
            O::I64Xor => self.binary(I::I64Xor, F::Commutative(I64, I::I64XorImm))?,
            O::I64Shl => self.binary(I::I64Shl, F::Right(I64, I::I64ShlImm))?,
            O::I64ShrS => self.binary(I::I64ShrS, F::Right(I64, I::I64ShrSImm))?,
            O::I64ShrU => self.binary(I::I64ShrU, F::Right(I64, I::I64ShrUImm))?,
            O::I64Rotl => self.binary(I::I64Rotl, F::Right(I64, I::I64RotlImm))?,
            O::I64Rotr => self.binary(I::I64Rotr, F::Right(I64, I::I64RotrImm))?,
            O::I64Extend8S => self.unary(I::I64Extend8S)?,
            O::I64Extend16S => self.unary(I::I64Extend16S)?,
            O::I64Extend32S => self.unary(I::I64Extend32S)?,

            // f32
            O::F32Eq => self.binary(I::F32Eq, F::None)?,
            O::F32Ne => self.binary(I::F32Ne, F::None)?,
            O::F32Lt => self.binary(I::F32Lt, F::None)?,
            O::F32Gt => self.binary(I::F32Gt, F::None)?,
            O::F32Le => self.binary(I::F32Le, F::None)?,
            O::F32Ge => self.binary(I::F32Ge, F::None)?,
            O::F32Abs => self.unary(I::F32Abs)?,
            O::F32Neg => self.unary(I::F32Neg)?,
            O::F32Ceil => self.float_result(F32, |t| t.unary(I::F32Ceil))?,
            O::F32Floor => self.float_result(F32, |t| t.unary(I::F32Floor))?,
            O::F32Trunc => self.float_result(F32, |t| t.unary(I::F32Trunc))?,
            O::F32Nearest => self.float_result(F32, |t| t.unary(I::F32Nearest))?,
            O::F32Sqrt => self.float_result(F32, |t| t.unary(I::F32Sqrt))?,
            O::F32Add => self.float_result(F32, |t| t.binary(I::F32Add, F::None))?,
            O::F32Sub => self.float_result(F32, |t| t.binary(I::F32Sub, F::None))?,
            O::F32Mul => self.float_result(F32, |t| t.binary(I::F32Mul, F::None))?,
            O::F32Div => self.float_result(F32, |t| t.binary(I::F32Div, F::None))?,
            O::F32Min => self.float_result(F32, |t| t.binary(I::F32Min, F::None))?,
            O::F32Max => self.float_result(F32, |t| t.binary(I::F32Max, F::None))?,
            O::F32Copysign => self.binary(I::F32Copysign, F::None)?,

            // f64
            O::F64Eq => self.binary(I::F64Eq, F::None)?,
            O::F64Ne => self.binary(I::F64Ne, F::None)?,
            O::F64Lt => self.binary(I::F64Lt, F::None)?,
            O::F64Gt => self.binary(I::F64Gt, F::None)?,
            O::F64Le => self.binary(I::F64Le, F::None)?,
            O::F64Ge => self.binary(I::F64Ge, F::None)?,
            O::F64Abs => self.unary(I::F64Abs)?,
            O::F64Neg => self.unary(I::F64Neg)?,
            O::F64Ceil => self.float_result(F64, |t| t.unary(I::F64Ceil))?,
            O::F64Floor => self.float_result(F64, |t| t.unary(I::F64Floor))?,
            O::F64Trunc => self.float_result(F64, |t| t.unary(I::F64Trunc))?,
            O::F64Nearest => self.float_result(F64, |t| t.unary(I::F64Nearest))?,
            O::F64Sqrt => self.float_result(F64, |t| t.unary(I::F64Sqrt))?,
            O::F64Add => self.float_result(F64, |t| t.binary(I::F64Add, F::None))?,
            O::F64Sub => self.float_result(F64, |t| t.binary(I::F64Sub, F::None))?,
            O::F64Mul => self.float_result(F64, |t| t.binary(I::F64Mul, F::None))?,
            O::F64Div => self.float_result(F64, |t| t.binary(I::F64Div, F::None))?,
            O::F64Min => self.float_result(F64, |t| t.binary(I::F64Min, F::None))?,
            O::F64Max => self.float_result(F64, |t| t.binary(I::F64Max, F::None))?,
            O::F64Copysign => self.binary(I::F64Copysign, F::None)?,

            // Conversions
            O::I32WrapI64 => self.unary(I::I32WrapI64)?,
            O::I32TruncF32S => self.unary(I::I32TruncF32S)?,
            O::I32TruncF32U => self.unary(I::I32TruncF32U)?,
            O::I32TruncF64S => self.unary(I::I32TruncF64S)?,
            O::I32TruncF64U => self.unary(I::I32TruncF64U)?,
            O::I64ExtendI32S => self.unary(I::I64ExtendI32S)?,
            O::I64TruncF32S => self.unary(I::I64TruncF32S)?,
            O::I64TruncF32U => self.unary(I::I64TruncF32U)?,
            O::I64TruncF64S => self.unary(I::I64TruncF64S)?,
            O::I64TruncF64U => self.unary(I::I64TruncF64U)?,
            O::F32ConvertI32S => self.unary(I::F32ConvertI32S)?,
            O::F32ConvertI32U => self.unary(I::F32ConvertI32U)?,
            O::F32ConvertI64S => self.unary(I::F32ConvertI64S)?,
            O::F32ConvertI64U => self.unary(I::F32ConvertI64U)?,
            O::F32DemoteF64 => self.float_result(F32, |t| t.unary(I::F32DemoteF64))?,
            O::F64ConvertI32S => self.unary(I::F64ConvertI32S)?,
            O::F64ConvertI32U => self.unary(I::F64ConvertI32U)?,
            O::F64ConvertI64S => self.unary(I::F64ConvertI64S)?,
            O::F64ConvertI64U => self.unary(I::F64ConvertI64U)?,
            O::F64PromoteF32 => self.float_result(F64, |t| t.unary(I::F64PromoteF32))?,
            O::I32TruncSatF32S => self.unary(I::I32TruncSatF32S)?,
            O::I32TruncSatF32U => self.unary(I::I32TruncSatF32U)?,
            O::I32TruncSatF64S => self.unary(I::I32TruncSatF64S)?,
            O::I32TruncSatF64U => self.unary(I::I32TruncSatF64U)?,
            O::I64TruncSatF32S => self.unary(I::I64TruncSatF32S)?,
            O::I64TruncSatF32U => self.unary(I::I64TruncSatF32U)?,
            O::I64TruncSatF64S => self.unary(I::I64TruncSatF64S)?,
            O::I64TruncSatF64U => self.unary(I::I64TruncSatF64U)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
