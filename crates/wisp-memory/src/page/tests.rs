//! Unit tests of the page table: residency, the fast path and its checked
//! twin, copy-on-write sharing, dirty tracking and the snapshot resets.

use super::*;

fn table(pages: usize) -> PageTable {
    let mut t = PageTable::new();
    t.grow(pages, pages).unwrap();
    t
}

#[test]
fn new_pages_are_untouched_until_made_writable() {
    let mut t = table(4);
    assert_eq!(t.len(), 4);
    assert_eq!(t.resident(), 0);
    assert!(t.get(2).is_none());
    assert!(t.get_mut(2).is_none());
    let page = t.make_writable(2).unwrap();
    assert!(page.iter().all(|&b| b == 0));
    page[7] = 9;
    assert_eq!(t.resident(), 1);
    assert_eq!(t.get(2).unwrap()[7], 9);
    // Making it writable again neither reallocates nor clears it.
    assert_eq!(t.make_writable(2).unwrap()[7], 9);
    assert_eq!(t.resident(), 1);
    assert_eq!(t.counters().zeroed, 1);
}

#[test]
fn out_of_range_is_reported_not_panicking() {
    let mut t = table(1);
    assert!(t.get(1).is_none());
    assert_eq!(t.make_writable(1), Err(MemoryError::OutOfBounds));
    assert_eq!(t.overwrite(1, &[1; PAGE]), Err(MemoryError::OutOfBounds));
    assert!(matches!(t.pair_mut(0, 1), (None, None)));
    t.decommit(5);
    t.install(5, Some(PageRef::zeroed().unwrap()));
    assert_eq!(t.resident(), 0);
}

#[test]
fn decommit_frees_counts_and_marks_dirty() {
    let mut t = table(2);
    t.make_writable(0).unwrap()[0] = 1;
    t.make_writable(1).unwrap();
    assert_eq!(t.resident(), 2);
    let _ = t.snapshot_pages().unwrap();
    assert_eq!(t.dirty_count(), 0);
    t.decommit(0);
    assert_eq!(t.resident(), 1);
    assert!(t.get(0).is_none());
    assert_eq!(t.dirty_count(), 1);
    t.decommit(0);
    assert_eq!(t.resident(), 1);
    // Writing the decommitted page again does not list it twice.
    t.make_writable(0).unwrap();
    assert_eq!(t.dirty_count(), 1);
}

#[test]
fn pair_mut_gives_distinct_pages() {
    let mut t = table(3);
    t.make_writable(0).unwrap()[1] = 5;
    t.make_writable(1).unwrap();
    assert!(matches!(t.pair_mut(0, 0), (None, None)));
    assert!(matches!(t.pair_mut(0, 2), (Some(_), None)));
    assert!(matches!(t.pair_mut(2, 0), (None, Some(_))));
    let (Some(s), Some(d)) = t.pair_mut(0, 1) else {
        panic!("both pages are resident");
    };
    d[0] = s[1];
    assert_eq!(t.get(1).unwrap()[0], 5);
}

#[test]
fn growing_keeps_page_contents_in_place() {
    let mut t = table(1);
    t.make_writable(0).unwrap()[3] = 3;
    let before: *const PageBytes = t.get(0).unwrap();
    t.grow(1000, 2000).unwrap();
    let after: *const PageBytes = t.get(0).unwrap();
    assert_eq!(before, after, "page bytes must not move on grow");
    assert_eq!(t.get(0).unwrap()[3], 3);
    assert_eq!(t.len(), 1001);
    assert_eq!(t.fast_len(), 1001);
}

#[test]
fn fast_path_reads_untouched_pages_and_refuses_to_write_them() {
    let mut t = table(2);
    assert_eq!(t.load::<8>(100), Some([0; 8]));
    assert!(!t.store::<4>(100, [1; 4]), "untouched page: cold path");
    assert_eq!(t.resident(), 0);
    assert!(ZERO_PAGE.iter().all(|&b| b == 0));
    t.make_writable(0).unwrap();
    assert!(t.store::<4>(100, [1, 2, 3, 4]));
    assert_eq!(t.load::<4>(100), Some([1, 2, 3, 4]));
    assert_eq!(t.load::<2>(101), Some([2, 3]));
}

#[test]
fn fast_path_refuses_straddling_and_out_of_bounds_accesses() {
    let mut t = table(2);
    t.make_writable(0).unwrap();
    t.make_writable(1).unwrap();
    let p = PAGE as u64;
    // The last in-page positions are fast; one byte further straddles.
    assert_eq!(t.load::<8>(p - 8), Some([0; 8]));
    assert_eq!(t.load::<8>(p - 7), None);
    assert!(t.store::<8>(p - 8, [7; 8]));
    assert!(!t.store::<8>(p - 7, [7; 8]));
    assert_eq!(t.load::<1>(2 * p - 1), Some([0]));
    assert_eq!(t.load::<1>(2 * p), None);
    assert!(!t.store::<1>(2 * p, [1]));
    assert_eq!(t.load::<1>(u64::MAX), None);
    assert_eq!(t.load::<8>(u64::MAX - 3), None);
}

