//! Where each kind of instruction keeps its slot operands and branch
//! target, learned once per kind, so that the passes that visit every
//! instruction of every function (constant-slot renumbering, the structural
//! check) read one byte from a table instead of dispatching on the kind.
//!
//! A dispatch on the kind (`for_each_slot_mut`, `branch_target`, ...) is an
//! indirect jump whose target changes from one instruction to the next. On
//! GCC's `cc1.wasm` (4.5 M instructions) the renumbering and `verify` took
//! ~38 ms together, and tail duplication's target fix-up a good part of its
//! ~32 ms (`docs/bytecode.md`). The table is filled from those same
//! exhaustive visitors:
//! the first instruction of a kind is probed (which fields did the visitor
//! hand out, at which byte offsets), and every later instruction of the same
//! kind has its fields at the same offsets, because a variant of a Rust enum
//! has one layout. A kind whose operands are not whole `u32` words of the
//! instruction (narrow `u16` slots of superinstructions), or that the
//! structural check treats specially (terminators, trailing words, spans,
//! calls), is marked *irregular* and still goes through the visitors.

use super::instr::Instr;
use super::operands::{Slot, Target};

/// The number of instruction kinds: one past the tag of the last variant
/// of [`Instr`] (the executor's handler tables are this long too).
pub const KIND_COUNT: usize = Instr::Load8UBrNez(super::operands::LoadBr {
    dst: 0,
    addr: 0,
    offset: 0,
    target: 0,
})
.tag() as usize
    + 1;

// Bits 0..=2: word `k` (bytes `4k .. 4k + 4`, `k` in 1..=3) is a slot
// when bit `k - 1` is set.
/// The branch target's word (1..=3), or 0 for none: bits 3 and 4.
const TARGET_SHIFT: u8 = 3;
const TARGET_WORD: u8 = 0b0001_1000;
/// The slots cannot be described by `SLOT_WORDS`: use the visitor.
const IRREGULAR_SLOTS: u8 = 0b0010_0000;
/// The structural check must look at more than slots and target.
const SPECIAL: u8 = 0b0100_0000;
/// The entry has been learned (an unlearned entry is 0).
const LEARNED: u8 = 0b1000_0000;

/// The learned kinds of one module's instructions (a translator keeps one
/// for all the functions it translates).
#[derive(Debug, Clone)]
pub struct KindTable {
    kinds: [u8; KIND_COUNT],
}

impl Default for KindTable {
    fn default() -> Self {
        Self {
            kinds: [0; KIND_COUNT],
        }
    }
}

/// What the structural check needs to know of one instruction's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Checked {
    /// Slots and target are in range: nothing else to check.
    Plain,
    /// A slot is at or past `max_slots`.
    SlotOutside,
    /// The branch target is at or past the code's length.
    TargetOutside,
    /// The kind needs the full check.
    Special,
}

impl KindTable {
    /// Calls `f` on every slot operand of `instr`, exactly as
    /// [`Instr::for_each_slot_mut`] does.
    #[inline]
    pub fn for_each_slot_mut(&mut self, instr: &mut Instr, mut f: impl FnMut(&mut Slot)) {
        let kind = self.kind(instr);
        if kind & IRREGULAR_SLOTS != 0 {
            instr.for_each_slot_mut(f);
            return;
        }
        for word in 1..=3 {
            if kind & (1 << (word - 1)) != 0 {
                // SAFETY: the kind's bit says that word `word` of this kind
                // is a whole `Slot` field (see `learn`).
                f(unsafe { word_mut(instr, word) });
            }
        }
    }

