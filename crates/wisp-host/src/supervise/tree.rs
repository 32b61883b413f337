//! [`Supervision`]: the registry's services and supervisors, running.
//!
//! - Each `process.host` entry becomes one [`Host`] (made when first
//!   needed, or given by the embedder: a deterministic host in tests).
//! - A `process.service` / `process.supervisor` entry becomes a
//!   [`ServiceConfig`] / [`SupervisorConfig`] whose process children make
//!   their spawn spec through [`boot::spawn_spec`] at every start, so a
//!   restart sees the env values of that moment.
//! - [`Supervision::start`] starts an entry after everything it
//!   `requires` (its `process.host` counts as required); [`Supervision::start_auto`] starts every `auto_start`
//!   entry in that order ([`auto_start_order`]); [`Supervision::stop_all`]
//!   stops them in reverse, then shuts the hosts down.
//!
//! # Choice
//!
//! A supervisor entry that is the child of another supervisor is started
//! by its parent only; its own `auto_start` is ignored (starting it twice
//! would run two copies of its children).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::child::{ChildConfig, ChildKind, ChildStatus};
use super::pg::ProcessGroups;
use super::service::{ServiceConfig, ServiceHandle};
use super::supervisor::{SupervisorConfig, SupervisorHandle};
use super::{
    LogSink, MAX_SUPERVISOR_DEPTH, SpecFactory, StartError, SuperviseOptions, format_duration,
};
use crate::boot::{self, BootOptions};
use crate::host::{Host, HostMetrics};
use crate::pid::Pid;
use crate::registry::{
    self, Arg, ChildTarget, EntryId, Kind, OsEnv, ProcessEnv, Registry, Service, Spec, Supervisor,
};
use crate::sched::lock;
use crate::spec::StdinSpec;
use crate::value::Value;

/// Why an entry could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuperviseError {
    #[error("no entry {0}")]
    NoSuchEntry(EntryId),
    #[error(
        "{id} is {kind}; only process.host, process.service and process.supervisor entries start"
    )]
    NotStartable { id: EntryId, kind: &'static str },
    #[error("{0} is already started")]
    AlreadyStarted(EntryId),
    #[error("{id}: {source}")]
    Start {
        id: EntryId,
        #[source]
        source: Box<StartError>,
    },
    #[error("{0}: supervisors nest deeper than {MAX_SUPERVISOR_DEPTH}")]
    TooDeep(EntryId),
}

impl SuperviseError {
    /// The stable error code (`error[Code]: …`).
    pub fn code(&self) -> &'static str {
        match self {
            SuperviseError::NoSuchEntry(_) => "UnknownEntry",
            SuperviseError::NotStartable { .. } => "WrongKind",
            SuperviseError::AlreadyStarted(_) => "AlreadyStarted",
            SuperviseError::Start { source, .. } => source.code(),
            SuperviseError::TooDeep(_) => "ConfigError",
        }
    }
}

/// What kind of entry a started unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Host,
    Service,
    Supervisor,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Host => "process.host",
            UnitKind::Service => "process.service",
            UnitKind::Supervisor => "process.supervisor",
        }
    }
}

/// One started entry, as [`Supervision::status`] reports it.
#[derive(Debug, Clone)]
pub struct EntryStatus {
    pub id: EntryId,
    pub kind: UnitKind,
    /// `running`, `failed`, `exited`, … (a service's or supervisor's state).
    pub state: String,
    /// A service's process.
    pub pid: Option<Pid>,
    /// Restarts so far.
    pub restarts: u64,
    /// A supervisor's children.
    pub children: Vec<ChildStatus>,
    /// A host's counters.
    pub metrics: Option<HostMetrics>,
}

#[derive(Debug, Clone)]
enum Unit {
    Host(Host),
    Service(ServiceHandle),
    Supervisor(SupervisorHandle),
}

/// How hosts are made from `process.host` entries.
#[derive(Debug, Clone, Default)]
struct HostSetup {
    workers: Option<usize>,
    slice_fuel: Option<u64>,
    echo_output: bool,
}