#[test]
fn fast_path_stops_at_fast_len() {
    let mut t = table(3);
    t.make_writable(0).unwrap();
    t.make_writable(2).unwrap();
    let p = PAGE as u64;
    t.set_fast_len(1);
    assert_eq!(t.load::<4>(p - 4), Some([0; 4]));
    assert!(t.store::<4>(p - 4, [1; 4]));
    assert_eq!(t.load::<4>(p), None, "page 1 is past fast_len");
    assert!(!t.store::<4>(2 * p, [1; 4]), "page 2 is past fast_len");
    // Growing keeps the limit while it is below the length.
    t.grow(1, 4).unwrap();
    assert_eq!(t.fast_len(), 1);
    t.set_fast_len(usize::MAX);
    assert_eq!(t.fast_len(), 4);
    assert!(t.store::<4>(2 * p, [1; 4]));
}

#[test]
fn snapshot_shares_then_copies_on_write() {
    let mut t = table(3);
    t.make_writable(0).unwrap()[0] = 1;
    t.make_writable(1).unwrap()[0] = 2;
    let pages = t.snapshot_pages().unwrap();
    assert_eq!(pages.len(), 3);
    assert!(pages[2].is_none());
    assert!(!t.is_writable(0) && !t.is_writable(1));
    // Sealed: the fast path refuses to write, reads still work.
    assert!(!t.store::<1>(0, [9]));
    assert_eq!(t.load::<1>(0), Some([1]));
    // The first write copies; the snapshot keeps the old bytes.
    t.make_writable(0).unwrap()[0] = 9;
    assert_eq!(t.counters().copied, 1);
    assert_eq!(pages[0].as_ref().unwrap().bytes()[0], 1);
    assert_eq!(t.get(0).unwrap()[0], 9);
    assert!(t.store::<1>(0, [10]));
    assert_eq!(t.dirty_count(), 1);
    // Once the snapshot lets go, the page is taken back without a copy.
    drop(pages);
    t.make_writable(1).unwrap()[0] = 3;
    assert_eq!(t.counters().copied, 1);
    assert_eq!(t.counters().reclaimed, 1);
    assert_eq!(t.dirty_count(), 2);
    assert_eq!(t.resident(), 2);
}

#[test]
fn overwrite_replaces_shared_pages_without_copying_them() {
    let mut t = table(2);
    t.make_writable(0).unwrap()[0] = 1;
    let pages = t.snapshot_pages().unwrap();
    t.overwrite(0, &[4; PAGE]).unwrap();
    t.overwrite(1, &[5; PAGE]).unwrap();
    assert_eq!(t.get(0).unwrap()[100], 4);
    assert_eq!(t.get(1).unwrap()[100], 5);
    assert_eq!(pages[0].as_ref().unwrap().bytes()[0], 1);
    assert_eq!(t.resident(), 2);
    assert_eq!(t.dirty_count(), 2);
    assert!(t.is_writable(0) && t.is_writable(1));
}

#[test]
fn reset_to_restores_only_dirty_pages_and_truncates() {
    let mut t = table(4);
    for i in 0..4 {
        t.make_writable(i).unwrap()[0] = i as u8 + 1;
    }
    let pages = t.snapshot_pages().unwrap();
    t.make_writable(1).unwrap()[0] = 50;
    t.decommit(3);
    t.grow(2, 6).unwrap();
    t.make_writable(5).unwrap()[0] = 60;
    assert_eq!(t.dirty_count(), 3);
    assert_eq!(t.resident(), 4);
    assert!(t.reset_to(&pages));
    assert_eq!(t.len(), 4);
    assert_eq!(t.dirty_count(), 0);
    assert_eq!(t.resident(), 4);
    for i in 0..4 {
        assert_eq!(t.get(i).unwrap()[0], i as u8 + 1);
        // Every page is the snapshot's own again, shared and sealed.
        assert!(!t.is_writable(i));
    }
    // The restored page is shared: writing it copies again.
    t.make_writable(1).unwrap()[0] = 70;
    assert_eq!(pages[1].as_ref().unwrap().bytes()[0], 2);
    // A table shorter than the snapshot refuses.
    let mut short = table(1);
    assert!(!short.reset_to(&pages));
    assert_eq!(short.len(), 1);
}

