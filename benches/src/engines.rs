//! The engines under test behind one interface: compile and instantiate a
//! workload once ([`prepare`]), then call its `run` export as often as wanted
//! ([`Runner::call_run`]).
//!
//! Every engine call goes through [`guarded`], which turns a panic into an
//! [`EngineError`]: wisp's embedding API is still being filled in and parts of
//! it are `todo!()`, and the report must still print (with `n/a`) when that
//! happens. [`install_quiet_panic_hook`] keeps those expected panics from
//! spamming stderr.

use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// An engine configuration being measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EngineKind {
    /// wisp with the default config (no fuel metering).
    Wisp,
    /// wisp with fuel metering on and a practically unlimited budget.
    WispFuel,
    /// wasmi 2.0 with its default config.
    Wasmi,
}

impl EngineKind {
    /// Every configuration, in report column order.
    pub const ALL: [EngineKind; 3] = [EngineKind::Wisp, EngineKind::WispFuel, EngineKind::Wasmi];

    /// The column label.
    pub fn label(self) -> &'static str {
        match self {
            EngineKind::Wisp => "wisp",
            EngineKind::WispFuel => "wisp (fuel)",
            EngineKind::Wasmi => "wasmi",
        }
    }

    /// Parses a command-line name: `wisp`, `wisp-fuel` (or `fuel`), `wasmi`.
    pub fn parse(name: &str) -> Option<EngineKind> {
        match name {
            "wisp" => Some(EngineKind::Wisp),
            "wisp-fuel" | "fuel" => Some(EngineKind::WispFuel),
            "wasmi" => Some(EngineKind::Wasmi),
            _ => None,
        }
    }
}

/// Which step of using an engine failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    Compile,
    Instantiate,
    /// Finding the `run` export with type `() -> i64`.
    Lookup,
    Call,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Compile => "compile",
            Stage::Instantiate => "instantiate",
            Stage::Lookup => "lookup of `run`",
            Stage::Call => "call",
        })
    }
}

/// How an engine failed on a workload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
pub enum EngineError {
    /// The engine returned an error.
    #[error("{stage} failed: {message}")]
    Failed { stage: Stage, message: String },
    /// The engine panicked.
    #[error("{stage} panicked: {message}")]
    Panicked { stage: Stage, message: String },
}

impl EngineError {
    fn failed(stage: Stage, err: impl fmt::Display) -> Self {
        EngineError::Failed {
            stage,
            message: err.to_string(),
        }
    }
}

/// An instantiated workload, ready to have `run` called.
pub trait Runner {
    /// Calls `run` once and returns its checksum (the i64 bits as u64).
    fn call_run(&mut self) -> Result<u64, EngineError>;
}

thread_local! {
    /// Set while [`guarded`] runs code whose panics are expected and reported.
    /// Per thread, because the panic hook runs on the panicking thread.
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// Installs a panic hook that stays silent inside [`guarded`] and defers to
/// the previous hook everywhere else. Call once, at startup.
pub fn install_quiet_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !QUIET_PANICS.get() {
            previous(info);
        }
    }));
}

/// Runs `f`, turning a panic into [`EngineError::Panicked`] at `stage`.
pub fn guarded<T>(
    stage: Stage,
    f: impl FnOnce() -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    let was_quiet = QUIET_PANICS.replace(true);
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET_PANICS.set(was_quiet);
    match outcome {
        Ok(result) => result,
        Err(payload) => {
            let message = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_owned()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                String::from("(non-string panic payload)")
            };
            Err(EngineError::Panicked { stage, message })
        }
    }
}

/// Compiles and instantiates `wasm` on `kind`, returning the runner and the
/// time compilation plus instantiation took.
pub fn prepare(kind: EngineKind, wasm: &[u8]) -> Result<(Box<dyn Runner>, Duration), EngineError> {
    let start = Instant::now();
    let runner: Box<dyn Runner> = match kind {
        EngineKind::Wisp => Box::new(WispRunner::new(wasm, false)?),
        EngineKind::WispFuel => Box::new(WispRunner::new(wasm, true)?),
        EngineKind::Wasmi => Box::new(WasmiRunner::new(wasm)?),
    };
    Ok((runner, start.elapsed()))
}

/// A workload instantiated in wisp.
struct WispRunner {
    store: wisp_interp::Store<()>,
    run: wisp_interp::Func,
    fuel: bool,
}

