//! wasmi 1.1 (crates.io, renamed `wasmi_legacy`) as the *second opinion*:
//! consulted only when wisp and the reference (wasmi 2.0) disagree or the
//! reference panics. wasmi 2.0 rewrote the translator and the executor, so
//! 1.1 shares little of the code where 2.0's known bugs live
//! (`wasmi_quirks`); if it agrees with wisp, the disagreement is counted as a
//! reference fault rather than reported as a wisp bug. Same configuration and
//! trap mapping as [`super::Wasmi`].

use wasmi_legacy as wasmi;
use wasmi_legacy::{Extern, Ref};
use wisp_core::{FuncType, TrapCode, ValType};

use super::value::{CallRecord, Execution, MemoryDigest, Outcome, Value};
use super::{Oracle, plan::Plan, wasmi_quirks};

/// The wasmi 1.1 interpreter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WasmiLegacy;

type Store = wasmi::Store<()>;

impl Oracle for WasmiLegacy {
    fn name(&self) -> String {
        "wasmi 1.1".into()
    }

    fn execute(&self, wasm: &[u8], plan: &Plan) -> Execution {
        wasmi_quirks::catch_reference_panic(|| execute(wasm, plan)).unwrap_or_else(|| {
            let mut e = Execution::failed(Outcome::Failed("wasmi 1.1 panicked".into()));
            e.inconclusive = Some("wasmi 1.1 panicked".into());
            e
        })
    }
}

fn execute(wasm: &[u8], plan: &Plan) -> Execution {
    let mut config = wasmi::Config::default();
    // Eager, as for wasmi 2.0 (see `reference.rs`).
    config
        .set_max_recursion_depth(wisp_core::limits::DEFAULT_MAX_CALL_DEPTH)
        .set_max_stack_height(64 << 20)
        .compilation_mode(wasmi::CompilationMode::Eager);
    let engine = wasmi::Engine::new(&config);
    let module = match wasmi::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(e) => return Execution::failed(outcome_of(&e)),
    };
    let mut store = Store::new(&engine, ());
    let instance =
        match wasmi::Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module) {
            Ok(i) => i,
            Err(e) => return Execution::failed(outcome_of(&e)),
        };
    let mut calls = Vec::with_capacity(plan.calls.len());
    for call in &plan.calls {
        if let Some((name, value)) = &plan.refuel {
            let refuelled = match instance.get_global(&store, name) {
                Some(g) => g
                    .set(&mut store, to_wasmi(value))
                    .map_err(|e| e.to_string()),
                None => Err(format!("no exported global `{name}`")),
            };
            if let Err(e) = refuelled {
                calls.push(CallRecord {
                    outcome: Outcome::Failed(e),
                    fuel: None,
                });
                continue;
            }
        }
        let outcome = match instance.get_func(&store, &call.export) {
            Some(func) => {
                let args: Vec<wasmi::Val> = call.args.iter().map(to_wasmi).collect();
                let mut results: Vec<wasmi::Val> = func
                    .ty(&store)
                    .results()
                    .iter()
                    .map(|t| wasmi::Val::default(*t))
                    .collect();
                match func.call(&mut store, &args, &mut results) {
                    Ok(()) => {
                        Outcome::Returned(results.iter().map(|v| from_wasmi(&store, v)).collect())
                    }
                    Err(e) => outcome_of(&e),
                }
            }
            None => Outcome::Failed(format!("no exported function `{}`", call.export)),
        };
        calls.push(CallRecord {
            outcome,
            fuel: None,
        });
    }
    let mut execution = Execution {
        inconclusive: None,
        instantiation: Ok(()),
        calls,
        globals: Vec::new(),
        memories: Vec::new(),
        tables: Vec::new(),
    };
    let exports: Vec<(String, Extern)> = instance
        .exports(&store)
        .map(|e| (e.name().to_string(), e.into_extern()))
        .collect();
    for (name, export) in exports {
        match export {
            Extern::Global(g) => execution
                .globals
                .push((name, from_wasmi(&store, &g.get(&store)))),
            Extern::Memory(m) => execution
                .memories
                .push((name, MemoryDigest::of_bytes(m.data(&store)))),
            Extern::Table(t) => {
                let elements = (0..t.size(&store))
                    .map(|i| {
                        t.get(&store, i)
                            .map_or(Value::ExternRef(true), |v| from_wasmi(&store, &v))
                    })
                    .collect();
                execution.tables.push((name, elements));
            }
            Extern::Func(_) => {}
        }
    }
    execution.sort_exports();
    execution
}

fn to_wasmi(v: &Value) -> wasmi::Val {
    match *v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
        Value::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
        Value::FuncRef(_) => wasmi::Val::FuncRef(Ref::Null),
        Value::ExternRef(_) => wasmi::Val::ExternRef(Ref::Null),
    }
}

fn from_wasmi(store: &Store, v: &wasmi::Val) -> Value {
    match v {
        wasmi::Val::I32(x) => Value::I32(*x),
        wasmi::Val::I64(x) => Value::I64(*x),
        wasmi::Val::F32(x) => Value::F32(x.to_bits()),
        wasmi::Val::F64(x) => Value::F64(x.to_bits()),
        wasmi::Val::FuncRef(Ref::Null) => Value::FuncRef(None),
        wasmi::Val::FuncRef(Ref::Val(f)) => {
            let ty = f.ty(store);
            Value::FuncRef(Some(FuncType::new(
                ty.params().iter().map(|t| val_type(*t)),
                ty.results().iter().map(|t| val_type(*t)),
            )))
        }
        wasmi::Val::ExternRef(r) => Value::ExternRef(!r.is_null()),
        // SIMD is disabled in the generated modules.
        wasmi::Val::V128(_) => Value::ExternRef(true),
    }
}

fn val_type(t: wasmi::ValType) -> ValType {
    match t {
        wasmi::ValType::I32 => ValType::I32,
        wasmi::ValType::I64 => ValType::I64,
        wasmi::ValType::F32 => ValType::F32,
        wasmi::ValType::F64 => ValType::F64,
        wasmi::ValType::FuncRef => ValType::FUNCREF,
        _ => ValType::EXTERNREF,
    }
}

fn outcome_of(e: &wasmi::Error) -> Outcome {
    use wasmi::TrapCode as W;
    use wasmi::errors::{ErrorKind, InstantiationError};
    if let ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) = e.kind()
    {
        return Outcome::Trapped(TrapCode::TableOutOfBounds);
    }
    let code = match e.as_trap_code() {
        Some(W::UnreachableCodeReached) => TrapCode::Unreachable,
        Some(W::MemoryOutOfBounds) => TrapCode::MemoryOutOfBounds,
        Some(W::TableOutOfBounds) => TrapCode::TableOutOfBounds,
        Some(W::IndirectCallToNull) => TrapCode::UninitializedElement,
        Some(W::IntegerDivisionByZero) => TrapCode::IntegerDivideByZero,
        Some(W::IntegerOverflow) => TrapCode::IntegerOverflow,
        Some(W::BadConversionToInteger) => TrapCode::InvalidConversionToInteger,
        Some(W::StackOverflow) => TrapCode::StackOverflow,
        Some(W::BadSignature) => TrapCode::IndirectCallTypeMismatch,
        Some(W::OutOfFuel) => return Outcome::OutOfFuel,
        Some(W::GrowthOperationLimited) | None => return Outcome::Failed(e.to_string()),
    };
    Outcome::Trapped(code)
}
