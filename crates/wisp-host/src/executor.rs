//! [`Executor`]: the Bacalhau-style execution facade over a [`Host`]
//! (HOST.md §5.2), for embedders that think in executions rather than
//! processes — a Nomad task driver, a job runner.
//!
//! The caller names each execution ([`ExecutionId`]); `start` spawns its
//! process, `wait` hands back a channel that receives the [`RunResult`],
//! `cancel` stops it, `log_stream` follows its output. A finished
//! execution is remembered (its result, its logs) until [`Executor::forget`],
//! so a second `start` with the same id is refused with
//! `ExecutionAlreadyComplete` rather than silently run again.
//!
//! # Note: one capture thread per execution
//!
//! Each running execution has a small thread that follows its log and
//! writes the capture: the first `max_return_bytes` of each stream into the
//! [`RunResult`] and everything into `results_dir/{stdout,stderr}` (Bacalhau
//! splits the returned length from the file length the same way), then
//! `exitCode` once the process has exited. The thread never touches the
//! guest and never holds a worker; it sleeps on the log's condition
//! variable. A log stream does not apply back-pressure, so a capture that
//! falls more than the log's history behind loses records; the loss is
//! counted in [`RunResult::records_lost`] rather than hidden.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::error::{NotFound, SpawnError};
use crate::exit::{ExitEvent, Stream};
use crate::host::Host;
use crate::logs::{LogOpts, LogRecord, LogStream};
use crate::pid::Pid;
use crate::sched::lock;
use crate::spec::SpawnSpec;
use crate::value::Value;

/// The default of [`RunRequest::max_return_bytes`]: 1 MiB per stream.
pub const DEFAULT_MAX_RETURN_BYTES: usize = 1 << 20;

/// The default grace of [`Executor::cancel`] (HOST.md §2.5).
pub const DEFAULT_CANCEL_GRACE: Duration = Duration::from_secs(5);

/// The stack of a capture thread: it only moves bytes to files.
const CAPTURE_STACK: usize = 128 << 10;

/// The caller's name of one execution.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExecutionId(pub String);

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ExecutionId {
    fn from(s: &str) -> Self {
        ExecutionId(s.to_string())
    }
}

impl From<String> for ExecutionId {
    fn from(s: String) -> Self {
        ExecutionId(s)
    }
}

/// What to run, and where its results go.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub id: ExecutionId,
    /// The process: module, method, arguments, WASI view, limits. The
    /// output limit (`spec.limits.max_output_bytes`) bounds the files in
    /// `results_dir`.
    pub spec: SpawnSpec,
    /// Bytes of each stream returned in [`RunResult::stdout`] /
    /// [`RunResult::stderr`] (default [`DEFAULT_MAX_RETURN_BYTES`]).
    pub max_return_bytes: usize,
    /// If set, this directory (created if missing) receives `stdout`,
    /// `stderr` (the whole capture, up to the output limit) and `exitCode`.
    pub results_dir: Option<PathBuf>,
}

impl RunRequest {
    /// A request to run `spec` as execution `id`.
    pub fn new(id: impl Into<ExecutionId>, spec: SpawnSpec) -> Self {
        RunRequest {
            id: id.into(),
            spec,
            max_return_bytes: DEFAULT_MAX_RETURN_BYTES,
            results_dir: None,
        }
    }

    /// A call of export `method` of the module in `bytes` with `args`.
    pub fn invoke(
        id: impl Into<ExecutionId>,
        bytes: impl Into<Arc<[u8]>>,
        method: &str,
        args: Vec<Value>,
    ) -> Self {
        RunRequest::new(id, SpawnSpec::invoke(bytes, method, args))
    }

    /// A WASI command (`_start`) from `bytes`, with `argv`.
    pub fn command(
        id: impl Into<ExecutionId>,
        bytes: impl Into<Arc<[u8]>>,
        argv: Vec<String>,
    ) -> Self {
        RunRequest::new(id, SpawnSpec::command(bytes, argv))
    }

    /// Sets [`RunRequest::max_return_bytes`].
    pub fn max_return_bytes(mut self, n: usize) -> Self {
        self.max_return_bytes = n;
        self
    }

