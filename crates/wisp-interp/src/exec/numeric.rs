//! Numeric handlers: the raw slot encoding of each value type ([`Raw`]) and
//! generic unary/binary helpers that read the operand slots, apply an
//! operation and write the result slot. The operations themselves are Rust's
//! wrapping integer and IEEE float operators, or the spec-exact helpers of
//! `crate::num` (division, shifts, min/max, rounding, conversions).

use wisp_core::TrapCode;

use crate::ir::{Bin, BinBin, BinBinImm, BinImm, BinImmBin, Slot, Un};

use super::hot::Regs;

/// A value type's raw encoding in a 64-bit slot: integers zero-extended,
/// floats as their bits, booleans (comparison results) as an `i32` 0 or 1.
pub(super) trait Raw: Copy {
    fn from_raw(raw: u64) -> Self;
    fn into_raw(self) -> u64;
    /// Writes the value to `slot`: the whole raw slot, except for `f32`,
    /// which writes only the low half (see [`Regs::set_f32`]).
    #[inline(always)]
    fn write_to(self, regs: &mut Regs<'_>, slot: Slot) {
        regs.set(slot, self.into_raw());
    }
}

impl Raw for i32 {
    #[inline(always)]
    fn from_raw(raw: u64) -> Self {
        raw as u32 as i32
    }
    #[inline(always)]
    fn into_raw(self) -> u64 {
        self as u32 as u64
    }
}

impl Raw for u32 {
    #[inline(always)]
    fn from_raw(raw: u64) -> Self {
        raw as u32
    }
    #[inline(always)]
    fn into_raw(self) -> u64 {
        self as u64
    }
}

impl Raw for i64 {
    #[inline(always)]
    fn from_raw(raw: u64) -> Self {
        raw as i64
    }
    #[inline(always)]
    fn into_raw(self) -> u64 {
        self as u64
    }
}

impl Raw for u64 {
    #[inline(always)]
    fn from_raw(raw: u64) -> Self {
        raw
    }
    #[inline(always)]
    fn into_raw(self) -> u64 {
        self
    }
}

impl Raw for f32 {
    #[inline(always)]
    fn from_raw(raw: u64) -> Self {
        f32::from_bits(raw as u32)
    }
    #[inline(always)]
    fn into_raw(self) -> u64 {
        self.to_bits() as u64
    }
    #[inline(always)]
    fn write_to(self, regs: &mut Regs<'_>, slot: Slot) {
        regs.set_f32(slot, self);
    }
}

impl Raw for f64 {
    #[inline(always)]
    fn from_raw(raw: u64) -> Self {
        f64::from_bits(raw)
    }
    #[inline(always)]
    fn into_raw(self) -> u64 {
        self.to_bits()
    }
}

impl Raw for bool {
    #[inline(always)]
    fn from_raw(raw: u64) -> Self {
        raw as u32 != 0
    }
    #[inline(always)]
    fn into_raw(self) -> u64 {
        self as u64
    }
}

/// Integer types an `i32` immediate converts to (sign-extending to 64 bits).
pub(super) trait FromImm {
    fn from_imm(imm: i32) -> Self;
}

impl FromImm for i32 {
    #[inline(always)]
    fn from_imm(imm: i32) -> Self {
        imm
    }
}

impl FromImm for u32 {
    #[inline(always)]
    fn from_imm(imm: i32) -> Self {
        imm as u32
    }
}

impl FromImm for i64 {
    #[inline(always)]
    fn from_imm(imm: i32) -> Self {
        imm as i64
    }
}

impl FromImm for u64 {
    #[inline(always)]
    fn from_imm(imm: i32) -> Self {
        imm as i64 as u64
    }
}

/// `dst = f(src)`.
#[inline(always)]
pub(super) fn un<T: Raw, R: Raw>(regs: &mut Regs<'_>, op: Un, f: impl FnOnce(T) -> R) {
    let v = T::from_raw(regs.get(op.src));
    f(v).write_to(regs, op.dst);
}

/// `dst = f(src)?`.
#[inline(always)]
pub(super) fn un_trap<T: Raw, R: Raw>(
    regs: &mut Regs<'_>,
    op: Un,
    f: impl FnOnce(T) -> Result<R, TrapCode>,
) -> Result<(), TrapCode> {
    let v = T::from_raw(regs.get(op.src));
    f(v)?.write_to(regs, op.dst);
    Ok(())
}

