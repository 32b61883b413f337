//! The flat representation of `wisp_memory::Memory`: when a memory starts
//! flat, accesses at its bounds, growth (contents kept, new bytes zero,
//! limits), bulk operations, page-level access, snapshots that leave it
//! flat, and the switch to paged when a snapshot is restored into it.
//! (`tests/memory.rs` also runs its model check on a flat memory, and
//! `tests/model.rs` mixes flat memories into its random runs.)

use wisp_memory::{FLAT_MAX_PAGES, Memory, MemoryError, PAGE_SIZE, is_zero_page};

const P: u64 = PAGE_SIZE;

fn flat(pages: u64, max: Option<u64>) -> Memory {
    let m = Memory::new(pages, max).unwrap();
    assert!(m.is_flat());
    m
}

#[test]
fn new_starts_flat_up_to_the_limit_and_paged_above_it() {
    let m = flat(FLAT_MAX_PAGES, None);
    assert_eq!(m.size_pages(), FLAT_MAX_PAGES);
    assert_eq!(m.resident_pages() as u64, FLAT_MAX_PAGES);
    assert_eq!(m.fast_pages(), FLAT_MAX_PAGES);
    assert_eq!(m.allocated_bytes() as u64, FLAT_MAX_PAGES * P);

    let m = Memory::new(FLAT_MAX_PAGES + 1, None).unwrap();
    assert!(!m.is_flat());
    assert_eq!(m.size_pages(), FLAT_MAX_PAGES + 1);
    assert_eq!(m.resident_pages(), 0);
    assert_eq!(m.allocated_bytes(), 0);

    assert!(!Memory::new_paged(1, None).unwrap().is_flat());
    // Limits are checked as for a paged memory.
    assert!(matches!(
        Memory::new(2, Some(1)),
        Err(MemoryError::LimitExceeded { .. })
    ));
    let empty = flat(0, Some(0));
    assert_eq!(empty.size_bytes(), 0);
}

fn check_width<const N: usize>(m: &mut Memory) {
    let end = m.size_bytes();
    let bytes = [0xA5u8; N];
    let last = end - N as u64;
    assert!(m.store_fast(last, bytes), "{N} bytes ending at the end");
    assert_eq!(m.load_fast::<N>(last), Some(bytes));
    assert_eq!(m.load::<N>(last), Ok(bytes));
    for addr in [last + 1, end, end + 7, u64::MAX - 2, u64::MAX] {
        assert_eq!(m.load_fast::<N>(addr), None, "{N} bytes at {addr}");
        assert!(!m.store_fast(addr, bytes), "{N} bytes at {addr}");
        assert_eq!(m.load::<N>(addr), Err(MemoryError::OutOfBounds));
        assert_eq!(m.store(addr, bytes), Err(MemoryError::OutOfBounds));
    }
    // The refused stores wrote nothing.
    assert_eq!(m.load::<1>(last - 1), Ok([0]));
    m.fill(last, 0, N as u64).unwrap();
}

#[test]
fn accesses_of_every_width_stop_exactly_at_the_end() {
    let mut m = flat(2, None);
    check_width::<1>(&mut m);
    check_width::<2>(&mut m);
    check_width::<4>(&mut m);
    check_width::<8>(&mut m);
    check_width::<16>(&mut m);
    // Page boundaries are nothing special to a flat memory.
    assert!(m.store_fast(P - 3, 0x0102_0304_0506_0708u64.to_le_bytes()));
    assert_eq!(
        m.load::<8>(P - 3).map(u64::from_le_bytes),
        Ok(0x0102_0304_0506_0708)
    );
}

#[test]
fn grow_keeps_contents_reads_zero_beyond_and_respects_the_maximum() {
    let mut m = flat(1, Some(9));
    m.store(P - 4, [1, 2, 3, 4]).unwrap();
    assert_eq!(m.grow(1), Some(1));
    // Doubling: room for a third page already.
    assert!(m.allocated_bytes() as u64 >= 2 * P);
    assert_eq!(m.load::<4>(P - 4), Ok([1, 2, 3, 4]));
    assert_eq!(m.load::<8>(2 * P - 8), Ok([0; 8]));
    m.fill(P, 0xEE, P).unwrap();
    for _ in 0..7 {
        let old = m.size_pages();
        assert_eq!(m.grow(1), Some(old));
        let mut page = vec![0xFF; P as usize];
        m.read(old * P, &mut page).unwrap();
        assert!(page.iter().all(|&b| b == 0), "page {old} grew non-zero");
        m.fill(old * P, old as u8, P).unwrap();
    }
    assert_eq!(m.size_pages(), 9);
    assert_eq!(m.grow(1), None, "past the maximum");
    assert_eq!(m.grow(0), Some(9));
    assert!(m.is_flat());
    assert_eq!(m.load::<4>(P - 4), Ok([1, 2, 3, 4]));
    assert_eq!(m.load::<1>(P), Ok([0xEE]));
    for page in 2..9 {
        assert_eq!(m.load::<1>(page * P + 17), Ok([page as u8]));
    }
}

