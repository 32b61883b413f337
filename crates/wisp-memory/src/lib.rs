//! WebAssembly linear memory: flat while it runs, paged for copy-on-write
//! snapshots, dirty-page tracking and lazily fetched pages.
//!
//! # Two representations
//! A [`Memory`] is either *flat* or *paged*:
//!
//! - **Flat**: one contiguous zeroed buffer (the private `flat` module). A load
//!   or store is one bounds compare and the access, as in wasmi or wasm3.
//!   [`Memory::new`] starts flat when the initial size is at most
//!   [`FLAT_MAX_PAGES`] (1 GiB) and the buffer can be allocated; `grow`
//!   reallocates it (amortised doubling, one copy per doubling), and turns
//!   the memory paged instead if it would pass that size or the allocator
//!   refuses the buffer.
//!   A snapshot of a flat memory copies its non-zero pages, and the memory
//!   stays flat, so a process that is checkpointed now and then keeps its
//!   speed. Every page of a flat memory counts as resident.
//! - **Paged**: the table of pages described below. [`Memory::new_paged`]
//!   starts paged, as does [`Memory::new`] for a larger initial size and
//!   [`Memory::new_lazy`]; a flat memory turns paged (for good) when a
//!   snapshot is *restored* into it, since restores are what the page table
//!   makes cheap (a fuzzing loop resets in time proportional to the pages
//!   it dirtied).
//!
//! Both answer every operation the same way; only costs differ. The rest of
//! these docs describe the paged representation.
//!
//! A paged memory is a table of 64 KiB pages that are allocated on first write:
//!
//! - Pages never written cost no RAM and read as zeros without allocating.
//!   Creating a memory of 65536 pages (4 GiB) allocates only its page table
//!   (two pointers per page, 1 MiB; once snapshots are used, 4 bytes and a
//!   bit more per page to record dirty pages).
//! - `grow` appends empty table entries; existing pages never move or copy.
//! - Every page allocation is fallible: a refused page becomes
//!   [`MemoryError::OutOfMemory`], never an abort.
//! - Every operation checks its whole range (with overflow-free `u64`
//!   arithmetic) before it writes a byte, so a failed bulk operation leaves
//!   memory unchanged, as Wasm 2.0 requires.
//!
//! # Snapshots and dirty pages
//! [`Memory::snapshot`] shares every resident page with a [`MemorySnapshot`]
//! (pages are reference counted) in O(pages) and *seals* the memory: each
//! page is read-only until its first write, which copies it on the cold path
//! (or takes it back without a copy if no snapshot holds it any more) and
//! records it as dirty. [`Memory::restore`] of the memory's *base* snapshot
//! (the last one taken or restored) then only puts back the dirty pages and
//! cuts off the pages grown since: a fuzzing loop that dirties a few pages
//! resets in time proportional to those pages, whatever the memory's size.
//! The pages such a restore removes are kept as spares (up to 64) for the
//! next round's copies, so a steady loop does not go through the allocator.
//! Any other snapshot (of this memory or of another one with the same limit)
//! is restored in O(pages) and becomes the base. Snapshots are `Send + Sync`,
//! cheap to clone, readable page by page from any thread (to write a
//! checkpoint in the background), and may outlive the memory.
//!
//! # Lazy pages
//! [`Memory::new_lazy`] creates a memory whose listed pages are *pending*:
//! they are fetched from a [`PageSource`] on first touch by any operation
//! (load, store, bulk operations, [`Memory::page`], [`Memory::snapshot`]),
//! so a checkpoint can be resumed before its memory has been read. A failed
//! fetch is [`MemoryError::PageFetch`] and leaves the page pending.
//!
//! # Fast path
//! A flat load or store of `N` bytes costs one compare (`addr` below the
//! bound the buffer keeps for width `N`, `len + 1 - N`) and the access. The paged path follows it, inlined too: the flat
//! compare of a paged memory fails at once (its buffer is empty), and that of
//! a flat memory only fails for accesses out of bounds.
//!
//! A paged load of `N` bytes that stays within one page costs a shift and a compare
//! (page index below the number of fast pages), a mask and a compare (the
//! access fits in its page; together these imply it is in bounds), one table
//! load and the read. Untouched pages point at a shared zero page, so reads
//! need no "is it allocated" test; a store instead loads the page's *write*
//! entry and tests it for null (untouched, shared or sealed). The number of
//! fast pages is the table length, except while pages are pending: then it
//! is the index of the first pending page. Accesses that straddle two pages,
//! are out of bounds, write a page that is not writable yet or touch a page
//! past the fast prefix go to a `#[cold]` path. Loads and reads take
//! `&mut self` because that cold path may have to fetch a pending page.
//!
//! # Modules
//! The flat buffer and its fast path live in the private `flat` module; the
//! page-entry representation, the reference-counted pages and the paged fast
//! path in the private `page` module. They hold the crate's only `unsafe`
//! code (see their docs for the invariants and the `extra-checks` twins). Bulk
//! operations (`read`, `write`, `fill`, `copy_within`) are in `bulk`,
//! snapshots in `snapshot`, lazy pages in `lazy` and page-level access for
//! checkpoint writers in `checkpoint`.
#![no_std]
#![deny(unsafe_code)]
// Nothing outside tests may panic on untrusted modules or guest behaviour.
// Clippy enforces the explicit forms (no unwrap/expect/panic/unreachable);
// indexing and arithmetic are kept panic-free by the validator's and the
// IR verifier's invariants instead, and exercised by the hostile-input
// suite and the fuzzers (docs/fuzzing.md).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod bulk;
mod checkpoint;
mod error;
#[expect(unsafe_code, reason = "the flat buffer and its load/store fast path")]
mod flat;
mod lazy;
#[expect(
    unsafe_code,
    reason = "the page table, shared pages and the load/store fast path"
)]
mod page;
mod snapshot;

