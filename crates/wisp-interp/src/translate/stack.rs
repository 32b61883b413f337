//! The translator's virtual operand stack.
//!
//! Each operand is one of:
//! - `Temp`: the value is in the canonical slot of its height,
//!   `base + height`;
//! - `Local(x)`: the value is whatever local `x` holds (pushed by
//!   `local.get`, no code emitted);
//! - `Const(raw)`: a constant (pushed by `*.const` and `ref.null`).
//!
//! Lazy operands are *materialized* (copied into their canonical slot) when
//! they would otherwise become wrong or unreachable:
//! - before `local.set/tee x` overwrites `x`, every `Local(x)` still on the stack;
//! - on entering a block, loop or `if`, every `Local` on the stack (a later
//!   `local.set` inside conditional code must not be the place where an outer
//!   operand gets materialized) and the block's parameters;
//! - when values flow to a label (branches, block ends), into the label's slots.
//!
//! Result folding: the instruction that produced a `Temp` is remembered in
//! [`Last`] while nothing else is emitted; a following `local.set x`
//! rewrites its destination to `x` instead of emitting a copy, `br_if`/`if`
//! fuse a comparison into the branch, and loads and stores fuse an address
//! computed by `i32.add` of a constant.

use alloc::format;

use super::{TranslateError, limit, out_of_memory};
use crate::ir::{Bin, BinImm, Compare, Instr, Load, Slot, Un};

use super::{MAX_FRAME_SLOTS, Translator};

/// One entry of the virtual operand stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operand {
    /// In the canonical slot of its height.
    Temp,
    /// The current value of local `x` (a slot below `base`).
    Local(u32),
    /// A constant, raw-encoded.
    Const(u64),
}

/// An operand taken off the stack: where to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Slot(Slot),
    Const(u64),
}

/// How to re-emit the last instruction with another destination slot.
#[derive(Debug, Clone, Copy)]
pub(super) enum Producer {
    Un(fn(Un) -> Instr, Un),
    Bin(fn(Bin) -> Instr, Bin),
    BinImm(fn(BinImm) -> Instr, BinImm),
    Load(fn(Load) -> Instr, Load),
    Compare(Compare),
    GlobalGet(u32),
    /// `Select { dst, a, b }`, followed by its `SelectCond` word.
    Select {
        a: Slot,
        b: Slot,
    },
}

impl Producer {
    /// The instruction, writing its result to `dst`.
    pub(super) fn with_dst(self, dst: Slot) -> Instr {
        match self {
            Producer::Un(ctor, op) => ctor(Un { dst, ..op }),
            Producer::Bin(ctor, op) => ctor(Bin { dst, ..op }),
            Producer::BinImm(ctor, op) => ctor(BinImm { dst, ..op }),
            Producer::Load(ctor, op) => ctor(Load { dst, ..op }),
            Producer::Compare(cmp) => cmp.value(dst),
            Producer::GlobalGet(global) => Instr::GlobalGet { dst, global },
            Producer::Select { a, b } => Instr::Select { dst, a, b },
        }
    }

    /// Number of code words the instruction occupies.
    fn words(self) -> usize {
        match self {
            Producer::Select { .. } => 2,
            _ => 1,
        }
    }
}

/// The last emitted instruction, which produced the operand at `height`
/// (a `Temp`). Cleared by any other emission and by popping that operand.
#[derive(Debug, Clone, Copy)]
pub(super) struct Last {
    /// Its index in the code.
    pub index: usize,
    /// The stack height of its result.
    pub height: u32,
    pub producer: Producer,
}

