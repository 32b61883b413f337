//! `PageRef`: a reference-counted heap page, the unit of sharing between a
//! memory's page table and its snapshots.
//!
//! This is `Arc<UnsafeCell<PageBytes>>` written out by hand, for one reason:
//! allocation must be fallible (a refused page is `MemoryError::OutOfMemory`,
//! never an abort) and stable `Arc` has no fallible constructor. The page is
//! one allocation of [`PageBox`]: the 64 KiB of bytes first (so a pointer to
//! the box is a pointer to the bytes, which is what the page table stores)
//! and the reference count after them.
//!
//! # Validity
//! - Every `PageRef`, and every raw pointer obtained from
//!   [`PageRef::into_raw`] and not yet given back, holds one count of
//!   `refs`; the box is freed when the count drops to zero, exactly once.
//! - The bytes are written only by a holder that has seen `refs == 1`
//!   ([`PageRef::bytes_mut`], or the page table's write entries, see
//!   `page/mod.rs`). Since only holders can create new holders, a count of one
//!   stays one until the sole holder clones it, so no other thread can read
//!   the bytes during such a write.

use alloc::alloc::{alloc, alloc_zeroed, dealloc};
use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering, fence};

use super::{PAGE, PageBytes};
use crate::MemoryError;

/// The allocation behind a [`PageRef`].
#[repr(C)]
struct PageBox {
    /// The page; first, so that the box and its bytes share an address.
    bytes: UnsafeCell<PageBytes>,
    /// Number of holders (`PageRef`s plus raw pointers handed out).
    refs: AtomicUsize,
}

/// Layout of every page allocation.
const LAYOUT: Layout = Layout::new::<PageBox>();

/// A counted reference to a heap page (see the module docs).
pub(crate) struct PageRef {
    ptr: NonNull<PageBox>,
}

// SAFETY: a `PageRef` is a shared owner like `Arc`: the count is atomic, and
// the bytes are only mutated by a holder that observed itself to be the only
// one (see "Validity"), so moving or sharing holders across threads never
// lets two threads access the bytes with one of them writing.
unsafe impl Send for PageRef {}
// SAFETY: as above; `&PageRef` only reads the bytes or clones the holder.
unsafe impl Sync for PageRef {}

impl core::fmt::Debug for PageRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PageRef")
            .field("refs", &self.count().load(Ordering::Relaxed))
            .finish()
    }
}

impl PageRef {
    /// Allocates a page of zeros with one holder, or fails with
    /// `OutOfMemory`.
    pub(crate) fn zeroed() -> Result<PageRef, MemoryError> {
        // SAFETY: `LAYOUT` has a non-zero size.
        let raw = unsafe { alloc_zeroed(LAYOUT) }.cast::<PageBox>();
        let ptr = NonNull::new(raw).ok_or(MemoryError::OutOfMemory)?;
        // SAFETY: `ptr` is a fresh, exclusively owned allocation of `PageBox`
        // layout; zeroed bytes are a valid `PageBytes`, and the count field is
        // initialised here before any `PageRef` exists.
        unsafe { (&raw mut (*ptr.as_ptr()).refs).write(AtomicUsize::new(1)) };
        Ok(PageRef { ptr })
    }

    /// Allocates a copy of `src` with one holder, or fails with
    /// `OutOfMemory`.
    pub(crate) fn copy_of(src: &PageBytes) -> Result<PageRef, MemoryError> {
        // SAFETY: `LAYOUT` has a non-zero size.
        let raw = unsafe { alloc(LAYOUT) }.cast::<PageBox>();
        let ptr = NonNull::new(raw).ok_or(MemoryError::OutOfMemory)?;
        // SAFETY: `ptr` is a fresh, exclusively owned allocation of `PageBox`
        // layout, so it cannot overlap `src`; both fields are initialised here
        // (the bytes by a full `PAGE`-byte copy) before any `PageRef` exists.
        unsafe {
            let dst = UnsafeCell::raw_get(&raw const (*ptr.as_ptr()).bytes);
            core::ptr::copy_nonoverlapping(src.as_ptr(), dst.cast::<u8>(), PAGE);
            (&raw mut (*ptr.as_ptr()).refs).write(AtomicUsize::new(1));
        }
        Ok(PageRef { ptr })
    }

    /// The holder count.
    #[inline]
    fn count(&self) -> &AtomicUsize {
        // SAFETY: a live holder keeps the box allocated (see "Validity"); the
        // count is only ever accessed atomically.
        unsafe { &(*self.ptr.as_ptr()).refs }
    }

    /// Whether this is the only holder. `Acquire` pairs with the `Release`
    /// of the other holders' drops, so their reads of the bytes happen
    /// before any write this holder then makes.
    #[inline]
    pub(crate) fn is_unique(&self) -> bool {
        self.count().load(Ordering::Acquire) == 1
    }

    /// The bytes, for reading.
    #[inline]
    pub(crate) fn bytes(&self) -> &PageBytes {
        // SAFETY: the box is live while `self` is; bytes are written only by
        // a sole holder (see "Validity"), and while this `&self` borrow lasts
        // there are at least two holders or the sole holder is borrowed
        // shared, so no write can happen during the borrow.
        unsafe { &*UnsafeCell::raw_get(&raw const (*self.ptr.as_ptr()).bytes) }
    }

