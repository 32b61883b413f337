//! One process's interpreter side: Init (build the WASI context, link,
//! instantiate, find the method) and Step (run one slice of fuel and say
//! how it ended: preempted, waiting, or exited).
//!
//! Scheduling, parking and notifications are the scheduler's
//! (`crate::sched`); this module only drives one store.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Instant;

use wisp_interp::checkpoint::Checkpoint;
use wisp_interp::{
    CallOutcome, Engine, Error, Func, Linker, Module, ResumableCall, Store, StoreLimits,
    SuspendReason, TrapKind, Val,
};
use wisp_wasi::{Blocking, ClockSource, OutputSink, RandomSource, StdinSource, Wait, WasiCtx};

use crate::error::SpawnError;
use crate::exit::{ExitReason, Stream, TrapInfo};
use crate::limits::Limits;
use crate::logs::LogBuffer;
use crate::pid::Pid;
use crate::sched::Shared;
use crate::spec::{SpawnSpec, StdinSpec};
use crate::value::{self, Value};

/// The data of a process's store.
#[derive(Debug)]
pub(crate) struct ProcData {
    pub(crate) wasi: WasiCtx,
    pub(crate) pid: Pid,
    pub(crate) shared: Weak<Shared>,
    /// The host's time, for `receive` timeouts.
    pub(crate) clock: HostClock,
    /// A `receive` that waits: its arguments and when it started.
    pub(crate) receiving: Option<([i64; 5], u64)>,
    /// The guest's monitors: reference → target.
    pub(crate) monitors: HashMap<u64, Pid>,
}

/// The host's time: real, or the deterministic mode's virtual clock.
#[derive(Debug, Clone)]
pub(crate) enum HostClock {
    Real(Instant),
    Virtual(wisp_wasi::VirtualClock),
}

impl HostClock {
    pub(crate) fn now_ns(&self) -> u64 {
        match self {
            HostClock::Real(epoch) => u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX),
            HostClock::Virtual(c) => c.now_ns(),
        }
    }
}

/// Where the process's call is.
enum Run {
    /// Not started: call `func` with `args`.
    Start { func: Func, args: Vec<Val> },
    /// Suspended by fuel: resume it.
    Fuel(ResumableCall),
    /// Suspended by a waiting WASI call: retry it.
    Waiting(ResumableCall),
    /// Taken by a slice in progress, or finished.
    Gone,
}

/// What a parked process waits for.
#[derive(Debug)]
pub(crate) enum Park {
    /// A WASI call's wait (a sleep, a pipe).
    Wasi(Wait),
    /// A message with one of `tags` (any when empty) from
    /// `wisp:process.receive`, at most `timeout`.
    Mailbox {
        timeout: Option<std::time::Duration>,
        tags: Vec<i64>,
    },
}

/// How a slice ended.
pub(crate) enum SliceEnd {
    /// Its fuel is used up, or it yielded: back to the run queue.
    Preempted,
    /// It waits: park it until the wait is over, then run it again.
    Park(Park),
    /// It is done.
    Exit(ExitReason, Option<Vec<Value>>),
}

/// The clock and randomness a process sees.
#[derive(Debug, Clone)]
pub(crate) enum Determinism {
    Real,
    /// A virtual clock and a seed (per process: `seed ^ pid`).
    Deterministic {
        clock: wisp_wasi::VirtualClock,
        seed: u64,
    },
}

/// What Init needs from the host.
#[derive(Clone, Copy)]
pub(crate) struct InitHost<'a> {
    pub(crate) engine: &'a Engine,
    /// The compiled linked modules of the spec, in its order.
    pub(crate) links: &'a [Module],
    pub(crate) determinism: &'a Determinism,
    pub(crate) shared: &'a Weak<Shared>,
    pub(crate) imports: &'a [crate::imports::HostImport],
}

