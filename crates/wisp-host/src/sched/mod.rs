//! The scheduler (HOST.md §3): worker threads that step processes in fuel
//! slices, a global FIFO queue, parking of processes that wait, and the
//! close of every exit path.
//!
//! A process is always in exactly one place: a run queue (`RUNNABLE`), a
//! worker (`RUNNING`), the parked set (`PARKED`: only wakers hold it), or
//! gone (`EXITED`). Only the state word says which, and only these moves
//! exist: a worker takes a queued process (`RUNNABLE → RUNNING`), ends its
//! slice (`RUNNING → RUNNABLE` and back to the queue tail, `RUNNING →
//! PARKED`, or `RUNNING → EXITED`), and a wake moves `PARKED → RUNNABLE`
//! with a compare-and-swap, so of several wakers only one queues it.

mod timers;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_deque::Injector;
use crossbeam_utils::sync::Unparker;
use wisp_wasi::Wait;

use crate::exit::{ExitEvent, ExitReason, Killer};
use crate::logs::LogBuffer;
use crate::mailbox::Mailbox;
use crate::pid::Pid;
use crate::process::{Park, Process};
use crate::relations::Relations;
use crate::value::Value;

pub use timers::TimerHandle;
pub(crate) use timers::Timers;
pub(crate) use worker::start_workers;

pub(crate) const RUNNABLE: u8 = 0;
pub(crate) const RUNNING: u8 = 1;
pub(crate) const PARKED: u8 = 2;
pub(crate) const EXITED: u8 = 3;
/// Stopped by `suspend` until `resume`: in no queue, holding no wait.
pub(crate) const SUSPENDED: u8 = 4;

/// Exited processes whose logs stay available (older ones keep only their
/// exit event).
pub const RETAINED_EXITS: usize = 1000;

/// Exited processes whose exit events stay available ([`crate::Host::wait`]).
pub const RETAINED_EXIT_EVENTS: usize = 100_000;

/// Lock, ignoring poison: every critical section here leaves its data
/// consistent, and panics inside host functions are caught before they
/// could unwind through a lock.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One process as the scheduler sees it.
pub(crate) struct Slot {
    pub(crate) pid: Pid,
    pub(crate) name: Option<String>,
    pub(crate) state: AtomicU8,
    /// The interpreter side; `None` once closed.
    pub(crate) process: Mutex<Option<Process>>,
    /// A kill (or timeout) to apply at the next chance.
    pub(crate) kill: Mutex<Option<ExitReason>>,
    /// Which park a wake belongs to: stale wakes are ignored.
    pub(crate) park_token: AtomicU64,
    pub(crate) log: Arc<LogBuffer>,
    pub(crate) exit: Mutex<Option<ExitEvent>>,
    pub(crate) exited: Condvar,
    pub(crate) watchers: Mutex<Vec<crossbeam_channel::Sender<ExitEvent>>>,
    pub(crate) started: Instant,
    pub(crate) fuel_used: AtomicU64,
    pub(crate) slices: AtomicU64,
    pub(crate) relations: Mutex<Relations>,
    pub(crate) mailbox: Mutex<Mailbox>,
    /// The module imports `wisp:process`, so it can be asked to stop
    /// (`cancel` sends it a `Cancel` message first).
    pub(crate) cancelable: bool,
    /// `suspend` asked for: the process stops at its next chance.
    pub(crate) suspend: AtomicBool,
    /// What a checkpoint needs besides the store: how it was spawned.
    pub(crate) checkpoint: Mutex<crate::checkpoint::Origin>,
    /// Timers of the current park (a sleep, a receive timeout): cancelled
    /// when it wakes, so a stale one never moves a virtual clock.
    pub(crate) park_timers: Mutex<Vec<TimerHandle>>,
    /// Timers for the process's life (wall-time limit, cancel grace):
    /// cancelled when it exits.
    pub(crate) life_timers: Mutex<Vec<TimerHandle>>,
}

/// The host's configuration of the scheduler.
#[derive(Debug, Clone)]
pub(crate) struct SchedConfig {
    pub(crate) workers: usize,
    pub(crate) slice_fuel: u64,
}

/// Counters behind [`crate::HostMetrics`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) spawned: AtomicU64,
    pub(crate) exited: AtomicU64,
    pub(crate) slices: AtomicU64,
    pub(crate) fuel: AtomicU64,
    pub(crate) live: AtomicUsize,
    /// Nanoseconds each worker spent running slices.
    pub(crate) busy_ns: Vec<AtomicU64>,
}