pub use checkpoint::is_zero_page;
pub use error::{MemoryError, PageSourceError};
pub use lazy::PageSource;
pub use page::PageBytes;
pub use snapshot::MemorySnapshot;

use alloc::sync::Weak;
use flat::FlatBytes;
use page::{PAGE, PageTable};
use wisp_core::limits::MAX_MEMORY32_PAGES;

/// Size of a Wasm page in bytes.
pub const PAGE_SIZE: u64 = 65536;

// The page table and the public constant must agree.
const _: () = assert!(PAGE as u64 == PAGE_SIZE && PAGE_SIZE == wisp_core::limits::WASM_PAGE_SIZE);

/// The largest size, in pages, of a flat memory (1 GiB): [`Memory::new`]
/// starts larger memories paged, and a flat memory growing past it turns
/// paged, so that a module declaring or growing to gigabytes it barely
/// touches allocates only a page table.
pub const FLAT_MAX_PAGES: u64 = 16384;

/// Mask of the in-page offset bits of an address.
const OFFSET_MASK: u64 = PAGE_SIZE - 1;
/// Shift from an address to its page index.
const PAGE_SHIFT: u32 = PAGE_SIZE.trailing_zeros();

/// A 32-bit linear memory, flat or made of lazily allocated, copy-on-write
/// 64 KiB pages (see the crate docs).
#[derive(Debug)]
pub struct Memory {
    /// Every byte while the memory is flat (its size in bytes is then
    /// `flat.len()`); empty while paged. First, with the table, for the
    /// fast path.
    flat: FlatBytes,
    /// The pages while the memory is paged (its size in bytes is then
    /// `pages.len() * PAGE_SIZE`, at most 4 GiB); empty while flat.
    pages: PageTable,
    /// Whether the memory is paged; flat otherwise.
    paged: bool,
    /// The declared maximum in pages, if any.
    max_pages: Option<u64>,
    /// The snapshot the dirty pages are counted from: the last one taken or
    /// restored. A weak reference, so the memory never keeps a snapshot's
    /// pages alive (dropping every handle lets writes reclaim them without
    /// copying); it also keeps the snapshot's address, its identity, from
    /// being reused.
    base: Option<Weak<snapshot::SnapshotInner>>,
    /// Pages still to fetch, and their source; `None` once all are fetched.
    lazy: Option<lazy::Lazy>,
    /// Pages fetched from page sources so far.
    fetched: u64,
    /// The last page source failure, for the embedder.
    fetch_error: Option<PageSourceError>,
}

