//! The structural check every translated function passes before it can run.
//!
//! The executor reads instructions and frame slots without bounds checks
//! (`exec/hot.rs`). What makes that sound is not the translator's logic but
//! this check, run once per function when its [`CompiledFunc`] is built:
//!
//! - the code is not empty and its last instruction is a *terminator*
//!   (`Br`, `BrTableAt`, `BrTableAtAcc`, a return, or `Trap`), so executing instructions in sequence
//!   never runs past the end: every other instruction has a successor;
//! - every branch target is an instruction index of the code;
//! - every slot operand, including the extra slots of multi-slot operands
//!   (`Copy2`'s second destination, `ReturnSpan`'s span, the argument
//!   triples of bulk memory and table instructions) and the result slot 0
//!   that `ReturnImm32` writes, is below `max_slots`;
//! - trailing words are where their instruction reads them: `Select` is
//!   followed by `SelectCond`, `CallIndirect` by `CallIndirectTable`, and
//!   `BrTable { len }` (and `BrTableAcc`) by `len + 1` `Br` entries;
//! - a `BrTableAt { len, table }` (and `BrTableAtAcc`) names a `BrTable`
//!   or `BrTableAcc` with the same `len`, whose entries it jumps through;
//! - a superinstruction, which executes the next instruction's effect and
//!   then skips it, is followed by a non-terminator (so the skip lands on an
//!   instruction); a compare-select (`I32LtUSelect`, …) by a `Select`, whose
//!   condition word it skips as well; a shift-add-load
//!   (`I32ShlImmAddImmLoad32`), which skips two, by two non-terminators.
//!
//! A call's argument slot is at most `max_slots` (the callee's frame starts
//! there; its own size is checked against the value stack when the frame is
//! pushed).
//!
//! [`CompiledFunc`]: super::CompiledFunc

use super::instr::Instr;
use super::kinds::{Checked, KindTable};
use super::operands::Slot;

/// Why translated code was rejected (a translator bug, never bad input:
/// the translator only sees validated Wasm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyError {
    /// Index of the offending instruction.
    pub at: usize,
    /// What is wrong with it.
    pub what: &'static str,
}

impl core::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "instruction {}: {}", self.at, self.what)
    }
}

/// Checks `code` against a frame of `max_slots` slots (see the module docs).
/// `kinds` holds what is known of each instruction kind's layout: most
/// instructions need only their slots and target checked, which the table
/// does without dispatching on the kind.
pub(super) fn verify(
    code: &[Instr],
    max_slots: u32,
    kinds: &mut KindTable,
) -> Result<(), VerifyError> {
    let fail = |at: usize, what: &'static str| Err(VerifyError { at, what });
    match code.last() {
        None => return fail(0, "empty code"),
        Some(last) if !is_terminator(last) => {
            return fail(code.len() - 1, "code does not end in a terminator");
        }
        Some(_) => {}
    }
    let len = code.len();
    let max = u64::from(max_slots);
    for (at, instr) in code.iter().enumerate() {
        let checked = kinds.check(instr, max, len as u64);
        #[cfg(any(test, feature = "extra-checks"))]
        if checked != Checked::Special {
            let by_table = match checked {
                Checked::SlotOutside => Some("slot operand outside the frame"),
                Checked::TargetOutside => Some("branch target outside the code"),
                _ => None,
            };
            assert_eq!(
                check_fully(code, at, max).err(),
                by_table,
                "the kind table disagrees with the full check on {instr:?}"
            );
        }
        match checked {
            Checked::Plain => {}
            Checked::SlotOutside => return fail(at, "slot operand outside the frame"),
            Checked::TargetOutside => return fail(at, "branch target outside the code"),
            Checked::Special => check_fully(code, at, max).or_else(|what| fail(at, what))?,
        }
    }
    Ok(())
}

/// Whether checking `instr` takes more than its single slots and the
/// target `branch_target_mut` gives: the kinds [`KindTable`] leaves to
/// [`check_fully`].
pub(super) fn needs_full_check(instr: &Instr) -> bool {
    span(instr).is_some()
        || instr.is_fused()
        || words(instr) != 1
        || matches!(
            instr,
            Instr::CallInternal { .. }
                | Instr::CallImported { .. }
                | Instr::CallIndirect { .. }
                | Instr::BrTableAt { .. }
                | Instr::BrTableAtAcc { .. }
        )
}

