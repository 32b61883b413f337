//! The accumulators: the last pass over a finished function, which lets an
//! operation take an operand from a register instead of reloading it from
//! the slot the instruction before has just written.
//!
//! Every operation that writes one result of a kind the pass knows (the
//! *producers*) also hands that result to the next instruction's handler
//! in an accumulator, one of three handler arguments that travel in
//! registers:
//! - the integer accumulator (the raw slot value): integer add, sub, mul,
//!   and, or, xor, shifts, rotates and comparisons of both widths, with a
//!   slot or an immediate right operand, `i32.wrap_i64`, every load (the
//!   indexed loads included),
//!   and the integer superinstructions whose second half is a producer
//!   (xor-multiply, shift-xor, two adds, the add-and-loads and the double
//!   load), which hand on what that second half would; and, for the code
//!   they fall through to, the compare-and-branches with an immediate (the
//!   compared operand) and the superinstructions ending in one
//!   (`I32AddImmBr…`, `I32AddBr…`, `I32AndImmBr…`: the sum or the masked
//!   value they compare, which their second half, that same branch, would
//!   leave);
//! - the `f64` and `f32` accumulators: add, sub, mul, div, sqrt and the
//!   multiply-add superinstructions; and the 8- and 4-byte loads (every
//!   one that fills the integer accumulator), which hand the loaded bits to
//!   the float accumulator of their width as well;
//! - and the accumulator forms below, which are producers too.
//!
//! It still writes its slot, so nothing else about the code changes: a
//! suspension, a checkpoint or a trap sees the frame exactly as before.
//!
//! An instruction `B` at `i` reads its operand `s` from the accumulator
//! (becomes its `…Acc…` form) when, whenever `B` runs, the instruction that
//! ran just before it produced `s` into the accumulator `B` would read:
//! - `B` is not a branch target, so it is only entered by falling through;
//! - when the instruction at `i - 1` is not a superinstruction: it
//!   produces `s`, and if it is the second half of a superinstruction at
//!   `i - 2`, which skips it and falls through to `B`, that
//!   superinstruction produces `s` too (the multiply-adds produce what
//!   their second half does);
//! - when `i - 1` is a superinstruction, it skips `B` (`B` is its second
//!   half), so `B` runs after `i - 1` only if that was skipped by a
//!   superinstruction at `i - 2`: there must be one, and it produces `s`.
//!   (`a >> k; x ^ that; that * m` fuses both pairs; the first
//!   superinstruction runs, then the multiply on its own.)
//!
//! A product of a slot with itself (`x * x`, also as the product of a
//! multiply-add) reads both operands from the accumulator, and so does
//! `x ^ (x >> k)`: reading the second from the slot just written would
//! wait for it as long as reading the first.
//!
//! Nothing else enters an instruction mid-function: calls return to the
//! instruction after the call and resumptions start at a fuel check or
//! after a call, none of which is a producer; a fuel check a jump lands
//! on and that is performed on the spot (see `exec::hot::Code`) is not a
//! producer either. (Calls and returns set the accumulators to constants,
//! so that their handlers need not save them around calls out; a call on
//! the threaded fast path, which makes none, leaves the float ones as they
//! are.) With
//! `extra-checks`, every read of an accumulator asserts that it equals the
//! slot it stands for.

use super::kind_memo::KindMemo;
use crate::ir::{
    AddBr, AddImm2, AddImmBr, AddImmLoad, AddLoad, AndImmBr, AndImmBrImm, Bin, BinBin, BinBinImm,
    BinImm, BinImmBin, BrCmp, BrCmpImm, Instr, KindTable, Load, LoadBr, LoadLoad, Slot, Store, Un,
};

/// The three accumulators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acc {
    /// The integer accumulator (raw slot values of every integer type).
    Int,
    F32,
    F64,
}

/// What the pass keeps from one function to the next: scratch space, and
/// what each kind of instruction is to the pass (the flags below, learned
/// per kind: [`produces`], [`Instr::is_fused`] and [`reading_accumulator`]
/// are jump-table dispatches, and the pass visits every instruction of
/// every function).
#[derive(Debug, Clone, Default)]
pub(super) struct AccScratch {
    /// The instructions that may read an accumulator: each can read one
    /// and follows a producer that is not a superinstruction.
    candidates: alloc::vec::Vec<u32>,
    /// Bit `i` set: instruction `i` is a branch target.
    targets: alloc::vec::Vec<u64>,
    /// Each kind's flags.
    kind_flags: KindMemo,
}

/// A producer (see the module docs).
const PRODUCER: u8 = 1;
/// A superinstruction ([`Instr::is_fused`]).
const FUSED: u8 = 2;
/// Has an accumulator form.
const CONSUMER: u8 = 4;
/// Has a branch target ([`Instr::branch_target`]).
const BRANCH: u8 = 8;

/// The flags of `instr`'s kind: every instruction of a kind has the same.
/// A kind is a consumer if reading any of its slots from any accumulator
/// gives a form, which is what [`reading_accumulator`] is asked later.
fn kind_flags(instr: &Instr) -> u8 {
    let mut flags = 0;
    if produces(instr).is_some() {
        flags |= PRODUCER;
    }
    if instr.is_fused() {
        flags |= FUSED;
    }
    if instr.branch_target().is_some() {
        flags |= BRANCH;
    }
    // (A `Select`'s condition is in its trailing word, which the slot
    // visitor does not see from here: see `reading_accumulator_at`.)
    if matches!(instr, Instr::Select { .. }) {
        flags |= CONSUMER;
    }
    let mut copy = *instr;
    copy.for_each_slot_mut(|&mut slot| {
        for acc in [Acc::Int, Acc::F32, Acc::F64] {
            if reading_accumulator(*instr, (slot, acc)).is_some() {
                flags |= CONSUMER;
            }
        }
    });
    flags
}

