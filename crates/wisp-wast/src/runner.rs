//! Executes the directives of one parsed script against one engine and store.
//!
//! Every directive yields exactly one pass or one [`Failure`]. A directive
//! runs inside `catch_unwind`: an engine panic is a bug, so it is recorded as
//! a failure ("engine panicked: …") and the script goes on with the next
//! directive instead of taking the whole run down.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};

use wast::token::Span;
use wast::{QuoteWat, WastDirective, WastExecute, WastInvoke, WastRet, Wat};
use wisp_interp::{Config, Engine, Error, Instance, Linker, Module, Store, Trap, TrapKind, Val};

use crate::report::{Failure, Location, Report};
use crate::values::{arg_to_val, fmt_rets, fmt_vals, matches, unsupported_ret};
use crate::{RunOptions, spectest};

/// Why a directive failed: what was expected and what happened instead.
pub(crate) struct Mismatch {
    expected: String,
    got: String,
}

type Outcome = Result<(), Mismatch>;

fn mismatch(expected: impl Into<String>, got: impl Into<String>) -> Mismatch {
    Mismatch {
        expected: expected.into(),
        got: got.into(),
    }
}

/// How a module directive went wrong, before it is judged against an assertion.
enum ModuleError {
    /// The text inside `(module quote …)` (or any text module) does not parse.
    Text(String),
    /// `Module::new` or instantiation failed.
    Engine(Error),
    /// The directive is outside what wisp runs (e.g. a component).
    Unsupported(String),
}

impl ModuleError {
    fn describe(&self) -> String {
        match self {
            ModuleError::Text(m) => format!("text format error: {m}"),
            ModuleError::Engine(e) => describe_error(e),
            ModuleError::Unsupported(m) => format!("unsupported: {m}"),
        }
    }
}

/// Describes an engine error with its category, e.g. `invalid module: type mismatch …`.
fn describe_error(e: &Error) -> String {
    match e {
        Error::Trap(t) => format!("trap \"{}\"", trap_message(t)),
        other => other.to_string(),
    }
}

/// A trap's message without its backtrace.
fn trap_message(t: &Trap) -> String {
    match &t.kind {
        TrapKind::Code(c) => c.to_string(),
        TrapKind::Host(m) => m.clone(),
    }
}

/// Whether a trap `actual` message satisfies the script's `expected` text.
///
/// The spec convention is that the engine's message contains the expected
/// text. One exception, shared with wasmtime: the spec interpreter appends the
/// element index to "uninitialized element", which wisp's trap does not carry.
pub(crate) fn trap_matches(actual: &str, expected: &str) -> bool {
    if actual.contains(expected) {
        return true;
    }
    const UNINIT: &str = "uninitialized element";
    match expected.strip_prefix(UNINIT) {
        Some(rest) => {
            let idx = rest.trim_start();
            !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) && actual.contains(UNINIT)
        }
        None => false,
    }
}

/// The state one script runs in: the engine, the shared store and linker,
/// and the names the script has bound.
pub(crate) struct Runner<'r> {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    fuel: Option<u64>,
    /// 1-based lines whose directives are skipped.
    skip_lines: Vec<usize>,
    /// Instances by `$id` (from `(module $id …)` and `(module instance $id …)`).
    instances: HashMap<String, Instance>,
    /// The most recently instantiated module: the default for `invoke`/`get`.
    current: Option<Instance>,
    /// Modules from `(module definition $id …)`.
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
    report: &'r mut Report,
    source: &'r str,
}

