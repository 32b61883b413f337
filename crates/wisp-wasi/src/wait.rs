//! Blocking WASI calls: what they wait for ([`Wait`]), and whether they
//! block the thread or suspend the guest ([`Blocking`]).
//!
//! Three calls can wait: `poll_oneoff` (on a clock, or on stdio pipes),
//! `fd_read` on a stdin pipe that is empty, `fd_write` on a stdout/stderr
//! pipe that is full, and `sched_yield`. With [`Blocking::Block`] (the
//! default, what plain `wisp run` uses) they block the calling thread. With
//! [`Blocking::Suspend`] (what the process host uses) they instead return
//! `HostError::Suspend` with a [`Wait`] as payload: the embedder parks the
//! guest, and once the wait is over calls
//! [`wisp_interp::ResumableCall::retry`], which runs the WASI function again
//! with the same arguments. It then finds its data, or its deadline passed,
//! and completes.
//!
//! Running a call again is safe because a waiting call changes nothing the
//! guest can see before it completes. What it must remember across the
//! retry is kept in the context ([`Parked`]): when a `poll_oneoff` started
//! (relative timeouts count from then, not from the retry) and that a
//! `sched_yield` has yielded once.

use alloc::vec::Vec;

#[cfg(feature = "std")]
use crate::pipe::{PipeReader, PipeWriter};

/// How a WASI call that cannot complete yet behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Blocking {
    /// Block the calling thread until it can complete.
    #[default]
    Block,
    /// Suspend the guest with a [`Wait`] payload; the embedder retries the
    /// call when the wait is over.
    Suspend,
}

/// What a suspended WASI call waits for (the payload of its
/// `HostError::Suspend`, found in `SuspendReason::Host`).
#[derive(Debug)]
pub enum Wait {
    /// Until `clock` (witx clockid: 0 realtime, 1 monotonic) of the
    /// guest's context reads `deadline` nanoseconds; `remaining_ns` was
    /// left when the call suspended.
    Sleep {
        clock: u32,
        deadline: u64,
        remaining_ns: u64,
    },
    /// Until this pipe has data or reached end of file.
    #[cfg(feature = "std")]
    Readable(PipeReader),
    /// Until this pipe has room or lost its reader.
    #[cfg(feature = "std")]
    Writable(PipeWriter),
    /// Nothing: the guest yields the rest of its slice; retry it at once
    /// (or after other guests ran).
    Yield,
    /// Whichever of these is over first.
    Any(Vec<Wait>),
}

impl Wait {
    /// The shortest `remaining_ns` of the sleeps in this wait, if any.
    pub fn earliest_sleep_ns(&self) -> Option<u64> {
        match self {
            Wait::Sleep { remaining_ns, .. } => Some(*remaining_ns),
            Wait::Any(all) => all.iter().filter_map(Wait::earliest_sleep_ns).min(),
            _ => None,
        }
    }

    /// Whether a retry would find something ready now, without waiting
    /// for a sleep (a pipe with data, room or a closed end, or a yield).
    pub fn ready_without_sleep(&self) -> bool {
        match self {
            Wait::Sleep { .. } => false,
            #[cfg(feature = "std")]
            Wait::Readable(r) => r.is_ready(),
            #[cfg(feature = "std")]
            Wait::Writable(w) => w.is_ready(),
            Wait::Yield => true,
            Wait::Any(all) => all.iter().any(Wait::ready_without_sleep),
        }
    }

    /// Blocks the calling thread until the wait is over (a sleep's
    /// `remaining_ns` counts from now).
    #[cfg(feature = "std")]
    pub fn block(&self) {
        use std::time::{Duration, Instant};
        let until = self
            .earliest_sleep_ns()
            .map(|ns| Instant::now() + Duration::from_nanos(ns));
        loop {
            if self.ready_without_sleep() {
                return;
            }
            let left = until.map(|u| u.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                return;
            }
            let pipes = self.pipes();
            match pipes.as_slice() {
                // One pipe: its condition variable wakes us exactly.
                [one] => {
                    one.wait(left);
                }
                [] => std::thread::sleep(left.unwrap_or(Duration::from_millis(10))),
                // Several pipes: look again every millisecond.
                [first, ..] => {
                    let step = Duration::from_millis(1);
                    first.wait(Some(left.map_or(step, |l| l.min(step))));
                }
            }
        }
    }

    #[cfg(feature = "std")]
    fn pipes(&self) -> Vec<PipeRef<'_>> {
        match self {
            Wait::Readable(r) => alloc::vec![PipeRef::Reader(r)],
            Wait::Writable(w) => alloc::vec![PipeRef::Writer(w)],
            Wait::Any(all) => all.iter().flat_map(Wait::pipes).collect(),
            Wait::Sleep { .. } | Wait::Yield => Vec::new(),
        }
    }
}

#[cfg(feature = "std")]
enum PipeRef<'a> {
    Reader(&'a PipeReader),
    Writer(&'a PipeWriter),
}

#[cfg(feature = "std")]
impl PipeRef<'_> {
    fn wait(&self, timeout: Option<core::time::Duration>) -> bool {
        match self {
            PipeRef::Reader(r) => r.wait_readable(timeout),
            PipeRef::Writer(w) => w.wait_writable(timeout),
        }
    }
}

/// What a suspended call keeps in the context until its retry completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parked {
    /// A `poll_oneoff(in, out, n, nevents)` that started when realtime read
    /// `started[0]` and monotonic read `started[1]`.
    Poll { args: [u32; 4], started: [u64; 2] },
    /// A `sched_yield` that has yielded.
    Yield,
}