    /// Sets [`RunRequest::results_dir`].
    pub fn results_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.results_dir = Some(dir.into());
        self
    }
}

/// How an execution ended, Bacalhau's `RunCommandResult` plus the exit
/// event.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// The first `max_return_bytes` of stdout (invalid UTF-8 replaced, and
    /// cut back to a character boundary so it never exceeds the limit).
    pub stdout: String,
    pub stderr: String,
    /// The stream was longer than `max_return_bytes`, or the process's
    /// output limit cut it.
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// [`ExitEvent::exit_code`] (0 for a normal return).
    pub exit_code: i32,
    /// Why the execution failed, for any exit but a normal one with code 0.
    pub error_msg: Option<String>,
    /// Log records the capture never saw (it fell behind the log's
    /// history), as far as a later record's sequence number reveals them:
    /// a loss at the very end of the output is not counted.
    pub records_lost: u64,
    /// The process's exit event (reason, results, fuel, time).
    pub exit: ExitEvent,
}

/// Why an executor call failed. [`ExecError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    #[error("execution {0} is already running")]
    AlreadyStarted(ExecutionId),
    #[error("execution {0} has already completed")]
    AlreadyComplete(ExecutionId),
    #[error("no execution {0}")]
    NotFound(ExecutionId),
    /// The process could not start; the code is [`SpawnError::code`].
    #[error("{0}")]
    Spawn(#[from] SpawnError),
    /// The results directory or its files cannot be created.
    #[error("results directory {path}: {message}")]
    OutputConfig { path: String, message: String },
    /// Writing the results (or the capture thread itself) failed.
    #[error("execution {id}: {message}")]
    Log { id: ExecutionId, message: String },
}

impl ExecError {
    /// The stable error code: `ExecutionAlreadyStarted`,
    /// `ExecutionAlreadyComplete`, `ExecutionNotFound`, `OutputConfigError`,
    /// `LogError`, or the spawn error's own code (`ModuleNotFound`,
    /// `HashMismatch`, `ModuleCompileError`, `EntrypointError`,
    /// `MemoryLimitError`, …).
    pub fn code(&self) -> &'static str {
        match self {
            ExecError::AlreadyStarted(_) => "ExecutionAlreadyStarted",
            ExecError::AlreadyComplete(_) => "ExecutionAlreadyComplete",
            ExecError::NotFound(_) => "ExecutionNotFound",
            ExecError::Spawn(e) => e.code(),
            ExecError::OutputConfig { .. } => "OutputConfigError",
            ExecError::Log { .. } => "LogError",
        }
    }
}

type Outcome = Result<RunResult, ExecError>;

/// Where one execution is.
enum Phase {
    /// `start` is spawning it; `cancel` was asked for meanwhile.
    Starting {
        cancel: bool,
    },
    Running(Pid),
    Complete(Pid, Box<Outcome>),
}

struct Run {
    phase: Phase,
    /// `wait` receivers to tell when it completes.
    waiters: Vec<Sender<Outcome>>,
}

struct Shared {
    host: Host,
    runs: Mutex<HashMap<ExecutionId, Run>>,
    cancel_grace: Duration,
}

impl Shared {
    /// Records the outcome of `id` and hands it to every waiter. A start
    /// that failed (no pid) leaves no record, so the id can be used again.
    fn complete(&self, id: &ExecutionId, pid: Option<Pid>, outcome: Outcome) {
        let mut runs = lock(&self.runs);
        let waiters = match pid {
            Some(pid) => match runs.get_mut(id) {
                Some(run) => {
                    run.phase = Phase::Complete(pid, Box::new(outcome.clone()));
                    std::mem::take(&mut run.waiters)
                }
                None => Vec::new(),
            },
            None => runs.remove(id).map(|r| r.waiters).unwrap_or_default(),
        };
        drop(runs);
        for w in waiters {
            let _ = w.send(outcome.clone());
        }
    }
}

/// Runs executions on a [`Host`] (HOST.md §5.2). Cheap to clone.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Shared>,
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("executions", &lock(&self.inner.runs).len())
            .finish()
    }
}