/// `dst = f(a, b)`.
#[inline(always)]
pub(super) fn bin<T: Raw, R: Raw>(regs: &mut Regs<'_>, op: Bin, f: impl FnOnce(T, T) -> R) {
    let a = T::from_raw(regs.get(op.a));
    let b = T::from_raw(regs.get(op.b));
    f(a, b).write_to(regs, op.dst);
}

/// `dst = f(a, imm)`.
#[inline(always)]
pub(super) fn bin_imm<T: Raw + FromImm, R: Raw>(
    regs: &mut Regs<'_>,
    op: BinImm,
    f: impl FnOnce(T, T) -> R,
) {
    let a = T::from_raw(regs.get(op.a));
    f(a, T::from_imm(op.imm)).write_to(regs, op.dst);
}

/// `dst = f(a, b)?`.
#[inline(always)]
pub(super) fn bin_trap<T: Raw, R: Raw>(
    regs: &mut Regs<'_>,
    op: Bin,
    f: impl FnOnce(T, T) -> Result<R, TrapCode>,
) -> Result<(), TrapCode> {
    let a = T::from_raw(regs.get(op.a));
    let b = T::from_raw(regs.get(op.b));
    f(a, b)?.write_to(regs, op.dst);
    Ok(())
}

/// `t = f(a, b); dst = g(x, t)`: two binary operations in sequence, the
/// second taking the first's result as its right operand (from a register:
/// no store-to-load round trip on the dependency chain). `x` is read after
/// `t` is written, as the second instruction would.
#[inline(always)]
pub(super) fn bin_bin<T: Raw>(
    regs: &mut Regs<'_>,
    op: &BinBin,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a = T::from_raw(regs.get(Slot::from(op.a)));
    let b = T::from_raw(regs.get(Slot::from(op.b)));
    let t = f(a, b);
    t.write_to(regs, Slot::from(op.t));
    let x = T::from_raw(regs.get(Slot::from(op.x)));
    let r = g(x, t);
    r.write_to(regs, Slot::from(op.dst));
    r
}

/// `t = f(a, imm); dst = g(x, t)` (see [`bin_bin`]).
#[inline(always)]
pub(super) fn bin_imm_bin<T: Raw + FromImm>(
    regs: &mut Regs<'_>,
    op: &BinImmBin,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a = T::from_raw(regs.get(Slot::from(op.a)));
    bin_imm_bin_on(regs, op, a, f, g)
}

/// [`bin_imm_bin`] on the given operand `a` (which an accumulator may
/// hold).
#[inline(always)]
pub(super) fn bin_imm_bin_on<T: Raw + FromImm>(
    regs: &mut Regs<'_>,
    op: &BinImmBin,
    a: T,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let t = f(a, T::from_imm(op.imm));
    t.write_to(regs, Slot::from(op.t));
    let x = T::from_raw(regs.get(Slot::from(op.x)));
    let r = g(x, t);
    r.write_to(regs, Slot::from(op.dst));
    r
}

/// [`bin_imm_bin_on`] where `x` is `a`'s slot (and `t` is not), which the
/// integer accumulator `acc` holds: `t = f(a, imm); dst = g(a, t)`, as in
/// `h ^ (h >> k)`.
#[inline(always)]
pub(super) fn bin_imm_bin_acc_ax<T: Raw + FromImm>(
    regs: &mut Regs<'_>,
    op: &BinImmBin,
    acc: u64,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a: T = int_acc(regs, Slot::from(op.a), acc);
    let x: T = int_acc(regs, Slot::from(op.x), acc);
    let t = f(a, T::from_imm(op.imm));
    t.write_to(regs, Slot::from(op.t));
    let r = g(x, t);
    r.write_to(regs, Slot::from(op.dst));
    r
}

/// `t = f(a, b); dst = g(t, imm)`.
#[inline(always)]
pub(super) fn bin_bin_imm<T: Raw + FromImm>(
    regs: &mut Regs<'_>,
    op: &BinBinImm,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a = T::from_raw(regs.get(Slot::from(op.a)));
    let b = T::from_raw(regs.get(Slot::from(op.b)));
    bin_bin_imm_on(regs, op, a, b, f, g)
}

/// [`bin_bin_imm`] on the given operands (one of which an accumulator
/// may hold).
#[inline(always)]
pub(super) fn bin_bin_imm_on<T: Raw + FromImm>(
    regs: &mut Regs<'_>,
    op: &BinBinImm,
    a: T,
    b: T,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let t = f(a, b);
    t.write_to(regs, Slot::from(op.t));
    let r = g(t, T::from_imm(op.imm));
    r.write_to(regs, Slot::from(op.dst));
    r
}

