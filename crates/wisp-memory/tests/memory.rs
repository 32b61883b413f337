//! Behaviour of a paged `wisp_memory::Memory` through its public API: sizes
//! and limits, loads and stores (including page-straddling ones), bulk
//! operations, laziness of page allocation, and a differential check against
//! a `Vec<u8>` model (which a flat memory passes too; `tests/flat.rs` has
//! the rest of the flat representation's tests).

use wisp_core::TrapCode;
use wisp_memory::{Memory, MemoryError, PAGE_SIZE};

const P: u64 = PAGE_SIZE;

fn mem(pages: u64) -> Memory {
    Memory::new_paged(pages, None).expect("memory")
}

// ---------------------------------------------------------------- sizes ----

#[test]
fn new_reports_sizes_and_allocates_no_pages() {
    let m = Memory::new_paged(3, Some(10)).unwrap();
    assert_eq!(m.size_pages(), 3);
    assert_eq!(m.size_bytes(), 3 * P);
    assert_eq!(m.max_pages(), Some(10));
    assert_eq!(m.resident_pages(), 0);

    let m = mem(0);
    assert_eq!(m.size_pages(), 0);
    assert_eq!(m.size_bytes(), 0);
    assert_eq!(m.max_pages(), None);
}

#[test]
fn new_rejects_limits() {
    assert_eq!(
        Memory::new_paged(11, Some(10)).unwrap_err(),
        MemoryError::LimitExceeded {
            requested: 11,
            limit: 10
        }
    );
    assert_eq!(
        Memory::new_paged(65537, None).unwrap_err(),
        MemoryError::LimitExceeded {
            requested: 65537,
            limit: 65536
        }
    );
    assert!(matches!(
        Memory::new_paged(0, Some(65537)),
        Err(MemoryError::LimitExceeded { .. })
    ));
    assert!(Memory::new_paged(u64::MAX, None).is_err());
    assert!(Memory::new_paged(0, Some(u64::MAX)).is_err());
}

#[test]
fn four_gib_initial_allocates_only_the_table() {
    let mut m = Memory::new_paged(65536, Some(65536)).unwrap();
    assert_eq!(m.size_bytes(), 1 << 32);
    assert_eq!(m.resident_pages(), 0);
    let top = (1u64 << 32) - 8;
    assert_eq!(m.load::<8>(top).unwrap(), [0; 8]);
    m.store(top, 0x0102_0304_0506_0708u64.to_le_bytes())
        .unwrap();
    assert_eq!(
        u64::from_le_bytes(m.load::<8>(top).unwrap()),
        0x0102_0304_0506_0708
    );
    assert_eq!(m.resident_pages(), 1);
    assert_eq!(m.load::<8>(top + 4), Err(MemoryError::OutOfBounds));
    assert_eq!(m.load::<1>(1 << 32), Err(MemoryError::OutOfBounds));
}

#[test]
fn touching_three_of_16384_pages_makes_three_resident() {
    let mut m = Memory::new_paged(16384, None).unwrap();
    m.store(0, [1u8]).unwrap();
    m.store(5 * P + 17, [2u8; 4]).unwrap();
    m.store(16383 * P + 100, [3u8; 8]).unwrap();
    // Reads of other pages, anywhere, allocate nothing.
    for page in [1, 2, 1000, 9999, 16382] {
        assert_eq!(m.load::<8>(page * P + 8).unwrap(), [0; 8]);
    }
    let mut buf = vec![0xAA; 3 * P as usize];
    m.read(100 * P, &mut buf).unwrap();
    assert!(buf.iter().all(|&b| b == 0));
    assert_eq!(m.resident_pages(), 3);
    assert_eq!(m.load::<1>(0).unwrap(), [1]);
    assert_eq!(m.load::<4>(5 * P + 17).unwrap(), [2; 4]);
    assert_eq!(m.load::<8>(16383 * P + 100).unwrap(), [3; 8]);
}

// ----------------------------------------------------------------- grow ----

#[test]
fn grow_returns_old_size_and_respects_the_maximum() {
    let mut m = Memory::new_paged(1, Some(4)).unwrap();
    assert_eq!(m.grow(0), Some(1));
    assert_eq!(m.grow(2), Some(1));
    assert_eq!(m.size_pages(), 3);
    assert_eq!(m.grow(2), None, "3 + 2 > 4");
    assert_eq!(m.size_pages(), 3, "a failed grow changes nothing");
    assert_eq!(m.grow(1), Some(3));
    assert_eq!(m.grow(1), None);
    assert_eq!(m.grow(0), Some(4));
    assert_eq!(m.grow(u64::MAX), None);
    assert_eq!(m.size_bytes(), 4 * P);
    assert_eq!(m.resident_pages(), 0);
}