/// Counts of the page events of a memory since its creation, for tests and
/// metrics (see [`Memory::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Zeroed pages allocated for a first write.
    pub pages_zeroed: u64,
    /// Pages copied because a snapshot shared them (copy-on-write), or
    /// replaced by [`Memory::write_page`] while shared.
    pub pages_copied: u64,
    /// Pages made writable again without a copy because no snapshot held
    /// them any more.
    pub pages_reclaimed: u64,
    /// Pages fetched from a [`PageSource`].
    pub pages_fetched: u64,
}

impl Memory {
    /// Creates a memory of `initial_pages` pages that may grow to `max_pages`
    /// (65536 pages, 4 GiB, when `None`).
    ///
    /// The memory starts flat (one zeroed buffer of the initial size) if
    /// `initial_pages <= FLAT_MAX_PAGES` and the buffer can be allocated,
    /// else paged as with [`Memory::new_paged`]. Fails like `new_paged`.
    pub fn new(initial_pages: u64, max_pages: Option<u64>) -> Result<Memory, MemoryError> {
        check_limits(initial_pages, max_pages)?;
        if initial_pages <= FLAT_MAX_PAGES
            && let Ok(bytes) = usize::try_from(initial_pages << PAGE_SHIFT)
            && let Ok(flat) = FlatBytes::zeroed(bytes)
        {
            let mut memory = Memory::empty(max_pages);
            memory.flat = flat;
            memory.paged = false;
            return Ok(memory);
        }
        Memory::new_paged(initial_pages, max_pages)
    }

    /// Creates a paged memory of `initial_pages` pages that may grow to
    /// `max_pages` (65536 pages, 4 GiB, when `None`): for sparse memories,
    /// or when snapshots will be restored from the start.
    ///
    /// Only the page table is allocated. Fails with
    /// [`MemoryError::LimitExceeded`] if `initial_pages > max_pages` or either
    /// is over 65536, and with [`MemoryError::OutOfMemory`] if the page table
    /// cannot be allocated.
    pub fn new_paged(initial_pages: u64, max_pages: Option<u64>) -> Result<Memory, MemoryError> {
        check_limits(initial_pages, max_pages)?;
        let mut memory = Memory::empty(max_pages);
        // `initial_pages <= 65536`, so it fits in `usize` on every target with
        // at least 32-bit pointers; on smaller ones the table cannot exist.
        let initial = usize::try_from(initial_pages).map_err(|_| MemoryError::OutOfMemory)?;
        memory.pages.grow(initial, initial)?;
        Ok(memory)
    }

    /// A paged memory of no pages.
    fn empty(max_pages: Option<u64>) -> Memory {
        Memory {
            flat: FlatBytes::empty(),
            pages: PageTable::new(),
            paged: true,
            max_pages,
            base: None,
            lazy: None,
            fetched: 0,
            fetch_error: None,
        }
    }

    /// Current size in pages.
    #[inline]
    pub fn size_pages(&self) -> u64 {
        if self.paged {
            self.pages.len() as u64
        } else {
            (self.flat.len() >> PAGE_SHIFT) as u64
        }
    }

    /// Whether the memory is flat (one contiguous buffer) rather than paged;
    /// see the crate docs.
    #[inline]
    pub fn is_flat(&self) -> bool {
        !self.paged
    }

