//! One child of a supervisor: what it runs ([`ChildConfig`]), how it is
//! started (a monitored spawn, or a nested supervisor), how it is stopped
//! by its `shutdown` (kill at once, cancel then kill after a grace on the
//! host clock, or wait forever for a child supervisor), and how its end is
//! read (`ChildEnd`).
//!
//! Stopping blocks the supervisor's thread until the child is down, as an
//! OTP supervisor's shutdown does: other children's `Down`s wait in their
//! own channels meanwhile, and timer tokens that fire for something else
//! are kept for the main loop (`Clock::fired`).

use std::collections::VecDeque;
use std::time::Duration;

use crossbeam_channel::{Receiver, Select, Sender};

use super::supervisor::{SupervisorConfig, SupervisorExit, SupervisorHandle};
use super::{SpecFactory, StartError, SuperviseOptions};
use crate::exit::ExitReason;
use crate::host::Host;
use crate::pid::Pid;
use crate::registry::{ChildRestart, Shutdown};
use crate::relations::{Down, DownReason};

/// What a supervisor child runs.
#[derive(Debug, Clone)]
pub enum ChildKind {
    /// A process, spawned from a fresh spec at every start.
    Process(SpecFactory),
    /// A nested supervisor, on `host`.
    Supervisor {
        host: Host,
        config: Box<SupervisorConfig>,
    },
}

/// One child in a supervisor's list.
#[derive(Debug, Clone)]
pub struct ChildConfig {
    /// Unique within the supervisor.
    pub id: String,
    pub kind: ChildKind,
    pub restart: ChildRestart,
    pub shutdown: Shutdown,
}

impl ChildConfig {
    /// A `permanent` process child with the default shutdown (cancel, then
    /// kill after 5 s).
    pub fn process(id: &str, spec: SpecFactory) -> Self {
        ChildConfig {
            id: id.into(),
            kind: ChildKind::Process(spec),
            restart: ChildRestart::Permanent,
            shutdown: Shutdown::Timeout(Duration::from_secs(5)),
        }
    }

    pub fn restart(mut self, r: ChildRestart) -> Self {
        self.restart = r;
        self
    }

    pub fn shutdown(mut self, s: Shutdown) -> Self {
        self.shutdown = s;
        self
    }
}

/// A child as [`super::SupervisorStatus`] shows it.
#[derive(Debug, Clone)]
pub struct ChildStatus {
    pub id: String,
    /// The running process's pid (`None` while restarting, or for a
    /// supervisor child).
    pub pid: Option<Pid>,
    /// The running nested supervisor.
    pub supervisor: Option<SupervisorHandle>,
    /// How often it was started again after the first start.
    pub restarts: u64,
}

/// A started child.
#[derive(Debug)]
pub(crate) enum Running {
    Process {
        pid: Pid,
        down: Receiver<Down>,
    },
    Supervisor {
        handle: SupervisorHandle,
        exit: Receiver<SupervisorExit>,
    },
}

impl Running {
    pub(crate) fn pid(&self) -> Option<Pid> {
        match self {
            Running::Process { pid, .. } => Some(*pid),
            Running::Supervisor { .. } => None,
        }
    }

    /// Registers this child's end channel in `sel`; its index.
    pub(crate) fn register<'a>(&'a self, sel: &mut Select<'a>) -> usize {
        match self {
            Running::Process { down, .. } => sel.recv(down),
            Running::Supervisor { exit, .. } => sel.recv(exit),
        }
    }

    /// Completes a selected operation on this child's channel.
    pub(crate) fn complete(&self, op: crossbeam_channel::SelectedOperation<'_>) -> ChildEnd {
        match self {
            Running::Process { pid, down } => ChildEnd::from_down(*pid, op.recv(down).ok()),
            Running::Supervisor { exit, .. } => ChildEnd::from_supervisor(op.recv(exit).ok()),
        }
    }

    /// Blocks until the child is down.
    fn wait(&self) -> ChildEnd {
        match self {
            Running::Process { pid, down } => ChildEnd::from_down(*pid, down.recv().ok()),
            Running::Supervisor { exit, .. } => ChildEnd::from_supervisor(exit.recv().ok()),
        }
    }
}

/// How a child ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChildEnd {
    pub(crate) pid: Option<Pid>,
    pub(crate) reason: ExitReason,
    /// Abnormal ends restart `transient` children. For processes this is
    /// `!reason.is_normal()`; a supervisor that gave up on intensity exits
    /// `Shutdown` and is still abnormal.
    pub(crate) abnormal: bool,
}

impl ChildEnd {
    fn from_down(pid: Pid, down: Option<Down>) -> ChildEnd {
        let reason = match down.map(|d| d.reason) {
            Some(DownReason::Exit(e)) => e.reason,
            Some(DownReason::NoProc) => ExitReason::HostError {
                message: "the monitored process was already gone".into(),
            },
            None => ExitReason::HostError {
                message: "lost the monitor of the process".into(),
            },
        };
        ChildEnd {
            pid: Some(pid),
            abnormal: !reason.is_normal(),
            reason,
        }
    }

