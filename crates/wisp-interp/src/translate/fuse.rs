//! Superinstructions: a last peephole pass over a finished function that
//! fuses hot pairs of adjacent instructions into one dispatch.
//!
//! The pass replaces the first instruction `A` of a pair `A; B` with a
//! superinstruction that has exactly the effect of `A` and then `B` (every
//! write included, so no liveness reasoning is needed), and leaves `B` where
//! it was. The superinstruction skips `B` when it falls through. Because `B`
//! stays in place, a branch that targets `B` still finds it, no target
//! moves, and the pass needs no knowledge of basic blocks: whenever `A`
//! executes, `B` is what runs next. (With fuel on, no pair contains a
//! `ConsumeFuel`, so fusion never skips a fuel check.)
//!
//! Pairs (measured hot in `benches/`):
//! - `I32AddImm` then a compare-with-immediate branch on its result: loop
//!   counters (`i += k; if i != n goto loop`) and range checks
//!   (`c - '0' > 9`);
//! - `I32Add` then such a branch: loops with a stride in a local;
//! - `I32AndImm` then a branch on the result being zero or not: bit tests;
//! - `F64Mul`/`F32Mul` then `F64Add`/`F64Sub` (`F32Add`/`F32Sub`) taking
//!   the product as one of its operands (the `…Left` forms when it is the
//!   left one): multiply-accumulate (the product stays in a register);
//! - `I32Add`/`I32AddImm` then a 4-, 8- or 1-byte load from the sum: array
//!   and field accesses whose address is also kept in a local;
//! - `I32AndImm` (a byte-sized mask) then any unsigned or equality branch
//!   with an immediate: character-class tests (`(c - 'a') & 255 < 26`);
//! - a float comparison then a branch on its result (true or false);
//! - `Load32` then `Load32` through the loaded pointer (`p->q->x`, vtables);
//! - a 1-, 4- or 8-byte load then a store of the loaded value, of the same
//!   width (`*d = *s` in copy loops; for bytes also from `(a + imm) mod
//!   2^32`, `Load8UAdd`), unless the store's address is the loaded value;
//! - two `I32AddImm`s (pointer and counter bumps side by side), and
//!   `I32AddImm` then a `Store32` of its result (`p->n = n + 1`) unless
//!   the address is the result. (Excluding a store to the value it stores
//!   lets those handlers read the address without a compare, and
//!   `Load8UAddStore8`, memcpy's hottest, and `Load32Store32` no longer
//!   save registers; pinned, that measured neutral: geomean 1.002x,
//!   memcpy 0.992x, regex 0.972x.)
//! - `I32AddImm` then a `Copy` of the result (`local.tee x; local.set y`);
//! - `Load32` or `Load8U` then a branch on the loaded value being zero or
//!   not: null checks and flag tests (`if (p->next)`, `while (*s)`), the
//!   commonest pair in compiled C (`cc1.wasm`: 83 K of them, 72 K after a
//!   4-byte load);
//! - an `i32` comparison (`lt` or `gt`, signed or unsigned, or unsigned with
//!   an immediate) then a `select` on its result: min, max, clamps and
//!   wrap-arounds (`i = i >= n ? i - n : i`). The superinstruction also
//!   skips the `select`'s condition word;
//! - `I32ShlImm` then `I32AddImm` of the shifted value then `Load32` from
//!   the sum, which stays in its slot: an array element read whose address
//!   is kept for a store that follows (`a[i]` read, then written, as in a
//!   swap). The superinstruction skips the next two (the add and the load
//!   are themselves a pair);
//! - hash-function steps: `I32ShrUImm` then `I32Xor` with the result
//!   (xorshift), `I32Xor` then `I32MulImm` and `I64Xor` then `I64Mul`
//!   (FNV). The second operation is commutative, so the result may be either
//!   of its operands.
//!
//! Loop latches ([`fuse_latches_and_switches`], after the accumulators): a
//! byte store of a constant (`Store8Imm`, `Store8ImmAdd`) right before an
//! `I32AddBrLtUImm` becomes `Store8ImmLatch`/`Store8ImmAddLatch`, which
//! stores and then, if the next instruction is still that latch (checked
//! by its tag when it runs, so the form is right whatever follows), runs
//! the latch in the same dispatch. Nothing is packed and nothing is
//! skipped unless the latch runs, so a branch to the latch, or a store
//! that traps or takes its slow path, is as before. This is the whole body
//! of a loop marking every k-th byte (a sieve's `composite[j] = 1`);
//! `sieve` measured 0.972x pinned (5 rounds, `examples/run`), the others
//! unchanged. The same peek for `F64MulAddAccB` then `Store64AccF64`
//! (matmul's `c[j] += a * b[j]`, 22% of its dispatches) measured 0.994x
//! on matmul, within noise, and was not kept.
//!
//! Switches ([`fuse_latches_and_switches`] too): an
//! instruction that computes a `br_table`'s index right before it — an
//! indexed 4-byte load (`Load32Idx`, `Load32IdxAcc`: `switch (code[pc])`
//! in a dispatch loop), `I32AddImm`/`I32AddImmAcc` (`switch (x)` whose
//! lowest case is not 0) or a byte load (`Load8UAdd`, `Load8UAddAcc`) —
//! becomes its `…BrTable` form, which then runs the `br_table` (or its
//! tail copy, `BrTableAt`) in the same dispatch, checking its tag when it
//! runs like a latch. The `br_table` takes its plain form (the slot, not
//! the accumulator: the first instruction writes both), so that the check
//! is of two tags. In `cc1.wasm`, 11.5 K of its 17.4 K `br_table`s follow
//! an `I32AddImm` or `I32AddImmAcc`. Pinned (4 rounds of A B B A, one call
//! each): vm 0.963x, parse 0.976x, the other workloads, which switch
//! rarely, within noise.
//!
//! The superinstructions' operands are narrow (`u16` slots, an `i16` addend)
//! so that they fit in one 16-byte instruction; pairs whose operands do not
//! fit are left alone. The pass runs after slots are renumbered, so the
//! slots it narrows are final.

use super::kind_memo::KindMemo;
use crate::ir::{
    AddBr, AddImm2, AddImmBr, AddImmCopy, AddImmLoad, AddImmStore, AddLoad, AndImmBr, AndImmBrImm,
    Bin, BinBin, BinBinImm, BinImm, BinImmBin, BrCmpImm, Cmp, CmpBr, CmpImmSelect, CmpSelect,
    Instr, Load, LoadBr, LoadLoad, LoadStore, ShlAddLoad, Slot, Slot16, Store, Target,
};

