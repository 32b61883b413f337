//! [`Host`]: the embedding API (HOST.md §5.1) — spawn processes, wait for
//! their exit events, kill them, read their logs, watch the host.
//!
//! Modules are compiled once per sha256 (and call-depth limit, which is an
//! engine setting) and shared by every process that runs them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wisp_interp::{Config, Engine, Module};
use wisp_wasi::VirtualClock;

use crate::checkpoint::{CheckpointError, HostRestoreError, RestoreOpts};
use crate::error::{NotFound, SpawnError};
use crate::exit::{ExitEvent, ExitReason, Killer, Stream};
use crate::imports::HostImport;
use crate::logs::{LogBuffer, LogOpts, LogStream};
use crate::mailbox::{Mailbox, SendError};
use crate::pid::Pid;
use crate::process::{Determinism, InitHost, Process};
use crate::relations::{Down, Relations, Watcher};
use crate::sched::TimerHandle;
use crate::sched::{
    self, EXITED, PARKED, RUNNABLE, RUNNING, SUSPENDED, SchedConfig, Shared, Slot, Timers, lock,
};
use crate::spec::{ModuleSource, SpawnSpec};
use crate::value::Value;

/// The default fuel of one slice (lunatic's unit of compute).
pub const DEFAULT_SLICE_FUEL: u64 = 100_000;

/// Builds a [`Host`].
#[derive(Clone)]
pub struct HostBuilder {
    workers: usize,
    slice_fuel: u64,
    deterministic: Option<u64>,
    echo_output: bool,
    paused: bool,
    imports: Vec<HostImport>,
    resolver: Option<Resolver>,
}

/// Turns an entry id and arguments into a spawn spec (guests' spawns).
pub type Resolver = Arc<dyn Fn(&str, Vec<Value>) -> Result<SpawnSpec, String> + Send + Sync>;

impl std::fmt::Debug for HostBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostBuilder")
            .field("workers", &self.workers)
            .field("slice_fuel", &self.slice_fuel)
            .field("deterministic", &self.deterministic)
            .field("echo_output", &self.echo_output)
            .field("paused", &self.paused)
            .field("imports", &self.imports)
            .field("resolver", &self.resolver.is_some())
            .finish()
    }
}

impl Default for HostBuilder {
    fn default() -> Self {
        HostBuilder {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            slice_fuel: DEFAULT_SLICE_FUEL,
            deterministic: None,
            echo_output: false,
            paused: false,
            imports: Vec::new(),
            resolver: None,
        }
    }
}

impl HostBuilder {
    /// Worker threads (default: the number of cores).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }

    /// Fuel per slice (default [`DEFAULT_SLICE_FUEL`]).
    pub fn slice_fuel(mut self, fuel: u64) -> Self {
        self.slice_fuel = fuel.max(1);
        self
    }

    /// Deterministic mode: one worker, a virtual clock that jumps to the
    /// next timer when nothing can run, seeded randomness.
    pub fn deterministic(mut self, seed: u64) -> Self {
        self.deterministic = Some(seed);
        self.workers = 1;
        self
    }

    /// Copies every process's stdout/stderr to the host's own as well as
    /// keeping it in the log (the CLI's foreground mode).
    pub fn echo_output(mut self, on: bool) -> Self {
        self.echo_output = on;
        self
    }

    /// Starts with the workers paused: processes spawned before
    /// [`Host::start`] all begin together (exact ordering tests in
    /// deterministic mode).
    pub fn paused(mut self, on: bool) -> Self {
        self.paused = on;
        self
    }

    /// Adds host function `module::name` of type `ty` for every process
    /// (see [`crate::imports`]).
    pub fn import(
        mut self,
        module: &str,
        name: &str,
        ty: wisp_interp::FuncType,
        f: impl Fn(&[Value]) -> Result<Vec<Value>, String> + Send + Sync + 'static,
    ) -> Self {
        self.imports.push(HostImport {
            module: module.into(),
            name: name.into(),
            ty,
            f: Arc::new(f),
        });
        self
    }

    /// How a guest's `wisp:process.spawn(entry, …)` finds what to run
    /// (the registry, with `boot::spawn_spec`); without one, guest spawns
    /// fail.
    pub fn resolver(
        mut self,
        f: impl Fn(&str, Vec<Value>) -> Result<SpawnSpec, String> + Send + Sync + 'static,
    ) -> Self {
        self.resolver = Some(Arc::new(f));
        self
    }