/// Rewrites every instruction the module docs allow to its accumulator
/// form, in place. Fails only when the scratch space cannot be allocated.
///
/// One scan over the function marks the branch targets and notes the
/// candidates (cheap per-kind tests on neighbours); only the candidates,
/// a fraction of the code, are then examined operand by operand.
pub(super) fn use_accumulators(
    code: &mut [Instr],
    scratch: &mut AccScratch,
    kinds: &mut KindTable,
) -> Result<(), alloc::collections::TryReserveError> {
    let AccScratch {
        candidates,
        targets,
        kind_flags,
    } = scratch;
    candidates.clear();
    candidates.try_reserve_exact(code.len())?;
    targets.clear();
    targets.try_reserve_exact(code.len().div_ceil(64))?;
    targets.resize(code.len().div_ceil(64), 0);
    // The flags of the instructions one and two before.
    let (mut before, mut before2) = (0, 0);
    for (i, instr) in code.iter().enumerate() {
        let f = kind_flags.get(instr, self::kind_flags);
        if f & BRANCH != 0
            && let Some(target) = kinds.branch_target(instr)
            && let Some(word) = targets.get_mut(target as usize / 64)
        {
            *word |= 1 << (target % 64);
        }
        // This one can read an accumulator, and what falls through to it
        // is a producer: the instruction before, unless that is a
        // superinstruction (which skips this one); then only a producing
        // superinstruction two before, which skips the one before.
        let after_producer = before & (PRODUCER | FUSED) == PRODUCER;
        let after_skip = before & FUSED != 0 && before2 & (PRODUCER | FUSED) == PRODUCER | FUSED;
        if f & CONSUMER != 0 && (after_producer || after_skip) {
            // (Within the capacity reserved above: at most one per
            // instruction, and a function has fewer than 2^32.)
            candidates.push(i as u32);
        }
        (before, before2) = (f, before);
    }
    for &i in candidates.iter() {
        let i = i as usize;
        if targets[i / 64] & (1 << (i % 64)) != 0 {
            continue;
        }
        let fused_before = kind_flags.get(&code[i - 1], self::kind_flags) & FUSED != 0;
        let fused_two_before =
            i >= 2 && kind_flags.get(&code[i - 2], self::kind_flags) & FUSED != 0;
        let produced = if fused_before {
            // Only the superinstruction at `i - 2` falls through to `i`
            // (the candidate test saw to it that there is one).
            produces(&code[i - 2])
        } else {
            // A superinstruction at `i - 2` skips `i - 1` and falls
            // through to `i`: it must produce the same.
            produces(&code[i - 1])
                .filter(|&produced| !fused_two_before || produces(&code[i - 2]) == Some(produced))
        };
        let Some(produced) = produced else {
            continue;
        };
        // A 4- or 8-byte load also hands its value to the float
        // accumulator of that width (as must the superinstruction that
        // skips it, when one does).
        let float = || {
            let from = if fused_before { i - 2 } else { i - 1 };
            let acc = loaded_float(&code[from])?;
            let skipped_agrees =
                fused_before || !fused_two_before || loaded_float(&code[i - 2]) == Some(acc);
            skipped_agrees.then_some((produced.0, acc))
        };
        let rewritten = reading_accumulator_at(code, i, produced)
            .or_else(|| reading_accumulator_at(code, i, float()?));
        if let Some(rewritten) = rewritten {
            code[i] = rewritten;
            // (The form is a producer and a consumer like the original.)
        }
    }
    Ok(())
}