#[test]
fn replace_all_adopts_another_tables_pages() {
    let mut a = table(3);
    a.make_writable(2).unwrap()[9] = 9;
    let pages = a.snapshot_pages().unwrap();
    let mut b = table(1);
    b.make_writable(0).unwrap()[0] = 1;
    b.set_fast_len(0);
    b.replace_all(&pages).unwrap();
    assert_eq!(b.len(), 3);
    assert_eq!(b.fast_len(), 3);
    assert_eq!(b.resident(), 1);
    assert_eq!(b.dirty_count(), 0);
    assert!(b.get(0).is_none());
    assert_eq!(b.load::<1>(2 * PAGE as u64 + 9), Some([9]));
    // Three holders now: `a`, `pages` and `b`; writing in `b` copies.
    b.make_writable(2).unwrap()[9] = 10;
    assert_eq!(a.get(2).unwrap()[9], 9);
    assert_eq!(b.counters().copied, 1);
}

#[test]
fn install_puts_a_page_without_marking_it_dirty() {
    let mut t = table(2);
    let mut page = PageRef::zeroed().unwrap();
    page.bytes_mut().unwrap()[1] = 1;
    t.install(1, Some(page));
    assert_eq!(t.resident(), 1);
    assert_eq!(t.dirty_count(), 0);
    assert!(!t.is_writable(1));
    // Its only holder is the table: the first write takes it back.
    t.make_writable(1).unwrap()[2] = 2;
    assert_eq!(t.counters().reclaimed, 1);
    assert_eq!(t.load::<2>(PAGE as u64 + 1), Some([1, 2]));
    t.install(1, None);
    assert_eq!(t.resident(), 0);
}

#[test]
fn resident_indices_lists_allocated_pages() {
    let mut t = table(5);
    t.make_writable(1).unwrap();
    t.make_writable(4).unwrap();
    assert_eq!(t.resident_indices().collect::<Vec<_>>(), [1, 4]);
}

#[test]
#[should_panic(expected = "differs from its read entry")]
fn checked_twin_catches_a_broken_write_entry() {
    let mut t = table(2);
    t.make_writable(0).unwrap();
    t.make_writable(1).unwrap();
    // Break the invariant on purpose: page 1's write entry names page 0.
    t.write[1] = t.write[0];
    let _ = t.store::<1>(PAGE as u64, [1]);
}

#[test]
fn reset_keeps_spares_up_to_the_limit_and_reuses_them() {
    let mut t = table(1);
    t.make_writable(0).unwrap()[0] = 1;
    let pages = t.snapshot_pages().unwrap();
    t.grow(SPARE_LIMIT + 10, SPARE_LIMIT + 11).unwrap();
    for i in 0..SPARE_LIMIT + 11 {
        t.make_writable(i).unwrap()[1] = 2;
    }
    assert!(t.reset_to(&pages));
    assert_eq!(t.spare(), SPARE_LIMIT);
    assert_eq!(t.resident(), 1);
    // Reused spares come back zeroed or as exact copies.
    t.grow(1, 2).unwrap();
    assert!(t.make_writable(1).unwrap().iter().all(|&b| b == 0));
    let copy = t.make_writable(0).unwrap();
    assert_eq!(copy[0], 1);
    assert_eq!(copy[1], 0);
    assert_eq!(t.spare(), SPARE_LIMIT - 2);
    assert_eq!(pages[0].as_ref().unwrap().bytes()[1], 0);
    t.trim();
    assert_eq!(t.spare(), 0);
}

#[test]
fn pages_still_shared_are_not_kept_as_spares() {
    let mut t = table(1);
    let pages = t.snapshot_pages().unwrap();
    t.grow(2, 3).unwrap();
    let outside = PageRef::zeroed().unwrap();
    t.install(1, Some(outside.clone()));
    t.make_writable(2).unwrap();
    assert!(t.reset_to(&pages));
    assert_eq!(t.spare(), 1, "only the table's own page is kept");
    assert!(outside.is_unique(), "the shared page was released");
    assert_eq!(t.resident(), 0);
}

#[test]
fn dirty_tracking_starts_with_the_first_snapshot() {
    let mut t = table(3);
    t.make_writable(0).unwrap();
    t.decommit(0);
    assert_eq!(t.dirty_count(), 0, "nothing to restore yet");
    assert!(!t.reset_to(&[]), "never sealed");
    t.make_writable(1).unwrap();
    let pages = t.snapshot_pages().unwrap();
    assert!(t.dirty.capacity() >= 3);
    t.grow(2, 8).unwrap();
    assert!(t.dirty.capacity() >= 5, "grows reserve the dirty list now");
    for i in 0..5 {
        t.make_writable(i).unwrap();
    }
    assert_eq!(t.dirty_count(), 5);
    assert!(t.reset_to(&pages));
    assert_eq!(t.dirty_count(), 0);
}