    /// The branch target of `instr`, exactly as [`Instr::branch_target_mut`]
    /// gives it.
    #[inline]
    pub fn branch_target_mut<'i>(&mut self, instr: &'i mut Instr) -> Option<&'i mut Target> {
        let kind = self.kind(instr);
        match usize::from((kind & TARGET_WORD) >> TARGET_SHIFT) {
            // SAFETY: a nonzero target word is a whole `Target` field (`learn`).
            word @ 1..=3 => Some(unsafe { word_mut(instr, word) }),
            _ if kind & SPECIAL != 0 => instr.branch_target_mut(),
            _ => None,
        }
    }

    /// The branch target of `instr`, exactly as [`Instr::branch_target`]
    /// gives it.
    #[inline]
    pub fn branch_target(&mut self, instr: &Instr) -> Option<Target> {
        let kind = self.kind(instr);
        match usize::from((kind & TARGET_WORD) >> TARGET_SHIFT) {
            // SAFETY: a nonzero target word is a whole `Target` field (`learn`).
            word @ 1..=3 => Some(unsafe { word_ref(instr, word) }),
            _ if kind & SPECIAL != 0 => instr.branch_target(),
            _ => None,
        }
    }

    /// Checks the slots (below `max_slots`) and branch target (below
    /// `len`) of `instr`, if that is all its kind needs.
    #[inline]
    pub(super) fn check(&mut self, instr: &Instr, max_slots: u64, len: u64) -> Checked {
        let kind = self.kind(instr);
        if kind & (SPECIAL | IRREGULAR_SLOTS) != 0 {
            return Checked::Special;
        }
        let mut slots_ok = true;
        for word in 1..=3 {
            if kind & (1 << (word - 1)) != 0 {
                // SAFETY: as in `for_each_slot_mut`.
                slots_ok &= u64::from(unsafe { word_ref(instr, word) }) < max_slots;
            }
        }
        if !slots_ok {
            return Checked::SlotOutside;
        }
        let target_word = usize::from((kind & TARGET_WORD) >> TARGET_SHIFT);
        // SAFETY: a nonzero target word is a whole `Target` field (`learn`).
        if target_word != 0 && u64::from(unsafe { word_ref(instr, target_word) }) >= len {
            return Checked::TargetOutside;
        }
        Checked::Plain
    }

    /// The learned kind of `instr`, learning it first if needed.
    #[inline(always)]
    fn kind(&mut self, instr: &Instr) -> u8 {
        match self.kinds.get(usize::from(instr.tag())) {
            Some(&kind) if kind != 0 => kind,
            Some(_) => self.learn(instr),
            None => LEARNED | IRREGULAR_SLOTS | SPECIAL,
        }
    }

    /// Probes `instr` with the visitors and records where its kind's fields
    /// are.
    #[cold]
    #[inline(never)]
    fn learn(&mut self, instr: &Instr) -> u8 {
        let mut probe = *instr;
        let base = (&raw mut probe).addr();
        let word_of = |field: usize| match field.wrapping_sub(base) {
            4 => Some(1u8),
            8 => Some(2),
            12 => Some(3),
            _ => None,
        };
        let mut kind = LEARNED;
        let mut slots_regular = true;
        probe.for_each_slot_mut(|slot| match word_of((&raw mut *slot).addr()) {
            // A field handed out twice would be renumbered twice: leave that
            // to the visitor.
            Some(word) if kind & (1 << (word - 1)) == 0 => kind |= 1 << (word - 1),
            _ => slots_regular = false,
        });
        if !slots_regular {
            kind = LEARNED | IRREGULAR_SLOTS;
        }
        let target = probe
            .branch_target_mut()
            .map(|t| word_of((&raw mut *t).addr()));
        match target {
            None => {}
            Some(Some(word)) => kind |= word << TARGET_SHIFT,
            Some(None) => kind |= SPECIAL,
        }
        // Everything `verify` checks beyond single slots and
        // `branch_target_mut` (superinstructions, which report their
        // targets only through `branch_target`, included).
        if super::verify::needs_full_check(instr) {
            kind |= SPECIAL;
        }
        if let Some(entry) = self.kinds.get_mut(usize::from(instr.tag())) {
            *entry = kind;
        }
        kind
    }
}

impl Instr {
    /// An instruction of kind `tag`, every operand zero: a value to match
    /// an arm's pattern against in a constant (each threaded handler keeps
    /// only its own kind's arm this way).
    ///
    /// # Safety
    /// `tag` is below [`KIND_COUNT`], and zero is a value of every operand
    /// of that kind. Evaluated in a constant, a breach is a compile error
    /// (the compiler checks that a constant is a valid `Instr`).
    #[cfg_attr(
        not(all(wisp_threaded, not(test))),
        allow(dead_code, reason = "only the threaded handlers use it")
    )]
    pub(crate) const unsafe fn of_tag(tag: u16) -> Self {
        let words: [u16; 8] = [tag, 0, 0, 0, 0, 0, 0, 0];
        // SAFETY: `Instr` is `#[repr(u16)]` and 16 bytes (the module docs),
        // so its first two bytes are the discriminant and the rest its
        // operands; the caller vouches for both.
        unsafe { core::mem::transmute::<[u16; 8], Self>(words) }
    }

    /// The instruction's kind as a number (its discriminant): instructions
    /// of one kind have the same variant, so the same layout.
    #[inline(always)]
    pub const fn tag(&self) -> u16 {
        // SAFETY: `Instr` is `#[repr(u16)]`, so its first two bytes are the
        // discriminant, for every variant (the Reference, "Primitive
        // representation of enums with fields").
        unsafe { (&raw const *self).cast::<u16>().read() }
    }
}

