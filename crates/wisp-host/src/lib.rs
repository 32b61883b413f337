//! The wisp process host: many Wasm processes on a few threads, configured
//! by a YAML registry (`docs/host.md`).
//!
//! - [`registry`]: the `_index.yaml` tree that declares filesystems, env
//!   values, hosts, Wasm processes, services and supervisors, loaded
//!   all-or-nothing with every config error reported at once, and module
//!   files pinned by sha256 and compiled once per hash. For the CLI:
//!   [`registry::Registry::load`] (boot and `wisp validate`),
//!   [`registry::ConfigErrors::to_json`] (`validate --json`),
//!   [`registry::Registry::commands`] (`wisp run list`),
//!   [`registry::Registry::cli_host`] (`wisp run <name>`) and
//!   [`registry::hash_file`] (`wisp hash`).
//! - [`Host`] / [`HostBuilder`] (`host`): spawn, wait, kill, logs, metrics.
//!   Each process is one module instance with its own store, WASI context
//!   and limits. Worker threads step processes in slices of fuel; a process
//!   whose WASI call waits (a sleep, an empty stdin pipe, a full stdout
//!   pipe) is parked without holding a thread and queued again when its
//!   wait is over. Every process ends with exactly one [`ExitEvent`].
//! - [`SpawnSpec`] (`spec`), [`Limits`] (`limits`), [`Value`] (`value`),
//!   [`ExitEvent`] / [`ExitReason`] (`exit`).
//! - `process`: one store's Init and Step; `sched`: workers, parking,
//!   timers; `logs`: output records and streams.
#![forbid(unsafe_code)]
// Nothing outside tests may panic on a hostile registry tree or guest.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod boot;
pub mod checkpoint;
mod error;
pub mod executor;
mod exit;
mod guest;
mod host;
pub mod imports;
mod limits;
mod logs;
mod mailbox;
mod pid;
mod process;
pub mod registry;
mod relations;
mod sched;
mod spec;
pub mod supervise;
mod value;

pub use checkpoint::{CheckpointError, HostRestoreError, RestoreOpts};
pub use error::{NotFound, SpawnError};
pub use exit::{ExitEvent, ExitReason, Killer, Stream, TrapInfo};
pub use host::{
    DEFAULT_SLICE_FUEL, Host, HostBuilder, HostMetrics, ProcessInfo, ProcessState, hex,
};
pub use limits::{Limits, OnMemoryLimit, OnOutputLimit};
pub use logs::{LogOpts, LogRecord, LogStream};
pub use mailbox::{Message, SendError, TAG_CANCEL, TAG_DOWN, TAG_LINK_DOWN};
pub use pid::Pid;
pub use relations::{Down, DownReason};
pub use sched::{RETAINED_EXIT_EVENTS, RETAINED_EXITS, TimerHandle};
pub use spec::{LinkedModule, ModuleSource, Mount, SpawnOpts, SpawnSpec, StdinSpec, WasiSpec};
pub use value::{ArgError, Value};
