//! The page table: one entry per 64 KiB Wasm page, the copy-on-write and
//! dirty-page bookkeeping, and the load/store fast path that reads it. This
//! module (with its `shared` and `exclusive` submodules) holds all of the
//! crate's `unsafe` code.
//!
//! # Representation
//! Each page has two entries, kept in two parallel arrays:
//!
//! - a **read entry**, always a valid pointer to 64 KiB: the shared, immutable
//!   [`ZERO_PAGE`] for a page never written (it reads as zeros), or a heap
//!   page of which this table holds one reference ([`PageRef`], counted);
//! - a **write entry**: the same pointer when the table is the page's only
//!   holder and the page was made writable since the last snapshot, else
//!   null (`None`).
//!
//! Loads follow the read entry without asking what it is. Stores follow the
//! write entry and go to the cold path when it is null: the page is untouched
//! (allocate it), shared with a snapshot (copy it, or take it back without a
//! copy if the snapshot has let go of it), or sealed by the last snapshot.
//! That cold path ([`PageTable::make_writable`]) is also where a page is
//! recorded as *dirty* (see below), so dirty tracking costs the fast path
//! nothing: once tracking has started, a page is writable only if it is in
//! the dirty list.
//!
//! Why two arrays rather than one tagged pointer: a tag bit would have to be
//! masked off on every load (one more instruction on the hottest path), and a
//! separate "writable" bitmap would cost stores a second table load. With two
//! arrays a load is exactly one table load and a store one table load and one
//! null test, the same as when pages were never shared. The price is 8 more
//! bytes of table per page (16 bytes per page, 1 MiB for a 4 GiB memory).
//!
//! # Dirty pages
//! The table records, once each, the pages whose entries changed since the
//! last [`PageTable::snapshot_pages`] (or full [`PageTable::replace_all`]):
//! pages made writable, decommitted (zeroed and freed) or overwritten. Every
//! other entry below the snapshot's length still holds exactly the
//! snapshot's page, which is what lets [`PageTable::reset_to`] restore a
//! snapshot by touching only the dirty pages and the pages grown since.
//! Tracking starts with the first snapshot: until then there is nothing to
//! restore, and a table that is never snapshotted does not pay for the dirty
//! list (4 bytes and a bit per page: 264 KiB for 4 GiB).
//!
//! # Spare pages
//! A fuzzing loop dirties the same few pages and restores its base over and
//! over, so each round frees its page copies and allocates them again. With
//! the system allocator, freeing 64 KiB blocks returns them to the kernel
//! and the next round pays a page fault per 4 KiB (measured: 64 dirty pages
//! cost 240 us to reset and 1.6 ms to dirty again, against 3 us and 0.2 ms
//! when the pages are kept). So [`PageTable::reset_to`] keeps the pages it
//! removes as *spares* (up to [`SPARE_LIMIT`], only pages this table was the
//! last holder of), and the next page allocation or copy reuses one.
//! Spares are freed by [`PageTable::trim`], a full restore, or drop.
//!
//! # Fast path
//! [`PageTable::load`] and [`PageTable::store`] handle an access of `N`
//! bytes at `addr` with one test for "page index below `fast_len`" and one
//! for "`N` bytes fit in the page"; together they imply that the access is
//! in bounds. `fast_len` equals the table length except while a lazily
//! restored memory still has pages to fetch (the crate's `lazy` module): it
//! then stops at the first such page, so everything at or after it takes the
//! caller's cold path, which fetches and proceeds. Then: one table load
//! (stores: one null test) and the access. Everything else (out of bounds,
//! straddling two pages, a page not writable yet) returns `None`/`false` to
//! the caller's cold path.
//!
//! # Checked twin
//! With `cfg(test)` or the `extra-checks` feature, the table lookups of the
//! fast path are bounds-checked and a store checks that its write entry
//! equals the read entry (a broken invariant panics instead of reading or
//! writing out of bounds); the integration tests and benchmarks run the
//! unchecked lookups.
//!
//! # Note
//! Allocation never aborts: pages come from [`PageRef::zeroed`] and
//! [`PageRef::copy_of`], which report allocator failure, and the table's
//! arrays grow with `try_reserve_exact`. Once tracking has started, the
//! dirty list's capacity is reserved together with the table, so recording
//! a dirty page never allocates. Growing the table moves entry pointers
//! only, never pages.

