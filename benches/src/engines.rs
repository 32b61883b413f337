//! The engines under test behind one interface: compile a workload once
//! ([`compile`], giving a [`Compiled`]), instantiate it as often as wanted
//! ([`Compiled::instantiate`], giving a [`Runner`]), and call its `run`
//! export ([`Runner::call_run`]). [`compile_only`] times the compile step of
//! each engine's compilation modes ([`CompileKind`]), which include modes no
//! runner uses (wisp's validation alone, wasmi's eager translation).
//!
//! One small module per engine holds its glue: [`wisp`](self::wisp),
//! `wasmi`, `wasm3`, `stitch`, `tinywasm`, `wasmtime`.
//!
//! Every engine call goes through [`guarded`], which turns a panic into an
//! [`EngineError`], so the report still prints (with `n/a: <reason>`) when an
//! engine panics on a workload. [`install_quiet_panic_hook`] keeps those
//! expected panics from spamming stderr.

mod stitch;
mod tinywasm;
mod wasm3;
mod wasmi;
mod wasmtime;
mod wisp;

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
    /// wasmi with its default config.
    Wasmi,
    /// wasmi with `consume_fuel(true)` and a practically unlimited budget.
    WasmiFuel,
    /// wasm3 (C) through the `wasm3` crate.
    Wasm3,
    /// makepad-stitch.
    Stitch,
    /// tinywasm with its default config.
    Tinywasm,
    /// wasmtime with Cranelift and its default config: the compiled-code
    /// reference.
    Wasmtime,
}

impl EngineKind {
    /// Every configuration, in report column order.
    pub const ALL: [EngineKind; 8] = [
        EngineKind::Wisp,
        EngineKind::WispFuel,
        EngineKind::Wasmi,
        EngineKind::WasmiFuel,
        EngineKind::Wasm3,
        EngineKind::Stitch,
        EngineKind::Tinywasm,
        EngineKind::Wasmtime,
    ];

    /// The column label.
    pub fn label(self) -> &'static str {
        match self {
            EngineKind::Wisp => "wisp",
            EngineKind::WispFuel => "wisp (fuel)",
            EngineKind::Wasmi => "wasmi",
            EngineKind::WasmiFuel => "wasmi (fuel)",
            EngineKind::Wasm3 => "wasm3",
            EngineKind::Stitch => "stitch",
            EngineKind::Tinywasm => "tinywasm",
            EngineKind::Wasmtime => "wasmtime",
        }
    }

    /// The command-line name (`--engines`).
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Wisp => "wisp",
            EngineKind::WispFuel => "wisp-fuel",
            EngineKind::Wasmi => "wasmi",
            EngineKind::WasmiFuel => "wasmi-fuel",
            EngineKind::Wasm3 => "wasm3",
            EngineKind::Stitch => "stitch",
            EngineKind::Tinywasm => "tinywasm",
            EngineKind::Wasmtime => "wasmtime",
        }
    }

    /// Parses a command-line name: [`EngineKind::name`], or `fuel` for
    /// `wisp-fuel`.
    pub fn parse(name: &str) -> Option<EngineKind> {
        if name == "fuel" {
            return Some(EngineKind::WispFuel);
        }
        EngineKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether this is an interpreter (every engine but wasmtime).
    pub fn is_interpreter(self) -> bool {
        self != EngineKind::Wasmtime
    }
}

/// A way of compiling a module, for the compile-time figures: every
/// [`EngineKind`]'s own compile step plus the modes that only matter there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CompileKind {
    /// wisp `Module::new`: decode, validate and translate every body.
    Wisp,
    /// The same with fuel metering compiled in.
    WispFuel,
    /// wisp `Module::validate`: decode and validate every body, no translation.
    WispValidate,
    /// wasmi `CompilationMode::Eager`: validate and translate every body.
    WasmiEager,
    /// wasmi's default `CompilationMode::LazyTranslation`: validate every
    /// body now, translate each on its first call.
    WasmiLazyTranslation,
    /// wasmi `CompilationMode::Lazy`: validate and translate each body on its
    /// first call.
    WasmiLazy,
    /// wasm3 `ParsedModule::parse`: decode sections only; wasm3 neither
    /// validates nor compiles a body before its first call.
    Wasm3Parse,
    /// stitch `Module::new`: decode and validate every body; compile each on
    /// its first call.
    Stitch,
    /// tinywasm `parse_bytes`: decode, validate and translate every body.
    Tinywasm,
    /// wasmtime `Module::new`: validate and compile every body with Cranelift.
    Wasmtime,
}

