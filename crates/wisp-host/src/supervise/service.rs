//! `process.service` (HOST.md §2.6): one supervised process with Wippy's
//! backoff, as a state machine on its own thread.
//!
//! ```text
//! Unknown ─▶ Starting ─ok─▶ Running ─exit─▶ Failed ─delay─▶ Starting …
//!               │ Init err ──────────────────▲   └ attempts used up ─▶ Exited
//!   Running/Failed ─stop─▶ Stopping ─down─▶ Stopped
//! ```
//!
//! - Any exit of the running process is a failure, except a `Shutdown`
//!   the host asked for (host shutdown: the service goes `Stopped`). A
//!   start that fails (missing env, Init error) is a failure too.
//! - Failure n waits `initial_delay × factor^(n−1)`, capped at
//!   `max_delay`, ±jitter from a seeded generator, on the host clock.
//! - A run that lasted `stable_threshold` resets the attempt counter; it is
//!   measured when the process ends, so no timer is left pending.
//! - `max_attempts` failures in a row (0: no limit) and the next one ends
//!   the service: `Exited` with reason `max_attempts_reached`.
//! - Stop: cancel the process with `stop_timeout` as grace (killed after
//!   it), wait until it is down, `Stopped`.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Select, Sender};

use super::backoff::{Jitter, backoff_delay};
use super::child::{self, ChildEnd, Clock, Ctx, Running};
use super::events::{Event, EventKind, EventLog, Watch, describe_reason, format_duration};
use super::{MAX_ATTEMPTS_REASON, SpecFactory, StartError, SuperviseOptions};
use crate::exit::ExitReason;
use crate::host::Host;
use crate::pid::Pid;
use crate::registry::{Lifecycle, RestartPolicy};
use crate::sched::lock;

/// A service: one process, restarted with backoff.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Its name in log lines (the entry id).
    pub id: String,
    pub spec: SpecFactory,
    pub start_timeout: Duration,
    /// The grace of the cancel that stops it.
    pub stop_timeout: Duration,
    /// A run this long resets the attempt counter.
    pub stable_threshold: Duration,
    pub restart: RestartPolicy,
}

impl ServiceConfig {
    /// With the registry's lifecycle defaults.
    pub fn new(id: &str, spec: SpecFactory) -> Self {
        let l = Lifecycle::default();
        ServiceConfig {
            id: id.into(),
            spec,
            start_timeout: l.start_timeout,
            stop_timeout: l.stop_timeout,
            stable_threshold: l.stable_threshold,
            restart: l.restart,
        }
    }
}

/// The states of a service (Wippy's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceState {
    Unknown,
    Starting,
    Running,
    Stopping,
    /// Stopped on request (or by the host's shutdown). Terminal.
    Stopped,
    /// Failed; a restart is scheduled.
    Failed,
    /// Gave up (`max_attempts_reached`). Terminal.
    Exited,
}

impl ServiceState {
    /// `Stopped` or `Exited`: the service's thread has ended.
    pub fn is_terminal(self) -> bool {
        matches!(self, ServiceState::Stopped | ServiceState::Exited)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Unknown => "unknown",
            ServiceState::Starting => "starting",
            ServiceState::Running => "running",
            ServiceState::Stopping => "stopping",
            ServiceState::Stopped => "stopped",
            ServiceState::Failed => "failed",
            ServiceState::Exited => "exited",
        }
    }
}

/// A snapshot of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStatus {
    pub id: String,
    pub state: ServiceState,
    /// The running process.
    pub pid: Option<Pid>,
    /// Failures since the last stable run.
    pub attempts: u32,
    /// Restarts scheduled so far.
    pub restarts_total: u64,
    /// How the last process ended.
    pub last_exit: Option<ExitReason>,
    /// Why it is `Exited` (`max_attempts_reached`) or why the last start
    /// failed.
    pub reason: Option<String>,
}

