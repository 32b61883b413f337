//! Control handlers: fused compare-and-branch, the superinstructions that
//! end in a branch (and the loops of one store that run in one), and
//! writing a function's results to the frame's first slots on return.

use wisp_memory::Memory;

use crate::ir::{AddBr, AddImmBr, AndImmBr, AndImmBrImm, BrCmp, BrCmpImm, CmpBr, Instr, Slot};

use super::hot::{Code, Regs};
use super::numeric::{FromImm, Raw, int_acc};

/// `if cmp(a, b) { goto target }`.
#[inline(always)]
pub(super) fn br_cmp<T: Raw, const M: bool>(
    regs: &Regs<'_>,
    code: &mut Code<'_, M>,
    op: BrCmp,
    cmp: impl FnOnce(T, T) -> bool,
) {
    let a = T::from_raw(regs.get(op.a));
    let b = T::from_raw(regs.get(op.b));
    if cmp(a, b) {
        code.jump(op.target);
    }
}

/// [`br_cmp`] with `a` from the integer accumulator `acc`.
#[inline(always)]
pub(super) fn br_cmp_acc_a<T: Raw, const M: bool>(
    regs: &Regs<'_>,
    code: &mut Code<'_, M>,
    op: BrCmp,
    acc: u64,
    cmp: impl FnOnce(T, T) -> bool,
) {
    let a = int_acc::<T>(regs, op.a, acc);
    let b = T::from_raw(regs.get(op.b));
    if cmp(a, b) {
        code.jump(op.target);
    }
}

/// `if cmp(a, imm) { goto target }`; returns `a`'s raw value, which the
/// code after the branch may read from the integer accumulator.
#[inline(always)]
pub(super) fn br_cmp_imm<T: Raw + FromImm, const M: bool>(
    regs: &Regs<'_>,
    code: &mut Code<'_, M>,
    op: BrCmpImm,
    cmp: impl FnOnce(T, T) -> bool,
) -> u64 {
    let raw = regs.get(op.a);
    if cmp(T::from_raw(raw), T::from_imm(op.imm)) {
        code.jump(op.target);
    }
    raw
}

/// [`br_cmp_imm`] with the compared operand given (from the integer
/// accumulator).
#[inline(always)]
pub(super) fn br_cmp_imm_on<T: Raw + FromImm, const M: bool>(
    code: &mut Code<'_, M>,
    op: BrCmpImm,
    a: T,
    cmp: impl FnOnce(T, T) -> bool,
) {
    if cmp(a, T::from_imm(op.imm)) {
        code.jump(op.target);
    }
}

/// The `i32` operand in `slot`, or in the integer accumulator `acc` when
/// the instruction is an accumulator form (`Some`, a constant in each
/// handler, so the test folds away).
#[inline(always)]
fn operand(regs: &Regs<'_>, slot: Slot, acc: Option<u64>) -> u32 {
    match acc {
        Some(acc) => int_acc(regs, slot, acc),
        None => regs.get(slot) as u32,
    }
}

/// The end of a superinstruction whose second half is a branch: jump, or
/// skip the second instruction (kept in place, it is not executed again).
#[inline(always)]
fn branch_or_skip<const M: bool>(code: &mut Code<'_, M>, taken: bool, target: u32) {
    if taken {
        code.jump(target);
    } else {
        code.skip();
    }
}

/// `I32AddImm { dst, a, add }; BrI32<cmp>Imm { dst, imm, target }`.
#[inline(always)]
pub(super) fn add_imm_br<T: Raw + FromImm, const M: bool>(
    regs: &mut Regs<'_>,
    code: &mut Code<'_, M>,
    op: &AddImmBr,
    acc: Option<u64>,
    cmp: impl FnOnce(T, T) -> bool,
) -> u64 {
    let a = operand(regs, Slot::from(op.a), acc);
    let sum = a.wrapping_add(op.add as i32 as u32);
    regs.set(Slot::from(op.dst), u64::from(sum));
    let taken = cmp(T::from_raw(u64::from(sum)), T::from_imm(op.imm));
    branch_or_skip(code, taken, op.target);
    u64::from(sum)
}