impl<'r> Runner<'r> {
    /// Creates the engine and store for one script and defines `spectest`.
    pub(crate) fn new(
        opts: &RunOptions,
        report: &'r mut Report,
        source: &'r str,
    ) -> Result<Self, String> {
        let mut config: Config = opts.config.clone();
        if opts.fuel.is_some() {
            config.consume_fuel(true);
        }
        let engine = Engine::new(&config);
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        let defined = panic::catch_unwind(AssertUnwindSafe(|| {
            spectest::define_spectest(&mut linker, &mut store)
        }));
        match defined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("spectest: {e}")),
            Err(payload) => {
                return Err(format!(
                    "spectest: engine panicked: {}",
                    panic_message(&*payload)
                ));
            }
        }
        Ok(Self {
            engine,
            store,
            linker,
            fuel: opts.fuel,
            skip_lines: opts.skip_lines.clone(),
            instances: HashMap::new(),
            current: None,
            definitions: HashMap::new(),
            last_definition: None,
            report,
            source,
        })
    }

    fn location(&self, span: Span) -> Location {
        let (line, col) = span.linecol_in(self.source);
        Location {
            file: self.report.file.clone(),
            line: line + 1,
            col: col + 1,
        }
    }

    /// Runs one directive and records its pass or failure.
    pub(crate) fn run_directive(&mut self, directive: WastDirective<'_>) {
        let span = directive.span();
        let name = directive_name(&directive);
        let location = self.location(span);
        if self.skip_lines.contains(&location.line) {
            self.report.skipped += 1;
            return;
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.dispatch(directive)));
        let outcome = match outcome {
            Ok(o) => o,
            Err(payload) => Err(mismatch(
                "no panic",
                format!("engine panicked: {}", panic_message(&*payload)),
            )),
        };
        match outcome {
            Ok(()) => self.report.pass(),
            Err(m) => {
                self.report.fail(Failure {
                    location,
                    directive: name,
                    expected: m.expected,
                    got: m.got,
                });
            }
        }
    }

    fn dispatch(&mut self, directive: WastDirective<'_>) -> Outcome {
        match directive {
            WastDirective::Module(mut module) => {
                let id = module.name().map(|id| id.name().to_string());
                let instance = self
                    .instantiate_quote(&mut module)
                    .map_err(|e| mismatch("module to instantiate", e.describe()))?;
                self.bind_instance(id, instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let id = module.name().map(|id| id.name().to_string());
                let compiled = self
                    .compile_quote(&mut module)
                    .map_err(|e| mismatch("module to compile", e.describe()))?;
                if let Some(id) = id {
                    self.definitions.insert(id, compiled.clone());
                }
                self.last_definition = Some(compiled);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let compiled = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                }
                .ok_or_else(|| mismatch("a defined module", "no such module definition"))?;
                let inst = self
                    .instantiate(&compiled)
                    .map_err(|e| mismatch("module to instantiate", describe_error(&e)))?;
                self.bind_instance(instance.map(|id| id.name().to_string()), inst);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .map_err(|e| mismatch("registration", e.to_string()))?;
                Ok(())
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke)?
                    .map_err(|e| mismatch("success", describe_error(&e)))?;
                Ok(())
            }
            WastDirective::AssertReturn { exec, results, .. } => self.assert_return(exec, &results),
            WastDirective::AssertTrap { exec, message, .. } => self.assert_trap(exec, message),
            WastDirective::AssertExhaustion { call, message, .. } => {
                let expected = format!("trap \"{message}\"");
                match self.invoke(&call)? {
                    Ok(vals) => Err(mismatch(expected, format!("return {}", fmt_vals(&vals)))),
                    Err(Error::Trap(t)) if trap_matches(&trap_message(&t), message) => Ok(()),
                    Err(e) => Err(mismatch(expected, describe_error(&e))),
                }
            }
            WastDirective::AssertInvalid { mut module, .. } => {
                match self.compile_quote(&mut module) {
                    Ok(_) => Err(mismatch("invalid module", "module compiled")),
                    Err(ModuleError::Engine(Error::Validate(_))) => Ok(()),
                    Err(ModuleError::Engine(Error::Decode(_))) => {
                        self.report.invalid_rejected_at_decode += 1;
                        Ok(())
                    }
                    Err(e) => Err(mismatch("invalid module", e.describe())),
                }
            }
            WastDirective::AssertMalformed { mut module, .. } => {
                match self.compile_quote(&mut module) {
                    Ok(_) => Err(mismatch("malformed module", "module compiled")),
                    Err(ModuleError::Engine(Error::Decode(_))) => Ok(()),
                    Err(ModuleError::Engine(Error::Validate(e))) if e.malformed => Ok(()),
                    Err(ModuleError::Text(_)) if matches!(module, QuoteWat::QuoteModule(..)) => {
                        Ok(())
                    }
                    Err(e) => Err(mismatch("malformed module", e.describe())),
                }
            }
            WastDirective::AssertUnlinkable { module, .. } => {
                let mut module = QuoteWat::Wat(module);
                match self.instantiate_quote(&mut module) {
                    Ok(_) => Err(mismatch("unlinkable module", "module instantiated")),
                    Err(ModuleError::Engine(Error::Link(_))) => Ok(()),
                    Err(e) => Err(mismatch("unlinkable module", e.describe())),
                }
            }
            other => Err(mismatch(
                "a supported directive",
                format!("unsupported directive `{}`", directive_name(&other)),
            )),
        }
    }

    fn bind_instance(&mut self, id: Option<String>, instance: Instance) {
        if let Some(id) = id {
            self.instances.insert(id, instance);
        }
        self.current = Some(instance);
    }

    /// The instance named `id`, or the current one.
    fn instance(&self, id: Option<&str>) -> Result<Instance, Mismatch> {
        match id {
            Some(id) => self.instances.get(id).copied().ok_or_else(|| {
                mismatch(
                    format!("module ${id}"),
                    "no module instantiated under that name",
                )
            }),
            None => self
                .current
                .ok_or_else(|| mismatch("a current module", "no module instantiated yet")),
        }
    }

    /// Encodes a script module to bytes (parsing quoted text) and compiles it.
    fn compile_quote(&mut self, module: &mut QuoteWat<'_>) -> Result<Module, ModuleError> {
        if let QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..) = module {
            return Err(ModuleError::Unsupported("components".into()));
        }
        let bytes = module
            .encode()
            .map_err(|e| ModuleError::Text(e.message()))?;
        Module::new(&self.engine, &bytes).map_err(ModuleError::Engine)
    }

    fn instantiate_quote(&mut self, module: &mut QuoteWat<'_>) -> Result<Instance, ModuleError> {
        let compiled = self.compile_quote(module)?;
        self.instantiate(&compiled).map_err(ModuleError::Engine)
    }

    fn refuel(&mut self) -> Result<(), Error> {
        match self.fuel {
            Some(fuel) => self.store.set_fuel(fuel),
            None => Ok(()),
        }
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance, Error> {
        self.refuel()?;
        self.linker.instantiate(&mut self.store, module)
    }

    /// Calls an export. The outer `Err` is a script problem (unknown module or
    /// export, unrepresentable argument); the inner result is the engine's.
    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Result<Vec<Val>, Error>, Mismatch> {
        let instance = self.instance(invoke.module.map(|id| id.name()))?;
        let func = instance.get_func(&self.store, invoke.name).ok_or_else(|| {
            mismatch(
                format!("an exported function \"{}\"", invoke.name),
                "no such export",
            )
        })?;
        let args = invoke
            .args
            .iter()
            .map(arg_to_val)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| mismatch("a supported argument", format!("unsupported argument: {e}")))?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        if let Err(e) = self.refuel() {
            return Ok(Err(e));
        }
        Ok(func
            .call(&mut self.store, &args, &mut results)
            .map(|()| results))
    }

    /// Runs what an `assert_return` or `assert_trap` executes.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Result<Vec<Val>, Error>, Mismatch> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                let g = instance.get_global(&self.store, global).ok_or_else(|| {
                    mismatch(format!("an exported global \"{global}\""), "no such export")
                })?;
                Ok(Ok(vec![g.get(&self.store)]))
            }
            WastExecute::Wat(wat) => {
                let mut module = QuoteWat::Wat(wat);
                match self.instantiate_quote(&mut module) {
                    Ok(_) => Ok(Ok(Vec::new())),
                    Err(ModuleError::Engine(e)) => Ok(Err(e)),
                    Err(e) => Err(mismatch("module to instantiate", e.describe())),
                }
            }
        }
    }

    fn assert_return(&mut self, exec: WastExecute<'_>, expected: &[WastRet<'_>]) -> Outcome {
        if let Some(why) = expected.iter().find_map(unsupported_ret) {
            return Err(mismatch(fmt_rets(expected), format!("unsupported: {why}")));
        }
        let got = self
            .execute(exec)?
            .map_err(|e| mismatch(fmt_rets(expected), describe_error(&e)))?;
        if got.len() == expected.len() && expected.iter().zip(&got).all(|(e, v)| matches(e, v)) {
            Ok(())
        } else {
            Err(mismatch(fmt_rets(expected), fmt_vals(&got)))
        }
    }

    fn assert_trap(&mut self, exec: WastExecute<'_>, message: &str) -> Outcome {
        let expected = format!("trap \"{message}\"");
        match self.execute(exec)? {
            Ok(vals) => Err(mismatch(expected, format!("return {}", fmt_vals(&vals)))),
            Err(Error::Trap(t)) if trap_matches(&trap_message(&t), message) => Ok(()),
            Err(e) => Err(mismatch(expected, describe_error(&e))),
        }
    }
}

/// The keyword a directive is written with.
fn directive_name(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap {
            exec: WastExecute::Wat(_),
            ..
        } => "assert_trap (module)",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::trap_matches;

    #[test]
    fn trap_message_matching() {
        assert!(trap_matches(
            "integer divide by zero",
            "integer divide by zero"
        ));
        assert!(trap_matches("out of bounds memory access", "out of bounds"));
        assert!(trap_matches(
            "uninitialized element",
            "uninitialized element 7"
        ));
        assert!(!trap_matches(
            "uninitialized element",
            "uninitialized element x"
        ));
        assert!(!trap_matches("unreachable", "integer overflow"));
        assert!(!trap_matches(
            "out of bounds",
            "out of bounds memory access"
        ));
    }
}