/// An operand an accumulator holds: `acc`, which is the value of
/// `slot` (the instruction before wrote both; with extra checks, a
/// difference panics).
#[inline(always)]
pub(super) fn acc_operand<T: Raw>(regs: &Regs<'_>, slot: Slot, acc: T) -> T {
    #[cfg(any(test, feature = "extra-checks"))]
    assert_eq!(
        T::from_raw(regs.get(slot)).into_raw(),
        acc.into_raw(),
        "the accumulator does not hold slot {slot}"
    );
    let _ = (regs, slot);
    acc
}

/// An operand the integer accumulator holds: the raw value `acc`, which
/// is slot `slot`'s (the instruction before wrote both; with extra checks,
/// a difference panics).
#[inline(always)]
pub(super) fn int_acc<T: Raw>(regs: &Regs<'_>, slot: Slot, acc: u64) -> T {
    #[cfg(any(test, feature = "extra-checks"))]
    assert_eq!(
        regs.get(slot),
        acc,
        "the integer accumulator does not hold slot {slot}"
    );
    let _ = (regs, slot);
    T::from_raw(acc)
}

/// `dst = f(a, imm)`, returning the result too (see [`un_out`]). A
/// comparison's `bool` result goes on as its raw value, `0` or `1`.
#[inline(always)]
pub(super) fn bin_imm_out<T: Raw + FromImm, R: Raw>(
    regs: &mut Regs<'_>,
    op: BinImm,
    f: impl FnOnce(T, T) -> R,
) -> R {
    let a = T::from_raw(regs.get(op.a));
    bin_imm_on(regs, op, a, f)
}

/// `dst = f(a, imm)` with `a` from the accumulator `acc`; returns the
/// result.
#[inline(always)]
pub(super) fn bin_imm_acc<T: Raw + FromImm>(
    regs: &mut Regs<'_>,
    op: BinImm,
    acc: T,
    f: impl FnOnce(T, T) -> T,
) -> T {
    let a = acc_operand(regs, op.a, acc);
    bin_imm_on(regs, op, a, f)
}

/// `dst = f(a, imm)` on the given operand, returning the result.
#[inline(always)]
fn bin_imm_on<T: Raw + FromImm, R: Raw>(
    regs: &mut Regs<'_>,
    op: BinImm,
    a: T,
    f: impl FnOnce(T, T) -> R,
) -> R {
    let r = f(a, T::from_imm(op.imm));
    r.write_to(regs, op.dst);
    r
}

/// `dst = f(src)`, returning the result too: what an operation passes on
/// in its accumulator.
#[inline(always)]
pub(super) fn un_out<T: Raw, R: Raw>(regs: &mut Regs<'_>, op: Un, f: impl FnOnce(T) -> R) -> R {
    let v = T::from_raw(regs.get(op.src));
    un_on(regs, op, v, f)
}

/// `dst = f(src)` with `src` from the accumulator `acc`; returns the result.
#[inline(always)]
pub(super) fn un_acc<T: Raw, R: Raw>(
    regs: &mut Regs<'_>,
    op: Un,
    acc: T,
    f: impl FnOnce(T) -> R,
) -> R {
    let v = acc_operand(regs, op.src, acc);
    un_on(regs, op, v, f)
}

/// `dst = f(v)` on the given operand, returning the result.
#[inline(always)]
fn un_on<T: Raw, R: Raw>(regs: &mut Regs<'_>, op: Un, v: T, f: impl FnOnce(T) -> R) -> R {
    let r = f(v);
    r.write_to(regs, op.dst);
    r
}

/// `dst = f(a, b)`, returning the result too (see [`un_out`]). A
/// comparison's `bool` result goes on as its raw value, `0` or `1`.
#[inline(always)]
pub(super) fn bin_out<T: Raw, R: Raw>(
    regs: &mut Regs<'_>,
    op: Bin,
    f: impl FnOnce(T, T) -> R,
) -> R {
    let a = T::from_raw(regs.get(op.a));
    let b = T::from_raw(regs.get(op.b));
    bin_on(regs, op, a, b, f)
}