mod exclusive;
mod shared;

use alloc::vec::Vec;
use core::ptr::NonNull;

pub(crate) use exclusive::Exclusive;
pub(crate) use shared::PageRef;

use crate::MemoryError;

/// Bytes per page, as a `usize` for indexing.
pub(crate) const PAGE: usize = 65536;

/// Shift from an address to its page index.
const SHIFT: u32 = PAGE.trailing_zeros();

/// The bytes of one 64 KiB page.
pub type PageBytes = [u8; PAGE];

/// What every untouched read entry points at: 64 KiB of zeros, never written.
static ZERO_PAGE: PageBytes = [0; PAGE];

/// Most spare pages a table keeps for reuse (4 MiB).
pub(crate) const SPARE_LIMIT: usize = 64;

/// The read entry of an untouched page.
#[inline(always)]
fn zero_page() -> NonNull<PageBytes> {
    NonNull::from(&ZERO_PAGE)
}

/// Counts of the cold-path page events of one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PageCounters {
    /// Zeroed pages allocated for a first write.
    pub(crate) zeroed: u64,
    /// Shared pages copied for a write (copy-on-write).
    pub(crate) copied: u64,
    /// Pages made writable again without a copy, because no snapshot held
    /// them any more.
    pub(crate) reclaimed: u64,
}

/// The table of pages of one memory.
///
/// # Validity
/// - `read.len() == write.len() <= u32::MAX`; the memory's size in bytes is
///   `read.len() * PAGE`.
/// - Every read entry is [`zero_page()`] or a raw holder from
///   [`PageRef::into_raw`] owned by this table (released exactly once, when
///   the entry is replaced or the table dropped). `resident` counts the
///   latter.
/// - Every write entry is `None` or `Some(read entry)` of a heap page of
///   which this table is the only holder. It stays the only holder: new
///   holders are made only from the table's entries, by
///   [`PageTable::snapshot_pages`], which clears every write entry first.
/// - `fast_len <= read.len()`, so an address whose page index is below
///   `fast_len` and whose access fits in its page is in bounds.
/// - `dirty` lists distinct indices below `read.len()`, exactly those whose
///   bit is set in `dirty_bits`. If `tracking`, `dirty_bits` has a bit for
///   every index below `read.len()` and `dirty.capacity() >= read.len()`;
///   otherwise `dirty` is empty. (Memory safety does not depend on these.)
/// - `spare` holds at most [`SPARE_LIMIT`] pages that are in no entry, each
///   with this table as its only holder (safe code: `PageRef` keeps that
///   sound by itself).
pub(crate) struct PageTable {
    read: Vec<NonNull<PageBytes>>,
    write: Vec<Option<NonNull<PageBytes>>>,
    fast_len: usize,
    resident: usize,
    tracking: bool,
    dirty: Vec<u32>,
    dirty_bits: Vec<u64>,
    spare: Vec<PageRef>,
    counters: PageCounters,
}

// SAFETY: a `PageTable` owns one holder of each of its heap pages, as a
// `Vec<Option<PageRef>>` would (and `PageRef` is `Send + Sync`); it writes a
// page only as its sole holder (see "Validity"), and the zero page is an
// immutable static. Moving the table moves those holders; `&PageTable` only
// reads.
unsafe impl Send for PageTable {}
// SAFETY: as above.
unsafe impl Sync for PageTable {}

impl core::fmt::Debug for PageTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PageTable")
            .field("pages", &self.read.len())
            .field("fast_len", &self.fast_len)
            .field("resident", &self.resident)
            .field("dirty", &self.dirty.len())
            .finish()
    }
}

impl Drop for PageTable {
    fn drop(&mut self) {
        self.release_all();
    }
}

/// Releases the table's holder of a read entry just removed from the table.
///
/// # Safety
/// `page` was a read entry of a table and no longer is, and is not used
/// again (its holder is released here).
#[inline]
unsafe fn release(page: NonNull<PageBytes>) {
    if page != zero_page() {
        // SAFETY: a non-zero read entry is a holder from `PageRef::into_raw`
        // (see "Validity"); the caller guarantees it has left the table.
        drop(unsafe { PageRef::from_raw(page) });
    }
}

