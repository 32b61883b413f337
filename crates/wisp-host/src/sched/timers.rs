//! Timers: process sleeps (`poll_oneoff` on a clock) and wall-time limits.
//!
//! In real time one reactor thread owns them: a heap of deadlines, and a
//! channel it blocks on until the earliest one. In deterministic mode time
//! is virtual: the heap waits until the scheduler finds nothing to run,
//! then [`Timers::advance`] moves the virtual clock to the earliest
//! deadline and fires everything due.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use wisp_wasi::VirtualClock;

/// What a due timer does.
pub(crate) type Action = Box<dyn FnOnce() + Send>;

/// A pending timer, which can be cancelled: it then never runs and, in
/// virtual time, never moves the clock.
#[derive(Debug, Clone)]
pub struct TimerHandle(Arc<AtomicBool>);

impl TimerHandle {
    /// Cancels the timer (nothing happens if it has run).
    pub fn cancel(&self) {
        self.0.store(false, Ordering::SeqCst);
    }

    fn live(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub(crate) struct Entry {
    at: u64,
    seq: u64,
    action: Action,
    handle: TimerHandle,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

pub(crate) enum Cmd {
    Add(Entry),
    Stop,
}

/// The host's timers.
pub(crate) enum Timers {
    Real {
        tx: Sender<Cmd>,
        epoch: Instant,
        seq: std::sync::atomic::AtomicU64,
        thread: Mutex<Option<JoinHandle<()>>>,
    },
    Virtual {
        clock: VirtualClock,
        heap: Mutex<(BinaryHeap<Reverse<Entry>>, u64)>,
    },
}

impl Timers {
    /// Real-time timers with their reactor thread.
    pub(crate) fn real() -> Arc<Timers> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let epoch = Instant::now();
        let thread = std::thread::Builder::new()
            .name("wisp-reactor".into())
            .spawn(move || reactor(rx, epoch))
            .ok();
        Arc::new(Timers::Real {
            tx,
            epoch,
            seq: std::sync::atomic::AtomicU64::new(0),
            thread: Mutex::new(thread),
        })
    }

    /// Virtual-time timers on `clock`.
    pub(crate) fn virtual_time(clock: VirtualClock) -> Arc<Timers> {
        Arc::new(Timers::Virtual {
            clock,
            heap: Mutex::new((BinaryHeap::new(), 0)),
        })
    }

    /// Runs `action` once `after` has passed (on this host's time), unless
    /// the returned handle cancels it first.
    pub(crate) fn after(&self, after: Duration, action: Action) -> TimerHandle {
        let handle = TimerHandle(Arc::new(AtomicBool::new(true)));
        let ns = u64::try_from(after.as_nanos()).unwrap_or(u64::MAX);
        match self {
            Timers::Real { tx, epoch, seq, .. } => {
                let now = u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
                let entry = Entry {
                    at: now.saturating_add(ns),
                    seq: seq.fetch_add(1, Ordering::Relaxed),
                    action,
                    handle: handle.clone(),
                };
                // A send fails only after shutdown, when nothing waits.
                let _ = tx.send(Cmd::Add(entry));
            }
            Timers::Virtual { clock, heap } => {
                let mut h = heap.lock().unwrap_or_else(|p| p.into_inner());
                let seq = h.1;
                h.1 += 1;
                h.0.push(Reverse(Entry {
                    at: clock.now_ns().saturating_add(ns),
                    seq,
                    action,
                    handle: handle.clone(),
                }));
            }
        }
        handle
    }

    /// Deterministic mode, when nothing can run: moves the virtual clock to
    /// the earliest deadline and fires every timer due then. Returns
    /// whether one fired (false in real time, or with no timers).
    pub(crate) fn advance(&self) -> bool {
        let Timers::Virtual { clock, heap } = self else {
            return false;
        };
        let due = {
            let mut h = heap.lock().unwrap_or_else(|p| p.into_inner());
            // Cancelled timers go without moving the clock.
            let first = loop {
                match h.0.pop() {
                    None => return false,
                    Some(Reverse(e)) if e.handle.live() => break e,
                    Some(_) => {}
                }
            };
            clock.advance_to(first.at);
            let mut due = vec![first.action];
            while h.0.peek().is_some_and(|Reverse(e)| e.at <= clock.now_ns()) {
                if let Some(Reverse(e)) = h.0.pop()
                    && e.handle.live()
                {
                    due.push(e.action);
                }
            }
            due
        };
        for action in due {
            action();
        }
        true
    }

    /// Stops the reactor thread (real time).
    pub(crate) fn stop(&self) {
        if let Timers::Real { tx, thread, .. } = self {
            let _ = tx.send(Cmd::Stop);
            let handle = thread.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(h) = handle {
                let _ = h.join();
            }
        }
    }
}

fn reactor(rx: Receiver<Cmd>, epoch: Instant) {
    let mut heap: BinaryHeap<Reverse<Entry>> = BinaryHeap::new();
    loop {
        let now = u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        while heap.peek().is_some_and(|Reverse(e)| e.at <= now) {
            if let Some(Reverse(e)) = heap.pop()
                && e.handle.live()
            {
                (e.action)();
            }
        }
        let cmd = match heap.peek() {
            Some(Reverse(e)) => rx.recv_timeout(Duration::from_nanos(e.at.saturating_sub(now))),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match cmd {
            Ok(Cmd::Add(e)) => heap.push(Reverse(e)),
            Ok(Cmd::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}
