//! `MemoryError`: why a linear-memory operation failed, and its trap mapping.

use wisp_core::TrapCode;

/// Why a memory operation failed.
///
/// Every operation checks its whole range before it changes anything, so an
/// error always means memory is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// The accessed range does not lie within the memory's current size
    /// (including `addr + len` overflowing).
    #[error("out of bounds memory access")]
    OutOfBounds,
    /// The host allocator refused a page or the page table.
    #[error("out of memory")]
    OutOfMemory,
    /// A size in pages is over the memory's maximum (declared or the 4 GiB
    /// limit of 32-bit memories).
    #[error("memory size of {requested} pages exceeds the limit of {limit} pages")]
    LimitExceeded {
        /// The size that was asked for, in pages.
        requested: u64,
        /// The limit in force, in pages.
        limit: u64,
    },
}

impl MemoryError {
    /// The error for an access outside the memory.
    #[cold]
    #[inline(never)]
    pub(crate) fn out_of_bounds() -> Self {
        MemoryError::OutOfBounds
    }

    /// The trap a Wasm instruction raises for this error.
    pub fn trap_code(self) -> TrapCode {
        match self {
            MemoryError::OutOfBounds => TrapCode::MemoryOutOfBounds,
            MemoryError::OutOfMemory | MemoryError::LimitExceeded { .. } => TrapCode::OutOfMemory,
        }
    }
}

impl From<MemoryError> for TrapCode {
    fn from(e: MemoryError) -> TrapCode {
        e.trap_code()
    }
}