/// `prev` followed by `Copy { dst, src }` as one `Copy2`, if `prev` is a copy
/// to an adjacent slot and reading both sources first changes nothing (the
/// second copy does not read what the first writes). Both destinations must
/// be on the same side of `base` (locals or operand stack), as constant slots
/// are later inserted between the two.
fn merge_copies(prev: Instr, dst: Slot, src: Slot, base: Slot) -> Option<Instr> {
    let Instr::Copy {
        dst: prev_dst,
        src: prev_src,
    } = prev
    else {
        return None;
    };
    if src == prev_dst || (dst < base) != (prev_dst < base) {
        return None;
    }
    if dst == prev_dst.wrapping_add(1) {
        Some(Instr::Copy2 {
            dst: prev_dst,
            a: prev_src,
            b: src,
        })
    } else if prev_dst == dst.wrapping_add(1) {
        Some(Instr::Copy2 {
            dst,
            a: src,
            b: prev_src,
        })
    } else {
        None
    }
}

/// The instruction writing raw constant `value` to `dst`.
pub(super) fn const_instr(dst: Slot, value: u64) -> Instr {
    match u32::try_from(value) {
        Ok(value) => Instr::Const32 { dst, value },
        Err(_) => Instr::Const64 {
            dst,
            lo: value as u32,
            hi: (value >> 32) as u32,
        },
    }
}

