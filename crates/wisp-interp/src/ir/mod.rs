//! wisp's internal code: what validated function bodies are translated into.
//!
//! A register-style ("slot") code: each function runs in a frame of 64-bit
//! slots on the value stack, and every instruction names the slots it reads
//! and writes, so no value is pushed or popped at run time. Branch targets
//! are absolute instruction indices. See `docs/bytecode.md` for the frame
//! layout, how control flow is lowered, and where fuel is charged.
//!
//! - [`instr`]: the [`Instr`] enum, grouped by instruction family;
//! - [`operands`]: the operand records shared by families (`Bin`, `Load`, ...);
//! - [`cmp`]: integer comparisons as data, for compare-and-branch fusion;
//! - [`visit`]: a visitor over the slot operands of an instruction;
//! - [`kinds`]: where each kind keeps its slots and target, learned once
//!   per kind, for the passes over every instruction;
//! - [`offsets`]: the compressed module offsets of the instructions, for
//!   trap backtraces;
//! - [`verify`]: the structural check every function passes before it can
//!   run (the executor's unchecked accesses rely on it).

mod cmp;
mod instr;
#[expect(
    unsafe_code,
    reason = "reads an instruction's tag and the u32 fields its kind was seen to have"
)]
mod kinds;
mod offsets;
mod operands;
mod verify;
mod visit;

pub use cmp::{Cmp, Compare, IntWidth, Rhs};
pub use instr::Instr;
pub use kinds::{KIND_COUNT, KindTable};
pub use offsets::OffsetTable;
pub use operands::{
    AddBr, AddImm2, AddImmBr, AddImmCopy, AddImmLoad, AddImmStore, AddLoad, AndImmBr, AndImmBrImm,
    Bin, BinBin, BinBinImm, BinImm, BinImmBin, BrCmp, BrCmpImm, CmpBr, CmpImmSelect, CmpSelect,
    Load, LoadBr, LoadLoad, LoadStore, ShlAddLoad, Slot, Slot16, Store, StoreAdd, StoreImm,
    StoreImmAdd, Target, Un,
};
pub use verify::VerifyError;

use alloc::boxed::Box;

/// One instruction as the executor reads it: the address of the handler
/// that executes it, then the instruction (direct threading).
///
/// The threaded executor (`exec/threaded.rs`) ends each handler with a jump
/// to the address in the next record, instead of looking the next
/// instruction's tag up in a table: one dependent load fewer per
/// instruction executed (the tag load, the table address and the table
/// load become one load). [`CompiledFunc::new`] fills the address in from
/// the instruction's tag and whether its code is metered; builds without
/// the threaded executor store 0 and dispatch on the tag. 24 bytes: the
/// handler at an 8-byte boundary, the 16-byte [`Instr`] after it.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub(crate) struct ThreadedInstr {
    /// The handler's address (see [`crate::exec::HandlerAddresses`]); never
    /// changes once the record is built.
    pub(crate) handler: usize,
    pub(crate) instr: Instr,
}

/// A translated function body, ready to execute.
///
/// # Validity
/// The only constructor, [`CompiledFunc::new`], runs the structural check of
/// [`verify`] on the code, and the fields cannot change afterwards. So every
/// `CompiledFunc` has code that ends in a terminator, branches only to its
/// own instructions, names only slots below [`max_slots`](Self::max_slots)
/// and has every trailing word in place. It also appends a sentinel
/// `Trap(Unreachable)` after the last instruction, never reached by verified
/// code: reading one instruction past any instruction of the code (the
/// next one, a trailing word, the second half of a superinstruction, even
/// past a terminator) stays within the stored instructions. The executor
/// relies on this to read instructions and slots without bounds checks.
#[derive(Debug, Clone)]
pub struct CompiledFunc {
    /// The instructions and their handlers, then the sentinel.
    code: Box<[ThreadedInstr]>,
    /// Whether the code charges fuel (and its handlers are the metered
    /// ones): the engine's `consume_fuel` when it was translated.
    metered: bool,
    num_params: u32,
    num_results: u32,
    num_locals: u32,
    /// What a call writes above the parameters (see [`frame_image`](Self::frame_image)).
    frame_image: Box<[u64]>,
    num_consts: u32,
    const_base: u32,
    max_slots: u32,
    /// The byte offset in the module binary of the operator each
    /// instruction came from: empty, unless the function was translated
    /// for them (`translate::offsets_of`).
    offsets: OffsetTable,
}

