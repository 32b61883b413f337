//! Bulk byte operations on a [`Memory`]: `read`, `write`, `fill`,
//! `copy_within`, and the page-splitting helpers behind the cold load/store
//! paths.
//!
//! On a flat memory each operation is one slice operation after its bounds
//! checks. On a paged one, every operation runs in two phases:
//!
//! 1. Check the whole range, fetch the pending pages it touches (a lazy
//!    memory), then make writable every page the operation will have to
//!    write: allocate it, or copy it if a snapshot shares it. A failure
//!    therefore leaves memory unchanged as Wasm sees it (pages fetched,
//!    allocated or copied so far hold what they held before; the copies and
//!    allocations only count as dirty pages).
//! 2. Copy page by page. Untouched pages that would only receive zeros stay
//!    untouched, so zero data, `fill(.., 0, ..)` and copies from untouched
//!    regions cost no RAM. A zero `fill` covering a whole page frees it.

use crate::page::PAGE;
use crate::{Memory, MemoryError, OFFSET_MASK, PAGE_SHIFT, PAGE_SIZE};

/// The pieces of an in-bounds range `[addr, end)` that lie within one page
/// each, as `(page index, offset in page, length)`.
struct PageChunks {
    addr: u64,
    end: u64,
}

impl Iterator for PageChunks {
    type Item = (usize, usize, usize);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.addr >= self.end {
            return None;
        }
        let offset = self.addr & OFFSET_MASK;
        let len = (PAGE_SIZE - offset).min(self.end - self.addr);
        let (page, offset_in_page) = split(self.addr);
        self.addr += len;
        // `len <= PAGE_SIZE`, so the cast is lossless.
        Some((page, offset_in_page, len as usize))
    }
}

/// Splits a range already checked against the memory size into page pieces.
#[inline]
fn chunks(addr: u64, len: u64) -> PageChunks {
    PageChunks {
        addr,
        end: addr.saturating_add(len),
    }
}

/// Page index and in-page offset of an in-bounds address (`< 2^32`, so both
/// casts are lossless).
#[inline]
fn split(addr: u64) -> (usize, usize) {
    ((addr >> PAGE_SHIFT) as usize, (addr & OFFSET_MASK) as usize)
}

