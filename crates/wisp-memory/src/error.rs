//! `MemoryError`: why a linear-memory operation failed, and its trap mapping;
//! `PageSourceError`: why a lazy page source could not deliver a page.

use alloc::string::String;
use wisp_core::TrapCode;

/// Why a memory operation failed.
///
/// Every operation checks its whole range before it changes anything, so an
/// error always means memory is unchanged (its contents as Wasm sees them:
/// pages fetched or copied on the way may have become resident).
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
    /// A lazily restored page could not be fetched from its
    /// [`PageSource`](crate::PageSource); the page stays pending and the
    /// source's error is kept (see `Memory::take_fetch_error`).
    #[error("page {page} could not be fetched from its page source")]
    PageFetch {
        /// Index of the page.
        page: u64,
    },
    /// A read that may not fetch ([`Memory::read_without_fetch`](crate::Memory::read_without_fetch))
    /// touched a page that is still pending.
    #[error("page {page} has not been fetched yet")]
    PagePending {
        /// Index of the page.
        page: u64,
    },
    /// A snapshot cannot be restored into this memory because their size
    /// limits (declared maximum, or 65536 pages) differ.
    #[error(
        "snapshot with a limit of {snapshot_limit} pages restored into a memory limited to {memory_limit} pages"
    )]
    SnapshotMismatch {
        /// The snapshot's limit in pages.
        snapshot_limit: u64,
        /// The memory's limit in pages.
        memory_limit: u64,
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
    ///
    /// A failed page fetch traps as [`TrapCode::OutOfMemory`]: like a refused
    /// allocation, the host could not provide the page's bytes, and the guest
    /// cannot tell the two apart. The detail stays with the memory
    /// (`Memory::take_fetch_error`) for the embedder.
    pub fn trap_code(self) -> TrapCode {
        match self {
            MemoryError::OutOfBounds => TrapCode::MemoryOutOfBounds,
            MemoryError::OutOfMemory
            | MemoryError::LimitExceeded { .. }
            | MemoryError::PageFetch { .. }
            | MemoryError::PagePending { .. }
            | MemoryError::SnapshotMismatch { .. } => TrapCode::OutOfMemory,
        }
    }
}

impl From<MemoryError> for TrapCode {
    fn from(e: MemoryError) -> TrapCode {
        e.trap_code()
    }
}

/// Why a [`PageSource`](crate::PageSource) could not deliver a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageSourceError {
    /// Reading the page's bytes failed (file, network, ...).
    #[error("page source i/o error: {0}")]
    Io(String),
    /// The bytes were read but failed verification (checksum, hash, size).
    #[error("page source integrity error: {0}")]
    Integrity(String),
    /// Any other failure.
    #[error("page source error: {0}")]
    Other(String),
}
