//! A counting global allocator, so the `decode` check can bound how much
//! memory the decoder allocates for a given input.
//!
//! A binary that wants the bound checked installs it:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: wisp_fuzz::alloc_count::CountingAlloc = wisp_fuzz::alloc_count::CountingAlloc;
//! ```
//!
//! Counts are kept per thread (the test harness runs tests in parallel), in a
//! `const`-initialised thread-local `Cell` that needs neither allocation nor a
//! destructor, so reading it from inside the allocator cannot recurse. Every
//! allocation counts its full size, and a `realloc` counts its full new size as
//! if it were a fresh allocation: the count is the *total* bytes requested, an
//! upper bound on the peak live bytes. Without the allocator installed,
//! [`installed`] is false and the bound is not checked.
#![expect(
    unsafe_code,
    reason = "implementing GlobalAlloc requires `unsafe impl`; it only forwards to System"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting the bytes each thread requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

#[inline]
fn count(bytes: usize) {
    INSTALLED.store(true, Ordering::Relaxed);
    // `try_with`: the slot may already be gone while the thread shuts down.
    let _ = ALLOCATED.try_with(|c| c.set(c.get().saturating_add(bytes as u64)));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees hold; the counting touches only a
// thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Whether a [`CountingAlloc`] is the global allocator of this process (true
/// once it has served an allocation, which happens before `main`).
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Total bytes this thread has requested so far (0 without the allocator).
pub fn allocated() -> u64 {
    ALLOCATED.try_with(Cell::get).unwrap_or(0)
}

/// Runs `f` and returns its result with the bytes this thread requested meanwhile.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = allocated();
    let r = f();
    (r, allocated().saturating_sub(before))
}
