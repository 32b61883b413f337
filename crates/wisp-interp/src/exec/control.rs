//! Control handlers: fused compare-and-branch and writing a function's results to the frame's first slots on return.

use crate::ir::{BrCmp, BrCmpImm, Instr};

use super::hot::{Code, Regs};
use super::numeric::{FromImm, Raw};

/// `if cmp(a, b) { goto target }`.
#[inline(always)]
pub(super) fn br_cmp<T: Raw>(
    regs: &Regs<'_>,
    code: &mut Code<'_>,
    op: BrCmp,
    cmp: impl FnOnce(T, T) -> bool,
) {
    let a = T::from_raw(regs.get(op.a));
    let b = T::from_raw(regs.get(op.b));
    if cmp(a, b) {
        code.jump(op.target);
    }
}

/// `if cmp(a, imm) { goto target }`.
#[inline(always)]
pub(super) fn br_cmp_imm<T: Raw + FromImm>(
    regs: &Regs<'_>,
    code: &mut Code<'_>,
    op: BrCmpImm,
    cmp: impl FnOnce(T, T) -> bool,
) {
    let a = T::from_raw(regs.get(op.a));
    if cmp(a, T::from_imm(op.imm)) {
        code.jump(op.target);
    }
}

/// Copies the results of a `Return*` instruction to slots `0..n`.
#[inline(always)]
pub(super) fn write_results(regs: &mut Regs<'_>, instr: Instr) {
    match instr {
        Instr::Return1 { src } => regs.set(0, regs.get(src)),
        Instr::ReturnImm32 { value } => regs.set(0, value as u64),
        Instr::ReturnSpan { src, len } => regs.copy_to_start(src, len),
        _ => {}
    }
}
