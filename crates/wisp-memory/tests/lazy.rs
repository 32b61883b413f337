//! Lazy pages through the public API: pages fetched exactly once and only
//! when touched, by every kind of access; the fast path limited only for
//! the pending region; failures that leave memory unchanged; and the source
//! dropped once nothing is pending.

mod common;

use common::{P, TestSource};
use wisp_memory::{Memory, MemoryError, PageSourceError};

/// An image of `pages` pages whose page `i` is filled with `i + 1`.
fn image(pages: u64) -> Vec<u8> {
    (0..pages * P).map(|a| (a / P) as u8 + 1).collect()
}

fn fetched(log: &std::sync::Mutex<common::SourceLog>) -> Vec<u64> {
    log.lock().unwrap().fetched.clone()
}

#[test]
fn pages_are_fetched_once_and_only_when_touched() {
    let (source, log) = TestSource::new(image(8));
    let mut m = Memory::new_lazy(8, None, [1, 3, 5], source).unwrap();
    assert_eq!(m.pending_pages(), 3);
    assert_eq!(m.resident_pages(), 0);
    // Page 0 is not pending: it reads as zeros and fetches nothing.
    assert_eq!(m.load::<4>(100).unwrap(), [0; 4]);
    assert!(fetched(&log).is_empty());
    // A load from page 3 fetches page 3 alone, once.
    assert_eq!(m.load::<4>(3 * P + 8).unwrap(), [4; 4]);
    assert_eq!(m.load::<8>(3 * P + 100).unwrap(), [4; 8]);
    assert_eq!(fetched(&log), [3]);
    assert!(!m.is_pending(3) && m.is_pending(1));
    // A store into page 1 fetches it first, keeping the rest of the page.
    m.store(P + 4, [0xAAu8; 2]).unwrap();
    assert_eq!(m.load::<8>(P).unwrap(), [2, 2, 2, 2, 0xAA, 0xAA, 2, 2]);
    assert_eq!(fetched(&log), [3, 1]);
    // A read across pages 4..6 fetches page 5.
    let mut buf = vec![0; 2 * P as usize];
    m.read(4 * P + P / 2, &mut buf).unwrap();
    assert_eq!(buf[..P as usize / 2], vec![0; P as usize / 2][..]);
    assert!(
        buf[P as usize / 2..3 * P as usize / 2]
            .iter()
            .all(|&b| b == 6)
    );
    assert_eq!(fetched(&log), [3, 1, 5]);
    assert_eq!(m.pending_pages(), 0);
    assert_eq!(m.fast_pages(), 8);
    assert_eq!(m.stats().pages_fetched, 3);
    assert!(log.lock().unwrap().dropped, "source dropped when done");
    // Nothing is fetched again.
    m.fetch_all().unwrap();
    assert_eq!(fetched(&log).len(), 3);
}

#[test]
fn fast_path_is_limited_only_by_the_first_pending_page() {
    let (source, log) = TestSource::new(image(10));
    let mut m = Memory::new_lazy(10, None, [6, 4, 8], source).unwrap();
    assert_eq!(m.fast_pages(), 4);
    // Accesses below page 4 touch nothing pending.
    m.store(3 * P, [1u8; 8]).unwrap();
    assert_eq!(m.load::<8>(3 * P).unwrap(), [1; 8]);
    // Fetching a later page leaves the limit at 4.
    m.load::<1>(6 * P).unwrap();
    assert_eq!(m.fast_pages(), 4);
    // Fetching page 4 moves it to the next pending page, 8 (not 6: done).
    m.load::<1>(4 * P).unwrap();
    assert_eq!(m.fast_pages(), 8);
    // Pages 5..8 past the old limit work as before.
    assert_eq!(m.load::<1>(5 * P).unwrap(), [0]);
    m.load::<1>(8 * P).unwrap();
    assert_eq!(m.fast_pages(), 10);
    assert_eq!(fetched(&log), [6, 4, 8]);
    // Growth of a memory with nothing pending keeps the whole memory fast.
    m.grow(2).unwrap();
    assert_eq!(m.fast_pages(), 12);
}

#[test]
fn growing_a_lazy_memory_keeps_the_limit_and_the_pending_pages() {
    let (source, log) = TestSource::new(image(3));
    let mut m = Memory::new_lazy(3, Some(6), [1], source).unwrap();
    assert_eq!(m.grow(3), Some(3));
    assert_eq!(m.fast_pages(), 1);
    assert_eq!(m.pending_pages(), 1);
    m.store(5 * P, [7u8]).unwrap();
    assert_eq!(m.load::<1>(5 * P).unwrap(), [7]);
    assert!(fetched(&log).is_empty());
    assert_eq!(m.load::<1>(P).unwrap(), [2]);
    assert_eq!(m.fast_pages(), 6);
}

