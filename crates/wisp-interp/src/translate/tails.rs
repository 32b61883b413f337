//! Tail duplication: a pass over a finished function that replaces an
//! unconditional `Br` to a short block with a copy of that block, saving the
//! dispatch of the `Br` on every path through it.
//!
//! The typical case is a `switch` in a loop (an interpreter's dispatch, a
//! state machine): every case ends with `br` to the loop's tail, a few
//! counter updates and a jump back. The copy runs exactly the instructions
//! the jump would have reached, in the same order, so the effect is the
//! same; a copied `ConsumeFuel` charges what the original charges, and
//! copied branches keep their targets. A block may end in a `BrTable` (the
//! loop head of a `switch`: fetch the next opcode, jump through the table):
//! its copy is a one-word `BrTableAt` that jumps through the original's
//! entries, so the copy does not grow with the table. A copied block that
//! ends in a `Br` to another short block takes that block's copy in place
//! of its `Br` (one hop: a `case` that jumps to the loop's latch, which
//! jumps to the `switch` head). Only blocks of at most [`MAX_BLOCK`]
//! instructions are copied, and the code grows by at most a quarter.
//!
//! Instructions move, so every branch target is renumbered afterwards. The
//! pass runs before superinstructions are made.

use alloc::vec::Vec;

use super::{TranslateError, out_of_memory};
use crate::ir::{Instr, KindTable, Target};

/// Longest block copied in place of a `Br`.
const MAX_BLOCK: usize = 4;

/// One `Br` to replace: the block `first` (`start..=end`) is copied in its
/// place and, when that block itself ends in a `Br` to a short block
/// `hop`, `hop` is copied in place of that `Br` too (a `case` jumping to
/// the loop's latch, which jumps to the `switch` head).
#[derive(Debug, Clone, Copy)]
struct Replacement {
    /// Index of the `Br`.
    at: usize,
    first: (usize, usize),
    hop: Option<(usize, usize)>,
}

impl Replacement {
    /// How many instructions the copy adds to the code.
    fn growth(&self) -> usize {
        let (start, end) = self.first;
        // The copy replaces the `Br`: with a hop, the first block's own `Br`
        // is left out and the hop's `end - start + 1` instructions added.
        end - start + self.hop.map_or(0, |(start, end)| end - start)
    }
}

/// The pass's buffers, kept from one function to the next.
#[derive(Debug, Default)]
pub(super) struct TailScratch {
    /// Each replacement, in code order.
    plan: Vec<Replacement>,
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
    kinds: &mut KindTable,
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
        // A block that contains the `Br` itself (so ends with it: a loop of
        // a few instructions) is left alone: its copy would only unroll the
        // loop once.
        let short_block = |start: usize| {
            block_end(code, start)
                .filter(|&end| !(start..=end).contains(&i))
                .map(|end| (start, end))
        };
        let Some(first) = short_block(target as usize) else {
            continue;
        };
        let hop = match code.get(first.1) {
            Some(&Instr::Br { target }) => short_block(target as usize),
            _ => None,
        };
        let replacement = Replacement { at: i, first, hop };
        if added + replacement.growth() > budget {
            continue;
        }
        added += replacement.growth();
        plan.try_reserve(1).map_err(|_| out_of_memory())?;
        plan.push(replacement);
    }
    if plan.is_empty() {
        return Ok(());
    }
    // Rebuild, recording where each old instruction went.
    out.clear();
    out_offsets.clear();
    moved.clear();
    out.try_reserve_exact(len + added)
        .and_then(|()| {
            out_offsets.try_reserve_exact(offsets.len() + plan.len() * (2 * MAX_BLOCK + 1))
        })
        .and_then(|()| moved.try_reserve_exact(len))
        .map_err(|_| out_of_memory())?;
    // The stretches between replaced `Br`s are copied whole, each `Br`
    // replaced by its block; an old instruction `i` of a stretch moves by
    // `shift`, the growth of the blocks copied before it.
    let mut runs = Runs {
        old: offsets,
        next: 0,
        out: out_offsets,
    };
    let mut shift = 0;
    let mut stretch_start = 0;
    let last = Replacement {
        at: len,
        first: (0, 0),
        hop: None,
    };
    for replacement in plan.iter().chain(core::iter::once(&last)) {
        let at = replacement.at;
        let stretch = code.get(stretch_start..at).unwrap_or_default();
        moved.extend((stretch_start..at).map(|i| (i + shift) as Target));
        runs.copy_stretch(stretch_start, at, shift);
        out.extend_from_slice(stretch);
        if at == len {
            break;
        }
        moved.push(out.len() as Target);
        let (start, end) = replacement.first;
        match replacement.hop {
            Some((hop_start, hop_end)) => {
                copy_block(code, start..end, &mut runs, out);
                copy_block(code, hop_start..hop_end + 1, &mut runs, out);
            }
            None => copy_block(code, start..end + 1, &mut runs, out),
        }
        shift += replacement.growth();
        stretch_start = at + 1;
    }
    for instr in out.iter_mut() {
        if let Some(target) = kinds.branch_target_mut(instr) {
            // Targets are instruction indices of the old code.
            *target = moved.get(*target as usize).copied().unwrap_or(*target);
        }
    }
    // The old buffers become the next function's scratch.
    core::mem::swap(code, out);
    core::mem::swap(offsets, out_offsets);
    Ok(())
}

