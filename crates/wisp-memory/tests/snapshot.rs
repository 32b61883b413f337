//! Copy-on-write snapshots through the public API: round trips of contents,
//! size and maximum, isolation between a memory and its snapshots, the
//! base-restore fast path (work proportional to dirty pages), non-base and
//! cross-memory restores, and snapshot lifetimes.

mod common;

use common::{P, Rng};
use wisp_memory::{Memory, MemoryError, MemorySnapshot};

/// A memory of `pages` pages (max `max`) whose page `i` starts with `i + 1`.
fn filled(pages: u64, max: Option<u64>) -> Memory {
    let mut m = Memory::new_paged(pages, max).unwrap();
    for i in 0..pages {
        m.store(i * P, [i as u8 + 1; 8]).unwrap();
    }
    m
}

fn contents(m: &mut Memory) -> Vec<u8> {
    let mut all = vec![0; m.size_bytes() as usize];
    m.read(0, &mut all).unwrap();
    all
}

fn snapshot_contents(s: &MemorySnapshot) -> Vec<u8> {
    let mut all = vec![0; s.size_bytes() as usize];
    s.read(0, &mut all).unwrap();
    all
}

#[test]
fn round_trip_restores_contents_size_and_max() {
    let mut m = filled(4, Some(10));
    m.write(P - 3, &[7; 6]).unwrap();
    let before = contents(&mut m);
    let s = m.snapshot().unwrap();
    assert_eq!(s.size_pages(), 4);
    assert_eq!(s.resident_pages(), 4);
    assert_eq!(s.max_pages(), Some(10));
    assert!(m.is_base(&s));
    assert_eq!(m.dirty_pages(), 0);

    m.fill(0, 0xEE, 3 * P).unwrap();
    m.grow(3).unwrap();
    m.store(6 * P, [1u8; 4]).unwrap();
    assert_ne!(contents(&mut m)[..4 * P as usize], before[..]);

    m.restore(&s).unwrap();
    assert_eq!(m.size_pages(), 4);
    assert_eq!(m.max_pages(), Some(10));
    assert_eq!(contents(&mut m), before);
    assert_eq!(m.resident_pages(), 4);
    assert_eq!(m.dirty_pages(), 0);
    assert_eq!(m.load::<1>(4 * P), Err(MemoryError::OutOfBounds));
    // The memory can grow again and the new pages read as zeros.
    assert_eq!(m.grow(3), Some(4));
    assert_eq!(m.load::<4>(6 * P).unwrap(), [0; 4]);
}

#[test]
fn writes_after_a_snapshot_do_not_leak_into_it() {
    let mut m = filled(3, None);
    let s = m.snapshot().unwrap();
    let before = snapshot_contents(&s);
    // Fast stores, straddling stores, bulk ops, zero fills that free pages.
    m.store(5, [9u8; 4]).unwrap();
    m.store(P - 2, [9u8; 4]).unwrap();
    m.copy_within(2 * P, 0, 100).unwrap();
    m.fill(P, 0, P).unwrap();
    m.write_page(2, &[3; 65536]).unwrap();
    assert_eq!(snapshot_contents(&s), before);
    assert_eq!(s.page(0).unwrap()[5], 1);
    assert_eq!(m.load::<1>(5).unwrap(), [9]);
    assert!(m.resident_page(1).is_none(), "zero fill freed the page");
    assert!(s.page(1).is_some(), "the snapshot still holds it");
}

#[test]
fn reset_work_is_proportional_to_dirty_pages() {
    let mut m = filled(64, Some(64));
    let s = m.snapshot().unwrap();
    let base = m.stats();
    for round in 0..50u64 {
        // Dirty three pages, one of them twice.
        m.store(7 * P + round, [round as u8; 1]).unwrap();
        m.store(7 * P + 100, [1u8; 2]).unwrap();
        m.store(20 * P, [2u8; 8]).unwrap();
        m.fill(63 * P + 1, 5, 10).unwrap();
        assert_eq!(m.dirty_pages(), 3);
        assert_eq!(m.resident_pages(), 64);
        m.restore(&s).unwrap();
        assert_eq!(m.dirty_pages(), 0);
        assert_eq!(m.resident_pages(), 64);
        assert_eq!(m.load::<8>(7 * P).unwrap(), [8; 8]);
        assert_eq!(m.load::<8>(20 * P).unwrap(), [21; 8]);
    }
    // Exactly one copy per dirtied page per round; nothing else allocated.
    let stats = m.stats();
    assert_eq!(stats.pages_copied - base.pages_copied, 3 * 50);
    assert_eq!(stats.pages_zeroed, base.pages_zeroed);
    assert_eq!(stats.pages_reclaimed, base.pages_reclaimed);
    assert!(m.is_base(&s));
}

