//! The page table: one entry per 64 KiB Wasm page, allocated on first write,
//! and the load/store fast path that reads it. This is the only module of the
//! crate with `unsafe` code.
//!
//! This module owns the page-entry representation and nothing outside it sees
//! it. Today an entry is a raw pointer to 64 KiB: either to the shared,
//! read-only [`ZERO_PAGE`] (a page never written, which reads as zeros) or to
//! a page this table owns. Reads never ask which: they follow the pointer.
//! Writes check for the zero page and take a cold path that allocates. The
//! rest of the crate only uses the methods below, so an entry can later
//! become an `Arc`-shared page (for copy-on-write snapshots) plus a dirty
//! bitmap without touching callers:
//!
//! - [`PageTable::get`] is the read view; a shared page would still be readable.
//! - [`PageTable::get_mut`] and the store fast path are the write views. They
//!   refuse whenever writing needs work first (page untouched; later also:
//!   page shared with a snapshot), and callers then take their cold path
//!   through [`PageTable::make_writable`], which is fallible. Marking a page
//!   dirty would go into these methods.
//!
//! # Fast path
//! [`PageTable::load`] and [`PageTable::store`] handle an access of `N`
//! bytes at `addr` with one test for "page index below the table length" and
//! one for "`N` bytes fit in the page"; together they imply that the access is
//! in bounds, so no separate `addr + N <= size` check is needed. Then: one
//! table load, (stores: one compare with the zero page) and the access.
//! Everything else (out of bounds, straddling two pages, writing an untouched
//! page) returns `None` to the caller's cold path.
//!
//! # Checked twin
//! With `cfg(test)` or the `extra-checks` feature, the table lookup of the
//! fast path is bounds-checked (a broken invariant panics instead of reading
//! out of bounds); the integration tests and benchmarks run the unchecked
//! lookup.
//!
//! # Note
//! Allocation never aborts: a page is a `Vec` reserved with
//! `try_reserve_exact`, so an allocator failure becomes
//! [`MemoryError::OutOfMemory`]. Growing the table moves entry pointers only,
//! never page contents.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;

use crate::MemoryError;

/// Bytes per page, as a `usize` for indexing.
pub(crate) const PAGE: usize = 65536;

/// Shift from an address to its page index.
const SHIFT: u32 = PAGE.trailing_zeros();

/// The bytes of one page.
pub(crate) type PageBytes = [u8; PAGE];

/// What every untouched entry points at: 64 KiB of zeros, never written.
static ZERO_PAGE: PageBytes = [0; PAGE];

/// The entry of an untouched page.
#[inline(always)]
fn zero_page() -> NonNull<PageBytes> {
    NonNull::from(&ZERO_PAGE)
}

/// The table of pages of one memory, with a count of resident pages.
///
/// # Validity
/// - Every entry is either [`zero_page()`] (untouched: reads as zeros, is
///   never written through) or a pointer obtained from
///   `Box::<PageBytes>::into_raw` that this table owns exclusively: no other
///   entry and nothing outside the table holds it, and it is freed exactly
///   once, by `decommit` or `Drop`.
/// - `resident` is the number of entries that are not the zero page.
/// - The memory's size in bytes is `entries.len() * PAGE`: the table always
///   covers the whole memory, so an address whose page index is below
///   `entries.len()` and whose access fits in its page is in bounds.
pub(crate) struct PageTable {
    entries: Vec<NonNull<PageBytes>>,
    resident: usize,
}

// SAFETY: a `PageTable` owns its resident pages exactly like a
// `Vec<Option<Box<PageBytes>>>` would (see "Validity"), and the zero page is
// an immutable static. Moving the table to another thread moves that
// ownership; sharing `&PageTable` only allows reads.
unsafe impl Send for PageTable {}
// SAFETY: as above; `&PageTable` gives read-only access to the pages.
unsafe impl Sync for PageTable {}

impl core::fmt::Debug for PageTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PageTable")
            .field("pages", &self.entries.len())
            .field("resident", &self.resident)
            .finish()
    }
}

