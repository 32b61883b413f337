//! wisp's glue: `Module::new` with fuel metering off or on, one `Store` per
//! instance, `Func::call` on `run` (refilling the fuel before each call so
//! any number of runs fits the budget).

use super::{Compiled, Compiler, EngineError, Runner, Stage};

/// A compiled wisp module.
struct WispCompiled {
    engine: wisp_interp::Engine,
    module: wisp_interp::Module,
    fuel: bool,
}

fn engine(fuel: bool) -> wisp_interp::Engine {
    let mut config = wisp_interp::Config::default();
    config.consume_fuel(fuel);
    wisp_interp::Engine::new(&config)
}

/// `Module::new` on one engine: decode, validate and translate.
pub(super) fn compiler(fuel: bool) -> Compiler {
    let engine = engine(fuel);
    Box::new(move |wasm| {
        let module = wisp_interp::Module::new(&engine, wasm)
            .map_err(|e| EngineError::failed(Stage::Compile, e))?;
        Ok(Box::new(module))
    })
}

/// `Module::validate` on one engine: decode and validate, no translation.
pub(super) fn validator() -> Compiler {
    let engine = engine(false);
    Box::new(move |wasm| {
        wisp_interp::Module::validate(&engine, wasm)
            .map_err(|e| EngineError::failed(Stage::Compile, e))?;
        Ok(Box::new(()))
    })
}

pub(super) fn compile(wasm: &[u8], fuel: bool) -> Result<Box<dyn Compiled>, EngineError> {
    let engine = engine(fuel);
    let module = wisp_interp::Module::new(&engine, wasm)
        .map_err(|e| EngineError::failed(Stage::Compile, e))?;
    Ok(Box::new(WispCompiled {
        engine,
        module,
        fuel,
    }))
}

impl Compiled for WispCompiled {
    fn instantiate(&self) -> Result<Box<dyn Runner>, EngineError> {
        let mut store = wisp_interp::Store::new(&self.engine, ());
        if self.fuel {
            store
                .set_fuel(u64::MAX)
                .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        }
        let instance = wisp_interp::Linker::<()>::new(&self.engine)
            .instantiate(&mut store, &self.module)
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        let run = instance
            .get_func(&store, "run")
            .ok_or_else(|| EngineError::failed(Stage::Lookup, "no function export `run`"))?;
        let ty = run.ty(&store);
        if !ty.params().is_empty() || ty.results() != [wisp_interp::ValType::I64] {
            return Err(EngineError::failed(
                Stage::Lookup,
                "`run` is not `() -> i64`",
            ));
        }
        Ok(Box::new(WispRunner {
            store,
            run,
            fuel: self.fuel,
        }))
    }
}

/// A workload instantiated in wisp.
struct WispRunner {
    store: wisp_interp::Store<()>,
    run: wisp_interp::Func,
    fuel: bool,
}

impl Runner for WispRunner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        if self.fuel {
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
    }
}
