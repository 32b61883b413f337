//! What services and supervisors report: [`Event`]s stamped with the host
//! clock (kept in a bounded log), the short reason text of restart lines,
//! durations printed the way the registry writes them, and `Watch`, a
//! value with a condition variable that status readers wait on.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::sched::lock;

/// Events a status keeps; older ones are dropped first.
pub(crate) const MAX_EVENTS: usize = 1024;

/// Something that happened to a service or a supervisor's child.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When, on the host clock ([`crate::Host::now`]).
    pub at: Duration,
    /// The child's id (supervisors), or `None` (the service's process, or
    /// the supervisor itself).
    pub child: Option<String>,
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A process was spawned (`pid`), or a child supervisor started.
    Started { pid: Option<Pid> },
    /// A start failed (Init error, missing env, …); counted as a failure.
    StartFailed { error: String },
    /// It exited without being asked to.
    Exited {
        pid: Option<Pid>,
        reason: ExitReason,
        abnormal: bool,
    },
    /// The supervisor asked it to stop.
    Stopping { pid: Option<Pid> },
    /// It exited after being asked to stop.
    Stopped {
        pid: Option<Pid>,
        reason: ExitReason,
    },
    /// A restart was decided: the `attempt`-th (of `limit`, if bounded),
    /// after `delay`.
    Restart {
        attempt: u32,
        limit: Option<u32>,
        delay: Duration,
    },
    /// A `temporary` child left the child list.
    Removed,
    /// The service or supervisor gave up (`max_attempts_reached`,
    /// `reached_max_restart_intensity`).
    GaveUp { reason: String },
}

/// A bounded list of events.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EventLog(VecDeque<Event>);

impl EventLog {
    pub(crate) fn push(&mut self, e: Event) {
        if self.0.len() >= MAX_EVENTS {
            self.0.pop_front();
        }
        self.0.push_back(e);
    }

    pub(crate) fn to_vec(&self) -> Vec<Event> {
        self.0.iter().cloned().collect()
    }
}

/// A value readers can wait on until it satisfies a predicate.
#[derive(Debug, Default)]
pub(crate) struct Watch<T> {
    value: Mutex<T>,
    changed: Condvar,
}

impl<T: Clone> Watch<T> {
    pub(crate) fn new(value: T) -> Self {
        Watch {
            value: Mutex::new(value),
            changed: Condvar::new(),
        }
    }

    pub(crate) fn get(&self) -> T {
        lock(&self.value).clone()
    }

    /// Changes the value and wakes every waiter.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let r = f(&mut lock(&self.value));
        self.changed.notify_all();
        r
    }

    /// The value once `pred` holds, or `None` after `timeout` (real time).
    pub(crate) fn wait_until(&self, timeout: Duration, pred: impl Fn(&T) -> bool) -> Option<T> {
        let deadline = Instant::now().checked_add(timeout);
        let mut v = lock(&self.value);
        loop {
            if pred(&v) {
                return Some(v.clone());
            }
            let left = match deadline {
                Some(d) => d.checked_duration_since(Instant::now())?,
                None => Duration::from_secs(3600),
            };
            v = self
                .changed
                .wait_timeout(v, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

/// A short text for an exit reason in a restart line: `trap: unreachable`,
/// `exit status 3`, `fuel exhausted (100/100)`, …
pub fn describe_reason(reason: &ExitReason) -> String {
    match reason {
        ExitReason::Trap(t) => format!("trap: {}", t.message),
        ExitReason::Normal => "normal".into(),
        ExitReason::Killed { reason, .. } => format!("killed: {reason}"),
        other => other.to_string(),
    }
}

/// `5s`, `100ms`, `1.5s`, `250us`, `0s`: the shortest exact spelling.
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    if ns.is_multiple_of(1_000_000_000) {
        return format!("{}s", ns / 1_000_000_000);
    }
    if ns >= 1_000_000_000 && ns.is_multiple_of(1_000_000) {
        return format!("{}s", d.as_secs_f64());
    }
    if ns.is_multiple_of(1_000_000) {
        return format!("{}ms", ns / 1_000_000);
    }
    if ns.is_multiple_of(1_000) {
        return format!("{}us", ns / 1_000);
    }
    format!("{ns}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_short() {
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::from_millis(100)), "100ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_micros(250)), "250us");
        assert_eq!(format_duration(Duration::from_nanos(7)), "7ns");
    }

    #[test]
    fn the_log_is_bounded() {
        let mut log = EventLog::default();
        for i in 0..(MAX_EVENTS + 10) {
            log.push(Event {
                at: Duration::from_millis(i as u64),
                child: None,
                kind: EventKind::Removed,
            });
        }
        let v = log.to_vec();
        assert_eq!(v.len(), MAX_EVENTS);
        assert_eq!(v[0].at, Duration::from_millis(10));
    }

    #[test]
    fn a_watch_wakes_its_waiter() {
        let w = std::sync::Arc::new(Watch::new(0u32));
        let w2 = w.clone();
        let t = std::thread::spawn(move || w2.wait_until(Duration::from_secs(30), |v| *v == 2));
        w.update(|v| *v = 1);
        w.update(|v| *v = 2);
        assert_eq!(t.join().unwrap(), Some(2));
        assert_eq!(w.wait_until(Duration::from_millis(1), |v| *v == 3), None);
    }
}
