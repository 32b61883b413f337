//! Randomized differential test (fixed seeds): a `Memory`, flat or paged,
//! against a `Vec<u8>` model, across loads, stores, bulk operations, growth,
//! whole-page writes, snapshots (kept, dropped, restored in any order, also
//! across memories) and memories rebuilt from the model: lazily, with a page
//! source that sometimes fails, or flat.

mod common;

use std::sync::{Arc, Mutex};

use common::{P, Rng, SourceLog, TestSource, in_bounds};
use wisp_memory::{Memory, MemoryError, MemorySnapshot, PageBytes};

const MAX_PAGES: u64 = 7;

struct Harness {
    rng: Rng,
    m: Memory,
    model: Vec<u8>,
    snaps: Vec<(MemorySnapshot, Vec<u8>)>,
    /// Logs of every lazy source made so far.
    logs: Vec<Arc<Mutex<SourceLog>>>,
    /// Whether the current memory's source may fail.
    flaky: bool,
    /// How often each interesting event happened, to check the mix.
    seen: Seen,
}

#[derive(Default, Debug)]
struct Seen {
    base_restores: usize,
    other_restores: usize,
    fetch_failures: usize,
    lazy_rebuilds: usize,
    flat_rebuilds: usize,
    flat_snapshots: usize,
    pending_refusals: usize,
    copies: u64,
}

impl Harness {
    fn size(&self) -> u64 {
        self.model.len() as u64
    }