/// Ensures `v` can hold `len` elements without reallocating, reserving up to
/// `target` (`>= len`) if it must grow.
fn reserve_vec<T>(v: &mut Vec<T>, len: usize, target: usize) -> Result<(), MemoryError> {
    if len > v.capacity() {
        v.try_reserve_exact(target - v.len())
            .map_err(|_| MemoryError::OutOfMemory)?;
    }
    Ok(())
}

impl PageTable {
    /// An empty table (zero pages).
    pub(crate) const fn new() -> Self {
        PageTable {
            read: Vec::new(),
            write: Vec::new(),
            fast_len: 0,
            resident: 0,
            tracking: false,
            dirty: Vec::new(),
            dirty_bits: Vec::new(),
            spare: Vec::new(),
            counters: PageCounters {
                zeroed: 0,
                copied: 0,
                reclaimed: 0,
            },
        }
    }

    /// A table holding `pages` (`None` for untouched ones), each given to
    /// the table, none writable yet (the first write to each takes it back
    /// without a copy if no one else holds it) and no dirty tracking.
    pub(crate) fn from_pages(pages: Vec<Option<PageRef>>) -> Result<Self, MemoryError> {
        let mut table = PageTable::new();
        table.reserve(pages.len(), pages.len(), false)?;
        for page in pages {
            let raw = page.map_or(zero_page(), PageRef::into_raw);
            if raw != zero_page() {
                table.resident += 1;
            }
            table.read.push(raw);
            table.write.push(None);
        }
        table.fast_len = table.read.len();
        Ok(table)
    }