    /// Current size in bytes.
    #[inline]
    pub fn size_bytes(&self) -> u64 {
        self.size_pages() << PAGE_SHIFT
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

    /// Number of pages whose bytes are actually allocated (pending pages are
    /// not, until fetched): every page of a flat memory.
    #[inline]
    pub fn resident_pages(&self) -> usize {
        if self.paged {
            self.pages.resident()
        } else {
            self.flat.len() >> PAGE_SHIFT
        }
    }

    /// Bytes allocated for the memory's contents: the flat buffer's capacity,
    /// or the resident pages of a paged memory (its table not included).
    pub fn allocated_bytes(&self) -> usize {
        if self.paged {
            self.pages.resident() * PAGE
        } else {
            self.flat.capacity()
        }
    }

    /// Number of pages written (made writable, zeroed or replaced) since the
    /// base snapshot, the last one taken or restored; zero while there has
    /// been none. Each page counts once; a page counts even if an operation
    /// that made it writable then failed. This is the work a
    /// [`Memory::restore`] of the base snapshot does, besides cutting off
    /// pages grown since. Always zero while the memory is flat (a flat memory
    /// does not track writes; restoring into it costs O(pages)).
    #[inline]
    pub fn dirty_pages(&self) -> usize {
        self.pages.dirty_count()
    }

    /// Number of leading pages that loads and stores may access on the fast
    /// path: the size in pages, or while pages are pending, the index of the
    /// first pending page. A diagnostic, for tests and metrics.
    #[inline]
    pub fn fast_pages(&self) -> u64 {
        if self.paged {
            self.pages.fast_len() as u64
        } else {
            self.size_pages()
        }
    }

    /// Number of spare pages: pages a restore of the base snapshot removed
    /// and kept (at most 64, 4 MiB) so that the next writes reuse them
    /// instead of allocating. They are not resident and hold no contents.
    #[inline]
    pub fn spare_pages(&self) -> usize {
        self.pages.spare()
    }

    /// Frees the spare pages (see [`Memory::spare_pages`]), e.g. when a
    /// fuzzing loop ends. A full restore frees them too.
    pub fn trim(&mut self) {
        self.pages.trim();
    }

    /// Counts of page events since creation.
    pub fn stats(&self) -> MemoryStats {
        let counters = self.pages.counters();
        MemoryStats {
            pages_zeroed: counters.zeroed,
            pages_copied: counters.copied,
            pages_reclaimed: counters.reclaimed,
            pages_fetched: self.fetched,
        }
    }

    /// Grows the memory by `delta_pages` zero pages, as `memory.grow` does.
    ///
    /// Returns the old size in pages, or `None` (Wasm's `-1`) if the new size
    /// would exceed the maximum or the page table cannot be grown. New pages
    /// are not allocated until written, and are never pending. `grow(0)`
    /// returns the current size.
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
        // Amortise repeated small grows (doubling), but never reserve space
        // beyond what the limit allows.
        let goal = old.saturating_mul(2).clamp(new, limit);
        let goal = usize::try_from(goal).ok()?;
        if !self.paged {
            if new <= FLAT_MAX_PAGES && self.grow_flat(new, goal as u64).is_ok() {
                return Some(old);
            }
            // Too large to keep flat, or refused: go on paged.
            self.make_paged().ok()?;
        }
        self.pages.grow(delta, goal).ok()?;
        Some(old)
    }

    /// Grows the flat buffer to `new` pages (at most [`FLAT_MAX_PAGES`]),
    /// reserving up to `goal` pages; if that is refused, to exactly `new`.
    fn grow_flat(&mut self, new: u64, goal: u64) -> Result<(), MemoryError> {
        let bytes = |pages: u64| usize::try_from(pages << PAGE_SHIFT);
        let new_bytes = bytes(new).map_err(|_| MemoryError::OutOfMemory)?;
        let goal_bytes = bytes(goal.min(FLAT_MAX_PAGES)).unwrap_or(new_bytes);
        self.flat
            .grow_to(new_bytes, goal_bytes)
            .or_else(|_| self.flat.grow_to(new_bytes, new_bytes))
    }

    /// Turns a flat memory paged: its non-zero pages are copied into a page
    /// table and the buffer is freed. On `OutOfMemory` nothing changed. A
    /// snapshot taken while flat stays the base, but restoring it costs
    /// O(pages), as the table does not know which pages changed since.
    fn make_paged(&mut self) -> Result<(), MemoryError> {
        self.pages = PageTable::from_pages(self.flat_page_copies()?)?;
        self.flat.free();
        self.paged = true;
        Ok(())
    }

