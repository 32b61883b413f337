//! A process's output: its stdout and stderr as log records (HOST.md §5.3),
//! with output limits, and [`LogStream`]s that replay and follow them.
//!
//! Every `fd_write` iovec the guest writes to fd 1 or 2 becomes one
//! [`LogRecord`] with a sequence number shared by both streams. The last
//! [`HISTORY_BYTES`] of records are kept for streams opened later; a
//! following stream waits for new records until the process exits, and
//! the records it has not read yet stay (up to [`FOLLOW_BYTES`]), so a
//! reader that keeps up — the executor's capture — loses nothing.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::SystemTime;

use wisp_wasi::{Errno, OutputStream};

use crate::exit::Stream;
use crate::limits::OnOutputLimit;

/// Bytes of records kept for replay (both streams together).
pub const HISTORY_BYTES: usize = 2 << 20;

/// Bytes kept at most for following streams that have not read them yet
/// (beyond it the oldest records go even so, and the stream skips them).
pub const FOLLOW_BYTES: usize = 64 << 20;

/// One write to stdout or stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub stream: Stream,
    /// Order across both streams of one process, from 0.
    pub seq: u64,
    /// When it was written.
    pub ts: SystemTime,
    pub bytes: Vec<u8>,
}

/// Which records a [`LogStream`] yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOpts {
    /// Replay the kept records first (otherwise start at the next one).
    pub with_history: bool,
    /// Wait for new records until the process exits (otherwise end after
    /// the current tail).
    pub follow: bool,
    pub stdout: bool,
    pub stderr: bool,
}

