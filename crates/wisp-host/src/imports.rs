//! Host functions an embedder adds for every process
//! ([`crate::HostBuilder::import`]): plain functions of [`Value`]s, linked
//! under their module and name next to WASI and `wisp:process`.
//!
//! A host function that fails traps the calling process with its message;
//! one that panics ends the process with `HostError` (the worker survives).

use std::sync::Arc;

use wisp_interp::{FuncType, HostError, LinkError, Linker, Trap};

use crate::process::ProcData;
use crate::value::{self, Value};

/// The body of an embedder's host function.
pub type ImportFn = Arc<dyn Fn(&[Value]) -> Result<Vec<Value>, String> + Send + Sync>;

/// One embedder host function.
#[derive(Clone)]
pub struct HostImport {
    pub module: String,
    pub name: String,
    pub ty: FuncType,
    pub f: ImportFn,
}

impl std::fmt::Debug for HostImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostImport({}::{}: {})", self.module, self.name, self.ty)
    }
}

/// Defines `imports` in `linker`.
pub(crate) fn define(
    linker: &mut Linker<ProcData>,
    imports: &[HostImport],
) -> Result<(), LinkError> {
    for i in imports {
        let (f, ty) = (i.f.clone(), i.ty.clone());
        let name = format!("{}::{}", i.module, i.name);
        linker.func_new(&i.module, &i.name, i.ty.clone(), move |_, args, results| {
            let args: Vec<Value> = args.iter().filter_map(Value::from_val).collect();
            let out = f(&args).map_err(|m| HostError::Trap(Trap::host(format!("{name}: {m}"))))?;
            let vals = value::to_params(&out, ty.results()).map_err(|e| {
                HostError::Trap(Trap::host(format!("{name} returned bad results: {e}")))
            })?;
            for (r, v) in results.iter_mut().zip(vals) {
                *r = v;
            }
            Ok(())
        })?;
    }
    Ok(())
}