/// What the handle and the thread share.
#[derive(Debug)]
struct Shared {
    id: String,
    status: Watch<ServiceStatus>,
    events: Mutex<EventLog>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// A running (or ended) service. Cheap to clone; when the last handle is
/// dropped the service stops.
#[derive(Debug, Clone)]
pub struct ServiceHandle {
    shared: Arc<Shared>,
    ctl: Sender<()>,
}

impl ServiceHandle {
    /// Starts the service's thread and its first start; returns once that
    /// start is done (`Running`, or `Failed` with a restart scheduled).
    pub fn start(
        host: Host,
        config: ServiceConfig,
        opts: SuperviseOptions,
    ) -> Result<ServiceHandle, StartError> {
        let shared = Arc::new(Shared {
            id: config.id.clone(),
            status: Watch::new(ServiceStatus {
                id: config.id.clone(),
                state: ServiceState::Unknown,
                pid: None,
                attempts: 0,
                restarts_total: 0,
                last_exit: None,
                reason: None,
            }),
            events: Mutex::new(EventLog::default()),
            thread: Mutex::new(None),
        });
        let (ctl_tx, ctl_rx) = crossbeam_channel::unbounded();
        let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
        let mut m = Machine {
            jitter: Jitter::new(opts.seed),
            clock: Clock::new(host),
            config,
            opts,
            shared: shared.clone(),
            run: None,
            started_at: Duration::ZERO,
            pending: None,
            attempts: 0,
            restarts_total: 0,
        };
        let thread = std::thread::Builder::new()
            .name(format!("wisp-svc-{}", shared.id))
            .spawn(move || {
                m.start();
                let _ = ready_tx.send(());
                m.main_loop(&ctl_rx);
            })
            .map_err(|e| StartError::Thread(e.to_string()))?;
        *lock(&shared.thread) = Some(thread);
        let _ = ready_rx.recv();
        Ok(ServiceHandle {
            shared,
            ctl: ctl_tx,
        })
    }

    pub fn id(&self) -> &str {
        &self.shared.id
    }

    pub fn status(&self) -> ServiceStatus {
        self.shared.status.get()
    }

    pub fn state(&self) -> ServiceState {
        self.status().state
    }

    pub fn pid(&self) -> Option<Pid> {
        self.status().pid
    }

    /// Every event so far (the last [`super::events::MAX_EVENTS`]).
    pub fn events(&self) -> Vec<Event> {
        lock(&self.shared.events).to_vec()
    }

    /// The status once `pred` holds, or `None` after `timeout` (real time).
    pub fn wait_until(
        &self,
        timeout: Duration,
        pred: impl Fn(&ServiceStatus) -> bool,
    ) -> Option<ServiceStatus> {
        self.shared.status.wait_until(timeout, pred)
    }

    /// Asks it to stop without waiting.
    pub fn request_stop(&self) {
        let _ = self.ctl.send(());
    }

    /// Stops it and waits until its process is down (or until it had
    /// ended anyway); its final status.
    pub fn stop(&self) -> ServiceStatus {
        self.request_stop();
        let handle = lock(&self.shared.thread).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        // Another handle may be the one joining: wait for the end anyway.
        self.shared
            .status
            .wait_until(Duration::from_secs(24 * 3600), |s| s.state.is_terminal())
            .unwrap_or_else(|| self.status())
    }
}

struct Machine {
    config: ServiceConfig,
    opts: SuperviseOptions,
    shared: Arc<Shared>,
    clock: Clock,
    jitter: Jitter,
    run: Option<Running>,
    /// When the running process started (host clock).
    started_at: Duration,
    /// The token of the scheduled restart.
    pending: Option<u64>,
    attempts: u32,
    restarts_total: u64,
}

enum Picked {
    Stop,
    Timer(u64),
    Down(ChildEnd),
    Nothing,
}

impl Machine {
    fn event(&self, kind: EventKind) {
        lock(&self.shared.events).push(Event {
            at: self.clock.now(),
            child: None,
            kind,
        });
    }

    fn set(&self, f: impl FnOnce(&mut ServiceStatus)) {
        self.shared.status.update(f);
    }

    fn log(&self, text: &str) {
        self.opts
            .log
            .line(&format!("service {}: {text}", self.config.id));
    }

    /// One start attempt: `Running`, or a failure.
    fn start(&mut self) -> bool {
        self.set(|s| s.state = ServiceState::Starting);
        let cx = Ctx {
            owner: &self.config.id,
            start_timeout: self.config.start_timeout,
            opts: &self.opts,
            depth: 0,
        };
        match child::spawn_process(&self.clock.host, &self.config.spec, &cx) {
            Ok(run) => {
                let pid = run.pid();
                self.run = Some(run);
                self.started_at = self.clock.now();
                self.event(EventKind::Started { pid });
                self.set(|s| {
                    s.state = ServiceState::Running;
                    s.pid = pid;
                    s.reason = None;
                });
                true
            }
            Err(e) if e.is_shutting_down() => {
                self.set(|s| s.state = ServiceState::Stopped);
                false
            }
            Err(e) => {
                let error = e.to_string();
                self.event(EventKind::StartFailed {
                    error: error.clone(),
                });
                self.set(|s| s.reason = Some(error.clone()));
                self.failure(&format!("failed to start ({error})"), Duration::ZERO)
            }
        }
    }

