//! The float accumulators: the last pass over a finished function, which
//! lets a float operation take an operand from a register instead of
//! reloading it from the slot the instruction before has just written.
//!
//! Every float operation that writes one result (the *producers*:
//! `F64Add`, `F64Sub`, `F64Mul`, `F64Div`, `F64Sqrt`, the multiply-add
//! superinstructions, the forms below, and the same for `f32`) also hands
//! its result to the next instruction's handler in the accumulator of its
//! type (`f64` or `f32`, two float registers of the handler's signature).
//! It still writes its slot, so nothing else about the code changes: a
//! suspension, a checkpoint or a trap sees the frame exactly as before.
//!
//! An instruction `B` at `i` reads its operand `s` from the accumulator
//! (becomes its `…Acc…` form) when, whenever `B` runs, the instruction that
//! ran just before it was a producer of `s` of `B`'s type:
//! - `B` is not a branch target, so it is only entered from `i - 1`;
//! - the instruction at `i - 1` produces `s`;
//! - if `i - 1` is the second half of a superinstruction at `i - 2`, which
//!   skips it and falls through to `B`, that superinstruction produces `s`
//!   too (the multiply-adds produce what their second half does);
//! - `B` is not itself the skipped second half of a superinstruction.
//!
//! Nothing else enters an instruction mid-function: calls return to the
//! instruction after the call and resumptions start at a fuel check or
//! after a call, none of which is a producer; a fuel check a jump lands
//! on and that is performed on the spot (see `exec::hot::Code`) is not a
//! producer either. With `extra-checks`, every read of an accumulator
//! asserts that it equals the slot it stands for.

use crate::ir::{Bin, BinBin, Instr, KIND_COUNT, Slot, Store, Un};

/// The two accumulators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Float {
    F32,
    F64,
}

/// What the pass keeps from one function to the next: scratch space, and
/// which kinds of instruction are producers, learned per kind (as
/// `fuse::PairStarts` does: a table lookup where [`produces`] is a
/// jump-table dispatch; most code has no float operation at all, and the
/// scan that finds that out is then all this pass costs).
#[derive(Debug, Clone)]
pub(super) struct AccScratch {
    /// Bit `i` set: instruction `i` is a branch target.
    targets: alloc::vec::Vec<u64>,
    /// By tag: 0 not yet seen, 1 not a producer, 2 a producer.
    producer_kinds: [u8; KIND_COUNT],
}

impl Default for AccScratch {
    fn default() -> Self {
        Self {
            targets: alloc::vec::Vec::new(),
            producer_kinds: [0; KIND_COUNT],
        }
    }
}

impl AccScratch {
    /// Whether `instr`'s kind is a producer.
    #[inline]
    fn may_produce(&mut self, instr: &Instr) -> bool {
        let known = &mut self.producer_kinds[usize::from(instr.tag())];
        if *known == 0 {
            *known = 1 + u8::from(produces(instr).is_some());
        }
        *known == 2
    }
}

/// Rewrites every instruction the module docs allow to its accumulator
/// form, in place. Fails only when the scratch space cannot be allocated.
pub(super) fn use_accumulators(
    code: &mut [Instr],
    scratch: &mut AccScratch,
) -> Result<(), alloc::collections::TryReserveError> {
    // Most functions compute no floats: one cheap scan finds out.
    if !code.iter().any(|instr| scratch.may_produce(instr)) {
        return Ok(());
    }
    let targets = &mut scratch.targets;
    targets.clear();
    let words = code.len().div_ceil(64);
    targets.try_reserve_exact(words)?;
    targets.resize(words, 0);
    for instr in code.iter() {
        if let Some(target) = instr.branch_target()
            && let Some(word) = targets.get_mut(target as usize / 64)
        {
            *word |= 1 << (target % 64);
        }
    }
    for i in 1..code.len() {
        if !scratch.may_produce(&code[i - 1])
            || scratch.targets[i / 64] & (1 << (i % 64)) != 0
            || code[i - 1].is_fused()
        {
            continue;
        }
        let Some(produced) = produces(&code[i - 1]) else {
            continue;
        };
        if i >= 2 && code[i - 2].is_fused() && produces(&code[i - 2]) != Some(produced) {
            continue;
        }
        if let Some(rewritten) = reading_accumulator(code[i], produced) {
            code[i] = rewritten;
        }
    }
    Ok(())
}