/// Every check of the instruction at `at` (see the module docs), failing
/// with what is wrong.
fn check_fully(code: &[Instr], at: usize, max: u64) -> Result<(), &'static str> {
    let len = code.len();
    let instr = &code[at];
    // Every single-slot operand. A call's argument slot is where the
    // callee's frame starts (checked when it is pushed): it may be the
    // end of this frame, when the callee takes no parameters.
    let slots_ok = match *instr {
        Instr::CallInternal { args, .. } | Instr::CallImported { args, .. } => {
            u64::from(args) <= max
        }
        Instr::CallIndirect { index, args, .. } => u64::from(args) <= max && u64::from(index) < max,
        mut other => {
            let mut ok = true;
            other.for_each_slot_mut(|slot| ok &= u64::from(*slot) < max);
            ok
        }
    };
    if !slots_ok {
        return Err("slot operand outside the frame");
    }
    // The furthest slot of multi-slot operands.
    if let Some((first, count)) = span(instr)
        && u64::from(first) + u64::from(count) > max
    {
        return Err("slot span outside the frame");
    }
    // Branch targets.
    if let Some(target) = instr.branch_target()
        && target as usize >= len
    {
        return Err("branch target outside the code");
    }
    // A superinstruction executes and then skips the next instruction,
    // which therefore must not end the code.
    if instr.is_fused() && code.get(at + 1).is_none_or(is_terminator) {
        return Err("superinstruction without its second instruction");
    }
    // One that skips two (the third is what it ends with) needs a third.
    if matches!(
        instr,
        Instr::I32ShlImmAddImmLoad32(_) | Instr::I32ShlImmAddImmLoad32Acc(_)
    ) && code.get(at + 2).is_none_or(is_terminator)
    {
        return Err("superinstruction without its third instruction");
    }
    // Trailing words and jump tables.
    let next = code.get(at + 1);
    match instr {
        Instr::Select { .. } | Instr::SelectAcc { .. }
            if !matches!(next, Some(Instr::SelectCond { .. })) =>
        {
            return Err("select without its condition word");
        }
        // A compare-select skips the `Select` after it and that one's
        // condition word.
        Instr::I32LtUSelect(_)
        | Instr::I32LtSSelect(_)
        | Instr::I32GtUImmSelect(_)
        | Instr::I32LtUImmSelect(_)
            if !matches!(next, Some(Instr::Select { .. } | Instr::SelectAcc { .. })) =>
        {
            return Err("compare-select without its select");
        }
        Instr::CallIndirect { .. } if !matches!(next, Some(Instr::CallIndirectTable { .. })) => {
            return Err("call_indirect without its table word");
        }
        Instr::BrTableAt { len: n, table, .. } | Instr::BrTableAtAcc { len: n, table, .. } => {
            match code.get(*table as usize) {
                Some(Instr::BrTable { len, .. } | Instr::BrTableAcc { len, .. }) if len == n => {}
                _ => return Err("br_table copy without its table"),
            }
        }
        Instr::BrTable { len: n, .. } | Instr::BrTableAcc { len: n, .. } => {
            let entries = code.get(at + 1..).and_then(|rest| rest.get(..=*n as usize));
            match entries {
                Some(entries) if entries.iter().all(|e| matches!(e, Instr::Br { .. })) => {}
                _ => return Err("br_table without its entries"),
            }
        }
        _ => {}
    }
    Ok(())
}

/// How many words the instruction at the start of `code` takes, with its
/// trailing words (see the module docs).
fn words(instr: &Instr) -> usize {
    match instr {
        Instr::Select { .. } | Instr::SelectAcc { .. } | Instr::CallIndirect { .. } => 2,
        Instr::BrTable { len, .. } | Instr::BrTableAcc { len, .. } => *len as usize + 2,
        _ => 1,
    }
}

/// Whether `pc` is where an instruction of verified `code` starts (not a
/// trailing word, not past the end): the check a frame position from
/// outside (a checkpoint) must pass before it runs.
pub(super) fn is_instruction_start(mut code: impl Iterator<Item = Instr>, pc: usize) -> bool {
    let mut at = 0;
    while at <= pc {
        let Some(instr) = code.next() else {
            return false;
        };
        if at == pc {
            return true;
        }
        // Skip the instruction's trailing words.
        let words = words(&instr);
        for _ in 1..words {
            if code.next().is_none() {
                return false;
            }
        }
        at += words;
    }
    false
}

/// Whether execution never continues with the next instruction.
fn is_terminator(instr: &Instr) -> bool {
    matches!(
        instr,
        Instr::Br { .. }
            | Instr::BrTableAt { .. }
            | Instr::BrTableAtAcc { .. }
            | Instr::Return
            | Instr::Return1 { .. }
            | Instr::ReturnImm32 { .. }
            | Instr::ReturnSpan { .. }
            | Instr::Trap(_)
    )
}