impl Default for LogOpts {
    fn default() -> Self {
        LogOpts {
            with_history: true,
            follow: false,
            stdout: true,
            stderr: true,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    records: VecDeque<LogRecord>,
    kept_bytes: usize,
    next_seq: u64,
    /// Bytes written per stream (stdout, stderr), for the output limit.
    written: [u64; 2],
    truncated: [bool; 2],
    /// The stream that hit its limit in `Fail` mode.
    limit_hit: Option<Stream>,
    /// The process exited: followers end.
    closed: bool,
    /// The next sequence number of each following stream: records they
    /// have not read are kept (up to [`FOLLOW_BYTES`]).
    pins: Vec<std::sync::Weak<std::sync::atomic::AtomicU64>>,
}

/// The log of one process.
#[derive(Debug)]
pub(crate) struct LogBuffer {
    state: Mutex<State>,
    changed: Condvar,
    limit: Option<u64>,
    on_limit: OnOutputLimit,
    /// Copy every record to the host's own stdout/stderr (foreground
    /// processes of the CLI).
    echo: bool,
}

fn index(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

impl LogBuffer {
    pub(crate) fn new(limit: Option<u64>, on_limit: OnOutputLimit, echo: bool) -> Arc<Self> {
        Arc::new(LogBuffer {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            limit,
            on_limit,
            echo,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The WASI sink of `stream`.
    pub(crate) fn sink(self: &Arc<Self>, stream: Stream) -> Arc<dyn OutputStream> {
        Arc::new(LogSink {
            log: self.clone(),
            stream,
        })
    }

    fn write(&self, stream: Stream, data: &[u8]) -> Result<usize, Errno> {
        let mut st = self.lock();
        let i = index(stream);
        let room = self
            .limit
            .map_or(u64::MAX, |l| l.saturating_sub(st.written[i]));
        let n = usize::try_from(room).unwrap_or(usize::MAX).min(data.len());
        if n < data.len() {
            match self.on_limit {
                OnOutputLimit::Truncate => st.truncated[i] = true,
                OnOutputLimit::Fail => {
                    st.limit_hit.get_or_insert(stream);
                }
            }
            if n == 0 {
                return Err(Errno::Nospc);
            }
        }
        let bytes = data[..n].to_vec();
        st.written[i] += n as u64;
        if self.echo {
            let _ = match stream {
                Stream::Stdout => std::io::stdout().lock().write_all(&bytes),
                Stream::Stderr => std::io::stderr().lock().write_all(&bytes),
            };
        }
        let seq = st.next_seq;
        st.next_seq += 1;
        st.kept_bytes += bytes.len();
        st.records.push_back(LogRecord {
            stream,
            seq,
            ts: SystemTime::now(),
            bytes,
        });
        st.pins.retain(|p| p.strong_count() > 0);
        let unread = st
            .pins
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .map(|p| p.load(std::sync::atomic::Ordering::SeqCst))
            .min()
            .unwrap_or(u64::MAX);
        while st.kept_bytes > HISTORY_BYTES {
            let Some(front) = st.records.front() else {
                break;
            };
            if front.seq >= unread && st.kept_bytes <= FOLLOW_BYTES {
                break;
            }
            if let Some(r) = st.records.pop_front() {
                st.kept_bytes -= r.bytes.len();
            }
        }
        drop(st);
        self.changed.notify_all();
        Ok(n)
    }

    /// `(stdout truncated, stderr truncated)`.
    pub(crate) fn truncated(&self) -> (bool, bool) {
        let st = self.lock();
        (st.truncated[0], st.truncated[1])
    }

    /// The stream that reached its limit in `Fail` mode, if one did.
    pub(crate) fn limit_hit(&self) -> Option<Stream> {
        self.lock().limit_hit
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit.unwrap_or(u64::MAX)
    }

    /// Drops every kept record (an exited process past the retention).
    pub(crate) fn discard(&self) {
        let mut st = self.lock();
        st.records.clear();
        st.kept_bytes = 0;
    }

    /// The process exited: following streams end.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Every kept byte of `stream`, in order.
    pub(crate) fn collect(&self, stream: Stream) -> Vec<u8> {
        let st = self.lock();
        st.records
            .iter()
            .filter(|r| r.stream == stream)
            .flat_map(|r| r.bytes.iter().copied())
            .collect()
    }

    pub(crate) fn stream(self: &Arc<Self>, opts: LogOpts) -> LogStream {
        let mut st = self.lock();
        let next = if opts.with_history { 0 } else { st.next_seq };
        let pin = opts.follow.then(|| {
            let pin = Arc::new(std::sync::atomic::AtomicU64::new(next));
            st.pins.push(Arc::downgrade(&pin));
            pin
        });
        LogStream {
            log: self.clone(),
            next,
            opts,
            pin,
        }
    }
}

#[derive(Debug)]
struct LogSink {
    log: Arc<LogBuffer>,
    stream: Stream,
}

impl OutputStream for LogSink {
    fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        self.log.write(self.stream, data)
    }
}

/// An iterator over a process's log records (see [`LogOpts`]).
#[derive(Debug)]
pub struct LogStream {
    log: Arc<LogBuffer>,
    next: u64,
    opts: LogOpts,
    /// A following stream's read position, which keeps unread records.
    pin: Option<Arc<std::sync::atomic::AtomicU64>>,
}

impl LogStream {
    /// Tells the buffer how far this stream has read.
    fn mark(&self) {
        if let Some(p) = &self.pin {
            p.store(self.next, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn wanted(&self, r: &LogRecord) -> bool {
        match r.stream {
            Stream::Stdout => self.opts.stdout,
            Stream::Stderr => self.opts.stderr,
        }
    }

    /// The raw bytes of the records, in order, as one reader.
    pub fn into_reader(self) -> impl std::io::Read {
        LogReader {
            records: self,
            pending: Vec::new(),
            at: 0,
        }
    }
}

impl Iterator for LogStream {
    type Item = LogRecord;

    fn next(&mut self) -> Option<LogRecord> {
        let mut st = self.log.lock();
        loop {
            let found = st
                .records
                .iter()
                .find(|r| r.seq >= self.next && self.wanted(r))
                .cloned();
            if let Some(r) = found {
                self.next = r.seq + 1;
                self.mark();
                return Some(r);
            }
            // Nothing wanted up to the tail: skip past it.
            self.next = self.next.max(st.next_seq);
            self.mark();
            if !self.opts.follow || st.closed {
                return None;
            }
            st = self.log.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}

struct LogReader {
    records: LogStream,
    pending: Vec<u8>,
    at: usize,
}

impl std::io::Read for LogReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() {
            match self.records.next() {
                Some(r) => {
                    self.pending = r.bytes;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