/// Appends a copy of old instructions `range` to `out`, each copy reporting
/// its original's offset. A `BrTable` is copied as a `BrTableAt` naming it
/// (its entries stay where they are).
fn copy_block(
    code: &[Instr],
    range: core::ops::Range<usize>,
    runs: &mut Runs<'_>,
    out: &mut Vec<Instr>,
) {
    for k in range {
        let Some(&copied) = code.get(k) else {
            return;
        };
        runs.push(out.len(), runs.offset_of(k));
        out.push(match copied {
            // Its target is renumbered afterwards, like a branch's.
            Instr::BrTable { index, len } => Instr::BrTableAt {
                index,
                len,
                table: k as Target,
            },
            other => other,
        });
    }
}

/// The offset runs (`(first instruction, module offset)`, see the
/// translator) of the old code, and those of the code being rebuilt.
struct Runs<'a> {
    old: &'a [(u32, u32)],
    /// The number of old runs starting before the stretch being copied.
    next: usize,
    out: &'a mut Vec<(u32, u32)>,
}

impl Runs<'_> {
    /// The offset of old instruction `i` (0 before the first run).
    fn offset_of(&self, i: usize) -> u32 {
        let run = self.old.partition_point(|&(start, _)| start as usize <= i);
        run.checked_sub(1)
            .and_then(|r| self.old.get(r))
            .map_or(0, |r| r.1)
    }

    /// Records the runs of old instructions `from..to`, which move by
    /// `shift` (stretches come in order).
    fn copy_stretch(&mut self, from: usize, to: usize, shift: usize) {
        if from >= to {
            return;
        }
        // The run in force at `from`, then every run starting inside.
        while self
            .old
            .get(self.next)
            .is_some_and(|&(start, _)| start as usize <= from)
        {
            self.next += 1;
        }
        let in_force = self.next.checked_sub(1).and_then(|r| self.old.get(r));
        self.push(from + shift, in_force.map_or(0, |r| r.1));
        while let Some(&(start, offset)) = self.old.get(self.next)
            && (start as usize) < to
        {
            self.push(start as usize + shift, offset);
            self.next += 1;
        }
    }

    /// Appends a run starting at instruction `at` unless the last run has
    /// the same offset (the capacity was reserved by the caller), or no
    /// offsets are recorded (the old code has no runs: see
    /// `translate::offsets_of`).
    fn push(&mut self, at: usize, offset: u32) {
        if !self.old.is_empty() && self.out.last().map(|r| r.1) != Some(offset) {
            self.out.push((at as u32, offset));
        }
    }
}

