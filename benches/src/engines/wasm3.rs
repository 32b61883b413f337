//! wasm3's glue (the C interpreter through the `wasm3` crate). A parsed
//! wasm3 module can be loaded into one runtime only, and each runtime has
//! one linear memory, so every instance is a runtime of its own into which
//! the bytes are parsed again: wasm3's instantiation figure includes a parse.
//! wasm3 compiles a body on its first call; the compile figure is the parse.

use super::{Compiled, Compiler, EngineError, Runner, Stage};

/// The runtime's stack, in bytes (wasm3's value stack and call frames).
const STACK_BYTES: u32 = 1 << 20;

/// `ParsedModule::parse` in one environment: decodes the sections; no
/// validation, no compile. It includes copying the bytes, which the crate
/// requires (the parsed module refers to them for its whole life).
pub(super) fn compiler() -> Result<Compiler, EngineError> {
    let env = wasm3::Environment::new().map_err(|e| EngineError::failed(Stage::Compile, e))?;
    Ok(Box::new(move |wasm| {
        let parsed = env
            .parse_module(wasm.to_vec())
            .map_err(|e| EngineError::failed(Stage::Compile, e))?;
        Ok(Box::new(parsed))
    }))
}

struct Wasm3Compiled {
    env: wasm3::Environment,
    wasm: Box<[u8]>,
}

pub(super) fn compile(wasm: &[u8]) -> Result<Box<dyn Compiled>, EngineError> {
    let env = wasm3::Environment::new().map_err(|e| EngineError::failed(Stage::Compile, e))?;
    // Parse once so a module wasm3 rejects fails here, at compile.
    env.parse_module(wasm.to_vec())
        .map_err(|e| EngineError::failed(Stage::Compile, e))?;
    Ok(Box::new(Wasm3Compiled {
        env,
        wasm: wasm.into(),
    }))
}

impl Compiled for Wasm3Compiled {
    fn instantiate(&self) -> Result<Box<dyn Runner>, EngineError> {
        let runtime = self
            .env
            .create_runtime(STACK_BYTES)
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        let parsed = self
            .env
            .parse_module(self.wasm.clone())
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        runtime
            .load_module(parsed)
            .map_err(|e| EngineError::failed(Stage::Instantiate, e))?;
        // The lookup compiles `run` (not its callees).
        runtime
            .find_function::<(), i64>("run")
            .map_err(|e| EngineError::failed(Stage::Lookup, e))?;
        Ok(Box::new(Wasm3Runner { runtime }))
    }
}

/// A wasm3 runtime with the workload loaded. The `run` function handle
/// borrows the runtime, so it is looked up again on each call (a name
/// search over one module: nanoseconds against milliseconds of work).
struct Wasm3Runner {
    runtime: wasm3::Runtime,
}

impl Runner for Wasm3Runner {
    fn call_run(&mut self) -> Result<u64, EngineError> {
        let run = self
            .runtime
            .find_function::<(), i64>("run")
            .map_err(|e| EngineError::failed(Stage::Lookup, e))?;
        run.call()
            .map(|v| v as u64)
            .map_err(|e| EngineError::failed(Stage::Call, e))
    }
}