/// Fuses every pair the module docs list, in place. `starts` remembers
/// which kinds may start a pair (most start none).
pub(super) fn fuse(code: &mut [Instr], starts: &mut KindMemo) {
    for i in 1..code.len() {
        if starts.get(&code[i - 1], |a| u8::from(starts_pair(a))) == 0 {
            #[cfg(any(test, feature = "extra-checks"))]
            assert!(
                pair(code[i - 1], code[i]).is_none()
                    && triple(code[i - 1], code[i], code.get(i + 1).copied()).is_none(),
                "`starts_pair` misses {:?}",
                code[i - 1]
            );
            continue;
        }
        let fused = pair(code[i - 1], code[i])
            .or_else(|| triple(code[i - 1], code[i], code.get(i + 1).copied()));
        if let Some(fused) = fused {
            code[i - 1] = fused;
        }
    }
}

/// Gives the instruction before a loop latch its `…Latch` form, and the
/// instruction that computes a `br_table`'s index its `…BrTable` form
/// (see the module docs). After the accumulators, so that both halves are
/// in their final forms.
///
/// One scan, keyed on the second instruction: latches and `br_table`s are
/// rare, so the test each instruction gets is a compare of its tag that
/// predicts well (keyed on the first, a jump through the kinds that may
/// start a switch cost 1.4% of a compile of `cc1.wasm`, counted by
/// cachegrind).
pub(super) fn fuse_latches_and_switches(code: &mut [Instr]) {
    for i in 1..code.len() {
        match code[i] {
            Instr::I32AddBrLtUImm(_) => fuse_latch(code, i - 1),
            Instr::BrTable { index, len } | Instr::BrTableAcc { index, len } => {
                fuse_switch(code, i - 1, index, Instr::BrTable { index, len });
            }
            Instr::BrTableAt { index, len, table } | Instr::BrTableAtAcc { index, len, table } => {
                fuse_switch(code, i - 1, index, Instr::BrTableAt { index, len, table });
            }
            _ => {}
        }
    }
}

/// Gives the byte store of a constant at `at`, followed by a latch, its
/// `…Latch` form.
fn fuse_latch(code: &mut [Instr], at: usize) {
    match code[at] {
        Instr::Store8Imm(op) => code[at] = Instr::Store8ImmLatch(op),
        Instr::Store8ImmAdd(op) => code[at] = Instr::Store8ImmAddLatch(op),
        _ => {}
    }
}

/// Gives the instruction at `at`, if the `br_table` after it switches on
/// its result (slot `index`), its `…BrTable` form, and that `br_table` its
/// `plain` form (reading the slot the first one wrote rather than the
/// accumulator, which holds the same value), so that the fused handler
/// tells it by one of two tags.
fn fuse_switch(code: &mut [Instr], at: usize, index: Slot, plain: Instr) {
    let Some((op, fused)) = switch_form(code[at]) else {
        return;
    };
    if index == op.dst {
        code[at + 1] = plain;
        code[at] = fused(op);
    }
}

/// A `…BrTable` superinstruction's constructor.
type SwitchForm = fn(BinImm) -> Instr;

/// The operands of an instruction that has a `…BrTable` form, and that form.
fn switch_form(instr: Instr) -> Option<(BinImm, SwitchForm)> {
    Some(match instr {
        Instr::Load32Idx(op) => (op, Instr::Load32IdxBrTable),
        Instr::Load32IdxAcc(op) => (op, Instr::Load32IdxAccBrTable),
        Instr::I32AddImm(op) => (op, Instr::I32AddImmBrTable),
        Instr::I32AddImmAcc(op) => (op, Instr::I32AddImmAccBrTable),
        Instr::Load8UAdd(op) => (op, Instr::Load8UAddBrTable),
        Instr::Load8UAddAcc(op) => (op, Instr::Load8UAddAccBrTable),
        _ => return None,
    })
}

/// Whether `a` is the first instruction of some pair of [`pair`].
fn starts_pair(a: &Instr) -> bool {
    use Instr as I;
    matches!(
        a,
        I::I32AddImm(_)
            | I::I32Add(_)
            | I::I32AndImm(_)
            | I::I32ShrUImm(_)
            | I::I32Xor(_)
            | I::I64Xor(_)
            | I::F64Mul(_)
            | I::F32Mul(_)
            | I::Load32(_)
            | I::Load8U(_)
            | I::Load64(_)
            | I::Load8UAdd(_)
            | I::F32Eq(_)
            | I::F32Ne(_)
            | I::F32Lt(_)
            | I::F32Gt(_)
            | I::F32Le(_)
            | I::F32Ge(_)
            | I::F64Eq(_)
            | I::F64Ne(_)
            | I::F64Lt(_)
            | I::F64Gt(_)
            | I::F64Le(_)
            | I::F64Ge(_)
            | I::I32LtU(_)
            | I::I32GtU(_)
            | I::I32LtS(_)
            | I::I32GtS(_)
            | I::I32GtUImm(_)
            | I::I32LtUImm(_)
            | I::I32ShlImm(_)
    )
}

/// The superinstruction for `a; b; c` that skips both `b` and `c`, if
/// there is one: a compare-select or a shift-add-load.
fn triple(a: Instr, b: Instr, c: Option<Instr>) -> Option<Instr> {
    compare_select(a, b, c).or_else(|| shl_add_load(a, b, c))
}

/// The shift-add-load superinstruction for `a; b; c` (see
/// [`ShlAddLoad`]): `a` shifts, `b` adds an immediate to the shifted
/// value, `c` loads 4 bytes from the sum with no offset. `b` and `c` are
/// not fused into one load as the translator fuses them, because the
/// sum is kept (it is also `b`'s destination slot, read later).
fn shl_add_load(a: Instr, b: Instr, c: Option<Instr>) -> Option<Instr> {
    let (Instr::I32ShlImm(shl), Instr::I32AddImm(add), Some(Instr::Load32(load))) = (a, b, c)
    else {
        return None;
    };
    if add.a != shl.dst || load.addr != add.dst || load.offset != 0 {
        return None;
    }
    Some(Instr::I32ShlImmAddImmLoad32(ShlAddLoad {
        s: narrow(shl.dst)?,
        a: narrow(shl.a)?,
        shift: (shl.imm & 31) as u16,
        t: narrow(add.dst)?,
        dst: narrow(load.dst)?,
        imm: add.imm,
    }))
}

