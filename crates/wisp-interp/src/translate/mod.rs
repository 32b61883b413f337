//! Translation of validated function bodies into wisp's internal code, in the
//! same single pass as validation (the translator is a `wisp_validate::FuncSink`).

use alloc::boxed::Box;

use crate::config::Config;
use crate::error::Error;
use crate::ir::CompiledFunc;

/// Validates and translates every function body of `module`.
pub(crate) fn translate_module(
    module: &wisp_decode::Module,
    ctx: &wisp_validate::ModuleContext,
    config: &Config,
) -> Result<Box<[CompiledFunc]>, Error> {
    let _ = (module, ctx, config);
    todo!("translate_module")
}