impl Drop for PageTable {
    fn drop(&mut self) {
        for index in 0..self.entries.len() {
            self.decommit(index);
        }
    }
}

impl PageTable {
    /// An empty table (zero pages).
    pub(crate) const fn new() -> Self {
        PageTable {
            entries: Vec::new(),
            resident: 0,
        }
    }

    /// Number of pages (resident or not).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Number of pages whose bytes are allocated.
    #[inline]
    pub(crate) fn resident(&self) -> usize {
        self.resident
    }

    /// Appends `delta` untouched pages, reserving table space with the given
    /// capacity goal (at least `len + delta`). Existing pages are not copied.
    pub(crate) fn grow(&mut self, delta: usize, capacity_goal: usize) -> Result<(), MemoryError> {
        let new_len = self
            .entries
            .len()
            .checked_add(delta)
            .ok_or(MemoryError::OutOfMemory)?;
        if new_len > self.entries.capacity() {
            let target = capacity_goal.max(new_len);
            self.entries
                .try_reserve_exact(target - self.entries.len())
                .map_err(|_| MemoryError::OutOfMemory)?;
        }
        self.entries.resize(new_len, zero_page());
        Ok(())
    }

    /// The entry of page `index`, without a bounds check unless checks are on.
    ///
    /// # Safety
    /// `index < self.entries.len()`.
    #[inline(always)]
    unsafe fn entry_unchecked(&self, index: usize) -> NonNull<PageBytes> {
        #[cfg(any(test, feature = "extra-checks"))]
        {
            self.entries[index]
        }
        #[cfg(not(any(test, feature = "extra-checks")))]
        {
            // SAFETY: the caller guarantees `index < self.entries.len()`.
            unsafe { *self.entries.get_unchecked(index) }
        }
    }

    /// The page index and in-page offset of `addr` if an access of `n` bytes
    /// there is in bounds and within one page.
    #[inline(always)]
    fn fast_index(&self, addr: u64, n: usize) -> Option<(usize, usize)> {
        let index = addr >> SHIFT;
        // Lossless: the mask keeps 16 bits.
        let offset = (addr as usize) & (PAGE - 1);
        // `index < len` is compared in `u64`, so huge addresses are rejected
        // before any cast; then `index` fits in `usize`.
        if index < self.entries.len() as u64 && offset <= PAGE - n {
            Some((index as usize, offset))
        } else {
            None
        }
    }

