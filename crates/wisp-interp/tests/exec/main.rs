//! Executor and translator integration tests: small WAT modules run through
//! the public API, one file per instruction family (`control`, `calls`,
//! `memory`, `fuel`). The spec test suite (`spec-tests`) is the broad
//! conformance check; these tests target the translator's lowering choices
//! (lazy operands, result folding, fused branches, trampolines, float
//! accumulators) and the
//! executor's call, trap and suspension machinery.

mod accumulators;
mod calls;
mod control;
mod deep_loops;
mod determinism;
mod fuel;
mod memory;
mod switches;
mod zero_tests;

use wisp_interp::{Config, Engine, Error, Instance, Module, Store, TrapCode, Val};

/// Compiles and instantiates `wat` (no imports) with `config`.
pub fn instantiate_with(config: &Config, wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::new(config);
    let bytes = wat::parse_str(wat).expect("valid WAT");
    let module = Module::new(&engine, &bytes).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("module instantiates");
    (store, instance)
}

/// Compiles and instantiates `wat` (no imports) with the default config.
pub fn instantiate(wat: &str) -> (Store<()>, Instance) {
    instantiate_with(&Config::default(), wat)
}

/// Calls export `name` and returns its results.
pub fn call(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    let func = instance.get_func(store, name).expect("exported function");
    let mut results = vec![Val::I32(0); func.ty(store).results().len()];
    func.call(store, args, &mut results)?;
    Ok(results)
}

/// Calls export `name` and expects it to return `expected`.
#[track_caller]
pub fn assert_call(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
    expected: &[Val],
) {
    match call(store, instance, name, args) {
        Ok(results) => assert_eq!(results, expected, "{name}({args:?})"),
        Err(e) => panic!("{name}({args:?}) failed: {e}"),
    }
}

/// Calls export `name` and expects it to trap with `code`.
#[track_caller]
pub fn assert_trap(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
    code: TrapCode,
) {
    match call(store, instance, name, args) {
        Err(Error::Trap(trap)) => assert_eq!(trap.code(), Some(code), "{name}({args:?}): {trap}"),
        other => panic!("{name}({args:?}): expected trap {code}, got {other:?}"),
    }
}

pub fn i32(v: i32) -> Val {
    Val::I32(v)
}

pub fn i64(v: i64) -> Val {
    Val::I64(v)
}
