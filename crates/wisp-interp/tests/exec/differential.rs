//! Differential execution: random valid modules from wasm-smith (Wasm 2.0
//! features, made to terminate) run on wisp and on wasmi, and every exported
//! function must return the same values or trap the same way, leaving the
//! same exported globals and memory behind. `WISP_DIFF_SEEDS=N` runs more
//! modules (default 500).

use super::*;
use arbitrary::Unstructured;
use wisp_interp::{Extern, Func, Global, Memory};

/// A deterministic byte stream for wasm-smith (xorshift64*).
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        max_memories: 1,
        max_tables: 2,
        min_funcs: 4,
        max_funcs: 10,
        min_memories: 1,
        min_globals: 1,
        max_instructions: 300,
        max_memory32_bytes: 1 << 20,
        max_table_elements: 100,
        export_everything: true,
        allow_start_export: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        ..wasm_smith::Config::default()
    }
}

/// A comparable outcome of a call: results (NaNs collapsed), or a trap class.
#[derive(Debug, PartialEq)]
enum Outcome {
    Values(Vec<String>),
    Trap(&'static str),
}

fn f32_str(bits: u32) -> String {
    if f32::from_bits(bits).is_nan() {
        "f32:nan".into()
    } else {
        format!("f32:{bits:#x}")
    }
}

fn f64_str(bits: u64) -> String {
    if f64::from_bits(bits).is_nan() {
        "f64:nan".into()
    } else {
        format!("f64:{bits:#x}")
    }
}

fn wisp_val(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(b) => f32_str(*b),
        Val::F64(b) => f64_str(*b),
        Val::FuncRef(f) => format!("funcref:{}", f.is_some()),
        Val::ExternRef(r) => format!("externref:{}", r.is_some()),
    }
}

fn wasmi_val(v: &wasmi::Val) -> String {
    match v {
        wasmi::Val::I32(x) => format!("i32:{x}"),
        wasmi::Val::I64(x) => format!("i64:{x}"),
        wasmi::Val::F32(x) => f32_str(x.to_bits()),
        wasmi::Val::F64(x) => f64_str(x.to_bits()),
        wasmi::Val::FuncRef(f) => format!("funcref:{}", !f.is_null()),
        wasmi::Val::ExternRef(r) => format!("externref:{}", !r.is_null()),
        other => format!("{other:?}"),
    }
}

fn wisp_trap(e: &Error) -> &'static str {
    match e {
        Error::Trap(t) => match t.code() {
            Some(TrapCode::Unreachable) => "unreachable",
            Some(TrapCode::IntegerOverflow) => "overflow",
            Some(TrapCode::IntegerDivideByZero) => "div0",
            Some(TrapCode::InvalidConversionToInteger) => "conversion",
            Some(TrapCode::MemoryOutOfBounds) => "memory",
            Some(TrapCode::TableOutOfBounds | TrapCode::UndefinedElement) => "table",
            Some(TrapCode::UninitializedElement) => "null",
            Some(TrapCode::IndirectCallTypeMismatch) => "signature",
            Some(TrapCode::StackOverflow) => "stack",
            _ => "other",
        },
        _ => "error",
    }
}

fn wasmi_trap(e: &wasmi::Error) -> &'static str {
    use wasmi::TrapCode as T;
    match e.as_trap_code() {
        Some(T::UnreachableCodeReached) => "unreachable",
        Some(T::IntegerOverflow) => "overflow",
        Some(T::IntegerDivisionByZero) => "div0",
        Some(T::BadConversionToInteger) => "conversion",
        Some(T::MemoryOutOfBounds) => "memory",
        Some(T::TableOutOfBounds) => "table",
        Some(T::IndirectCallToNull) => "null",
        Some(T::BadSignature) => "signature",
        Some(T::StackOverflow) => "stack",
        Some(_) => "other",
        None => "error",
    }
}