struct Inner {
    registry: Arc<Registry>,
    env: Arc<dyn OsEnv + Send + Sync>,
    opts: SuperviseOptions,
    limits: registry::Limits,
    setup: HostSetup,
    hosts: Mutex<BTreeMap<EntryId, Host>>,
    /// Started entries, in start order.
    units: Mutex<Vec<(EntryId, Unit)>>,
    groups: Mutex<BTreeMap<EntryId, ProcessGroups>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervision")
            .field("root", &self.registry.root())
            .field("units", &lock(&self.units).len())
            .finish()
    }
}

/// Builds a [`Supervision`].
#[derive(Debug)]
pub struct SupervisionBuilder {
    inner: Inner,
}

impl SupervisionBuilder {
    /// Where `env.storage.os` values come from (default: the real
    /// environment).
    pub fn env(mut self, env: Arc<dyn OsEnv + Send + Sync>) -> Self {
        self.inner.env = env;
        self
    }

    /// Where restart and stop lines go (default: stderr).
    pub fn log(mut self, log: LogSink) -> Self {
        self.inner.opts.log = log;
        self
    }

    /// The seed of the restart jitter.
    pub fn seed(mut self, seed: u64) -> Self {
        self.inner.opts.seed = seed;
        self
    }

    /// Limits over every entry's own (the CLI's flags).
    pub fn limits(mut self, limits: registry::Limits) -> Self {
        self.inner.limits = limits;
        self
    }

    /// Worker threads of every host made here (over `host.workers`).
    pub fn workers(mut self, n: usize) -> Self {
        self.inner.setup.workers = Some(n);
        self
    }

    /// Slice fuel of every host made here (over `host.slice_fuel`).
    pub fn slice_fuel(mut self, fuel: u64) -> Self {
        self.inner.setup.slice_fuel = Some(fuel);
        self
    }

    /// Copies processes' output to the terminal (`wisp run`).
    pub fn echo_output(mut self, on: bool) -> Self {
        self.inner.setup.echo_output = on;
        self
    }

    /// Runs `process.host` entry `id` on this host instead of making one.
    pub fn host(self, id: EntryId, host: Host) -> Self {
        lock(&self.inner.hosts).insert(id, host);
        self
    }

    pub fn build(self) -> Supervision {
        Supervision {
            inner: Arc::new(self.inner),
        }
    }
}

/// The running services and supervisors of a registry. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Supervision {
    inner: Arc<Inner>,
}

