//! Measures the fuzzing-loop reset: a memory with a 16384-page (1 GiB) limit
//! and 4096 pages (256 MiB) all written is snapshotted once, then the loop
//! dirties `k` pages and restores the snapshot, thousands of times. Prints
//! the median time of the restore alone and of the dirtying writes (each
//! first write to a page copies it: copy-on-write), for k = 1 and k = 64,
//! plus the one-off costs of taking the snapshot and of a full (non-base)
//! restore for comparison.
//!
//! Run with `cargo run -p wisp-memory --release --example reset`.

use std::time::{Duration, Instant};

use wisp_memory::{Memory, PAGE_SIZE};

const MAX_PAGES: u64 = 16384;
const PAGES: u64 = 4096;

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort_unstable();
    samples[samples.len() / 2].as_secs_f64() * 1e6
}

/// Runs `rounds` of {dirty `k` pages; restore} and prints the medians.
fn measure(m: &mut Memory, snapshot: &wisp_memory::MemorySnapshot, k: u64, rounds: usize) {
    let mut writes = Vec::with_capacity(rounds);
    let mut resets = Vec::with_capacity(rounds);
    // A simple LCG picks the pages, so successive rounds touch different ones.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..rounds {
        let start = Instant::now();
        for _ in 0..k {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let page = (state >> 33) % PAGES;
            m.store(page * PAGE_SIZE + (round as u64 % PAGE_SIZE), [round as u8])
                .expect("store");
        }
        writes.push(start.elapsed());
        assert!(m.dirty_pages() as u64 <= k);
        let start = Instant::now();
        m.restore(snapshot).expect("restore");
        resets.push(start.elapsed());
        assert_eq!(m.dirty_pages(), 0);
    }
    println!(
        "k = {k:>2} dirty pages: median reset {:8.2} us, median dirtying writes {:8.2} us ({rounds} rounds)",
        median(resets),
        median(writes)
    );
}

fn main() {
    let mut m = Memory::new(PAGES, Some(MAX_PAGES)).expect("memory");
    for page in 0..PAGES {
        m.fill(page * PAGE_SIZE, page as u8 | 1, PAGE_SIZE)
            .expect("fill");
    }
    assert_eq!(m.resident_pages() as u64, PAGES);

    let start = Instant::now();
    let snapshot = m.snapshot().expect("snapshot");
    println!(
        "snapshot of {PAGES} resident pages: {:8.2} us",
        start.elapsed().as_secs_f64() * 1e6
    );

    measure(&mut m, &snapshot, 1, 20_000);
    measure(&mut m, &snapshot, 64, 2_000);

    // For comparison: a full restore of a snapshot that is not the base.
    let other = m.snapshot().expect("snapshot");
    m.store(0, [0xFFu8]).expect("store");
    let mut full = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        m.restore(&snapshot).expect("restore");
        m.restore(&other).expect("restore");
        full.push(start.elapsed() / 2);
    }
    println!(
        "full (non-base) restore of {PAGES} pages: median {:8.2} us",
        median(full)
    );

    let stats = m.stats();
    println!(
        "pages zeroed {}, copied {}, reclaimed {}",
        stats.pages_zeroed, stats.pages_copied, stats.pages_reclaimed
    );
}