/// The compare-select superinstruction for `a; b; cond` (see
/// [`CmpSelect`]): an `i32` comparison `a` whose result is the condition
/// of the `Select` `b` (its trailing word `cond`), if the slots fit.
/// `a > b` is fused as `b < a`.
fn compare_select(a: Instr, b: Instr, cond: Option<Instr>) -> Option<Instr> {
    let Instr::Select { dst, a: x, b: y } = b else {
        return None;
    };
    let Some(Instr::SelectCond { cond }) = cond else {
        return None;
    };
    let slots = |t: Slot, lhs: Slot, rhs: Slot| -> Option<CmpSelect> {
        (t == cond).then_some(())?;
        Some(CmpSelect {
            t: narrow(t)?,
            a: narrow(lhs)?,
            b: narrow(rhs)?,
            dst: narrow(dst)?,
            x: narrow(x)?,
            y: narrow(y)?,
        })
    };
    let with_imm = |op: BinImm| -> Option<CmpImmSelect> {
        (op.dst == cond).then_some(())?;
        Some(CmpImmSelect {
            t: narrow(op.dst)?,
            a: narrow(op.a)?,
            dst: narrow(dst)?,
            x: narrow(x)?,
            y: narrow(y)?,
            imm: op.imm,
        })
    };
    match a {
        Instr::I32LtU(op) => slots(op.dst, op.a, op.b).map(Instr::I32LtUSelect),
        Instr::I32GtU(op) => slots(op.dst, op.b, op.a).map(Instr::I32LtUSelect),
        Instr::I32LtS(op) => slots(op.dst, op.a, op.b).map(Instr::I32LtSSelect),
        Instr::I32GtS(op) => slots(op.dst, op.b, op.a).map(Instr::I32LtSSelect),
        Instr::I32GtUImm(op) => with_imm(op).map(Instr::I32GtUImmSelect),
        Instr::I32LtUImm(op) => with_imm(op).map(Instr::I32LtUImmSelect),
        _ => None,
    }
}

/// The superinstruction for `a; b`, if they form a pair and fit.
fn pair(a: Instr, b: Instr) -> Option<Instr> {
    match a {
        Instr::I32AddImm(add) if load_from(b, add.dst).is_some() => {
            let (ctor, load) = load_from(b, add.dst)?;
            let op = AddImmLoad {
                t: narrow(add.dst)?,
                a: narrow(add.a)?,
                dst: narrow(load.dst)?,
                imm: add.imm,
                offset: load.offset,
            };
            Some(ctor.1(op))
        }
        Instr::I32Add(add) if load_from(b, add.dst).is_some() => {
            let (ctor, load) = load_from(b, add.dst)?;
            let op = AddLoad {
                t: narrow(add.dst)?,
                a: narrow(add.a)?,
                b: narrow(add.b)?,
                dst: narrow(load.dst)?,
                offset: load.offset,
            };
            Some(ctor.0(op))
        }
        Instr::I32AddImm(add) if matches!(b, Instr::Copy { src, .. } if src == add.dst) => {
            let Instr::Copy { dst, .. } = b else {
                return None;
            };
            Some(Instr::I32AddImmCopy(AddImmCopy {
                t: narrow(add.dst)?,
                a: narrow(add.a)?,
                dst: narrow(dst)?,
                imm: add.imm,
            }))
        }
        Instr::I32AddImm(add) if i32_branch_imm(b).is_some() => {
            let (cmp, br) = i32_branch_imm(b)?;
            if br.a != add.dst {
                return None;
            }
            let op = AddImmBr {
                dst: narrow(add.dst)?,
                a: narrow(add.a)?,
                add: i16::try_from(add.imm).ok()?,
                imm: br.imm,
                target: br.target,
            };
            Some(add_imm_br(cmp)(op))
        }
        Instr::I32Add(add) => {
            let (cmp, br) = i32_branch_imm(b)?;
            if br.a != add.dst {
                return None;
            }
            let op = AddBr {
                dst: narrow(add.dst)?,
                a: narrow(add.a)?,
                b: narrow(add.b)?,
                imm: br.imm,
                target: br.target,
            };
            Some(add_br(cmp)(op))
        }
        Instr::I32AndImm(and) => {
            let (cmp, br) = i32_branch_imm(b)?;
            if br.a != and.dst {
                return None;
            }
            if br.imm == 0 && matches!(cmp, Cmp::Eq | Cmp::Ne) {
                let op = AndImmBr {
                    dst: narrow(and.dst)?,
                    a: narrow(and.a)?,
                    mask: and.imm,
                    target: br.target,
                };
                return Some(match cmp {
                    Cmp::Eq => Instr::I32AndImmBrEqz(op),
                    _ => Instr::I32AndImmBrNez(op),
                });
            }
            let ctor: fn(AndImmBrImm) -> Instr = match cmp {
                Cmp::Eq => Instr::I32AndImmBrEqImm,
                Cmp::Ne => Instr::I32AndImmBrNeImm,
                Cmp::LtU => Instr::I32AndImmBrLtUImm,
                Cmp::GtU => Instr::I32AndImmBrGtUImm,
                Cmp::LeU => Instr::I32AndImmBrLeUImm,
                Cmp::GeU => Instr::I32AndImmBrGeUImm,
                _ => return None,
            };
            Some(ctor(AndImmBrImm {
                dst: narrow(and.dst)?,
                a: narrow(and.a)?,
                mask: i16::try_from(and.imm).ok()?,
                imm: br.imm,
                target: br.target,
            }))
        }
        Instr::I32ShrUImm(shr) => {
            let Instr::I32Xor(xor) = b else {
                return None;
            };
            Some(Instr::I32ShrUImmXor(BinImmBin {
                t: narrow(shr.dst)?,
                a: narrow(shr.a)?,
                imm: shr.imm,
                dst: narrow(xor.dst)?,
                x: narrow(other_operand(xor, shr.dst)?)?,
            }))
        }
        Instr::I32Xor(xor) => {
            let Instr::I32MulImm(mul) = b else {
                return None;
            };
            if mul.a != xor.dst {
                return None;
            }
            Some(Instr::I32XorMulImm(BinBinImm {
                t: narrow(xor.dst)?,
                a: narrow(xor.a)?,
                b: narrow(xor.b)?,
                dst: narrow(mul.dst)?,
                imm: mul.imm,
            }))
        }
        Instr::I64Xor(xor) => {
            let Instr::I64Mul(mul) = b else {
                return None;
            };
            Some(Instr::I64XorMul(BinBin {
                t: narrow(xor.dst)?,
                a: narrow(xor.a)?,
                b: narrow(xor.b)?,
                dst: narrow(mul.dst)?,
                x: narrow(other_operand(mul, xor.dst)?)?,
            }))
        }
        Instr::F64Mul(mul) => {
            let second = match b {
                Instr::F64Add(op) => {
                    Some((op, Instr::F64MulAdd as Ctor, Instr::F64MulAddLeft as Ctor))
                }
                Instr::F64Sub(op) => {
                    Some((op, Instr::F64MulSub as Ctor, Instr::F64MulSubLeft as Ctor))
                }
                _ => None,
            };
            multiply_accumulate(mul, second?)
        }
        Instr::F32Mul(mul) => {
            let second = match b {
                Instr::F32Add(op) => {
                    Some((op, Instr::F32MulAdd as Ctor, Instr::F32MulAddLeft as Ctor))
                }
                Instr::F32Sub(op) => {
                    Some((op, Instr::F32MulSub as Ctor, Instr::F32MulSubLeft as Ctor))
                }
                _ => None,
            };
            multiply_accumulate(mul, second?)
        }
        Instr::Load32(first) => match b {
            Instr::BrI32EqImm(_) | Instr::BrI32NeImm(_) => {
                load_br(first, b, Instr::Load32BrEqz, Instr::Load32BrNez)
            }
            Instr::Load32(second) if second.addr == first.dst => {
                Some(Instr::Load32Load32(LoadLoad {
                    t: narrow(first.dst)?,
                    a: narrow(first.addr)?,
                    dst: narrow(second.dst)?,
                    first: first.offset,
                    second: second.offset,
                }))
            }
            Instr::Store32(store) => move_of(Instr::Load32Store32, first, store),
            _ => None,
        },
        Instr::Load8U(load) => match b {
            Instr::BrI32EqImm(_) | Instr::BrI32NeImm(_) => {
                load_br(load, b, Instr::Load8UBrEqz, Instr::Load8UBrNez)
            }
            Instr::Store8(store) => move_of(Instr::Load8UStore8, load, store),
            _ => None,
        },
        Instr::Load64(load) => match b {
            Instr::Store64(store) => move_of(Instr::Load64Store64, load, store),
            _ => None,
        },
        Instr::Load8UAdd(load) => match b {
            Instr::Store8(store) if store.value == load.dst && store.addr != load.dst => {
                Some(Instr::Load8UAddStore8(LoadStore {
                    t: narrow(load.dst)?,
                    a: narrow(load.a)?,
                    load: load.imm as u32,
                    addr: narrow(store.addr)?,
                    offset: store.offset,
                }))
            }
            _ => None,
        },
        Instr::I32AddImm(first) => match b {
            Instr::I32AddImm(second) => Some(Instr::I32AddImm2(AddImm2 {
                t: narrow(first.dst)?,
                a: narrow(first.a)?,
                imm_a: i16::try_from(first.imm).ok()?,
                dst: narrow(second.dst)?,
                b: narrow(second.a)?,
                imm_b: i16::try_from(second.imm).ok()?,
            })),
            Instr::Store32(store) if store.value == first.dst && store.addr != first.dst => {
                Some(Instr::I32AddImmStore32(AddImmStore {
                    t: narrow(first.dst)?,
                    a: narrow(first.a)?,
                    imm: i16::try_from(first.imm).ok()?,
                    addr: narrow(store.addr)?,
                    offset: store.offset,
                }))
            }
            _ => None,
        },
        _ => float_cmp_br(a, b),
    }
}

