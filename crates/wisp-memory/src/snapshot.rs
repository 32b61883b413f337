//! Copy-on-write snapshots: [`Memory::snapshot`], [`Memory::restore`] and
//! the shared, immutable [`MemorySnapshot`].
//!
//! A snapshot holds one counted reference per resident page of the memory at
//! the time it was taken (`None` for untouched pages), its size and its
//! maximum. Taking one shares every page and seals the memory (see the
//! `page` module); the memory remembers the snapshot as its *base* through a
//! weak reference, whose address identifies it.
//!
//! A flat memory has no pages to share: its snapshot holds copies of its
//! non-zero pages (O(size) time, and RAM for those pages), and the memory
//! stays flat. Restoring any snapshot into a flat memory makes it paged
//! (O(pages)); from then on it is restored as below.
//!
//! Restoring the base is the fuzzing-loop fast path: the page table puts the
//! snapshot's page back for every dirty page and truncates the pages grown
//! since, O(dirty + grown). Restoring any other snapshot replaces the whole
//! table, O(pages), after reserving everything it needs, so it fails only
//! before changing anything; that snapshot becomes the base.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::page::{PAGE, PageRef};
use crate::{Memory, MemoryError, OFFSET_MASK, PAGE_SHIFT, PageBytes, is_zero_page};
use wisp_core::limits::MAX_MEMORY32_PAGES;

/// What a [`MemorySnapshot`] shares among its clones.
pub(crate) struct SnapshotInner {
    /// One entry per page: the page, or `None` if it was untouched.
    pages: Vec<Option<PageRef>>,
    /// The memory's declared maximum.
    max_pages: Option<u64>,
    /// Number of `Some` entries in `pages`.
    resident: usize,
}

/// The contents, size and maximum of a [`Memory`] at one point in time.
///
/// Cloning is cheap (a reference count); the pages are shared with the
/// memory until it writes them, and with other snapshots. A snapshot is
/// immutable, `Send + Sync`, and may be dropped before or after its memory.
#[derive(Clone)]
pub struct MemorySnapshot {
    inner: Arc<SnapshotInner>,
}

impl core::fmt::Debug for MemorySnapshot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemorySnapshot")
            .field("size_pages", &self.size_pages())
            .field("resident_pages", &self.resident_pages())
            .field("max_pages", &self.max_pages())
            .finish()
    }
}

impl MemorySnapshot {
    /// Size in pages.
    pub fn size_pages(&self) -> u64 {
        self.inner.pages.len() as u64
    }

    /// Size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.size_pages() << PAGE_SHIFT
    }

    /// The memory's declared maximum in pages, if any.
    pub fn max_pages(&self) -> Option<u64> {
        self.inner.max_pages
    }

    /// Number of pages that were resident (allocated) in the memory.
    pub fn resident_pages(&self) -> usize {
        self.inner.resident
    }

    /// The bytes of page `index`, or `None` if it was untouched (zeros) or
    /// is out of range.
    pub fn page(&self, index: u64) -> Option<&PageBytes> {
        let index = usize::try_from(index).ok()?;
        self.inner.pages.get(index)?.as_ref().map(PageRef::bytes)
    }

    /// Indices of the resident pages, in order. O(pages).
    pub fn resident_page_indices(&self) -> impl Iterator<Item = u64> + '_ {
        self.inner
            .pages
            .iter()
            .enumerate()
            .filter(|(_, page)| page.is_some())
            .map(|(i, _)| i as u64)
    }

    /// Reads `buf.len()` bytes at `addr`, as the memory read them when the
    /// snapshot was taken.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        match addr.checked_add(buf.len() as u64) {
            Some(end) if end <= self.size_bytes() => {}
            _ => return Err(MemoryError::out_of_bounds()),
        }
        let mut pos = 0;
        while pos < buf.len() {
            let at = addr + pos as u64;
            let offset = (at & OFFSET_MASK) as usize;
            let n = (PAGE - offset).min(buf.len() - pos);
            let out = &mut buf[pos..pos + n];
            match self.page(at >> PAGE_SHIFT) {
                Some(bytes) => out.copy_from_slice(&bytes[offset..offset + n]),
                None => out.fill(0),
            }
            pos += n;
        }
        Ok(())
    }

    /// The limit in force: the declared maximum, else the 32-bit limit.
    fn limit_pages(&self) -> u64 {
        self.inner.max_pages.unwrap_or(MAX_MEMORY32_PAGES)
    }
}