#[test]
fn bulk_operations_check_the_whole_range_first() {
    let mut m = flat(2, None);
    m.write(10, b"hello").unwrap();
    m.copy_within(P - 2, 10, 5).unwrap();
    let mut out = [0u8; 5];
    m.read(P - 2, &mut out).unwrap();
    assert_eq!(&out, b"hello");
    // Overlapping copies move as if through a temporary.
    m.copy_within(11, 10, 5).unwrap();
    let mut out = [0u8; 6];
    m.read(10, &mut out).unwrap();
    assert_eq!(&out, b"hhello");
    let end = m.size_bytes();
    assert_eq!(m.write(end - 2, b"abc"), Err(MemoryError::OutOfBounds));
    assert_eq!(m.fill(end - 2, 7, 3), Err(MemoryError::OutOfBounds));
    assert_eq!(m.copy_within(0, end - 2, 3), Err(MemoryError::OutOfBounds));
    assert_eq!(m.copy_within(end - 2, 0, 3), Err(MemoryError::OutOfBounds));
    assert_eq!(m.load::<2>(end - 2), Ok([0, 0]), "failed operations wrote");
    let mut buf = [0u8; 3];
    assert_eq!(m.read(end - 2, &mut buf), Err(MemoryError::OutOfBounds));
    assert_eq!(
        m.read_without_fetch(end - 3, &mut buf),
        Ok(()),
        "a flat memory has no pending pages"
    );
}

#[test]
fn every_page_is_resident_and_pages_read_and_write_whole() {
    let mut m = flat(3, None);
    m.store(P + 5, [9u8]).unwrap();
    let indices: Vec<u64> = m.resident_page_indices().collect();
    assert_eq!(indices, [0, 1, 2]);
    assert!(is_zero_page(m.resident_page(0).unwrap()));
    assert_eq!(m.resident_page(1).unwrap()[5], 9);
    assert!(m.resident_page(3).is_none());
    assert!(m.page_is_zero(2).unwrap());
    assert!(!m.page_is_zero(1).unwrap());
    let mut page = Box::new([0u8; P as usize]);
    page[0] = 1;
    page[P as usize - 1] = 2;
    m.write_page(2, &page).unwrap();
    assert_eq!(m.load::<1>(2 * P), Ok([1]));
    assert_eq!(m.load::<1>(3 * P - 1), Ok([2]));
    m.write_page(1, &[0; P as usize]).unwrap();
    assert!(m.page_is_zero(1).unwrap());
    assert_eq!(m.write_page(3, &page), Err(MemoryError::OutOfBounds));
    assert!(matches!(m.page(3), Err(MemoryError::OutOfBounds)));
    assert!(m.is_flat());
    assert_eq!(m.dirty_pages(), 0);
}

#[test]
fn a_snapshot_copies_the_pages_and_the_memory_stays_flat() {
    let mut m = flat(4, Some(8));
    m.store(3, [1u8]).unwrap();
    m.store(2 * P, [2u8]).unwrap();
    let s = m.snapshot().unwrap();
    assert!(m.is_flat());
    assert!(m.is_base(&s));
    assert_eq!(s.size_pages(), 4);
    assert_eq!(s.resident_pages(), 2, "zero pages are not copied");
    assert_eq!(s.resident_page_indices().collect::<Vec<_>>(), [0, 2]);
    // Later writes and growth do not reach the snapshot.
    m.store(3, [7u8]).unwrap();
    m.grow(2).unwrap();
    m.store(5 * P, [5u8]).unwrap();
    let mut byte = [0u8];
    s.read(3, &mut byte).unwrap();
    assert_eq!(byte, [1]);
    assert_eq!(s.page(2).map(|p| p[0]), Some(2));

    // Restoring makes the memory paged, with the snapshot's contents.
    m.restore(&s).unwrap();
    assert!(!m.is_flat());
    assert_eq!(m.size_pages(), 4);
    assert_eq!(m.load::<1>(3), Ok([1]));
    assert_eq!(m.load::<1>(2 * P), Ok([2]));
    assert_eq!(m.resident_pages(), 2);
    assert_eq!(m.load::<1>(5 * P), Err(MemoryError::OutOfBounds));
    // From here on restores of the base are the paged fast path.
    m.store(P, [3u8]).unwrap();
    assert_eq!(m.dirty_pages(), 1);
    m.restore(&s).unwrap();
    assert_eq!(m.load::<1>(P), Ok([0]));
}

#[test]
fn a_snapshot_restores_into_a_flat_memory_of_the_same_limit() {
    let mut paged = Memory::new_paged(2, Some(4)).unwrap();
    paged.store(P + 1, [4u8]).unwrap();
    let s = paged.snapshot().unwrap();
    let mut m = flat(3, Some(4));
    m.store(2 * P, [1u8]).unwrap();
    m.restore(&s).unwrap();
    assert_eq!(m.size_pages(), 2);
    assert_eq!(m.load::<1>(P + 1), Ok([4]));
    let mut other = flat(1, Some(5));
    assert!(matches!(
        other.restore(&s),
        Err(MemoryError::SnapshotMismatch { .. })
    ));
    assert!(other.is_flat(), "a refused restore changes nothing");
}

#[test]
fn growing_past_the_flat_maximum_turns_paged_and_keeps_contents() {
    let mut m = flat(3, None);
    m.store(P + 9, [7u8]).unwrap();
    let s = m.snapshot().unwrap();
    m.store(3, [1u8]).unwrap();
    assert_eq!(m.grow(FLAT_MAX_PAGES), Some(3));
    assert!(!m.is_flat());
    assert_eq!(m.size_pages(), FLAT_MAX_PAGES + 3);
    assert_eq!(m.resident_pages(), 2, "the zero page 2 is not copied");
    assert_eq!(m.load::<1>(P + 9), Ok([7]));
    assert_eq!(m.load::<1>(3), Ok([1]));
    let last = m.size_bytes() - 1;
    m.store(last, [5u8]).unwrap();
    assert_eq!(m.load::<1>(last), Ok([5]));
    // The snapshot taken while flat restores in full.
    m.restore(&s).unwrap();
    assert_eq!(m.size_pages(), 3);
    assert_eq!(m.load::<1>(3), Ok([0]));
    assert_eq!(m.load::<1>(P + 9), Ok([7]));
}