#[test]
fn base_restore_cuts_off_grown_pages() {
    let mut m = filled(2, None);
    let s = m.snapshot().unwrap();
    m.grow(100).unwrap();
    for i in 2..102 {
        m.store(i * P, [1u8]).unwrap();
    }
    assert_eq!(m.resident_pages(), 102);
    assert_eq!(m.dirty_pages(), 100);
    m.restore(&s).unwrap();
    assert_eq!(m.size_pages(), 2);
    assert_eq!(m.resident_pages(), 2);
    assert_eq!(m.grow(1), Some(2));
    assert_eq!(m.load::<1>(2 * P).unwrap(), [0]);
}

#[test]
fn restoring_a_non_base_snapshot_makes_it_the_base() {
    let mut m = filled(3, Some(8));
    let s1 = m.snapshot().unwrap();
    let c1 = contents(&mut m);
    m.store(P, [50u8; 4]).unwrap();
    m.grow(2).unwrap();
    m.store(4 * P, [60u8; 4]).unwrap();
    let s2 = m.snapshot().unwrap();
    let c2 = contents(&mut m);
    assert!(m.is_base(&s2) && !m.is_base(&s1));
    m.store(0, [70u8; 4]).unwrap();

    m.restore(&s1).unwrap();
    assert!(m.is_base(&s1));
    assert_eq!(contents(&mut m), c1);
    assert_eq!(m.dirty_pages(), 0);
    // Now s1 is the base: the next restore of it is the fast one.
    m.store(0, [80u8; 4]).unwrap();
    assert_eq!(m.dirty_pages(), 1);
    m.restore(&s1).unwrap();
    assert_eq!(contents(&mut m), c1);

    m.restore(&s2).unwrap();
    assert_eq!(m.size_pages(), 5);
    assert_eq!(contents(&mut m), c2);
}

#[test]
fn dropping_the_snapshot_first_lets_writes_reclaim_pages_without_copying() {
    let mut m = filled(4, None);
    let s = m.snapshot().unwrap();
    drop(s);
    let base = m.stats();
    for i in 0..4 {
        m.store(i * P + 10, [1u8]).unwrap();
    }
    let stats = m.stats();
    assert_eq!(stats.pages_copied, base.pages_copied);
    assert_eq!(stats.pages_reclaimed - base.pages_reclaimed, 4);
    assert_eq!(m.dirty_pages(), 4);
    assert_eq!(m.resident_pages(), 4);
    // A clone keeps the pages shared: writes copy.
    let s = m.snapshot().unwrap();
    let s2 = s.clone();
    drop(s);
    m.store(0, [2u8]).unwrap();
    assert_eq!(m.stats().pages_copied, base.pages_copied + 1);
    assert_eq!(s2.page(0).unwrap()[0], 1);
}

#[test]
fn many_snapshots_alive_at_once() {
    let mut rng = Rng(0x5EED);
    let mut m = Memory::new_paged(4, Some(16)).unwrap();
    let mut saved = Vec::new();
    for k in 0..24u64 {
        for _ in 0..3 {
            let size = m.size_bytes();
            let addr = rng.below(size - 8);
            m.store(addr, rng.next().to_le_bytes()).unwrap();
        }
        if k % 5 == 0 {
            m.grow(1);
        }
        let s = m.snapshot().unwrap();
        saved.push((s, contents(&mut m)));
    }
    // Restore them in a scrambled order, twice each, and write in between.
    for round in 0..2 {
        for j in 0..saved.len() {
            let i = (j * 7 + round) % saved.len();
            let (s, c) = &saved[i];
            m.restore(s).unwrap();
            assert_eq!(&contents(&mut m), c, "snapshot {i}");
            m.store(0, [0xAAu8; 8]).unwrap();
        }
    }
    // Every snapshot still reads what was saved.
    for (s, c) in &saved {
        assert_eq!(&snapshot_contents(s), c);
    }
}