/// After a store that ends a loop body (`Store8ImmLatch`,
/// `Store8ImmAddLatch`): when the next instruction is the loop's
/// `I32AddBrLtUImm` latch, runs it as its own handler would and returns
/// the integer accumulator it leaves; otherwise leaves `code` at that
/// instruction, to be dispatched, and `acc` as the store left it.
#[inline(always)]
pub(super) fn latch_after_store<const M: bool>(
    code: &mut Code<'_, M>,
    regs: &mut Regs<'_>,
    acc: u64,
) -> u64 {
    match code.peek() {
        Instr::I32AddBrLtUImm(latch) => {
            code.skip();
            add_br(regs, code, &latch, |a: u32, b| a < b)
        }
        _ => acc,
    }
}

/// A loop whose whole body is the byte store just fetched (`Store8ImmLatch`,
/// `Store8ImmAddLatch`, storing `value` at `address(j)`, where `j` is slot
/// `slot`), when its latch steps `j` by a slot that the loop does not
/// write: `j += step; if j < limit { repeat }`, as in a strided fill or a
/// sieve's marking loop. Runs the loop with `j` in a register, so each
/// round costs a store, an add and two compares instead of two dispatches
/// and a trip of `j` through its slot; metered, each round also pays the
/// fuel of the loop's head, as the branch back would. Returns the integer
/// accumulator the latch leaves, with the position where the loop left
/// off: past the latch at its end, at the loop's head when the fuel ran
/// short there (which then suspends as usual), or at the store.
///
/// A store the memory's fast path declines (across a page, out of bounds)
/// ends the run with the position back on the store, for the next
/// dispatch to run it the general way, as if the loop had been dispatched
/// round by round; nothing else can tell the difference: the rounds call
/// nothing. `None`, having changed nothing, when the next instruction is
/// not such a latch, or when the first store is declined: the caller then
/// runs the store the general way itself.
#[inline(always)]
pub(super) fn strided_store_loop<const M: bool>(
    code: &mut Code<'_, M>,
    regs: &mut Regs<'_>,
    mem: &mut Memory,
    slot: Slot,
    value: u8,
    address: impl Fn(u32) -> u64,
) -> Option<u64> {
    let Instr::I32AddBrLtUImm(latch) = code.peek() else {
        return None;
    };
    let (dst, a, step) = (
        Slot::from(latch.dst),
        Slot::from(latch.a),
        Slot::from(latch.b),
    );
    if dst != slot || a != slot || step == slot {
        return None;
    }
    let fuel_per_round = code.cost_of_repeating(latch.target)?;
    let step = regs.get(step) as u32;
    let limit = latch.imm as u32;
    let mut j = regs.get(slot) as u32;
    if !mem.store_fast::<1>(address(j), [value]) {
        return None;
    }
    loop {
        j = j.wrapping_add(step);
        if j >= limit {
            // Past the latch's two words: the loop's exit.
            code.skip();
            code.skip();
            break;
        }
        if fuel_per_round != 0 && !code.consume(fuel_per_round) {
            // Lands on the head's fuel check, which the fuel does not cover.
            code.jump(latch.target);
            break;
        }
        if !mem.store_fast::<1>(address(j), [value]) {
            // Rounds were run, and metered, paid for: the store is left to
            // be dispatched anew, which finds it declined on its first
            // round and runs it the general way with the fuel as it is now
            // (a refusal from here would take the fuel back to what the
            // handler began with).
            code.repeat_last();
            break;
        }
    }
    regs.set(slot, u64::from(j));
    Some(u64::from(j))
}