    fn from_supervisor(exit: Option<SupervisorExit>) -> ChildEnd {
        let exit = exit.unwrap_or_else(|| SupervisorExit {
            reason: ExitReason::HostError {
                message: "lost the child supervisor".into(),
            },
            abnormal: true,
        });
        ChildEnd {
            pid: None,
            reason: exit.reason,
            abnormal: exit.abnormal,
        }
    }

    /// An end for a start that failed.
    pub(crate) fn start_failed(e: &StartError) -> ChildEnd {
        ChildEnd {
            pid: None,
            reason: ExitReason::HostError {
                message: format!("start failed: {e}"),
            },
            abnormal: true,
        }
    }
}

/// Timers of one supervision thread on the host clock: each fires by
/// sending its token; tokens that arrive while the thread waits for
/// something else are kept in `fired`.
#[derive(Debug)]
pub(crate) struct Clock {
    pub(crate) host: Host,
    tx: Sender<u64>,
    pub(crate) rx: Receiver<u64>,
    next: u64,
    pub(crate) fired: VecDeque<u64>,
}

impl Clock {
    pub(crate) fn new(host: Host) -> Clock {
        let (tx, rx) = crossbeam_channel::unbounded();
        Clock {
            host,
            tx,
            rx,
            next: 1,
            fired: VecDeque::new(),
        }
    }

    pub(crate) fn now(&self) -> Duration {
        self.host.now()
    }

    /// A timer that fires after `d`; its token.
    pub(crate) fn after(&mut self, d: Duration) -> u64 {
        let token = self.next;
        self.next += 1;
        let tx = self.tx.clone();
        self.host.schedule(d, move || {
            let _ = tx.send(token);
        });
        token
    }
}

/// What starting and stopping children needs from its supervisor.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// The supervisor's id, for kill reasons and log lines.
    pub(crate) owner: &'a str,
    pub(crate) start_timeout: Duration,
    pub(crate) opts: &'a SuperviseOptions,
    /// How deep the owner is nested (0: top level).
    pub(crate) depth: usize,
}

/// Starts a child; `Err` if its spec, its Init or its own children fail.
pub(crate) fn start(cfg: &ChildConfig, clock: &Clock, cx: &Ctx<'_>) -> Result<Running, StartError> {
    match &cfg.kind {
        ChildKind::Process(factory) => spawn_process(&clock.host, factory, cx),
        ChildKind::Supervisor { host, config } => {
            let handle = SupervisorHandle::start_nested(
                host.clone(),
                (**config).clone(),
                cx.opts.clone(),
                cx.depth + 1,
            )?;
            let exit = handle.exit_receiver();
            Ok(Running::Supervisor { handle, exit })
        }
    }
}

/// Spawns a monitored process from `factory`, refusing an Init slower than
/// `start_timeout`.
pub(crate) fn spawn_process(
    host: &Host,
    factory: &SpecFactory,
    cx: &Ctx<'_>,
) -> Result<Running, StartError> {
    let spec = factory.make()?;
    let t0 = host.now();
    let (pid, down) = host.spawn_monitored(spec)?;
    let took = host.now().saturating_sub(t0);
    if took > cx.start_timeout {
        let by = crate::Killer::Supervisor(cx.owner.to_string());
        let _ = host.kill_by(pid, by, "start_timeout");
        let _ = down.recv();
        return Err(StartError::StartTimeout {
            took_ms: millis(took),
            limit_ms: millis(cx.start_timeout),
        });
    }
    Ok(Running::Process { pid, down })
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Stops a running child by its `shutdown` and waits until it is down.
pub(crate) fn stop(run: &Running, shutdown: Shutdown, clock: &mut Clock, owner: &str) -> ChildEnd {
    let why = format!("supervisor {owner}: shutdown");
    match run {
        Running::Process { pid, .. } => {
            // Either call fails only if the process is already gone; its
            // Down is then in the channel.
            match shutdown {
                Shutdown::BrutalKill => {
                    let by = crate::Killer::Supervisor(owner.to_string());
                    let _ = clock.host.kill_by(*pid, by, "shutdown");
                }
                Shutdown::Timeout(grace) => {
                    let _ = clock.host.cancel(*pid, &why, grace);
                }
                // Refused for process children when the config is built;
                // the safest reading is the default grace.
                Shutdown::Infinity => {
                    let _ = clock.host.cancel(*pid, &why, Duration::from_secs(5));
                }
            }
            run.wait()
        }
        Running::Supervisor { handle, exit } => match shutdown {
            Shutdown::BrutalKill => {
                handle.request_kill(owner);
                run.wait()
            }
            Shutdown::Infinity => {
                handle.request_stop();
                run.wait()
            }
            Shutdown::Timeout(grace) => {
                handle.request_stop();
                let token = clock.after(grace);
                loop {
                    let mut sel = Select::new();
                    let i_exit = sel.recv(exit);
                    let i_timer = sel.recv(&clock.rx);
                    let op = sel.select();
                    if op.index() == i_exit {
                        return ChildEnd::from_supervisor(op.recv(exit).ok());
                    }
                    debug_assert_eq!(op.index(), i_timer);
                    match op.recv(&clock.rx) {
                        Ok(t) if t == token => {
                            handle.request_kill(owner);
                            return run.wait();
                        }
                        Ok(t) => clock.fired.push_back(t),
                        // The clock's sender lives in `clock`: never.
                        Err(_) => return run.wait(),
                    }
                }
            }
        },
    }
}