/// A process's store and call.
pub(crate) struct Process {
    store: Store<ProcData>,
    run: Run,
    /// The method and its arguments, while the start function runs.
    method: Option<(Func, Vec<Val>)>,
    pub(crate) fuel_used: u64,
    pub(crate) slices: u64,
    max_fuel: Option<u64>,
    /// Fuel the next slice needs at least (a block costs more than a slice).
    need: u64,
    /// The page limit per memory, if one was set.
    memory_pages: Option<u64>,
}

/// A fuel amount that stands for "no limit".
const UNLIMITED: u64 = u64::MAX / 4;

impl Process {
    /// Init: builds the WASI context, instantiates `module` (its start
    /// function runs here, under the process's fuel) and finds the method.
    pub(crate) fn init(
        host: &InitHost<'_>,
        module: &Module,
        spec: &SpawnSpec,
        log: &Arc<LogBuffer>,
        pid: Pid,
    ) -> Result<Process, SpawnError> {
        let (argv, args) = prepare(module, spec)?;
        let mut store = new_store(host, spec, argv, log, pid)?;
        let mut linker = new_linker(host, spec)?;
        let fuel_used = link(&mut store, &mut linker, host.links, spec)?;
        // The start function runs in Step, under fuel, like the method.
        let (instance, start) = linker
            .instantiate_without_start(&mut store, module)
            .map_err(|e| instantiate_error(e, &spec.limits))?;
        let func = instance.get_func(&store, &spec.method).ok_or_else(|| {
            SpawnError::Entrypoint(format!("\"{}\" is not a function", spec.method))
        })?;
        let (run, method) = match start {
            Some(start) => (
                Run::Start {
                    func: start,
                    args: Vec::new(),
                },
                Some((func, args)),
            ),
            None => (Run::Start { func, args }, None),
        };
        Ok(Process {
            store,
            run,
            method,
            fuel_used,
            slices: 0,
            max_fuel: spec.limits.max_fuel,
            need: 0,
            memory_pages: spec.limits.max_memory_pages,
        })
    }

    /// Step: runs one slice of at most `slice_fuel` (more if one block
    /// needs more; never past the total fuel limit).
    pub(crate) fn run_slice(&mut self, slice_fuel: u64) -> SliceEnd {
        let limit = self.max_fuel.unwrap_or(UNLIMITED);
        let left = limit.saturating_sub(self.fuel_used);
        let budget = slice_fuel.max(self.need).min(left);
        if budget < self.need.max(1) {
            return self.fuel_exhausted(limit);
        }
        if let Err(e) = self.store.set_fuel(budget) {
            return host_error(e);
        }
        self.slices += 1;
        let outcome = match std::mem::replace(&mut self.run, Run::Gone) {
            Run::Start { func, args } => func.call_resumable(&mut self.store, &args),
            Run::Fuel(call) => call.resume(&mut self.store, &[]),
            Run::Waiting(call) => call.retry(&mut self.store),
            Run::Gone => return host_error("the process has no call to run"),
        };
        let after = self.store.get_fuel().unwrap_or(0);
        self.fuel_used += budget.saturating_sub(after);
        match outcome {
            Ok(CallOutcome::Complete(_)) if self.method.is_some() => {
                // The start function returned: the method runs next.
                if let Some((func, args)) = self.method.take() {
                    self.run = Run::Start { func, args };
                }
                SliceEnd::Preempted
            }
            Ok(CallOutcome::Complete(results)) => {
                let values = results.iter().filter_map(Value::from_val).collect();
                SliceEnd::Exit(ExitReason::Normal, Some(values))
            }
            Ok(CallOutcome::Suspended(mut call)) => match call.reason() {
                SuspendReason::OutOfFuel { required } => {
                    self.need = *required;
                    let left = limit.saturating_sub(self.fuel_used);
                    if *required > left {
                        return self.fuel_exhausted(limit);
                    }
                    self.run = Run::Fuel(call);
                    SliceEnd::Preempted
                }
                SuspendReason::Host { .. } => {
                    self.need = 0;
                    let Some(payload) = call.take_host_payload() else {
                        return host_error("a host suspension without payload");
                    };
                    let park = match payload.downcast::<Wait>() {
                        Ok(wait) => match *wait {
                            Wait::Yield => {
                                self.run = Run::Waiting(call);
                                return SliceEnd::Preempted;
                            }
                            wait => Park::Wasi(wait),
                        },
                        Err(other) => match other.downcast::<crate::guest::MailboxWait>() {
                            Ok(m) => Park::Mailbox {
                                timeout: m.timeout,
                                tags: m.tags,
                            },
                            Err(_) => {
                                return host_error(
                                    "a host function suspended with an unknown payload",
                                );
                            }
                        },
                    };
                    self.run = Run::Waiting(call);
                    SliceEnd::Park(park)
                }
            },
            Err(Error::Trap(trap)) => self.trap_exit(trap),
            Err(e) => host_error(e),
        }
    }