/// `dst = f(a, b)` on the given operands, returning the result.
#[inline(always)]
fn bin_on<T: Raw, R: Raw>(
    regs: &mut Regs<'_>,
    op: Bin,
    a: T,
    b: T,
    f: impl FnOnce(T, T) -> R,
) -> R {
    let r = f(a, b);
    r.write_to(regs, op.dst);
    r
}

/// `dst = f(a, b)` with `a` from the accumulator `acc`; returns the result.
#[inline(always)]
pub(super) fn bin_acc_a<T: Raw>(
    regs: &mut Regs<'_>,
    op: Bin,
    acc: T,
    f: impl FnOnce(T, T) -> T,
) -> T {
    let a = acc_operand(regs, op.a, acc);
    let b = T::from_raw(regs.get(op.b));
    bin_on(regs, op, a, b, f)
}

/// `dst = f(a, b)` with `b` from the accumulator `acc`; returns the result.
#[inline(always)]
pub(super) fn bin_acc_b<T: Raw>(
    regs: &mut Regs<'_>,
    op: Bin,
    acc: T,
    f: impl FnOnce(T, T) -> T,
) -> T {
    let a = T::from_raw(regs.get(op.a));
    let b = acc_operand(regs, op.b, acc);
    bin_on(regs, op, a, b, f)
}

/// `dst = f(a, b)` where `a` and `b` are one slot, which the accumulator
/// `acc` holds (a square); returns the result.
#[inline(always)]
pub(super) fn bin_acc_ab<T: Raw>(
    regs: &mut Regs<'_>,
    op: Bin,
    acc: T,
    f: impl FnOnce(T, T) -> T,
) -> T {
    let a = acc_operand(regs, op.a, acc);
    let b = acc_operand(regs, op.b, acc);
    bin_on(regs, op, a, b, f)
}

/// [`bin_bin`] on the given product operands, returning `dst`'s value.
#[inline(always)]
fn bin_bin_on<T: Raw>(
    regs: &mut Regs<'_>,
    op: &BinBin,
    a: T,
    b: T,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let t = f(a, b);
    t.write_to(regs, Slot::from(op.t));
    let x = T::from_raw(regs.get(Slot::from(op.x)));
    let r = g(x, t);
    r.write_to(regs, Slot::from(op.dst));
    r
}

/// [`bin_bin`], returning the result too (see [`un_out`]).
#[inline(always)]
pub(super) fn bin_bin_out<T: Raw>(
    regs: &mut Regs<'_>,
    op: &BinBin,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a = T::from_raw(regs.get(Slot::from(op.a)));
    let b = T::from_raw(regs.get(Slot::from(op.b)));
    bin_bin_on(regs, op, a, b, f, g)
}

/// [`bin_bin`] with `a` from the accumulator `acc`; returns the result.
#[inline(always)]
pub(super) fn bin_bin_acc_a<T: Raw>(
    regs: &mut Regs<'_>,
    op: &BinBin,
    acc: T,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a = acc_operand(regs, Slot::from(op.a), acc);
    let b = T::from_raw(regs.get(Slot::from(op.b)));
    bin_bin_on(regs, op, a, b, f, g)
}

/// [`bin_bin`] with `b` from the accumulator `acc`; returns the result.
#[inline(always)]
pub(super) fn bin_bin_acc_b<T: Raw>(
    regs: &mut Regs<'_>,
    op: &BinBin,
    acc: T,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a = T::from_raw(regs.get(Slot::from(op.a)));
    let b = acc_operand(regs, Slot::from(op.b), acc);
    bin_bin_on(regs, op, a, b, f, g)
}

/// [`bin_bin`] where `a` and `b` are one slot, which the accumulator `acc`
/// holds (the product is a square); returns the result.
#[inline(always)]
pub(super) fn bin_bin_acc_ab<T: Raw>(
    regs: &mut Regs<'_>,
    op: &BinBin,
    acc: T,
    f: impl FnOnce(T, T) -> T,
    g: impl FnOnce(T, T) -> T,
) -> T {
    let a = acc_operand(regs, Slot::from(op.a), acc);
    let b = acc_operand(regs, Slot::from(op.b), acc);
    bin_bin_on(regs, op, a, b, f, g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_encoding_zero_extends_i32() {
        assert_eq!((-1i32).into_raw(), 0xffff_ffff);
        assert_eq!(i32::from_raw(0xdead_beef_ffff_fffe), -2);
        assert_eq!(i64::from_imm(-1), -1);
        assert_eq!(u64::from_imm(-1), u64::MAX);
        assert_eq!(true.into_raw(), 1);
    }
}