impl WispRunner {
    fn new(wasm: &[u8], fuel: bool) -> Result<Self, EngineError> {
        let mut config = wisp_interp::Config::default();
        config.consume_fuel(fuel);
        let engine = wisp_interp::Engine::new(&config);
        let module = guarded(Stage::Compile, || {
            wisp_interp::Module::new(&engine, wasm)
                .map_err(|e| EngineError::failed(Stage::Compile, e))
        })?;
        let (store, instance) = guarded(Stage::Instantiate, || {
            let mut store = wisp_interp::Store::new(&engine, ());
            if fuel {
                store
                    .set_fuel(u64::MAX)
                    .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
            }
            let linker = wisp_interp::Linker::<()>::new(&engine);
            let instance = linker
                .instantiate(&mut store, &module)
                .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
            Ok((store, instance))
        })?;
        let run = guarded(Stage::Lookup, || {
            let func = instance
                .get_func(&store, "run")
                .ok_or_else(|| EngineError::failed(Stage::Lookup, "no function export `run`"))?;
            let ty = func.ty(&store);
            if !ty.params().is_empty() || ty.results() != [wisp_interp::ValType::I64] {
                return Err(EngineError::failed(
                    Stage::Lookup,
                    "`run` is not `() -> i64`",
                ));
            }
            Ok(func)
        })?;
        Ok(Self { store, run, fuel })
    }
}

impl Runner for WispRunner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        guarded(Stage::Call, || {
            if self.fuel {
                // Refill, so that any number of runs fits the budget.
                self.store
                    .set_fuel(u64::MAX)
                    .map_err(|e| EngineError::failed(Stage::Call, e))?;
            }
            let mut results = [wisp_interp::Val::I64(0)];
            self.run
                .call(&mut self.store, &[], &mut results)
                .map_err(|e| EngineError::failed(Stage::Call, e))?;
            match results[0] {
                wisp_interp::Val::I64(v) => Ok(v as u64),
                other => Err(EngineError::failed(
                    Stage::Call,
                    format!("`run` returned {other:?}"),
                )),
            }
        })
    }
}

/// A workload instantiated in wasmi.
struct WasmiRunner {
    store: wasmi::Store<()>,
    run: wasmi::TypedFunc<(), i64>,
}

impl WasmiRunner {
    fn new(wasm: &[u8]) -> Result<Self, EngineError> {
        let engine = wasmi::Engine::default();
        let module = guarded(Stage::Compile, || {
            wasmi::Module::new(&engine, wasm).map_err(|e| EngineError::failed(Stage::Compile, e))
        })?;
        let mut store = wasmi::Store::new(&engine, ());
        let instance = guarded(Stage::Instantiate, || {
            wasmi::Linker::<()>::new(&engine)
                .instantiate_and_start(&mut store, &module)
                .map_err(|e| EngineError::failed(Stage::Instantiate, e))
        })?;
        let run = guarded(Stage::Lookup, || {
            instance
                .get_typed_func::<(), i64>(&store, "run")
                .map_err(|e| EngineError::failed(Stage::Lookup, e))
        })?;
        Ok(Self { store, run })
    }
}

impl Runner for WasmiRunner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        guarded(Stage::Call, || {
            self.run
                .call(&mut self.store, ())
                .map(|v| v as u64)
                .map_err(|e| EngineError::failed(Stage::Call, e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guarded_converts_panics_and_passes_results() {
        install_quiet_panic_hook();
        let ok: Result<u32, EngineError> = guarded(Stage::Call, || Ok(7));
        assert_eq!(ok, Ok(7));
        let err: Result<u32, EngineError> = guarded(Stage::Compile, || panic!("boom {}", 1));
        assert_eq!(
            err,
            Err(EngineError::Panicked {
                stage: Stage::Compile,
                message: String::from("boom 1"),
            })
        );
        let err: Result<u32, EngineError> = guarded(Stage::Lookup, || todo!());
        assert!(matches!(
            err,
            Err(EngineError::Panicked {
                stage: Stage::Lookup,
                ..
            })
        ));
    }

    #[test]
    fn engine_names_round_trip() {
        for kind in EngineKind::ALL {
            let name = match kind {
                EngineKind::Wisp => "wisp",
                EngineKind::WispFuel => "wisp-fuel",
                EngineKind::Wasmi => "wasmi",
            };
            assert_eq!(EngineKind::parse(name), Some(kind));
        }
        assert_eq!(EngineKind::parse("v8"), None);
    }

    #[test]
    fn wasmi_runs_a_tiny_module() {
        // (module (func (export "run") (result i64) i64.const 42))
        let wasm = [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7e, // type () -> i64
            0x03, 0x02, 0x01, 0x00, // func 0: type 0
            0x07, 0x07, 0x01, 0x03, b'r', b'u', b'n', 0x00, 0x00, // export "run"
            0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x2a, 0x0b, // body
        ];
        let (mut runner, _) = prepare(EngineKind::Wasmi, &wasm).unwrap();
        assert_eq!(runner.call_run(), Ok(42));
        assert_eq!(runner.call_run(), Ok(42));
    }
}