    /// Loads `N` bytes at `addr` if the access is in bounds and within one
    /// page; `None` sends the caller to its cold path (which must also
    /// decide whether the access is out of bounds).
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&self, addr: u64) -> Option<[u8; N]> {
        let (index, offset) = self.fast_index(addr, N)?;
        // SAFETY: `fast_index` checked `index < self.entries.len()`.
        let page = unsafe { self.entry_unchecked(index) };
        // SAFETY: every entry points to `PAGE` readable bytes (the zero page
        // or an owned page, see "Validity"), `offset + N <= PAGE` was checked
        // by `fast_index`, and `read_unaligned` has no alignment requirement.
        // No `&mut` to that page can exist while `&self` is borrowed.
        Some(unsafe {
            page.cast::<u8>()
                .add(offset)
                .cast::<[u8; N]>()
                .read_unaligned()
        })
    }

    /// Stores `bytes` at `addr` if the access is in bounds, within one page,
    /// and the page is writable without work. Returns whether it stored; on
    /// `false` nothing changed and the caller takes its cold path.
    #[inline(always)]
    pub(crate) fn store<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> bool {
        let Some((index, offset)) = self.fast_index(addr, N) else {
            return false;
        };
        // SAFETY: `fast_index` checked `index < self.entries.len()`.
        let page = unsafe { self.entry_unchecked(index) };
        if page == zero_page() {
            return false;
        }
        // SAFETY: `page` is not the zero page, so this table owns it
        // exclusively and `&mut self` guarantees no other reference into it
        // is live; it holds `PAGE` bytes and `offset + N <= PAGE`.
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
        let page = *self.entries.get(index)?;
        if page == zero_page() {
            return None;
        }
        // SAFETY: a resident entry points to a live page owned by this table
        // (see "Validity"); `&self` rules out any `&mut` to it.
        Some(unsafe { page.as_ref() })
    }

    /// The bytes of page `index` for writing, if that needs no allocation.
    /// `None` sends the caller to [`PageTable::make_writable`].
    #[inline]
    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut PageBytes> {
        let mut page = *self.entries.get(index)?;
        if page == zero_page() {
            return None;
        }
        // SAFETY: a resident entry is owned exclusively by this table (see
        // "Validity"), so `&mut self` makes this the only reference to it.
        Some(unsafe { page.as_mut() })
    }

    /// Whether page `index` is resident.
    #[inline]
    pub(crate) fn is_resident(&self, index: usize) -> bool {
        self.get(index).is_some()
    }

    /// Whether page `index` can be written through [`PageTable::get_mut`]
    /// without allocating (today: it is resident).
    #[inline]
    pub(crate) fn is_writable(&self, index: usize) -> bool {
        self.is_resident(index)
    }

    /// Makes page `index` writable, allocating a zeroed page if needed, and
    /// returns its bytes. Fails with `OutOfMemory` if the allocator refuses;
    /// `index` must be in range (out of range is reported as `OutOfBounds`).
    #[cold]
    #[inline(never)]
    pub(crate) fn make_writable(&mut self, index: usize) -> Result<&mut PageBytes, MemoryError> {
        let entry = self
            .entries
            .get_mut(index)
            .ok_or(MemoryError::OutOfBounds)?;
        if *entry == zero_page() {
            *entry = NonNull::from(Box::leak(alloc_zeroed_page()?));
            self.resident += 1;
        }
        // The entry was just filled if it was untouched.
        self.get_mut(index).ok_or(MemoryError::OutOfMemory)
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
        if src == dst || src >= self.entries.len() || dst >= self.entries.len() {
            return (None, None);
        }
        let (s, mut d) = (self.entries[src], self.entries[dst]);
        let zero = zero_page();
        // No reference to the zero page is made for writing (it is immutable).
        // SAFETY: `src != dst` and resident entries are distinct owned pages
        // (see "Validity"), so the shared and the mutable reference do not
        // overlap; `&mut self` rules out any other reference to either.
        let read = if s == zero {
            None
        } else {
            Some(unsafe { s.as_ref() })
        };
        // SAFETY: as above.
        let write = if d == zero {
            None
        } else {
            Some(unsafe { d.as_mut() })
        };
        (read, write)
    }

    /// Drops page `index` back to the untouched (all-zero) state, freeing it.
    pub(crate) fn decommit(&mut self, index: usize) {
        if let Some(entry) = self.entries.get_mut(index)
            && *entry != zero_page()
        {
            let page = core::mem::replace(entry, zero_page());
            self.resident -= 1;
            // SAFETY: a resident entry came from `Box::leak` in
            // `make_writable` and is owned by this table alone; it was just
            // removed from the table, so it is freed exactly once.
            drop(unsafe { Box::from_raw(page.as_ptr()) });
        }
    }
}

