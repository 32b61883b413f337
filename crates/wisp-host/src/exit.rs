//! How a process ended: [`ExitEvent`] and [`ExitReason`] (HOST.md §2.4),
//! with the exit code each reason maps to (§4.3).

use std::fmt;

use crate::pid::Pid;
use crate::value::Value;

/// Who killed a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Killer {
    /// The embedder (or the CLI).
    Host,
    /// Another process.
    Pid(Pid),
    /// A supervisor, by entry id.
    Supervisor(String),
}

impl fmt::Display for Killer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Killer::Host => write!(f, "the host"),
            Killer::Pid(p) => write!(f, "process {p}"),
            Killer::Supervisor(s) => write!(f, "supervisor {s}"),
        }
    }
}

/// Which output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        })
    }
}

/// A trap, as a process exit reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapInfo {
    /// The trap code's name (`Unreachable`, `IntegerDivideByZero`, …,
    /// `StackExhausted`, or `HostTrap` for a trap raised by the host).
    pub code: String,
    /// The trap's message.
    pub message: String,
    /// The innermost Wasm function (index in its module), if any.
    pub func: Option<u32>,
    /// Its name from the `name` section, if any.
    pub func_name: Option<String>,
    /// The byte offset in the module binary of the trapping instruction.
    pub offset: Option<u32>,
    /// The backtrace, innermost first: `(function index, name)`.
    pub backtrace: Vec<(u32, Option<String>)>,
}

/// Why a process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitReason {
    /// The method returned.
    Normal,
    /// The guest called `proc_exit(code)`.
    Exit { code: i32 },
    /// The guest trapped.
    Trap(TrapInfo),
    /// The fuel limit ran out.
    FuelExhausted { used: u64, limit: u64 },
    /// The wall-clock limit passed.
    Timeout { elapsed_ms: u64, limit_ms: u64 },
    /// `memory.grow` went over the page limit with `on_memory_limit: trap`.
    MemoryLimit { requested_pages: u64, limit: u64 },
    /// An output stream reached its limit with `on_output_limit: fail`.
    OutputLimit { stream: Stream, limit: u64 },
    /// Killed (`kill`, or `cancel` after its grace).
    Killed { by: Killer, reason: String },
    /// A linked process died abnormally.
    LinkDown { from: Pid },
    /// An orderly stop by a supervisor or the host.
    Shutdown { reason: String },
    /// Moved to another host (§6.5).
    Migrated { to: String },
    /// The host failed (a host function panicked, an internal error); the
    /// worker and the other processes keep running.
    HostError { message: String },
}

impl ExitReason {
    /// `Normal`, `Exit { code: 0 }` and `Shutdown` are normal exits; every
    /// other reason is abnormal (it propagates over links, and restarts a
    /// `transient` child).
    pub fn is_normal(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Exit { code: 0 } | ExitReason::Shutdown { .. }
        )
    }

    /// The exit code of this reason (also the CLI's exit code).
    pub fn exit_code(&self) -> i32 {
        match self {
            ExitReason::Normal => 0,
            ExitReason::Exit { code } => code & 0xff,
            ExitReason::Trap(_)
            | ExitReason::FuelExhausted { .. }
            | ExitReason::MemoryLimit { .. }
            | ExitReason::OutputLimit { .. } => 134,
            ExitReason::Timeout { .. } => 124,
            ExitReason::Killed { .. } | ExitReason::LinkDown { .. } => 137,
            ExitReason::Shutdown { .. } => 143,
            ExitReason::Migrated { .. } => 0,
            ExitReason::HostError { .. } => 70,
        }
    }

    /// The short machine name used in reports (`normal`, `exit`, `trap`,
    /// `fuel_exhausted`, …).
    pub fn name(&self) -> &'static str {
        match self {
            ExitReason::Normal => "normal",
            ExitReason::Exit { .. } => "exit",
            ExitReason::Trap(_) => "trap",
            ExitReason::FuelExhausted { .. } => "fuel_exhausted",
            ExitReason::Timeout { .. } => "timeout",
            ExitReason::MemoryLimit { .. } => "memory_limit",
            ExitReason::OutputLimit { .. } => "output_limit",
            ExitReason::Killed { .. } => "killed",
            ExitReason::LinkDown { .. } => "link_down",
            ExitReason::Shutdown { .. } => "shutdown",
            ExitReason::Migrated { .. } => "migrated",
            ExitReason::HostError { .. } => "host_error",
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => write!(f, "returned"),
            ExitReason::Exit { code } => write!(f, "exit status {code}"),
            ExitReason::Trap(t) => {
                write!(f, "trap: {}", t.message)?;
                match (&t.func_name, t.func) {
                    (Some(name), _) => write!(f, " in `{name}`"),
                    (None, Some(i)) => write!(f, " in function {i}"),
                    (None, None) => Ok(()),
                }
            }
            ExitReason::FuelExhausted { used, limit } => {
                write!(f, "fuel exhausted ({used}/{limit})")
            }
            ExitReason::Timeout {
                elapsed_ms,
                limit_ms,
            } => write!(f, "timeout after {elapsed_ms} ms (limit {limit_ms} ms)"),
            ExitReason::MemoryLimit {
                requested_pages,
                limit,
            } => write!(
                f,
                "memory limit: {requested_pages} pages requested, the limit is {limit}"
            ),
            ExitReason::OutputLimit { stream, limit } => {
                write!(f, "output limit: {stream} reached {limit} bytes")
            }
            ExitReason::Killed { by, reason } => write!(f, "killed by {by}: {reason}"),
            ExitReason::LinkDown { from } => write!(f, "linked process {from} died"),
            ExitReason::Shutdown { reason } => write!(f, "shut down: {reason}"),
            ExitReason::Migrated { to } => write!(f, "migrated to {to}"),
            ExitReason::HostError { message } => write!(f, "host error: {message}"),
        }
    }
}

/// The one event every process ends with.
#[derive(Debug, Clone, PartialEq)]
pub struct ExitEvent {
    pub pid: Pid,
    /// The entry id (registry), or the module's name in bare mode.
    pub entry: Option<String>,
    pub reason: ExitReason,
    /// The method's results; `Some` only for [`ExitReason::Normal`].
    pub result: Option<Vec<Value>>,
    /// [`ExitReason::exit_code`].
    pub exit_code: i32,
    pub fuel_used: u64,
    pub wall_ms: u64,
    /// Slices the process ran.
    pub slices: u64,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
}
