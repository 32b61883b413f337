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
//! - [`visit`]: a visitor over the slot operands of an instruction.

mod cmp;
mod instr;
mod operands;
mod visit;

pub use cmp::{Cmp, Compare, IntWidth, Rhs};
pub use instr::Instr;
pub use operands::{
    Bin, BinImm, BrCmp, BrCmpImm, Load, Slot, Store, StoreAdd, StoreImm, StoreImmAdd, Target, Un,
};

use alloc::boxed::Box;

/// A translated function body, ready to execute.
#[derive(Debug, Clone)]
pub struct CompiledFunc {
    /// The instructions; execution starts at index 0.
    pub code: Box<[Instr]>,
    /// Number of parameters (they occupy frame slots `0..num_params`).
    pub num_params: u32,
    /// Number of results (returned in frame slots `0..num_results`).
    pub num_results: u32,
    /// Number of declared locals (slots `num_params..num_params + num_locals`, zeroed on entry).
    pub num_locals: u32,
    /// Constants used as operands: written to slots
    /// `const_base..const_base + consts.len()` on entry, read like locals.
    pub consts: Box<[u64]>,
    /// First constant slot (right after the declared locals; the operand
    /// stack follows the constants).
    pub const_base: u32,
    /// Total frame size in slots: parameters, locals, the deepest operand
    /// stack and the constant slots (at least `num_results`).
    pub max_slots: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instr_is_16_bytes() {
        assert!(core::mem::size_of::<Instr>() <= 16);
        assert_eq!(core::mem::align_of::<Instr>(), 4);
    }
}
