//! Control handlers: fused compare-and-branch, `br_table` entry selection,
//! and writing a function's results to the frame's first slots on return.

use crate::ir::{BrCmp, BrCmpImm, Instr};

use super::numeric::{FromImm, Raw};

/// The next pc after `if cmp(a, b) { goto target }`.
#[inline(always)]
pub(super) fn br_cmp<T: Raw>(
    regs: &[u64],
    op: BrCmp,
    pc: usize,
    cmp: impl FnOnce(T, T) -> bool,
) -> usize {
    let a = T::from_raw(regs[op.a as usize]);
    let b = T::from_raw(regs[op.b as usize]);
    if cmp(a, b) { op.target as usize } else { pc }
}

/// The next pc after `if cmp(a, imm) { goto target }`.
#[inline(always)]
pub(super) fn br_cmp_imm<T: Raw + FromImm>(
    regs: &[u64],
    op: BrCmpImm,
    pc: usize,
    cmp: impl FnOnce(T, T) -> bool,
) -> usize {
    let a = T::from_raw(regs[op.a as usize]);
    if cmp(a, T::from_imm(op.imm)) {
        op.target as usize
    } else {
        pc
    }
}

/// The next pc of a `br_table` whose entries start at `pc`: the target of
/// the selected `Br` entry (or the entry itself, which then dispatches).
#[inline(always)]
pub(super) fn br_table(code: &[Instr], regs: &[u64], pc: usize, index: u32, len: u32) -> usize {
    let entry = pc + (regs[index as usize] as u32).min(len) as usize;
    match code[entry] {
        Instr::Br { target } => target as usize,
        _ => entry,
    }
}

/// Copies the results of a `Return*` instruction to slots `0..n`.
#[inline(always)]
pub(super) fn write_results(regs: &mut [u64], instr: Instr) {
    match instr {
        Instr::Return1 { src } => regs[0] = regs[src as usize],
        Instr::ReturnImm32 { value } => regs[0] = value as u64,
        Instr::ReturnSpan { src, len } => {
            let src = src as usize;
            regs.copy_within(src..src + len as usize, 0);
        }
        _ => {}
    }
}