    /// The bytes, for writing, if this is the only holder.
    #[inline]
    pub(crate) fn bytes_mut(&mut self) -> Option<&mut PageBytes> {
        if !self.is_unique() {
            return None;
        }
        // SAFETY: the sole holder is borrowed mutably, so no other reference
        // to the bytes exists and none can be created during the borrow.
        Some(unsafe { &mut *UnsafeCell::raw_get(&raw const (*self.ptr.as_ptr()).bytes) })
    }

    /// Turns this holder into a raw pointer to the bytes (the form the page
    /// table stores). The count is not changed: the pointer now holds it.
    #[inline]
    pub(crate) fn into_raw(self) -> NonNull<PageBytes> {
        let this = ManuallyDrop::new(self);
        // `bytes` is the first field of the `repr(C)` box.
        this.ptr.cast::<PageBytes>()
    }

    /// Takes back the holder that `raw` carries.
    ///
    /// # Safety
    /// `raw` came from [`PageRef::into_raw`] and is not used as a holder
    /// again (its count now belongs to the returned `PageRef`).
    #[inline]
    pub(crate) unsafe fn from_raw(raw: NonNull<PageBytes>) -> PageRef {
        PageRef { ptr: raw.cast() }
    }

    /// A new holder of the page behind `raw`, which keeps its own.
    ///
    /// # Safety
    /// `raw` came from [`PageRef::into_raw`] and still holds its count.
    #[inline]
    pub(crate) unsafe fn clone_raw(raw: NonNull<PageBytes>) -> PageRef {
        // SAFETY: the caller guarantees `raw` is a live holder; wrapping it
        // in `ManuallyDrop` borrows its count without releasing it.
        let borrowed = ManuallyDrop::new(unsafe { PageRef::from_raw(raw) });
        PageRef::clone(&borrowed)
    }

    /// Whether the page behind `raw` has no other holder.
    ///
    /// # Safety
    /// `raw` came from [`PageRef::into_raw`] and still holds its count.
    #[inline]
    pub(crate) unsafe fn is_unique_raw(raw: NonNull<PageBytes>) -> bool {
        // SAFETY: as for `clone_raw`.
        let borrowed = ManuallyDrop::new(unsafe { PageRef::from_raw(raw) });
        borrowed.is_unique()
    }

    /// Whether `self` and `other` hold the same page.
    #[cfg(test)]
    pub(crate) fn same_page(&self, other: &PageRef) -> bool {
        self.ptr == other.ptr
    }
}

impl Clone for PageRef {
    #[inline]
    fn clone(&self) -> PageRef {
        // `Relaxed` suffices, as in `Arc::clone`: the new holder is made from
        // an existing one, whose own synchronisation covers the bytes. The
        // count cannot overflow: every holder is either a page-table entry or
        // an element of a snapshot's page vector, each taking 8 bytes of
        // address space.
        self.count().fetch_add(1, Ordering::Relaxed);
        PageRef { ptr: self.ptr }
    }
}

impl Drop for PageRef {
    fn drop(&mut self) {
        // `Release` publishes this holder's reads and writes of the bytes to
        // whoever frees the page or next writes it as sole holder.
        if self.count().fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        // SAFETY: this was the last holder (see "Validity"), so nothing else
        // can reach the box; it was allocated with `LAYOUT` by `zeroed` or
        // `copy_of`.
        unsafe { dealloc(self.ptr.as_ptr().cast::<u8>(), LAYOUT) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_holders_and_frees_on_last_drop() {
        let mut a = PageRef::zeroed().unwrap();
        assert!(a.bytes().iter().all(|&b| b == 0));
        a.bytes_mut().unwrap()[5] = 7;
        let b = a.clone();
        assert!(!a.is_unique());
        assert!(a.bytes_mut().is_none(), "shared pages are read-only");
        assert_eq!(b.bytes()[5], 7);
        drop(b);
        assert!(a.is_unique());
        a.bytes_mut().unwrap()[5] = 8;
        let raw = a.into_raw();
        // SAFETY (test): `raw` holds the only count.
        unsafe {
            assert!(PageRef::is_unique_raw(raw));
            let c = PageRef::clone_raw(raw);
            assert!(!PageRef::is_unique_raw(raw));
            assert_eq!(c.bytes()[5], 8);
            drop(c);
            drop(PageRef::from_raw(raw));
        }
    }

    #[test]
    fn copies_are_independent() {
        let mut a = PageRef::zeroed().unwrap();
        a.bytes_mut().unwrap()[PAGE - 1] = 3;
        let mut c = PageRef::copy_of(a.bytes()).unwrap();
        assert!(!c.same_page(&a));
        assert_eq!(c.bytes()[PAGE - 1], 3);
        c.bytes_mut().unwrap()[PAGE - 1] = 4;
        assert_eq!(a.bytes()[PAGE - 1], 3);
    }

    #[cfg(feature = "std")]
    #[test]
    fn holders_cross_threads() {
        let a = PageRef::zeroed().unwrap();
        let b = a.clone();
        std::thread::spawn(move || assert_eq!(b.bytes()[0], 0))
            .join()
            .unwrap();
        assert!(a.is_unique());
    }
}