#[test]
fn grow_without_maximum_stops_at_4_gib() {
    let mut m = mem(0);
    assert_eq!(m.grow(65537), None);
    assert_eq!(m.grow(65536), Some(0));
    assert_eq!(m.grow(1), None);
    assert_eq!(m.grow(0), Some(65536));
    assert_eq!(m.resident_pages(), 0);
}

#[test]
fn grow_keeps_contents_and_new_pages_read_zero() {
    let mut m = Memory::new_paged(1, None).unwrap();
    m.store(P - 4, [9u8; 4]).unwrap();
    assert_eq!(m.load::<4>(P), Err(MemoryError::OutOfBounds));
    for _ in 0..100 {
        m.grow(1).unwrap();
    }
    assert_eq!(m.size_pages(), 101);
    assert_eq!(m.load::<4>(P - 4).unwrap(), [9; 4]);
    assert_eq!(m.load::<8>(P - 4).unwrap(), [9, 9, 9, 9, 0, 0, 0, 0]);
    assert_eq!(m.load::<8>(101 * P - 8).unwrap(), [0; 8]);
    assert_eq!(m.resident_pages(), 1);
}

// ---------------------------------------------------------- load/store ----

#[test]
fn load_and_store_every_width_at_the_bounds() {
    let mut m = mem(2);
    let end = 2 * P;
    fn check<const N: usize>(m: &mut Memory, end: u64) {
        let bytes: [u8; N] = core::array::from_fn(|i| i as u8 + 1);
        m.store(end - N as u64, bytes).unwrap();
        assert_eq!(m.load::<N>(end - N as u64).unwrap(), bytes);
        assert_eq!(
            m.load::<N>(end - N as u64 + 1),
            Err(MemoryError::OutOfBounds)
        );
        assert_eq!(
            m.store(end - N as u64 + 1, bytes),
            Err(MemoryError::OutOfBounds)
        );
        assert_eq!(m.load::<N>(u64::MAX), Err(MemoryError::OutOfBounds));
        assert_eq!(m.store(u64::MAX - 1, bytes), Err(MemoryError::OutOfBounds));
    }
    check::<1>(&mut m, end);
    check::<2>(&mut m, end);
    check::<4>(&mut m, end);
    check::<8>(&mut m, end);
    check::<16>(&mut m, end);
    // Zero-width accesses are in bounds up to and including the end.
    assert_eq!(m.load::<0>(end).unwrap(), [0u8; 0]);
    assert_eq!(m.load::<0>(end + 1), Err(MemoryError::OutOfBounds));
}

#[test]
fn out_of_bounds_store_writes_nothing() {
    let mut m = mem(1);
    m.store(P - 8, [7u8; 8]).unwrap();
    assert_eq!(m.store(P - 4, [1u8; 8]), Err(MemoryError::OutOfBounds));
    assert_eq!(m.load::<8>(P - 8).unwrap(), [7; 8]);
}

#[test]
fn page_straddling_accesses_at_every_split() {
    let mut m = mem(3);
    for split in 1..16u64 {
        let addr = P - split;
        let bytes: [u8; 16] = core::array::from_fn(|i| (i as u8) ^ (split as u8) | 0x80);
        m.store(addr, bytes).unwrap();
        assert_eq!(m.load::<16>(addr).unwrap(), bytes, "split {split}");
        // The halves landed on the right pages.
        let mut tail = vec![0; 16 - split as usize];
        m.read(P, &mut tail).unwrap();
        assert_eq!(tail, bytes[split as usize..]);
    }
    assert_eq!(m.resident_pages(), 2);
    // Straddling into an untouched page reads zeros for that part.
    m.store(2 * P - 2, [0xEEu8; 2]).unwrap();
    assert_eq!(m.load::<4>(2 * P - 2).unwrap(), [0xEE, 0xEE, 0, 0]);
    assert_eq!(m.resident_pages(), 2);
    // Straddling store into an untouched page allocates it.
    m.store(2 * P - 1, [5u8, 6]).unwrap();
    assert_eq!(m.resident_pages(), 3);
    assert_eq!(m.load::<2>(2 * P - 1).unwrap(), [5, 6]);
}

