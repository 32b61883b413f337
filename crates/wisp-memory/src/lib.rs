//! Paged WebAssembly linear memory.
//!
//! A [`Memory`] is a table of 64 KiB pages that are allocated on first write:
//!
//! - Pages never written cost no RAM and read as zeros without allocating.
//!   Creating a memory of 65536 pages (4 GiB) allocates only its page table
//!   (one pointer per page).
//! - `grow` appends empty table entries; existing pages never move or copy.
//! - Every allocation is fallible: a refused page becomes
//!   [`MemoryError::OutOfMemory`], never an abort.
//! - Every operation checks its whole range (with overflow-free `u64`
//!   arithmetic) before it writes a byte, so a failed bulk operation leaves
//!   memory unchanged, as Wasm 2.0 requires.
//!
//! # Fast path
//! A load or store of `N` bytes that stays within one resident page costs a
//! bounds check of `addr + N <= byte_len`, a shift for the page index, a mask
//! for the in-page offset, one table lookup and the copy. Accesses straddling
//! two pages or touching an unallocated page go to a `#[cold]` path.
//!
//! The page-entry representation lives in the private `page` module alone so
//! it can become copy-on-write (snapshots) with dirty tracking later.
//! Bulk operations (`read`, `write`, `fill`, `copy_within`) are in `bulk`.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod bulk;
mod error;
mod page;

pub use error::MemoryError;

use page::{PAGE, PageTable};
use wisp_core::limits::MAX_MEMORY32_PAGES;

/// Size of a Wasm page in bytes.
pub const PAGE_SIZE: u64 = 65536;

// The page table and the public constant must agree.
const _: () = assert!(PAGE as u64 == PAGE_SIZE && PAGE_SIZE == wisp_core::limits::WASM_PAGE_SIZE);

/// Mask of the in-page offset bits of an address.
const OFFSET_MASK: u64 = PAGE_SIZE - 1;
/// Shift from an address to its page index.
const PAGE_SHIFT: u32 = PAGE_SIZE.trailing_zeros();

/// A 32-bit linear memory made of lazily allocated 64 KiB pages.
#[derive(Debug)]
pub struct Memory {
    pages: PageTable,
    /// Current size in bytes; always `pages.len() * PAGE_SIZE` (at most 4 GiB).
    byte_len: u64,
    /// The declared maximum in pages, if any.
    max_pages: Option<u64>,
}

impl Memory {
    /// Creates a memory of `initial_pages` pages that may grow to `max_pages`
    /// (65536 pages, 4 GiB, when `None`).
    ///
    /// Only the page table is allocated. Fails with
    /// [`MemoryError::LimitExceeded`] if `initial_pages > max_pages` or either
    /// is over 65536, and with [`MemoryError::OutOfMemory`] if the page table
    /// cannot be allocated.
    pub fn new(initial_pages: u64, max_pages: Option<u64>) -> Result<Memory, MemoryError> {
        if let Some(max) = max_pages
            && max > MAX_MEMORY32_PAGES
        {
            return Err(MemoryError::LimitExceeded {
                requested: max,
                limit: MAX_MEMORY32_PAGES,
            });
        }
        let limit = max_pages.unwrap_or(MAX_MEMORY32_PAGES);
        if initial_pages > limit {
            return Err(MemoryError::LimitExceeded {
                requested: initial_pages,
                limit,
            });
        }
        let mut memory = Memory {
            pages: PageTable::new(),
            byte_len: 0,
            max_pages,
        };
        // `initial_pages <= 65536`, so it fits in `usize` on every target with
        // at least 32-bit pointers; on smaller ones the table cannot exist.
        let initial = usize::try_from(initial_pages).map_err(|_| MemoryError::OutOfMemory)?;
        memory.pages.grow(initial, initial)?;
        memory.byte_len = initial_pages * PAGE_SIZE;
        Ok(memory)
    }

    /// Current size in pages.
    #[inline]
    pub fn size_pages(&self) -> u64 {
        self.byte_len >> PAGE_SHIFT
    }

    /// Current size in bytes.
    #[inline]
    pub fn size_bytes(&self) -> u64 {
        self.byte_len
    }

