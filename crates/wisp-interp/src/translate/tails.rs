//! Tail duplication: a pass over a finished function that replaces an
//! unconditional `Br` to a short block with a copy of that block, saving the
//! dispatch of the `Br` on every path through it.
//!
//! The typical case is a `switch` in a loop (an interpreter's dispatch, a
//! state machine): every case ends with `br` to the loop's tail, a few
//! counter updates and a jump back. The copy runs exactly the instructions
//! the jump would have reached, in the same order, so the effect is the
//! same; a copied `ConsumeFuel` charges what the original charges, and
//! copied branches keep their targets. Only blocks of at most
//! [`MAX_BLOCK`] instructions that end in a terminator other than `BrTable`
//! (whose entries must follow it) are copied, and the code grows by at most
//! a quarter.
//!
//! Instructions move, so every branch target is renumbered afterwards. The
//! pass runs before superinstructions are made.

use alloc::vec::Vec;

use super::{TranslateError, out_of_memory};
use crate::ir::{Instr, Target};

/// Longest block copied in place of a `Br`.
const MAX_BLOCK: usize = 4;

/// The pass's buffers, kept from one function to the next.
#[derive(Debug, Default)]
pub(super) struct TailScratch {
    /// `(Br index, block start, block end)` of each replacement, in order.
    plan: Vec<(usize, usize, usize)>,
    /// The rebuilt code (afterwards, the old code's buffer).
    out: Vec<Instr>,
    /// The rebuilt offset runs (afterwards, the old runs' buffer).
    out_offsets: Vec<(u32, u32)>,
    /// Where each old instruction went.
    moved: Vec<Target>,
}

/// Replaces eligible `Br`s in `code` with copies of their target blocks.
pub(super) fn duplicate_tails(
    code: &mut Vec<Instr>,
    offsets: &mut Vec<(u32, u32)>,
    scratch: &mut TailScratch,
) -> Result<(), TranslateError> {
    let len = code.len();
    // Which `Br` to replace by which block, within the growth budget.
    // `Br` entries of jump tables (the `len + 1` words after a `BrTable`)
    // must stay single instructions.
    let budget = len / 4 + 16;
    let mut added = 0;
    let TailScratch {
        plan,
        out,
        out_offsets,
        moved,
    } = scratch;
    plan.clear();
    let mut table_entries_end = 0;
    for (i, instr) in code.iter().enumerate() {
        let target = match *instr {
            Instr::Br { target } if i >= table_entries_end => target,
            Instr::BrTable { len: n, .. } => {
                table_entries_end = i + 2 + n as usize;
                continue;
            }
            _ => continue,
        };
        let Some(end) = block_end(code, target as usize) else {
            continue;
        };
        let start = target as usize;
        if (start..=end).contains(&i) || added + (end - start) > budget {
            continue;
        }
        added += end - start;
        plan.try_reserve(1).map_err(|_| out_of_memory())?;
        plan.push((i, start, end));
    }
    if plan.is_empty() {
        return Ok(());
    }
    // Rebuild, recording where each old instruction went.
    out.clear();
    out_offsets.clear();
    moved.clear();
    out.try_reserve_exact(len + added)
        .and_then(|()| out_offsets.try_reserve_exact(offsets.len() + plan.len() * (MAX_BLOCK + 1)))
        .and_then(|()| moved.try_reserve_exact(len))
        .map_err(|_| out_of_memory())?;
    // A copied instruction reports the offset of its original.
    let offset_of = |i: usize| {
        let run = offsets.partition_point(|&(start, _)| start as usize <= i);
        run.checked_sub(1)
            .and_then(|r| offsets.get(r))
            .map_or(0, |r| r.1)
    };
    // The run of instruction `i` in order, without a search per instruction:
    // `run` is the number of runs starting at or before `i`.
    let mut run = 0;
    let mut next = plan.iter().peekable();
    for (i, instr) in code.iter().enumerate() {
        moved.push(out.len() as Target);
        while offsets
            .get(run)
            .is_some_and(|&(start, _)| start as usize <= i)
        {
            run += 1;
        }
        let offset = run
            .checked_sub(1)
            .and_then(|r| offsets.get(r))
            .map_or(0, |r| r.1);
        match next.peek() {
            Some(&&(at, start, end)) if at == i => {
                for (k, copied) in code.iter().enumerate().take(end + 1).skip(start) {
                    push_run(out_offsets, out.len(), offset_of(k));
                    out.push(*copied);
                }
                next.next();
            }
            _ => {
                push_run(out_offsets, out.len(), offset);
                out.push(*instr);
            }
        }
    }
    for instr in out.iter_mut() {
        if let Some(target) = instr.branch_target_mut() {
            // Targets are instruction indices of the old code.
            *target = moved.get(*target as usize).copied().unwrap_or(*target);
        }
    }
    // The old buffers become the next function's scratch.
    core::mem::swap(code, out);
    core::mem::swap(offsets, out_offsets);
    Ok(())
}

/// Appends a run starting at instruction `at` unless the last run has
/// the same offset (the capacity was reserved by the caller).
fn push_run(runs: &mut Vec<(u32, u32)>, at: usize, offset: u32) {
    if runs.last().map(|r| r.1) != Some(offset) {
        runs.push((at as u32, offset));
    }
}

/// The index of the terminator that ends the block starting at `start`, if
/// the block is short enough to copy and contains no `BrTable`.
fn block_end(code: &[Instr], start: usize) -> Option<usize> {
    for (k, instr) in code.get(start..)?.iter().take(MAX_BLOCK).enumerate() {
        match instr {
            Instr::BrTable { .. } => return None,
            Instr::Br { .. }
            | Instr::Return
            | Instr::Return1 { .. }
            | Instr::ReturnImm32 { .. }
            | Instr::ReturnSpan { .. }
            | Instr::Trap(_) => return Some(start + k),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::BinImm;

    fn add(dst: u32) -> Instr {
        Instr::I32AddImm(BinImm {
            dst,
            a: dst,
            imm: 1,
        })
    }

    #[test]
    fn a_jump_to_a_short_tail_becomes_the_tail() {
        let br_ne = |target| {
            Instr::BrI32NeImm(crate::ir::BrCmpImm {
                a: 0,
                imm: 0,
                target,
            })
        };
        let mut code = alloc::vec![
            br_ne(3),
            add(1),
            Instr::Br { target: 4 },
            add(2),
            add(3),
            Instr::Return,
        ];
        duplicate_tails(
            &mut code,
            &mut alloc::vec::Vec::new(),
            &mut TailScratch::default(),
        )
        .unwrap();
        assert_eq!(
            code,
            [
                br_ne(4),
                add(1),
                add(3),
                Instr::Return,
                add(2),
                add(3),
                Instr::Return,
            ]
        );
    }

    #[test]
    fn jump_table_entries_and_long_blocks_stay() {
        let table = [
            Instr::BrTable { index: 0, len: 1 },
            Instr::Br { target: 3 },
            Instr::Br { target: 4 },
            Instr::Return,
            add(1),
            add(1),
            add(1),
            add(1),
            Instr::Return,
            // Four instructions without a terminator: too long to copy.
            Instr::Br { target: 4 },
        ];
        let mut code = table.to_vec();
        duplicate_tails(
            &mut code,
            &mut alloc::vec::Vec::new(),
            &mut TailScratch::default(),
        )
        .unwrap();
        assert_eq!(code, table);
    }
}
