//! Hostile code shapes: 100,000 nested blocks, `if`s and loops; a `br_table`
//! with a million targets; operand stacks a million values tall; and bodies
//! built to make translation super-linear.
//!
//! Compilation and the calls run on a thread with a 256 KiB native stack:
//! decoding, validation, translation and execution must use heap stacks, never
//! native recursion proportional to the input.

use wasm_encoder::{Function, ValType};
use wisp_interp::{Config, TrapCode, Val};

use super::*;

/// The native stack of the threads that compile and run hostile modules.
pub const SMALL_STACK: usize = 256 * KIB;

/// Runs `f` on a fresh thread with a [`SMALL_STACK`]-byte native stack. A
/// native stack overflow aborts the whole test binary.
pub fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn a small-stack thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

const DEPTH: u32 = 100_000;

/// A `(param i32) (result i32) (local i32)` body: `open` × DEPTH, then
/// `inner`, then `end` × DEPTH, then `local.get 1`.
fn nested(open: &[u8], inner: &[u8]) -> Function {
    let mut f = Function::new([(1, ValType::I32)]);
    let mut code = Vec::with_capacity(DEPTH as usize * (open.len() + 1) + inner.len() + 3);
    for _ in 0..DEPTH {
        code.extend_from_slice(open);
    }
    code.extend_from_slice(inner);
    code.extend(std::iter::repeat_n(0x0b, DEPTH as usize));
    code.extend_from_slice(&[0x20, 0x01, 0x0b]);
    f.raw(code);
    f
}

/// `i32 -> i32` module around `body`.
fn i32_to_i32(body: Function) -> Vec<u8> {
    OneFunc {
        params: &[ValType::I32],
        results: &[ValType::I32],
        body: Some(body),
        ..OneFunc::default()
    }
    .build()
}

/// Compiles `bytes` with `config`, instantiates it and calls `run` with each
/// argument, on a small native stack; returns the results.
fn run_on_small_stack(config: Config, bytes: Vec<u8>, args: Vec<i32>) -> Vec<Vec<Val>> {
    on_small_stack(move || {
        let module = compile_with(&config, &bytes).expect("module compiles");
        let (mut store, instance) = instantiate(&module).expect("module instantiates");
        if config.get_consume_fuel() {
            store.set_fuel(u64::MAX / 2).expect("fuel is on");
        }
        let out = args
            .iter()
            .map(|&a| call(&mut store, instance, "run", &[Val::I32(a)]).expect("run returns"))
            .collect();
        // Dropping the module and the store must not recurse either.
        drop(store);
        drop(module);
        out
    })
}

/// The heap bound for compiling and running a module of `input` bytes:
/// proportional to the input, with a generous factor.
fn proportional(input: usize) -> usize {
    64 * input + MIB
}

#[test]
fn hundred_thousand_nested_blocks() {
    let _serial = serial();
    // block × 100000 (local.get 0) (br_if 99999) (local.set 1 (i32.const 7)) end × 100000
    let mut inner = vec![0x20, 0x00, 0x0d];
    leb(u64::from(DEPTH - 1), &mut inner);
    inner.extend_from_slice(&[0x41, 0x07, 0x21, 0x01]);
    let bytes = i32_to_i32(nested(&[0x02, 0x40], &inner));
    let limit = proportional(bytes.len());
    let results = bounded("100k nested blocks", limit, || {
        run_on_small_stack(Config::default(), bytes, vec![1, 0])
    });
    // A non-zero argument branches out of all the blocks, past the store.
    assert_eq!(results, [vec![Val::I32(0)], vec![Val::I32(7)]]);
}

#[test]
fn hundred_thousand_nested_ifs() {
    let _serial = serial();
    // ((local.get 0) if) × 100000 (local.set 1 (i32.const 7)) end × 100000
    let bytes = i32_to_i32(nested(&[0x20, 0x00, 0x04, 0x40], &[0x41, 0x07, 0x21, 0x01]));
    let limit = proportional(bytes.len());
    let results = bounded("100k nested ifs", limit, || {
        run_on_small_stack(Config::default(), bytes, vec![0, 1])
    });
    assert_eq!(results, [vec![Val::I32(0)], vec![Val::I32(7)]]);
}

#[test]
fn hundred_thousand_nested_loops_with_fuel() {
    let _serial = serial();
    // Every loop header starts a fuel block: 100k fuel checks in a row.
    let bytes = i32_to_i32(nested(&[0x03, 0x40], &[0x41, 0x07, 0x21, 0x01]));
    let limit = proportional(bytes.len());
    let mut config = Config::default();
    config.consume_fuel(true);
    let results = bounded("100k nested loops", limit, || {
        run_on_small_stack(config, bytes, vec![0])
    });
    assert_eq!(results, [vec![Val::I32(7)]]);
}

