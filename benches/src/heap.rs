//! Memory accounting for the per-instance figures: a counting wrapper over
//! the system allocator (exact live and peak heap bytes of everything Rust
//! allocates), and the process's resident set from `/proc/self/status`
//! (the only view of what C code such as wasm3 mallocs, and of memory an
//! engine maps itself, such as wasmtime's linear memories).
//!
//! The binary installs [`CountingAlloc`] as its `#[global_allocator]`; when
//! it is not installed (the library's tests), [`live`] returns `None` and the
//! report prints `n/a` for heap bytes. This is the only module of the crate
//! with `unsafe` code: implementing [`GlobalAlloc`] requires it.
#![allow(
    unsafe_code,
    reason = "GlobalAlloc is an unsafe trait; each call forwards to System unchanged"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The system allocator, counting the bytes it hands out.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

/// Bytes currently allocated through [`CountingAlloc`].
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The most [`LIVE`] has been since the last [`reset_peak`].
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Whether [`CountingAlloc`] has served any allocation (so is installed).
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn grow(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrink(bytes: usize) {
    LIVE.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the bookkeeping only touches atomics
// (it never allocates, so it cannot recurse into the allocator).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees for `layout` are passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            INSTALLED.store(true, Ordering::Relaxed);
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            INSTALLED.store(true, Ordering::Relaxed);
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator (so by `System`)
        // with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's guarantees for `ptr`, `layout` and `new_size`
        // are passed on as is.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // On failure the old block stays allocated: nothing changes.
            shrink(layout.size());
            grow(new_size);
        }
        new
    }
}

/// Live heap bytes, or `None` when [`CountingAlloc`] is not the global
/// allocator of this process.
pub fn live() -> Option<usize> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| LIVE.load(Ordering::Relaxed))
}

/// Starts a new peak window at the current live count; returns that count.
pub fn reset_peak() -> Option<usize> {
    let now = live()?;
    PEAK.store(now, Ordering::Relaxed);
    Some(now)
}

/// The highest live count since the last [`reset_peak`].
pub fn peak() -> Option<usize> {
    live()?;
    Some(PEAK.load(Ordering::Relaxed))
}

/// A `kB` field of `/proc/self/status`, in bytes.
fn status_field(name: &str) -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    status_value(&text, name)
}

/// The value of `name:` in `/proc/<pid>/status` text, in bytes.
pub fn status_value(text: &str, name: &str) -> Option<usize> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix(':')?;
        let kb: usize = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        kb.checked_mul(1024)
    })
}

/// The resident set size of this process, in bytes.
pub fn rss() -> Option<usize> {
    status_field("VmRSS")
}

/// The peak resident set size since the last [`reset_rss_peak`] (or the
/// process start), in bytes.
pub fn rss_peak() -> Option<usize> {
    status_field("VmHWM")
}

/// Resets the kernel's peak-RSS mark to the current RSS (writing `5` to
/// `/proc/self/clear_refs`, Linux 4.0+). Returns whether that worked.
pub fn reset_rss_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values_are_bytes() {
        let text = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t    1000 kB\nThreads:\t1\n";
        assert_eq!(status_value(text, "VmRSS"), Some(1_024_000));
        assert_eq!(status_value(text, "VmHWM"), Some(2_097_152));
        assert_eq!(status_value(text, "Threads"), None);
        assert_eq!(status_value(text, "VmSwap"), None);
    }

    #[test]
    fn rss_is_readable_here() {
        let rss = rss().expect("VmRSS on Linux");
        assert!(rss > 0);
        assert!(rss_peak().expect("VmHWM on Linux") >= rss / 2);
    }

    #[test]
    fn not_installed_in_unit_tests() {
        // The library's test binary keeps the default allocator.
        assert_eq!(live(), None);
        assert_eq!(peak(), None);
    }
}
