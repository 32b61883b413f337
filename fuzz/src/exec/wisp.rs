//! wisp as an [`Oracle`], in four fuel modes: unmetered (code compiled
//! without fuel checks), metered with a budget (one uninterrupted run per
//! call), sliced (every call starts with no fuel and is resumed with a
//! small slice each time it runs out, so it suspends at many points), and
//! migrated (sliced, and at some suspensions the store and the call are
//! checkpointed to bytes and restored into a fresh store that continues).

use wisp_interp::checkpoint::{Checkpoint, Image};
use wisp_interp::{
    CallOutcome, Config, Engine, Error, Extern, Func, Instance, Linker, Module, ResumableCall,
    Store, SuspendReason, Val,
};

use super::Oracle;
use super::plan::Plan;
use super::value::{CallRecord, Execution, MemoryDigest, Outcome, Value};

/// How wisp meters fuel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WispMode {
    /// `Config::consume_fuel(false)`: no fuel checks in the compiled code.
    Unmetered,
    /// Every call (and the instantiation) gets `budget` fuel and runs
    /// through [`Func::call`]; the fuel consumed is recorded.
    Metered { budget: u64 },
    /// Every call starts with no fuel through [`Func::call_resumable`] and is
    /// given `slice` more each time it suspends for fuel, until it completes,
    /// traps, or has been given more than `budget` in total. The
    /// instantiation gets `budget` in one go (a start function cannot be
    /// resumed).
    Sliced { slice: u64, budget: u64 },
    /// As `Sliced`, and at every `every`-th suspension (at most
    /// `MAX_MIGRATIONS_PER_CALL` times per call) the store and the call go
    /// through `Checkpoint::capture` → bytes → `Image::restore` into a new
    /// store, which continues the run.
    Migrated { slice: u64, budget: u64, every: u32 },
}

/// The wisp interpreter in one [`WispMode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wisp {
    pub mode: WispMode,
}

impl Wisp {
    pub fn new(mode: WispMode) -> Wisp {
        Wisp { mode }
    }
}

impl Oracle for Wisp {
    fn name(&self) -> String {
        match self.mode {
            WispMode::Unmetered => "wisp (unmetered)".into(),
            WispMode::Metered { budget } => format!("wisp (metered, {budget} fuel)"),
            WispMode::Sliced { slice, .. } => format!("wisp (fuel slices of {slice})"),
            WispMode::Migrated { slice, every, .. } => format!(
                "wisp (fuel slices of {slice}, checkpointed and restored every {every} slices)"
            ),
        }
    }

    fn execute(&self, wasm: &[u8], plan: &Plan) -> Execution {
        let mut config = Config::default();
        config.consume_fuel(self.mode != WispMode::Unmetered);
        let engine = Engine::new(&config);
        let module = match Module::new(&engine, wasm) {
            Ok(m) => m,
            Err(e) => return Execution::failed(outcome_of(e)),
        };
        let mut store = Store::new(&engine, ());
        if let WispMode::Metered { budget }
        | WispMode::Sliced { budget, .. }
        | WispMode::Migrated { budget, .. } = self.mode
            && let Err(e) = store.set_fuel(budget)
        {
            return Execution::failed(outcome_of(e));
        }
        let instance = match Instance::new(&mut store, &module, &[]) {
            Ok(i) => i,
            Err(e) => return Execution::failed(outcome_of(e)),
        };
        let mut calls = Vec::with_capacity(plan.calls.len());
        for call in &plan.calls {
            if let Some((name, value)) = &plan.refuel {
                let refuelled = match instance.get_global(&store, name) {
                    Some(g) => g.set(&mut store, to_wisp(value)).map_err(|e| e.to_string()),
                    None => Err(format!("no exported global `{name}`")),
                };
                if let Err(e) = refuelled {
                    calls.push(CallRecord {
                        outcome: Outcome::Failed(e),
                        fuel: None,
                    });
                    continue;
                }
            }
            let record = match instance.get_func(&store, &call.export) {
                Some(func) => {
                    let args: Vec<Val> = call.args.iter().map(to_wisp).collect();
                    self.call(&mut store, &module, func, &args)
                }
                None => CallRecord {
                    outcome: Outcome::Failed(format!("no exported function `{}`", call.export)),
                    fuel: None,
                },
            };
            calls.push(record);
        }
        let mut execution = Execution {
            inconclusive: None,
            instantiation: Ok(()),
            calls,
            globals: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
        };
        record_exports(&mut store, instance, &mut execution);
        execution
    }
}

impl Wisp {
    /// Makes one call in this oracle's mode.
    fn call(&self, store: &mut Store<()>, module: &Module, func: Func, args: &[Val]) -> CallRecord {
        let n_results = func.ty(store).results().len();
        match self.mode {
            WispMode::Unmetered => {
                let mut results = vec![Val::I32(0); n_results];
                let outcome = match func.call(store, args, &mut results) {
                    Ok(()) => {
                        Outcome::Returned(results.iter().map(|v| from_wisp(store, v)).collect())
                    }
                    Err(e) => outcome_of(e),
                };
                CallRecord {
                    outcome,
                    fuel: None,
                }
            }
            WispMode::Metered { budget } => {
                if let Err(e) = store.set_fuel(budget) {
                    return CallRecord {
                        outcome: outcome_of(e),
                        fuel: None,
                    };
                }
                let mut results = vec![Val::I32(0); n_results];
                let outcome = match func.call(store, args, &mut results) {
                    Ok(()) => {
                        Outcome::Returned(results.iter().map(|v| from_wisp(store, v)).collect())
                    }
                    Err(e) => outcome_of(e),
                };
                let left = store.get_fuel().unwrap_or(0);
                CallRecord {
                    outcome,
                    fuel: Some(budget.saturating_sub(left)),
                }
            }
            WispMode::Sliced { slice, budget } => {
                sliced_call(store, func, args, (slice, budget), None)
            }
            WispMode::Migrated {
                slice,
                budget,
                every,
            } => sliced_call(store, func, args, (slice, budget), Some((module, every))),
        }
    }
}