    /// The declared maximum size in pages, if any.
    #[inline]
    pub fn max_pages(&self) -> Option<u64> {
        self.max_pages
    }

    /// The maximum in force: the declared one, else the 32-bit limit.
    fn limit_pages(&self) -> u64 {
        self.max_pages.unwrap_or(MAX_MEMORY32_PAGES)
    }

    /// Number of pages whose bytes are actually allocated.
    #[inline]
    pub fn resident_pages(&self) -> usize {
        self.pages.resident()
    }

    /// Grows the memory by `delta_pages` zero pages, as `memory.grow` does.
    ///
    /// Returns the old size in pages, or `None` (Wasm's `-1`) if the new size
    /// would exceed the maximum or the page table cannot be grown. New pages
    /// are not allocated until written. `grow(0)` returns the current size.
    pub fn grow(&mut self, delta_pages: u64) -> Option<u64> {
        let old = self.size_pages();
        let new = old.checked_add(delta_pages)?;
        let limit = self.limit_pages();
        if new > limit {
            return None;
        }
        if delta_pages == 0 {
            return Some(old);
        }
        let delta = usize::try_from(delta_pages).ok()?;
        // Amortise repeated small grows (doubling), but never reserve table
        // space beyond what the limit allows.
        let goal = old.saturating_mul(2).clamp(new, limit);
        let goal = usize::try_from(goal).ok()?;
        self.pages.grow(delta, goal).ok()?;
        self.byte_len = new * PAGE_SIZE;
        Some(old)
    }

    /// Checks that `[addr, addr + len)` lies within the memory.
    #[inline]
    fn check_range(&self, addr: u64, len: u64) -> Result<(), MemoryError> {
        match addr.checked_add(len) {
            Some(end) if end <= self.byte_len => Ok(()),
            _ => Err(MemoryError::out_of_bounds()),
        }
    }

    /// Loads `N` bytes at `addr` (little-endian order is the caller's).
    ///
    /// Fails with [`MemoryError::OutOfBounds`] unless `addr + N <= size_bytes()`.
    #[inline]
    pub fn load<const N: usize>(&self, addr: u64) -> Result<[u8; N], MemoryError> {
        self.check_range(addr, N as u64)?;
        // In bounds, so `addr < 2^32`: the casts below are lossless.
        let offset = (addr & OFFSET_MASK) as usize;
        if let Some(page) = self.pages.get((addr >> PAGE_SHIFT) as usize)
            && let Some(bytes) = page.get(offset..).and_then(<[u8]>::first_chunk::<N>)
        {
            return Ok(*bytes);
        }
        Ok(self.load_slow(addr))
    }

    /// Loads across a page boundary or from an untouched page. `addr` is
    /// already bounds-checked.
    #[cold]
    #[inline(never)]
    fn load_slow<const N: usize>(&self, addr: u64) -> [u8; N] {
        let mut out = [0u8; N];
        self.read_in_bounds(addr, &mut out);
        out
    }

    /// Stores `bytes` at `addr`.
    ///
    /// Fails with [`MemoryError::OutOfBounds`] unless `addr + N <= size_bytes()`,
    /// or with [`MemoryError::OutOfMemory`] if a page cannot be allocated; in
    /// both cases memory is unchanged.
    #[inline]
    pub fn store<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> Result<(), MemoryError> {
        self.check_range(addr, N as u64)?;
        let offset = (addr & OFFSET_MASK) as usize;
        if let Some(page) = self.pages.get_mut((addr >> PAGE_SHIFT) as usize)
            && let Some(slot) = page
                .get_mut(offset..)
                .and_then(<[u8]>::first_chunk_mut::<N>)
        {
            *slot = bytes;
            return Ok(());
        }
        self.store_slow(addr, &bytes)
    }

    /// Stores across a page boundary or into a page that must be allocated
    /// first. `addr` is already bounds-checked.
    #[cold]
    #[inline(never)]
    fn store_slow(&mut self, addr: u64, bytes: &[u8]) -> Result<(), MemoryError> {
        self.write_in_bounds(addr, bytes)
    }
}