/// The slot and accumulator a producer writes (see the module docs).
fn produces(instr: &Instr) -> Option<(Slot, Acc)> {
    use Acc::*;
    use Instr::*;
    match *instr {
        F64Add(Bin { dst, .. })
        | F64Sub(Bin { dst, .. })
        | F64Mul(Bin { dst, .. })
        | F64Div(Bin { dst, .. })
        | F64AddAccA(Bin { dst, .. })
        | F64AddAccB(Bin { dst, .. })
        | F64SubAccA(Bin { dst, .. })
        | F64SubAccB(Bin { dst, .. })
        | F64MulAccA(Bin { dst, .. })
        | F64MulAccB(Bin { dst, .. })
        | F64DivAccA(Bin { dst, .. })
        | F64DivAccB(Bin { dst, .. })
        | F64Sqrt(Un { dst, .. })
        | F64MulAccAB(Bin { dst, .. })
        | F64SqrtAcc(Un { dst, .. }) => Some((dst, F64)),
        F64MulAdd(BinBin { dst, .. })
        | F64MulSub(BinBin { dst, .. })
        | F64MulAddLeft(BinBin { dst, .. })
        | F64MulSubLeft(BinBin { dst, .. })
        | F64MulAddAccA(BinBin { dst, .. })
        | F64MulAddAccB(BinBin { dst, .. })
        | F64MulSubAccA(BinBin { dst, .. })
        | F64MulSubAccB(BinBin { dst, .. })
        | F64MulAddAccAB(BinBin { dst, .. })
        | F64MulSubAccAB(BinBin { dst, .. }) => Some((Slot::from(dst), F64)),
        F32Add(Bin { dst, .. })
        | F32Sub(Bin { dst, .. })
        | F32Mul(Bin { dst, .. })
        | F32Div(Bin { dst, .. })
        | F32AddAccA(Bin { dst, .. })
        | F32AddAccB(Bin { dst, .. })
        | F32SubAccA(Bin { dst, .. })
        | F32SubAccB(Bin { dst, .. })
        | F32MulAccA(Bin { dst, .. })
        | F32MulAccB(Bin { dst, .. })
        | F32DivAccA(Bin { dst, .. })
        | F32DivAccB(Bin { dst, .. })
        | F32Sqrt(Un { dst, .. })
        | F32MulAccAB(Bin { dst, .. })
        | F32SqrtAcc(Un { dst, .. }) => Some((dst, F32)),
        F32MulAdd(BinBin { dst, .. })
        | F32MulSub(BinBin { dst, .. })
        | F32MulAddLeft(BinBin { dst, .. })
        | F32MulSubLeft(BinBin { dst, .. })
        | F32MulAddAccA(BinBin { dst, .. })
        | F32MulAddAccB(BinBin { dst, .. })
        | F32MulSubAccA(BinBin { dst, .. })
        | F32MulSubAccB(BinBin { dst, .. })
        | F32MulAddAccAB(BinBin { dst, .. })
        | F32MulSubAccAB(BinBin { dst, .. }) => Some((Slot::from(dst), F32)),
        I32Add(Bin { dst, .. })
        | I32AddAccA(Bin { dst, .. })
        | I32AddAccB(Bin { dst, .. })
        | I32Sub(Bin { dst, .. })
        | I32SubAccA(Bin { dst, .. })
        | I32SubAccB(Bin { dst, .. })
        | I32Mul(Bin { dst, .. })
        | I32MulAccA(Bin { dst, .. })
        | I32MulAccB(Bin { dst, .. })
        | I32MulAccAB(Bin { dst, .. })
        | I32And(Bin { dst, .. })
        | I32AndAccA(Bin { dst, .. })
        | I32AndAccB(Bin { dst, .. })
        | I32Or(Bin { dst, .. })
        | I32OrAccA(Bin { dst, .. })
        | I32OrAccB(Bin { dst, .. })
        | I32Xor(Bin { dst, .. })
        | I32XorAccA(Bin { dst, .. })
        | I32XorAccB(Bin { dst, .. })
        | I32Shl(Bin { dst, .. })
        | I32ShlAccA(Bin { dst, .. })
        | I32ShlAccB(Bin { dst, .. })
        | I32ShrU(Bin { dst, .. })
        | I32ShrUAccA(Bin { dst, .. })
        | I32ShrUAccB(Bin { dst, .. })
        | I32ShrS(Bin { dst, .. })
        | I32ShrSAccA(Bin { dst, .. })
        | I32ShrSAccB(Bin { dst, .. })
        | I64Add(Bin { dst, .. })
        | I64AddAccA(Bin { dst, .. })
        | I64AddAccB(Bin { dst, .. })
        | I64Sub(Bin { dst, .. })
        | I64SubAccA(Bin { dst, .. })
        | I64SubAccB(Bin { dst, .. })
        | I64Mul(Bin { dst, .. })
        | I64MulAccA(Bin { dst, .. })
        | I64MulAccB(Bin { dst, .. })
        | I64MulAccAB(Bin { dst, .. })
        | I64And(Bin { dst, .. })
        | I64AndAccA(Bin { dst, .. })
        | I64AndAccB(Bin { dst, .. })
        | I64Or(Bin { dst, .. })
        | I64OrAccA(Bin { dst, .. })
        | I64OrAccB(Bin { dst, .. })
        | I64Xor(Bin { dst, .. })
        | I64XorAccA(Bin { dst, .. })
        | I64XorAccB(Bin { dst, .. })
        | I64Shl(Bin { dst, .. })
        | I64ShlAccA(Bin { dst, .. })
        | I64ShlAccB(Bin { dst, .. })
        | I64ShrU(Bin { dst, .. })
        | I64ShrUAccA(Bin { dst, .. })
        | I64ShrUAccB(Bin { dst, .. })
        | I64ShrS(Bin { dst, .. })
        | I64ShrSAccA(Bin { dst, .. })
        | I64ShrSAccB(Bin { dst, .. })
        | I32Rotl(Bin { dst, .. })
        | I64Rotl(Bin { dst, .. })
        | I32RotlImm(BinImm { dst, .. })
        | I32RotlImmAcc(BinImm { dst, .. })
        | I64RotlImm(BinImm { dst, .. })
        | I64RotlImmAcc(BinImm { dst, .. })
        | I32WrapI64(Un { dst, .. })
        | I32WrapI64Acc(Un { dst, .. })
        | I32AddImm(BinImm { dst, .. })
        | I32AddImmAcc(BinImm { dst, .. })
        | I32AddShl2(Bin { dst, .. })
        | I32AddShl3(Bin { dst, .. })
        | I32AddShl2AccB(Bin { dst, .. })
        | I32AddShl3AccB(Bin { dst, .. })
        | I32MulImm(BinImm { dst, .. })
        | I32MulImmAcc(BinImm { dst, .. })
        | I32AndImm(BinImm { dst, .. })
        | I32AndImmAcc(BinImm { dst, .. })
        | I32OrImm(BinImm { dst, .. })
        | I32OrImmAcc(BinImm { dst, .. })
        | I32XorImm(BinImm { dst, .. })
        | I32XorImmAcc(BinImm { dst, .. })
        | I32ShlImm(BinImm { dst, .. })
        | I32ShlImmAcc(BinImm { dst, .. })
        | I32ShrUImm(BinImm { dst, .. })
        | I32ShrUImmAcc(BinImm { dst, .. })
        | I32ShrSImm(BinImm { dst, .. })
        | I32ShrSImmAcc(BinImm { dst, .. })
        | I64AddImm(BinImm { dst, .. })
        | I64AddImmAcc(BinImm { dst, .. })
        | I64MulImm(BinImm { dst, .. })
        | I64MulImmAcc(BinImm { dst, .. })
        | I64AndImm(BinImm { dst, .. })
        | I64AndImmAcc(BinImm { dst, .. })
        | I64OrImm(BinImm { dst, .. })
        | I64OrImmAcc(BinImm { dst, .. })
        | I64XorImm(BinImm { dst, .. })
        | I64XorImmAcc(BinImm { dst, .. })
        | I64ShlImm(BinImm { dst, .. })
        | I64ShlImmAcc(BinImm { dst, .. })
        | I64ShrUImm(BinImm { dst, .. })
        | I64ShrUImmAcc(BinImm { dst, .. })
        | I64ShrSImm(BinImm { dst, .. })
        | I64ShrSImmAcc(BinImm { dst, .. })
        | Load32Add(BinImm { dst, .. })
        | Load64Add(BinImm { dst, .. })
        | Load8UAdd(BinImm { dst, .. })
        | Load16UAdd(BinImm { dst, .. })
        | I32Load8SAdd(BinImm { dst, .. })
        | I32Load16SAdd(BinImm { dst, .. })
        | I64Load8SAdd(BinImm { dst, .. })
        | I64Load16SAdd(BinImm { dst, .. })
        | I64Load32SAdd(BinImm { dst, .. })
        | Load32(Load { dst, .. })
        | Load64(Load { dst, .. })
        | Load8U(Load { dst, .. })
        | Load16U(Load { dst, .. })
        | Load32Acc(Load { dst, .. })
        | Load64Acc(Load { dst, .. })
        | Load8UAcc(Load { dst, .. })
        | Load16UAcc(Load { dst, .. })
        | I32Load8S(Load { dst, .. })
        | I32Load16S(Load { dst, .. })
        | I64Load8S(Load { dst, .. })
        | I64Load16S(Load { dst, .. })
        | I64Load32S(Load { dst, .. })
        | Load32AddAcc(BinImm { dst, .. })
        | Load64AddAcc(BinImm { dst, .. })
        | Load8UAddAcc(BinImm { dst, .. })
        | Load16UAddAcc(BinImm { dst, .. })
        | Load32Idx(BinImm { dst, .. })
        | Load64Idx(BinImm { dst, .. })
        | Load32IdxAcc(BinImm { dst, .. })
        | Load64IdxAcc(BinImm { dst, .. })
        | I32Eq(Bin { dst, .. })
        | I32Ne(Bin { dst, .. })
        | I32LtS(Bin { dst, .. })
        | I32LtU(Bin { dst, .. })
        | I32GtS(Bin { dst, .. })
        | I32GtU(Bin { dst, .. })
        | I32LeS(Bin { dst, .. })
        | I32LeU(Bin { dst, .. })
        | I32GeS(Bin { dst, .. })
        | I32GeU(Bin { dst, .. })
        | I64Eq(Bin { dst, .. })
        | I64Ne(Bin { dst, .. })
        | I64LtS(Bin { dst, .. })
        | I64LtU(Bin { dst, .. })
        | I64GtS(Bin { dst, .. })
        | I64GtU(Bin { dst, .. })
        | I64LeS(Bin { dst, .. })
        | I64LeU(Bin { dst, .. })
        | I64GeS(Bin { dst, .. })
        | I64GeU(Bin { dst, .. })
        | I32EqImm(BinImm { dst, .. })
        | I32NeImm(BinImm { dst, .. })
        | I32LtSImm(BinImm { dst, .. })
        | I32LtUImm(BinImm { dst, .. })
        | I32GtSImm(BinImm { dst, .. })
        | I32GtUImm(BinImm { dst, .. })
        | I32LeSImm(BinImm { dst, .. })
        | I32LeUImm(BinImm { dst, .. })
        | I32GeSImm(BinImm { dst, .. })
        | I32GeUImm(BinImm { dst, .. })
        | I64EqImm(BinImm { dst, .. })
        | I64NeImm(BinImm { dst, .. })
        | I64LtSImm(BinImm { dst, .. })
        | I64LtUImm(BinImm { dst, .. })
        | I64GtSImm(BinImm { dst, .. })
        | I64GtUImm(BinImm { dst, .. })
        | I64LeSImm(BinImm { dst, .. })
        | I64LeUImm(BinImm { dst, .. })
        | I64GeSImm(BinImm { dst, .. })
        | I64GeUImm(BinImm { dst, .. }) => Some((dst, Int)),
        // A compare-and-branch with an immediate leaves its operand in the
        // accumulator for the code it falls through to.
        BrI32NeImmAcc(BrCmpImm { a, .. })
        | BrI32EqImmAcc(BrCmpImm { a, .. })
        | BrI32EqImm(BrCmpImm { a, .. })
        | BrI32NeImm(BrCmpImm { a, .. })
        | BrI32LtSImm(BrCmpImm { a, .. })
        | BrI32LtUImm(BrCmpImm { a, .. })
        | BrI32GtSImm(BrCmpImm { a, .. })
        | BrI32GtUImm(BrCmpImm { a, .. })
        | BrI32LeSImm(BrCmpImm { a, .. })
        | BrI32LeUImm(BrCmpImm { a, .. })
        | BrI32GeSImm(BrCmpImm { a, .. })
        | BrI32GeUImm(BrCmpImm { a, .. })
        | BrI64EqImm(BrCmpImm { a, .. })
        | BrI64NeImm(BrCmpImm { a, .. })
        | BrI64LtSImm(BrCmpImm { a, .. })
        | BrI64LtUImm(BrCmpImm { a, .. })
        | BrI64GtSImm(BrCmpImm { a, .. })
        | BrI64GtUImm(BrCmpImm { a, .. })
        | BrI64LeSImm(BrCmpImm { a, .. })
        | BrI64LeUImm(BrCmpImm { a, .. })
        | BrI64GeSImm(BrCmpImm { a, .. })
        | BrI64GeUImm(BrCmpImm { a, .. }) => Some((a, Int)),
        // Superinstructions ending in such a branch: the value it compares.
        I32AddImmBrEqImm(AddImmBr { dst, .. })
        | I32AddImmBrNeImm(AddImmBr { dst, .. })
        | I32AddImmBrLtSImm(AddImmBr { dst, .. })
        | I32AddImmBrLtUImm(AddImmBr { dst, .. })
        | I32AddImmBrGtSImm(AddImmBr { dst, .. })
        | I32AddImmBrGtUImm(AddImmBr { dst, .. })
        | I32AddImmBrLeSImm(AddImmBr { dst, .. })
        | I32AddImmBrLeUImm(AddImmBr { dst, .. })
        | I32AddImmBrGeSImm(AddImmBr { dst, .. })
        | I32AddImmBrGeUImm(AddImmBr { dst, .. })
        | I32AddImmBrNeImmAcc(AddImmBr { dst, .. })
        | I32AddImmBrLtUImmAcc(AddImmBr { dst, .. })
        | I32AddImmBrGtUImmAcc(AddImmBr { dst, .. })
        | I32AddBrEqImm(AddBr { dst, .. })
        | I32AddBrNeImm(AddBr { dst, .. })
        | I32AddBrLtSImm(AddBr { dst, .. })
        | I32AddBrLtUImm(AddBr { dst, .. })
        | I32AddBrGtSImm(AddBr { dst, .. })
        | I32AddBrGtUImm(AddBr { dst, .. })
        | I32AddBrLeSImm(AddBr { dst, .. })
        | I32AddBrLeUImm(AddBr { dst, .. })
        | I32AddBrGeSImm(AddBr { dst, .. })
        | I32AddBrGeUImm(AddBr { dst, .. })
        | Load32BrEqz(LoadBr { dst, .. })
        | Load32BrNez(LoadBr { dst, .. })
        | Load8UBrEqz(LoadBr { dst, .. })
        | Load8UBrNez(LoadBr { dst, .. })
        | I32AndImmBrEqz(AndImmBr { dst, .. })
        | I32AndImmBrNez(AndImmBr { dst, .. })
        | I32AndImmBrEqzAcc(AndImmBr { dst, .. })
        | I32AndImmBrNezAcc(AndImmBr { dst, .. })
        | I32AndImmBrEqImm(AndImmBrImm { dst, .. })
        | I32AndImmBrNeImm(AndImmBrImm { dst, .. })
        | I32AndImmBrLtUImm(AndImmBrImm { dst, .. })
        | I32AndImmBrGtUImm(AndImmBrImm { dst, .. })
        | I32AndImmBrLeUImm(AndImmBrImm { dst, .. })
        | I32AndImmBrGeUImm(AndImmBrImm { dst, .. }) => Some((Slot::from(dst), Int)),
        I32AddImmLoad32(AddImmLoad { dst, .. })
        | I32AddImmLoad64(AddImmLoad { dst, .. })
        | I32AddImmLoad8U(AddImmLoad { dst, .. })
        | I32AddImmLoad32Acc(AddImmLoad { dst, .. })
        | I32AddImmLoad64Acc(AddImmLoad { dst, .. })
        | I32AddImmLoad8UAcc(AddImmLoad { dst, .. })
        | I32AddLoad32(AddLoad { dst, .. })
        | I32AddLoad64(AddLoad { dst, .. })
        | I32AddLoad8U(AddLoad { dst, .. })
        | Load32Load32(LoadLoad { dst, .. })
        | I32AddImm2(AddImm2 { dst, .. })
        | I32ShrUImmXor(BinImmBin { dst, .. })
        | I32ShrUImmXorAcc(BinImmBin { dst, .. })
        | I32ShrUImmXorAccAX(BinImmBin { dst, .. })
        | I32XorMulImm(BinBinImm { dst, .. })
        | I32XorMulImmAccA(BinBinImm { dst, .. })
        | I32XorMulImmAccB(BinBinImm { dst, .. })
        | I64XorMul(BinBin { dst, .. })
        | I64XorMulAccA(BinBin { dst, .. })
        | I64XorMulAccB(BinBin { dst, .. }) => Some((Slot::from(dst), Int)),
        _ => None,
    }
}