impl CompileKind {
    /// Every mode, in report column order.
    pub const ALL: [CompileKind; 10] = [
        CompileKind::Wisp,
        CompileKind::WispFuel,
        CompileKind::WispValidate,
        CompileKind::WasmiEager,
        CompileKind::WasmiLazyTranslation,
        CompileKind::WasmiLazy,
        CompileKind::Wasm3Parse,
        CompileKind::Stitch,
        CompileKind::Tinywasm,
        CompileKind::Wasmtime,
    ];

    /// The column label.
    pub fn label(self) -> &'static str {
        match self {
            CompileKind::Wisp => "wisp",
            CompileKind::WispFuel => "wisp (fuel)",
            CompileKind::WispValidate => "wisp validate",
            CompileKind::WasmiEager => "wasmi eager",
            CompileKind::WasmiLazyTranslation => "wasmi lazy-transl.",
            CompileKind::WasmiLazy => "wasmi lazy",
            CompileKind::Wasm3Parse => "wasm3 parse",
            CompileKind::Stitch => "stitch",
            CompileKind::Tinywasm => "tinywasm",
            CompileKind::Wasmtime => "wasmtime",
        }
    }

    /// What the mode does before the module can be instantiated.
    pub fn does(self) -> &'static str {
        match self {
            CompileKind::Wisp => "decode + validate + translate all bodies (`Module::new`)",
            CompileKind::WispFuel => "the same, with fuel metering compiled in",
            CompileKind::WispValidate => "decode + validate all bodies (`Module::validate`)",
            CompileKind::WasmiEager => "validate + translate all bodies (`CompilationMode::Eager`)",
            CompileKind::WasmiLazyTranslation => {
                "validate all bodies; translate each on first call (default `LazyTranslation`)"
            }
            CompileKind::WasmiLazy => {
                "decode only; validate + translate each body on first call (`Lazy`)"
            }
            CompileKind::Wasm3Parse => {
                "decode sections (`ParsedModule::parse`); no validation; compile each body on first call"
            }
            CompileKind::Stitch => {
                "decode + validate all bodies (`Module::new`); compile each on first call"
            }
            CompileKind::Tinywasm => "decode + validate + translate all bodies (`parse_bytes`)",
            CompileKind::Wasmtime => "validate + Cranelift-compile all bodies (`Module::new`)",
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
    pub(crate) fn failed(stage: Stage, err: impl fmt::Display) -> Self {
        EngineError::Failed {
            stage,
            message: err.to_string(),
        }
    }

    /// A short reason for a table cell: the stage and the first line of the
    /// message, at most 60 characters, with `|` escaped.
    pub fn short(&self) -> String {
        let (EngineError::Failed { stage, message } | EngineError::Panicked { stage, message }) =
            self;
        let verb = match self {
            EngineError::Failed { .. } => "",
            EngineError::Panicked { .. } => " panic",
        };
        let first = message.lines().next().unwrap_or("");
        let mut text: String = first.chars().take(60).collect();
        if first.chars().count() > 60 {
            text.push('…');
        }
        format!("{stage}{verb}: {}", text.replace('|', "\\|"))
    }
}

/// An instantiated workload, ready to have `run` called.
pub trait Runner {
    /// Calls `run` once and returns its checksum (the i64 bits as u64).
    fn call_run(&mut self) -> Result<u64, EngineError>;
}