/// The index of the terminator (or `BrTable`) that ends the block starting
/// at `start`, if the block is short enough to copy.
fn block_end(code: &[Instr], start: usize) -> Option<usize> {
    for (k, instr) in code.get(start..)?.iter().take(MAX_BLOCK).enumerate() {
        match instr {
            Instr::Br { .. }
            | Instr::BrTable { .. }
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

    /// Runs the pass on `code`, with no offsets to carry.
    fn duplicate(code: &mut Vec<Instr>) {
        duplicate_tails(
            code,
            &mut alloc::vec::Vec::new(),
            &mut TailScratch::default(),
            &mut KindTable::default(),
        )
        .unwrap();
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
        duplicate(&mut code);
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

    /// The offset of each instruction, from `(first instruction, offset)`
    /// runs.
    fn offsets_per_instruction(runs: &[(u32, u32)], len: usize) -> Vec<u32> {
        (0..len)
            .map(|i| {
                runs.iter()
                    .rev()
                    .find(|&&(start, _)| start as usize <= i)
                    .map_or(0, |r| r.1)
            })
            .collect()
    }

    #[test]
    fn copies_report_their_originals_offsets() {
        // Two `Br`s to short tails, and runs that span several instructions
        // (the first starts after instruction 0, which has offset 0).
        #[rustfmt::skip]
        let mut code = alloc::vec![
            add(0),                   // 0: offset 0
            Instr::Br { target: 5 },  // 1: 10
            add(1),                   // 2: 10
            Instr::Br { target: 7 },  // 3: 20
            add(2),                   // 4: 20
            add(3),                   // 5: 30
            Instr::Return,            // 6: 40
            add(4),                   // 7: 40
            Instr::Return,            // 8: 50
        ];
        let mut runs = alloc::vec![(1, 10), (3, 20), (5, 30), (6, 40), (8, 50)];
        duplicate_tails(
            &mut code,
            &mut runs,
            &mut TailScratch::default(),
            &mut KindTable::default(),
        )
        .unwrap();
        assert_eq!(
            code,
            [
                add(0),
                add(3),
                Instr::Return,
                add(1),
                add(4),
                Instr::Return,
                add(2),
                add(3),
                Instr::Return,
                add(4),
                Instr::Return,
            ]
        );
        assert_eq!(
            offsets_per_instruction(&runs, code.len()),
            [0, 30, 40, 10, 40, 50, 20, 30, 40, 40, 50]
        );
    }

    #[test]
    fn a_jump_to_a_switch_head_copies_it_with_a_one_word_table() {
        // A `switch` in a loop: the head fetches and jumps through the
        // table; case 0 jumps to the latch, which jumps back to the head.
        #[rustfmt::skip]
        let mut code = alloc::vec![
            add(0),                              // 0
            add(1),                              // 1: the head
            Instr::BrTable { index: 1, len: 1 }, // 2
            Instr::Br { target: 5 },             // 3
            Instr::Br { target: 7 },             // 4
            add(2),                              // 5: case 0
            Instr::Br { target: 8 },             // 6
            Instr::Return,                       // 7: case 1 (the default)
            add(3),                              // 8: the latch
            Instr::Br { target: 1 },             // 9
        ];
        duplicate(&mut code);
        // Case 0 runs the latch and the head in line (one hop); the latch
        // runs the head. The copies of the head name the original table,
        // which did not move; case 1 moved from 7 to 9.
        #[rustfmt::skip]
        let expected = [
            add(0),
            add(1),
            Instr::BrTable { index: 1, len: 1 },
            Instr::Br { target: 5 },
            Instr::Br { target: 9 },
            add(2),
            add(3),
            add(1),
            Instr::BrTableAt { index: 1, len: 1, table: 2 },
            Instr::Return,
            add(3),
            add(1),
            Instr::BrTableAt { index: 1, len: 1, table: 2 },
        ];
        assert_eq!(code, expected);
        crate::ir::CompiledFunc::new(&code, false, 0, 0, 4, &[], 4, 4, &mut KindTable::default())
            .expect("the copies pass the structural check");
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
        duplicate(&mut code);
        assert_eq!(code, table);
    }
}