#[test]
fn restore_into_another_memory_with_the_same_limit() {
    let mut a = filled(3, Some(5));
    let s = a.snapshot().unwrap();
    let mut b = Memory::new_paged(1, Some(5)).unwrap();
    b.store(0, [99u8]).unwrap();
    b.restore(&s).unwrap();
    assert!(b.is_base(&s) && a.is_base(&s));
    assert_eq!(contents(&mut b), contents(&mut a));
    // Both write their own copies.
    b.store(P, [42u8]).unwrap();
    a.store(P, [43u8]).unwrap();
    assert_eq!(b.load::<1>(P).unwrap(), [42]);
    assert_eq!(a.load::<1>(P).unwrap(), [43]);
    assert_eq!(s.page(1).unwrap()[0], 2);
    b.restore(&s).unwrap();
    assert_eq!(b.load::<1>(P).unwrap(), [2]);

    // A different limit is refused and changes nothing.
    let mut c = Memory::new_paged(1, Some(6)).unwrap();
    c.store(0, [1u8]).unwrap();
    assert_eq!(
        c.restore(&s),
        Err(MemoryError::SnapshotMismatch {
            snapshot_limit: 5,
            memory_limit: 6
        })
    );
    assert_eq!(c.size_pages(), 1);
    assert_eq!(c.load::<1>(0).unwrap(), [1]);
    // No declared maximum is the 65536-page limit.
    let mut d = Memory::new_paged(0, None).unwrap();
    let e = Memory::new_paged(0, Some(65536))
        .unwrap()
        .snapshot()
        .unwrap();
    d.restore(&e).unwrap();
    assert_eq!(d.max_pages(), Some(65536));
}

#[test]
fn snapshots_outlive_their_memory_and_cross_threads() {
    let mut m = filled(3, None);
    let s = m.snapshot().unwrap();
    let reader = {
        let s = s.clone();
        std::thread::spawn(move || {
            let mut sum = 0u64;
            for _ in 0..200 {
                for i in s.resident_page_indices() {
                    sum += u64::from(s.page(i).unwrap()[0]);
                }
            }
            sum
        })
    };
    // The memory keeps writing (copying) while the other thread reads.
    for k in 0..200u64 {
        m.store((k % 3) * P, [0xFFu8; 8]).unwrap();
        m.restore(&s).unwrap();
    }
    assert_eq!(reader.join().unwrap(), 200 * (1 + 2 + 3));
    drop(m);
    assert_eq!(s.page(2).unwrap()[0], 3);
    assert_eq!(s.resident_page_indices().collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn snapshot_of_untouched_memory_is_cheap_and_restorable() {
    let mut m = Memory::new_paged(16384, None).unwrap();
    let s = m.snapshot().unwrap();
    assert_eq!(s.resident_pages(), 0);
    assert!(s.page(5).is_none());
    m.store(9000 * P, [1u8]).unwrap();
    assert_eq!(m.stats().pages_zeroed, 1);
    m.restore(&s).unwrap();
    assert_eq!(m.resident_pages(), 0);
    assert_eq!(m.load::<1>(9000 * P).unwrap(), [0]);
    let mut buf = [1u8; 4];
    assert_eq!(
        s.read(16384 * P - 2, &mut buf),
        Err(MemoryError::OutOfBounds)
    );
    s.read(16384 * P - 4, &mut buf).unwrap();
    assert_eq!(buf, [0; 4]);
}

#[test]
fn failed_bulk_write_after_snapshot_changes_nothing() {
    let mut m = filled(2, None);
    let s = m.snapshot().unwrap();
    assert_eq!(
        m.write(P - 2, &[5; 2 * 65536]),
        Err(MemoryError::OutOfBounds)
    );
    assert_eq!(m.dirty_pages(), 0);
    assert_eq!(m.stats().pages_copied, 0);
    m.restore(&s).unwrap();
    assert_eq!(m.load::<1>(0).unwrap(), [1]);
}