#[test]
fn a_failed_fetch_leaves_memory_unchanged_and_the_page_pending() {
    let (source, log) = TestSource::new(image(4));
    log.lock().unwrap().failing.push(2);
    let mut m = Memory::new_lazy(4, None, [1, 2], source).unwrap();
    let err = MemoryError::PageFetch { page: 2 };
    assert_eq!(m.load::<4>(2 * P), Err(err));
    assert_eq!(
        m.take_fetch_error(),
        Some(PageSourceError::Io("page 2 unavailable".into()))
    );
    assert_eq!(m.take_fetch_error(), None);
    assert!(m.is_pending(2));
    assert_eq!(err.trap_code(), wisp_core::TrapCode::OutOfMemory);
    // A store straddling pages 1 and 2 fetches 1, fails on 2, writes nothing.
    assert_eq!(m.store(2 * P - 2, [9u8; 4]), Err(err));
    assert!(!m.is_pending(1) && m.is_pending(2));
    assert_eq!(m.load::<2>(2 * P - 2).unwrap(), [2, 2]);
    // Bulk operations fail the same way without writing.
    assert_eq!(m.fill(P, 0, 2 * P), Err(err));
    assert_eq!(m.write(0, &[5; 3 * 65536]), Err(err));
    assert_eq!(m.copy_within(0, 2 * P, 10), Err(err));
    assert_eq!(m.page(2).err(), Some(err));
    assert_eq!(m.snapshot().err(), Some(err));
    assert_eq!(m.fetch_all(), Err(err));
    assert_eq!(m.load::<8>(0).unwrap(), [0; 8]);
    assert_eq!(m.load::<8>(P).unwrap(), [2; 8]);
    assert_eq!(m.dirty_pages(), 0);
    // Out of bounds is reported before any fetch.
    assert_eq!(m.load::<4>(4 * P - 2), Err(MemoryError::OutOfBounds));
    // Once the source recovers the page is fetched, once.
    log.lock().unwrap().failing.clear();
    assert_eq!(m.load::<4>(2 * P).unwrap(), [3; 4]);
    assert_eq!(log.lock().unwrap().failed, vec![2; 8]);
    assert_eq!(fetched(&log), [1, 2]);
    assert_eq!(m.pending_pages(), 0);
}

#[test]
fn every_operation_fetches_what_it_touches() {
    let img = image(8);
    let (source, log) = TestSource::new(img.clone());
    let mut m = Memory::new_lazy(8, None, 0..8, source).unwrap();
    m.fill(10, 0, 5).unwrap();
    assert_eq!(fetched(&log), [0]);
    m.write(P + 1, &[1]).unwrap();
    assert_eq!(fetched(&log), [0, 1]);
    m.copy_within(3 * P, 2 * P, 4).unwrap();
    assert_eq!(fetched(&log), [0, 1, 2, 3]);
    assert_eq!(m.load::<4>(3 * P).unwrap(), [3; 4]);
    assert_eq!(m.page(4).unwrap().unwrap()[0], 5);
    assert!(!m.page_is_zero(5).unwrap());
    assert_eq!(fetched(&log), [0, 1, 2, 3, 4, 5]);
    // A whole-page write does not fetch the page it replaces.
    m.write_page(6, &[0x66; 65536]).unwrap();
    assert!(!m.is_pending(6));
    assert_eq!(m.load::<1>(6 * P).unwrap(), [0x66]);
    assert_eq!(fetched(&log), [0, 1, 2, 3, 4, 5]);
    // A snapshot fetches everything left.
    let s = m.snapshot().unwrap();
    assert_eq!(fetched(&log), [0, 1, 2, 3, 4, 5, 7]);
    assert_eq!(s.page(7).unwrap()[0], 8);
    assert_eq!(m.pending_pages(), 0);
    assert_eq!(m.stats().pages_fetched, 7);
}