impl Executor {
    /// An executor on `host` (cancel grace [`DEFAULT_CANCEL_GRACE`]).
    pub fn new(host: Host) -> Self {
        Executor::with_cancel_grace(host, DEFAULT_CANCEL_GRACE)
    }

    /// An executor whose `cancel` gives a guest that imports `wisp:process`
    /// `grace` to exit before it is killed.
    pub fn with_cancel_grace(host: Host, grace: Duration) -> Self {
        Executor {
            inner: Arc::new(Shared {
                host,
                runs: Mutex::new(HashMap::new()),
                cancel_grace: grace,
            }),
        }
    }

    /// The host the executions run on.
    pub fn host(&self) -> &Host {
        &self.inner.host
    }

    /// Always true: the interpreter is built in (Bacalhau's `IsInstalled`).
    pub fn is_installed(&self) -> bool {
        true
    }

    /// Starts execution `req.id`: creates the results directory, spawns the
    /// process (Init errors are returned, and leave no execution behind)
    /// and starts its capture.
    pub fn start(&self, req: RunRequest) -> Result<(), ExecError> {
        let id = req.id.clone();
        {
            let mut runs = lock(&self.inner.runs);
            match runs.get(&id).map(|r| &r.phase) {
                Some(Phase::Starting { .. } | Phase::Running(_)) => {
                    return Err(ExecError::AlreadyStarted(id));
                }
                Some(Phase::Complete(..)) => return Err(ExecError::AlreadyComplete(id)),
                None => {}
            }
            runs.insert(
                id.clone(),
                Run {
                    phase: Phase::Starting { cancel: false },
                    waiters: Vec::new(),
                },
            );
        }
        match self.launch(req) {
            Ok(pid) => {
                let mut cancel = false;
                if let Some(run) = lock(&self.inner.runs).get_mut(&id)
                    && let Phase::Starting { cancel: asked } = run.phase
                {
                    cancel = asked;
                    run.phase = Phase::Running(pid);
                }
                if cancel {
                    // It may have exited already: then there is nothing to stop.
                    let _ =
                        self.inner
                            .host
                            .cancel(pid, "execution cancelled", self.inner.cancel_grace);
                }
                Ok(())
            }
            Err(e) => {
                self.inner.complete(&id, None, Err(e.clone()));
                Err(e)
            }
        }
    }

    /// Spawns the process and its capture thread.
    fn launch(&self, req: RunRequest) -> Result<Pid, ExecError> {
        let files = match &req.results_dir {
            Some(dir) => Some(ResultFiles::create(dir)?),
            None => None,
        };
        let host = &self.inner.host;
        // The stream opens before the process runs: it sees every record.
        let (pid, logs) = host.spawn_with_logs(
            req.spec,
            LogOpts {
                with_history: true,
                follow: true,
                stdout: true,
                stderr: true,
            },
        )?;
        let gone = |e: NotFound| ExecError::Log {
            id: req.id.clone(),
            message: e.to_string(),
        };
        let exit = host.exit_receiver(pid).map_err(gone)?;
        let capture = Capture {
            id: req.id.clone(),
            pid,
            logs,
            exit,
            files,
            max_return: req.max_return_bytes,
            executor: Arc::downgrade(&self.inner),
        };
        // The capture must exist before `start` returns: if the thread
        // cannot start, the process must not run unobserved.
        let spawned = std::thread::Builder::new()
            .name("wisp-exec-capture".into())
            .stack_size(CAPTURE_STACK)
            .spawn(move || capture.run());
        if let Err(e) = spawned {
            let _ = host.kill(pid, "the executor cannot start its capture thread");
            return Err(ExecError::Log {
                id: req.id,
                message: format!("cannot start the capture thread: {e}"),
            });
        }
        Ok(pid)
    }