#[test]
fn untouched_pages_read_zero_and_zero_stores_do_not_allocate() {
    let mut m = mem(4);
    assert_eq!(m.load::<8>(3 * P + 5).unwrap(), [0; 8]);
    m.store(P + 3, [0u8; 8]).unwrap();
    m.store(2 * P - 4, [0u8; 8]).unwrap();
    m.write(0, &[0u8; 100_000]).unwrap();
    assert_eq!(m.resident_pages(), 0);
    m.store(P + 3, [0u8, 1]).unwrap();
    assert_eq!(m.resident_pages(), 1);
}

#[test]
fn little_endian_round_trip_of_typed_values() {
    let mut m = mem(1);
    m.store(10, (-2i32).to_le_bytes()).unwrap();
    assert_eq!(i32::from_le_bytes(m.load(10).unwrap()), -2);
    assert_eq!(m.load::<1>(10).unwrap(), [0xFE]);
    m.store(20, core::f64::consts::PI.to_le_bytes()).unwrap();
    assert_eq!(
        f64::from_le_bytes(m.load(20).unwrap()).to_bits(),
        core::f64::consts::PI.to_bits()
    );
}

// ----------------------------------------------------------- read/write ----

#[test]
fn read_and_write_across_pages() {
    let mut m = mem(4);
    let data: Vec<u8> = (0..(2 * P + 300)).map(|i| (i % 251) as u8 + 1).collect();
    // Spans [P - 100, 3P + 200): four pages.
    m.write(P - 100, &data).unwrap();
    assert_eq!(m.resident_pages(), 4);
    let mut back = vec![0; data.len()];
    m.read(P - 100, &mut back).unwrap();
    assert_eq!(back, data);
    let mut around = [0xFFu8; 4];
    m.read(P - 102, &mut around).unwrap();
    assert_eq!(around, [0, 0, 1, 2]);
}

#[test]
fn read_and_write_bounds() {
    let mut m = mem(1);
    m.write(P, &[]).unwrap();
    m.read(P, &mut []).unwrap();
    assert_eq!(m.write(P + 1, &[]), Err(MemoryError::OutOfBounds));
    assert_eq!(m.read(P + 1, &mut []), Err(MemoryError::OutOfBounds));
    assert_eq!(m.read(u64::MAX, &mut [0]), Err(MemoryError::OutOfBounds));
    // A write running past the end writes nothing at all.
    assert_eq!(m.write(P - 2, &[1, 2, 3]), Err(MemoryError::OutOfBounds));
    assert_eq!(m.load::<2>(P - 2).unwrap(), [0, 0]);
    assert_eq!(m.resident_pages(), 0);
    let mut buf = [9u8; 3];
    assert_eq!(m.read(P - 2, &mut buf), Err(MemoryError::OutOfBounds));
}

// ----------------------------------------------------------------- fill ----

#[test]
fn fill_on_page_boundaries() {
    let mut m = mem(4);
    m.fill(P - 3, 0xAB, P + 6).unwrap();
    assert_eq!(m.resident_pages(), 3);
    assert_eq!(m.load::<4>(P - 4).unwrap(), [0, 0xAB, 0xAB, 0xAB]);
    assert_eq!(m.load::<4>(2 * P).unwrap(), [0xAB, 0xAB, 0xAB, 0]);
    let mut mid = vec![0; P as usize];
    m.read(P, &mut mid).unwrap();
    assert!(mid.iter().all(|&b| b == 0xAB));
    // Fill exactly up to the end.
    m.fill(4 * P - 1, 1, 1).unwrap();
    assert_eq!(m.load::<1>(4 * P - 1).unwrap(), [1]);
    m.fill(4 * P, 1, 0).unwrap();
}

#[test]
fn zero_fill_allocates_nothing_and_frees_whole_pages() {
    let mut m = mem(8);
    m.fill(0, 0, 8 * P).unwrap();
    assert_eq!(m.resident_pages(), 0);
    m.fill(P - 2, 7, P + 4).unwrap();
    assert_eq!(m.resident_pages(), 3);
    // Zero the middle page entirely and a part of its neighbours.
    m.fill(P - 1, 0, P + 2).unwrap();
    assert_eq!(m.resident_pages(), 2);
    assert_eq!(m.load::<4>(P - 2).unwrap(), [7, 0, 0, 0]);
    assert_eq!(m.load::<4>(2 * P - 2).unwrap(), [0, 0, 0, 7]);
    assert_eq!(m.load::<8>(P + 500).unwrap(), [0; 8]);
    // The freed page can be written again.
    m.store(P + 500, [4u8]).unwrap();
    assert_eq!(m.load::<1>(P + 500).unwrap(), [4]);
    assert_eq!(m.resident_pages(), 3);
}