    /// The store and call as an interpreter checkpoint, and whether the
    /// method has started (`false`: it runs from its start on restore).
    /// Refused while the start function runs.
    pub(crate) fn capture(&mut self) -> Result<(Checkpoint, bool), String> {
        if self.method.is_some() {
            return Err("the module's start function has not finished".into());
        }
        let call = match &self.run {
            Run::Fuel(c) | Run::Waiting(c) => Some(c),
            Run::Start { .. } => None,
            Run::Gone => return Err("the process has no call".into()),
        };
        let started = call.is_some();
        let checkpoint = Checkpoint::capture(&mut self.store, call).map_err(|e| match e {
            // The bare reason, e.g. "externref in table 0" (HOST.md §6.1).
            wisp_interp::checkpoint::CheckpointError::Unserializable(why) => why,
            other => other.to_string(),
        })?;
        Ok((checkpoint, started))
    }

    /// The guest's WASI state, for a checkpoint.
    pub(crate) fn wasi_state(&mut self) -> Result<Vec<u8>, String> {
        self.store
            .data_mut()
            .wasi
            .save_state()
            .map_err(|e| e.to_string())
    }

    /// A process from a restored store: it goes on with `call`, or calls
    /// `func` with `args` when the checkpoint was taken before it started.
    pub(crate) fn restored(
        store: Store<ProcData>,
        call: Option<ResumableCall>,
        (func, args): (Func, Vec<Val>),
        (fuel_used, slices): (u64, u64),
        spec: &SpawnSpec,
    ) -> Process {
        let run = match call {
            Some(c) if matches!(c.reason(), SuspendReason::Host { .. }) => Run::Waiting(c),
            Some(c) => Run::Fuel(c),
            None => Run::Start { func, args },
        };
        Process {
            store,
            run,
            method: None,
            fuel_used,
            slices,
            max_fuel: spec.limits.max_fuel,
            need: 0,
            memory_pages: spec.limits.max_memory_pages,
        }
    }

    fn fuel_exhausted(&self, limit: u64) -> SliceEnd {
        SliceEnd::Exit(
            ExitReason::FuelExhausted {
                used: self.fuel_used,
                limit,
            },
            None,
        )
    }