/// The float accumulator a load hands its value to besides the integer
/// one: a 4-byte load's to the `f32`, an 8-byte load's to the `f64` one
/// (the loaded bits, unchanged), so that float arithmetic on a value just
/// loaded need not read it back from its slot.
fn loaded_float(instr: &Instr) -> Option<Acc> {
    use Instr::*;
    match instr {
        Load32(_)
        | Load32Acc(_)
        | Load32Add(_)
        | Load32AddAcc(_)
        | Load32Idx(_)
        | Load32IdxAcc(_)
        | I32AddLoad32(_)
        | I32AddImmLoad32(_)
        | I32AddImmLoad32Acc(_)
        | Load32Load32(_) => Some(Acc::F32),
        Load64(_)
        | Load64Acc(_)
        | Load64Add(_)
        | Load64AddAcc(_)
        | Load64Idx(_)
        | Load64IdxAcc(_)
        | I32AddLoad64(_)
        | I32AddImmLoad64(_)
        | I32AddImmLoad64Acc(_) => Some(Acc::F64),
        _ => None,
    }
}

/// The instruction at `i` reading slot `s` from the accumulator `acc`
/// (see [`reading_accumulator`]), where the form may depend on a trailing
/// word: a `Select` reads its condition, named by the `SelectCond` after
/// it, from the integer accumulator as a `SelectAcc`.
fn reading_accumulator_at(code: &[Instr], i: usize, produced: (Slot, Acc)) -> Option<Instr> {
    match (code[i], code.get(i + 1)) {
        (Instr::Select { dst, a, b }, Some(&Instr::SelectCond { cond }))
            if (cond, Acc::Int) == produced =>
        {
            Some(Instr::SelectAcc { dst, a, b })
        }
        (instr, _) => reading_accumulator(instr, produced),
    }
}

