//! Page allocations counted by a test global allocator: pages are freed
//! exactly once (no leaks, no double frees) across snapshots, restores, COW
//! copies, spare pages, lazy fetches and drops in any order, and a reset
//! loop allocates only in its first round (later rounds reuse the spare
//! pages the restores keep).
//!
//! The counters are per thread (a `const` thread-local needs no allocation
//! and no destructor), so the tests in this binary can run in parallel.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::{P, TestSource};
use wisp_memory::Memory;

struct Counting;

thread_local! {
    static LIVE_PAGES: Cell<isize> = const { Cell::new(0) };
    static PAGE_ALLOCS: Cell<usize> = const { Cell::new(0) };
}

/// Page allocations are 64 KiB plus a small header (the reference count);
/// page tables of the sizes used here are far smaller or far larger.
fn is_page(layout: Layout) -> bool {
    (65536..65536 + 64).contains(&layout.size())
}

// SAFETY: forwards to `System`, only counting on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_page(layout) {
            LIVE_PAGES.with(|c| c.set(c.get() + 1));
            PAGE_ALLOCS.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_page(layout) {
            LIVE_PAGES.with(|c| c.set(c.get() + 1));
            PAGE_ALLOCS.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_page(layout) {
            LIVE_PAGES.with(|c| c.set(c.get() - 1));
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE_PAGES.with(Cell::get)
}

fn allocs() -> usize {
    PAGE_ALLOCS.with(Cell::get)
}

#[test]
fn pages_are_freed_exactly_once_in_any_drop_order() {
    let start = live();
    {
        let mut m = Memory::new_paged(8, None).unwrap();
        for i in 0..8 {
            m.store(i * P, [1u8]).unwrap();
        }
        assert_eq!(live() - start, 8);
        let s1 = m.snapshot().unwrap();
        assert_eq!(live() - start, 8, "a snapshot shares, it does not copy");
        m.store(0, [2u8]).unwrap();
        m.store(P, [2u8]).unwrap();
        assert_eq!(live() - start, 10, "two copies on write");
        let s2 = m.snapshot().unwrap();
        m.fill(2 * P, 0, P).unwrap(); // decommit a page shared by s1 and s2
        assert_eq!(live() - start, 10);
        drop(s1); // s1's pages 0 and 1 are only its own: freed
        assert_eq!(live() - start, 8);
        m.restore(&s2).unwrap();
        let s3 = s2.clone();
        drop(s2);
        drop(m); // the memory first, the snapshot last
        assert_eq!(live() - start, 8);
        drop(s3);
    }
    assert_eq!(live(), start);
}

#[test]
fn reset_loop_allocates_only_in_its_first_round() {
    let start = live();
    let mut m = Memory::new_paged(32, None).unwrap();
    for i in 0..32 {
        m.store(i * P, [1u8]).unwrap();
    }
    let s = m.snapshot().unwrap();
    let before = allocs();
    for round in 0..100u64 {
        m.store(5 * P + round, [9u8]).unwrap();
        m.store(6 * P + round, [9u8]).unwrap();
        m.restore(&s).unwrap();
        // The snapshot's 32 pages plus the two copies, kept as spares.
        assert_eq!(live() - start, 34);
        assert_eq!(m.spare_pages(), 2);
    }
    assert_eq!(allocs() - before, 2);
    assert_eq!(m.stats().pages_copied, 200);
    m.trim();
    assert_eq!(live() - start, 32);
    drop(m);
    assert_eq!(live() - start, 32, "the snapshot still holds its pages");
    drop(s);
    assert_eq!(live(), start);
}

#[test]
fn grown_pages_full_restores_and_lazy_fetches_free_everything() {
    let start = live();
    {
        let mut a = Memory::new_paged(2, Some(50)).unwrap();
        a.store(0, [1u8]).unwrap();
        let s = a.snapshot().unwrap();
        a.grow(40).unwrap();
        for i in 2..42 {
            a.store(i * P, [1u8]).unwrap();
        }
        assert_eq!(live() - start, 41);
        a.restore(&s).unwrap();
        // The grown pages are kept as spares, up to 64.
        assert_eq!(a.spare_pages(), 40);
        assert_eq!(live() - start, 41);
        // The next writes take spares instead of allocating.
        let before = allocs();
        a.grow(2).unwrap();
        a.store(2 * P, [1u8]).unwrap();
        a.store(3 * P, [1u8]).unwrap();
        assert_eq!(allocs(), before);
        assert_eq!(a.spare_pages(), 38);
        a.trim();
        a.restore(&s).unwrap();
        assert_eq!(a.spare_pages(), 2);
        a.trim();
        assert_eq!(live() - start, 1);

        let image: Vec<u8> = vec![3; 4 * P as usize];
        let (source, log) = TestSource::new(image);
        log.lock().unwrap().failing.push(2);
        let mut b = Memory::new_lazy(4, Some(50), 0..4, source).unwrap();
        assert!(b.load::<1>(2 * P).is_err(), "failed fetch frees its page");
        assert_eq!(live() - start, 1);
        b.load::<1>(P).unwrap();
        assert_eq!(live() - start, 2);
        b.restore(&s).unwrap(); // drops b's fetched page and the pending ones
        assert_eq!(live() - start, 1);
        assert_eq!(b.spare_pages(), 0, "a full restore keeps no spares");
        assert_eq!(b.resident_pages(), 1);
        drop(s);
        a.store(0, [2u8]).unwrap(); // shared with b now: a copy
        assert_eq!(live() - start, 2);
        // Spares are freed when the memory is dropped.
        let s = a.snapshot().unwrap();
        a.grow(3).unwrap();
        a.store(2 * P, [1u8]).unwrap();
        a.restore(&s).unwrap();
        assert_eq!(a.spare_pages(), 1);
    }
    assert_eq!(live(), start);
}
