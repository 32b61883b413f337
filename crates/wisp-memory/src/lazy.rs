//! Lazy pages: a memory restored from a checkpoint whose pages are fetched
//! from a [`PageSource`] on first touch instead of up front.
//!
//! The memory keeps a bitmap of *pending* pages. A pending page's table entry
//! is the untouched (zero) entry, so nothing in the page table knows about
//! pendency; instead the table's `fast_len` stops at the first pending page,
//! which sends every access at or after it to the cold path, and every cold
//! path calls [`Memory::materialize`] on its range before it reads or writes
//! a page. Accesses to the prefix before the first pending page stay on the
//! fast path and cost nothing extra. Fetching a page installs it (shared by
//! nobody, not writable and not dirty: its contents are what they were
//! logically all along), clears its bit, and moves `fast_len` past it if it
//! was the first pending page. When the last pending page is fetched,
//! `fast_len` is the table length again and the source is dropped.
//!
//! A snapshot fetches every pending page first, and restoring any snapshot
//! drops the pending set (the snapshot replaces every page), so a memory has
//! pending pages only while it has no base snapshot.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::page::{Exclusive, PageRef};
use crate::{Memory, MemoryError, PAGE_SHIFT, PageBytes, PageSourceError, is_zero_page};

/// Where a lazily restored memory gets the bytes of its pending pages.
///
/// `fetch` is called at most once per pending page, from the thread that
/// uses the memory, when the page is first touched (or by
/// [`Memory::fetch_all`]). It must fill `out` (which holds zeros) with the
/// page's 64 KiB, or fail; a failure leaves the page pending, so a later
/// access calls `fetch` for it again.
pub trait PageSource: Send {
    /// Writes the contents of page `page` into `out`.
    fn fetch(&mut self, page: u64, out: &mut PageBytes) -> Result<(), PageSourceError>;
}

/// The pending pages of a memory and their source.
pub(crate) struct Lazy {
    /// One bit per page of the memory at creation: set while pending.
    pending: Vec<u64>,
    /// Number of bits set in `pending` (never zero: `Lazy` is dropped then).
    count: usize,
    source: Exclusive<Box<dyn PageSource>>,
}

impl core::fmt::Debug for Lazy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lazy")
            .field("pending", &self.count)
            .finish_non_exhaustive()
    }
}

impl Lazy {
    /// Whether page `index` is pending.
    fn is_pending(&self, index: usize) -> bool {
        self.pending
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// The first pending page at or after `start`.
    fn first_pending_from(&self, start: usize) -> Option<usize> {
        let mut word_index = start / 64;
        // Ignore the bits below `start` in its word.
        let mut word = *self.pending.get(word_index)? & (u64::MAX << (start % 64));
        loop {
            if word != 0 {
                return Some(word_index * 64 + word.trailing_zeros() as usize);
            }
            word_index += 1;
            word = *self.pending.get(word_index)?;
        }
    }
}

impl Memory {
    /// Creates a paged memory of `size_pages` pages (limit `max_pages`, as
    /// for [`Memory::new_paged`]) whose pages listed in `pending` are fetched
    /// from `source` on first touch; the other pages are zero.
    ///
    /// Allocates only the page table and a bitmap of the pending pages.
    /// Fails like [`Memory::new_paged`], and with [`MemoryError::OutOfBounds`] if a
    /// listed page is not below `size_pages` (duplicates are fine).
    pub fn new_lazy(
        size_pages: u64,
        max_pages: Option<u64>,
        pending: impl IntoIterator<Item = u64>,
        source: Box<dyn PageSource>,
    ) -> Result<Memory, MemoryError> {
        let mut memory = Memory::new_paged(size_pages, max_pages)?;
        let len = memory.pages.len();
        let mut bits = Vec::new();
        bits.try_reserve_exact(len.div_ceil(64))
            .map_err(|_| MemoryError::OutOfMemory)?;
        bits.resize(len.div_ceil(64), 0u64);
        let mut count = 0;
        for page in pending {
            let index = usize::try_from(page)
                .ok()
                .filter(|&i| i < len)
                .ok_or(MemoryError::OutOfBounds)?;
            let word = &mut bits[index / 64];
            let bit = 1 << (index % 64);
            if *word & bit == 0 {
                *word |= bit;
                count += 1;
            }
        }
        if count > 0 {
            let lazy = Lazy {
                pending: bits,
                count,
                source: Exclusive::new(source),
            };
            let first = lazy.first_pending_from(0).unwrap_or(len);
            memory.pages.set_fast_len(first);
            memory.lazy = Some(lazy);
        }
        Ok(memory)
    }