/// Word `word` (1..=3) of `instr`.
///
/// # Safety
/// That word must be a whole `u32` field of `instr`'s variant.
#[inline(always)]
unsafe fn word_ref(instr: &Instr, word: usize) -> u32 {
    // SAFETY: the caller's field is initialized and 4-aligned (`Instr` is
    // 4-aligned and the word starts at a multiple of 4), within `instr`.
    unsafe { (&raw const *instr).cast::<u32>().add(word).read() }
}

/// Word `word` (1..=3) of `instr`, writable.
///
/// # Safety
/// As for [`word_ref`]; any `u32` is a valid value of the field.
#[inline(always)]
unsafe fn word_mut(instr: &mut Instr, word: usize) -> &mut u32 {
    // SAFETY: as in `word_ref`; the reference is derived from `&mut Instr`
    // and covers only that field.
    unsafe { &mut *(&raw mut *instr).cast::<u32>().add(word) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AddImmBr, Bin, BinImm, BrCmpImm, Load, Store};
    use alloc::vec::Vec;

    fn samples() -> Vec<Instr> {
        alloc::vec![
            Instr::I32Add(Bin { dst: 1, a: 2, b: 3 }),
            Instr::I64AddImm(BinImm {
                dst: 4,
                a: 5,
                imm: -6,
            }),
            Instr::Copy { dst: 7, src: 8 },
            Instr::Load32(Load {
                dst: 9,
                addr: 10,
                offset: 11,
            }),
            Instr::Store64(Store {
                addr: 12,
                value: 13,
                offset: 14,
            }),
            Instr::BrI32LtSImm(BrCmpImm {
                a: 15,
                imm: 16,
                target: 17,
            }),
            Instr::Br { target: 18 },
            Instr::I32AddImmBrNeImm(AddImmBr {
                dst: 19,
                a: 20,
                add: 1,
                imm: 21,
                target: 22,
            }),
            Instr::Copy2 {
                dst: 23,
                a: 24,
                b: 25
            },
            Instr::Return1 { src: 26 },
            Instr::ConsumeFuel { amount: 27 },
            Instr::Return,
        ]
    }

    #[test]
    fn slots_are_visited_as_the_visitor_does() {
        let mut table = KindTable::default();
        // Twice: once learning, once from the table.
        for _ in 0..2 {
            for instr in samples() {
                let (mut by_table, mut by_visitor) = (instr, instr);
                let mut seen = Vec::new();
                table.for_each_slot_mut(&mut by_table, |s| {
                    seen.push(*s);
                    *s += 1000;
                });
                let mut expected = Vec::new();
                by_visitor.for_each_slot_mut(|s| {
                    expected.push(*s);
                    *s += 1000;
                });
                assert_eq!(seen, expected, "{instr:?}");
                assert_eq!(by_table, by_visitor, "{instr:?}");
            }
        }
    }

    #[test]
    fn branch_targets_are_read_as_the_instruction_gives_them() {
        let mut table = KindTable::default();
        for _ in 0..2 {
            for instr in samples() {
                assert_eq!(
                    table.branch_target(&instr),
                    instr.branch_target(),
                    "{instr:?}"
                );
            }
        }
        // Both a plain branch and a superinstruction's target were seen.
        assert!(samples().iter().any(|i| matches!(i, Instr::Br { .. })));
        assert!(
            samples()
                .iter()
                .any(|i| i.is_fused() && i.branch_target().is_some())
        );
    }

    #[test]
    fn only_plain_kinds_are_checked_from_the_table() {
        let mut table = KindTable::default();
        for instr in samples() {
            let plain = table.check(&instr, 1 << 20, 1 << 20) == Checked::Plain;
            // A superinstruction (narrow slots) and a span.
            let special = matches!(instr, Instr::I32AddImmBrNeImm(_) | Instr::Copy2 { .. });
            assert_eq!(plain, !special, "{instr:?}");
        }
        let load = samples()[3];
        assert_eq!(table.check(&load, 10, 100), Checked::SlotOutside);
        assert_eq!(table.check(&load, 11, 100), Checked::Plain);
        let branch = samples()[5];
        assert_eq!(table.check(&branch, 100, 17), Checked::TargetOutside);
        assert_eq!(table.check(&branch, 100, 18), Checked::Plain);
    }
}
