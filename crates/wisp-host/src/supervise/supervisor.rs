//! A `process.supervisor` from the outside: its configuration
//! ([`SupervisorConfig`]), the handle that starts, queries and stops it
//! ([`SupervisorHandle`]), its status and how it ended
//! ([`SupervisorExit`]). The state machine itself is in `sup_loop.rs`.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::child::{ChildConfig, ChildKind, ChildStatus};
use super::events::{Event, EventLog, Watch};
use super::sup_loop;
use super::{MAX_SUPERVISOR_DEPTH, StartError, SuperviseOptions};
use crate::exit::ExitReason;
use crate::host::Host;
use crate::pid::Pid;
use crate::registry::{Shutdown, Strategy};
use crate::sched::lock;

/// A supervisor: OTP-style restarts of a list of children.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    /// Its name in log lines and kill reasons (the entry id).
    pub id: String,
    pub strategy: Strategy,
    /// More than this many restarts within `period` ends the supervisor.
    pub intensity: u32,
    pub period: Duration,
    /// A fixed pause before each restart (0: restart at once).
    pub restart_delay: Duration,
    /// The longest Init of a child process.
    pub start_timeout: Duration,
    pub children: Vec<ChildConfig>,
}

impl SupervisorConfig {
    /// `one_for_one`, intensity 1 in 5 s (OTP's defaults), no delay.
    pub fn new(id: &str, children: Vec<ChildConfig>) -> Self {
        SupervisorConfig {
            id: id.into(),
            strategy: Strategy::OneForOne,
            intensity: 1,
            period: Duration::from_secs(5),
            restart_delay: Duration::ZERO,
            start_timeout: Duration::from_secs(10),
            children,
        }
    }

    /// Refuses what the supervisor cannot run: duplicate child ids,
    /// `infinity` on a process child, a zero period, nesting deeper than
    /// [`MAX_SUPERVISOR_DEPTH`].
    pub fn check(&self) -> Result<(), StartError> {
        self.check_at(0)
    }

    fn check_at(&self, depth: usize) -> Result<(), StartError> {
        let err = |m: String| Err(StartError::Config(format!("supervisor {}: {m}", self.id)));
        if depth > MAX_SUPERVISOR_DEPTH {
            return err(format!(
                "supervisors nest deeper than {MAX_SUPERVISOR_DEPTH}"
            ));
        }
        if self.period.is_zero() {
            return err("period must be > 0".into());
        }
        for (i, c) in self.children.iter().enumerate() {
            if self.children[..i].iter().any(|o| o.id == c.id) {
                return err(format!("child id \"{}\" is used twice", c.id));
            }
            match &c.kind {
                ChildKind::Process(_) if c.shutdown == Shutdown::Infinity => {
                    return err(format!(
                        "child {}: shutdown: infinity is only allowed for supervisor children",
                        c.id
                    ));
                }
                ChildKind::Supervisor { config, .. } => config.check_at(depth + 1)?,
                ChildKind::Process(_) => {}
            }
        }
        Ok(())
    }
}

/// Where a supervisor is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupervisorState {
    /// Starting its children.
    Starting,
    Running,
    /// Stopping its children (asked to, or giving up).
    Stopping,
    /// Gone; see [`SupervisorStatus::exit`].
    Exited,
}

impl SupervisorState {
    pub fn as_str(self) -> &'static str {
        match self {
            SupervisorState::Starting => "starting",
            SupervisorState::Running => "running",
            SupervisorState::Stopping => "stopping",
            SupervisorState::Exited => "exited",
        }
    }
}

/// How a supervisor ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SupervisorExit {
    /// `Shutdown { reason: "shutdown" }` when stopped,
    /// `Shutdown { reason: "reached_max_restart_intensity" }` when it gave
    /// up, `Killed` when its parent killed it.
    pub reason: ExitReason,
    /// Whether a parent counts it as a failure: giving up on intensity is
    /// abnormal even though its reason is a `Shutdown` (HOST.md §2.6).
    pub abnormal: bool,
}

/// A snapshot of a supervisor.
#[derive(Debug, Clone)]
pub struct SupervisorStatus {
    pub id: String,
    pub state: SupervisorState,
    /// Its children in list order (`temporary` ones that exited are gone).
    pub children: Vec<ChildStatus>,
    /// Restarts decided so far (each failure that was restarted counts 1).
    pub restarts_total: u64,
    /// Set once it has exited.
    pub exit: Option<SupervisorExit>,
}

/// What the handle tells the supervisor's thread.
#[derive(Debug, Clone)]
pub(crate) enum Ctl {
    /// Stop every child (reverse order, each by its shutdown), then exit
    /// `Shutdown`.
    Stop,
    /// Kill every child at once, then exit `Killed` (by `by`).
    Kill { by: String },
}

/// What the handles and the thread share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) id: String,
    pub(crate) status: Watch<SupervisorStatus>,
    pub(crate) events: Mutex<EventLog>,
    pub(crate) exit_watchers: Mutex<Vec<Sender<SupervisorExit>>>,
    pub(crate) thread: Mutex<Option<JoinHandle<()>>>,
}

impl Shared {
    pub(crate) fn event(&self, e: Event) {
        lock(&self.events).push(e);
    }