    /// A channel that receives the outcome of execution `id` once it has
    /// completed (at once if it already has; `ExecutionNotFound` at once if
    /// there is no such execution).
    pub fn wait(&self, id: &ExecutionId) -> Receiver<Result<RunResult, ExecError>> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let mut runs = lock(&self.inner.runs);
        match runs.get_mut(id) {
            None => {
                let _ = tx.send(Err(ExecError::NotFound(id.clone())));
            }
            Some(Run {
                phase: Phase::Complete(_, outcome),
                ..
            }) => {
                let _ = tx.send((**outcome).clone());
            }
            Some(run) => run.waiters.push(tx),
        }
        rx
    }

    /// Stops execution `id`: a guest that imports `wisp:process` gets a
    /// `Cancel` message and the executor's grace to exit, any other is
    /// killed at once. Its outcome is then that of a killed process (exit
    /// code 137). `ExecutionAlreadyComplete` if it has ended. An execution
    /// still in `start` is cancelled as soon as its process exists.
    pub fn cancel(&self, id: &ExecutionId) -> Result<(), ExecError> {
        let pid = match lock(&self.inner.runs).get_mut(id).map(|r| &mut r.phase) {
            None => return Err(ExecError::NotFound(id.clone())),
            Some(Phase::Starting { cancel }) => {
                *cancel = true;
                return Ok(());
            }
            Some(Phase::Complete(..)) => return Err(ExecError::AlreadyComplete(id.clone())),
            Some(Phase::Running(pid)) => *pid,
        };
        self.inner
            .host
            .cancel(pid, "execution cancelled", self.inner.cancel_grace)
            // It exited between the look-up and the cancel.
            .map_err(|_| ExecError::AlreadyComplete(id.clone()))
    }

    /// `start`, then wait for the outcome.
    pub fn run(&self, req: RunRequest) -> Result<RunResult, ExecError> {
        let id = req.id.clone();
        self.start(req)?;
        self.wait(&id).recv().unwrap_or_else(|_| {
            Err(ExecError::Log {
                id,
                message: "the capture ended without an outcome".into(),
            })
        })
    }

    /// The output records of execution `id`, both streams in write order
    /// (HOST.md §5.3): `with_history` replays what the log still holds
    /// first; `follow` waits for new records until the process exits (then
    /// the stream ends), otherwise the stream ends at the current tail.
    pub fn log_stream(
        &self,
        id: &ExecutionId,
        with_history: bool,
        follow: bool,
    ) -> Result<LogStream, ExecError> {
        let pid = self.pid(id)?;
        self.inner
            .host
            .logs(
                pid,
                LogOpts {
                    with_history,
                    follow,
                    stdout: true,
                    stderr: true,
                },
            )
            .map_err(|e| ExecError::Log {
                id: id.clone(),
                message: e.to_string(),
            })
    }

    /// The process of execution `id` (running or complete).
    pub fn pid(&self, id: &ExecutionId) -> Result<Pid, ExecError> {
        match lock(&self.inner.runs).get(id).map(|r| &r.phase) {
            Some(Phase::Running(pid) | Phase::Complete(pid, _)) => Ok(*pid),
            None | Some(Phase::Starting { .. }) => Err(ExecError::NotFound(id.clone())),
        }
    }

    /// Drops the record of a completed execution (Nomad's `DestroyTask`):
    /// its id can be started again. A running execution is left alone
    /// (`ExecutionAlreadyStarted`).
    pub fn forget(&self, id: &ExecutionId) -> Result<(), ExecError> {
        let mut runs = lock(&self.inner.runs);
        match runs.get(id).map(|r| &r.phase) {
            None => Err(ExecError::NotFound(id.clone())),
            Some(Phase::Starting { .. } | Phase::Running(_)) => {
                Err(ExecError::AlreadyStarted(id.clone()))
            }
            Some(Phase::Complete(..)) => {
                runs.remove(id);
                Ok(())
            }
        }
    }

    /// Executions not complete yet.
    pub fn active(&self) -> usize {
        lock(&self.inner.runs)
            .values()
            .filter(|r| !matches!(r.phase, Phase::Complete(..)))
            .count()
    }
}

/// The files of a results directory.
struct ResultFiles {
    dir: PathBuf,
    stdout: BufWriter<File>,
    stderr: BufWriter<File>,
}