/// A load then a store of the loaded value (see [`LoadStore`]), if the
/// store stores what was loaded, not to that address, and the slots fit.
fn move_of(ctor: fn(LoadStore) -> Instr, load: Load, store: Store) -> Option<Instr> {
    if store.value != load.dst || store.addr == load.dst {
        return None;
    }
    Some(ctor(LoadStore {
        t: narrow(load.dst)?,
        a: narrow(load.addr)?,
        load: load.offset,
        addr: narrow(store.addr)?,
        offset: store.offset,
    }))
}

/// The constructors of a comparison's branch-if-true and branch-if-false
/// superinstructions.
type CmpBrCtors = [fn(CmpBr) -> Instr; 2];

/// A float comparison then a branch on its result being true (`BrI32NeImm`
/// with 0) or false (`BrI32EqImm` with 0).
fn float_cmp_br(a: Instr, b: Instr) -> Option<Instr> {
    use Instr as I;
    let (cmp, br) = i32_branch_imm(b)?;
    let when = match cmp {
        Cmp::Ne => true,
        Cmp::Eq => false,
        _ => return None,
    };
    let (ctors, compare): (CmpBrCtors, Bin) = match a {
        I::F32Eq(op) => ([I::F32EqBrNez, I::F32EqBrEqz], op),
        I::F32Ne(op) => ([I::F32NeBrNez, I::F32NeBrEqz], op),
        I::F32Lt(op) => ([I::F32LtBrNez, I::F32LtBrEqz], op),
        I::F32Gt(op) => ([I::F32GtBrNez, I::F32GtBrEqz], op),
        I::F32Le(op) => ([I::F32LeBrNez, I::F32LeBrEqz], op),
        I::F32Ge(op) => ([I::F32GeBrNez, I::F32GeBrEqz], op),
        I::F64Eq(op) => ([I::F64EqBrNez, I::F64EqBrEqz], op),
        I::F64Ne(op) => ([I::F64NeBrNez, I::F64NeBrEqz], op),
        I::F64Lt(op) => ([I::F64LtBrNez, I::F64LtBrEqz], op),
        I::F64Gt(op) => ([I::F64GtBrNez, I::F64GtBrEqz], op),
        I::F64Le(op) => ([I::F64LeBrNez, I::F64LeBrEqz], op),
        I::F64Ge(op) => ([I::F64GeBrNez, I::F64GeBrEqz], op),
        _ => return None,
    };
    if br.imm != 0 || br.a != compare.dst {
        return None;
    }
    let ctor = if when { ctors[0] } else { ctors[1] };
    Some(ctor(CmpBr {
        dst: narrow(compare.dst)?,
        a: narrow(compare.a)?,
        b: narrow(compare.b)?,
        target: br.target,
    }))
}