/// What the workers, wakers and the host API share.
pub(crate) struct Shared {
    pub(crate) config: SchedConfig,
    pub(crate) injector: Injector<Arc<Slot>>,
    pub(crate) unparkers: Mutex<Vec<Unparker>>,
    pub(crate) table: Mutex<HashMap<Pid, Arc<Slot>>>,
    pub(crate) timers: Arc<Timers>,
    pub(crate) stopping: AtomicBool,
    /// Workers take no work while set ([`crate::HostBuilder::paused`]).
    pub(crate) paused: AtomicBool,
    pub(crate) counters: Counters,
    pub(crate) next_monitor: AtomicU64,
    /// Exited pids, oldest first (see [`Shared::retire`]).
    pub(crate) exited: Mutex<std::collections::VecDeque<Pid>>,
    /// How guests spawn processes by entry id (`wisp:process.spawn`).
    pub(crate) spawner: std::sync::OnceLock<std::sync::Weak<dyn crate::guest::Spawn>>,
}

impl Shared {
    pub(crate) fn new(config: SchedConfig, timers: Arc<Timers>, paused: bool) -> Arc<Shared> {
        Arc::new(Shared {
            config: config.clone(),
            injector: Injector::new(),
            unparkers: Mutex::new(Vec::new()),
            table: Mutex::new(HashMap::new()),
            timers,
            stopping: AtomicBool::new(false),
            paused: AtomicBool::new(paused),
            counters: Counters {
                busy_ns: (0..config.workers.max(1))
                    .map(|_| AtomicU64::new(0))
                    .collect(),
                ..Counters::default()
            },
            next_monitor: AtomicU64::new(1),
            exited: Mutex::new(std::collections::VecDeque::new()),
            spawner: std::sync::OnceLock::new(),
        })
    }

    /// Queues `slot` at the tail of the global queue and wakes the workers.
    pub(crate) fn enqueue(&self, slot: Arc<Slot>) {
        self.injector.push(slot);
        self.notify();
    }

    pub(crate) fn notify(&self) {
        for u in lock(&self.unparkers).iter() {
            u.unpark();
        }
    }

    /// Wakes `slot` if it is still parked by park `token`.
    pub(crate) fn wake(&self, slot: &Arc<Slot>, token: u64) {
        if slot.park_token.load(Ordering::SeqCst) == token
            && slot
                .state
                .compare_exchange(PARKED, RUNNABLE, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            cancel_all(&slot.park_timers);
            self.enqueue(slot.clone());
        }
    }

    /// Asks `slot` to exit with `reason` at the next chance: at once if it
    /// is parked, at its next pick if queued, after its slice if running.
    pub(crate) fn kill(&self, slot: &Arc<Slot>, reason: ExitReason) {
        lock(&slot.kill).get_or_insert(reason);
        slot.suspend.store(false, Ordering::SeqCst);
        for from in [PARKED, SUSPENDED] {
            if slot
                .state
                .compare_exchange(from, RUNNABLE, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                self.enqueue(slot.clone());
                return;
            }
        }
    }

    /// Stops `slot` at its next chance (at once if queued or parked, after
    /// its slice if running). A parked process forgets its wakers: its
    /// waiting call is retried on resume, which looks again.
    pub(crate) fn suspend(&self, slot: &Arc<Slot>) {
        slot.suspend.store(true, Ordering::SeqCst);
        for from in [RUNNABLE, PARKED] {
            if slot
                .state
                .compare_exchange(from, SUSPENDED, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                cancel_all(&slot.park_timers);
                return;
            }
        }
    }