impl Translator<'_> {
    /// The current operand stack height.
    #[inline]
    pub(super) fn height(&self) -> u32 {
        self.stack.len() as u32
    }

    /// The canonical slot of stack height `h`.
    #[inline]
    pub(super) fn slot(&self, h: u32) -> Slot {
        self.base + h
    }

    /// Emits `instr`, which does not produce a foldable result. A copy
    /// right after another copy to an adjacent slot (in the same basic
    /// block) merges with it into a `Copy2`.
    #[inline]
    pub(super) fn emit(&mut self, instr: Instr) -> Result<usize, TranslateError> {
        if let Instr::Copy { dst, src } = instr
            && self.code.len() > self.block_start
            && let Some(prev) = self.code.last_mut()
            && let Some(merged) = merge_copies(*prev, dst, src, self.base)
        {
            *prev = merged;
            self.last = None;
            return Ok(self.code.len() - 1);
        }
        let index = self.code.len();
        if index == self.code.capacity() {
            self.grow_code()?;
        }
        self.code.push(instr);
        self.last = None;
        Ok(index)
    }

    /// Makes room for more code, or fails if the function is too long or
    /// memory is exhausted (out of line: `emit` runs for every instruction).
    #[cold]
    #[inline(never)]
    fn grow_code(&mut self) -> Result<(), TranslateError> {
        // Exact reservations, so the capacity never passes the limit and
        // this check sees every function that reaches it.
        const MAX_CODE: usize = u32::MAX as usize / 2;
        let len = self.code.len();
        if len >= MAX_CODE {
            return Err(limit(format!("function of over {len} instructions")));
        }
        let more = len.max(64).min(MAX_CODE - len);
        self.code
            .try_reserve_exact(more)
            .map_err(|_| out_of_memory())
    }

    /// The index the next emitted instruction will have.
    pub(super) fn next_index(&self) -> u32 {
        self.code.len() as u32
    }

    /// Pushes an operand. Always inlined: passed to a call, the 16-byte
    /// operand goes through memory, written in parts and read whole, which
    /// stalls store-to-load forwarding (most of `push`'s time in `perf`).
    #[inline(always)]
    pub(super) fn push(&mut self, operand: Operand) -> Result<(), TranslateError> {
        let height = self.height() + 1;
        if height > self.max_height {
            self.raise_max_height(height)?;
        }
        if let Operand::Local(x) = operand {
            self.local_refs.pushed(x, height - 1);
        }
        self.stack.push(operand);
        Ok(())
    }

    /// Records a new greatest stack height, or fails if the frame would
    /// be too large.
    #[cold]
    #[inline(never)]
    fn raise_max_height(&mut self, height: u32) -> Result<(), TranslateError> {
        if self.base + height > MAX_FRAME_SLOTS {
            return Err(limit(format!(
                "operand stack deeper than {MAX_FRAME_SLOTS} slots"
            )));
        }
        self.max_height = height;
        Ok(())
    }

    /// Pushes `n` temporaries (results of a call or a block).
    pub(super) fn push_temps(&mut self, n: u32) -> Result<(), TranslateError> {
        for _ in 0..n {
            self.push(Operand::Temp)?;
        }
        Ok(())
    }

    /// Pushes a raw constant.
    pub(super) fn push_const(&mut self, value: u64) -> Result<(), TranslateError> {
        self.push(Operand::Const(value))
    }

    /// Emits the instruction `producer` describes with the next height's slot
    /// as destination, and pushes its result.
    pub(super) fn push_result(&mut self, producer: Producer) -> Result<(), TranslateError> {
        self.push_result_with(producer, None)
    }

    /// [`push_result`](Self::push_result) for a producer followed by a trailing word.
    pub(super) fn push_result_with(
        &mut self,
        producer: Producer,
        trailer: Option<Instr>,
    ) -> Result<(), TranslateError> {
        let height = self.height();
        let index = self.emit(producer.with_dst(self.slot(height)))?;
        if let Some(word) = trailer {
            self.emit(word)?;
        }
        self.push(Operand::Temp)?;
        self.last = Some(Last {
            index,
            height,
            producer,
        });
        Ok(())
    }

    /// The last instruction, if it produced the operand at height `h` and
    /// nothing was emitted since.
    pub(super) fn last_at(&self, h: u32) -> Option<Last> {
        let last = self.last?;
        (last.height == h
            && last.index + last.producer.words() == self.code.len()
            && self.stack.get(h as usize) == Some(&Operand::Temp))
        .then_some(last)
    }

    /// Removes the last instruction (see [`last_at`](Self::last_at)) from the
    /// code, returning its trailing word if it has one, to re-emit it elsewhere.
    pub(super) fn unemit(&mut self, last: Last) -> Option<Instr> {
        let trailer = (last.producer.words() == 2).then(|| self.code[last.index + 1]);
        self.truncate_code(last.index);
        self.last = None;
        trailer
    }

    /// Emits `make(dst)` for the next height's slot and pushes its result.
    pub(super) fn push_value(
        &mut self,
        make: impl FnOnce(Slot) -> Instr,
    ) -> Result<(), TranslateError> {
        let dst = self.slot(self.height());
        self.emit(make(dst))?;
        self.push(Operand::Temp)
    }

    /// Pops the top operand, returning it and its height.
    #[inline]
    pub(super) fn pop(&mut self) -> Result<(Operand, u32), TranslateError> {
        let operand = self
            .stack
            .pop()
            .ok_or_else(|| super::internal("operand stack underflow"))?;
        let height = self.height();
        let local = match operand {
            Operand::Local(x) => Some(x),
            _ => None,
        };
        self.local_refs.popped(height, local);
        if self.last.is_some_and(|l| l.height >= height) {
            self.last = None;
        }
        Ok((operand, height))
    }

    /// Pops the top operand without materializing it.
    #[inline]
    pub(super) fn pop_source(&mut self) -> Result<Source, TranslateError> {
        let (operand, h) = self.pop()?;
        Ok(match operand {
            Operand::Temp => Source::Slot(self.slot(h)),
            Operand::Local(x) => Source::Slot(x),
            Operand::Const(c) => Source::Const(c),
        })
    }

    /// Pops the top operand as a slot, reading a constant from its constant
    /// slot or (when none is left) materializing it into the operand's own
    /// canonical slot (free now that it is popped).
    pub(super) fn pop_slot(&mut self) -> Result<Slot, TranslateError> {
        let h = self.height().saturating_sub(1);
        let source = self.pop_source()?;
        self.source_slot(source, h)
    }

    /// The slot of `source`, popped from height `h`: a constant is written to
    /// that height's canonical slot.
    pub(super) fn source_slot(&mut self, source: Source, h: u32) -> Result<Slot, TranslateError> {
        match source {
            Source::Slot(s) => Ok(s),
            Source::Const(c) => {
                if let Some(slot) = self.const_slot(c) {
                    return Ok(slot);
                }
                let dst = self.slot(h);
                self.emit(const_instr(dst, c))?;
                Ok(dst)
            }
        }
    }

    /// Truncates the stack to height `h` (dropping operands of dead code or a finished block).
    pub(super) fn truncate(&mut self, h: u32) {
        while self.height() > h {
            // Cannot fail: the stack is non-empty.
            let _ = self.pop();
        }
    }

    /// Copies the operand at height `h` into its canonical slot, if it is not there.
    pub(super) fn materialize(&mut self, h: u32) -> Result<(), TranslateError> {
        let dst = self.slot(h);
        let instr = match self.stack[h as usize] {
            Operand::Temp => return Ok(()),
            Operand::Local(x) => {
                self.local_refs.replaced(x);
                Instr::Copy { dst, src: x }
            }
            Operand::Const(c) => const_instr(dst, c),
        };
        self.stack[h as usize] = Operand::Temp;
        self.emit(instr)?;
        Ok(())
    }

    /// Materializes the top `n` operands.
    pub(super) fn materialize_top(&mut self, n: u32) -> Result<(), TranslateError> {
        let h = self.height();
        for k in h.saturating_sub(n)..h {
            self.materialize(k)?;
        }
        Ok(())
    }

    /// Materializes every `Local(x)` on the stack (before `x` is overwritten).
    pub(super) fn materialize_local(&mut self, x: u32) -> Result<(), TranslateError> {
        if !self.local_refs.has(x) {
            return Ok(());
        }
        let mut next = self.local_refs.take_chain(x);
        while let Some(h) = next {
            if self.stack.get(h as usize) == Some(&Operand::Local(x)) {
                self.materialize(h)?;
            }
            next = self.local_refs.older_same(h);
        }
        Ok(())
    }

    /// Materializes every `Local` operand on the stack (on block entry).
    pub(super) fn materialize_all_locals(&mut self) -> Result<(), TranslateError> {
        if !self.local_refs.any() {
            return Ok(());
        }
        let mut next = self.local_refs.take_any_chain();
        while let Some(h) = next {
            if let Some(Operand::Local(_)) = self.stack.get(h as usize) {
                self.materialize(h)?;
            }
            next = self.local_refs.older_any(h);
        }
        Ok(())
    }

    /// Emits copies of the top `n` operands into the canonical slots of
    /// heights `dst_height..dst_height + n`, leaving the virtual stack as is
    /// (used on the taken path of a branch).
    ///
    /// Copying in increasing order is safe: a source temporary at height
    /// `h - n + i` is never below its destination `dst_height + i`, so a copy
    /// never overwrites a source still to be read.
    pub(super) fn copy_top_to(&mut self, dst_height: u32, n: u32) -> Result<(), TranslateError> {
        let h = self.height();
        let first = h
            .checked_sub(n)
            .ok_or_else(|| super::internal("branch carries more values than the stack holds"))?;
        for i in 0..n {
            let dst = self.slot(dst_height + i);
            let instr = match self.stack[(first + i) as usize] {
                Operand::Temp => {
                    let src = self.slot(first + i);
                    if src == dst {
                        continue;
                    }
                    Instr::Copy { dst, src }
                }
                Operand::Local(x) => Instr::Copy { dst, src: x },
                Operand::Const(c) => const_instr(dst, c),
            };
            self.emit(instr)?;
        }
        Ok(())
    }

    /// Whether the top `n` operands are already in the slots of heights
    /// `dst_height..dst_height + n`.
    pub(super) fn top_in_place(&self, dst_height: u32, n: u32) -> bool {
        let h = self.height();
        n == 0
            || (h.checked_sub(n) == Some(dst_height)
                && self.stack[dst_height as usize..]
                    .iter()
                    .all(|o| *o == Operand::Temp))
    }
}
