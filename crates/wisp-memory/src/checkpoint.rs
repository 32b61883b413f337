//! Page-level access for checkpoint writers and readers: whole pages in and
//! out of a [`Memory`], the resident-page list, and the all-zero test that
//! lets a writer skip pages holding nothing.
//!
//! Every page of a flat memory is resident: writers see all of them and skip
//! the zero ones with [`is_zero_page`].
//!
//! A checkpoint writer typically calls [`Memory::fetch_all`] (if the memory
//! may still be lazy), then walks [`Memory::resident_page_indices`] and
//! reads each page with [`Memory::resident_page`], skipping those for which
//! [`is_zero_page`] holds; or takes a [`MemorySnapshot`](crate::MemorySnapshot)
//! and does the same on it from another thread while the memory runs on. A
//! reader restores with [`Memory::write_page`], or lazily with
//! [`Memory::new_lazy`].

use crate::page::PAGE;
use crate::{Memory, MemoryError, PageBytes};

/// Whether every byte of `bytes` is zero.
pub fn is_zero_page(bytes: &PageBytes) -> bool {
    // OR-reduce 64-byte blocks (vectorised) with an early exit between them.
    bytes
        .chunks_exact(64)
        .all(|block| block.iter().fold(0u8, |acc, &b| acc | b) == 0)
}

impl Memory {
    /// Page `index` as a table index, if it is below the size.
    fn page_index(&self, index: u64) -> Result<usize, MemoryError> {
        usize::try_from(index)
            .ok()
            .filter(|&i| (i as u64) < self.size_pages())
            .ok_or(MemoryError::OutOfBounds)
    }

    /// The bytes of page `index`, fetching it first if it is pending:
    /// `Ok(None)` if the page is untouched (reads as zeros).
    ///
    /// Fails with [`MemoryError::OutOfBounds`] if `index >= size_pages()`,
    /// or as a fetch does.
    pub fn page(&mut self, index: u64) -> Result<Option<&PageBytes>, MemoryError> {
        let i = self.page_index(index)?;
        if !self.paged {
            return Ok(self.flat.page(i));
        }
        self.fetch_page(i)?;
        Ok(self.pages.get(i))
    }

    /// The bytes of page `index` if it is resident, without fetching: `None`
    /// if it is untouched, pending or out of range.
    pub fn resident_page(&self, index: u64) -> Option<&PageBytes> {
        let index = usize::try_from(index).ok()?;
        if self.paged {
            self.pages.get(index)
        } else {
            self.flat.page(index)
        }
    }

    /// Whether page `index` holds only zeros (untouched, or resident with
    /// zero bytes), fetching it first if it is pending.
    pub fn page_is_zero(&mut self, index: u64) -> Result<bool, MemoryError> {
        Ok(self.page(index)?.is_none_or(is_zero_page))
    }

    /// Replaces the contents of page `index` with `bytes`.
    ///
    /// A pending page is not fetched (its old contents do not matter). All-zero
    /// `bytes` make the page untouched (freeing it); otherwise a writable page
    /// is overwritten in place and a shared or untouched one replaced by a
    /// new page. The page counts as dirty. Fails with
    /// [`MemoryError::OutOfBounds`] if `index >= size_pages()` or with
    /// `OutOfMemory`; the memory is then unchanged.
    pub fn write_page(&mut self, index: u64, bytes: &PageBytes) -> Result<(), MemoryError> {
        let i = self.page_index(index)?;
        if !self.paged {
            let start = i * PAGE;
            self.flat.bytes_mut()[start..start + PAGE].copy_from_slice(bytes);
            return Ok(());
        }
        if is_zero_page(bytes) {
            self.pages.decommit(i);
        } else {
            self.pages.overwrite(i, bytes)?;
        }
        self.forget_pending(i);
        Ok(())
    }

    /// Indices of the resident pages, in order; pages not listed read as
    /// zeros, unless pending (see [`Memory::is_pending`]). O(pages).
    pub fn resident_page_indices(&self) -> impl Iterator<Item = u64> + '_ {
        // One of the two is empty: every page of a flat memory, or the
        // resident pages of a paged one.
        let flat_pages = if self.paged { 0 } else { self.size_pages() };
        (0..flat_pages).chain(self.pages.resident_indices().map(|i| i as u64))
    }
}

// `is_zero_page` works in blocks that divide the page.
const _: () = assert!(PAGE.is_multiple_of(64));