impl Supervision {
    pub fn builder(registry: Arc<Registry>) -> SupervisionBuilder {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        SupervisionBuilder {
            inner: Inner {
                registry,
                env: Arc::new(ProcessEnv),
                opts: SuperviseOptions {
                    log: LogSink::stderr(),
                    seed,
                },
                limits: registry::Limits::default(),
                setup: HostSetup::default(),
                hosts: Mutex::new(BTreeMap::new()),
                units: Mutex::new(Vec::new()),
                groups: Mutex::new(BTreeMap::new()),
            },
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    fn entry_spec(&self, id: &EntryId) -> Result<&Spec, SuperviseError> {
        self.inner
            .registry
            .get(id)
            .map(|e| &e.spec)
            .ok_or_else(|| SuperviseError::NoSuchEntry(id.clone()))
    }

    /// The host of `process.host` entry `id` (made on first use).
    pub fn host(&self, id: &EntryId) -> Result<Host, SuperviseError> {
        let mut hosts = lock(&self.inner.hosts);
        if let Some(h) = hosts.get(id) {
            return Ok(h.clone());
        }
        let Spec::ProcessHost(ph) = self.entry_spec(id)? else {
            return Err(self.not_startable(id));
        };
        let s = &self.inner.setup;
        let mut b = boot::host_builder(ph).echo_output(s.echo_output);
        if let Some(n) = s.workers {
            b = b.workers(n);
        }
        if let Some(f) = s.slice_fuel {
            b = b.slice_fuel(f);
        }
        let host = b.build();
        hosts.insert(id.clone(), host.clone());
        Ok(host)
    }

    fn not_startable(&self, id: &EntryId) -> SuperviseError {
        let kind = self
            .inner
            .registry
            .get(id)
            .map_or("unknown", |e| e.kind().as_str());
        SuperviseError::NotStartable {
            id: id.clone(),
            kind,
        }
    }

    /// The process groups of host `host`, in every `pg.scope` entry.
    pub fn groups(&self, host: &EntryId) -> Result<ProcessGroups, SuperviseError> {
        let h = self.host(host)?;
        let mut groups = lock(&self.inner.groups);
        let g = groups.entry(host.clone()).or_insert_with(|| {
            let scopes = self
                .inner
                .registry
                .of_kind(Kind::PgScope)
                .map(|e| e.id.to_string());
            ProcessGroups::new(h, scopes)
        });
        Ok(g.clone())
    }

    fn is_started(&self, id: &EntryId) -> bool {
        lock(&self.inner.units).iter().any(|(u, _)| u == id)
    }

    /// Starts `id` after everything it `requires` (that is not started
    /// yet). Starting an entry twice is an error.
    pub fn start(&self, id: &EntryId) -> Result<(), SuperviseError> {
        if self.is_started(id) {
            return Err(SuperviseError::AlreadyStarted(id.clone()));
        }
        for dep in with_requires(&self.inner.registry, std::slice::from_ref(id)) {
            if !self.is_started(&dep) {
                self.start_one(&dep)?;
            }
        }
        Ok(())
    }

    /// Starts every `auto_start` entry in `requires` order; the ids
    /// started. Stops at the first error (what started keeps running).
    pub fn start_auto(&self) -> Result<Vec<EntryId>, SuperviseError> {
        let mut started = Vec::new();
        for id in auto_start_order(&self.inner.registry) {
            if !self.is_started(&id) {
                self.start_one(&id)?;
                started.push(id);
            }
        }
        Ok(started)
    }

    fn start_one(&self, id: &EntryId) -> Result<(), SuperviseError> {
        let wrap = |source| SuperviseError::Start {
            id: id.clone(),
            source: Box::new(source),
        };
        let unit = match self.entry_spec(id)? {
            Spec::ProcessHost(_) => Unit::Host(self.host(id)?),
            Spec::ProcessService(s) => {
                let host = self.host(&s.host)?;
                let config = self.service_config(id, s);
                let h =
                    ServiceHandle::start(host, config, self.inner.opts.clone()).map_err(wrap)?;
                Unit::Service(h)
            }
            Spec::ProcessSupervisor(s) => {
                let host = self.host(&s.host)?;
                let config = self.supervisor_config(id, s, 0)?;
                let h =
                    SupervisorHandle::start(host, config, self.inner.opts.clone()).map_err(wrap)?;
                Unit::Supervisor(h)
            }
            _ => return Err(self.not_startable(id)),
        };
        self.inner.opts.log.line(&format!("started {id}"));
        lock(&self.inner.units).push((id.clone(), unit));
        Ok(())
    }

    /// A spec factory for wasm entry `process` with `input`, on `host`.
    fn factory(&self, process: &EntryId, input: &[Arg], host: &EntryId) -> SpecFactory {
        let reg = self.inner.registry.clone();
        let env = self.inner.env.clone();
        let id = process.clone();
        let opts = BootOptions {
            args: input.iter().map(arg_value).collect(),
            limits: self.inner.limits,
            host: Some(host.clone()),
            stdin: StdinSpec::None,
        };
        SpecFactory::new(move || {
            boot::spawn_spec(&reg, &id, &opts, &*env).map_err(StartError::Boot)
        })
    }

    /// The service config of entry `id`.
    pub fn service_config(&self, id: &EntryId, s: &Service) -> ServiceConfig {
        ServiceConfig {
            id: id.to_string(),
            spec: self.factory(&s.process, &s.input, &s.host),
            start_timeout: s.lifecycle.start_timeout,
            stop_timeout: s.lifecycle.stop_timeout,
            stable_threshold: s.lifecycle.stable_threshold,
            restart: s.lifecycle.restart.clone(),
        }
    }

    /// The supervisor config of entry `id`, nested ones included.
    pub fn supervisor_config(
        &self,
        id: &EntryId,
        s: &Supervisor,
        depth: usize,
    ) -> Result<SupervisorConfig, SuperviseError> {
        if depth > MAX_SUPERVISOR_DEPTH {
            return Err(SuperviseError::TooDeep(id.clone()));
        }
        let mut children = Vec::with_capacity(s.children.len());
        for c in &s.children {
            let kind = match &c.target {
                ChildTarget::Process(p) => ChildKind::Process(self.factory(p, &c.input, &s.host)),
                ChildTarget::Supervisor(sid) => {
                    let Spec::ProcessSupervisor(inner) = self.entry_spec(sid)? else {
                        return Err(self.not_startable(sid));
                    };
                    ChildKind::Supervisor {
                        host: self.host(&inner.host)?,
                        config: Box::new(self.supervisor_config(sid, inner, depth + 1)?),
                    }
                }
            };
            children.push(ChildConfig {
                id: c.id.clone(),
                kind,
                restart: c.restart,
                shutdown: c.shutdown,
            });
        }
        Ok(SupervisorConfig {
            id: id.to_string(),
            strategy: s.strategy,
            intensity: s.intensity,
            period: s.period,
            restart_delay: s.restart_delay,
            start_timeout: s.lifecycle.start_timeout,
            children,
        })
    }

    /// The service started from entry `id`.
    pub fn service(&self, id: &EntryId) -> Option<ServiceHandle> {
        lock(&self.inner.units)
            .iter()
            .find_map(|(u, unit)| match unit {
                Unit::Service(h) if u == id => Some(h.clone()),
                _ => None,
            })
    }

    /// The supervisor started from entry `id`.
    pub fn supervisor(&self, id: &EntryId) -> Option<SupervisorHandle> {
        lock(&self.inner.units)
            .iter()
            .find_map(|(u, unit)| match unit {
                Unit::Supervisor(h) if u == id => Some(h.clone()),
                _ => None,
            })
    }

    /// The started entries, in start order.
    pub fn started(&self) -> Vec<EntryId> {
        lock(&self.inner.units)
            .iter()
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Every started entry's status, in start order.
    pub fn status(&self) -> Vec<EntryStatus> {
        let units = lock(&self.inner.units).clone();
        units
            .into_iter()
            .map(|(id, unit)| match unit {
                Unit::Host(h) => EntryStatus {
                    id,
                    kind: UnitKind::Host,
                    state: "running".into(),
                    pid: None,
                    restarts: 0,
                    children: Vec::new(),
                    metrics: Some(h.metrics()),
                },
                Unit::Service(s) => {
                    let st = s.status();
                    EntryStatus {
                        id,
                        kind: UnitKind::Service,
                        state: st.state.as_str().into(),
                        pid: st.pid,
                        restarts: st.restarts_total,
                        children: Vec::new(),
                        metrics: None,
                    }
                }
                Unit::Supervisor(s) => {
                    let st = s.status();
                    EntryStatus {
                        id,
                        kind: UnitKind::Supervisor,
                        state: st.state.as_str().into(),
                        pid: None,
                        restarts: st.restarts_total,
                        children: st.children,
                        metrics: None,
                    }
                }
            })
            .collect()
    }

    /// Stops one started entry (not what depends on it) and forgets it.
    pub fn stop(&self, id: &EntryId) -> bool {
        let unit = {
            let mut units = lock(&self.inner.units);
            let Some(i) = units.iter().position(|(u, _)| u == id) else {
                return false;
            };
            units.remove(i).1
        };
        self.stop_unit(id, unit);
        true
    }

    /// Stops every started entry in reverse start order (dependents before
    /// what they require), then shuts every host down; the ids stopped.
    pub fn stop_all(&self) -> Vec<EntryId> {
        let units: Vec<(EntryId, Unit)> = std::mem::take(&mut *lock(&self.inner.units));
        let mut stopped = Vec::with_capacity(units.len());
        for (id, unit) in units.into_iter().rev() {
            self.stop_unit(&id, unit);
            stopped.push(id);
        }
        let hosts: Vec<Host> = std::mem::take(&mut *lock(&self.inner.hosts))
            .into_values()
            .collect();
        lock(&self.inner.groups).clear();
        for h in hosts {
            h.shutdown();
        }
        stopped
    }

    fn stop_unit(&self, id: &EntryId, unit: Unit) {
        let log = &self.inner.opts.log;
        log.line(&format!("stopping {id}"));
        let t0 = std::time::Instant::now();
        let how = match unit {
            // Its processes stop with the other hosts, at the end.
            Unit::Host(_) => "host".to_string(),
            Unit::Service(s) => format!("service, {}", s.stop().state.as_str()),
            Unit::Supervisor(s) => {
                let exit = s.stop();
                match exit.reason {
                    crate::exit::ExitReason::Shutdown { reason } => format!("supervisor, {reason}"),
                    other => format!("supervisor, {}", super::describe_reason(&other)),
                }
            }
        };
        log.line(&format!(
            "stopped {id} ({how}) in {}",
            format_duration(Duration::from_millis(t0.elapsed().as_millis() as u64))
        ));
    }
}

/// A registry `input` value as a process argument: integers as i64 (or
/// their text if they do not fit, which the method's types then refuse),
/// floats as f64, booleans as 0/1.
pub(crate) fn arg_value(a: &Arg) -> Value {
    match a {
        Arg::Int(v) => i64::try_from(*v).map_or_else(|_| Value::Str(v.to_string()), Value::I64),
        Arg::Float(f) => Value::F64(f.to_bits()),
        Arg::Bool(b) => Value::I32(i32::from(*b)),
        Arg::Str(s) => Value::Str(s.clone()),
    }
}

/// What `id` needs started before it: its `process.host`, then its
/// `lifecycle.requires`.
fn requires(reg: &Registry, id: &EntryId) -> Vec<EntryId> {
    let (host, list) = match reg.get(id).map(|e| &e.spec) {
        Some(Spec::ProcessService(s)) => (&s.host, &s.lifecycle.requires),
        Some(Spec::ProcessSupervisor(s)) => (&s.host, &s.lifecycle.requires),
        _ => return Vec::new(),
    };
    std::iter::once(host).chain(list).cloned().collect()
}

/// `roots` and everything they require, each after what it requires
/// (depth first, without recursion; a cycle, which the loader refuses, is
/// cut where it closes).
fn with_requires(reg: &Registry, roots: &[EntryId]) -> Vec<EntryId> {
    let mut out = Vec::new();
    let mut done: BTreeSet<EntryId> = BTreeSet::new();
    let mut visiting: BTreeSet<EntryId> = BTreeSet::new();
    for root in roots {
        let mut stack = vec![(root.clone(), false)];
        while let Some((id, expanded)) = stack.pop() {
            if expanded {
                visiting.remove(&id);
                if done.insert(id.clone()) {
                    out.push(id);
                }
                continue;
            }
            if done.contains(&id) || !visiting.insert(id.clone()) {
                continue;
            }
            stack.push((id.clone(), true));
            for r in requires(reg, &id).into_iter().rev() {
                if !done.contains(&r) && !visiting.contains(&r) {
                    stack.push((r, false));
                }
            }
        }
    }
    out
}

/// The entries `wisp run` starts, in start order: every `auto_start`
/// host, service and supervisor (by id), each after what it requires;
/// supervisors that are children of another supervisor are left to it.
pub fn auto_start_order(reg: &Registry) -> Vec<EntryId> {
    let nested: BTreeSet<&EntryId> = reg
        .of_kind(Kind::ProcessSupervisor)
        .filter_map(|e| match &e.spec {
            Spec::ProcessSupervisor(s) => Some(s.children.iter().filter_map(|c| match &c.target {
                ChildTarget::Supervisor(id) => Some(id),
                ChildTarget::Process(_) => None,
            })),
            _ => None,
        })
        .flatten()
        .collect();
    let roots: Vec<EntryId> = reg
        .entries()
        .filter(|e| match &e.spec {
            Spec::ProcessHost(h) => h.auto_start,
            Spec::ProcessService(s) => s.lifecycle.auto_start,
            Spec::ProcessSupervisor(s) => s.lifecycle.auto_start && !nested.contains(&e.id),
            _ => false,
        })
        .map(|e| e.id.clone())
        .collect();
    with_requires(reg, &roots)
        .into_iter()
        .filter(|id| !nested.contains(id))
        .collect()
}
