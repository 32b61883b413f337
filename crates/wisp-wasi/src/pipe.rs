//! Byte pipes between the host and a guest's stdio.
//!
//! [`pipe`] makes a bounded, in-memory pipe: the [`PipeWriter`] end feeds a
//! guest's stdin ([`crate::StdinSource::Pipe`]) or takes a guest's stdout or
//! stderr ([`crate::OutputSink::Pipe`]); the [`PipeReader`] end is the other
//! side. Both ends are cheap handles to one shared buffer and can move to
//! other threads.
//!
//! Nothing here blocks unless asked to: [`PipeReader::try_read`] and
//! [`PipeWriter::try_write`] say "nothing yet" instead, which is what a
//! guest under the process host needs (its WASI call suspends and is
//! retried later). [`PipeReader::wait_readable`] / [`PipeWriter::wait_writable`]
//! block the calling thread (plain `wisp run`), and
//! [`PipeReader::on_ready`] / [`PipeWriter::on_ready`] register a callback
//! for a scheduler that must not block.
//!
//! Dropping the last writer is end of file for the reader; dropping the
//! last reader makes writes fail with `PIPE`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::errno::Errno;

/// The default capacity of [`pipe`]'s buffer (64 KiB, as Linux).
pub const DEFAULT_CAPACITY: usize = 64 * 1024;

/// A callback run once when a pipe end may make progress.
pub type Waker = Box<dyn FnOnce() + Send>;

struct State {
    buf: VecDeque<u8>,
    capacity: usize,
    writers: usize,
    readers: usize,
    /// Called (and dropped) at the next change that can unblock a reader.
    read_wakers: Vec<Waker>,
    /// Called (and dropped) at the next change that can unblock a writer.
    write_wakers: Vec<Waker>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    /// The state; a poisoned lock still holds consistent bytes (no code
    /// here panics while holding it), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Blocks until `ready` holds or `timeout` passes (`None`: no limit);
    /// returns whether it holds.
    fn wait(&self, timeout: Option<Duration>, ready: impl Fn(&State) -> bool) -> bool {
        let state = self.lock();
        let state = match timeout {
            None => self
                .changed
                .wait_while(state, |s| !ready(s))
                .unwrap_or_else(|p| p.into_inner()),
            Some(t) => {
                self.changed
                    .wait_timeout_while(state, t, |s| !ready(s))
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
        ready(&state)
    }

    /// Wakes everyone waiting for `readers` or writers after a change.
    fn notify(&self, mut state: MutexGuard<'_, State>, readers: bool, writers: bool) {
        let mut wakers = Vec::new();
        if readers {
            wakers.append(&mut state.read_wakers);
        }
        if writers {
            wakers.append(&mut state.write_wakers);
        }
        drop(state);
        self.changed.notify_all();
        for w in wakers {
            w();
        }
    }
}

/// Makes a pipe whose buffer holds at most `capacity` bytes (at least 1).
pub fn pipe(capacity: usize) -> (PipeWriter, PipeReader) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            buf: VecDeque::new(),
            capacity: capacity.max(1),
            writers: 1,
            readers: 1,
            read_wakers: Vec::new(),
            write_wakers: Vec::new(),
        }),
        changed: Condvar::new(),
    });
    (
        PipeWriter {
            shared: shared.clone(),
        },
        PipeReader { shared },
    )
}

/// What a non-blocking read found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOutcome {
    /// This many bytes (at least 1) were read.
    Data(usize),
    /// Every writer is gone and the buffer is empty.
    Eof,
    /// Nothing buffered yet; a writer may still write.
    Empty,
}

/// The reading end of a [`pipe`].
pub struct PipeReader {
    shared: Arc<Shared>,
}

impl PipeReader {
    /// Reads what is buffered, up to `buf.len()` bytes, without blocking.
    pub fn try_read(&self, buf: &mut [u8]) -> ReadOutcome {
        let mut state = self.shared.lock();
        if state.buf.is_empty() {
            return if state.writers == 0 {
                ReadOutcome::Eof
            } else {
                ReadOutcome::Empty
            };
        }
        if buf.is_empty() {
            return ReadOutcome::Data(0);
        }
        let n = buf.len().min(state.buf.len());
        for (dst, src) in buf.iter_mut().zip(state.buf.drain(..n)) {
            *dst = src;
        }
        self.shared.notify(state, false, true);
        ReadOutcome::Data(n)
    }

    /// Whether a read would not block: data is buffered, or end of file.
    pub fn is_ready(&self) -> bool {
        let state = self.shared.lock();
        !state.buf.is_empty() || state.writers == 0
    }

    /// The number of bytes buffered now.
    pub fn buffered(&self) -> usize {
        self.shared.lock().buf.len()
    }

    /// Blocks until a read would not block, or `timeout` passes (`None`:
    /// no limit). Returns whether it is ready.
    pub fn wait_readable(&self, timeout: Option<Duration>) -> bool {
        self.shared
            .wait(timeout, |s| !s.buf.is_empty() || s.writers == 0)
    }

    /// Runs `waker` once a read would not block: now if it already would,
    /// else at the next write or when the last writer goes.
    pub fn on_ready(&self, waker: Waker) {
        let mut state = self.shared.lock();
        if !state.buf.is_empty() || state.writers == 0 {
            drop(state);
            waker();
        } else {
            state.read_wakers.push(waker);
        }
    }

