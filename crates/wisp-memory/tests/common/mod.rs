//! Helpers shared by the integration tests: a deterministic generator and a
//! scriptable `PageSource` that records what it fetched.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::sync::{Arc, Mutex};

use wisp_memory::{PAGE_SIZE, PageBytes, PageSource, PageSourceError};

pub const P: u64 = PAGE_SIZE;

/// A small deterministic generator (xorshift64*), so tests are repeatable.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    /// An address biased towards page boundaries and the end of memory.
    pub fn addr(&mut self, size: u64) -> u64 {
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
    pub fn len(&mut self, size: u64) -> u64 {
        match self.next() % 8 {
            0 => 0,
            1 => self.next() % (2 * P + 100),
            2 => size,
            _ => self.next() % 300,
        }
    }
    /// A byte that is zero a third of the time.
    pub fn byte(&mut self) -> u8 {
        if self.chance(3) { 0 } else { self.next() as u8 }
    }
}

/// Whether `[addr, addr + len)` lies within `size` bytes.
pub fn in_bounds(addr: u64, len: u64, size: u64) -> bool {
    addr.checked_add(len).is_some_and(|end| end <= size)
}

/// What a [`TestSource`] did, shared with the test.
#[derive(Default)]
pub struct SourceLog {
    /// Pages delivered, in order.
    pub fetched: Vec<u64>,
    /// Pages whose fetch failed, in order.
    pub failed: Vec<u64>,
    /// Pages that fail while listed here.
    pub failing: Vec<u64>,
    /// Whether the source has been dropped.
    pub dropped: bool,
}

/// A page source serving the bytes of a flat image, with scripted failures.
pub struct TestSource {
    pub image: Arc<Vec<u8>>,
    pub log: Arc<Mutex<SourceLog>>,
}

impl TestSource {
    /// A source for `image` and the log the test keeps.
    pub fn new(image: Vec<u8>) -> (Box<TestSource>, Arc<Mutex<SourceLog>>) {
        let log = Arc::new(Mutex::new(SourceLog::default()));
        let source = TestSource {
            image: Arc::new(image),
            log: Arc::clone(&log),
        };
        (Box::new(source), log)
    }
}

impl PageSource for TestSource {
    fn fetch(&mut self, page: u64, out: &mut PageBytes) -> Result<(), PageSourceError> {
        let mut log = self.log.lock().unwrap();
        if log.failing.contains(&page) {
            log.failed.push(page);
            return Err(PageSourceError::Io(format!("page {page} unavailable")));
        }
        let start = (page * P) as usize;
        let bytes = self
            .image
            .get(start..start + P as usize)
            .ok_or_else(|| PageSourceError::Integrity(format!("page {page} not in image")))?;
        out.copy_from_slice(bytes);
        log.fetched.push(page);
        Ok(())
    }
}

impl Drop for TestSource {
    fn drop(&mut self) {
        if let Ok(mut log) = self.log.lock() {
            log.dropped = true;
        }
    }
}

/// Pages of `image` that hold a non-zero byte.
pub fn nonzero_pages(image: &[u8]) -> Vec<u64> {
    image
        .chunks(P as usize)
        .enumerate()
        .filter(|(_, c)| c.iter().any(|&b| b != 0))
        .map(|(i, _)| i as u64)
        .collect()
}
