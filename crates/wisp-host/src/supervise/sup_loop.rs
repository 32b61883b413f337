//! The supervisor's state machine, on its own thread (HOST.md §2.6).
//!
//! 1. Start: children in list order, each Init finished before the next;
//!    a failure stops the started ones in reverse and fails the start.
//! 2. Loop: block on a `Select` over the commands, the timer tokens and
//!    every running child's end channel. A child that ends is restarted
//!    by its restart type (`permanent` always, `transient` after an
//!    abnormal end, `temporary` never — it leaves the list) and the
//!    strategy (`one_for_one`: it alone; `one_for_all`: the others are
//!    stopped in reverse, then all start in order; `rest_for_one`: those
//!    after it are stopped in reverse, then it and they start in order),
//!    after `restart_delay` if one is set.
//! 3. Each restart is recorded on the host clock; more than `intensity`
//!    within `period` stops every child in reverse and exits
//!    `Shutdown { reason: "reached_max_restart_intensity" }` (abnormal, so
//!    a parent supervisor applies its own strategy: escalation).
//!
//! A restart whose start fails counts as another failure of that child,
//! queued and handled on the next turn of the loop, so the intensity rule
//! also ends a supervisor whose child can no longer start (P13).

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Select, Sender};

use super::backoff::Intensity;
use super::child::{self, ChildConfig, ChildEnd, ChildStatus, Clock, Ctx, Running};
use super::events::{Event, EventKind, describe_reason, format_duration};
use super::supervisor::{Ctl, Shared, SupervisorConfig, SupervisorExit, SupervisorState};
use super::{MAX_INTENSITY_REASON, StartError, SuperviseOptions};
use crate::exit::{ExitReason, Killer};
use crate::host::Host;
use crate::registry::{ChildRestart, Shutdown, Strategy};

/// Everything the thread starts with.
pub(crate) struct Setup {
    pub(crate) host: Host,
    pub(crate) config: SupervisorConfig,
    pub(crate) opts: SuperviseOptions,
    pub(crate) depth: usize,
    pub(crate) shared: Arc<Shared>,
    pub(crate) ctl: Receiver<Ctl>,
    pub(crate) ready: Sender<Result<(), StartError>>,
}

/// One child's place in the list.
struct Slot {
    cfg: ChildConfig,
    run: Option<Running>,
    restarts: u64,
    /// A `temporary` child that ended: no longer in the list.
    removed: bool,
}

struct Machine {
    id: String,
    strategy: Strategy,
    restart_delay: std::time::Duration,
    start_timeout: std::time::Duration,
    opts: SuperviseOptions,
    depth: usize,
    shared: Arc<Shared>,
    clock: Clock,
    slots: Vec<Slot>,
    window: Intensity,
    restarts_total: u64,
    /// Children waiting for the restart delay, and its timer's token.
    pending: Option<(u64, BTreeSet<usize>)>,
    /// Restarts whose start failed: handled as failures next.
    failed: VecDeque<(usize, ChildEnd)>,
}

/// What a step of the loop decided.
enum Flow {
    Continue,
    Exit(SupervisorExit),
}

/// The thread's body.
pub(crate) fn run(s: Setup) {
    let mut m = Machine {
        id: s.config.id.clone(),
        strategy: s.config.strategy,
        restart_delay: s.config.restart_delay,
        start_timeout: s.config.start_timeout,
        opts: s.opts,
        depth: s.depth,
        shared: s.shared,
        clock: Clock::new(s.host),
        window: Intensity::new(s.config.intensity, s.config.period),
        slots: s
            .config
            .children
            .into_iter()
            .map(|cfg| Slot {
                cfg,
                run: None,
                restarts: 0,
                removed: false,
            })
            .collect(),
        restarts_total: 0,
        pending: None,
        failed: VecDeque::new(),
    };
    if let Err(e) = m.start_all() {
        m.shared.exited(SupervisorExit {
            reason: ExitReason::HostError {
                message: e.to_string(),
            },
            abnormal: true,
        });
        let _ = s.ready.send(Err(e));
        return;
    }
    m.shared
        .status
        .update(|st| st.state = SupervisorState::Running);
    let _ = s.ready.send(Ok(()));
    let exit = m.main_loop(&s.ctl);
    m.shared.exited(exit);
}

