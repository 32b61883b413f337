//! The spec's trap conditions, with the exact wording of the official test suite.

/// Why execution trapped. `Display` gives the message the spec tests expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TrapCode {
    #[error("unreachable")]
    Unreachable,
    #[error("integer overflow")]
    IntegerOverflow,
    #[error("integer divide by zero")]
    IntegerDivideByZero,
    #[error("invalid conversion to integer")]
    InvalidConversionToInteger,
    #[error("out of bounds memory access")]
    MemoryOutOfBounds,
    #[error("out of bounds table access")]
    TableOutOfBounds,
    #[error("undefined element")]
    UndefinedElement,
    #[error("uninitialized element")]
    UninitializedElement,
    #[error("indirect call type mismatch")]
    IndirectCallTypeMismatch,
    #[error("call stack exhausted")]
    StackOverflow,
    #[error("out of memory: the host could not allocate a page")]
    OutOfMemory,
    /// `memory.grow` went over the embedder's page limit, and the embedder
    /// asked for a trap instead of -1 (`StoreLimits::trap_on_memory_limit`).
    #[error("memory limit exceeded")]
    MemoryLimit,
}