/// A compiled workload, ready to be instantiated (each instance in a store
/// of its own).
pub trait Compiled {
    /// Creates a store, instantiates the module in it and looks up `run`.
    fn instantiate(&self) -> Result<Box<dyn Runner>, EngineError>;
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

/// Compiles `wasm` on `kind` (the module the runners use).
pub fn compile(kind: EngineKind, wasm: &[u8]) -> Result<Box<dyn Compiled>, EngineError> {
    guarded(Stage::Compile, || match kind {
        EngineKind::Wisp => wisp::compile(wasm, false),
        EngineKind::WispFuel => wisp::compile(wasm, true),
        EngineKind::Wasmi => wasmi::compile(wasm, false),
        EngineKind::WasmiFuel => wasmi::compile(wasm, true),
        EngineKind::Wasm3 => wasm3::compile(wasm),
        EngineKind::Stitch => stitch::compile(wasm),
        EngineKind::Tinywasm => tinywasm::compile(wasm),
        EngineKind::Wasmtime => wasmtime::compile(wasm),
    })
}

/// Instantiates `compiled`, with panics contained.
pub fn instantiate(compiled: &dyn Compiled) -> Result<Box<dyn Runner>, EngineError> {
    guarded(Stage::Instantiate, || compiled.instantiate())
}

/// Calls `run` on `runner`, with panics contained.
pub fn call_run(runner: &mut dyn Runner) -> Result<u64, EngineError> {
    guarded(Stage::Call, || runner.call_run())
}

/// Compiles and instantiates `wasm` on `kind`, returning the runner and the
/// time compilation plus instantiation took.
pub fn prepare(kind: EngineKind, wasm: &[u8]) -> Result<(Box<dyn Runner>, Duration), EngineError> {
    let start = Instant::now();
    let compiled = compile(kind, wasm)?;
    let runner = instantiate(&*compiled)?;
    Ok((runner, start.elapsed()))
}

/// Compiles modules in one [`CompileKind`]'s mode, on an engine made once
/// beforehand (so engine creation is not in the compile time). What it
/// returns is only kept alive until the clock stops.
pub type Compiler = Box<dyn Fn(&[u8]) -> Result<Box<dyn std::any::Any>, EngineError>>;

/// The compiler of `kind`.
pub fn compiler(kind: CompileKind) -> Result<Compiler, EngineError> {
    guarded(Stage::Compile, || {
        Ok(match kind {
            CompileKind::Wisp => wisp::compiler(false),
            CompileKind::WispFuel => wisp::compiler(true),
            CompileKind::WispValidate => wisp::validator(),
            CompileKind::WasmiEager => wasmi::compiler(wasmi::Mode::Eager),
            CompileKind::WasmiLazyTranslation => wasmi::compiler(wasmi::Mode::LazyTranslation),
            CompileKind::WasmiLazy => wasmi::compiler(wasmi::Mode::Lazy),
            CompileKind::Wasm3Parse => wasm3::compiler()?,
            CompileKind::Stitch => stitch::compiler(),
            CompileKind::Tinywasm => tinywasm::compiler(),
            CompileKind::Wasmtime => wasmtime::compiler(),
        })
    })
}

/// Compiles `wasm` once with `compiler` and returns how long that took (the
/// result is dropped after the clock stops).
pub fn time_compile(compiler: &Compiler, wasm: &[u8]) -> Result<Duration, EngineError> {
    guarded(Stage::Compile, || {
        let start = Instant::now();
        let kept = compiler(wasm)?;
        let elapsed = start.elapsed();
        drop(kept);
        Ok(elapsed)
    })
}

/// Compiles `wasm` once in `kind`'s mode on a fresh engine and returns how
/// long the compile (not the engine) took.
pub fn compile_only(kind: CompileKind, wasm: &[u8]) -> Result<Duration, EngineError> {
    time_compile(&compiler(kind)?, wasm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(module (func (export "run") (result i64) i64.const 42))`
    pub(crate) const TINY: [u8; 36] = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7e, // type () -> i64
        0x03, 0x02, 0x01, 0x00, // func 0: type 0
        0x07, 0x07, 0x01, 0x03, b'r', b'u', b'n', 0x00, 0x00, // export "run"
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x2a, 0x0b, // body
    ];

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
    fn short_reasons_are_one_escaped_line() {
        let e = EngineError::failed(Stage::Call, "a|b\nsecond line");
        assert_eq!(e.short(), "call: a\\|b");
        let long = EngineError::Panicked {
            stage: Stage::Compile,
            message: "x".repeat(100),
        };
        assert_eq!(long.short(), format!("compile panic: {}…", "x".repeat(60)));
    }

    #[test]
    fn engine_names_round_trip() {
        for kind in EngineKind::ALL {
            assert_eq!(EngineKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(EngineKind::parse("fuel"), Some(EngineKind::WispFuel));
        assert_eq!(EngineKind::parse("v8"), None);
        let mut sorted = EngineKind::ALL;
        sorted.sort();
        assert_eq!(sorted, EngineKind::ALL, "ALL is in declaration order");
    }

    #[test]
    fn every_engine_runs_a_tiny_module() {
        install_quiet_panic_hook();
        for kind in EngineKind::ALL {
            let compiled = compile(kind, &TINY).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            for _ in 0..2 {
                let mut runner =
                    instantiate(&*compiled).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
                assert_eq!(call_run(&mut *runner), Ok(42), "{kind:?}");
                assert_eq!(call_run(&mut *runner), Ok(42), "{kind:?}");
            }
        }
    }

    #[test]
    fn every_compile_mode_compiles_and_rejects() {
        install_quiet_panic_hook();
        for kind in CompileKind::ALL {
            assert!(compile_only(kind, &TINY).is_ok(), "{kind:?}");
            assert!(
                compile_only(kind, b"\0asm\x02\0\0\0").is_err(),
                "{kind:?} accepted a bad version"
            );
        }
    }

    #[test]
    fn a_bad_module_fails_to_compile_everywhere() {
        install_quiet_panic_hook();
        for kind in EngineKind::ALL {
            assert!(compile(kind, b"not wasm").is_err(), "{kind:?}");
        }
    }
}
