//! Page-level access for checkpoints: whole pages in and out, the resident
//! list, the zero-page test, and a checkpoint round trip (memory ->
//! snapshot -> pages -> lazy memory).

mod common;

use common::{P, TestSource};
use wisp_memory::{Memory, MemoryError, PageBytes, is_zero_page};

#[test]
fn pages_read_out_as_resident_untouched_or_zero() {
    let mut m = Memory::new_paged(4, None).unwrap();
    m.store(P + 7, [1u8]).unwrap();
    m.store(3 * P, [1u8]).unwrap();
    m.store(3 * P, [0u8]).unwrap();
    assert_eq!(m.resident_page_indices().collect::<Vec<_>>(), [1, 3]);
    assert!(m.page(0).unwrap().is_none());
    assert_eq!(m.page(1).unwrap().unwrap()[7], 1);
    assert_eq!(m.resident_page(1).unwrap()[7], 1);
    assert!(m.resident_page(2).is_none());
    assert!(m.page_is_zero(0).unwrap());
    assert!(!m.page_is_zero(1).unwrap());
    assert!(m.page_is_zero(3).unwrap(), "resident but all zeros");
    assert_eq!(m.page(4).err(), Some(MemoryError::OutOfBounds));
    assert_eq!(
        m.page_is_zero(u64::MAX).err(),
        Some(MemoryError::OutOfBounds)
    );
    assert!(m.resident_page(u64::MAX).is_none());
}

#[test]
fn is_zero_page_looks_at_every_byte() {
    let mut page: Box<PageBytes> = vec![0; 65536].into_boxed_slice().try_into().unwrap();
    assert!(is_zero_page(&page));
    for at in [0, 1, 63, 64, 30_000, 65535] {
        page[at] = 1;
        assert!(!is_zero_page(&page), "byte {at}");
        page[at] = 0;
    }
}

#[test]
fn write_page_replaces_frees_and_counts_as_dirty() {
    let mut m = Memory::new_paged(3, None).unwrap();
    m.store(0, [1u8; 8]).unwrap();
    let s = m.snapshot().unwrap();
    let mut bytes: Box<PageBytes> = vec![7; 65536].into_boxed_slice().try_into().unwrap();
    bytes[0] = 9;
    m.write_page(0, &bytes).unwrap();
    m.write_page(2, &bytes).unwrap();
    assert_eq!(m.load::<2>(0).unwrap(), [9, 7]);
    assert_eq!(m.load::<2>(2 * P).unwrap(), [9, 7]);
    assert_eq!(s.page(0).unwrap()[0], 1, "the snapshot keeps its page");
    assert_eq!(m.dirty_pages(), 2);
    // Writing zeros frees the page.
    m.write_page(0, &[0; 65536]).unwrap();
    assert_eq!(m.resident_pages(), 1);
    assert_eq!(m.load::<1>(0).unwrap(), [0]);
    assert_eq!(m.write_page(3, &bytes), Err(MemoryError::OutOfBounds));
    m.restore(&s).unwrap();
    assert_eq!(m.load::<1>(0).unwrap(), [1]);
    assert_eq!(m.resident_page_indices().collect::<Vec<_>>(), [0]);
}

#[test]
fn checkpoint_round_trip_through_a_lazy_memory() {
    let mut m = Memory::new_paged(6, Some(10)).unwrap();
    m.write(P - 5, &[3; 20]).unwrap();
    m.fill(4 * P, 0x44, P).unwrap();
    m.store(5 * P + 3, [0u8; 4]).unwrap();
    m.store(5 * P, [1u8]).unwrap();
    m.store(5 * P, [0u8]).unwrap(); // page 5: resident but zero
    let s = m.snapshot().unwrap();

    // "Write" the checkpoint from the snapshot, skipping zero pages.
    let mut image = vec![0u8; s.size_bytes() as usize];
    let mut listed = Vec::new();
    for i in s.resident_page_indices() {
        let page = s.page(i).unwrap();
        if !is_zero_page(page) {
            let at = (i * P) as usize;
            image[at..at + P as usize].copy_from_slice(page);
            listed.push(i);
        }
    }
    assert_eq!(listed, [0, 1, 4]);

    // "Read" it back lazily and compare byte for byte.
    let (source, log) = TestSource::new(image);
    let mut back = Memory::new_lazy(s.size_pages(), s.max_pages(), listed, source).unwrap();
    let mut a = vec![0; m.size_bytes() as usize];
    let mut b = vec![0; back.size_bytes() as usize];
    m.read(0, &mut a).unwrap();
    back.read(0, &mut b).unwrap();
    assert!(a == b);
    assert_eq!(log.lock().unwrap().fetched, [0, 1, 4]);
    assert_eq!(back.resident_pages(), 3);
    // Eagerly, through write_page, gives the same.
    let mut eager = Memory::new_paged(6, Some(10)).unwrap();
    for i in s.resident_page_indices() {
        eager.write_page(i, s.page(i).unwrap()).unwrap();
    }
    let mut c = vec![0; eager.size_bytes() as usize];
    eager.read(0, &mut c).unwrap();
    assert!(a == c);
    assert_eq!(eager.resident_pages(), 3, "the zero page was not kept");
}
