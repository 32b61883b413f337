//! A fact about each kind of instruction, learned on first sight.
//!
//! The last passes over a function ask of every instruction a question
//! whose answer depends only on its kind (may it start a superinstruction,
//! is it an accumulator producer). Asked through a full `match`, that is a
//! jump-table dispatch whose target changes from one instruction to the
//! next; a table by tag answers with one lookup and a well-predicted
//! branch. The table lives in the translator, so it is learned once per
//! module and kept across its functions.

use crate::ir::{Instr, KIND_COUNT};

/// Set on every learned entry, so that 0 means "not yet seen".
const LEARNED: u8 = 0x80;

/// One answer of up to 7 bits per instruction kind.
#[derive(Debug, Clone)]
pub(super) struct KindMemo {
    /// By tag: `LEARNED` and the answer, or 0 if not yet seen.
    by_tag: [u8; KIND_COUNT],
}

impl Default for KindMemo {
    fn default() -> Self {
        Self {
            by_tag: [0; KIND_COUNT],
        }
    }
}

impl KindMemo {
    /// The answer for `instr`'s kind: `learn(instr)` the first time the
    /// kind is seen (it must depend on the kind only, and fit in 7 bits),
    /// the table's entry after that.
    #[inline(always)]
    pub(super) fn get(&mut self, instr: &Instr, learn: fn(&Instr) -> u8) -> u8 {
        match self.by_tag.get(usize::from(instr.tag())) {
            Some(&known) if known != 0 => known & !LEARNED,
            _ => self.learn(instr, learn),
        }
    }

    #[cold]
    #[inline(never)]
    fn learn(&mut self, instr: &Instr, learn: fn(&Instr) -> u8) -> u8 {
        let answer = learn(instr);
        debug_assert!(answer & LEARNED == 0, "a kind's answer has 7 bits");
        if let Some(entry) = self.by_tag.get_mut(usize::from(instr.tag())) {
            *entry = answer | LEARNED;
        }
        answer & !LEARNED
    }
}