    /// Checks an operation's result: `Ok` must agree with the model's
    /// bounds, and the model is updated only on success. A fetch failure is
    /// allowed only while the source is flaky.
    fn settle(
        &mut self,
        result: Result<(), MemoryError>,
        ok: bool,
        apply: impl FnOnce(&mut Vec<u8>),
    ) {
        match result {
            Ok(()) => {
                assert!(ok, "operation succeeded out of bounds");
                apply(&mut self.model);
            }
            Err(MemoryError::OutOfBounds) => assert!(!ok, "in-bounds operation refused"),
            Err(MemoryError::PageFetch { .. }) => {
                assert!(self.flaky && ok);
                self.seen.fetch_failures += 1;
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    fn step(&mut self, step: usize) {
        let size = self.size();
        let (a, b, len) = (self.rng.addr(size), self.rng.addr(size), self.rng.len(size));
        match self.rng.below(20) {
            0..=2 => {
                let data: Vec<u8> = (0..len.min(70_000)).map(|_| self.rng.byte()).collect();
                let ok = in_bounds(a, data.len() as u64, size);
                let r = self.m.write(a, &data);
                self.settle(r, ok, |m| {
                    m[a as usize..a as usize + data.len()].copy_from_slice(&data)
                });
            }
            3 => {
                let byte = if self.rng.chance(2) {
                    0
                } else {
                    self.rng.next() as u8
                };
                let ok = in_bounds(a, len, size);
                let r = self.m.fill(a, byte, len);
                self.settle(r, ok, |m| m[a as usize..(a + len) as usize].fill(byte));
            }
            4 => {
                let ok = in_bounds(a, len, size) && in_bounds(b, len, size);
                let r = self.m.copy_within(a, b, len);
                self.settle(r, ok, |m| {
                    m.copy_within(b as usize..(b + len) as usize, a as usize)
                });
            }
            5..=7 => {
                let v = self.rng.next().to_le_bytes();
                let ok = in_bounds(a, 8, size);
                let r = self.m.store(a, v);
                self.settle(r, ok, |m| m[a as usize..a as usize + 8].copy_from_slice(&v));
            }
            8 | 9 => {
                let ok = in_bounds(a, 4, size);
                match self.m.load::<4>(a) {
                    Ok(v) => assert!(ok && v[..] == self.model[a as usize..a as usize + 4]),
                    Err(MemoryError::OutOfBounds) => assert!(!ok),
                    Err(MemoryError::PageFetch { .. }) => assert!(self.flaky && ok),
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
            10 => {
                let mut buf = vec![0xCC; len.min(70_000) as usize];
                let n = buf.len() as u64;
                let ok = in_bounds(a, n, size);
                // Half of the reads may not fetch: they must refuse exactly
                // when a pending page is in range.
                let no_fetch = self.rng.chance(2);
                let pending =
                    ok && n > 0 && (a / P..=(a + n - 1) / P).any(|p| self.m.is_pending(p));
                let r = if no_fetch {
                    self.m.read_without_fetch(a, &mut buf)
                } else {
                    self.m.read(a, &mut buf)
                };
                match r {
                    Ok(()) => assert!(
                        ok && !(no_fetch && pending)
                            && buf[..] == self.model[a as usize..a as usize + buf.len()]
                    ),
                    Err(MemoryError::PagePending { .. }) => {
                        assert!(no_fetch && pending);
                        self.seen.pending_refusals += 1;
                    }
                    Err(MemoryError::OutOfBounds) => assert!(!ok),
                    Err(MemoryError::PageFetch { .. }) => assert!(self.flaky && ok),
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
            11 => {
                if size < MAX_PAGES * P {
                    assert_eq!(self.m.grow(1), Some(size / P));
                    self.model.resize(self.model.len() + P as usize, 0);
                } else {
                    assert_eq!(self.m.grow(1), None);
                }
            }
            12 => {
                let page = self.rng.below(size / P + 1);
                let fill = if self.rng.chance(3) {
                    0
                } else {
                    self.rng.next() as u8
                };
                let bytes: Box<PageBytes> = vec![fill; P as usize]
                    .into_boxed_slice()
                    .try_into()
                    .unwrap();
                let ok = page < size / P;
                let r = self.m.write_page(page, &bytes);
                let at = (page * P) as usize;
                self.settle(r, ok, |m| m[at..at + P as usize].fill(fill));
            }
            13 => {
                let was_flat = self.m.is_flat();
                match self.m.snapshot() {
                    Ok(s) => {
                        assert!(self.m.is_base(&s));
                        assert_eq!(self.m.dirty_pages(), 0);
                        assert_eq!(self.m.pending_pages(), 0);
                        assert_eq!(s.size_bytes(), size);
                        assert_eq!(self.m.is_flat(), was_flat, "a snapshot keeps the form");
                        self.seen.flat_snapshots += usize::from(was_flat);
                        self.snaps.push((s, self.model.clone()));
                    }
                    Err(MemoryError::PageFetch { .. }) => assert!(self.flaky),
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
            14 | 15 if !self.snaps.is_empty() => {
                let i = self.rng.below(self.snaps.len() as u64) as usize;
                let was_base = self.m.is_base(&self.snaps[i].0);
                self.m.restore(&self.snaps[i].0).unwrap();
                self.model.clone_from(&self.snaps[i].1);
                assert!(self.m.is_base(&self.snaps[i].0));
                assert_eq!(self.m.dirty_pages(), 0);
                assert_eq!(self.m.pending_pages(), 0);
                assert_eq!(self.m.resident_pages(), self.snaps[i].0.resident_pages());
                if was_base {
                    self.seen.base_restores += 1;
                } else {
                    self.seen.other_restores += 1;
                }
                self.flaky = false;
            }
            16 if !self.snaps.is_empty() => {
                let i = self.rng.below(self.snaps.len() as u64) as usize;
                let (s, saved) = self.snaps.swap_remove(i);
                // The snapshot still reads what it saved, whatever happened since.
                let mut all = vec![0; saved.len()];
                s.read(0, &mut all).unwrap();
                assert!(all == saved, "step {step}: snapshot {i} changed");
            }
            17 if self.rng.chance(3) => {
                // Rebuild the memory flat from the model: it stays flat
                // through snapshots until one is restored into it.
                self.seen.flat_rebuilds += 1;
                self.seen.copies += self.m.stats().pages_copied;
                let size = self.size();
                self.m = Memory::new(size / P, Some(MAX_PAGES)).unwrap();
                assert!(self.m.is_flat());
                self.m.write(0, &self.model).unwrap();
                self.flaky = false;
            }
            17 => {
                // Rebuild the memory lazily from the model: the listed pages
                // (non-zero ones and a few zero ones) come from the source.
                let pending: Vec<u64> = (0..size / P)
                    .filter(|&p| {
                        let at = (p * P) as usize;
                        self.model[at..at + P as usize].iter().any(|&b| b != 0)
                            || self.rng.chance(4)
                    })
                    .collect();
                let (source, log) = TestSource::new(self.model.clone());
                self.flaky = self.rng.chance(2);
                if self.flaky {
                    let mut l = log.lock().unwrap();
                    l.failing = pending
                        .iter()
                        .copied()
                        .filter(|_| self.rng.chance(3))
                        .collect();
                }
                self.seen.lazy_rebuilds += 1;
                self.seen.copies += self.m.stats().pages_copied;
                self.m =
                    Memory::new_lazy(size / P, Some(MAX_PAGES), pending.clone(), source).unwrap();
                assert_eq!(self.m.pending_pages(), pending.len());
                assert_eq!(
                    self.m.fast_pages(),
                    pending.first().copied().unwrap_or(size / P)
                );
                self.logs.push(log);
            }
            18 => {
                if self.flaky && self.rng.chance(2) {
                    // The source recovers.
                    if let Some(log) = self.logs.last() {
                        log.lock().unwrap().failing.clear();
                    }
                    self.flaky = false;
                }
                let r = self.m.fetch_all();
                assert!(r.is_ok() || self.flaky, "step {step}: {r:?}");
                if r.is_ok() {
                    assert_eq!(self.m.pending_pages(), 0);
                    assert_eq!(self.m.fast_pages(), size / P);
                }
            }
            _ => {
                let page = self.rng.below(size / P + 1);
                match self.m.page(page) {
                    Ok(bytes) => {
                        let at = (page * P) as usize;
                        let want = &self.model[at..at + P as usize];
                        match bytes {
                            Some(bytes) => assert!(bytes[..] == *want),
                            None => assert!(want.iter().all(|&b| b == 0)),
                        }
                    }
                    Err(MemoryError::OutOfBounds) => assert_eq!(page, size / P),
                    Err(MemoryError::PageFetch { .. }) => assert!(self.flaky),
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
        }
        assert_eq!(self.m.size_bytes(), self.size(), "step {step}");
        assert!(self.m.resident_pages() as u64 <= self.size() / P);
        assert!(self.m.dirty_pages() as u64 <= self.size() / P);
    }

    /// Fetches everything (the source recovers) and compares all bytes.
    fn check_all(&mut self) {
        if let Some(log) = self.logs.last() {
            log.lock().unwrap().failing.clear();
        }
        self.flaky = false;
        self.m.fetch_all().unwrap();
        let mut all = vec![0; self.model.len()];
        self.m.read(0, &mut all).unwrap();
        assert!(all == self.model, "contents differ");
    }
}

fn run(seed: u64, steps: usize) {
    let mut h = Harness {
        rng: Rng(seed),
        m: Memory::new(3, Some(MAX_PAGES)).unwrap(),
        model: vec![0; 3 * P as usize],
        snaps: Vec::new(),
        logs: Vec::new(),
        flaky: false,
        seen: Seen::default(),
    };
    for step in 0..steps {
        h.step(step);
        if step % 500 == 499 {
            h.check_all();
        }
    }
    h.check_all();
    h.seen.copies += h.m.stats().pages_copied;
    // The mix exercised every path.
    let seen = &h.seen;
    assert!(
        seen.base_restores > 20
            && seen.other_restores > 20
            && seen.fetch_failures > 5
            && seen.lazy_rebuilds > 20
            && seen.flat_rebuilds > 10
            && seen.flat_snapshots > 10
            && seen.pending_refusals > 5
            && seen.copies > 50,
        "{seen:?}"
    );
    // No page was ever delivered twice by one source.
    for log in &h.logs {
        let log = log.lock().unwrap();
        let mut pages = log.fetched.clone();
        pages.sort_unstable();
        pages.dedup();
        assert_eq!(pages.len(), log.fetched.len(), "a page was fetched twice");
    }
    // Every snapshot still holds what it saved.
    for (s, saved) in &h.snaps {
        let mut all = vec![0; saved.len()];
        s.read(0, &mut all).unwrap();
        assert!(all == *saved);
    }
}

#[test]
fn matches_a_flat_model_with_snapshots_and_lazy_pages() {
    run(0x9E37_79B9_7F4A_7C15, 4000);
}

#[test]
fn matches_a_flat_model_second_seed() {
    run(0xD1B5_4A32_D192_ED03, 4000);
}
