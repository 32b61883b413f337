//! The page table: one slot per 64 KiB Wasm page, allocated on first write.
//!
//! This module owns the page-entry representation and nothing outside it sees
//! it. Today a slot is `Option<Box<[u8; PAGE]>>`: `None` is a page that was
//! never written and reads as zeros. The rest of the crate only uses the
//! methods below, so the slot can later become an `Arc`-shared page (for
//! copy-on-write snapshots) plus a dirty bitmap without touching callers:
//!
//! - [`PageTable::get`] is the read view; a shared page would still be readable.
//! - [`PageTable::get_mut`] is the write fast path. It returns `None` whenever
//!   writing needs work first (page not allocated; later also: page shared with
//!   a snapshot), and callers then take their cold path through
//!   [`PageTable::make_writable`], which is fallible. Marking a page dirty would
//!   go into these two methods.
//!
//! # Note
//! Allocation never aborts: a page is a `Vec` reserved with
//! `try_reserve_exact`, so an allocator failure becomes
//! [`MemoryError::OutOfMemory`]. Growing the table moves slot pointers only,
//! never page contents.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::MemoryError;

/// Bytes per page, as a `usize` for indexing.
pub(crate) const PAGE: usize = 65536;

/// The bytes of one resident page.
pub(crate) type PageBytes = [u8; PAGE];

/// One page-table entry. Private: see the module docs.
#[derive(Default)]
struct Slot(Option<Box<PageBytes>>);

/// The table of pages of one memory, with a count of resident pages.
pub(crate) struct PageTable {
    slots: Vec<Slot>,
    resident: usize,
}

impl core::fmt::Debug for PageTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PageTable")
            .field("pages", &self.slots.len())
            .field("resident", &self.resident)
            .finish()
    }
}

impl PageTable {
    /// An empty table (zero pages).
    pub(crate) const fn new() -> Self {
        PageTable {
            slots: Vec::new(),
            resident: 0,
        }
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
            .slots
            .len()
            .checked_add(delta)
            .ok_or(MemoryError::OutOfMemory)?;
        if new_len > self.slots.capacity() {
            let target = capacity_goal.max(new_len);
            self.slots
                .try_reserve_exact(target - self.slots.len())
                .map_err(|_| MemoryError::OutOfMemory)?;
        }
        self.slots.resize_with(new_len, Slot::default);
        Ok(())
    }

    /// The bytes of page `index` if it is resident; `None` if it is untouched
    /// (reads as zeros) or out of range.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&PageBytes> {
        self.slots.get(index)?.0.as_deref()
    }

    /// The bytes of page `index` for writing, if that needs no allocation.
    /// `None` sends the caller to [`PageTable::make_writable`].
    #[inline]
    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut PageBytes> {
        self.slots.get_mut(index)?.0.as_deref_mut()
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
        let slot = self.slots.get_mut(index).ok_or(MemoryError::OutOfBounds)?;
        if slot.0.is_none() {
            slot.0 = Some(alloc_zeroed_page()?);
            self.resident += 1;
        }
        // The slot was just filled if it was empty.
        slot.0.as_deref_mut().ok_or(MemoryError::OutOfMemory)
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
        match self.slots.get_disjoint_mut([src, dst]) {
            Ok([s, d]) => (s.0.as_deref(), d.0.as_deref_mut()),
            Err(_) => (None, None),
        }
    }

    /// Drops page `index` back to the untouched (all-zero) state, freeing it.
    pub(crate) fn decommit(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index)
            && slot.0.take().is_some()
        {
            self.resident -= 1;
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
        assert_eq!(t.slots.len(), 4);
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
        assert_eq!(t.slots.len(), 1001);
    }
}