/// The slot span `first..first + count` an instruction reads or writes
/// beyond its single-slot operands, if any.
fn span(instr: &Instr) -> Option<(Slot, u32)> {
    use Instr::*;
    match *instr {
        Copy2 { dst, .. } => Some((dst, 2)),
        // Writes its result to slot 0, which it does not name.
        ReturnImm32 { .. } => Some((0, 1)),
        ReturnSpan { src, len } => Some((src, len)),
        MemoryFill { args } | MemoryCopy { args } | MemoryInit { args, .. } => Some((args, 3)),
        TableGrow { args, .. } => Some((args, 2)),
        TableFill { args, .. } | TableCopy { args, .. } | TableInit { args, .. } => Some((args, 3)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Bin, BrCmpImm};

    const RET: Instr = Instr::Return;

    #[test]
    fn accepts_well_formed_code() {
        let code = [
            Instr::I32Add(Bin { dst: 2, a: 0, b: 1 }),
            Instr::BrI32NeImm(BrCmpImm {
                a: 2,
                imm: 0,
                target: 0,
            }),
            Instr::BrTable { index: 0, len: 1 },
            Instr::Br { target: 5 },
            Instr::Br { target: 0 },
            Instr::Return1 { src: 2 },
        ];
        assert_eq!(verify(&code, 3, &mut KindTable::default()), Ok(()));
    }

    #[test]
    fn rejects_each_broken_invariant() {
        let what = |code: &[Instr], max| {
            verify(code, max, &mut KindTable::default())
                .unwrap_err()
                .what
        };
        assert_eq!(what(&[], 1), "empty code");
        assert_eq!(
            what(&[Instr::Copy { dst: 0, src: 0 }], 1),
            "code does not end in a terminator"
        );
        assert_eq!(
            what(&[Instr::Copy { dst: 3, src: 0 }, RET], 3),
            "slot operand outside the frame"
        );
        assert_eq!(
            what(&[Instr::Copy2 { dst: 2, a: 0, b: 1 }, RET], 3),
            "slot span outside the frame"
        );
        assert_eq!(
            what(&[Instr::ReturnSpan { src: 1, len: 3 }], 3),
            "slot span outside the frame"
        );
        assert_eq!(
            what(&[Instr::ReturnImm32 { value: 1 }], 0),
            "slot span outside the frame"
        );
        assert_eq!(
            what(&[Instr::Br { target: 1 }], 1),
            "branch target outside the code"
        );
        assert_eq!(
            what(&[Instr::Select { dst: 0, a: 0, b: 0 }, RET], 1),
            "select without its condition word"
        );
        assert_eq!(
            what(
                &[
                    Instr::CallIndirect {
                        type_index: 0,
                        index: 0,
                        args: 0
                    },
                    RET
                ],
                1
            ),
            "call_indirect without its table word"
        );
        let fused = Instr::F64MulAdd(crate::ir::BinBin {
            t: 0,
            a: 0,
            b: 0,
            dst: 0,
            x: 0,
        });
        assert_eq!(
            what(&[fused, RET], 1),
            "superinstruction without its second instruction"
        );
        assert_eq!(
            what(&[fused, Instr::Copy { dst: 0, src: 1 }, RET], 1),
            "slot operand outside the frame"
        );
        let min = Instr::I32LtUSelect(crate::ir::CmpSelect {
            t: 0,
            a: 0,
            b: 0,
            dst: 0,
            x: 0,
            y: 0,
        });
        assert_eq!(
            what(&[min, Instr::Copy { dst: 0, src: 0 }, RET], 1),
            "compare-select without its select"
        );
        let select = Instr::Select { dst: 0, a: 0, b: 0 };
        let cond = Instr::SelectCond { cond: 0 };
        assert_eq!(
            verify(&[min, select, cond, RET], 1, &mut KindTable::default()),
            Ok(())
        );
        assert_eq!(
            what(
                &[Instr::BrTable { index: 0, len: 1 }, Instr::Br { target: 0 }],
                1
            ),
            "br_table without its entries"
        );
        assert_eq!(
            what(
                &[
                    Instr::BrTable { index: 0, len: 0 },
                    RET,
                    Instr::Br { target: 0 }
                ],
                1
            ),
            "br_table without its entries"
        );
        // A copy of a jump table must name one, with the same length; each
        // form (plain, or reading the accumulator) of either may name
        // either form of the other.
        let tables: [fn(Slot, u32) -> Instr; 2] = [
            |index, len| Instr::BrTable { index, len },
            |index, len| Instr::BrTableAcc { index, len },
        ];
        let copies: [fn(Slot, u32, u32) -> Instr; 2] = [
            |index, len, table| Instr::BrTableAt { index, len, table },
            |index, len, table| Instr::BrTableAtAcc { index, len, table },
        ];
        for table_form in tables {
            for copy_form in copies {
                let table = [table_form(0, 0), Instr::Br { target: 2 }, RET];
                let copy = |len, table| copy_form(0, len, table);
                assert_eq!(
                    what(&[&table[..], &[copy(0, 2)]].concat(), 1),
                    "br_table copy without its table"
                );
                assert_eq!(
                    what(&[&table[..], &[copy(1, 0)]].concat(), 1),
                    "br_table copy without its table"
                );
                assert_eq!(
                    what(&[&table[..], &[copy(0, 7)]].concat(), 1),
                    "branch target outside the code"
                );
                assert!(
                    verify(
                        &[&table[..], &[copy(0, 0)]].concat(),
                        1,
                        &mut KindTable::default()
                    )
                    .is_ok()
                );
            }
        }
        assert_eq!(
            what(
                &[
                    Instr::BrTableAcc { index: 0, len: 1 },
                    Instr::Br { target: 0 }
                ],
                1
            ),
            "br_table without its entries"
        );
    }
}
