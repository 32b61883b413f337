//! wasmi (crates.io) as the reference [`Oracle`]: an independent, mature
//! interpreter, configured without fuel (the modules are made to terminate
//! by themselves) and with a call stack as deep as wisp's, whose traps are mapped to wisp's
//! [`TrapCode`]s. It runs the module rewritten around its known bugs
//! ([`super::wasmi_quirks`]), and a panic inside it makes the execution
//! inconclusive rather than a finding.

use wasmi::{Extern, Nullable, Ref};
use wisp_core::{FuncType, TrapCode, ValType};

use super::plan::Plan;
use super::value::{CallRecord, Execution, MemoryDigest, Outcome, Value};
use super::{Oracle, wasmi_quirks};

/// The wasmi interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wasmi {
    /// Feed wasmi the module rewritten around its known miscompilation
    /// ([`wasmi_quirks::prevent_select_fusion`]); on by default, off only to
    /// show the bug.
    pub workarounds: bool,
}

impl Default for Wasmi {
    fn default() -> Self {
        Wasmi { workarounds: true }
    }
}

type Store = wasmi::Store<()>;

impl Oracle for Wasmi {
    fn name(&self) -> String {
        if self.workarounds {
            "wasmi".into()
        } else {
            "wasmi (unpatched)".into()
        }
    }

    fn execute(&self, wasm: &[u8], plan: &Plan) -> Execution {
        let rewritten = if self.workarounds {
            wasmi_quirks::prevent_select_fusion(wasm)
        } else {
            None
        };
        // Owned copies: the reference runs on a thread of its own.
        let wasm = rewritten.unwrap_or_else(|| wasm.to_vec());
        let plan = plan.clone();
        let ran = wasmi_quirks::on_reference_stack(move || {
            wasmi_quirks::catch_reference_panic(|| execute(&wasm, &plan))
        });
        let why = match ran {
            Some(Some(execution)) => return execution,
            Some(None) => "wasmi panicked (a known wasmi bug)",
            None => "wasmi's thread could not be started",
        };
        let mut e = Execution::failed(Outcome::Failed(why.into()));
        e.inconclusive = Some(why.into());
        e
    }
}

/// Runs `plan` on wasmi.
fn execute(wasm: &[u8], plan: &Plan) -> Execution {
    let mut config = wasmi::Config::default();
    // As deep as wisp's default call stack (wasmi's default is 1000, less
    // than the termination fuel allows), with value stack to match. Every
    // body translated up front: with the default lazy translation, a body is
    // translated on its first call, inside wasmi's `extern "sysv64"`
    // handlers, where the translator panic of quirk 2 cannot unwind and
    // aborts the process (`wasmi_quirks`, quirk 5).
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
                    .map(|t| wasmi::Val::default_for_ty(*t))
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
                            .map_or(Value::ExternRef(true), |r| from_ref(&store, r))
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
        Value::FuncRef(_) => wasmi::Val::FuncRef(Nullable::Null),
        Value::ExternRef(_) => wasmi::Val::ExternRef(Nullable::Null),
    }
}

fn from_wasmi(store: &Store, v: &wasmi::Val) -> Value {
    match v {
        wasmi::Val::I32(x) => Value::I32(*x),
        wasmi::Val::I64(x) => Value::I64(*x),
        wasmi::Val::F32(x) => Value::F32(x.to_bits()),
        wasmi::Val::F64(x) => Value::F64(x.to_bits()),
        wasmi::Val::FuncRef(f) => from_ref(store, Ref::Func(*f)),
        wasmi::Val::ExternRef(r) => Value::ExternRef(!r.is_null()),
        // SIMD is disabled in the generated modules.
        wasmi::Val::V128(_) => Value::ExternRef(true),
    }
}

fn from_ref(store: &Store, r: Ref) -> Value {
    match r {
        Ref::Func(Nullable::Null) => Value::FuncRef(None),
        Ref::Func(Nullable::Val(f)) => {
            let ty = f.ty(store);
            Value::FuncRef(Some(FuncType::new(
                ty.params().iter().map(|t| val_type(*t)),
                ty.results().iter().map(|t| val_type(*t)),
            )))
        }
        Ref::Extern(r) => Value::ExternRef(!r.is_null()),
    }
}

fn val_type(t: wasmi::ValType) -> ValType {
    match t {
        wasmi::ValType::I32 => ValType::I32,
        wasmi::ValType::I64 => ValType::I64,
        wasmi::ValType::F32 => ValType::F32,
        wasmi::ValType::F64 => ValType::F64,
        wasmi::ValType::FuncRef => ValType::FUNCREF,
        // `externref`, and `v128` which the generated modules never use.
        _ => ValType::EXTERNREF,
    }
}

/// How a wasmi error reads as an [`Outcome`]: its trap code mapped to wisp's.
fn outcome_of(e: &wasmi::Error) -> Outcome {
    use wasmi::TrapCode as W;
    use wasmi::errors::{ErrorKind, InstantiationError};
    // An active element segment past the end of its table: the spec's
    // "out of bounds table access" trap during instantiation, which wasmi
    // reports as an instantiation error without a trap code.
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
        Some(W::OutOfSystemMemory) => TrapCode::OutOfMemory,
        Some(W::OutOfFuel) => return Outcome::OutOfFuel,
        Some(W::GrowthOperationLimited) | None => return Outcome::Failed(e.to_string()),
    };
    Outcome::Trapped(code)
}