    /// Records the exit and tells every watcher.
    pub(crate) fn exited(&self, exit: SupervisorExit) {
        self.status.update(|s| {
            s.state = SupervisorState::Exited;
            s.exit = Some(exit.clone());
            for c in &mut s.children {
                c.pid = None;
                c.supervisor = None;
            }
        });
        for w in lock(&self.exit_watchers).drain(..) {
            let _ = w.send(exit.clone());
        }
    }
}

/// A running (or exited) supervisor. Cheap to clone; when the last handle
/// is dropped the supervisor stops as if [`SupervisorHandle::stop`] had
/// been called.
#[derive(Debug, Clone)]
pub struct SupervisorHandle {
    pub(crate) shared: Arc<Shared>,
    ctl: Sender<Ctl>,
}

impl SupervisorHandle {
    /// Checks `config`, starts the supervisor's thread on `host`, starts
    /// its children in list order and returns once all are up. If one
    /// fails, those already started are stopped in reverse order and the
    /// error names the child.
    pub fn start(
        host: Host,
        config: SupervisorConfig,
        opts: SuperviseOptions,
    ) -> Result<SupervisorHandle, StartError> {
        config.check()?;
        SupervisorHandle::start_nested(host, config, opts, 0)
    }

    pub(crate) fn start_nested(
        host: Host,
        config: SupervisorConfig,
        opts: SuperviseOptions,
        depth: usize,
    ) -> Result<SupervisorHandle, StartError> {
        let shared = Arc::new(Shared {
            id: config.id.clone(),
            status: Watch::new(SupervisorStatus {
                id: config.id.clone(),
                state: SupervisorState::Starting,
                children: Vec::new(),
                restarts_total: 0,
                exit: None,
            }),
            events: Mutex::new(EventLog::default()),
            exit_watchers: Mutex::new(Vec::new()),
            thread: Mutex::new(None),
        });
        let (ctl_tx, ctl_rx) = crossbeam_channel::unbounded();
        let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
        let thread_shared = shared.clone();
        let name = format!("wisp-sup-{}", config.id);
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                sup_loop::run(sup_loop::Setup {
                    host,
                    config,
                    opts,
                    depth,
                    shared: thread_shared,
                    ctl: ctl_rx,
                    ready: ready_tx,
                });
            })
            .map_err(|e| StartError::Thread(e.to_string()))?;
        *lock(&shared.thread) = Some(thread);
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(SupervisorHandle {
                shared,
                ctl: ctl_tx,
            }),
            Ok(Err(e)) => {
                join(&shared);
                Err(e)
            }
            Err(_) => {
                join(&shared);
                Err(StartError::Thread("the supervisor thread ended".into()))
            }
        }
    }

    pub fn id(&self) -> &str {
        &self.shared.id
    }

    pub fn status(&self) -> SupervisorStatus {
        self.shared.status.get()
    }

    pub fn state(&self) -> SupervisorState {
        self.status().state
    }

    pub fn restarts_total(&self) -> u64 {
        self.status().restarts_total
    }

    /// The pid of child `id`'s running process.
    pub fn child_pid(&self, id: &str) -> Option<Pid> {
        self.status()
            .children
            .into_iter()
            .find(|c| c.id == id)
            .and_then(|c| c.pid)
    }

    /// Every event so far (the last [`super::events::MAX_EVENTS`]).
    pub fn events(&self) -> Vec<Event> {
        lock(&self.shared.events).to_vec()
    }

    /// The status once `pred` holds, or `None` after `timeout` (real time;
    /// a bound against hangs, not a measure).
    pub fn wait_until(
        &self,
        timeout: Duration,
        pred: impl Fn(&SupervisorStatus) -> bool,
    ) -> Option<SupervisorStatus> {
        self.shared.status.wait_until(timeout, pred)
    }

    /// How it ended, once it has (`None` after `timeout`).
    pub fn wait_exit(&self, timeout: Duration) -> Option<SupervisorExit> {
        self.wait_until(timeout, |s| s.exit.is_some())
            .and_then(|s| s.exit)
    }

    /// A channel that receives its exit (at once if it has exited).
    pub fn exit_receiver(&self) -> Receiver<SupervisorExit> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let mut watchers = lock(&self.shared.exit_watchers);
        match self.shared.status.get().exit {
            Some(e) => {
                let _ = tx.send(e);
            }
            None => watchers.push(tx),
        }
        rx
    }

    /// Asks it to stop (children in reverse order, each by its shutdown)
    /// without waiting.
    pub fn request_stop(&self) {
        let _ = self.ctl.send(Ctl::Stop);
    }

    /// Asks it to kill every child at once and exit `Killed`.
    pub fn request_kill(&self, by: &str) {
        let _ = self.ctl.send(Ctl::Kill { by: by.into() });
    }

    /// Stops it and waits until its children are down; how it ended.
    pub fn stop(&self) -> SupervisorExit {
        self.request_stop();
        let exit = self.exit_receiver().recv().unwrap_or(SupervisorExit {
            reason: ExitReason::HostError {
                message: "the supervisor thread ended".into(),
            },
            abnormal: true,
        });
        join(&self.shared);
        exit
    }
}

/// Waits for the supervisor's thread, unless called from it.
fn join(shared: &Shared) {
    let handle = lock(&shared.thread).take();
    if let Some(h) = handle {
        if h.thread().id() == std::thread::current().id() {
            return;
        }
        let _ = h.join();
    }
}