    /// Number of pages (resident or not).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.read.len()
    }

    /// Number of pages whose bytes are allocated.
    #[inline]
    pub(crate) fn resident(&self) -> usize {
        self.resident
    }

    /// Number of leading pages the fast path may access.
    #[inline]
    pub(crate) fn fast_len(&self) -> usize {
        self.fast_len
    }

    /// Lets the fast path access the first `n` pages (at most all of them).
    #[inline]
    pub(crate) fn set_fast_len(&mut self, n: usize) {
        self.fast_len = n.min(self.read.len());
    }

    /// Number of dirty pages (see the module docs).
    #[inline]
    pub(crate) fn dirty_count(&self) -> usize {
        self.dirty.len()
    }

    /// Number of spare pages kept for reuse.
    #[inline]
    pub(crate) fn spare(&self) -> usize {
        self.spare.len()
    }

    /// Frees the spare pages.
    pub(crate) fn trim(&mut self) {
        self.spare = Vec::new();
    }

    /// A page holding a copy of `src`, or zeros if `None`: a spare page if
    /// there is one, else a new allocation.
    fn fresh_page(&mut self, src: Option<&PageBytes>) -> Result<PageRef, MemoryError> {
        if let Some(mut page) = self.spare.pop() {
            // A spare's only holder is this table, so it is writable.
            if let Some(bytes) = page.bytes_mut() {
                match src {
                    Some(src) => bytes.copy_from_slice(src),
                    None => bytes.fill(0),
                }
                return Ok(page);
            }
        }
        match src {
            Some(src) => PageRef::copy_of(src),
            None => PageRef::zeroed(),
        }
    }

    /// Releases a page just removed from the table like [`release`], but
    /// keeps it as a spare if this table was its last holder and there is
    /// room.
    ///
    /// # Safety
    /// As for [`release`].
    unsafe fn recycle(&mut self, page: NonNull<PageBytes>) {
        if page == zero_page() {
            return;
        }
        // SAFETY: a non-zero read entry is a holder from `PageRef::into_raw`;
        // the caller guarantees it has left the table.
        let page = unsafe { PageRef::from_raw(page) };
        if self.spare.len() >= SPARE_LIMIT || !page.is_unique() {
            return; // `page` is released
        }
        // Reserve the whole pool at once, never aborting on failure.
        if self.spare.len() == self.spare.capacity()
            && self
                .spare
                .try_reserve_exact(SPARE_LIMIT - self.spare.len())
                .is_err()
        {
            return;
        }
        self.spare.push(page);
    }

    /// The cold-path event counts.
    #[inline]
    pub(crate) fn counters(&self) -> PageCounters {
        self.counters
    }

    /// Ensures every array can describe `len` pages without allocating,
    /// reserving for `goal` pages if an array must grow. On failure only
    /// capacities have changed.
    /// The dirty list is included if `tracking` (whether or not tracking is
    /// on yet).
    fn reserve(&mut self, len: usize, goal: usize, tracking: bool) -> Result<(), MemoryError> {
        if u32::try_from(len).is_err() {
            return Err(MemoryError::OutOfMemory);
        }
        let target = goal.max(len);
        reserve_vec(&mut self.read, len, target)?;
        reserve_vec(&mut self.write, len, target)?;
        if !tracking {
            return Ok(());
        }
        reserve_vec(&mut self.dirty, len, target)?;
        let words = len.div_ceil(64);
        if words > self.dirty_bits.len() {
            let target_words = target.div_ceil(64);
            reserve_vec(&mut self.dirty_bits, words, target_words)?;
            self.dirty_bits.resize(words, 0);
        }
        Ok(())
    }

    /// Appends `delta` untouched pages, reserving table space with the given
    /// capacity goal (at least `len + delta`). Existing pages are not copied.
    pub(crate) fn grow(&mut self, delta: usize, capacity_goal: usize) -> Result<(), MemoryError> {
        let old_len = self.read.len();
        let new_len = old_len.checked_add(delta).ok_or(MemoryError::OutOfMemory)?;
        self.reserve(new_len, capacity_goal, self.tracking)?;
        self.read.resize(new_len, zero_page());
        self.write.resize(new_len, None);
        // New pages are never pending a fetch: if the fast path covered every
        // page, it covers the new ones too.
        if self.fast_len == old_len {
            self.fast_len = new_len;
        }
        Ok(())
    }

    /// The read entry of page `index`, without a bounds check unless checks
    /// are on.
    ///
    /// # Safety
    /// `index < self.read.len()`.
    #[inline(always)]
    unsafe fn read_entry(&self, index: usize) -> NonNull<PageBytes> {
        #[cfg(any(test, feature = "extra-checks"))]
        {
            self.read[index]
        }
        #[cfg(not(any(test, feature = "extra-checks")))]
        {
            // SAFETY: the caller guarantees `index < self.read.len()`.
            unsafe { *self.read.get_unchecked(index) }
        }
    }

    /// The write entry of page `index`, without a bounds check unless checks
    /// are on (then it also checks that it matches the read entry).
    ///
    /// # Safety
    /// `index < self.write.len()`.
    #[inline(always)]
    unsafe fn write_entry(&self, index: usize) -> Option<NonNull<PageBytes>> {
        #[cfg(any(test, feature = "extra-checks"))]
        {
            let entry = self.write[index];
            assert!(
                entry.is_none() || entry == Some(self.read[index]),
                "write entry of page {index} differs from its read entry"
            );
            entry
        }
        #[cfg(not(any(test, feature = "extra-checks")))]
        {
            // SAFETY: the caller guarantees `index < self.write.len()`.
            unsafe { *self.write.get_unchecked(index) }
        }
    }

    /// The page index and in-page offset of `addr` if an access of `n` bytes
    /// there is within one page that the fast path may access (which implies
    /// it is in bounds).
    #[inline(always)]
    fn fast_index(&self, addr: u64, n: usize) -> Option<(usize, usize)> {
        let index = addr >> SHIFT;
        // Lossless: the mask keeps 16 bits.
        let offset = (addr as usize) & (PAGE - 1);
        // `index < fast_len` is compared in `u64`, so huge addresses are
        // rejected before any cast; then `index` fits in `usize`.
        if index < self.fast_len as u64 && offset <= PAGE - n {
            Some((index as usize, offset))
        } else {
            None
        }
    }

    /// Loads `N` bytes at `addr` if the access is within one fast page;
    /// `None` sends the caller to its cold path (which must also decide
    /// whether the access is out of bounds).
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&self, addr: u64) -> Option<[u8; N]> {
        let (index, offset) = self.fast_index(addr, N)?;
        // SAFETY: `fast_index` checked `index < fast_len <= read.len()`.
        let page = unsafe { self.read_entry(index) };
        // SAFETY: every read entry points to `PAGE` readable bytes (the zero
        // page or a live heap page held by this table, see "Validity"),
        // `offset + N <= PAGE` was checked by `fast_index`, and
        // `read_unaligned` has no alignment requirement. `&self` rules out a
        // write through this table; a shared page is written by nobody.
        Some(unsafe {
            page.cast::<u8>()
                .add(offset)
                .cast::<[u8; N]>()
                .read_unaligned()
        })
    }

    /// Stores `bytes` at `addr` if the access is within one fast page that is
    /// writable without work. Returns whether it stored; on `false` nothing
    /// changed and the caller takes its cold path.
    #[inline(always)]
    pub(crate) fn store<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> bool {
        let Some((index, offset)) = self.fast_index(addr, N) else {
            return false;
        };
        // SAFETY: `fast_index` checked `index < fast_len <= write.len()`.
        let Some(page) = (unsafe { self.write_entry(index) }) else {
            return false;
        };
        // SAFETY: a write entry points to a heap page of which this table is
        // the only holder (see "Validity"), and `&mut self` rules out any
        // other reference into it; it holds `PAGE` bytes and
        // `offset + N <= PAGE`.
        unsafe {
            page.cast::<u8>()
                .add(offset)
                .cast::<[u8; N]>()
                .write_unaligned(bytes);
        }
        true
    }

    /// The bytes of page `index` if it is resident; `None` if it is untouched
    /// (reads as zeros) or out of range.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&PageBytes> {
        let page = *self.read.get(index)?;
        if page == zero_page() {
            return None;
        }
        // SAFETY: a resident entry points to a live page held by this table
        // (see "Validity"); it is written only through a write entry, which
        // needs `&mut self`, or by no one if it is shared.
        Some(unsafe { page.as_ref() })
    }

    /// The bytes of page `index` for writing, if it is writable without work.
    /// `None` sends the caller to [`PageTable::make_writable`].
    #[inline]
    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut PageBytes> {
        let mut page = (*self.write.get(index)?)?;
        // SAFETY: a write entry's page has this table as its only holder
        // (see "Validity"), so `&mut self` makes this the only reference.
        Some(unsafe { page.as_mut() })
    }

    /// Whether page `index` is resident.
    #[inline]
    pub(crate) fn is_resident(&self, index: usize) -> bool {
        self.read.get(index).is_some_and(|&p| p != zero_page())
    }

    /// Whether page `index` can be written through [`PageTable::get_mut`]
    /// without work.
    #[inline]
    pub(crate) fn is_writable(&self, index: usize) -> bool {
        self.write.get(index).is_some_and(Option::is_some)
    }

    /// Records page `index` as dirty, once. Never allocates: the list's
    /// capacity covers every page (see "Validity").
    fn mark_dirty(&mut self, index: usize) {
        if !self.tracking {
            return;
        }
        let bit = 1u64 << (index % 64);
        if let Some(word) = self.dirty_bits.get_mut(index / 64)
            && *word & bit == 0
        {
            *word |= bit;
            // `index < read.len() <= u32::MAX` (see "Validity").
            self.dirty.push(index as u32);
        }
    }

    /// Forgets every dirty page (the current entries become the reference).
    fn clear_dirty(&mut self) {
        for &index in &self.dirty {
            if let Some(word) = self.dirty_bits.get_mut(index as usize / 64) {
                *word = 0;
            }
        }
        self.dirty.clear();
    }

    /// Makes page `index` writable and returns its bytes: allocates a zeroed
    /// page for an untouched one, copies a page shared with a snapshot, and
    /// takes back without copying a page no snapshot holds any more. Records
    /// the page as dirty. Fails with `OutOfMemory` (nothing changed) if the
    /// allocator refuses; `index` must be in range (else `OutOfBounds`).
    #[cold]
    #[inline(never)]
    pub(crate) fn make_writable(&mut self, index: usize) -> Result<&mut PageBytes, MemoryError> {
        let current = *self.read.get(index).ok_or(MemoryError::OutOfBounds)?;
        if !self.is_writable(index) {
            let page = if current == zero_page() {
                let fresh = self.fresh_page(None)?;
                self.counters.zeroed += 1;
                self.resident += 1;
                fresh.into_raw()
            // SAFETY: `current` is a read entry, a live holder of this table.
            } else if unsafe { PageRef::is_unique_raw(current) } {
                // No snapshot holds it: take it back as it is.
                self.counters.reclaimed += 1;
                current
            } else {
                // SAFETY: `current` is a live holder; the page is shared, so
                // no one writes it while it is copied.
                let copy = self.fresh_page(Some(unsafe { current.as_ref() }))?;
                self.counters.copied += 1;
                // SAFETY: the entry is overwritten below, so its holder is
                // released exactly once, here.
                unsafe { release(current) };
                copy.into_raw()
            };
            self.read[index] = page;
            self.write[index] = Some(page);
            self.mark_dirty(index);
        }
        self.get_mut(index).ok_or(MemoryError::OutOfMemory)
    }

    /// Replaces the contents of page `index` with `bytes` (not all zero: use
    /// [`PageTable::decommit`] for that). A shared page is not copied first.
    pub(crate) fn overwrite(&mut self, index: usize, bytes: &PageBytes) -> Result<(), MemoryError> {
        let current = *self.read.get(index).ok_or(MemoryError::OutOfBounds)?;
        // SAFETY: `current` is a read entry, a live holder if not zero.
        let shared = current != zero_page()
            && !self.is_writable(index)
            && !unsafe { PageRef::is_unique_raw(current) };
        if shared {
            let fresh = self.fresh_page(Some(bytes))?.into_raw();
            self.counters.copied += 1;
            // SAFETY: the entry is overwritten below; released once, here.
            unsafe { release(current) };
            self.read[index] = fresh;
            self.write[index] = Some(fresh);
            self.mark_dirty(index);
        } else {
            self.make_writable(index)?.copy_from_slice(bytes);
        }
        Ok(())
    }

    /// Page `src` for reading and a different page `dst` for writing, each
    /// `None` if untouched (or not writable without work, for `dst`). Both are
    /// `None` if `src == dst` or either is out of range.
    #[inline]
    pub(crate) fn pair_mut(
        &mut self,
        src: usize,
        dst: usize,
    ) -> (Option<&PageBytes>, Option<&mut PageBytes>) {
        if src == dst || src >= self.read.len() || dst >= self.read.len() {
            return (None, None);
        }
        let s = self.read[src];
        // SAFETY: a resident read entry is a live page (see "Validity").
        // `dst` is writable only if this table is its sole holder, and the
        // entry `src != dst` is a holder of its own, so the two pages differ
        // whenever the write reference exists; `&mut self` rules out any
        // other reference to either.
        let read = if s == zero_page() {
            None
        } else {
            Some(unsafe { s.as_ref() })
        };
        // SAFETY: as above.
        let write = self.write[dst].map(|mut d| unsafe { d.as_mut() });
        (read, write)
    }

    /// Drops page `index` back to the untouched (all-zero) state, releasing
    /// it, and records it as dirty if it was resident.
    pub(crate) fn decommit(&mut self, index: usize) {
        if let Some(entry) = self.read.get_mut(index)
            && *entry != zero_page()
        {
            let page = core::mem::replace(entry, zero_page());
            self.write[index] = None;
            self.resident -= 1;
            // SAFETY: `page` was just removed from the table.
            unsafe { release(page) };
            self.mark_dirty(index);
        }
    }

    /// Replaces page `index` by `page` (untouched if `None`), not writable,
    /// releasing the old page. Does not record the page as dirty: callers use
    /// it only where the page's contents stay what they were (a fetched page
    /// taking the place of its pending, zero-entry stand-in). Out of range:
    /// nothing happens and `page` is dropped.
    pub(crate) fn install(&mut self, index: usize, page: Option<PageRef>) {
        if index < self.read.len() {
            let old = self.set_entry(index, page.map_or(zero_page(), PageRef::into_raw));
            // SAFETY: `old` was just removed from the table.
            unsafe { release(old) };
        }
    }

    /// Sets entry `index < len` to `new` (a holder given to the table, or the
    /// zero page), not writable; returns the old entry, which the caller
    /// must release or recycle.
    #[must_use]
    fn set_entry(&mut self, index: usize, new: NonNull<PageBytes>) -> NonNull<PageBytes> {
        let old = core::mem::replace(&mut self.read[index], new);
        self.write[index] = None;
        if old != zero_page() {
            self.resident -= 1;
        }
        if new != zero_page() {
            self.resident += 1;
        }
        old
    }

    /// Releases every page and empties the table (capacities stay).
    fn release_all(&mut self) {
        self.write.clear();
        self.fast_len = 0;
        self.resident = 0;
        for page in self.read.drain(..) {
            // SAFETY: drained entries have left the table.
            unsafe { release(page) };
        }
    }

    /// Shares every page with a new snapshot: returns one holder per
    /// resident page (`None` for untouched ones), seals every page (write
    /// entries cleared, so the next write to each goes through
    /// [`PageTable::make_writable`]) and forgets the dirty pages. On
    /// `OutOfMemory` nothing changed.
    pub(crate) fn snapshot_pages(&mut self) -> Result<Vec<Option<PageRef>>, MemoryError> {
        // Start (or keep) tracking dirty pages from here on.
        let len = self.read.len();
        self.reserve(len, len, true)?;
        self.tracking = true;
        let mut pages = Vec::new();
        pages
            .try_reserve_exact(self.read.len())
            .map_err(|_| MemoryError::OutOfMemory)?;
        for (&read, write) in self.read.iter().zip(self.write.iter_mut()) {
            *write = None;
            let shared = if read == zero_page() {
                None
            } else {
                // SAFETY: a non-zero read entry is a live holder of this table.
                Some(unsafe { PageRef::clone_raw(read) })
            };
            pages.push(shared);
        }
        self.clear_dirty();
        Ok(pages)
    }

    /// Restores the pages of the snapshot this table was last sealed for
    /// ([`PageTable::snapshot_pages`] or [`PageTable::replace_all`]): puts
    /// `pages[i]` back for every dirty page `i`, and cuts off the pages grown
    /// since. Costs O(dirty pages + grown pages). Returns `false` (nothing
    /// changed) if the table is shorter than `pages` or was never sealed.
    ///
    /// `pages` must be that snapshot's pages for the result to be the
    /// snapshot; memory safety does not depend on it.
    pub(crate) fn reset_to(&mut self, pages: &[Option<PageRef>]) -> bool {
        let len = pages.len();
        if len > self.read.len() || !self.tracking {
            return false;
        }
        for k in 0..self.dirty.len() {
            let index = self.dirty[k] as usize;
            if let Some(page) = pages.get(index) {
                let new = page.clone().map_or(zero_page(), PageRef::into_raw);
                let old = self.set_entry(index, new);
                // SAFETY: `old` was just removed from the table.
                unsafe { self.recycle(old) };
            }
        }
        self.clear_dirty();
        self.write.truncate(len);
        while self.read.len() > len {
            let Some(page) = self.read.pop() else { break };
            if page != zero_page() {
                self.resident -= 1;
            }
            // SAFETY: `page` was just removed from the table.
            unsafe { self.recycle(page) };
        }
        self.fast_len = self.fast_len.min(len);
        true
    }

    /// Makes the table hold exactly `pages` (shared, sealed), releasing its
    /// own, with no dirty pages. Reserves first: on `OutOfMemory` nothing
    /// changed.
    pub(crate) fn replace_all(&mut self, pages: &[Option<PageRef>]) -> Result<(), MemoryError> {
        self.reserve(pages.len(), pages.len(), true)?;
        self.tracking = true;
        self.clear_dirty();
        self.release_all();
        self.trim();
        for page in pages {
            let raw = page.clone().map_or(zero_page(), PageRef::into_raw);
            if raw != zero_page() {
                self.resident += 1;
            }
            self.read.push(raw);
            self.write.push(None);
        }
        self.fast_len = self.read.len();
        Ok(())
    }

    /// Indices of the resident pages, in order. O(pages).
    pub(crate) fn resident_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.read
            .iter()
            .enumerate()
            .filter(|&(_, &p)| p != zero_page())
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests;