/// Most checkpoint round trips of one call in [`WispMode::Migrated`] (each
/// hashes and copies the whole store, so they are kept few per call; which
/// suspensions they happen at still varies with `every`).
const MAX_MIGRATIONS_PER_CALL: u32 = 4;

/// A call that starts with no fuel and is resumed with `slice` more each time
/// it suspends for fuel; with `migrate`, every `every`-th suspension also
/// moves the store and the call through a checkpoint into a new store.
fn sliced_call(
    store: &mut Store<()>,
    func: Func,
    args: &[Val],
    (slice, budget): (u64, u64),
    migrate: Option<(&Module, u32)>,
) -> CallRecord {
    if let Err(e) = store.set_fuel(0) {
        return CallRecord {
            outcome: outcome_of(e),
            fuel: None,
        };
    }
    let mut given: u64 = 0;
    let mut suspensions: u32 = 0;
    let mut step = func.call_resumable(store, args);
    let outcome = loop {
        match step {
            Ok(CallOutcome::Complete(values)) => {
                break Outcome::Returned(values.iter().map(|v| from_wisp(store, v)).collect());
            }
            Ok(CallOutcome::Suspended(call)) => {
                if let SuspendReason::Host { .. } = call.reason() {
                    break Outcome::Failed(
                        "suspended by a host function, but there are none".into(),
                    );
                }
                if given >= budget {
                    break Outcome::OutOfFuel;
                }
                suspensions = suspensions.wrapping_add(1);
                let call = match migrate {
                    Some((module, every))
                        if suspensions.is_multiple_of(every.max(1))
                            && suspensions / every.max(1) <= MAX_MIGRATIONS_PER_CALL =>
                    {
                        match migrated(store, module, &call) {
                            Ok(call) => call,
                            Err(e) => break Outcome::Failed(e),
                        }
                    }
                    _ => call,
                };
                if let Err(e) = store.add_fuel(slice) {
                    break outcome_of(e);
                }
                given = given.saturating_add(slice);
                step = call.resume(store, &[]);
            }
            Err(e) => break outcome_of(e),
        }
    };
    let left = store.get_fuel().unwrap_or(0);
    CallRecord {
        outcome,
        fuel: Some(given.saturating_sub(left)),
    }
}

/// Checkpoints `store` and `call` to bytes and restores them into a new
/// store, which replaces `store`; returns the restored call.
fn migrated(
    store: &mut Store<()>,
    module: &Module,
    call: &ResumableCall,
) -> Result<ResumableCall, String> {
    let bytes = Checkpoint::capture(store, Some(call))
        .map_err(|e| format!("checkpoint refused: {e}"))?
        .to_bytes();
    let image = Image::parse(&bytes).map_err(|e| format!("checkpoint unreadable: {e}"))?;
    let engine = store.engine().clone();
    let restored = image
        .restore(
            &engine,
            std::slice::from_ref(module),
            &Linker::new(&engine),
            (),
            &[],
        )
        .map_err(|e| format!("restore failed: {e}"))?;
    *store = restored.store;
    restored
        .call
        .ok_or_else(|| "the restored checkpoint has no call".to_string())
}

/// Records the instance's exported globals, memories and tables.
fn record_exports(store: &mut Store<()>, instance: Instance, execution: &mut Execution) {
    let exports: Vec<(String, Extern)> = instance
        .exports(store)
        .map(|(name, export)| (name.to_string(), export))
        .collect();
    for (name, export) in exports {
        match export {
            Extern::Global(g) => execution
                .globals
                .push((name, from_wisp(store, &g.get(store)))),
            Extern::Memory(m) => {
                let digest = MemoryDigest::of_pages(m.size(store), |offset, page| {
                    // In bounds by construction; a failed read leaves zeros
                    // and shows up as a difference.
                    page.fill(0);
                    let _ = m.read(store, offset, page);
                });
                execution.memories.push((name, digest));
            }
            Extern::Table(t) => {
                let elements = (0..t.size(store))
                    .map(|i| {
                        t.get(store, i)
                            .map_or(Value::ExternRef(true), |v| from_wisp(store, &v))
                    })
                    .collect();
                execution.tables.push((name, elements));
            }
            Extern::Func(_) => {}
        }
    }
    execution.sort_exports();
}

/// A plan value as a wisp value (references are always null).
fn to_wisp(v: &Value) -> Val {
    match *v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(b) => Val::F32(b),
        Value::F64(b) => Val::F64(b),
        Value::FuncRef(_) => Val::FuncRef(None),
        Value::ExternRef(_) => Val::ExternRef(None),
    }
}

fn from_wisp(store: &Store<()>, v: &Val) -> Value {
    match *v {
        Val::I32(x) => Value::I32(x),
        Val::I64(x) => Value::I64(x),
        Val::F32(b) => Value::F32(b),
        Val::F64(b) => Value::F64(b),
        Val::FuncRef(f) => Value::FuncRef(f.map(|f| f.ty(store))),
        Val::ExternRef(r) => Value::ExternRef(r.is_some()),
    }
}

/// How a wisp error reads as an [`Outcome`].
fn outcome_of(e: Error) -> Outcome {
    match e {
        Error::Trap(t) => match t.code() {
            Some(code) => Outcome::Trapped(code),
            None => Outcome::Failed(t.to_string()),
        },
        Error::OutOfFuel { .. } => Outcome::OutOfFuel,
        other => Outcome::Failed(other.to_string()),
    }
}