    /// Checks that `[addr, addr + len)` lies within the memory.
    #[inline]
    fn check_range(&self, addr: u64, len: u64) -> Result<(), MemoryError> {
        match addr.checked_add(len) {
            Some(end) if end <= self.size_bytes() => Ok(()),
            _ => Err(MemoryError::out_of_bounds()),
        }
    }

    /// Loads `N` bytes at `addr` if that needs no work: the access lies
    /// within one page of the fast prefix. `None` (which may still be an
    /// access in bounds) sends the caller to [`Memory::load`].
    #[inline(always)]
    pub fn load_fast<const N: usize>(&self, addr: u64) -> Option<[u8; N]> {
        // The one empty representation declines at its first compare.
        match self.flat.load::<N>(addr) {
            Some(bytes) => Some(bytes),
            None => self.pages.load::<N>(addr),
        }
    }

    /// Loads `N` bytes at `addr` (little-endian order is the caller's).
    ///
    /// Fails with [`MemoryError::OutOfBounds`] unless `addr + N <= size_bytes()`,
    /// or with [`MemoryError::PageFetch`] if a pending page cannot be
    /// fetched. Takes `&mut self` only for that fetch: the fast path reads.
    #[inline(always)]
    pub fn load<const N: usize>(&mut self, addr: u64) -> Result<[u8; N], MemoryError> {
        match self.load_fast::<N>(addr) {
            Some(bytes) => Ok(bytes),
            None => self.load_slow(addr),
        }
    }

    /// Loads across a page boundary or from a page past the fast prefix
    /// (fetching it if pending), or fails out of bounds.
    #[cold]
    #[inline(never)]
    fn load_slow<const N: usize>(&mut self, addr: u64) -> Result<[u8; N], MemoryError> {
        self.check_range(addr, N as u64)?;
        self.materialize(addr, N as u64)?;
        let mut out = [0u8; N];
        self.read_in_bounds(addr, &mut out);
        Ok(out)
    }

    /// Stores `bytes` at `addr` if that needs no work: the access lies
    /// within one page of the fast prefix that is already writable.
    /// `false` (nothing stored) sends the caller to [`Memory::store`].
    #[inline(always)]
    pub fn store_fast<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> bool {
        self.flat.store::<N>(addr, bytes) || self.pages.store::<N>(addr, bytes)
    }

    /// Stores `bytes` at `addr`.
    ///
    /// Fails with [`MemoryError::OutOfBounds`] unless `addr + N <= size_bytes()`,
    /// with [`MemoryError::OutOfMemory`] if a page cannot be allocated or
    /// copied, or with [`MemoryError::PageFetch`] if a pending page cannot be
    /// fetched; in every case memory is unchanged.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> Result<(), MemoryError> {
        if self.store_fast::<N>(addr, bytes) {
            return Ok(());
        }
        self.store_slow(addr, bytes)
    }

    /// Stores across a page boundary, into a page that must be allocated,
    /// copied or fetched first, or fails out of bounds. Takes the bytes by
    /// value so that the fast path never spills them to memory for this call.
    #[cold]
    #[inline(never)]
    fn store_slow<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> Result<(), MemoryError> {
        self.check_range(addr, N as u64)?;
        self.materialize(addr, N as u64)?;
        self.write_in_bounds(addr, &bytes)
    }
}

/// Checks a memory's limits: the maximum (if any) and the initial size are
/// at most 65536 pages, and the initial size is at most the maximum.
fn check_limits(initial_pages: u64, max_pages: Option<u64>) -> Result<(), MemoryError> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        // Loads return `Result<[u8; N], MemoryError>`; keep it a few words.
        assert!(core::mem::size_of::<MemoryError>() <= 24);
    }

    #[test]
    fn memory_and_snapshots_are_thread_safe() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Memory>();
        send_sync::<MemorySnapshot>();
    }
}
