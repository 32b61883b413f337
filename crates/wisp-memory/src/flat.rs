//! The flat representation: every byte of a memory in one contiguous,
//! zero-initialised buffer, and the load/store fast path on it.
//!
//! A flat access is one compare (`addr < bound`, where the buffer keeps
//! `bound = len + 1 - N` for each access width `N`) and the access itself,
//! with no table between the address and the byte, which is what makes it
//! the representation a memory starts in (see the crate docs for when it
//! turns paged). This module is the buffer's only `unsafe` code.
//!
//! # Validity
//! - `ptr` points to an allocation of `cap` bytes made with [`layout`]`(cap)`
//!   by `alloc_zeroed`, owned by this value (freed once, on drop or when a
//!   grow replaces it); for `cap == 0` it is dangling and never dereferenced.
//! - `len <= cap`, and the bytes of `[len, cap)` are zero, so growing within
//!   the capacity only moves `len`.
//! - `bounds[i] == bound(len, WIDTHS[i])`, that is `len + 1 - WIDTHS[i]`
//!   (0 if negative): an access of `WIDTHS[i]` bytes at `addr < bounds[i]`
//!   ends within `len`. Only `set_len` writes `len`, and it writes the
//!   bounds with it.
//!
//! Allocation is fallible: a refused buffer is [`MemoryError::OutOfMemory`]
//! and leaves the old one in place. The buffer comes from `alloc_zeroed`, so
//! on hosts whose allocator maps large blocks lazily (e.g. glibc), pages of
//! it never touched cost no RAM.

use alloc::alloc::{alloc_zeroed, dealloc};
use core::alloc::Layout;
use core::ptr::NonNull;

use crate::MemoryError;
use crate::page::{PAGE, PageBytes};

/// Alignment of the buffer: enough for any scalar or vector a load reads
/// (accesses use unaligned reads anyway).
const ALIGN: usize = 16;

/// The layout of a buffer of `cap > 0` bytes, if the size is representable.
fn layout(cap: usize) -> Result<Layout, MemoryError> {
    Layout::from_size_align(cap, ALIGN).map_err(|_| MemoryError::OutOfMemory)
}

/// The access widths, in bytes, whose bounds a buffer keeps.
const WIDTHS: [usize; 5] = [1, 2, 4, 8, 16];

/// The first address at which an access of `width >= 1` bytes no longer
/// fits in `len` bytes.
#[inline(always)]
fn bound(len: usize, width: usize) -> usize {
    len.saturating_add(1).saturating_sub(width)
}

/// A contiguous, zero-initialised byte buffer with a length and a capacity
/// (see "Validity").
pub(crate) struct FlatBytes {
    ptr: NonNull<u8>,
    len: usize,
    cap: usize,
    /// Per access width (see [`WIDTHS`]), the first address at which an
    /// access no longer fits. Kept so that the bounds check is one compare
    /// with no arithmetic on the length (two instructions fewer per access
    /// than computing `addr + N` and comparing it with `len`).
    bounds: [usize; WIDTHS.len()],
}

// SAFETY: `FlatBytes` owns its buffer exclusively, like a `Vec<u8>`; it is
// written only through `&mut self`.
unsafe impl Send for FlatBytes {}
// SAFETY: as above; `&FlatBytes` only reads.
unsafe impl Sync for FlatBytes {}

impl core::fmt::Debug for FlatBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FlatBytes")
            .field("len", &self.len)
            .field("cap", &self.cap)
            .finish()
    }
}

impl Drop for FlatBytes {
    fn drop(&mut self) {
        self.free();
    }
}

impl FlatBytes {
    /// An empty buffer that owns no allocation.
    pub(crate) const fn empty() -> Self {
        FlatBytes {
            ptr: NonNull::dangling(),
            len: 0,
            cap: 0,
            bounds: [0; WIDTHS.len()],
        }
    }

    /// A buffer of `len` zero bytes.
    pub(crate) fn zeroed(len: usize) -> Result<Self, MemoryError> {
        let mut flat = FlatBytes::empty();
        flat.grow_to(len, len)?;
        Ok(flat)
    }

    /// Length in bytes.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Sets the length, and the bounds that go with it (see "Validity").
    fn set_len(&mut self, len: usize) {
        self.len = len;
        for (slot, width) in self.bounds.iter_mut().zip(WIDTHS) {
            *slot = bound(len, width);
        }
    }

    /// Allocated bytes (at least the length).
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Frees the buffer, leaving it empty.
    pub(crate) fn free(&mut self) {
        if self.cap > 0
            && let Ok(layout) = layout(self.cap)
        {
            // SAFETY: `ptr` was allocated with `layout(cap)` and is freed
            // once: the fields are reset below (see "Validity").
            unsafe { dealloc(self.ptr.as_ptr(), layout) };
        }
        // Field by field: assigning a whole `FlatBytes` would drop the old
        // value, which frees again.
        self.ptr = NonNull::dangling();
        self.set_len(0);
        self.cap = 0;
    }

    /// Extends the buffer with zeros to `new_len` bytes (`>= len`). Within
    /// the capacity this only moves the length; beyond it, a new buffer of
    /// `goal.max(new_len)` bytes replaces the old one (one copy of the old
    /// bytes). On `OutOfMemory` nothing changed.
    pub(crate) fn grow_to(&mut self, new_len: usize, goal: usize) -> Result<(), MemoryError> {
        if new_len <= self.cap {
            // The tail of the capacity is already zero (see "Validity").
            self.set_len(self.len.max(new_len));
            return Ok(());
        }
        let cap = goal.max(new_len);
        let new_layout = layout(cap)?;
        // SAFETY: `cap >= new_len > self.cap >= 0`, so the size is non-zero.
        let raw = unsafe { alloc_zeroed(new_layout) };
        let ptr = NonNull::new(raw).ok_or(MemoryError::OutOfMemory)?;
        // SAFETY: the old buffer has `len` initialised bytes and the new one
        // `cap > len` bytes; they are distinct allocations.
        unsafe { core::ptr::copy_nonoverlapping(self.ptr.as_ptr(), ptr.as_ptr(), self.len) };
        let len = self.len.max(new_len);
        self.free();
        self.ptr = ptr;
        self.set_len(len);
        self.cap = cap;
        Ok(())
    }