/// The slot and accumulator a producer writes (see the module docs).
fn produces(instr: &Instr) -> Option<(Slot, Float)> {
    use Float::*;
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
        | F64SqrtAcc(Un { dst, .. }) => Some((dst, F64)),
        F64MulAdd(BinBin { dst, .. })
        | F64MulSub(BinBin { dst, .. })
        | F64MulAddLeft(BinBin { dst, .. })
        | F64MulSubLeft(BinBin { dst, .. })
        | F64MulAddAccA(BinBin { dst, .. })
        | F64MulAddAccB(BinBin { dst, .. })
        | F64MulSubAccA(BinBin { dst, .. })
        | F64MulSubAccB(BinBin { dst, .. }) => Some((Slot::from(dst), F64)),
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
        | F32SqrtAcc(Un { dst, .. }) => Some((dst, F32)),
        F32MulAdd(BinBin { dst, .. })
        | F32MulSub(BinBin { dst, .. })
        | F32MulAddLeft(BinBin { dst, .. })
        | F32MulSubLeft(BinBin { dst, .. })
        | F32MulAddAccA(BinBin { dst, .. })
        | F32MulAddAccB(BinBin { dst, .. })
        | F32MulSubAccA(BinBin { dst, .. })
        | F32MulSubAccB(BinBin { dst, .. }) => Some((Slot::from(dst), F32)),
        _ => None,
    }
}

/// A constructor of an instruction kind from its operands.
type Ctor<T> = fn(T) -> Instr;

/// `instr` reading slot `s` from the accumulator `float`, if it has such a
/// form (the first operand that is `s` is the one read from it).
fn reading_accumulator(instr: Instr, (s, float): (Slot, Float)) -> Option<Instr> {
    use Float::*;
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
    let bin_bin = |op: BinBin, (acc_a, acc_b): (Ctor<BinBin>, Ctor<BinBin>)| {
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
    match (instr, float) {
        (F64Add(op), F64) => bin(op, (F64AddAccA, F64AddAccB)),
        (F64Sub(op), F64) => bin(op, (F64SubAccA, F64SubAccB)),
        (F64Mul(op), F64) => bin(op, (F64MulAccA, F64MulAccB)),
        (F64Div(op), F64) => bin(op, (F64DivAccA, F64DivAccB)),
        (F64Sqrt(op), F64) => un(op, F64SqrtAcc),
        (F64MulAdd(op), F64) => bin_bin(op, (F64MulAddAccA, F64MulAddAccB)),
        (F64MulSub(op), F64) => bin_bin(op, (F64MulSubAccA, F64MulSubAccB)),
        (Store64(op), F64) => store(op, Store64AccF64),
        (F32Add(op), F32) => bin(op, (F32AddAccA, F32AddAccB)),
        (F32Sub(op), F32) => bin(op, (F32SubAccA, F32SubAccB)),
        (F32Mul(op), F32) => bin(op, (F32MulAccA, F32MulAccB)),
        (F32Div(op), F32) => bin(op, (F32DivAccA, F32DivAccB)),
        (F32Sqrt(op), F32) => un(op, F32SqrtAcc),
        (F32MulAdd(op), F32) => bin_bin(op, (F32MulAddAccA, F32MulAddAccB)),
        (F32MulSub(op), F32) => bin_bin(op, (F32MulSubAccA, F32MulSubAccB)),
        (Store32(op), F32) => store(op, Store32AccF32),
        _ => None,
    }
}