/// A constructor of an instruction kind from its operands.
type Ctor<T> = fn(T) -> Instr;

/// `instr` reading slot `s` from the accumulator `acc`, if it has such a
/// form (the first operand that is `s` is the one read from it).
fn reading_accumulator(instr: Instr, (s, acc): (Slot, Acc)) -> Option<Instr> {
    use Acc::*;
    use Instr::*;
    let bin = |op: Bin, (acc_a, acc_b): (Ctor<Bin>, Ctor<Bin>)| {
        if op.a == s {
            Some(acc_a(op))
        } else if op.b == s {
            Some(acc_b(op))
        } else {
            None
        }
    };
    // A product of the slot with itself reads it once, for both operands.
    let mul = |op: Bin, (acc_a, acc_b, square): (Ctor<Bin>, Ctor<Bin>, Ctor<Bin>)| {
        if op.a == s && op.b == s {
            Some(square(op))
        } else {
            bin(op, (acc_a, acc_b))
        }
    };
    let bin_bin = |op: BinBin, (acc_a, acc_b): (Ctor<BinBin>, Ctor<BinBin>)| {
        if Slot::from(op.a) == s {
            Some(acc_a(op))
        } else if Slot::from(op.b) == s {
            Some(acc_b(op))
        } else {
            None
        }
    };
    let mul_add =
        |op: BinBin, (acc_a, acc_b, square): (Ctor<BinBin>, Ctor<BinBin>, Ctor<BinBin>)| {
            if Slot::from(op.a) == s && Slot::from(op.b) == s {
                Some(square(op))
            } else {
                bin_bin(op, (acc_a, acc_b))
            }
        };
    let bin_bin_imm = |op: BinBinImm, (acc_a, acc_b): (Ctor<BinBinImm>, Ctor<BinBinImm>)| {
        if Slot::from(op.a) == s {
            Some(acc_a(op))
        } else if Slot::from(op.b) == s {
            Some(acc_b(op))
        } else {
            None
        }
    };
    let un = |op: Un, acc: Ctor<Un>| (op.src == s).then(|| acc(op));
    let store = |op: Store, acc: Ctor<Store>| (op.value == s).then(|| acc(op));
    let bin_imm = |op: BinImm, acc: Ctor<BinImm>| (op.a == s).then(|| acc(op));
    let load = |op: Load, acc: Ctor<Load>| (op.addr == s).then(|| acc(op));
    let branch = |op: BrCmpImm, acc: Ctor<BrCmpImm>| (op.a == s).then(|| acc(op));
    // `b` from the accumulator: the same comparison with the operands
    // swapped (`a < b` is `b > a`).
    let br_cmp = |op: BrCmp, (acc_a, swapped): (Ctor<BrCmp>, Ctor<BrCmp>)| {
        if op.a == s {
            Some(acc_a(op))
        } else if op.b == s {
            Some(swapped(BrCmp {
                a: op.b,
                b: op.a,
                target: op.target,
            }))
        } else {
            None
        }
    };
    let add_imm_load =
        |op: AddImmLoad, acc: Ctor<AddImmLoad>| (Slot::from(op.a) == s).then(|| acc(op));
    let add_imm_br = |op: AddImmBr, acc: Ctor<AddImmBr>| (Slot::from(op.a) == s).then(|| acc(op));
    let and_imm_br = |op: AndImmBr, acc: Ctor<AndImmBr>| (Slot::from(op.a) == s).then(|| acc(op));
    match (instr, acc) {
        (F64Add(op), F64) => bin(op, (F64AddAccA, F64AddAccB)),
        (F64Sub(op), F64) => bin(op, (F64SubAccA, F64SubAccB)),
        (F64Mul(op), F64) => mul(op, (F64MulAccA, F64MulAccB, F64MulAccAB)),
        (F64Div(op), F64) => bin(op, (F64DivAccA, F64DivAccB)),
        (F64Sqrt(op), F64) => un(op, F64SqrtAcc),
        (F64MulAdd(op), F64) => mul_add(op, (F64MulAddAccA, F64MulAddAccB, F64MulAddAccAB)),
        (F64MulSub(op), F64) => mul_add(op, (F64MulSubAccA, F64MulSubAccB, F64MulSubAccAB)),
        // `t + x` as `x + t`: the same sum; only which NaN payload a sum of
        // two NaNs keeps may differ, which Wasm leaves open (and the
        // compiler does not keep either: it emits one handler for both).
        (F64MulAddLeft(op), F64) => mul_add(op, (F64MulAddAccA, F64MulAddAccB, F64MulAddAccAB)),
        (Store64(op), F64) => store(op, Store64AccF64),
        (F32Add(op), F32) => bin(op, (F32AddAccA, F32AddAccB)),
        (F32Sub(op), F32) => bin(op, (F32SubAccA, F32SubAccB)),
        (F32Mul(op), F32) => mul(op, (F32MulAccA, F32MulAccB, F32MulAccAB)),
        (F32Div(op), F32) => bin(op, (F32DivAccA, F32DivAccB)),
        (F32Sqrt(op), F32) => un(op, F32SqrtAcc),
        (F32MulAdd(op), F32) => mul_add(op, (F32MulAddAccA, F32MulAddAccB, F32MulAddAccAB)),
        (F32MulSub(op), F32) => mul_add(op, (F32MulSubAccA, F32MulSubAccB, F32MulSubAccAB)),
        (F32MulAddLeft(op), F32) => mul_add(op, (F32MulAddAccA, F32MulAddAccB, F32MulAddAccAB)),
        (Store32(op), F32) => store(op, Store32AccF32),
        (I32Add(op), Int) => bin(op, (I32AddAccA, I32AddAccB)),
        (I32Sub(op), Int) => bin(op, (I32SubAccA, I32SubAccB)),
        (I32Mul(op), Int) => mul(op, (I32MulAccA, I32MulAccB, I32MulAccAB)),
        (I32And(op), Int) => bin(op, (I32AndAccA, I32AndAccB)),
        (I32Or(op), Int) => bin(op, (I32OrAccA, I32OrAccB)),
        (I32Xor(op), Int) => bin(op, (I32XorAccA, I32XorAccB)),
        (I32Shl(op), Int) => bin(op, (I32ShlAccA, I32ShlAccB)),
        (I32ShrU(op), Int) => bin(op, (I32ShrUAccA, I32ShrUAccB)),
        (I32ShrS(op), Int) => bin(op, (I32ShrSAccA, I32ShrSAccB)),
        (I64Add(op), Int) => bin(op, (I64AddAccA, I64AddAccB)),
        (I64Sub(op), Int) => bin(op, (I64SubAccA, I64SubAccB)),
        (I64Mul(op), Int) => mul(op, (I64MulAccA, I64MulAccB, I64MulAccAB)),
        (I64And(op), Int) => bin(op, (I64AndAccA, I64AndAccB)),
        (I64Or(op), Int) => bin(op, (I64OrAccA, I64OrAccB)),
        (I64Xor(op), Int) => bin(op, (I64XorAccA, I64XorAccB)),
        (I64Shl(op), Int) => bin(op, (I64ShlAccA, I64ShlAccB)),
        (I64ShrU(op), Int) => bin(op, (I64ShrUAccA, I64ShrUAccB)),
        (I64ShrS(op), Int) => bin(op, (I64ShrSAccA, I64ShrSAccB)),
        (I32AddImm(op), Int) => bin_imm(op, I32AddImmAcc),
        (I32MulImm(op), Int) => bin_imm(op, I32MulImmAcc),
        (I32AndImm(op), Int) => bin_imm(op, I32AndImmAcc),
        (I32OrImm(op), Int) => bin_imm(op, I32OrImmAcc),
        (I32XorImm(op), Int) => bin_imm(op, I32XorImmAcc),
        (I32ShlImm(op), Int) => bin_imm(op, I32ShlImmAcc),
        (I32ShrUImm(op), Int) => bin_imm(op, I32ShrUImmAcc),
        (I32ShrSImm(op), Int) => bin_imm(op, I32ShrSImmAcc),
        (I64AddImm(op), Int) => bin_imm(op, I64AddImmAcc),
        (I64MulImm(op), Int) => bin_imm(op, I64MulImmAcc),
        (I64AndImm(op), Int) => bin_imm(op, I64AndImmAcc),
        (I64OrImm(op), Int) => bin_imm(op, I64OrImmAcc),
        (I64XorImm(op), Int) => bin_imm(op, I64XorImmAcc),
        (I64ShlImm(op), Int) => bin_imm(op, I64ShlImmAcc),
        (I64ShrUImm(op), Int) => bin_imm(op, I64ShrUImmAcc),
        (I64ShrSImm(op), Int) => bin_imm(op, I64ShrSImmAcc),
        (Load32(op), Int) => load(op, Load32Acc),
        (Load64(op), Int) => load(op, Load64Acc),
        (Load8U(op), Int) => load(op, Load8UAcc),
        (Load16U(op), Int) => load(op, Load16UAcc),
        (Store32(op), Int) => store(op, Store32Acc),
        (Store64(op), Int) => store(op, Store64Acc),
        (Store8(op), Int) => store(op, Store8Acc),
        (Store16(op), Int) => store(op, Store16Acc),
        (BrI32NeImm(op), Int) => branch(op, BrI32NeImmAcc),
        (BrI32EqImm(op), Int) => branch(op, BrI32EqImmAcc),
        (BrI32Eq(op), Int) => br_cmp(op, (BrI32EqAccA, BrI32EqAccA)),
        (BrI32Ne(op), Int) => br_cmp(op, (BrI32NeAccA, BrI32NeAccA)),
        (BrI32LtS(op), Int) => br_cmp(op, (BrI32LtSAccA, BrI32GtSAccA)),
        (BrI32LtU(op), Int) => br_cmp(op, (BrI32LtUAccA, BrI32GtUAccA)),
        (BrI32GtS(op), Int) => br_cmp(op, (BrI32GtSAccA, BrI32LtSAccA)),
        (BrI32GtU(op), Int) => br_cmp(op, (BrI32GtUAccA, BrI32LtUAccA)),
        (BrI32LeS(op), Int) => br_cmp(op, (BrI32LeSAccA, BrI32GeSAccA)),
        (BrI32LeU(op), Int) => br_cmp(op, (BrI32LeUAccA, BrI32GeUAccA)),
        (BrI32GeS(op), Int) => br_cmp(op, (BrI32GeSAccA, BrI32LeSAccA)),
        (BrI32GeU(op), Int) => br_cmp(op, (BrI32GeUAccA, BrI32LeUAccA)),
        (Load32Add(op), Int) => bin_imm(op, Load32AddAcc),
        (Load64Add(op), Int) => bin_imm(op, Load64AddAcc),
        (Load8UAdd(op), Int) => bin_imm(op, Load8UAddAcc),
        (Load16UAdd(op), Int) => bin_imm(op, Load16UAddAcc),
        (I32AddImmBrNeImm(op), Int) => add_imm_br(op, I32AddImmBrNeImmAcc),
        (I32AddImmBrLtUImm(op), Int) => add_imm_br(op, I32AddImmBrLtUImmAcc),
        (I32AddImmBrGtUImm(op), Int) => add_imm_br(op, I32AddImmBrGtUImmAcc),
        (I32AndImmBrEqz(op), Int) => and_imm_br(op, I32AndImmBrEqzAcc),
        (I32AndImmBrNez(op), Int) => and_imm_br(op, I32AndImmBrNezAcc),
        (Load32Idx(op), Int) => bin_imm(op, Load32IdxAcc),
        (Load64Idx(op), Int) => bin_imm(op, Load64IdxAcc),
        (I32AddImmLoad32(op), Int) => add_imm_load(op, I32AddImmLoad32Acc),
        (I32ShlImmAddImmLoad32(op), Int) => {
            (Slot::from(op.a) == s).then_some(I32ShlImmAddImmLoad32Acc(op))
        }
        (I32AddImmStore32(op), Int) => (Slot::from(op.a) == s).then_some(I32AddImmStore32Acc(op)),
        (Load8UStore8(op), Int) => (Slot::from(op.a) == s).then_some(Load8UStore8Acc(op)),
        (Load32Store32(op), Int) => (Slot::from(op.a) == s).then_some(Load32Store32Acc(op)),
        (Load64Store64(op), Int) => (Slot::from(op.a) == s).then_some(Load64Store64Acc(op)),
        (Load8UAddStore8(op), Int) => (Slot::from(op.a) == s).then_some(Load8UAddStore8Acc(op)),
        (I32AddShl2(op), Int) => (op.b == s).then_some(I32AddShl2AccB(op)),
        (I32AddShl3(op), Int) => (op.b == s).then_some(I32AddShl3AccB(op)),
        (I32AddImmLoad64(op), Int) => add_imm_load(op, I32AddImmLoad64Acc),
        (I32AddImmLoad8U(op), Int) => add_imm_load(op, I32AddImmLoad8UAcc),
        (I64XorMul(op), Int) => bin_bin(op, (I64XorMulAccA, I64XorMulAccB)),
        (I32XorMulImm(op), Int) => bin_bin_imm(op, (I32XorMulImmAccA, I32XorMulImmAccB)),
        // `x ^ (x >> k)` reads `x` once, unless the shift overwrites it.
        (I32ShrUImmXor(op), Int) if Slot::from(op.a) == s && op.x == op.a && op.t != op.x => {
            Some(I32ShrUImmXorAccAX(op))
        }
        (I32ShrUImmXor(op), Int) => (Slot::from(op.a) == s).then_some(I32ShrUImmXorAcc(op)),
        (I32RotlImm(op), Int) => bin_imm(op, I32RotlImmAcc),
        (I64RotlImm(op), Int) => bin_imm(op, I64RotlImmAcc),
        (I32WrapI64(op), Int) => un(op, I32WrapI64Acc),
        (BrTable { index, len }, Int) => (index == s).then_some(BrTableAcc { index, len }),
        (BrTableAt { index, len, table }, Int) => {
            (index == s).then_some(BrTableAtAcc { index, len, table })
        }
        _ => None,
    }
}
