//! Store-level integration tests: resource limits (`limits`), and the
//! state a store can save and restore.

mod checkpoint;
mod limits;
mod snapshot;

use wisp_interp::{Config, Engine, Error, Instance, Module, Store, StoreLimits, Val};

/// Compiles `wat` with the default config.
pub fn module(engine: &Engine, wat: &str) -> Module {
    let bytes = wat::parse_str(wat).expect("valid WAT");
    Module::new(engine, &bytes).expect("module compiles")
}

/// A store with `limits` and a default engine.
pub fn store_with(limits: StoreLimits) -> (Engine, Store<()>) {
    let engine = Engine::new(&Config::default());
    let mut store = Store::new(&engine, ());
    store.set_limits(limits);
    (engine, store)
}

/// Calls export `name` of `instance` and returns its results.
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