    pub fn build(self) -> Host {
        let (timers, determinism) = match self.deterministic {
            Some(seed) => {
                let clock = VirtualClock::new();
                (
                    Timers::virtual_time(clock.clone()),
                    Determinism::Deterministic { clock, seed },
                )
            }
            None => (Timers::real(), Determinism::Real),
        };
        let shared = Shared::new(
            SchedConfig {
                workers: self.workers,
                slice_fuel: self.slice_fuel,
            },
            timers,
            self.paused,
        );
        let threads = sched::start_workers(&shared);
        let host = Host {
            inner: Arc::new(Inner {
                shared,
                threads: Mutex::new(threads),
                modules: Mutex::new(HashMap::new()),
                engines: Mutex::new(HashMap::new()),
                next_pid: AtomicU64::new(1),
                determinism,
                echo: self.echo_output,
                imports: self.imports,
                started: Instant::now(),
                resolver: self.resolver,
            }),
        };
        let spawner: Arc<dyn crate::guest::Spawn> = host.inner.clone();
        let _ = host.inner.shared.spawner.set(Arc::downgrade(&spawner));
        host
    }
}

/// A module's sha256 and the call-depth limit of the engine it was
/// compiled for.
type ModuleKey = ([u8; 32], Option<usize>);
/// A compiled module and its bytes (for checkpoints).
type CachedModule = (Module, Arc<[u8]>);

struct Inner {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Compiled modules by (sha256, call-depth limit).
    modules: Mutex<HashMap<ModuleKey, CachedModule>>,
    engines: Mutex<HashMap<Option<usize>, Engine>>,
    next_pid: AtomicU64,
    determinism: Determinism,
    echo: bool,
    imports: Vec<HostImport>,
    started: Instant,
    resolver: Option<Resolver>,
}

impl crate::guest::Spawn for Inner {
    fn spawn_entry(
        self: Arc<Self>,
        entry: &str,
        args: Vec<Value>,
        from: Pid,
        link: bool,
    ) -> Result<Pid, String> {
        let resolver = self
            .resolver
            .clone()
            .ok_or("this host spawns no entries (it has no resolver)")?;
        let mut spec = resolver(entry, args)?;
        if link {
            spec.opts.link_to = Some(from);
        }
        Host { inner: self }.spawn(spec).map_err(|e| e.to_string())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        stop(&self.shared, &self.threads);
    }
}

fn stop(shared: &Arc<Shared>, threads: &Mutex<Vec<JoinHandle<()>>>) {
    shared.stopping.store(true, Ordering::SeqCst);
    shared.shutdown_all("host shutdown");
    shared.notify();
    let me = std::thread::current().id();
    for t in lock(threads).drain(..) {
        // The last handle can go on a worker (a guest's spawn held it):
        // that worker ends by itself once its loop sees `stopping`.
        if t.thread().id() != me {
            let _ = t.join();
        }
    }
    shared.timers.stop();
}

/// A process's modules, pid and log, before Init or a restore.
struct Parts {
    module: Module,
    module_bytes: Arc<[u8]>,
    links: Vec<Module>,
    link_bytes: Vec<Arc<[u8]>>,
    pid: Pid,
    log: Arc<LogBuffer>,
    shared: std::sync::Weak<Shared>,
}

impl Parts {
    /// What Init needs from the host, for these parts.
    fn init_host<'a>(&'a self, inner: &'a Inner) -> InitHost<'a> {
        InitHost {
            engine: self.module.engine(),
            links: &self.links,
            determinism: &inner.determinism,
            shared: &self.shared,
            imports: &inner.imports,
        }
    }

    /// The initialised `process` of `spec`, ready to be admitted.
    fn admit(self, spec: SpawnSpec, process: Process) -> Admit {
        Admit {
            pid: self.pid,
            cancelable: self
                .module
                .imports()
                .any(|i| i.module == crate::guest::MODULE),
            spec,
            process,
            log: self.log,
            module_bytes: self.module_bytes,
            link_bytes: self.link_bytes,
        }
    }
}