#[test]
fn fill_out_of_bounds_writes_nothing() {
    let mut m = mem(2);
    assert_eq!(m.fill(P, 5, P + 1), Err(MemoryError::OutOfBounds));
    assert_eq!(m.fill(1, 5, u64::MAX), Err(MemoryError::OutOfBounds));
    assert_eq!(m.fill(u64::MAX, 5, 2), Err(MemoryError::OutOfBounds));
    assert_eq!(m.fill(2 * P + 1, 5, 0), Err(MemoryError::OutOfBounds));
    assert_eq!(m.resident_pages(), 0);
    assert_eq!(m.load::<1>(P).unwrap(), [0]);
}

// ---------------------------------------------------------- copy_within ----

#[test]
fn overlapping_copy_moving_up_and_down() {
    let mut m = mem(3);
    let data: Vec<u8> = (1..=200u8).collect();
    // Up (dst > src), overlapping, crossing a page boundary.
    m.write(P - 150, &data).unwrap();
    m.copy_within(P - 100, P - 150, 200).unwrap();
    let mut out = vec![0; 200];
    m.read(P - 100, &mut out).unwrap();
    assert_eq!(out, data);
    let mut head = vec![0; 50];
    m.read(P - 150, &mut head).unwrap();
    assert_eq!(head, data[..50]);

    // Down (dst < src), overlapping, crossing a page boundary.
    let mut m = mem(3);
    m.write(P + 10, &data).unwrap();
    m.copy_within(P - 40, P + 10, 200).unwrap();
    m.read(P - 40, &mut out).unwrap();
    assert_eq!(out, data);
    let mut tail = vec![0; 50];
    m.read(P + 160, &mut tail).unwrap();
    assert_eq!(tail, data[150..]);
}

#[test]
fn copy_from_untouched_pages() {
    let mut m = mem(4);
    // Untouched onto untouched: nothing allocated.
    m.copy_within(2 * P, 0, 2 * P).unwrap();
    assert_eq!(m.resident_pages(), 0);
    // Untouched onto resident: zeros are copied.
    m.fill(P, 9, 10).unwrap();
    m.copy_within(P, 3 * P, 4).unwrap();
    assert_eq!(m.load::<8>(P).unwrap(), [0, 0, 0, 0, 9, 9, 9, 9]);
    // Resident onto untouched: the page gets allocated.
    m.copy_within(3 * P + 8, P + 4, 6).unwrap();
    assert_eq!(m.load::<8>(3 * P + 8).unwrap(), [9, 9, 9, 9, 9, 9, 0, 0]);
    assert_eq!(m.resident_pages(), 2);
}

#[test]
fn copy_bounds_and_huge_lengths() {
    let mut m = mem(2);
    m.store(0, [1u8; 4]).unwrap();
    assert_eq!(m.copy_within(0, 0, u64::MAX), Err(MemoryError::OutOfBounds));
    assert_eq!(m.copy_within(P + 1, 0, P), Err(MemoryError::OutOfBounds));
    assert_eq!(m.copy_within(0, P + 1, P), Err(MemoryError::OutOfBounds));
    assert_eq!(m.copy_within(u64::MAX, 0, 1), Err(MemoryError::OutOfBounds));
    assert_eq!(
        m.copy_within(2 * P + 1, 0, 0),
        Err(MemoryError::OutOfBounds)
    );
    assert_eq!(
        m.copy_within(0, 2 * P + 1, 0),
        Err(MemoryError::OutOfBounds)
    );
    assert_eq!(m.resident_pages(), 1);
    assert_eq!(m.load::<8>(P - 4).unwrap(), [0; 8]);
    m.copy_within(2 * P, 2 * P, 0).unwrap();
    // Whole-memory self copy is a no-op.
    m.copy_within(0, 0, 2 * P).unwrap();
    assert_eq!(m.load::<4>(0).unwrap(), [1; 4]);
}

// ------------------------------------------------- differential vs flat ----