    /// Reads everything until end of file, blocking.
    pub fn read_to_end(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match self.try_read(&mut chunk) {
                ReadOutcome::Data(n) => out.extend_from_slice(&chunk[..n]),
                ReadOutcome::Eof => return out,
                ReadOutcome::Empty => {
                    self.wait_readable(None);
                }
            }
        }
    }
}

impl Clone for PipeReader {
    fn clone(&self) -> Self {
        self.shared.lock().readers += 1;
        PipeReader {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.readers = state.readers.saturating_sub(1);
        let gone = state.readers == 0;
        self.shared.notify(state, false, gone);
    }
}

impl PartialEq for PipeReader {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}
impl Eq for PipeReader {}

impl core::fmt::Debug for PipeReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("PipeReader")
            .field("buffered", &state.buf.len())
            .field("writers", &state.writers)
            .finish()
    }
}

/// What a non-blocking write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// This many bytes (at least 1, unless `data` was empty) were buffered.
    Written(usize),
    /// The buffer is full; a reader may still make room.
    Full,
}

/// The writing end of a [`pipe`].
pub struct PipeWriter {
    shared: Arc<Shared>,
}

impl PipeWriter {
    /// Buffers as much of `data` as fits, without blocking. `PIPE` once
    /// every reader is gone.
    pub fn try_write(&self, data: &[u8]) -> Result<WriteOutcome, Errno> {
        let mut state = self.shared.lock();
        if state.readers == 0 {
            return Err(Errno::Pipe);
        }
        let room = state.capacity.saturating_sub(state.buf.len());
        if room == 0 && !data.is_empty() {
            return Ok(WriteOutcome::Full);
        }
        let n = room.min(data.len());
        state.buf.extend(&data[..n]);
        self.shared.notify(state, n > 0, false);
        Ok(WriteOutcome::Written(n))
    }

    /// Whether a write would not block: there is room, or no reader left
    /// (the write then fails at once).
    pub fn is_ready(&self) -> bool {
        let state = self.shared.lock();
        state.buf.len() < state.capacity || state.readers == 0
    }

    /// Blocks until a write would not block, or `timeout` passes.
    pub fn wait_writable(&self, timeout: Option<Duration>) -> bool {
        self.shared
            .wait(timeout, |s| s.buf.len() < s.capacity || s.readers == 0)
    }

    /// Runs `waker` once a write would not block.
    pub fn on_ready(&self, waker: Waker) {
        let mut state = self.shared.lock();
        if state.buf.len() < state.capacity || state.readers == 0 {
            drop(state);
            waker();
        } else {
            state.write_wakers.push(waker);
        }
    }

    /// Writes all of `data`, blocking while the buffer is full.
    pub fn write_all(&self, mut data: &[u8]) -> Result<(), Errno> {
        while !data.is_empty() {
            match self.try_write(data)? {
                WriteOutcome::Written(n) => data = &data[n..],
                WriteOutcome::Full => {
                    self.wait_writable(None);
                }
            }
        }
        Ok(())
    }
}

impl Clone for PipeWriter {
    fn clone(&self) -> Self {
        self.shared.lock().writers += 1;
        PipeWriter {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.writers = state.writers.saturating_sub(1);
        let gone = state.writers == 0;
        self.shared.notify(state, gone, false);
    }
}

impl PartialEq for PipeWriter {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}
impl Eq for PipeWriter {}

impl core::fmt::Debug for PipeWriter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("PipeWriter")
            .field("buffered", &state.buf.len())
            .field("capacity", &state.capacity)
            .field("readers", &state.readers)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_flow_then_eof_when_the_writer_goes() {
        let (w, r) = pipe(4);
        assert_eq!(w.try_write(b"abcdef"), Ok(WriteOutcome::Written(4)));
        assert_eq!(w.try_write(b"ef"), Ok(WriteOutcome::Full));
        let mut buf = [0u8; 3];
        assert_eq!(r.try_read(&mut buf), ReadOutcome::Data(3));
        assert_eq!(&buf, b"abc");
        assert_eq!(r.try_read(&mut buf), ReadOutcome::Data(1));
        assert_eq!(r.try_read(&mut buf), ReadOutcome::Empty);
        drop(w);
        assert_eq!(r.try_read(&mut buf), ReadOutcome::Eof);
    }

    #[test]
    fn writes_fail_with_pipe_once_the_reader_goes() {
        let (w, r) = pipe(4);
        drop(r);
        assert_eq!(w.try_write(b"x"), Err(Errno::Pipe));
    }

    #[test]
    fn wakers_run_once_when_progress_is_possible() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (w, r) = pipe(2);
        let woken = Arc::new(AtomicUsize::new(0));
        let count = woken.clone();
        r.on_ready(Box::new(move || {
            count.fetch_add(1, Ordering::SeqCst);
        }));
        assert_eq!(woken.load(Ordering::SeqCst), 0);
        w.try_write(b"x").unwrap();
        w.try_write(b"y").unwrap();
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        // Full: a writer's waker waits for the reader.
        let count = woken.clone();
        w.on_ready(Box::new(move || {
            count.fetch_add(10, Ordering::SeqCst);
        }));
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        let mut b = [0u8; 1];
        r.try_read(&mut b);
        assert_eq!(woken.load(Ordering::SeqCst), 11);
    }

    #[test]
    fn a_blocked_reader_wakes_on_another_thread_s_write() {
        let (w, r) = pipe(16);
        let t = std::thread::spawn(move || r.read_to_end());
        w.write_all(b"hello ").unwrap();
        w.write_all(b"world").unwrap();
        drop(w);
        assert_eq!(t.join().unwrap(), b"hello world");
    }
}