/// An initialised process on its way into the table.
pub(crate) struct Admit {
    pub(crate) pid: Pid,
    pub(crate) spec: SpawnSpec,
    pub(crate) process: Process,
    pub(crate) log: Arc<LogBuffer>,
    pub(crate) cancelable: bool,
    pub(crate) module_bytes: Arc<[u8]>,
    pub(crate) link_bytes: Vec<Arc<[u8]>>,
}

/// A process's state, as [`Host::info`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessState {
    Runnable,
    Running,
    Parked,
    Suspended,
    Exited,
}

/// What [`Host::info`] tells about a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: Pid,
    pub name: Option<String>,
    pub state: ProcessState,
    pub fuel_used: u64,
    pub slices: u64,
    pub wall_ms: u64,
}

/// A snapshot of the host's counters (HOST.md §3.5).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostMetrics {
    pub runnable: usize,
    pub running: usize,
    pub parked: usize,
    /// Processes not exited yet (Bacalhau's `wasm_active_executions`).
    pub active: usize,
    pub spawned_total: u64,
    pub exited_total: u64,
    pub slices_total: u64,
    pub fuel_total: u64,
    pub workers: usize,
    /// The share of the host's lifetime each worker spent running slices.
    pub worker_busy: Vec<f64>,
}

/// The process host. Cheap to clone; the last clone to go shuts it down
/// (every live process exits with `Shutdown`).
#[derive(Clone)]
pub struct Host {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("metrics", &self.metrics())
            .finish()
    }
}

impl Host {
    pub fn builder() -> HostBuilder {
        HostBuilder::default()
    }

    /// Spawns a process: Init runs here (any error is returned and no
    /// process exists); Step runs on the workers.
    pub fn spawn(&self, spec: SpawnSpec) -> Result<Pid, SpawnError> {
        self.spawn_watched(spec, None, None).map(|(pid, _)| pid)
    }

    /// [`Host::spawn`], with a log stream opened before the process runs,
    /// so that it sees every record (a following stream keeps what it has
    /// not read yet).
    pub fn spawn_with_logs(
        &self,
        spec: SpawnSpec,
        opts: LogOpts,
    ) -> Result<(Pid, LogStream), SpawnError> {
        let (pid, stream) = self.spawn_watched(spec, None, Some(opts))?;
        let stream = stream.ok_or_else(|| SpawnError::Internal("no log stream".into()))?;
        Ok((pid, stream))
    }