#[test]
fn br_table_with_a_million_targets() {
    let _serial = serial();
    // block block block (br_table [0 1 2 0 1 2 ...] 1 (local.get 0)) end
    //   (return (i32.const 100)) end (return (i32.const 101)) end (i32.const 102)
    const TARGETS: u32 = 1_000_000;
    let mut code = vec![0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x20, 0x00, 0x0e];
    leb(u64::from(TARGETS), &mut code);
    code.extend((0..TARGETS).map(|i| (i % 3) as u8));
    code.push(0x01); // default
    code.extend_from_slice(&[0x0b, 0x41, 0xe4, 0x00, 0x0f]); // end, return 100
    code.extend_from_slice(&[0x0b, 0x41, 0xe5, 0x00, 0x0f]); // end, return 101
    code.extend_from_slice(&[0x0b, 0x41, 0xe6, 0x00, 0x0b]); // end, 102
    let mut body = Function::new([]);
    body.raw(code);
    let bytes = i32_to_i32(body);
    let limit = proportional(bytes.len());
    let args = vec![0, 1, 2, 999_999, 1_000_000, -1, 3];
    let results = bounded("br_table with 1M targets", limit, || {
        run_on_small_stack(Config::default(), bytes, args)
    });
    let expected = [100, 101, 102, 100, 101, 101, 100];
    let expected: Vec<Vec<Val>> = expected.iter().map(|&v| vec![Val::I32(v)]).collect();
    assert_eq!(results, expected);
}

/// `local.get 0` × `n`, then `i32.add` × (`n` - 1): an operand stack `n` tall.
fn tall_sum(n: usize) -> Vec<u8> {
    let mut code = Vec::with_capacity(3 * n);
    for _ in 0..n {
        code.extend_from_slice(&[0x20, 0x00]);
    }
    code.extend(std::iter::repeat_n(0x6a, n - 1));
    code.push(0x0b);
    let mut body = Function::new([]);
    body.raw(code);
    i32_to_i32(body)
}

#[test]
fn operand_stack_a_million_values_tall() {
    let _serial = serial();
    let bytes = tall_sum(1_000_000);
    let limit = proportional(bytes.len());
    let results = bounded("1M-tall operand stack", limit, || {
        run_on_small_stack(Config::default(), bytes, vec![3, -1])
    });
    assert_eq!(
        results,
        [vec![Val::I32(3_000_000)], vec![Val::I32(-1_000_000)]]
    );
}

#[test]
fn a_frame_larger_than_the_value_stack_limit_traps() {
    let _serial = serial();
    // The frame needs 1.1M slots; the value stack is limited to 2^20 (8 MiB).
    let bytes = tall_sum(1_100_000);
    let limit = proportional(bytes.len());
    let outcome = bounded("frame over the stack limit", limit, || {
        on_small_stack(move || {
            let module = compile(&bytes).expect("compiles: the frame is within MAX_FRAME_SLOTS");
            let (mut store, instance) = instantiate(&module).expect("instantiates");
            call(&mut store, instance, "run", &[Val::I32(1)])
        })
    });
    assert_eq!(trap_code(outcome), TrapCode::StackOverflow);
}

/// Builds a `[] -> []` body with one `i32` local: `repeat` × `n`, then
/// `drop` × `n` (each repetition leaves one value on the stack).
fn repeated(repeat: &[u8], n: usize) -> Vec<u8> {
    let mut code = Vec::with_capacity(n * (repeat.len() + 1) + 1);
    for _ in 0..n {
        code.extend_from_slice(repeat);
    }
    code.extend(std::iter::repeat_n(0x1a, n));
    code.push(0x0b);
    let mut body = Function::new([(1, ValType::I32)]);
    body.raw(code);
    OneFunc {
        body: Some(body),
        ..OneFunc::default()
    }
    .build()
}

/// A body of `code` (the final `end` included) in a function with `locals`
/// i32 locals.
fn body_with_locals(locals: u32, code: Vec<u8>) -> Vec<u8> {
    let mut body = Function::new([(locals, ValType::I32)]);
    body.raw(code);
    OneFunc {
        body: Some(body),
        ..OneFunc::default()
    }
    .build()
}

/// `local.get 0 … local.get n-1` under `n` constants, then `local.set x`
/// for every `x`: each `local.set` must materialise one lazy operand that
/// sits `n` entries below the top of the stack.
fn distinct_locals_under_a_tall_stack(n: u32) -> Vec<u8> {
    let mut code = Vec::new();
    for x in 0..n {
        code.push(0x20);
        leb(u64::from(x), &mut code);
    }
    for _ in 0..n {
        code.extend_from_slice(&[0x41, 0x01]);
    }
    for x in 0..n {
        code.extend_from_slice(&[0x41, 0x02, 0x21]);
        leb(u64::from(x), &mut code);
    }
    code.extend(std::iter::repeat_n(0x1a, 2 * n as usize));
    code.push(0x0b);
    body_with_locals(n, code)
}