#[test]
fn fetched_pages_are_clean_and_zero_pages_stay_untouched() {
    let mut img = image(3);
    img[P as usize..2 * P as usize].fill(0);
    let (source, log) = TestSource::new(img);
    let mut m = Memory::new_lazy(3, None, [0, 1, 2], source).unwrap();
    m.fetch_all().unwrap();
    assert_eq!(fetched(&log), [0, 1, 2]);
    assert_eq!(m.resident_pages(), 2, "the all-zero page is not kept");
    // The fetched pages are the memory's alone and sealed: the first write
    // takes one over without a copy.
    m.store(0, [1u8]).unwrap();
    let stats = m.stats();
    assert_eq!((stats.pages_copied, stats.pages_reclaimed), (0, 1));
    // Dirty pages are counted from a base snapshot, which a lazy memory
    // gets only once everything is fetched.
    assert_eq!(m.dirty_pages(), 0);
    let s = m.snapshot().unwrap();
    m.store(2 * P, [1u8]).unwrap();
    assert_eq!(m.dirty_pages(), 1);
    m.restore(&s).unwrap();
    assert_eq!(m.load::<1>(0).unwrap(), [1]);
}

#[test]
fn restoring_a_snapshot_drops_pending_pages_and_the_source() {
    let mut other = Memory::new_paged(4, None).unwrap();
    other.store(P, [5u8; 4]).unwrap();
    let s = other.snapshot().unwrap();
    let (source, log) = TestSource::new(image(4));
    let mut m = Memory::new_lazy(4, None, [1, 2], source).unwrap();
    m.restore(&s).unwrap();
    assert!(fetched(&log).is_empty());
    assert!(log.lock().unwrap().dropped);
    assert_eq!(m.pending_pages(), 0);
    assert_eq!(m.fast_pages(), 4);
    assert_eq!(m.load::<4>(P).unwrap(), [5; 4]);
    assert_eq!(m.load::<4>(2 * P).unwrap(), [0; 4]);
    assert!(m.is_base(&s));
}

#[test]
fn new_lazy_checks_its_arguments() {
    let (source, _) = TestSource::new(image(2));
    assert_eq!(
        Memory::new_lazy(2, None, [2], source).err(),
        Some(MemoryError::OutOfBounds)
    );
    let (source, _) = TestSource::new(image(2));
    assert!(matches!(
        Memory::new_lazy(3, Some(2), [0], source),
        Err(MemoryError::LimitExceeded { .. })
    ));
    // Duplicates count once; an empty list means nothing lazy at all.
    let (source, log) = TestSource::new(image(2));
    let m = Memory::new_lazy(2, None, [1, 1, 1], source).unwrap();
    assert_eq!(m.pending_pages(), 1);
    assert_eq!(m.fast_pages(), 1);
    drop(m);
    assert!(log.lock().unwrap().dropped);
    let (source, log) = TestSource::new(image(2));
    let m = Memory::new_lazy(2, None, [], source).unwrap();
    assert_eq!(m.fast_pages(), 2);
    assert!(log.lock().unwrap().dropped);
}

#[test]
fn lazy_memory_reaches_the_last_page_and_page_boundaries() {
    let (source, log) = TestSource::new(image(130));
    let pending: Vec<u64> = (0..130).filter(|p| p % 3 == 0).collect();
    let mut m = Memory::new_lazy(130, None, pending.clone(), source).unwrap();
    assert_eq!(m.fast_pages(), 0);
    // Straddling loads over pages 63|64 and 128|129 (bitmap word edges);
    // pages not listed as pending are zero whatever the image holds.
    assert_eq!(m.load::<4>(64 * P - 2).unwrap(), [64, 64, 0, 0]);
    assert_eq!(m.load::<4>(129 * P - 2).unwrap(), [0, 0, 130, 130]);
    assert_eq!(m.load::<1>(130 * P - 1).unwrap(), [130]);
    assert_eq!(fetched(&log), [63, 129]);
    m.fetch_all().unwrap();
    let mut all = fetched(&log);
    all.sort_unstable();
    assert_eq!(all, pending);
    assert_eq!(m.fast_pages(), 130);
}

#[test]
fn reads_without_fetching_refuse_pending_pages() {
    let (source, log) = TestSource::new(image(4));
    let mut m = Memory::new_lazy(4, None, [2], source).unwrap();
    let mut buf = [9u8; 8];
    m.read_without_fetch(2 * P - 8, &mut buf).unwrap();
    assert_eq!(buf, [0; 8]);
    assert_eq!(
        m.read_without_fetch(2 * P - 4, &mut buf),
        Err(MemoryError::PagePending { page: 2 })
    );
    assert_eq!(buf, [0; 8], "nothing read");
    assert_eq!(
        m.read_without_fetch(4 * P - 4, &mut buf),
        Err(MemoryError::OutOfBounds)
    );
    m.read_without_fetch(3 * P, &mut buf).unwrap();
    assert!(fetched(&log).is_empty());
    m.fetch_all().unwrap();
    m.read_without_fetch(2 * P - 4, &mut buf).unwrap();
    assert_eq!(buf, [0, 0, 0, 0, 3, 3, 3, 3]);
}