    fn trap_exit(&mut self, trap: wisp_interp::Trap) -> SliceEnd {
        if let Some(code) = self.store.data().wasi.exit_code() {
            return SliceEnd::Exit(ExitReason::Exit { code: code as i32 }, None);
        }
        if trap.kind == TrapKind::Code(wisp_core::TrapCode::MemoryLimit) {
            return SliceEnd::Exit(
                ExitReason::MemoryLimit {
                    requested_pages: self.store.memory_limit_refusal().unwrap_or(0),
                    limit: self.memory_pages.unwrap_or(0),
                },
                None,
            );
        }
        let code = match &trap.kind {
            TrapKind::Code(wisp_core::TrapCode::StackOverflow) => "StackExhausted".to_string(),
            TrapKind::Code(c) => format!("{c:?}"),
            TrapKind::Host(_) => "HostTrap".to_string(),
        };
        let message = match &trap.kind {
            TrapKind::Code(c) => c.to_string(),
            TrapKind::Host(m) => m.clone(),
        };
        let top = trap.backtrace.first();
        SliceEnd::Exit(
            ExitReason::Trap(TrapInfo {
                code,
                message,
                func: top.map(|f| f.func_index),
                func_name: top.and_then(|f| f.func_name.clone()),
                offset: top.and_then(|f| f.code_offset),
                backtrace: trap
                    .backtrace
                    .iter()
                    .map(|f| (f.func_index, f.func_name.clone()))
                    .collect(),
            }),
            None,
        )
    }
}

/// The guest's argv and the method's arguments: a `_start`-style method
/// (no parameters) gets string arguments as argv\[1..\].
pub(crate) fn prepare(
    module: &Module,
    spec: &SpawnSpec,
) -> Result<(Vec<String>, Vec<Val>), SpawnError> {
    let Some(ty) = module.export_func_type(&spec.method) else {
        let exports: Vec<String> = module.exports().map(|e| e.name).collect();
        return Err(SpawnError::Entrypoint(format!(
            "export \"{}\" not found (exports: {})",
            spec.method,
            exports.join(", ")
        )));
    };
    let mut argv = spec.wasi.args.clone();
    let args = if ty.params().is_empty() {
        argv.extend(spec.args.iter().map(|a| a.to_string()));
        Vec::new()
    } else {
        value::to_params(&spec.args, ty.params()).map_err(SpawnError::Args)?
    };
    Ok((argv, args))
}

/// A store for a process of `spec`: its WASI context, host links, limits.
pub(crate) fn new_store(
    host: &InitHost<'_>,
    spec: &SpawnSpec,
    argv: Vec<String>,
    log: &Arc<LogBuffer>,
    pid: Pid,
) -> Result<Store<ProcData>, SpawnError> {
    let wasi = wasi_ctx(spec, argv, log, host.determinism, pid.0)?;
    let clock = match host.determinism {
        Determinism::Real => HostClock::Real(Instant::now()),
        Determinism::Deterministic { clock, .. } => HostClock::Virtual(clock.clone()),
    };
    let data = ProcData {
        wasi,
        pid,
        shared: host.shared.clone(),
        clock,
        receiving: None,
        monitors: HashMap::new(),
    };
    let mut store = Store::new(host.engine, data);
    store.set_limits(store_limits(&spec.limits));
    Ok(store)
}

/// Instantiates the linked modules in order, each registered under its
/// import module name for the ones after it and the main module. Their
/// start functions run here, under the process's fuel (returned as used);
/// a trap there fails the spawn.
fn link(
    store: &mut Store<ProcData>,
    linker: &mut Linker<ProcData>,
    modules: &[Module],
    spec: &SpawnSpec,
) -> Result<u64, SpawnError> {
    if modules.is_empty() {
        return Ok(0);
    }
    let budget = spec.limits.max_fuel.unwrap_or(UNLIMITED);
    store.set_fuel(budget).map_err(internal)?;
    for (m, l) in modules.iter().zip(&spec.links) {
        let instance = linker
            .instantiate(store, m)
            .map_err(|e| SpawnError::Instantiate(format!("linked module `{}`: {e}", l.name)))?;
        linker
            .instance(store, &l.name, instance)
            .map_err(|e| SpawnError::Instantiate(format!("linked module `{}`: {e}", l.name)))?;
    }
    Ok(budget.saturating_sub(store.get_fuel().map_err(internal)?))
}

