//! wasmtime's glue: Cranelift with the default `Config`, one `Store` per
//! instance, a typed `run`. The compiled-code reference.

use super::{Compiled, Compiler, EngineError, Runner, Stage};

/// `Module::new` on one engine: validate and compile every body with
/// Cranelift.
pub(super) fn compiler() -> Compiler {
    let engine = wasmtime::Engine::default();
    Box::new(move |wasm| {
        let module = wasmtime::Module::new(&engine, wasm)
            .map_err(|e| EngineError::failed(Stage::Compile, e))?;
        Ok(Box::new(module))
    })
}

struct WasmtimeCompiled {
    engine: wasmtime::Engine,
    module: wasmtime::Module,
}

pub(super) fn compile(wasm: &[u8]) -> Result<Box<dyn Compiled>, EngineError> {
    let engine = wasmtime::Engine::default();
    let module =
        wasmtime::Module::new(&engine, wasm).map_err(|e| EngineError::failed(Stage::Compile, e))?;
    Ok(Box::new(WasmtimeCompiled { engine, module }))
}

impl Compiled for WasmtimeCompiled {
    fn instantiate(&self) -> Result<Box<dyn Runner>, EngineError> {
        let mut store = wasmtime::Store::new(&self.engine, ());
        let instance = wasmtime::Linker::<()>::new(&self.engine)
            .instantiate(&mut store, &self.module)
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        let run = instance
            .get_typed_func::<(), i64>(&mut store, "run")
            .map_err(|e| EngineError::failed(Stage::Lookup, e))?;
        Ok(Box::new(WasmtimeRunner { store, run }))
    }
}

struct WasmtimeRunner {
    store: wasmtime::Store<()>,
    run: wasmtime::TypedFunc<(), i64>,
}

impl Runner for WasmtimeRunner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        self.run
            .call(&mut self.store, ())
            .map(|v| v as u64)
            .map_err(|e| EngineError::failed(Stage::Call, e))
    }
}