/// A `BinBin` superinstruction's constructor.
type Ctor = fn(BinBin) -> Instr;

/// `mul` then `second` (an add or subtract, with the constructors for the
/// product as its right and as its left operand) as one instruction, if the
/// second operation takes the product as an operand. The
/// operand order is kept (it decides which NaN payload a float operation
/// returns when both operands are NaNs).
fn multiply_accumulate(mul: Bin, (second, right, left): (Bin, Ctor, Ctor)) -> Option<Instr> {
    // `x` is read after the product is written, so `x == t` works too.
    let (ctor, x) = if second.b == mul.dst {
        (right, second.a)
    } else if second.a == mul.dst {
        (left, second.b)
    } else {
        return None;
    };
    Some(ctor(BinBin {
        t: narrow(mul.dst)?,
        a: narrow(mul.a)?,
        b: narrow(mul.b)?,
        dst: narrow(second.dst)?,
        x: narrow(x)?,
    }))
}

/// The superinstruction constructors (after `I32Add`, after `I32AddImm`)
/// and operands of a load of 4, 8 or 1 (unsigned) bytes from slot `addr`.
type LoadCtors = (fn(AddLoad) -> Instr, fn(AddImmLoad) -> Instr);
fn load_from(instr: Instr, addr: Slot) -> Option<(LoadCtors, Load)> {
    let (ctors, load): (LoadCtors, _) = match instr {
        Instr::Load32(op) => ((Instr::I32AddLoad32, Instr::I32AddImmLoad32), op),
        Instr::Load64(op) => ((Instr::I32AddLoad64, Instr::I32AddImmLoad64), op),
        Instr::Load8U(op) => ((Instr::I32AddLoad8U, Instr::I32AddImmLoad8U), op),
        _ => return None,
    };
    (load.addr == addr).then_some((ctors, load))
}

/// The operand of a commutative operation `op` other than `t`, if `t` is
/// one of its operands (when both are, `t` itself).
fn other_operand(op: Bin, t: Slot) -> Option<Slot> {
    if op.b == t {
        Some(op.a)
    } else if op.a == t {
        Some(op.b)
    } else {
        None
    }
}

/// A slot in the narrow form, if it fits.
fn narrow(slot: Slot) -> Option<Slot16> {
    Slot16::try_from(slot).ok()
}

/// The comparison and operands of an `i32` compare-with-immediate branch.
fn i32_branch_imm(instr: Instr) -> Option<(Cmp, BrCmpImm)> {
    use Instr as I;
    let (cmp, op) = match instr {
        I::BrI32EqImm(op) => (Cmp::Eq, op),
        I::BrI32NeImm(op) => (Cmp::Ne, op),
        I::BrI32LtSImm(op) => (Cmp::LtS, op),
        I::BrI32LtUImm(op) => (Cmp::LtU, op),
        I::BrI32GtSImm(op) => (Cmp::GtS, op),
        I::BrI32GtUImm(op) => (Cmp::GtU, op),
        I::BrI32LeSImm(op) => (Cmp::LeS, op),
        I::BrI32LeUImm(op) => (Cmp::LeU, op),
        I::BrI32GeSImm(op) => (Cmp::GeS, op),
        I::BrI32GeUImm(op) => (Cmp::GeU, op),
        _ => return None,
    };
    Some((cmp, op))
}

/// Whether `b` is a branch on slot `s` being zero (`Some(true)`) or not
/// (`Some(false)`), and its target.
fn zero_test(b: Instr, s: Slot) -> Option<(bool, Target)> {
    let (cmp, br) = i32_branch_imm(b)?;
    if br.a != s || br.imm != 0 {
        return None;
    }
    match cmp {
        Cmp::Eq => Some((true, br.target)),
        Cmp::Ne => Some((false, br.target)),
        _ => None,
    }
}

/// `load` then the zero test `b` on its result (see [`zero_test`]), as
/// `eqz` or `nez` (the branch taken when the value is zero, or is not).
fn load_br(
    load: Load,
    b: Instr,
    eqz: fn(LoadBr) -> Instr,
    nez: fn(LoadBr) -> Instr,
) -> Option<Instr> {
    let (zero, target) = zero_test(b, load.dst)?;
    let op = LoadBr {
        dst: narrow(load.dst)?,
        addr: narrow(load.addr)?,
        offset: load.offset,
        target,
    };
    Some(if zero { eqz(op) } else { nez(op) })
}

/// The `I32AddImm`-then-branch superinstruction for `cmp`.
fn add_imm_br(cmp: Cmp) -> fn(AddImmBr) -> Instr {
    use Instr as I;
    match cmp {
        Cmp::Eq => I::I32AddImmBrEqImm,
        Cmp::Ne => I::I32AddImmBrNeImm,
        Cmp::LtS => I::I32AddImmBrLtSImm,
        Cmp::LtU => I::I32AddImmBrLtUImm,
        Cmp::GtS => I::I32AddImmBrGtSImm,
        Cmp::GtU => I::I32AddImmBrGtUImm,
        Cmp::LeS => I::I32AddImmBrLeSImm,
        Cmp::LeU => I::I32AddImmBrLeUImm,
        Cmp::GeS => I::I32AddImmBrGeSImm,
        Cmp::GeU => I::I32AddImmBrGeUImm,
    }
}