    /// Puts a suspended `slot` back in the run queue; false if it was not
    /// suspended.
    pub(crate) fn resume(&self, slot: &Arc<Slot>) -> bool {
        slot.suspend.store(false, Ordering::SeqCst);
        let resumed = slot
            .state
            .compare_exchange(SUSPENDED, RUNNABLE, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if resumed {
            // Invalidate the wakers of a park from before the suspension.
            slot.park_token.fetch_add(1, Ordering::SeqCst);
            self.enqueue(slot.clone());
        }
        resumed
    }

    /// Registers the wakers of `wait` for `slot` (already `PARKED` with
    /// park `token`).
    pub(crate) fn park(self: &Arc<Self>, slot: &Arc<Slot>, token: u64, park: &Park) {
        match park {
            Park::Wasi(wait) => self.register(slot, token, wait),
            Park::Mailbox { timeout, tags } => {
                if let Some(t) = timeout {
                    let (shared, s) = (self.clone(), slot.clone());
                    let timer = self
                        .timers
                        .after(*t, Box::new(move || shared.wake(&s, token)));
                    lock(&slot.park_timers).push(timer);
                }
                let mut mb = lock(&slot.mailbox);
                if mb.find(tags).is_some() {
                    // A wanted message came since the receive looked.
                    drop(mb);
                    self.wake(slot, token);
                } else {
                    mb.waiting = Some((token, tags.clone()));
                }
            }
        }
    }

    fn register(self: &Arc<Self>, slot: &Arc<Slot>, token: u64, wait: &Wait) {
        match wait {
            Wait::Sleep { remaining_ns, .. } => {
                let (shared, s) = (self.clone(), slot.clone());
                let timer = self.timers.after(
                    Duration::from_nanos(*remaining_ns),
                    Box::new(move || shared.wake(&s, token)),
                );
                lock(&slot.park_timers).push(timer);
            }
            Wait::Readable(r) => {
                let (shared, slot) = (self.clone(), slot.clone());
                r.on_ready(Box::new(move || shared.wake(&slot, token)));
            }
            Wait::Writable(w) => {
                let (shared, slot) = (self.clone(), slot.clone());
                w.on_ready(Box::new(move || shared.wake(&slot, token)));
            }
            Wait::Yield => self.wake(slot, token),
            Wait::Any(all) => {
                for w in all {
                    self.register(slot, token, w);
                }
            }
        }
    }

    /// Close: drops the process, ends its logs, records the exit event and
    /// tells everyone waiting for it.
    pub(crate) fn close(
        &self,
        slot: &Arc<Slot>,
        process: &mut Option<Process>,
        reason: ExitReason,
        result: Option<Vec<Value>>,
    ) {
        cancel_all(&slot.park_timers);
        cancel_all(&slot.life_timers);
        let p = process.take();
        let (fuel_used, slices) = p.as_ref().map_or(
            (
                slot.fuel_used.load(Ordering::SeqCst),
                slot.slices.load(Ordering::SeqCst),
            ),
            |p| (p.fuel_used, p.slices),
        );
        drop(p);
        slot.log.close();
        let (stdout_truncated, stderr_truncated) = slot.log.truncated();
        let event = ExitEvent {
            pid: slot.pid,
            entry: slot.name.clone(),
            exit_code: reason.exit_code(),
            result: if reason == ExitReason::Normal {
                result
            } else {
                None
            },
            reason,
            fuel_used,
            wall_ms: u64::try_from(slot.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            slices,
            stdout_truncated,
            stderr_truncated,
        };
        slot.state.store(EXITED, Ordering::SeqCst);
        // Again after the state says so: a timer added meanwhile (a cancel's
        // grace) is either seen here or sees EXITED itself.
        cancel_all(&slot.life_timers);
        // Counted before anyone hears of it, so metrics read after a wait
        // include it.
        self.counters.exited.fetch_add(1, Ordering::SeqCst);
        self.counters.live.fetch_sub(1, Ordering::SeqCst);
        // Monitors, then links, then waiters (HOST.md §2.2).
        self.propagate(slot, &event);
        *lock(&slot.exit) = Some(event.clone());
        slot.exited.notify_all();
        for w in lock(&slot.watchers).drain(..) {
            let _ = w.send(event.clone());
        }
        self.retire(slot.pid);
        self.notify();
    }

    /// Keeps the logs of the last [`RETAINED_EXITS`] exited processes and
    /// the exit events of the last [`RETAINED_EXIT_EVENTS`], and forgets
    /// older ones, so memory does not grow with every process ever run.
    fn retire(&self, pid: Pid) {
        let (logs_go, forgotten) = {
            let mut exited = lock(&self.exited);
            exited.push_back(pid);
            let logs_go = exited
                .len()
                .checked_sub(RETAINED_EXITS + 1)
                .and_then(|i| exited.get(i).copied());
            let forgotten = if exited.len() > RETAINED_EXIT_EVENTS {
                exited.pop_front()
            } else {
                None
            };
            (logs_go, forgotten)
        };
        if let Some(old) = logs_go.and_then(|p| self.slot(p)) {
            old.log.discard();
        }
        if let Some(old) = forgotten {
            lock(&self.table).remove(&old);
        }
    }

    /// Stops every process with `Shutdown` (host shutdown).
    pub(crate) fn shutdown_all(&self, reason: &str) {
        let slots: Vec<Arc<Slot>> = lock(&self.table).values().cloned().collect();
        for s in slots {
            if s.state.load(Ordering::SeqCst) != EXITED {
                self.kill(
                    &s,
                    ExitReason::Shutdown {
                        reason: reason.to_string(),
                    },
                );
            }
        }
    }
}

/// Cancels and forgets every timer in `timers`.
pub(crate) fn cancel_all(timers: &Mutex<Vec<TimerHandle>>) {
    for t in lock(timers).drain(..) {
        t.cancel();
    }
}

/// The exit reason of a kill by the host.
pub(crate) fn killed(reason: &str) -> ExitReason {
    ExitReason::Killed {
        by: Killer::Host,
        reason: reason.to_string(),
    }
}
