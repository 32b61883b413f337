//! makepad-stitch's glue: `Module::new` (validates every body, compiles each
//! on its first call), one `Store` per instance, `Func::call` on `run`.

use makepad_stitch as ms;

use super::{Compiled, Compiler, EngineError, Runner, Stage};

/// `Module::new` on one engine.
pub(super) fn compiler() -> Compiler {
    let engine = ms::Engine::new();
    Box::new(move |wasm| {
        let module =
            ms::Module::new(&engine, wasm).map_err(|e| EngineError::failed(Stage::Compile, e))?;
        Ok(Box::new(module))
    })
}

struct StitchCompiled {
    engine: ms::Engine,
    module: ms::Module,
}

pub(super) fn compile(wasm: &[u8]) -> Result<Box<dyn Compiled>, EngineError> {
    let engine = ms::Engine::new();
    let module =
        ms::Module::new(&engine, wasm).map_err(|e| EngineError::failed(Stage::Compile, e))?;
    Ok(Box::new(StitchCompiled { engine, module }))
}

impl Compiled for StitchCompiled {
    fn instantiate(&self) -> Result<Box<dyn Runner>, EngineError> {
        let mut store = ms::Store::new(self.engine.clone());
        let instance = ms::Linker::new()
            .instantiate(&mut store, &self.module)
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        let run = instance
            .exported_func("run")
            .ok_or_else(|| EngineError::failed(Stage::Lookup, "no function export `run`"))?;
        let ty = run.type_(&store);
        if !ty.params().is_empty() || ty.results() != [ms::ValType::I64] {
            return Err(EngineError::failed(
                Stage::Lookup,
                "`run` is not `() -> i64`",
            ));
        }
        Ok(Box::new(StitchRunner { store, run }))
    }
}

struct StitchRunner {
    store: ms::Store,
    run: ms::Func,
}

impl Runner for StitchRunner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        let mut results = [ms::Val::I64(0)];
        self.run
            .call(&mut self.store, &[], &mut results)
            .map_err(|e| EngineError::failed(Stage::Call, e))?;
        match results[0] {
            ms::Val::I64(v) => Ok(v as u64),
            _ => Err(EngineError::failed(Stage::Call, "`run` returned a non-i64")),
        }
    }
}
