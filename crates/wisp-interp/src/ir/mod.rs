//! wisp's internal code: what validated function bodies are translated into.
//!
//! See `docs/architecture.md` and the `Instr` docs for the encoding.

mod instr;

pub use instr::Instr;

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
    /// Total frame size in slots: parameters, locals and the deepest operand stack.
    pub max_slots: u32,
}