/// After the first half of a `…BrTable` superinstruction (`Load32IdxBrTable`
/// and the like), which left `value` in its destination slot: when the
/// next instruction is the `BrTable` or
/// `BrTableAt` that switches on that slot (the only ones the translator
/// puts there, see `translate/fuse.rs`), takes it as its own handler would;
/// otherwise leaves `code` at that instruction, to be dispatched. Checked
/// by the tag, so any code is run right.
#[inline(always)]
pub(super) fn br_table_after<const M: bool>(code: &mut Code<'_, M>, value: u64) {
    match code.peek() {
        Instr::BrTable { len, .. } => {
            code.skip();
            code.br_table(value as u32, len);
        }
        Instr::BrTableAt { len, table, .. } => code.br_table_at(value as u32, len, table),
        _ => {}
    }
}

/// The branch of a load-and-branch (`Load32BrEqz` and the like), after the
/// load wrote `value`: to `target` when `value` being zero is `zero`,
/// otherwise past the branch.
#[inline(always)]
pub(super) fn br_on_zero<const M: bool>(
    code: &mut Code<'_, M>,
    value: u64,
    zero: bool,
    target: u32,
) {
    branch_or_skip(code, (value == 0) == zero, target);
}

/// `I32Add { dst, a, b }; BrI32<cmp>Imm { dst, imm, target }`.
#[inline(always)]
pub(super) fn add_br<T: Raw + FromImm, const M: bool>(
    regs: &mut Regs<'_>,
    code: &mut Code<'_, M>,
    op: &AddBr,
    cmp: impl FnOnce(T, T) -> bool,
) -> u64 {
    let a = regs.get(Slot::from(op.a)) as u32;
    let sum = a.wrapping_add(regs.get(Slot::from(op.b)) as u32);
    regs.set(Slot::from(op.dst), u64::from(sum));
    let taken = cmp(T::from_raw(u64::from(sum)), T::from_imm(op.imm));
    branch_or_skip(code, taken, op.target);
    u64::from(sum)
}

/// `<T>Cmp { dst, a, b }; BrI32NeImm/EqImm { dst, 0, target }`: writes the
/// comparison's result, and branches when it equals `when`.
#[inline(always)]
pub(super) fn cmp_br<T: Raw, const M: bool>(
    regs: &mut Regs<'_>,
    code: &mut Code<'_, M>,
    op: &CmpBr,
    when: bool,
    cmp: impl FnOnce(T, T) -> bool,
) {
    let a = T::from_raw(regs.get(Slot::from(op.a)));
    let result = cmp(a, T::from_raw(regs.get(Slot::from(op.b))));
    regs.set(Slot::from(op.dst), u64::from(result));
    branch_or_skip(code, result == when, op.target);
}

/// `I32AndImm { dst, a, mask }; BrI32EqImm/NeImm { dst, 0, target }`: branch
/// when `(a & mask == 0) == zero`.
#[inline(always)]
pub(super) fn and_imm_br<const M: bool>(
    regs: &mut Regs<'_>,
    code: &mut Code<'_, M>,
    op: &AndImmBr,
    acc: Option<u64>,
    zero: bool,
) -> u64 {
    let bits = operand(regs, Slot::from(op.a), acc) & op.mask as u32;
    regs.set(Slot::from(op.dst), u64::from(bits));
    branch_or_skip(code, (bits == 0) == zero, op.target);
    u64::from(bits)
}

/// `I32AndImm { dst, a, mask }; BrI32<cmp>Imm { dst, imm, target }`.
#[inline(always)]
pub(super) fn and_imm_br_imm<const M: bool>(
    regs: &mut Regs<'_>,
    code: &mut Code<'_, M>,
    op: &AndImmBrImm,
    cmp: impl FnOnce(u32, u32) -> bool,
) -> u64 {
    let bits = (regs.get(Slot::from(op.a)) as u32) & op.mask as i32 as u32;
    regs.set(Slot::from(op.dst), u64::from(bits));
    branch_or_skip(code, cmp(bits, op.imm as u32), op.target);
    u64::from(bits)
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