/// Translation must stay linear in the body size when lazy `local.get`
/// operands must be materialised from deep in a tall stack: before
/// `local.set` of that local, and on block entry. (Scanning the stack for
/// them made translation quadratic: the first two bodies took ~40 s in a
/// debug build.)
#[test]
fn translation_is_linear_in_lazy_local_materialisation() {
    let _serial = serial();
    const N: usize = 100_000;
    // (local.get 0) (local.set 0 (i32.const 1)): the stack grows by one each time.
    let set = repeated(&[0x20, 0x00, 0x41, 0x01, 0x21, 0x00], N);
    // (local.get 0) block end: block entry materialises every lazy local.
    let block = repeated(&[0x20, 0x00, 0x02, 0x40, 0x0b], N);
    // Wasmparser's limit on locals is 50,000 per function.
    let distinct = distinct_locals_under_a_tall_stack(40_000);
    for (what, bytes) in [
        ("local.set", set),
        ("block entry", block),
        ("distinct locals", distinct),
    ] {
        let (validated, v) = measure(|| Module::validate(&Engine::default(), &bytes));
        validated.expect("valid");
        let (compiled, c) = measure(|| compile(&bytes));
        compiled.expect("compiles");
        // Translation may cost a constant factor over validation, not N times it.
        assert!(
            c.elapsed < TIME_LIMIT
                && c.elapsed < v.elapsed * 50 + std::time::Duration::from_millis(500),
            "{what}: validation {:?}, compilation {:?}",
            v.elapsed,
            c.elapsed
        );
    }
}

#[test]
fn a_million_functions() {
    let _serial = serial();
    // The function limit, every body empty: per-function costs must stay
    // small constants (compiled code, store entities).
    let n = wisp_core::limits::MAX_FUNCTIONS;
    let mut funcs = Vec::new();
    leb(u64::from(n), &mut funcs);
    funcs.extend(std::iter::repeat_n(0, n as usize));
    let mut code = Vec::new();
    leb(u64::from(n), &mut code);
    for _ in 0..n {
        code.extend_from_slice(&[0x02, 0x00, 0x0b]);
    }
    let bytes = raw_module(&[
        b"\x01\x04\x01\x60\x00\x00",
        &section(3, &funcs),
        b"\x07\x07\x01\x03run\x00\x00",
        &section(10, &code),
    ]);
    let limit = proportional(bytes.len());
    let results = bounded("a million functions", limit, || {
        let module = compile(&bytes).expect("within the limits");
        let (mut store, instance) = instantiate(&module).expect("instantiates");
        call(&mut store, instance, "run", &[]).expect("runs")
    });
    assert!(results.is_empty());
}

#[test]
fn br_table_with_many_targets_carrying_a_thousand_values() {
    let _serial = serial();
    // block (type [] -> [i32 × 1000]) (call $thousand) (br_table 0 … 0 (i32.const 0)) end,
    // then 1000 drops: every target carries the largest number of values a
    // block can return. Translation checks each target in O(arity) (3 · 10^8
    // steps here, ~1.5 s in debug builds); caching that check per distinct
    // target would make it O(1), as validation already is.
    const TARGETS: u64 = 300_000;
    const ARITY: u64 = 1000;
    let mut types = vec![2, 0x60, 0, 0, 0x60, 0];
    leb(ARITY, &mut types);
    types.extend(std::iter::repeat_n(0x7f, ARITY as usize));
    let mut run = vec![0x00, 0x02, 0x01, 0x10, 0x01, 0x41, 0x00, 0x0e];
    leb(TARGETS, &mut run);
    run.extend(std::iter::repeat_n(0x00, TARGETS as usize + 1));
    run.push(0x0b);
    run.extend(std::iter::repeat_n(0x1a, ARITY as usize));
    run.push(0x0b);
    let mut thousand = vec![0x00];
    for _ in 0..ARITY {
        thousand.extend_from_slice(&[0x41, 0x07]);
    }
    thousand.push(0x0b);
    let mut code = vec![2];
    for body in [&run, &thousand] {
        leb(body.len() as u64, &mut code);
        code.extend_from_slice(body);
    }
    let bytes = raw_module(&[
        &section(1, &types),
        b"\x03\x03\x02\x00\x01",
        b"\x07\x07\x01\x03run\x00\x00",
        &section(10, &code),
    ]);
    let limit = proportional(bytes.len());
    let results = bounded("br_table of 300k targets × 1000 values", limit, || {
        on_small_stack(move || {
            let module = compile(&bytes).expect("valid");
            let (mut store, instance) = instantiate(&module).expect("instantiates");
            call(&mut store, instance, "run", &[]).expect("runs")
        })
    });
    assert!(results.is_empty());
}