/// A small deterministic generator (xorshift64*), so the test is repeatable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// An address biased towards page boundaries and the end of memory.
    fn addr(&mut self, size: u64) -> u64 {
        let near = match self.next() % 4 {
            0 => (self.next() % (size / P + 1)) * P,
            1 => size,
            _ => self.next() % (size + 1),
        };
        let jitter = self.next() % 40;
        if self.next().is_multiple_of(2) {
            near.saturating_sub(jitter)
        } else {
            near + jitter
        }
    }
    fn len(&mut self, size: u64) -> u64 {
        match self.next() % 8 {
            0 => 0,
            1 => self.next() % (2 * P + 100),
            2 => size,
            _ => self.next() % 300,
        }
    }
}

/// The model: a flat buffer with the spec's checks.
fn in_bounds(addr: u64, len: u64, size: u64) -> bool {
    addr.checked_add(len).is_some_and(|end| end <= size)
}

#[test]
fn a_paged_memory_matches_a_flat_buffer_model() {
    check_against_model(mem(3));
}

#[test]
fn a_flat_memory_matches_a_flat_buffer_model() {
    let m = Memory::new(3, None).unwrap();
    assert!(m.is_flat());
    check_against_model(m);
}

fn check_against_model(mut m: Memory) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut model = vec![0u8; 3 * P as usize];
    for step in 0..3000 {
        let size = model.len() as u64;
        let op = rng.next() % 7;
        let (a, b, len) = (rng.addr(size), rng.addr(size), rng.len(size));
        let ok = match op {
            0 => {
                let data: Vec<u8> = (0..len.min(70_000))
                    .map(|_| {
                        if rng.next().is_multiple_of(3) {
                            0
                        } else {
                            rng.next() as u8
                        }
                    })
                    .collect();
                let ok = in_bounds(a, data.len() as u64, size);
                if ok {
                    model[a as usize..a as usize + data.len()].copy_from_slice(&data);
                }
                m.write(a, &data).is_ok() == ok
            }
            1 => {
                let byte = if rng.next().is_multiple_of(2) {
                    0
                } else {
                    rng.next() as u8
                };
                let ok = in_bounds(a, len, size);
                if ok {
                    model[a as usize..(a + len) as usize].fill(byte);
                }
                m.fill(a, byte, len).is_ok() == ok
            }
            2 => {
                let ok = in_bounds(a, len, size) && in_bounds(b, len, size);
                if ok {
                    model.copy_within(b as usize..(b + len) as usize, a as usize);
                }
                m.copy_within(a, b, len).is_ok() == ok
            }
            3 => {
                let v = rng.next().to_le_bytes();
                let ok = in_bounds(a, 8, size);
                if ok {
                    model[a as usize..a as usize + 8].copy_from_slice(&v);
                }
                m.store(a, v).is_ok() == ok
            }
            4 => match m.load::<8>(a) {
                Ok(v) => in_bounds(a, 8, size) && v[..] == model[a as usize..a as usize + 8],
                Err(e) => e == MemoryError::OutOfBounds && !in_bounds(a, 8, size),
            },
            5 => {
                let mut buf = vec![0xCC; len.min(70_000) as usize];
                match m.read(a, &mut buf) {
                    Ok(()) => buf[..] == model[a as usize..a as usize + buf.len()],
                    Err(_) => !in_bounds(a, buf.len() as u64, size),
                }
            }
            _ => {
                if size < 6 * P && m.grow(1).is_some() {
                    model.resize(model.len() + P as usize, 0);
                }
                true
            }
        };
        assert!(ok, "step {step}: op {op} a={a} b={b} len={len}");
        assert_eq!(m.size_bytes(), model.len() as u64);
    }
    let mut all = vec![0; model.len()];
    m.read(0, &mut all).unwrap();
    assert!(all == model, "final contents differ");
    assert!(m.resident_pages() <= model.len() / P as usize);
}

// --------------------------------------------------------------- errors ----

#[test]
fn errors_map_to_spec_traps_and_messages() {
    assert_eq!(
        TrapCode::from(MemoryError::OutOfBounds),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(MemoryError::OutOfMemory.trap_code(), TrapCode::OutOfMemory);
    assert_eq!(
        MemoryError::OutOfBounds.to_string(),
        "out of bounds memory access"
    );
    assert_eq!(
        MemoryError::LimitExceeded {
            requested: 5,
            limit: 4
        }
        .to_string(),
        "memory size of 5 pages exceeds the limit of 4 pages"
    );
}