impl CompiledFunc {
    /// A function of `code` running in a frame of `max_slots` slots: the
    /// parameters, `num_locals` declared locals, `consts` written to the
    /// constant slots starting at `const_base`, then the operand stack.
    ///
    /// Fails if the code does not pass the structural check (see [`verify`]),
    /// if the constant slots do not fit in the frame or the locals overlap
    /// them, or if the results do not fit in the frame.
    /// The code is copied once, into a buffer that also holds the sentinel,
    /// each instruction beside its handler for `metered` code.
    /// `kinds` is what the translator has learned of instruction kinds (see
    /// [`KindTable`]), kept from one function to the next.
    #[expect(
        clippy::too_many_arguments,
        reason = "one caller, the translator: the code, the frame's shape and the kind table"
    )]
    pub fn new(
        code: &[Instr],
        metered: bool,
        num_params: u32,
        num_results: u32,
        num_locals: u32,
        consts: &[u64],
        const_base: u32,
        max_slots: u32,
        kinds: &mut KindTable,
    ) -> Result<Self, VerifyError> {
        let frame = |what| Err(VerifyError { at: 0, what });
        let locals_end = u64::from(num_params) + u64::from(num_locals);
        if locals_end > u64::from(const_base)
            || u64::from(const_base) + consts.len() as u64 > u64::from(max_slots)
        {
            return frame("locals or constant slots outside the frame");
        }
        if num_results > max_slots {
            return frame("results outside the frame");
        }
        verify::verify(code, max_slots, kinds)?;
        let frame_image =
            build_frame_image(num_params, consts, const_base).map_err(|_| VerifyError {
                at: 0,
                what: "out of memory",
            })?;
        // The frame holds its padded image, so that a call copies whole
        // blocks without checking them against the frame's end (at most
        // `FRAME_IMAGE_SLOTS - 1` slots more than the code names).
        let max_slots = max_slots.max(num_params.saturating_add(frame_image.len() as u32));
        // The sentinel: a `Trap` after the last instruction (see `Validity`).
        let mut with_sentinel = alloc::vec::Vec::new();
        with_sentinel
            .try_reserve_exact(code.len() + 1)
            .map_err(|_| VerifyError {
                at: 0,
                what: "out of memory",
            })?;
        let handlers = crate::exec::HandlerAddresses::new(metered);
        let threaded = |instr: &Instr| ThreadedInstr {
            handler: handlers.of(instr.tag()),
            instr: *instr,
        };
        with_sentinel.extend(code.iter().map(threaded));
        with_sentinel.push(threaded(&Instr::Trap(wisp_core::TrapCode::Unreachable)));
        Ok(Self {
            code: with_sentinel.into_boxed_slice(),
            metered,
            num_params,
            num_results,
            num_locals,
            frame_image,
            num_consts: consts.len() as u32,
            const_base,
            max_slots,
            offsets: OffsetTable::default(),
        })
    }

    /// Records the module offsets of the operators the instructions were
    /// translated from (for trap reports).
    pub fn with_offsets(mut self, offsets: OffsetTable) -> Self {
        self.offsets = offsets;
        self
    }

    /// The module offset of the operator instruction `pc` came from.
    pub fn wasm_offset(&self, pc: usize) -> Option<u32> {
        self.offsets.lookup(pc)
    }

    /// The instructions, in order (their number is the iterator's `len`);
    /// execution starts at the first (index 0).
    pub fn instrs(&self) -> impl ExactSizeIterator<Item = Instr> + '_ {
        self.records().iter().map(|op| op.instr)
    }

    /// Whether the code charges fuel (it was translated by an engine that
    /// consumes fuel), and its handlers are the metered ones.
    #[inline]
    pub fn is_metered(&self) -> bool {
        self.metered
    }

    /// Whether `pc` is where an instruction starts (not a trailing word,
    /// not past the end): the check a frame position from outside (a
    /// checkpoint) must pass before it runs.
    pub(crate) fn is_instruction_start(&self, pc: usize) -> bool {
        verify::is_instruction_start(self.instrs(), pc)
    }

    /// The instruction records without the sentinel.
    fn records(&self) -> &[ThreadedInstr] {
        self.code.split_last().map_or(&[], |(_, code)| code)
    }

    /// The instruction records followed by the sentinel `Trap` (see
    /// `Validity`): what the executor runs.
    #[inline]
    pub(crate) fn code_with_sentinel(&self) -> &[ThreadedInstr] {
        &self.code
    }

    /// Number of parameters (they occupy frame slots `0..num_params`).
    #[inline]
    pub fn num_params(&self) -> u32 {
        self.num_params
    }

    /// Number of results (returned in frame slots `0..num_results`).
    #[inline]
    pub fn num_results(&self) -> u32 {
        self.num_results
    }

    /// Number of declared locals (slots `num_params..num_params + num_locals`,
    /// zeroed on entry).
    #[inline]
    pub fn num_locals(&self) -> u32 {
        self.num_locals
    }

    /// Constants used as operands: written to slots
    /// `const_base..const_base + consts.len()` on entry, read like locals.
    #[inline]
    pub fn consts(&self) -> &[u64] {
        let start = (self.const_base - self.num_params) as usize;
        self.frame_image
            .get(start..start + self.num_consts as usize)
            .unwrap_or_default()
    }

    /// What a call writes to the frame's slots from `num_params` on: zeros
    /// for the declared locals (and any slots before the constants), then
    /// the constants; padded with zeros to a multiple of
    /// [`FRAME_IMAGE_SLOTS`], so that a call writes it in blocks of a
    /// constant length (and a function with neither locals nor constants
    /// costs no memory for it). The frame holds all of it:
    /// `num_params + frame_image().len() <= max_slots()`.
    #[inline]
    pub(crate) fn frame_image(&self) -> &[u64] {
        &self.frame_image
    }

    /// First constant slot (right after the declared locals; the operand
    /// stack follows the constants).
    #[inline]
    pub fn const_base(&self) -> u32 {
        self.const_base
    }

    /// Total frame size in slots: parameters, locals, the deepest operand
    /// stack and the constant slots (at least `num_results`).
    #[inline]
    pub fn max_slots(&self) -> u32 {
        self.max_slots
    }
}

