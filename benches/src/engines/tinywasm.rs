//! tinywasm's glue: `parse_bytes` (decodes, validates and translates every
//! body), a default `Store` per instance, a typed `run`.

use super::{Compiled, Compiler, EngineError, Runner, Stage};

/// `parse_bytes` (tinywasm has no engine object to make first).
pub(super) fn compiler() -> Compiler {
    Box::new(|wasm| {
        let module =
            tinywasm::parse_bytes(wasm).map_err(|e| EngineError::failed(Stage::Compile, e))?;
        Ok(Box::new(module))
    })
}

struct TinywasmCompiled {
    module: tinywasm::Module,
}

pub(super) fn compile(wasm: &[u8]) -> Result<Box<dyn Compiled>, EngineError> {
    let module = tinywasm::parse_bytes(wasm).map_err(|e| EngineError::failed(Stage::Compile, e))?;
    Ok(Box::new(TinywasmCompiled { module }))
}

impl Compiled for TinywasmCompiled {
    fn instantiate(&self) -> Result<Box<dyn Runner>, EngineError> {
        let mut store = tinywasm::Store::default();
        let instance = tinywasm::ModuleInstance::instantiate(&mut store, &self.module, None)
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        let run = instance
            .func::<(), i64>(&store, "run")
            .map_err(|e| EngineError::failed(Stage::Lookup, e))?;
        Ok(Box::new(TinywasmRunner { store, run }))
    }
}

struct TinywasmRunner {
    store: tinywasm::Store,
    run: tinywasm::FunctionTyped<(), i64>,
}

impl Runner for TinywasmRunner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        self.run
            .call(&mut self.store, ())
            .map(|v| v as u64)
            .map_err(|e| EngineError::failed(Stage::Call, e))
    }
}