impl ResultFiles {
    fn create(dir: &Path) -> Result<Self, ExecError> {
        let fail = |e: std::io::Error| ExecError::OutputConfig {
            path: dir.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(fail)?;
        let open = |name: &str| File::create(dir.join(name)).map(BufWriter::new);
        Ok(ResultFiles {
            dir: dir.to_path_buf(),
            stdout: open("stdout").map_err(fail)?,
            stderr: open("stderr").map_err(fail)?,
        })
    }
}

/// One stream's part of the returned result.
#[derive(Default)]
struct Returned {
    bytes: Vec<u8>,
    /// More came than `max_return_bytes`.
    cut: bool,
}

impl Returned {
    fn add(&mut self, data: &[u8], max: usize) {
        let room = max.saturating_sub(self.bytes.len());
        let take = room.min(data.len());
        self.bytes.extend_from_slice(&data[..take]);
        self.cut |= take < data.len();
    }

    /// The bytes as text of at most `max` bytes.
    fn text(&self, max: usize) -> String {
        let mut s = String::from_utf8_lossy(&self.bytes).into_owned();
        if s.len() > max {
            // Replacement characters made it longer: cut back to a
            // character boundary.
            let mut end = max;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
        }
        s
    }
}

/// The capture thread's state (see the module docs).
struct Capture {
    id: ExecutionId,
    pid: Pid,
    logs: LogStream,
    exit: Receiver<ExitEvent>,
    files: Option<ResultFiles>,
    max_return: usize,
    executor: Weak<Shared>,
}

impl Capture {
    fn run(mut self) {
        let mut out = [Returned::default(), Returned::default()];
        let mut next_seq = 0u64;
        let mut lost = 0u64;
        let mut write_error: Option<String> = None;
        for LogRecord {
            stream, seq, bytes, ..
        } in self.logs.by_ref()
        {
            lost += seq.saturating_sub(next_seq);
            next_seq = seq.saturating_add(1);
            let i = usize::from(stream == Stream::Stderr);
            out[i].add(&bytes, self.max_return);
            if let (Some(files), None) = (self.files.as_mut(), &write_error) {
                let file = match stream {
                    Stream::Stdout => &mut files.stdout,
                    Stream::Stderr => &mut files.stderr,
                };
                if let Err(e) = file.write_all(&bytes) {
                    write_error = Some(format!("cannot write {stream}: {e}"));
                }
            }
        }
        let outcome = match self.exit.recv() {
            Ok(exit) => {
                if let Some(files) = self.files.take()
                    && write_error.is_none()
                {
                    write_error = files.finish(exit.exit_code).err();
                }
                match write_error {
                    Some(message) => Err(ExecError::Log {
                        id: self.id.clone(),
                        message,
                    }),
                    None => Ok(result(&out, self.max_return, lost, exit)),
                }
            }
            Err(_) => Err(ExecError::Log {
                id: self.id.clone(),
                message: "the process ended without an exit event".into(),
            }),
        };
        if let Some(shared) = self.executor.upgrade() {
            shared.complete(&self.id, Some(self.pid), outcome);
        }
    }
}

impl ResultFiles {
    /// Flushes the captures and writes `exitCode`.
    fn finish(mut self, exit_code: i32) -> Result<(), String> {
        let name = |n: &str| self.dir.join(n).display().to_string();
        self.stdout
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", name("stdout")))?;
        self.stderr
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", name("stderr")))?;
        std::fs::write(self.dir.join("exitCode"), exit_code.to_string())
            .map_err(|e| format!("cannot write {}: {e}", name("exitCode")))
    }
}

fn result(out: &[Returned; 2], max: usize, lost: u64, exit: ExitEvent) -> RunResult {
    let error_msg =
        (exit.exit_code != 0 || !exit.reason.is_normal()).then(|| exit.reason.to_string());
    RunResult {
        stdout: out[0].text(max),
        stderr: out[1].text(max),
        stdout_truncated: out[0].cut || exit.stdout_truncated,
        stderr_truncated: out[1].cut || exit.stderr_truncated,
        exit_code: exit.exit_code,
        error_msg,
        records_lost: lost,
        exit,
    }
}
