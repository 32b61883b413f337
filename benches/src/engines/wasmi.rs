//! wasmi's glue: the default `Config` (or `consume_fuel(true)`, refilled to
//! `u64::MAX` before each call), one `Store` per instance, and the three
//! compilation modes for the compile figures.

use super::{Compiled, Compiler, EngineError, Runner, Stage};

/// wasmi's `CompilationMode`, named here so the caller need not import wasmi.
#[derive(Debug, Clone, Copy)]
pub(super) enum Mode {
    Eager,
    LazyTranslation,
    Lazy,
}

/// `Module::new` on one engine with a default config in `mode`.
pub(super) fn compiler(mode: Mode) -> Compiler {
    let mut config = wasmi::Config::default();
    config.compilation_mode(match mode {
        Mode::Eager => wasmi::CompilationMode::Eager,
        Mode::LazyTranslation => wasmi::CompilationMode::LazyTranslation,
        Mode::Lazy => wasmi::CompilationMode::Lazy,
    });
    let engine = wasmi::Engine::new(&config);
    Box::new(move |wasm| {
        let module = wasmi::Module::new(&engine, wasm)
            .map_err(|e| EngineError::failed(Stage::Compile, e))?;
        Ok(Box::new(module))
    })
}

struct WasmiCompiled {
    engine: wasmi::Engine,
    module: wasmi::Module,
    fuel: bool,
}

pub(super) fn compile(wasm: &[u8], fuel: bool) -> Result<Box<dyn Compiled>, EngineError> {
    let mut config = wasmi::Config::default();
    config.consume_fuel(fuel);
    let engine = wasmi::Engine::new(&config);
    let module =
        wasmi::Module::new(&engine, wasm).map_err(|e| EngineError::failed(Stage::Compile, e))?;
    Ok(Box::new(WasmiCompiled {
        engine,
        module,
        fuel,
    }))
}

impl Compiled for WasmiCompiled {
    fn instantiate(&self) -> Result<Box<dyn Runner>, EngineError> {
        let mut store = wasmi::Store::new(&self.engine, ());
        if self.fuel {
            store
                .set_fuel(u64::MAX)
                .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        }
        let instance = wasmi::Linker::<()>::new(&self.engine)
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        let run = instance
            .get_typed_func::<(), i64>(&store, "run")
            .map_err(|e| EngineError::failed(Stage::Lookup, e))?;
        Ok(Box::new(WasmiRunner {
            store,
            run,
            fuel: self.fuel,
        }))
    }
}

struct WasmiRunner {
    store: wasmi::Store<()>,
    run: wasmi::TypedFunc<(), i64>,
    fuel: bool,
}

impl Runner for WasmiRunner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        if self.fuel {
            self.store
                .set_fuel(u64::MAX)
                .map_err(|e| EngineError::failed(Stage::Call, e))?;
        }
        self.run
            .call(&mut self.store, ())
            .map(|v| v as u64)
            .map_err(|e| EngineError::failed(Stage::Call, e))
    }
}