    /// A failure after a run of `ran`: schedules the restart or gives up.
    /// Whether the service goes on.
    fn failure(&mut self, what: &str, ran: Duration) -> bool {
        if ran >= self.config.stable_threshold {
            self.attempts = 0;
        }
        self.attempts = self.attempts.saturating_add(1);
        let max = self.config.restart.max_attempts;
        let attempts = self.attempts;
        if max > 0 && attempts > max {
            self.log(&format!(
                "{what}, {max} restart(s) used up: {MAX_ATTEMPTS_REASON}"
            ));
            self.event(EventKind::GaveUp {
                reason: MAX_ATTEMPTS_REASON.into(),
            });
            self.set(|s| {
                s.state = ServiceState::Exited;
                s.pid = None;
                s.attempts = attempts;
                s.reason = Some(MAX_ATTEMPTS_REASON.into());
            });
            return false;
        }
        let delay = backoff_delay(&self.config.restart, attempts, &mut self.jitter);
        self.restarts_total += 1;
        let of = if max > 0 {
            format!("/{max}")
        } else {
            String::new()
        };
        self.log(&format!(
            "{what}, restart {attempts}{of} in {}",
            format_duration(delay)
        ));
        self.event(EventKind::Restart {
            attempt: attempts,
            limit: (max > 0).then_some(max),
            delay,
        });
        self.pending = Some(self.clock.after(delay));
        let total = self.restarts_total;
        self.set(|s| {
            s.state = ServiceState::Failed;
            s.pid = None;
            s.attempts = attempts;
            s.restarts_total = total;
        });
        true
    }

    fn main_loop(&mut self, ctl: &Receiver<()>) {
        loop {
            if self.shared.status.get().state.is_terminal() {
                return;
            }
            let picked = if let Some(t) = self.clock.fired.pop_front() {
                Picked::Timer(t)
            } else {
                self.wait(ctl)
            };
            let goes_on = match picked {
                Picked::Stop => {
                    self.stop();
                    false
                }
                Picked::Timer(t) if self.pending == Some(t) => {
                    self.pending = None;
                    self.start()
                }
                Picked::Timer(_) | Picked::Nothing => true,
                Picked::Down(end) => {
                    self.run = None;
                    self.on_exit(end)
                }
            };
            if !goes_on {
                return;
            }
        }
    }

    fn wait(&mut self, ctl: &Receiver<()>) -> Picked {
        let mut sel = Select::new();
        let i_ctl = sel.recv(ctl);
        let i_timer = sel.recv(&self.clock.rx);
        let i_down = self.run.as_ref().map(|r| r.register(&mut sel));
        let op = sel.select();
        let index = op.index();
        if index == i_ctl {
            // A stop, or every handle is gone: stop either way.
            let _ = op.recv(ctl);
            Picked::Stop
        } else if index == i_timer {
            op.recv(&self.clock.rx)
                .map_or(Picked::Nothing, Picked::Timer)
        } else if Some(index) == i_down {
            match self.run.as_ref() {
                Some(run) => Picked::Down(run.complete(op)),
                None => Picked::Nothing,
            }
        } else {
            Picked::Nothing
        }
    }

    /// The running process ended on its own.
    fn on_exit(&mut self, end: ChildEnd) -> bool {
        let ran = self.clock.now().saturating_sub(self.started_at);
        self.event(EventKind::Exited {
            pid: end.pid,
            reason: end.reason.clone(),
            abnormal: end.abnormal,
        });
        let reason = end.reason.clone();
        self.set(|s| {
            s.pid = None;
            s.last_exit = Some(reason);
        });
        if let ExitReason::Shutdown { .. } = end.reason {
            // The host asked for it (host shutdown): not a failure.
            self.log(&format!("stopped ({})", describe_reason(&end.reason)));
            self.set(|s| s.state = ServiceState::Stopped);
            return false;
        }
        let pid = end.pid.map(|p| format!("{p} ")).unwrap_or_default();
        self.failure(
            &format!("process {pid}exited ({})", describe_reason(&end.reason)),
            ran,
        )
    }

    /// Stops the running process (cancel with `stop_timeout`), waits for it.
    fn stop(&mut self) {
        self.pending = None;
        if let Some(run) = self.run.take() {
            let pid = run.pid();
            self.set(|s| s.state = ServiceState::Stopping);
            self.event(EventKind::Stopping { pid });
            let end = child::stop(
                &run,
                crate::registry::Shutdown::Timeout(self.config.stop_timeout),
                &mut self.clock,
                &self.config.id,
            );
            self.event(EventKind::Stopped {
                pid,
                reason: end.reason.clone(),
            });
            self.set(|s| s.last_exit = Some(end.reason));
        }
        self.set(|s| {
            s.state = ServiceState::Stopped;
            s.pid = None;
        });
    }
}