impl Memory {
    /// Takes a snapshot of the memory's contents, size and maximum, sharing
    /// every page with it, in O(pages); it becomes the memory's base and the
    /// dirty-page count restarts at zero.
    ///
    /// Afterwards each page is read-only until written: its first write
    /// copies it on the cold path (or takes it back without copying if every
    /// snapshot holding it has been dropped). Pending pages of a lazy memory
    /// are fetched first. A flat memory instead copies its non-zero pages
    /// into the snapshot, in O(size), and stays flat. Fails with
    /// `OutOfMemory` (snapshot vector, or a page copy) or
    /// [`MemoryError::PageFetch`]; memory is then unchanged and keeps its base.
    pub fn snapshot(&mut self) -> Result<MemorySnapshot, MemoryError> {
        self.fetch_all()?;
        let pages = if self.paged {
            self.pages.snapshot_pages()?
        } else {
            self.flat_page_copies()?
        };
        let resident = pages.iter().filter(|page| page.is_some()).count();
        let inner = Arc::new(SnapshotInner {
            pages,
            max_pages: self.max_pages,
            resident,
        });
        self.base = Some(Arc::downgrade(&inner));
        Ok(MemorySnapshot { inner })
    }

    /// Copies of the non-zero pages of a flat memory (`None` for zero pages).
    pub(crate) fn flat_page_copies(&self) -> Result<Vec<Option<PageRef>>, MemoryError> {
        let count = self.flat.len() / PAGE;
        let mut pages = Vec::new();
        pages
            .try_reserve_exact(count)
            .map_err(|_| MemoryError::OutOfMemory)?;
        for index in 0..count {
            let copy = match self.flat.page(index) {
                Some(bytes) if !is_zero_page(bytes) => Some(PageRef::copy_of(bytes)?),
                _ => None,
            };
            pages.push(copy);
        }
        Ok(pages)
    }

    /// Whether `snapshot` is this memory's base: the last snapshot taken of
    /// it or restored into it. Restoring the base costs O(dirty pages +
    /// pages grown since); any other snapshot costs O(pages).
    pub fn is_base(&self, snapshot: &MemorySnapshot) -> bool {
        self.base
            .as_ref()
            .is_some_and(|base| core::ptr::eq(base.as_ptr(), Arc::as_ptr(&snapshot.inner)))
    }

    /// Makes the memory's size, contents and maximum those of `snapshot`,
    /// which then becomes its base (dirty-page count zero).
    ///
    /// `snapshot` may come from this memory or from another one with the
    /// same limit (declared maximum, or 65536 pages); otherwise this fails
    /// with [`MemoryError::SnapshotMismatch`]. Restoring the base costs
    /// O(dirty pages + pages grown since); any other snapshot, O(pages),
    /// and then pending pages are dropped with their source. A flat memory
    /// becomes paged (its buffer is freed), so that later restores cost
    /// O(dirty pages). Never fails half way: on `OutOfMemory` (page table)
    /// the memory is unchanged.
    pub fn restore(&mut self, snapshot: &MemorySnapshot) -> Result<(), MemoryError> {
        let inner = &snapshot.inner;
        if snapshot.limit_pages() != self.limit_pages() {
            return Err(MemoryError::SnapshotMismatch {
                snapshot_limit: snapshot.limit_pages(),
                memory_limit: self.limit_pages(),
            });
        }
        // A memory with pending pages has no base (see `lazy`); check anyway.
        // A flat memory has no page table to reset: it takes the full path.
        let fast = self.paged
            && self.lazy.is_none()
            && self.is_base(snapshot)
            && self.pages.reset_to(&inner.pages);
        if !fast {
            self.pages.replace_all(&inner.pages)?;
            self.flat.free();
            self.paged = true;
            self.finish_lazy();
            self.base = Some(Arc::downgrade(inner));
        }
        self.max_pages = inner.max_pages;
        Ok(())
    }
}