    /// [`Host::spawn`], with a monitor set before the process runs.
    pub fn spawn_monitored(
        &self,
        spec: SpawnSpec,
    ) -> Result<(Pid, crossbeam_channel::Receiver<Down>), SpawnError> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let (pid, _) = self.spawn_watched(spec, Some(Watcher::Channel(tx)), None)?;
        Ok((pid, rx))
    }

    fn spawn_watched(
        &self,
        spec: SpawnSpec,
        watcher: Option<Watcher>,
        logs: Option<LogOpts>,
    ) -> Result<(Pid, Option<LogStream>), SpawnError> {
        let shared = &self.inner.shared;
        if shared.stopping.load(Ordering::SeqCst) {
            return Err(SpawnError::ShuttingDown);
        }
        let parts = self.parts(&spec)?;
        let process = Process::init(
            &parts.init_host(&self.inner),
            &parts.module,
            &spec,
            &parts.log,
            parts.pid,
        )?;
        let stream = logs.map(|opts| parts.log.stream(opts));
        let pid = self.admit(parts.admit(spec, process), watcher, false)?;
        Ok((pid, stream))
    }

    /// What spawning and restoring `spec` both need: its compiled modules,
    /// a pid and a log.
    fn parts(&self, spec: &SpawnSpec) -> Result<Parts, SpawnError> {
        let (module, module_bytes) = self.module(&spec.module, spec.limits.max_call_depth)?;
        let (links, link_bytes) = self.links(spec)?;
        Ok(Parts {
            module,
            module_bytes,
            links,
            link_bytes,
            pid: Pid(self.inner.next_pid.fetch_add(1, Ordering::SeqCst)),
            log: LogBuffer::new(
                spec.limits.max_output_bytes,
                spec.limits.on_output_limit,
                self.inner.echo,
            ),
            shared: Arc::downgrade(&self.inner.shared),
        })
    }

    /// The compiled linked modules of `spec`, and their bytes.
    #[allow(
        clippy::type_complexity,
        reason = "two parallel lists, named by the doc comment"
    )]
    fn links(&self, spec: &SpawnSpec) -> Result<(Vec<Module>, Vec<Arc<[u8]>>), SpawnError> {
        let depth = spec.limits.max_call_depth;
        let compiled: Vec<CachedModule> = spec
            .links
            .iter()
            .map(|l| self.module(&l.module, depth))
            .collect::<Result<_, _>>()?;
        Ok(compiled.into_iter().unzip())
    }

    /// Makes an initialised process known and (unless `suspended`) queues
    /// it: the one way in for spawns and restores.
    fn admit(
        &self,
        a: Admit,
        watcher: Option<Watcher>,
        suspended: bool,
    ) -> Result<Pid, SpawnError> {
        let shared = &self.inner.shared;
        let Admit {
            pid,
            spec,
            process,
            log,
            cancelable,
            module_bytes,
            link_bytes,
        } = a;
        let state = if suspended { SUSPENDED } else { RUNNABLE };
        let slot = Arc::new(Slot {
            pid,
            name: spec.opts.name.clone(),
            state: std::sync::atomic::AtomicU8::new(state),
            fuel_used: AtomicU64::new(process.fuel_used),
            slices: AtomicU64::new(process.slices),
            process: Mutex::new(Some(process)),
            kill: Mutex::new(None),
            park_token: AtomicU64::new(0),
            log,
            exit: Mutex::new(None),
            exited: std::sync::Condvar::new(),
            watchers: Mutex::new(Vec::new()),
            started: Instant::now(),
            relations: Mutex::new(Relations {
                trap_links: spec.opts.trap_links,
                ..Relations::default()
            }),
            mailbox: Mutex::new(Mailbox::new(
                spec.limits.max_mailbox_len,
                spec.limits.max_message_size,
            )),
            cancelable,
            suspend: std::sync::atomic::AtomicBool::new(suspended),
            park_timers: Mutex::new(Vec::new()),
            life_timers: Mutex::new(Vec::new()),
            checkpoint: Mutex::new(crate::checkpoint::Origin {
                spec: spec.clone(),
                module_bytes,
                link_bytes,
            }),
        });
        lock(&shared.table).insert(pid, slot.clone());
        if let Some(other) = spec.opts.link_to
            && !shared.link(pid, other)
        {
            // Linking to a process that is gone: the new one never runs.
            lock(&shared.table).remove(&pid);
            return Err(SpawnError::LinkTarget(other.to_string()));
        }
        if let Some(w) = watcher {
            shared.monitor(pid, w);
        }
        shared.counters.spawned.fetch_add(1, Ordering::SeqCst);
        shared.counters.live.fetch_add(1, Ordering::SeqCst);
        if let Some(limit) = spec.limits.timeout {
            let (s, target) = (shared.clone(), slot.clone());
            let timer = shared.timers.after(
                limit,
                Box::new(move || {
                    let elapsed_ms =
                        u64::try_from(target.started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
                    s.kill(
                        &target,
                        ExitReason::Timeout {
                            elapsed_ms: elapsed_ms.max(limit_ms),
                            limit_ms,
                        },
                    );
                }),
            );
            lock(&slot.life_timers).push(timer);
        }
        if !suspended {
            shared.enqueue(slot);
        }
        Ok(pid)
    }

    /// A monitor of `pid`: the channel receives one [`Down`] when it exits
    /// (at once, `NoProc`, if it does not exist or has exited).
    pub fn monitor(&self, pid: Pid) -> crossbeam_channel::Receiver<Down> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.inner.shared.monitor(pid, Watcher::Channel(tx));
        rx
    }

    /// Links `a` and `b`: if either exits abnormally, the other is killed
    /// with `LinkDown` (or, if it traps links, gets a `LinkDown` message).
    pub fn link(&self, a: Pid, b: Pid) -> Result<(), NotFound> {
        let shared = &self.inner.shared;
        if !shared.link(a, b) {
            let gone = if shared.slot(a).is_some() { b } else { a };
            return Err(NotFound(gone));
        }
        Ok(())
    }

    /// Removes the link between `a` and `b`.
    pub fn unlink(&self, a: Pid, b: Pid) {
        self.inner.shared.unlink(a, b);
    }

    /// Sends `data` with `tag` (≥ 0) to `to`'s mailbox, from the host.
    pub fn send(&self, to: Pid, tag: i64, data: Vec<u8>) -> Result<(), SendError> {
        let shared = &self.inner.shared;
        let slot = shared.slot(to).ok_or(SendError::NotFound(to))?;
        shared.deliver(&slot, None, tag.max(0), data)
    }

    /// Asks `pid` to stop: a guest that imports `wisp:process` gets a
    /// `Cancel` message (tag −3, the reason as data) and is killed if it
    /// has not exited after `grace`; any other guest is killed at once.
    pub fn cancel(&self, pid: Pid, reason: &str, grace: Duration) -> Result<(), NotFound> {
        let shared = &self.inner.shared;
        let slot = self.slot(pid)?;
        if slot.state.load(Ordering::SeqCst) == EXITED {
            return Err(NotFound(pid));
        }
        if !slot.cancelable {
            shared.kill(&slot, sched::killed("cancelled"));
            return Ok(());
        }
        let _ = shared.deliver(
            &slot,
            None,
            crate::mailbox::TAG_CANCEL,
            reason.as_bytes().to_vec(),
        );
        // The grace timer goes with the process: a close cancels the life
        // timers once more after it marks the process exited, and a close
        // that came first is seen here.
        let (s, target) = (shared.clone(), slot.clone());
        let timer = shared.timers.after(
            grace,
            Box::new(move || s.kill(&target, sched::killed("cancel grace expired"))),
        );
        lock(&slot.life_timers).push(timer);
        if slot.state.load(Ordering::SeqCst) == EXITED {
            sched::cancel_all(&slot.life_timers);
        }
        Ok(())
    }

    /// Suspends `pid` (HOST.md §6.1): at once if it is queued or parked,
    /// at the end of its slice if it runs; returns once it is suspended.
    /// A parked process keeps its waiting call, retried on resume.
    pub fn suspend(&self, pid: Pid) -> Result<(), NotFound> {
        let slot = self.slot(pid)?;
        let shared = &self.inner.shared;
        shared.suspend(&slot);
        loop {
            match slot.state.load(Ordering::SeqCst) {
                SUSPENDED => return Ok(()),
                EXITED => return Err(NotFound(pid)),
                // Runs one more slice at most, or was just woken.
                _ => {
                    shared.suspend(&slot);
                    std::thread::sleep(Duration::from_micros(50));
                }
            }
        }
    }

    /// Queues a suspended `pid` again; `NotFound` if it is not suspended.
    pub fn resume(&self, pid: Pid) -> Result<(), NotFound> {
        let slot = self.slot(pid)?;
        if self.inner.shared.resume(&slot) {
            Ok(())
        } else {
            Err(NotFound(pid))
        }
    }

    /// A checkpoint of suspended `pid` (see [`crate::checkpoint`]).
    pub fn checkpoint(&self, pid: Pid) -> Result<Vec<u8>, CheckpointError> {
        use crate::checkpoint::{
            HOST_SECTION, LINKS_SECTION, MODULE_SECTION, Progress, WASI_SECTION,
        };
        let slot = self.slot(pid).map_err(|_| CheckpointError::NotFound(pid))?;
        if slot.state.load(Ordering::SeqCst) != SUSPENDED {
            return Err(CheckpointError::NotSuspended(pid));
        }
        let origin = lock(&slot.checkpoint).clone();
        let mut process = lock(&slot.process);
        let p = process.as_mut().ok_or(CheckpointError::NotFound(pid))?;
        let (mut image, started) = p.capture().map_err(CheckpointError::Unserializable)?;
        let wasi = p.wasi_state().map_err(CheckpointError::Unserializable)?;
        let progress = Progress {
            fuel_used: p.fuel_used,
            slices: p.slices,
            started,
        };
        let links = crate::checkpoint::encode_links(&origin.spec, &origin.link_bytes);
        let sections = [
            (
                HOST_SECTION,
                crate::checkpoint::encode(&origin.spec, progress),
            ),
            (WASI_SECTION, wasi),
            (MODULE_SECTION, origin.module_bytes.to_vec()),
            (LINKS_SECTION, links),
        ];
        for (tag, payload) in sections {
            image
                .add_section(tag, false, payload)
                .map_err(|e| CheckpointError::Unserializable(e.to_string()))?;
        }
        Ok(image.to_bytes())
    }

    /// Restores a checkpoint as a new process of this host (a migration
    /// when another host took it): suspended, or queued with
    /// `opts.resume`. Its files are reopened beneath the same mounts.
    pub fn restore(&self, bytes: &[u8], opts: RestoreOpts) -> Result<Pid, HostRestoreError> {
        use crate::checkpoint::{HOST_SECTION, UNDERSTOOD, WASI_SECTION};
        let image = wisp_interp::checkpoint::Image::parse(bytes)?;
        let module_bytes = crate::checkpoint::module_of(&image)?;
        let hostp = image
            .section(HOST_SECTION)
            .ok_or(HostRestoreError::Missing(HOST_SECTION))?;
        let (mut spec, progress) =
            crate::checkpoint::decode(hostp, module_bytes.clone(), opts.stdin.clone())?;
        if let Some(links) = image.section(crate::checkpoint::LINKS_SECTION) {
            spec.links = crate::checkpoint::decode_links(links)?;
        }
        let parts = self.parts(&spec)?;
        let init = parts.init_host(&self.inner);
        let engine = init.engine;
        let (argv, args) = crate::process::prepare(&parts.module, &spec)?;
        let data =
            crate::process::new_store(&init, &spec, argv, &parts.log, parts.pid)?.into_data();
        let linker = crate::process::new_linker(&init, &spec)?;
        let modules: Vec<Module> = parts.links.iter().chain([&parts.module]).cloned().collect();
        let restored = match &opts.pages {
            Some(pages) => {
                image.restore_lazy(engine, &modules, &linker, data, &UNDERSTOOD, pages.clone())?
            }
            None => image.restore(engine, &modules, &linker, data, &UNDERSTOOD)?,
        };
        let mut store = restored.store;
        store.set_limits(crate::process::store_limits(&spec.limits));
        if let Some(state) = image.section(WASI_SECTION) {
            store.data_mut().wasi.restore_state(state)?;
        }
        let func = restored
            .instances
            .last()
            .and_then(|i| i.get_func(&store, &spec.method))
            .ok_or_else(|| {
                SpawnError::Entrypoint(format!("\"{}\" is not a function", spec.method))
            })?;
        let call = if progress.started {
            restored.call
        } else {
            None
        };
        let process = Process::restored(
            store,
            call,
            (func, args),
            (progress.fuel_used, progress.slices),
            &spec,
        );
        Ok(self.admit(parts.admit(spec, process), None, !opts.resume)?)
    }

    /// Ends `pid` with `Migrated { to }` (after its checkpoint was restored
    /// elsewhere); its monitors see that reason.
    pub fn migrated(&self, pid: Pid, to: &str) -> Result<(), NotFound> {
        let slot = self.slot(pid)?;
        if slot.state.load(Ordering::SeqCst) == EXITED {
            return Err(NotFound(pid));
        }
        self.inner
            .shared
            .kill(&slot, ExitReason::Migrated { to: to.to_string() });
        Ok(())
    }

    /// The compiled module of `source` (compiled once per hash), and its
    /// bytes.
    pub(crate) fn module(
        &self,
        source: &ModuleSource,
        depth: Option<usize>,
    ) -> Result<(Module, Arc<[u8]>), SpawnError> {
        let (bytes, expected, what) = match source {
            ModuleSource::Bytes { bytes, sha256 } => (bytes.to_vec(), *sha256, "the module".into()),
            ModuleSource::Path(p) => (
                std::fs::read(p)
                    .map_err(|e| SpawnError::ModuleNotFound(format!("{}: {e}", p.display())))?,
                None,
                p.display().to_string(),
            ),
        };
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        if let Some(expected) = expected
            && expected != hash
        {
            return Err(SpawnError::HashMismatch {
                what,
                expected: hex(&expected),
                actual: hex(&hash),
            });
        }
        let key = (hash, depth);
        if let Some(m) = lock(&self.inner.modules).get(&key) {
            return Ok(m.clone());
        }
        let original: Arc<[u8]> = bytes.clone().into();
        let engine = self.engine(depth);
        let wasm = if bytes.starts_with(b"\0asm") {
            bytes
        } else {
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                SpawnError::ModuleCompile("neither a binary module nor UTF-8 text".into())
            })?;
            wat_to_binary(text)?
        };
        let module =
            Module::new(&engine, &wasm).map_err(|e| SpawnError::ModuleCompile(e.to_string()))?;
        lock(&self.inner.modules).insert(key, (module.clone(), original.clone()));
        Ok((module, original))
    }

    fn engine(&self, depth: Option<usize>) -> Engine {
        lock(&self.inner.engines)
            .entry(depth)
            .or_insert_with(|| {
                let mut config = Config::default();
                config.consume_fuel(true);
                if let Some(d) = depth {
                    config.max_call_depth(d);
                }
                Engine::new(&config)
            })
            .clone()
    }

    fn slot(&self, pid: Pid) -> Result<Arc<Slot>, NotFound> {
        lock(&self.inner.shared.table)
            .get(&pid)
            .cloned()
            .ok_or(NotFound(pid))
    }

    /// Lets the workers of a [`HostBuilder::paused`] host run.
    pub fn start(&self) {
        self.inner.shared.paused.store(false, Ordering::SeqCst);
        self.inner.shared.notify();
    }

    /// Blocks until `pid` exits; its exit event.
    pub fn wait(&self, pid: Pid) -> Result<ExitEvent, NotFound> {
        let slot = self.slot(pid)?;
        let mut exit = lock(&slot.exit);
        loop {
            if let Some(e) = exit.as_ref() {
                return Ok(e.clone());
            }
            exit = slot.exited.wait(exit).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// [`Host::wait`], giving up after `timeout` (`Ok(None)`).
    pub fn wait_timeout(&self, pid: Pid, timeout: Duration) -> Result<Option<ExitEvent>, NotFound> {
        let slot = self.slot(pid)?;
        let exit = lock(&slot.exit);
        let (exit, _) = slot
            .exited
            .wait_timeout_while(exit, timeout, |e| e.is_none())
            .unwrap_or_else(|p| p.into_inner());
        Ok(exit.clone())
    }

    /// A channel that receives `pid`'s exit event (at once if it exited).
    pub fn exit_receiver(
        &self,
        pid: Pid,
    ) -> Result<crossbeam_channel::Receiver<ExitEvent>, NotFound> {
        let slot = self.slot(pid)?;
        let (tx, rx) = crossbeam_channel::bounded(1);
        let exit = lock(&slot.exit);
        match exit.as_ref() {
            Some(e) => {
                let _ = tx.send(e.clone());
            }
            None => lock(&slot.watchers).push(tx),
        }
        Ok(rx)
    }

    /// Kills `pid` with `Killed { by: Host, reason }`: at once if it is
    /// queued or parked, after its current slice if it is running.
    /// `NotFound` if it does not exist or has exited.
    pub fn kill(&self, pid: Pid, reason: &str) -> Result<(), NotFound> {
        let slot = self.slot(pid)?;
        if slot.state.load(Ordering::SeqCst) == EXITED {
            return Err(NotFound(pid));
        }
        self.inner.shared.kill(&slot, sched::killed(reason));
        Ok(())
    }

    /// Forgets exited process `pid` (its exit event and logs) before the
    /// host would: it keeps the exit events of the last
    /// `RETAINED_EXIT_EVENTS` exited processes and the logs of the last
    /// `RETAINED_EXITS`. `NotFound` if unknown or still running.
    pub fn forget(&self, pid: Pid) -> Result<(), NotFound> {
        let slot = self.slot(pid)?;
        if slot.state.load(Ordering::SeqCst) != EXITED {
            return Err(NotFound(pid));
        }
        lock(&self.inner.shared.table).remove(&pid);
        Ok(())
    }

    /// [`Host::kill`] on behalf of `by` (a supervisor stopping a child,
    /// say): the exit reason names it.
    pub fn kill_by(&self, pid: Pid, by: Killer, reason: &str) -> Result<(), NotFound> {
        let slot = self.slot(pid)?;
        if slot.state.load(Ordering::SeqCst) == EXITED {
            return Err(NotFound(pid));
        }
        self.inner.shared.kill(
            &slot,
            ExitReason::Killed {
                by,
                reason: reason.to_string(),
            },
        );
        Ok(())
    }

    /// What the host knows about `pid` now.
    pub fn info(&self, pid: Pid) -> Option<ProcessInfo> {
        self.slot(pid).ok().map(|s| info(&s))
    }

    /// Every process the host knows, by pid.
    pub fn list(&self) -> Vec<ProcessInfo> {
        let mut all: Vec<ProcessInfo> = lock(&self.inner.shared.table)
            .values()
            .map(|s| info(s))
            .collect();
        all.sort_by_key(|i| i.pid);
        all
    }

    /// The log records of `pid` (see [`LogOpts`]).
    pub fn logs(&self, pid: Pid, opts: LogOpts) -> Result<LogStream, NotFound> {
        Ok(self.slot(pid)?.log.stream(opts))
    }

    /// Everything `pid` wrote to `stream` that the log still holds.
    pub fn output(&self, pid: Pid, stream: Stream) -> Result<Vec<u8>, NotFound> {
        Ok(self.slot(pid)?.log.collect(stream))
    }

    /// A pipe for a process's stdin ([`crate::StdinSpec::Pipe`]).
    pub fn pipe(
        &self,
        capacity: usize,
    ) -> (wisp_wasi::pipe::PipeWriter, wisp_wasi::pipe::PipeReader) {
        wisp_wasi::pipe::pipe(capacity)
    }

    /// Runs `f` once `after` has passed on the host's clock (virtual time
    /// in deterministic mode, where a pending call lets the clock jump to
    /// it when nothing else can run). For supervisors' restart delays.
    pub fn schedule(&self, after: Duration, f: impl FnOnce() + Send + 'static) -> TimerHandle {
        self.inner.shared.timers.after(after, Box::new(f))
    }

    /// Time since the host started, on its clock (virtual in deterministic
    /// mode).
    pub fn now(&self) -> Duration {
        match &self.inner.determinism {
            Determinism::Deterministic { clock, .. } => Duration::from_nanos(clock.now_ns()),
            Determinism::Real => self.inner.started.elapsed(),
        }
    }

    /// The virtual time in deterministic mode (`None` in real time).
    pub fn virtual_now(&self) -> Option<Duration> {
        match &self.inner.determinism {
            Determinism::Deterministic { clock, .. } => Some(Duration::from_nanos(clock.now_ns())),
            Determinism::Real => None,
        }
    }

    pub fn metrics(&self) -> HostMetrics {
        let shared = &self.inner.shared;
        let mut m = HostMetrics {
            spawned_total: shared.counters.spawned.load(Ordering::SeqCst),
            exited_total: shared.counters.exited.load(Ordering::SeqCst),
            slices_total: shared.counters.slices.load(Ordering::SeqCst),
            fuel_total: shared.counters.fuel.load(Ordering::SeqCst),
            active: shared.counters.live.load(Ordering::SeqCst),
            workers: shared.config.workers,
            worker_busy: {
                let alive = self.inner.started.elapsed().as_nanos().max(1) as f64;
                shared
                    .counters
                    .busy_ns
                    .iter()
                    .map(|b| b.load(Ordering::Relaxed) as f64 / alive)
                    .collect()
            },
            ..HostMetrics::default()
        };
        for s in lock(&shared.table).values() {
            match s.state.load(Ordering::SeqCst) {
                RUNNABLE => m.runnable += 1,
                RUNNING => m.running += 1,
                PARKED => m.parked += 1,
                _ => {}
            }
        }
        m
    }

    /// Stops the host: every live process exits with `Shutdown`, then the
    /// threads end.
    pub fn shutdown(&self) {
        stop(&self.inner.shared, &self.inner.threads);
    }
}

fn info(s: &Slot) -> ProcessInfo {
    ProcessInfo {
        pid: s.pid,
        name: s.name.clone(),
        state: match s.state.load(Ordering::SeqCst) {
            RUNNABLE => ProcessState::Runnable,
            RUNNING => ProcessState::Running,
            PARKED => ProcessState::Parked,
            SUSPENDED => ProcessState::Suspended,
            _ => ProcessState::Exited,
        },
        fuel_used: s.fuel_used.load(Ordering::SeqCst),
        slices: s.slices.load(Ordering::SeqCst),
        wall_ms: u64::try_from(s.started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn wat_to_binary(text: &str) -> Result<Vec<u8>, SpawnError> {
    wat::parse_str(text).map_err(|e| SpawnError::ModuleCompile(e.to_string()))
}