/// The `I32Add`-then-branch superinstruction for `cmp`.
fn add_br(cmp: Cmp) -> fn(AddBr) -> Instr {
    use Instr as I;
    match cmp {
        Cmp::Eq => I::I32AddBrEqImm,
        Cmp::Ne => I::I32AddBrNeImm,
        Cmp::LtS => I::I32AddBrLtSImm,
        Cmp::LtU => I::I32AddBrLtUImm,
        Cmp::GtS => I::I32AddBrGtSImm,
        Cmp::GtU => I::I32AddBrGtUImm,
        Cmp::LeS => I::I32AddBrLeSImm,
        Cmp::LeU => I::I32AddBrLeUImm,
        Cmp::GeS => I::I32AddBrGeSImm,
        Cmp::GeU => I::I32AddBrGeUImm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Bin, BinImm, Target};

    fn br(target: Target) -> Instr {
        Instr::BrI32NeImm(BrCmpImm {
            a: 3,
            imm: 100,
            target,
        })
    }

    /// A module compiled from WAT and instantiated, for the tests that run
    /// superinstructions through the public API.
    struct Run {
        store: crate::Store<()>,
        instance: crate::Instance,
    }

    impl Run {
        /// Compiles `wat`, checks that an instruction starting with each of
        /// `made` was emitted, and instantiates it.
        fn new(wat: &str, made: &[&str]) -> Self {
            let engine = crate::Engine::default();
            let bytes = wat::parse_str(wat).expect("valid WAT");
            let module = crate::Module::new(&engine, &bytes).expect("module compiles");
            let code: alloc::vec::Vec<alloc::string::String> = module
                .inner
                .funcs
                .iter()
                .flat_map(|f| f.instrs().map(|i| alloc::format!("{i:?}")))
                .collect();
            for name in made {
                assert!(
                    code.iter().any(|i| i.starts_with(name)),
                    "{name} was not made: {code:?}"
                );
            }
            let mut store = crate::Store::new(&engine, ());
            let instance = crate::Linker::<()>::new(&engine)
                .instantiate(&mut store, &module)
                .expect("instantiates");
            Self { store, instance }
        }

        /// Calls export `name` (one result), or the trap's message.
        fn call(
            &mut self,
            name: &str,
            args: &[crate::Val],
        ) -> Result<crate::Val, alloc::string::String> {
            let func = self.instance.get_func(&self.store, name).expect("exported");
            let mut out = [crate::Val::I32(0)];
            func.call(&mut self.store, args, &mut out)
                .map(|()| out[0])
                .map_err(|e| alloc::format!("{e}"))
        }
    }

    #[test]
    fn fuses_a_loop_counter_and_keeps_the_branch_in_place() {
        let add = Instr::I32AddImm(BinImm {
            dst: 3,
            a: 3,
            imm: 4,
        });
        let mut code = [add, br(0), Instr::Return];
        fuse(&mut code, &mut KindMemo::default());
        assert_eq!(
            code[0],
            Instr::I32AddImmBrNeImm(AddImmBr {
                dst: 3,
                a: 3,
                add: 4,
                imm: 100,
                target: 0
            })
        );
        assert_eq!(code[1], br(0), "the second instruction stays");
    }

    #[test]
    fn leaves_pairs_that_do_not_fit_or_do_not_match() {
        // The branch tests another slot.
        let other = Instr::I32AddImm(BinImm {
            dst: 4,
            a: 3,
            imm: 4,
        });
        // The addend needs more than 16 bits.
        let big = Instr::I32AddImm(BinImm {
            dst: 3,
            a: 3,
            imm: 1 << 20,
        });
        // A slot needs more than 16 bits.
        let wide = Instr::I32Add(Bin {
            dst: 3,
            a: 70_000,
            b: 1,
        });
        for first in [other, big, wide] {
            let mut code = [first, br(0), Instr::Return];
            fuse(&mut code, &mut KindMemo::default());
            assert_eq!(code[0], first);
        }
    }

    #[test]
    fn fuses_multiply_accumulate() {
        let mul = Instr::F64Mul(Bin { dst: 5, a: 1, b: 2 });
        let add = Instr::F64Sub(Bin { dst: 4, a: 4, b: 5 });
        let mut code = [mul, add, Instr::Return];
        fuse(&mut code, &mut KindMemo::default());
        assert_eq!(
            code[0],
            Instr::F64MulSub(BinBin {
                t: 5,
                a: 1,
                b: 2,
                dst: 4,
                x: 4,
            })
        );
        assert_eq!(code[1], add);
    }

    /// Runs small loops through the public API and checks both that the
    /// superinstructions were made and that the results are right.
    #[test]
    fn superinstructions_execute_both_halves() {
        use crate::Val;
        let wat = r#"(module
          (memory 1)
          (data (i32.const 16) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00")
          ;; Sums the i32s at 16..32 through a pointer kept in a local, and
          ;; reads one as an i64 and one byte, each via a kept address.
          (func (export "loads") (result i64)
            (local $p i32) (local $s i32) (local $i i32) (local $w i64)
            (loop $l
              (local.set $s (i32.add (local.get $s)
                (i32.load (local.tee $p (i32.add (local.get $i) (i32.const 16))))))
              (local.set $i (i32.add (local.get $p) (i32.const -12)))
              (br_if $l (i32.ne (local.get $i) (i32.const 16))))
            (local.set $w (i64.load offset=4 (local.tee $p (i32.add (local.get $i) (local.get $i)))))
            (i64.add (i64.add (i64.extend_i32_u (local.get $s)) (local.get $w))
                     (i64.extend_i32_u (i32.load8_u (local.tee $p (i32.add (local.get $p) (i32.const -16)))))))
          ;; A lower-case letter test on a byte: (c - 'a') & 255 < 26.
          (func (export "is_lower") (param $c i32) (result i32)
            (block $no
              (br_if $no (i32.ge_u (i32.and (i32.add (local.get $c) (i32.const -97))
                                            (i32.const 255))
                                   (i32.const 26)))
              (return (i32.const 1)))
            (i32.const 0))
          ;; `local.tee; local.set` of an increment, xorshift and FNV steps.
          (func (export "mix") (param $x i32) (result i64)
            (local $i i32) (local $j i32) (local $h i32) (local $g i64)
            (local.set $j (local.tee $i (i32.add (local.get $x) (i32.const 5))))
            (local.set $h (i32.xor (local.get $j) (i32.shr_u (local.get $i) (i32.const 3))))
            (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $x)) (i32.const 16777619)))
            (local.set $g (i64.mul (i64.xor (i64.extend_i32_u (local.get $h))
                                            (i64.extend_i32_u (local.get $x)))
                                   (i64.extend_i32_u (local.get $i))))
            (i64.add (local.get $g) (i64.extend_i32_u (local.get $j))))
          (func (export "steps") (result i32)
            (local $i i32) (local $k i32)
            (loop $l
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 3)))
                                (i32.const 30))))
            (i32.add (i32.mul (local.get $k) (i32.const 1000)) (local.get $i)))
          (func (export "down") (result i32)
            (local $i i32) (local $k i32)
            (local.set $i (i32.const 10))
            (loop $l
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $l (i32.gt_s (local.tee $i (i32.add (local.get $i) (i32.const -4)))
                                  (i32.const -5))))
            (i32.add (i32.mul (local.get $k) (i32.const 1000)) (local.get $i)))
          (func (export "is_digit") (param $c i32) (result i32)
            (block $no
              (br_if $no (i32.gt_u (i32.add (local.get $c) (i32.const -48)) (i32.const 9)))
              (return (i32.const 1)))
            (i32.const 0))
          (func (export "stride") (param $step i32) (result i32)
            (local $i i32) (local $k i32)
            (loop $l
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (local.get $step)))
                                  (i32.const 100))))
            (local.get $k))
          (func (export "bits") (param $x i32) (result i32)
            (block $zero
              (br_if $zero (i32.eqz (i32.and (local.get $x) (i32.const 0x8000_0001))))
              (block $set
                (br_if $set (i32.and (local.get $x) (i32.const 1)))
                (return (i32.const 2)))
              (return (i32.const 1)))
            (i32.const 0))
          (func (export "mac") (param $a f64) (param $b f64) (param $c f64) (result f64)
            (f64.sub (f64.add (local.get $c) (f64.mul (local.get $a) (local.get $b)))
                     (f64.mul (local.get $b) (local.get $b)))))"#;
        let mut run = Run::new(
            wat,
            &[
                "I32AddImmBrNeImm(",
                "I32AddImmBrGtSImm(",
                "I32AddImmBrGtUImm(",
                "I32AddBrLtUImm(",
                "I32AndImmBrEqz(",
                "I32AndImmBrNez(",
                "F64MulAdd(",
                "F64MulSub(",
                "I32AddImmLoad32(",
                "I32AddLoad64(",
                "I32AddImmLoad8U(",
                "I32AndImmBrGeUImm(",
                "I32AddImmCopy(",
                "I32ShrUImmXor(",
                // (Their operand `a` is fresh here: the accumulator forms.)
                "I32XorMulImmAccA(",
                "I64XorMulAccA(",
            ],
        );
        let mut call = |name: &str, args: &[Val]| run.call(name, args).expect("runs");
        // 1+2+3+4 = 10; i64 at 32 + 4 = 36: 0; byte at 16: 1.
        assert_eq!(call("loads", &[]), Val::I64(11));
        assert_eq!(call("steps", &[]), Val::I32(10_030));
        for (c, lower) in [(97, 1), (122, 1), (96, 0), (123, 0), (97 + 256, 1)] {
            assert_eq!(call("is_lower", &[Val::I32(c)]), Val::I32(lower));
        }
        let mix = |x: u32| {
            let i = x.wrapping_add(5);
            let h = (i ^ (i >> 3)) ^ x;
            let h = h.wrapping_mul(16_777_619);
            let g = (u64::from(h) ^ u64::from(x)).wrapping_mul(u64::from(i));
            g.wrapping_add(u64::from(i)) as i64
        };
        for x in [0u32, 1, 0xdead_beef, u32::MAX] {
            assert_eq!(call("mix", &[Val::I32(x as i32)]), Val::I64(mix(x)));
        }
        assert_eq!(call("down", &[]), Val::I32(4_000 - 6));
        for (c, digit) in [(b'0', 1), (b'9', 1), (b'/', 0), (b':', 0), (0, 0)] {
            assert_eq!(call("is_digit", &[Val::I32(c as i32)]), Val::I32(digit));
        }
        assert_eq!(call("stride", &[Val::I32(7)]), Val::I32(15));
        assert_eq!(call("bits", &[Val::I32(2)]), Val::I32(0));
        assert_eq!(call("bits", &[Val::I32(3)]), Val::I32(1));
        assert_eq!(call("bits", &[Val::I32(i32::MIN)]), Val::I32(2));
        let f = |v: f64| Val::F64(v.to_bits());
        let mac = call("mac", &[f(3.0), f(0.5), f(10.0)]);
        assert_eq!(mac, f(10.0 + 3.0 * 0.5 - 0.25));
    }

    /// The float superinstructions (multiply-accumulate in both operand
    /// orders, compare-and-branch in both polarities) give what the two
    /// instructions give, NaNs included.
    #[test]
    fn float_superinstructions_match_their_halves() {
        use crate::Val;
        let wat = r#"(module
          (func (export "mac32") (param $a f32) (param $b f32) (param $c f32) (result f32)
            (f32.sub (f32.add (f32.mul (local.get $a) (local.get $b)) (local.get $c))
                     (f32.mul (local.get $c) (local.get $c))))
          (func (export "msl32") (param $a f32) (param $b f32) (param $c f32) (result f32)
            (f32.sub (f32.mul (local.get $a) (local.get $b)) (local.get $c)))
          (func (export "mac64") (param $a f64) (param $b f64) (param $c f64) (result f64)
            (f64.sub (f64.mul (local.get $a) (local.get $b)) (local.get $c)))
          (func (export "mal64") (param $a f64) (param $b f64) (param $c f64) (result f64)
            (f64.add (f64.mul (local.get $a) (local.get $b)) (local.get $c)))
          (func (export "gt32") (param $a f32) (param $b f32) (result i32)
            (block $yes (br_if $yes (f32.gt (local.get $a) (local.get $b))) (return (i32.const 0)))
            (i32.const 1))
          (func (export "not_lt64") (param $a f64) (param $b f64) (result i32)
            (block $no (br_if $no (i32.eqz (f64.lt (local.get $a) (local.get $b))))
              (return (i32.const 1)))
            (i32.const 0)))"#;
        let mut run = Run::new(
            wat,
            &[
                "F32MulAddLeft(",
                "F32MulSub(",
                "F32MulSubLeft(",
                "F64MulSubLeft(",
                "F64MulAddLeft(",
                "F32GtBrNez(",
                "F64LtBrEqz(",
            ],
        );
        let mut call = |name: &str, args: &[Val]| run.call(name, args).expect("runs");
        let f32s = [1.5f32, -2.0, 0.0, f32::INFINITY, f32::NAN, 3.25];
        for &a in &f32s {
            for &b in &f32s {
                let c = b - 1.0;
                let v = |x: f32| Val::F32(x.to_bits());
                let args = [v(a), v(b), v(c)];
                let expect = |x: f32| Val::F32(x.to_bits());
                assert_eq!(call("mac32", &args), expect((a * b + c) - c * c));
                assert_eq!(call("msl32", &args), expect(a * b - c));
                assert_eq!(call("gt32", &args[..2]), Val::I32(i32::from(a > b)));
                let (a, b, c) = (f64::from(a), f64::from(b), f64::from(c));
                let v = |x: f64| Val::F64(x.to_bits());
                let args = [v(a), v(b), v(c)];
                assert_eq!(call("mac64", &args), v(a * b - c));
                assert_eq!(call("mal64", &args), v(a * b + c));
                // Falls through (returns 1) when `a < b`, NaNs giving false.
                assert_eq!(call("not_lt64", &args[..2]), Val::I32(i32::from(a < b)));
            }
        }
    }

    /// The integer pairs added for pointer chasing and bumps: results, and
    /// traps in the second half leaving the first half's write, as the two
    /// instructions would.
    #[test]
    fn pointer_and_bump_superinstructions_match_their_halves() {
        use crate::Val;
        let wat = r#"(module
          (memory 1)
          ;; 8: a pointer to 32; 36: 77; 12: a pointer past the end.
          (data (i32.const 8) "\20\00\00\00\f0\ff\ff\ff")
          (data (i32.const 36) "\4d\00\00\00")
          (global $t (mut i32) (i32.const 0))
          (func (export "chase") (param $p i32) (result i32)
            (local $q i32)
            (local.set $q (i32.load offset=4 (local.tee $q (i32.load (local.get $p)))))
            (local.get $q))
          (func (export "chase_keep") (param $p i32) (result i32)
            (local $q i32) (local $r i32)
            (global.set $t (i32.const -1))
            (local.set $q (i32.load (local.get $p)))
            (local.set $r (i32.load offset=4 (local.get $q)))
            (i32.add (local.get $q) (local.get $r)))
          (func (export "bumps") (param $a i32) (param $b i32) (result i32)
            (local.set $a (i32.add (local.get $a) (i32.const 3)))
            (local.set $b (i32.add (local.get $a) (i32.const -7)))
            (i32.add (i32.mul (local.get $a) (i32.const 1000)) (local.get $b)))
          (func (export "bump_store") (param $p i32) (param $n i32) (result i32)
            (local $m i32)
            (i32.store offset=4 (local.get $p) (local.tee $m (i32.add (local.get $n) (i32.const 1))))
            (i32.add (local.get $m) (i32.load offset=4 (local.get $p))))
          ;; the store's address is the sum itself
          (func (export "bump_store_at_sum") (param $n i32) (result i32)
            (local $m i32)
            (local.set $m (i32.add (local.get $n) (i32.const 4)))
            (i32.store offset=8 (local.get $m) (local.get $m))
            (i32.load offset=8 (local.get $m))))"#;
        let mut run = Run::new(wat, &["Load32Load32(", "I32AddImm2(", "I32AddImmStore32("]);
        let mut call = |name: &str, args: &[Val]| run.call(name, args);
        assert_eq!(call("chase", &[Val::I32(8)]), Ok(Val::I32(77)));
        assert_eq!(call("chase_keep", &[Val::I32(8)]), Ok(Val::I32(32 + 77)));
        // The first load is fine, the second is out of bounds.
        let trap = call("chase", &[Val::I32(12)]).expect_err("traps");
        assert!(trap.contains("out of bounds"), "{trap}");
        assert_eq!(
            call("bumps", &[Val::I32(5), Val::I32(0)]),
            Ok(Val::I32(8_001))
        );
        assert_eq!(
            call("bumps", &[Val::I32(i32::MAX), Val::I32(0)]),
            Ok(Val::I32({
                let a = i32::MAX.wrapping_add(3);
                a.wrapping_mul(1000).wrapping_add(a.wrapping_sub(7))
            }))
        );
        assert_eq!(
            call("bump_store", &[Val::I32(100), Val::I32(41)]),
            Ok(Val::I32(84))
        );
        let trap = call("bump_store", &[Val::I32(65_533), Val::I32(1)]).expect_err("traps");
        assert!(trap.contains("out of bounds"), "{trap}");
        assert_eq!(
            call("bump_store_at_sum", &[Val::I32(96)]),
            Ok(Val::I32(100))
        );
        let trap = call("bump_store_at_sum", &[Val::I32(65_530)]).expect_err("traps");
        assert!(trap.contains("out of bounds"), "{trap}");
    }

    /// A load then a store of the loaded value, of each width, becomes one
    /// move (the byte move also from an address with an immediate added,
    /// and to the address the byte names); the moved value lands.
    #[test]
    fn loads_stored_right_away_become_moves() {
        use crate::Val;
        let wat = r#"(module
          (memory 1)
          (data (i32.const 16) "\05\06\07\08\09\0a\0b\0c\0d")
          (func (export "move8") (param $d i32) (param $s i32) (result i32)
            (i32.store8 (local.get $d) (i32.load8_u offset=1 (local.get $s)))
            (i32.load8_u (local.get $d)))
          (func (export "move8_add") (param $d i32) (param $s i32) (result i32)
            (i32.store8 (local.get $d) (i32.load8_u (i32.add (local.get $s) (i32.const 2))))
            (i32.load8_u (local.get $d)))
          (func (export "move32") (param $d i32) (param $s i32) (result i32)
            (i32.store (local.get $d) (i32.load (local.get $s)))
            (i32.load (local.get $d)))
          (func (export "move64") (param $d i32) (param $s i32) (result i64)
            (i64.store (local.get $d) (i64.load (local.get $s)))
            (i64.load (local.get $d)))
          (func (export "move_to_itself") (param $s i32) (result i32)
            (local $x i32)
            (local.set $x (i32.load8_u (local.get $s)))
            (i32.store8 offset=100 (local.get $x) (local.get $x))
            (i32.load8_u offset=100 (local.get $x))))"#;
        let mut run = Run::new(
            wat,
            &[
                "Load8UStore8(",
                "Load8UAddStore8(",
                "Load32Store32(",
                "Load64Store64(",
            ],
        );
        let mut call = |name: &str, args: &[Val]| run.call(name, args);
        let args = [Val::I32(1000), Val::I32(16)];
        assert_eq!(call("move8", &args), Ok(Val::I32(6)));
        assert_eq!(call("move8_add", &args), Ok(Val::I32(7)));
        assert_eq!(call("move32", &args), Ok(Val::I32(0x0807_0605)));
        assert_eq!(call("move64", &args), Ok(Val::I64(0x0c0b_0a09_0807_0605)));
        assert_eq!(call("move_to_itself", &[Val::I32(20)]), Ok(Val::I32(9)));
        let trap = call("move32", &[Val::I32(65_534), Val::I32(16)]).expect_err("traps");
        assert!(trap.contains("out of bounds"), "{trap}");
    }
}