/// Allocates one zeroed page, reporting allocator failure as an error.
fn alloc_zeroed_page() -> Result<Box<PageBytes>, MemoryError> {
    let mut bytes: Vec<u8> = Vec::new();
    bytes
        .try_reserve_exact(PAGE)
        .map_err(|_| MemoryError::OutOfMemory)?;
    bytes.resize(PAGE, 0);
    // Exactly PAGE elements with capacity PAGE: the conversion cannot fail.
    bytes
        .into_boxed_slice()
        .try_into()
        .map_err(|_| MemoryError::OutOfMemory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_pages_are_untouched_until_made_writable() {
        let mut t = PageTable::new();
        t.grow(4, 4).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t.resident(), 0);
        assert!(t.get(2).is_none());
        assert!(t.get_mut(2).is_none());
        let page = t.make_writable(2).unwrap();
        assert!(page.iter().all(|&b| b == 0));
        page[7] = 9;
        assert_eq!(t.resident(), 1);
        assert_eq!(t.get(2).unwrap()[7], 9);
        // Making it writable again neither reallocates nor clears it.
        assert_eq!(t.make_writable(2).unwrap()[7], 9);
        assert_eq!(t.resident(), 1);
    }

    #[test]
    fn out_of_range_is_reported_not_panicking() {
        let mut t = PageTable::new();
        t.grow(1, 1).unwrap();
        assert!(t.get(1).is_none());
        assert_eq!(t.make_writable(1), Err(MemoryError::OutOfBounds));
        assert!(matches!(t.pair_mut(0, 1), (None, None)));
        t.decommit(5);
        assert_eq!(t.resident(), 0);
    }

    #[test]
    fn decommit_frees_and_counts() {
        let mut t = PageTable::new();
        t.grow(2, 2).unwrap();
        t.make_writable(0).unwrap()[0] = 1;
        t.make_writable(1).unwrap();
        assert_eq!(t.resident(), 2);
        t.decommit(0);
        assert_eq!(t.resident(), 1);
        assert!(t.get(0).is_none());
        t.decommit(0);
        assert_eq!(t.resident(), 1);
    }

    #[test]
    fn pair_mut_gives_distinct_pages() {
        let mut t = PageTable::new();
        t.grow(3, 3).unwrap();
        t.make_writable(0).unwrap()[1] = 5;
        t.make_writable(1).unwrap();
        assert!(matches!(t.pair_mut(0, 0), (None, None)));
        assert!(matches!(t.pair_mut(0, 2), (Some(_), None)));
        assert!(matches!(t.pair_mut(2, 0), (None, Some(_))));
        let (Some(s), Some(d)) = t.pair_mut(0, 1) else {
            panic!("both pages are resident");
        };
        d[0] = s[1];
        assert_eq!(t.get(1).unwrap()[0], 5);
    }

    #[test]
    fn growing_keeps_page_contents_in_place() {
        let mut t = PageTable::new();
        t.grow(1, 1).unwrap();
        t.make_writable(0).unwrap()[3] = 3;
        let before: *const PageBytes = t.get(0).unwrap();
        t.grow(1000, 2000).unwrap();
        let after: *const PageBytes = t.get(0).unwrap();
        assert_eq!(before, after, "page bytes must not move on grow");
        assert_eq!(t.get(0).unwrap()[3], 3);
        assert_eq!(t.len(), 1001);
    }

    #[test]
    fn fast_path_reads_untouched_pages_and_refuses_to_write_them() {
        let mut t = PageTable::new();
        t.grow(2, 2).unwrap();
        assert_eq!(t.load::<8>(100), Some([0; 8]));
        assert!(!t.store::<4>(100, [1; 4]), "untouched page: cold path");
        assert_eq!(t.resident(), 0);
        assert!(ZERO_PAGE.iter().all(|&b| b == 0));
        t.make_writable(0).unwrap();
        assert!(t.store::<4>(100, [1, 2, 3, 4]));
        assert_eq!(t.load::<4>(100), Some([1, 2, 3, 4]));
        assert_eq!(t.load::<2>(101), Some([2, 3]));
    }

    #[test]
    fn fast_path_refuses_straddling_and_out_of_bounds_accesses() {
        let mut t = PageTable::new();
        t.grow(2, 2).unwrap();
        t.make_writable(0).unwrap();
        t.make_writable(1).unwrap();
        let p = PAGE as u64;
        // The last in-page positions are fast; one byte further straddles.
        assert_eq!(t.load::<8>(p - 8), Some([0; 8]));
        assert_eq!(t.load::<8>(p - 7), None);
        assert!(t.store::<8>(p - 8, [7; 8]));
        assert!(!t.store::<8>(p - 7, [7; 8]));
        assert_eq!(t.load::<1>(2 * p - 1), Some([0]));
        assert_eq!(t.load::<1>(2 * p), None);
        assert!(!t.store::<1>(2 * p, [1]));
        assert_eq!(t.load::<1>(u64::MAX), None);
        assert_eq!(t.load::<8>(u64::MAX - 3), None);
    }
}