    /// The bytes of the memory.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` holds `len` initialised bytes (zeroed at allocation),
        // or is dangling with `len == 0`, which a slice allows.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes of the memory, for writing.
    #[inline]
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes of page `index`, if it lies within the buffer.
    pub(crate) fn page(&self, index: usize) -> Option<&PageBytes> {
        let start = index.checked_mul(PAGE)?;
        let bytes = self.bytes().get(start..start.checked_add(PAGE)?)?;
        bytes.try_into().ok()
    }

    /// The offset of an access of `N` bytes at `addr` if it lies within the
    /// buffer.
    #[inline(always)]
    fn fast_offset<const N: usize>(&self, addr: u64) -> Option<usize> {
        let bound = match N {
            1 => self.bounds[0],
            2 => self.bounds[1],
            4 => self.bounds[2],
            8 => self.bounds[3],
            16 => self.bounds[4],
            _ => bound(self.len, N),
        };
        // `addr < bound <= len`, a `usize`, so `addr` fits in one, and
        // `addr + N <= len` (see "Validity").
        (addr < bound as u64).then_some(addr as usize)
    }

    /// Loads `N` bytes at `addr` if they lie within the buffer.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&self, addr: u64) -> Option<[u8; N]> {
        let offset = self.fast_offset::<N>(addr)?;
        #[cfg(any(test, feature = "extra-checks"))]
        {
            self.bytes()[offset..offset + N].try_into().ok()
        }
        #[cfg(not(any(test, feature = "extra-checks")))]
        {
            // SAFETY: `offset + N <= len` (`fast_offset`, by the bounds'
            // invariant in "Validity"), and the
            // first `len` bytes are initialised; `read_unaligned` has no
            // alignment requirement. `&self` rules out a concurrent write.
            Some(unsafe {
                self.ptr
                    .as_ptr()
                    .add(offset)
                    .cast::<[u8; N]>()
                    .read_unaligned()
            })
        }
    }

    /// Stores `bytes` at `addr` if they lie within the buffer; returns
    /// whether it stored (on `false` nothing changed).
    #[inline(always)]
    pub(crate) fn store<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> bool {
        let Some(offset) = self.fast_offset::<N>(addr) else {
            return false;
        };
        #[cfg(any(test, feature = "extra-checks"))]
        {
            self.bytes_mut()[offset..offset + N].copy_from_slice(&bytes);
        }
        #[cfg(not(any(test, feature = "extra-checks")))]
        {
            // SAFETY: `offset + N <= len` (`fast_offset`, by the bounds'
            // invariant in "Validity");
            // `&mut self` makes this the only access to the buffer.
            unsafe {
                self.ptr
                    .as_ptr()
                    .add(offset)
                    .cast::<[u8; N]>()
                    .write_unaligned(bytes);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a load and a store of `N` bytes at `addr` are accepted.
    fn fits<const N: usize>(flat: &mut FlatBytes, addr: u64) -> bool {
        let loaded = flat.load::<N>(addr).is_some();
        let stored = flat.store::<N>(addr, [0; N]);
        assert_eq!(loaded, stored, "load and store disagree at {addr}");
        loaded
    }

    /// Whether `addr + n <= len`, without overflow.
    fn ends_within(addr: u64, n: u64, len: u64) -> bool {
        addr.checked_add(n).is_some_and(|end| end <= len)
    }

    /// Checks that an access of `N` bytes at `addr` fits in a buffer of
    /// `len` bytes exactly when `addr + N <= len`.
    fn check_width<const N: usize>(flat: &mut FlatBytes, addr: u64, len: u64) {
        let expected = ends_within(addr, N as u64, len);
        assert_eq!(fits::<N>(flat, addr), expected, "N={N} at {addr}");
    }

    /// Checks every width against `addr + N <= len` around the end of a
    /// buffer of `len` bytes, and around address 0.
    fn check_bounds(flat: &mut FlatBytes) {
        let len = flat.len() as u64;
        let near_end = len.saturating_sub(20)..len + 20;
        for addr in (0..20)
            .chain(near_end)
            .chain([u64::from(u32::MAX), u64::MAX - 3])
        {
            check_width::<1>(flat, addr, len);
            check_width::<2>(flat, addr, len);
            check_width::<4>(flat, addr, len);
            check_width::<8>(flat, addr, len);
            check_width::<16>(flat, addr, len);
            check_width::<3>(flat, addr, len);
        }
    }

    #[test]
    fn an_access_fits_exactly_when_it_ends_within_the_length() {
        let mut flat = FlatBytes::empty();
        check_bounds(&mut flat);
        for len in [1, 3, 7, 15, 16, 17, PAGE] {
            let mut flat = FlatBytes::zeroed(len).expect("small buffer");
            check_bounds(&mut flat);
        }
    }

    #[test]
    fn growing_and_freeing_move_the_bounds_with_the_length() {
        let mut flat = FlatBytes::zeroed(8).expect("small buffer");
        flat.grow_to(12, 64).expect("grow beyond the capacity");
        check_bounds(&mut flat);
        flat.grow_to(40, 40).expect("grow within the capacity");
        check_bounds(&mut flat);
        flat.free();
        check_bounds(&mut flat);
    }
}