/// The block length to a multiple of which [`CompiledFunc::frame_image`] is
/// padded.
pub(crate) const FRAME_IMAGE_SLOTS: usize = 4;

/// The frame image of a function (see [`CompiledFunc::frame_image`]); the
/// caller has checked that locals and constants fit the frame.
fn build_frame_image(
    num_params: u32,
    consts: &[u64],
    const_base: u32,
) -> Result<Box<[u64]>, alloc::collections::TryReserveError> {
    let const_start = (const_base - num_params) as usize;
    let len = const_start + consts.len();
    let padded = len.next_multiple_of(FRAME_IMAGE_SLOTS);
    let mut image = alloc::vec::Vec::new();
    image.try_reserve_exact(padded)?;
    image.resize(padded, 0);
    image[const_start..len].copy_from_slice(consts);
    Ok(image.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instr_is_16_bytes() {
        assert!(core::mem::size_of::<Instr>() <= 16);
        assert_eq!(core::mem::align_of::<Instr>(), 4);
    }

    #[test]
    fn the_frame_holds_its_padded_image() {
        // One parameter, one local, one constant: the image is the local
        // and the constant, padded to a block (4 slots), so slots 1..5,
        // past the 3 slots the code needs.
        let code = [Instr::Return];
        let f = CompiledFunc::new(&code, false, 1, 0, 1, &[7], 2, 3, &mut KindTable::default())
            .expect("a valid function");
        assert_eq!(f.frame_image(), &[0, 7, 0, 0]);
        assert_eq!(f.max_slots(), 5);
        // A frame larger than the image keeps its size.
        let f = CompiledFunc::new(&code, false, 1, 0, 1, &[7], 2, 9, &mut KindTable::default())
            .expect("a valid function");
        assert_eq!(f.max_slots(), 9);
    }

    #[test]
    fn a_threaded_instruction_is_24_bytes() {
        assert_eq!(core::mem::size_of::<ThreadedInstr>(), 24);
        assert_eq!(core::mem::align_of::<ThreadedInstr>(), 8);
    }
}