impl Memory {
    /// Reads `buf.len()` bytes starting at `addr` into `buf`.
    ///
    /// Untouched pages read as zeros and stay unallocated. Takes `&mut self`
    /// only to fetch pending pages of a lazy memory.
    pub fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        self.check_range(addr, buf.len() as u64)?;
        self.materialize(addr, buf.len() as u64)?;
        self.read_in_bounds(addr, buf);
        Ok(())
    }

    /// Reads like [`Memory::read`] but through `&self`, so without fetching:
    /// fails with [`MemoryError::PagePending`] (nothing read) if the range
    /// touches a pending page of a lazy memory. For embedders that hold only
    /// a shared reference; after [`Memory::fetch_all`] it never fails that way.
    pub fn read_without_fetch(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        self.check_range(addr, buf.len() as u64)?;
        if let Some(page) = self.first_pending_in(addr, buf.len() as u64) {
            return Err(MemoryError::PagePending { page });
        }
        self.read_in_bounds(addr, buf);
        Ok(())
    }

    /// Writes `data` starting at `addr`. Checks the whole range first: on
    /// error, no byte is written.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        self.check_range(addr, data.len() as u64)?;
        self.materialize(addr, data.len() as u64)?;
        self.write_in_bounds(addr, data)
    }

    /// Sets `len` bytes starting at `addr` to `byte` (`memory.fill`).
    ///
    /// Checks the whole range first: on error, no byte is written. Filling
    /// with zero allocates nothing and frees pages it covers completely.
    pub fn fill(&mut self, addr: u64, byte: u8, len: u64) -> Result<(), MemoryError> {
        self.check_range(addr, len)?;
        if !self.paged {
            // In bounds, so the range fits in `usize`.
            let start = addr as usize;
            self.flat.bytes_mut()[start..start + len as usize].fill(byte);
            return Ok(());
        }
        self.materialize(addr, len)?;
        // Phase 1: make writable the pages that will hold non-zero bytes, or
        // that are resident and only partly zeroed.
        for (page, _, n) in chunks(addr, len) {
            let needs_page = byte != 0 || (n < PAGE && self.pages.is_resident(page));
            if needs_page && !self.pages.is_writable(page) {
                self.pages.make_writable(page)?;
            }
        }
        // Phase 2: write.
        for (page, offset, n) in chunks(addr, len) {
            if byte == 0 && n == PAGE {
                self.pages.decommit(page);
            } else if let Some(bytes) = self.pages.get_mut(page) {
                bytes[offset..offset + n].fill(byte);
            }
        }
        Ok(())
    }

    /// Copies `len` bytes from `src` to `dst` with `memmove` semantics
    /// (`memory.copy`): overlapping ranges copy as if through a temporary.
    ///
    /// Checks both ranges first: on error, no byte is written.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> Result<(), MemoryError> {
        self.check_range(src, len)?;
        self.check_range(dst, len)?;
        if len == 0 || src == dst {
            return Ok(());
        }
        if !self.paged {
            // Both ranges are in bounds, so they fit in `usize`.
            let (src, dst, len) = (src as usize, dst as usize, len as usize);
            self.flat.bytes_mut().copy_within(src..src + len, dst);
            return Ok(());
        }
        self.materialize(src, len)?;
        self.materialize(dst, len)?;
        // Phase 1: a destination page must be writable if it is resident or
        // if any source byte that lands in it comes from a resident page.
        // A destination page left untouched then only ever receives zeros:
        // its source lay in pages untouched before the copy, which can only
        // have become resident here, in phase 1, and are still zero wherever
        // they have not yet been overwritten (the copy order guarantees the
        // source is read before it is overwritten).
        let mut dst_addr = dst;
        for (page, _, n) in chunks(dst, len) {
            if !self.pages.is_writable(page) {
                let src_addr = src + (dst_addr - dst);
                let needs_page = self.pages.is_resident(page)
                    || chunks(src_addr, n as u64).any(|(p, _, _)| self.pages.is_resident(p));
                if needs_page {
                    self.pages.make_writable(page)?;
                }
            }
            dst_addr += n as u64;
        }
        // Phase 2: copy in pieces that never cross a page boundary on either
        // side, low to high when moving down and high to low when moving up,
        // so that no source byte is overwritten before it is read.
        if dst < src {
            let mut done = 0;
            while done < len {
                let (s, d) = (src + done, dst + done);
                let n = (len - done)
                    .min(PAGE_SIZE - (s & OFFSET_MASK))
                    .min(PAGE_SIZE - (d & OFFSET_MASK));
                self.copy_piece(s, d, n as usize);
                done += n;
            }
        } else {
            let mut left = len;
            while left > 0 {
                let (s_end, d_end) = (src + left, dst + left);
                let n = left
                    .min(((s_end - 1) & OFFSET_MASK) + 1)
                    .min(((d_end - 1) & OFFSET_MASK) + 1);
                self.copy_piece(s_end - n, d_end - n, n as usize);
                left -= n;
            }
        }
        Ok(())
    }

    /// Copies `n` bytes from `src` to `dst`, where neither range crosses a
    /// page boundary and phase 1 of `copy_within` has run.
    #[inline]
    fn copy_piece(&mut self, src: u64, dst: u64, n: usize) {
        let (src_page, so) = split(src);
        let (dst_page, d_off) = split(dst);
        if src_page == dst_page {
            // An untouched page copied onto itself is zeros onto zeros.
            if let Some(bytes) = self.pages.get_mut(dst_page) {
                bytes.copy_within(so..so + n, d_off);
            }
            return;
        }
        match self.pages.pair_mut(src_page, dst_page) {
            // Untouched destination: the source is zero (see phase 1).
            (_, None) => {}
            (Some(from), Some(to)) => to[d_off..d_off + n].copy_from_slice(&from[so..so + n]),
            (None, Some(to)) => to[d_off..d_off + n].fill(0),
        }
    }

    /// Reads an already bounds-checked range whose pages are not pending.
    pub(crate) fn read_in_bounds(&self, addr: u64, buf: &mut [u8]) {
        if !self.paged {
            let start = addr as usize;
            buf.copy_from_slice(&self.flat.bytes()[start..start + buf.len()]);
            return;
        }
        let mut pos = 0;
        for (page, offset, n) in chunks(addr, buf.len() as u64) {
            let out = &mut buf[pos..pos + n];
            match self.pages.get(page) {
                Some(bytes) => out.copy_from_slice(&bytes[offset..offset + n]),
                None => out.fill(0),
            }
            pos += n;
        }
    }

    /// Writes an already bounds-checked range whose pages are not pending;
    /// on error nothing is written.
    pub(crate) fn write_in_bounds(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        if !self.paged {
            let start = addr as usize;
            self.flat.bytes_mut()[start..start + data.len()].copy_from_slice(data);
            return Ok(());
        }
        // Phase 1: make writable the pages that must change.
        let mut pos = 0;
        for (page, _, n) in chunks(addr, data.len() as u64) {
            if !self.pages.is_writable(page)
                && (self.pages.is_resident(page) || data[pos..pos + n].iter().any(|&b| b != 0))
            {
                self.pages.make_writable(page)?;
            }
            pos += n;
        }
        // Phase 2: copy; untouched pages left here only receive zeros.
        let mut pos = 0;
        for (page, offset, n) in chunks(addr, data.len() as u64) {
            if let Some(bytes) = self.pages.get_mut(page) {
                bytes[offset..offset + n].copy_from_slice(&data[pos..pos + n]);
            }
            pos += n;
        }
        Ok(())
    }
}