impl Machine {
    fn cx(&self) -> Ctx<'_> {
        Ctx {
            owner: &self.id,
            start_timeout: self.start_timeout,
            opts: &self.opts,
            depth: self.depth,
        }
    }

    fn event(&self, child: Option<usize>, kind: EventKind) {
        let child = child
            .and_then(|i| self.slots.get(i))
            .map(|s| s.cfg.id.clone());
        self.shared.event(Event {
            at: self.clock.now(),
            child,
            kind,
        });
    }

    /// Publishes the children and counters.
    fn publish(&self) {
        let children: Vec<ChildStatus> = self
            .slots
            .iter()
            .filter(|s| !s.removed)
            .map(|s| ChildStatus {
                id: s.cfg.id.clone(),
                pid: s.run.as_ref().and_then(Running::pid),
                supervisor: match &s.run {
                    Some(Running::Supervisor { handle, .. }) => Some(handle.clone()),
                    _ => None,
                },
                restarts: s.restarts,
            })
            .collect();
        let total = self.restarts_total;
        self.shared.status.update(|st| {
            st.children = children;
            st.restarts_total = total;
        });
    }

    /// Starts child `i`; records the event.
    fn start_child(&mut self, i: usize) -> Result<(), StartError> {
        let Some(slot) = self.slots.get(i) else {
            return Ok(());
        };
        let result = child::start(&slot.cfg, &self.clock, &self.cx());
        match result {
            Ok(run) => {
                let pid = run.pid();
                if let Some(slot) = self.slots.get_mut(i) {
                    slot.run = Some(run);
                }
                self.event(Some(i), EventKind::Started { pid });
                self.publish();
                Ok(())
            }
            Err(e) => {
                self.event(
                    Some(i),
                    EventKind::StartFailed {
                        error: e.to_string(),
                    },
                );
                Err(e)
            }
        }
    }

    /// The first start: every child in order, or none.
    fn start_all(&mut self) -> Result<(), StartError> {
        for i in 0..self.slots.len() {
            if let Err(e) = self.start_child(i) {
                let child = self.slots.get(i).map(|s| s.cfg.id.clone());
                self.stop_range_reverse(0..i);
                return Err(StartError::Child {
                    child: child.unwrap_or_default(),
                    source: Box::new(e),
                });
            }
        }
        Ok(())
    }

    /// Stops child `i` if it runs, by its shutdown; records the events.
    fn stop_child(&mut self, i: usize) {
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        let Some(run) = slot.run.take() else {
            return;
        };
        let shutdown = slot.cfg.shutdown;
        let pid = run.pid();
        self.event(Some(i), EventKind::Stopping { pid });
        let end = child::stop(&run, shutdown, &mut self.clock, &self.id);
        self.event(
            Some(i),
            EventKind::Stopped {
                pid,
                reason: end.reason,
            },
        );
        self.publish();
    }

    fn stop_range_reverse(&mut self, range: std::ops::Range<usize>) {
        for i in range.rev() {
            self.stop_child(i);
        }
    }

    /// Kills every running child at once (reverse order), waiting for each.
    fn kill_all(&mut self) {
        for i in (0..self.slots.len()).rev() {
            if let Some(slot) = self.slots.get_mut(i) {
                slot.cfg.shutdown = Shutdown::BrutalKill;
            }
            self.stop_child(i);
        }
    }

    fn main_loop(&mut self, ctl: &Receiver<Ctl>) -> SupervisorExit {
        loop {
            let flow = if let Some(token) = self.clock.fired.pop_front() {
                self.on_timer(token)
            } else if let Some((i, end)) = self.failed.pop_front() {
                // A command first, so a stop is not held up by a child
                // that keeps failing to start.
                match ctl.try_recv() {
                    Ok(c) => {
                        self.failed.push_front((i, end));
                        self.on_ctl(c)
                    }
                    Err(_) => self.on_end(i, end, true),
                }
            } else {
                self.wait(ctl)
            };
            if let Flow::Exit(e) = flow {
                return e;
            }
        }
    }

    /// Blocks until a command, a timer or a child's end arrives.
    fn wait(&mut self, ctl: &Receiver<Ctl>) -> Flow {
        let picked = {
            let mut sel = Select::new();
            let i_ctl = sel.recv(ctl);
            let i_timer = sel.recv(&self.clock.rx);
            let mut children = Vec::new();
            for (i, s) in self.slots.iter().enumerate() {
                if let Some(run) = &s.run {
                    children.push((run.register(&mut sel), i));
                }
            }
            let op = sel.select();
            let index = op.index();
            if index == i_ctl {
                Picked::Ctl(op.recv(ctl))
            } else if index == i_timer {
                Picked::Timer(op.recv(&self.clock.rx).ok())
            } else {
                match children.iter().find(|(k, _)| *k == index) {
                    Some(&(_, i)) => match self.slots.get(i).and_then(|s| s.run.as_ref()) {
                        Some(run) => Picked::Child(i, run.complete(op)),
                        None => Picked::Nothing,
                    },
                    None => Picked::Nothing,
                }
            }
        };
        match picked {
            // Every handle is gone: stop as if asked.
            Picked::Ctl(Err(_)) => self.on_ctl(Ctl::Stop),
            Picked::Ctl(Ok(c)) => self.on_ctl(c),
            Picked::Timer(Some(t)) => self.on_timer(t),
            Picked::Timer(None) | Picked::Nothing => Flow::Continue,
            Picked::Child(i, end) => {
                if let Some(slot) = self.slots.get_mut(i) {
                    slot.run = None;
                }
                self.on_end(i, end, false)
            }
        }
    }

    fn on_ctl(&mut self, c: Ctl) -> Flow {
        self.shared
            .status
            .update(|st| st.state = SupervisorState::Stopping);
        match c {
            Ctl::Stop => {
                self.stop_range_reverse(0..self.slots.len());
                Flow::Exit(SupervisorExit {
                    reason: ExitReason::Shutdown {
                        reason: "shutdown".into(),
                    },
                    abnormal: false,
                })
            }
            Ctl::Kill { by } => {
                self.kill_all();
                Flow::Exit(SupervisorExit {
                    reason: ExitReason::Killed {
                        by: Killer::Supervisor(by),
                        reason: "brutal_kill".into(),
                    },
                    abnormal: true,
                })
            }
        }
    }

    fn on_timer(&mut self, token: u64) -> Flow {
        match self.pending.take() {
            Some((t, set)) if t == token => self.start_set(&set),
            other => {
                self.pending = other;
                Flow::Continue
            }
        }
    }

    /// Child `i` ended (or, `start_failure`, could not be started again).
    fn on_end(&mut self, i: usize, end: ChildEnd, start_failure: bool) -> Flow {
        let Some(slot) = self.slots.get(i) else {
            return Flow::Continue;
        };
        let restart_type = slot.cfg.restart;
        let child_id = slot.cfg.id.clone();
        if !start_failure {
            self.event(
                Some(i),
                EventKind::Exited {
                    pid: end.pid,
                    reason: end.reason.clone(),
                    abnormal: end.abnormal,
                },
            );
        }
        let restart = match restart_type {
            ChildRestart::Permanent => true,
            ChildRestart::Transient => end.abnormal,
            ChildRestart::Temporary => false,
        };
        if !restart {
            if restart_type == ChildRestart::Temporary {
                self.remove(i);
            }
            self.publish();
            return Flow::Continue;
        }
        let what = if start_failure {
            format!("child {child_id} failed to start")
        } else {
            format!("child {child_id} exited")
        };
        let cause = match &end.reason {
            ExitReason::HostError { message } if start_failure => message.clone(),
            r => describe_reason(r),
        };
        let n = match self.window.record(self.clock.now()) {
            Ok(n) => n,
            Err(n) => return self.give_up(&what, &cause, n),
        };
        self.restarts_total += 1;
        self.opts.log.line(&format!(
            "supervisor {}: {what} ({cause}), restart {n}/{} in {}",
            self.id,
            self.window.intensity(),
            format_duration(self.restart_delay)
        ));
        self.event(
            Some(i),
            EventKind::Restart {
                attempt: n,
                limit: Some(self.window.intensity()),
                delay: self.restart_delay,
            },
        );
        let set = self.apply_strategy(i);
        if self.restart_delay.is_zero() {
            self.start_set(&set)
        } else {
            match &mut self.pending {
                Some((_, waiting)) => waiting.extend(set),
                None => {
                    let token = self.clock.after(self.restart_delay);
                    self.pending = Some((token, set));
                }
            }
            self.publish();
            Flow::Continue
        }
    }

    /// Stops the siblings the strategy takes down with child `i`; the
    /// children to start again, in list order.
    fn apply_strategy(&mut self, i: usize) -> BTreeSet<usize> {
        let n = self.slots.len();
        let range = match self.strategy {
            Strategy::OneForOne => i..i + 1,
            Strategy::OneForAll => 0..n,
            Strategy::RestForOne => i..n,
        };
        for k in range.clone().rev() {
            if k != i {
                self.stop_child(k);
            }
        }
        let mut set = BTreeSet::new();
        for k in range {
            let Some(slot) = self.slots.get(k) else {
                continue;
            };
            if slot.removed {
                continue;
            }
            // A temporary sibling stopped by the strategy is not restarted.
            if k != i && slot.cfg.restart == ChildRestart::Temporary {
                self.remove(k);
                continue;
            }
            set.insert(k);
        }
        set
    }

    fn remove(&mut self, i: usize) {
        if let Some(slot) = self.slots.get_mut(i) {
            slot.removed = true;
            slot.run = None;
        }
        self.event(Some(i), EventKind::Removed);
    }

    /// Starts the children of `set` that are not running, in list order.
    /// A start that fails is queued as a failure of that child.
    fn start_set(&mut self, set: &BTreeSet<usize>) -> Flow {
        for &k in set {
            let startable = self
                .slots
                .get(k)
                .is_some_and(|s| !s.removed && s.run.is_none());
            if !startable {
                continue;
            }
            if let Some(slot) = self.slots.get_mut(k) {
                slot.restarts += 1;
            }
            if let Err(e) = self.start_child(k) {
                if e.is_shutting_down() {
                    // The host is going away: so does the supervisor.
                    self.stop_range_reverse(0..self.slots.len());
                    return Flow::Exit(SupervisorExit {
                        reason: ExitReason::Shutdown {
                            reason: "host shutdown".into(),
                        },
                        abnormal: false,
                    });
                }
                self.failed.push_back((k, ChildEnd::start_failed(&e)));
            }
        }
        self.publish();
        Flow::Continue
    }

    /// Too many restarts: every child stops in reverse order and the
    /// supervisor exits abnormally.
    fn give_up(&mut self, what: &str, cause: &str, n: u32) -> Flow {
        self.opts.log.line(&format!(
            "supervisor {}: {what} ({cause}), {n} restarts within {} exceed intensity {}: {MAX_INTENSITY_REASON}",
            self.id,
            format_duration(self.window_period()),
            self.window.intensity()
        ));
        self.event(
            None,
            EventKind::GaveUp {
                reason: MAX_INTENSITY_REASON.into(),
            },
        );
        self.shared
            .status
            .update(|st| st.state = SupervisorState::Stopping);
        self.pending = None;
        self.stop_range_reverse(0..self.slots.len());
        Flow::Exit(SupervisorExit {
            reason: ExitReason::Shutdown {
                reason: MAX_INTENSITY_REASON.into(),
            },
            abnormal: true,
        })
    }

    fn window_period(&self) -> std::time::Duration {
        self.window.period()
    }
}

/// What `Machine::wait` picked.
enum Picked {
    Ctl(Result<Ctl, crossbeam_channel::RecvError>),
    Timer(Option<u64>),
    Child(usize, ChildEnd),
    Nothing,
}
