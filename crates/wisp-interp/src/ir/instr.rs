//! The instruction set (placeholder, filled in by the translator work).

/// One instruction of wisp's internal code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Instr {
    /// Placeholder.
    Unreachable,
}
