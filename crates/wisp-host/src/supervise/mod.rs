//! Supervision (HOST.md §2.6) and process groups (§2.7): native state
//! machines inside the host that start Wasm processes, watch them with
//! monitors, and restart them by policy. No Wasm runs the supervision.
//!
//! - [`ServiceHandle`] (`service.rs`): a `process.service` — one process,
//!   restarted after `initial_delay × factor^(n−1)` (capped, ±jitter),
//!   given up after `max_attempts` (state `Exited`, `max_attempts_reached`),
//!   its attempt counter reset once a run lasted `stable_threshold`.
//! - [`SupervisorHandle`] (`supervisor.rs`, `sup_loop.rs`): a
//!   `process.supervisor` — OTP semantics: children started in list order,
//!   `permanent` / `transient` / `temporary` restarts, `one_for_one` /
//!   `one_for_all` / `rest_for_one`, shutdown `brutal_kill` / duration /
//!   `infinity`, and the restart intensity that ends the supervisor (and
//!   escalates to its parent).
//! - [`Supervision`] (`tree.rs`): the registry side — services and
//!   supervisors started from their entries (children resolved through
//!   [`crate::boot::spawn_spec`] at every start), in `requires` order, one
//!   [`crate::Host`] per `process.host` entry, status, orderly stop in
//!   reverse order.
//! - [`ProcessGroups`] (`pg.rs`): `pg.scope` groups — join, leave,
//!   members, broadcast, join/leave events; members leave when they exit.
//! - `child.rs`: starting and stopping one child; `backoff.rs`: delays,
//!   the seeded jitter and the intensity window; `events.rs`: the event log
//!   and restart log lines.
//!
//! # Threads and the clock
//!
//! Each service and each supervisor is one thread that blocks on a
//! `crossbeam_channel::Select` over its commands, its timers and its
//! children's `Down` channels. Every delay and grace period is a
//! [`crate::Host::schedule`] on the host clock, whose callback only sends a
//! token to the waiting thread. In deterministic mode the virtual clock
//! jumps to the earliest timer when no process can run, so a supervisor
//! whose only pending work is its own restart delay sees the clock jump to
//! it and is woken (P14).
//!
//! # Note
//!
//! The `Down` of a child reaches the supervisor's thread through a channel,
//! and the worker that sent it may find nothing to run and advance the
//! virtual clock before that thread has reacted. With only supervision
//! timers pending this is harmless (the clock cannot pass a delay the
//! supervisor has not scheduled yet), but an unrelated timer of another
//! process (a sleep, a cancel grace) may fire first. Exact virtual times
//! therefore hold when a test has no other timers pending; a host-side
//! "clock hold" taken while a `Down` is in flight would close the gap.

mod backoff;
mod child;
mod events;
mod pg;
mod service;
mod sup_loop;
mod supervisor;
mod tree;

use std::sync::Arc;

pub use backoff::{Jitter, backoff_delay};
pub use child::{ChildConfig, ChildKind, ChildStatus};
pub use events::{Event, EventKind, describe_reason, format_duration};
pub use pg::{GroupEvent, PgError, ProcessGroups};
pub use service::{ServiceConfig, ServiceHandle, ServiceState, ServiceStatus};
pub use supervisor::{
    SupervisorConfig, SupervisorExit, SupervisorHandle, SupervisorState, SupervisorStatus,
};
pub use tree::{
    EntryStatus, SuperviseError, Supervision, SupervisionBuilder, UnitKind, auto_start_order,
};

use crate::boot::BootError;
use crate::error::SpawnError;
use crate::spec::SpawnSpec;

/// The reason a supervisor exits with when restarts came too fast.
pub const MAX_INTENSITY_REASON: &str = "reached_max_restart_intensity";

/// The reason a service ends with when its restarts are used up.
pub const MAX_ATTEMPTS_REASON: &str = "max_attempts_reached";

/// The deepest nesting of supervisors under one top-level supervisor.
pub const MAX_SUPERVISOR_DEPTH: usize = 16;

/// Makes the [`SpawnSpec`] of a supervised process, afresh at each start
/// (so a restarted process sees the current env values).
#[derive(Clone)]
pub struct SpecFactory(Arc<dyn Fn() -> Result<SpawnSpec, StartError> + Send + Sync>);

impl SpecFactory {
    pub fn new(f: impl Fn() -> Result<SpawnSpec, StartError> + Send + Sync + 'static) -> Self {
        SpecFactory(Arc::new(f))
    }

    /// Always this spec.
    pub fn fixed(spec: SpawnSpec) -> Self {
        SpecFactory::new(move || Ok(spec.clone()))
    }

    /// A spec for the next start.
    pub fn make(&self) -> Result<SpawnSpec, StartError> {
        (self.0)()
    }
}

impl std::fmt::Debug for SpecFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpecFactory(..)")
    }
}

/// Where restart and stop lines go (stderr by default).
#[derive(Clone)]
pub struct LogSink(Arc<dyn Fn(&str) + Send + Sync>);

impl LogSink {
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        LogSink(Arc::new(f))
    }

    /// Each line to stderr.
    pub fn stderr() -> Self {
        LogSink::new(|line| eprintln!("{line}"))
    }

    /// Drops every line.
    pub fn silent() -> Self {
        LogSink::new(|_| {})
    }

    pub fn line(&self, text: &str) {
        (self.0)(text);
    }
}

impl Default for LogSink {
    fn default() -> Self {
        LogSink::stderr()
    }
}

impl std::fmt::Debug for LogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogSink(..)")
    }
}

/// Why a supervised process (or a supervisor) could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The registry entry could not become a spawn spec (`EnvMissing`, …).
    #[error("{0}")]
    Boot(#[from] BootError),
    /// Init failed.
    #[error("{0}")]
    Spawn(#[from] SpawnError),
    /// Init took longer than `start_timeout`.
    #[error("Init took {took_ms} ms, more than start_timeout {limit_ms} ms")]
    StartTimeout { took_ms: u64, limit_ms: u64 },
    /// A child of a supervisor failed to start.
    #[error("child {child}: {source}")]
    Child {
        child: String,
        #[source]
        source: Box<StartError>,
    },
    /// A configuration the supervisor cannot run.
    #[error("{0}")]
    Config(String),
    /// The supervision thread could not be started.
    #[error("cannot start a supervision thread: {0}")]
    Thread(String),
}

impl StartError {
    /// The stable error code (`error[Code]: …`).
    pub fn code(&self) -> &'static str {
        match self {
            StartError::Boot(e) => e.code(),
            StartError::Spawn(e) => e.code(),
            StartError::StartTimeout { .. } => "StartTimeout",
            StartError::Child { source, .. } => source.code(),
            StartError::Config(_) => "ConfigError",
            StartError::Thread(_) => "HostError",
        }
    }

    /// Whether the host refused because it is shutting down.
    pub fn is_shutting_down(&self) -> bool {
        match self {
            StartError::Spawn(SpawnError::ShuttingDown) => true,
            StartError::Child { source, .. } => source.is_shutting_down(),
            _ => false,
        }
    }
}

/// What every supervision thread shares: where its lines go and the seed
/// of its jitter.
#[derive(Debug, Clone, Default)]
pub struct SuperviseOptions {
    pub log: LogSink,
    /// Seeds the restart jitter of services (exact delays in tests).
    pub seed: u64,
}