/// The linker of a process of `spec`: WASI (its granted functions work),
/// `wisp:process`, the embedder's imports.
pub(crate) fn new_linker(
    host: &InitHost<'_>,
    spec: &SpawnSpec,
) -> Result<Linker<ProcData>, SpawnError> {
    let mut linker = Linker::new(host.engine);
    let granted = |name: &str| {
        spec.wasi
            .granted
            .as_ref()
            .is_none_or(|g| g.iter().any(|n| n == name))
    };
    wisp_wasi::add_to_linker_granting(&mut linker, |d: &mut ProcData| &mut d.wasi, &granted)
        .map_err(internal)?;
    crate::guest::add_to_linker(&mut linker).map_err(internal)?;
    crate::imports::define(&mut linker, host.imports).map_err(internal)?;
    Ok(linker)
}

fn host_error(e: impl std::fmt::Display) -> SliceEnd {
    SliceEnd::Exit(
        ExitReason::HostError {
            message: e.to_string(),
        },
        None,
    )
}

fn internal(e: impl std::fmt::Display) -> SpawnError {
    SpawnError::Internal(e.to_string())
}

pub(crate) fn store_limits(limits: &Limits) -> StoreLimits {
    let mut l = StoreLimits::default();
    if let Some(p) = limits.max_memory_pages {
        l = l.memory_pages(p);
    }
    if let Some(t) = limits.max_table_elements {
        l = l.table_elements(t);
    }
    l.trap_on_memory_limit(limits.on_memory_limit == crate::limits::OnMemoryLimit::Trap)
}

fn instantiate_error(e: Error, limits: &Limits) -> SpawnError {
    match e {
        Error::Link(l) => SpawnError::UnknownImport(l.to_string()),
        Error::ResourceLimit(l) if l.resource == wisp_interp::Resource::MemoryPages => {
            SpawnError::MemoryLimit(format!(
                "module declares {} initial pages, limit is {}",
                l.requested,
                limits.max_memory_pages.unwrap_or(l.limit)
            ))
        }
        Error::ResourceLimit(l) => SpawnError::MemoryLimit(l.to_string()),
        Error::Trap(t) => SpawnError::Instantiate(format!("the start function trapped: {t}")),
        e => SpawnError::Instantiate(e.to_string()),
    }
}

fn wasi_ctx(
    spec: &SpawnSpec,
    argv: Vec<String>,
    log: &Arc<LogBuffer>,
    determinism: &Determinism,
    pid: u64,
) -> Result<WasiCtx, SpawnError> {
    let mut b = WasiCtx::builder()
        .blocking(Blocking::Suspend)
        .args(argv)
        .stdout(OutputSink::Stream(log.sink(Stream::Stdout)))
        .stderr(OutputSink::Stream(log.sink(Stream::Stderr)))
        .stdin(match &spec.wasi.stdin {
            StdinSpec::None => StdinSource::Empty,
            StdinSpec::Bytes(b) => StdinSource::Bytes(b.clone()),
            StdinSpec::Pipe(r) => StdinSource::Pipe(r.clone()),
        });
    for (k, v) in &spec.wasi.env {
        b = b.env(k.clone(), v.clone());
    }
    if let Some(n) = spec.limits.max_open_files {
        b = b.max_open_files(n);
    }
    b = match determinism {
        Determinism::Real => b.clock(ClockSource::Real).random(RandomSource::Os),
        Determinism::Deterministic { clock, seed } => b
            .clock(ClockSource::Virtual {
                clock: clock.clone(),
                realtime_start_ns: 1_700_000_000_000_000_000,
            })
            .random(RandomSource::Seeded(seed ^ pid)),
    };
    for m in &spec.wasi.mounts {
        let r = if m.read_only {
            b.preopen_host_dir_readonly(&m.host, &m.guest)
        } else {
            b.preopen_host_dir(&m.host, &m.guest)
        };
        b = r.map_err(|e| {
            SpawnError::Filesystem(format!(
                "cannot mount {} at {}: {e}",
                m.host.display(),
                m.guest
            ))
        })?;
    }
    b.build().map_err(|e| SpawnError::Wasi(e.to_string()))
}