    /// Number of pages still to fetch.
    pub fn pending_pages(&self) -> usize {
        self.lazy.as_ref().map_or(0, |lazy| lazy.count)
    }

    /// Whether page `index` is still to fetch.
    pub fn is_pending(&self, index: u64) -> bool {
        let Ok(index) = usize::try_from(index) else {
            return false;
        };
        self.lazy
            .as_ref()
            .is_some_and(|lazy| lazy.is_pending(index))
    }

    /// Fetches every pending page, in index order (to finish a lazy restore
    /// in the background, or before writing a new checkpoint). Stops at the
    /// first failure ([`MemoryError::PageFetch`] or `OutOfMemory`), leaving
    /// that page and the later ones pending.
    pub fn fetch_all(&mut self) -> Result<(), MemoryError> {
        let mut next = 0;
        while let Some(lazy) = &self.lazy {
            let Some(index) = lazy.first_pending_from(next) else {
                // Unreachable while `count` is right; recover anyway.
                self.finish_lazy();
                break;
            };
            self.fetch_page(index)?;
            next = index + 1;
        }
        Ok(())
    }

    /// Takes the error of the last failed page fetch, if any.
    pub fn take_fetch_error(&mut self) -> Option<PageSourceError> {
        self.fetch_error.take()
    }

    /// Fetches the pending pages that the in-bounds range `[addr, addr +
    /// len)` touches. Free when nothing is pending.
    #[inline]
    pub(crate) fn materialize(&mut self, addr: u64, len: u64) -> Result<(), MemoryError> {
        if self.lazy.is_none() || len == 0 {
            return Ok(());
        }
        // In bounds, so both indices are below the table length.
        let first = (addr >> PAGE_SHIFT) as usize;
        let last = ((addr + len - 1) >> PAGE_SHIFT) as usize;
        // No page below `fast_len` is pending.
        for index in first.max(self.pages.fast_len())..=last {
            self.fetch_page(index)?;
        }
        Ok(())
    }

    /// The first pending page that the in-bounds range `[addr, addr + len)`
    /// touches.
    pub(crate) fn first_pending_in(&self, addr: u64, len: u64) -> Option<u64> {
        let lazy = self.lazy.as_ref()?;
        if len == 0 {
            return None;
        }
        let first = (addr >> PAGE_SHIFT) as usize;
        let last = ((addr + len - 1) >> PAGE_SHIFT) as usize;
        let page = lazy.first_pending_from(first.max(self.pages.fast_len()))?;
        (page <= last).then_some(page as u64)
    }

    /// Fetches page `index` if it is pending.
    #[cold]
    pub(crate) fn fetch_page(&mut self, index: usize) -> Result<(), MemoryError> {
        let Some(lazy) = &mut self.lazy else {
            return Ok(());
        };
        if !lazy.is_pending(index) {
            return Ok(());
        }
        let mut page = PageRef::zeroed()?;
        // A fresh page has one holder, so it is writable.
        let bytes = page.bytes_mut().ok_or(MemoryError::OutOfMemory)?;
        if let Err(error) = lazy.source.get_mut().fetch(index as u64, bytes) {
            self.fetch_error = Some(error);
            return Err(MemoryError::PageFetch { page: index as u64 });
        }
        // A page of zeros stays untouched.
        let page = (!is_zero_page(page.bytes())).then_some(page);
        self.pages.install(index, page);
        self.fetched += 1;
        self.forget_pending(index);
        Ok(())
    }

    /// Marks page `index` as no longer pending (fetched, or overwritten
    /// whole so that its old contents do not matter).
    pub(crate) fn forget_pending(&mut self, index: usize) {
        let Some(lazy) = &mut self.lazy else {
            return;
        };
        let Some(word) = lazy.pending.get_mut(index / 64) else {
            return;
        };
        let bit = 1 << (index % 64);
        if *word & bit == 0 {
            return;
        }
        *word &= !bit;
        lazy.count -= 1;
        if lazy.count == 0 {
            self.finish_lazy();
        } else if index == self.pages.fast_len() {
            let next = lazy.first_pending_from(index + 1);
            self.pages.set_fast_len(next.unwrap_or(usize::MAX));
        }
    }

    /// Drops the pending set and its source, and opens the fast path to the
    /// whole memory.
    pub(crate) fn finish_lazy(&mut self) {
        self.lazy = None;
        self.pages.set_fast_len(usize::MAX);
    }
}