/// Runs one random module on both engines; returns how many calls were compared.
fn check_module(seed: u64) -> usize {
    let data = bytes(seed, 16 * 1024);
    let mut u = Unstructured::new(&data);
    let Ok(mut module) = wasm_smith::Module::new(smith_config(), &mut u) else {
        return 0;
    };
    if module.ensure_termination(500).is_err() {
        return 0;
    }
    let wasm = module.to_bytes();

    let engine = Engine::default();
    let wisp_module = Module::new(&engine, &wasm)
        .unwrap_or_else(|e| panic!("seed {seed}: wisp rejects a valid module: {e}"));
    let mut store = Store::new(&engine, ());
    let wisp_instance = Instance::new(&mut store, &wisp_module, &[]);

    let wasmi_engine = wasmi::Engine::default();
    let wasmi_module = wasmi::Module::new(&wasmi_engine, &wasm[..]).expect("wasmi compiles");
    let mut wasmi_store = wasmi::Store::new(&wasmi_engine, ());
    let wasmi_instance = wasmi::Linker::<()>::new(&wasmi_engine)
        .instantiate_and_start(&mut wasmi_store, &wasmi_module);

    let (wisp_instance, wasmi_instance) = match (wisp_instance, wasmi_instance) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(_), Err(_)) => return 0,
        (a, b) => panic!(
            "seed {seed}: instantiation differs: wisp {:?} / wasmi {:?}",
            a.err(),
            b.err()
        ),
    };

    let exports: Vec<(String, Extern)> = wisp_instance
        .exports(&store)
        .map(|(n, e)| (n.to_string(), e))
        .collect();
    let mut calls = 0;
    for (name, export) in &exports {
        let Extern::Func(func) = export else { continue };
        let func: Func = *func;
        let ty = func.ty(&store);
        let args: Vec<Val> = ty
            .params()
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                ValType::I32 => Val::I32((seed as i32).wrapping_mul(i as i32 + 7)),
                ValType::I64 => Val::I64((seed as i64).wrapping_mul(-(i as i64) - 3)),
                ValType::F32 => Val::from(seed as f32 * 0.5),
                ValType::F64 => Val::from(-(seed as f64) * 0.25),
                other => Val::default_for(*other),
            })
            .collect();
        let wasmi_args: Vec<wasmi::Val> = args
            .iter()
            .map(|v| match *v {
                Val::I32(x) => wasmi::Val::I32(x),
                Val::I64(x) => wasmi::Val::I64(x),
                Val::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
                Val::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
                Val::FuncRef(_) => wasmi::Val::FuncRef(wasmi::Nullable::Null),
                Val::ExternRef(_) => wasmi::Val::ExternRef(wasmi::Nullable::Null),
            })
            .collect();

        let mut results = vec![Val::I32(0); ty.results().len()];
        let wisp = match func.call(&mut store, &args, &mut results) {
            Ok(()) => Outcome::Values(results.iter().map(wisp_val).collect()),
            Err(e) => Outcome::Trap(wisp_trap(&e)),
        };
        let wasmi_func = wasmi_instance
            .get_func(&wasmi_store, name)
            .expect("same exports");
        let mut wasmi_results: Vec<wasmi::Val> = wasmi_func
            .ty(&wasmi_store)
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        let wasmi = match wasmi_func.call(&mut wasmi_store, &wasmi_args, &mut wasmi_results) {
            Ok(()) => Outcome::Values(wasmi_results.iter().map(wasmi_val).collect()),
            Err(e) => Outcome::Trap(wasmi_trap(&e)),
        };
        // Engines legitimately differ on the depth at which the stack overflows.
        if wisp == Outcome::Trap("stack") || wasmi == Outcome::Trap("stack") {
            return calls;
        }
        assert_eq!(wisp, wasmi, "seed {seed}: export {name}({args:?})");
        calls += 1;
    }

    // Exported state after all the calls.
    for (name, export) in &exports {
        match export {
            Extern::Global(g) => {
                let g: Global = *g;
                let ours = wisp_val(&g.get(&store));
                let theirs = wasmi_instance
                    .get_global(&wasmi_store, name)
                    .expect("global");
                assert_eq!(
                    ours,
                    wasmi_val(&theirs.get(&wasmi_store)),
                    "seed {seed}: global {name}"
                );
            }
            Extern::Memory(m) => {
                let m: Memory = *m;
                let theirs = wasmi_instance
                    .get_memory(&wasmi_store, name)
                    .expect("memory");
                let theirs = theirs.data(&wasmi_store);
                let mut ours = vec![0u8; theirs.len()];
                assert_eq!(
                    m.size(&store) * 65536,
                    theirs.len() as u64,
                    "seed {seed}: memory {name} size"
                );
                m.read(&store, 0, &mut ours).expect("read memory");
                assert!(ours == theirs, "seed {seed}: memory {name} contents differ");
            }
            _ => {}
        }
    }
    calls
}

#[test]
fn random_modules_agree_with_wasmi() {
    let seeds = std::env::var("WISP_DIFF_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500u64);
    let mut calls = 0;
    for seed in 0..seeds {
        calls += check_module(seed);
    }
    // Most modules have several exported functions.
    assert!(
        calls > 2 * seeds as usize,
        "too few calls compared: {calls}"
    );
}
