//! Calls: direct, imported (another instance or the host), indirect with its
//! three traps, the call-depth and value-stack limits, and stack growth.

use super::*;
use wisp_interp::{Extern, FuncType, Linker, TrapKind, ValType};

#[test]
fn recursion_and_multiple_results() {
    let (mut s, i) = instantiate(
        r#"(module
        (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
                (then (local.get 0))
                (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                               (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
        (func $even (export "even") (param i64) (result i32)
            (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
                (else (call $odd (i64.sub (local.get 0) (i64.const 1))))))
        (func $odd (param i64) (result i32)
            (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
                (else (call $even (i64.sub (local.get 0) (i64.const 1))))))
        (func $divmod (param i32 i32) (result i32 i32)
            (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
        ;; the caller keeps live values below the arguments across the call
        (func (export "around") (param i32) (result i32) (local i32)
            (local.set 1 (i32.const 1000))
            (i32.add (local.get 1)
                (i32.add (i32.mul (local.get 0) (i32.const 10))
                    (call $divmod (local.get 0) (i32.const 7))
                    (i32.sub))))
    )"#,
    );
    assert_call(&mut s, i, "fib", &[i32(20)], &[i32(6765)]);
    assert_call(&mut s, i, "even", &[i64(10_001)], &[i32(0)]);
    // 100 / 7 = 14, 100 % 7 = 2: 1000 + 1000 + (14 - 2)
    assert_call(&mut s, i, "around", &[i32(100)], &[i32(2012)]);
}

#[test]
fn call_indirect_checks() {
    let (mut s, i) = instantiate(
        r#"(module
        (type $ii (func (param i32) (result i32)))
        (type $v (func))
        (table 4 funcref)
        (elem (i32.const 0) $double $nothing $double)
        (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
        (func $nothing (type $v))
        (func (export "call") (param i32 i32) (result i32)
            (call_indirect (type $ii) (local.get 1) (local.get 0)))
        ;; a second table, to exercise the table index operand
        (table $t2 1 funcref)
        (elem (table $t2) (i32.const 0) func $double)
        (func (export "call_t2") (param i32) (result i32)
            (call_indirect $t2 (type $ii) (local.get 0) (i32.const 0)))
    )"#,
    );
    assert_call(&mut s, i, "call", &[i32(0), i32(21)], &[i32(42)]);
    assert_call(&mut s, i, "call", &[i32(2), i32(5)], &[i32(10)]);
    assert_trap(
        &mut s,
        i,
        "call",
        &[i32(1), i32(0)],
        TrapCode::IndirectCallTypeMismatch,
    );
    assert_trap(
        &mut s,
        i,
        "call",
        &[i32(3), i32(0)],
        TrapCode::UninitializedElement,
    );
    assert_trap(
        &mut s,
        i,
        "call",
        &[i32(4), i32(0)],
        TrapCode::UndefinedElement,
    );
    assert_trap(
        &mut s,
        i,
        "call",
        &[i32(-1), i32(0)],
        TrapCode::UndefinedElement,
    );
    assert_call(&mut s, i, "call_t2", &[i32(4)], &[i32(8)]);
}

#[test]
fn deep_recursion_exhausts_the_call_stack() {
    let (mut s, i) = instantiate(
        r#"(module
        (func $down (export "down") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
        (func $forever (export "forever") (call $forever))
    )"#,
    );
    // Well within the default limits: the value stack grows as needed.
    assert_call(&mut s, i, "down", &[i32(50_000)], &[i32(50_000)]);
    // A million nested calls end in the trap, never in a native stack overflow.
    assert_trap(
        &mut s,
        i,
        "down",
        &[i32(1_000_000)],
        TrapCode::StackOverflow,
    );
    assert_trap(&mut s, i, "forever", &[], TrapCode::StackOverflow);
    // The store is still usable afterwards.
    assert_call(&mut s, i, "down", &[i32(10)], &[i32(10)]);
}

#[test]
fn configured_limits_apply() {
    let wat = r#"(module
        (func $down (export "down") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))"#;
    let mut config = Config::default();
    config.max_call_depth(100);
    let (mut s, i) = instantiate_with(&config, wat);
    assert_call(&mut s, i, "down", &[i32(99)], &[i32(99)]);
    assert_trap(&mut s, i, "down", &[i32(100)], TrapCode::StackOverflow);

    let mut config = Config::default();
    config.max_value_stack_slots(1000);
    let (mut s, i) = instantiate_with(&config, wat);
    assert_call(&mut s, i, "down", &[i32(100)], &[i32(100)]);
    assert_trap(&mut s, i, "down", &[i32(1000)], TrapCode::StackOverflow);
}

#[test]
fn traps_report_the_wasm_backtrace() {
    let (mut s, i) = instantiate(
        r#"(module
        (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
        (func $middle (param i32) (result i32) (i32.add (i32.const 1) (call $inner (local.get 0))))
        (func (export "outer") (param i32) (result i32) (call $middle (local.get 0)))
    )"#,
    );
    match call(&mut s, i, "outer", &[i32(0)]) {
        Err(Error::Trap(trap)) => {
            assert_eq!(trap.kind, TrapKind::Code(TrapCode::IntegerDivideByZero));
            let indices: Vec<u32> = trap.backtrace.iter().map(|f| f.func_index).collect();
            assert_eq!(indices, [0, 1, 2], "innermost first");
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn calls_across_instances_switch_context() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    // The library has its own memory and global; its functions must use them
    // even when called from the main instance, and the main instance's own
    // memory must be in use again after the call returns.
    let lib = wat::parse_str(
        r#"(module
        (memory (export "mem") 1)
        (global $g (mut i32) (i32.const 0))
        (func (export "bump") (param i32) (result i32)
            (global.set $g (i32.add (global.get $g) (local.get 0)))
            (i32.store (i32.const 0) (global.get $g))
            (i32.load (i32.const 0)))
    )"#,
    )
    .unwrap();
    let main = wat::parse_str(
        r#"(module
        (import "lib" "bump" (func $bump (param i32) (result i32)))
        (memory 1)
        (global $g (mut i32) (i32.const 100))
        (table 1 funcref)
        (elem (i32.const 0) $bump)
        (func (export "run") (result i32)
            (i32.store (i32.const 0) (i32.const 7))
            (drop (call $bump (i32.const 5)))
            (drop (call_indirect (param i32) (result i32) (i32.const 10) (i32.const 0)))
            ;; main's memory and global are untouched by the library
            (i32.add (i32.load (i32.const 0)) (global.get $g)))
    )"#,
    )
    .unwrap();
    let lib = Instance::new(&mut store, &Module::new(&engine, &lib).unwrap(), &[]).unwrap();
    let bump = lib.get_func(&store, "bump").unwrap();
    let main = Instance::new(
        &mut store,
        &Module::new(&engine, &main).unwrap(),
        &[Extern::Func(bump)],
    )
    .unwrap();
    assert_call(&mut store, main, "run", &[], &[i32(107)]);
    assert_call(&mut store, lib, "bump", &[i32(0)], &[i32(15)]);
}

#[test]
fn host_functions_receive_arguments_and_return_results() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, 0u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_new(
            "env",
            "mix",
            FuncType::new([ValType::I32, ValType::I64], [ValType::I64, ValType::I32]),
            |mut caller, args, results| {
                *caller.data_mut() += 1;
                let (Val::I32(a), Val::I64(b)) = (args[0], args[1]) else {
                    panic!("argument types")
                };
                results[0] = Val::I64(a as i64 * b);
                results[1] = Val::I32(a + 1);
                Ok(())
            },
        )
        .unwrap();
    let wasm = wat::parse_str(
        r#"(module
        (import "env" "mix" (func $mix (param i32 i64) (result i64 i32)))
        (func (export "run") (param i32) (result i64) (local i32)
            (local.set 1 (i32.const 1000))
            (call $mix (local.get 0) (i64.const 3))
            (i64.extend_i32_u)
            (i64.add)
            (i64.extend_i32_u (local.get 1))
            (i64.add))
    )"#,
    )
    .unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut out = [Val::I64(0)];
    run.call(&mut store, &[i32(7)], &mut out).unwrap();
    // 7 * 3 + (7 + 1) + 1000
    assert_eq!(out, [i64(1029)]);
    assert_eq!(*store.data(), 1);
}

#[test]
fn constant_slots_survive_calls() {
    // Constants that are not immediates live in slots written on entry;
    // callee frames (which start at the call's arguments) must not clobber them.
    let (mut s, i) = instantiate(
        r#"(module
        (func $clobber (param i64 i64 i64 i64) (result i64)
            (local i64 i64 i64)
            (local.set 4 (i64.const -1)) (local.set 5 (i64.const -1)) (local.set 6 (i64.const -1))
            (i64.add (local.get 0) (local.get 3)))
        (func (export "run") (param i32) (result i64) (local i64)
            (loop $l
                (local.set 1 (i64.add (local.get 1) (i64.const 0x123456789)))
                (local.set 1 (call $clobber (local.get 1) (i64.const -1) (i64.const 0x7777777777) (i64.const 5)))
                (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
            (f64.store (i32.const 0) (f64.const 0.5))
            (i64.add (local.get 1) (i64.trunc_f64_s (f64.mul (f64.load (i32.const 0)) (f64.const 4.0)))))
        (memory 1)
    )"#,
    );
    assert_call(
        &mut s,
        i,
        "run",
        &[i32(10)],
        &[i64(10 * (0x1_2345_6789 + 5) + 2)],
    );
}

/// A host function that waits: it suspends until the shared counter
/// reaches its argument, and `retry` calls it again with the same argument.
#[test]
fn retry_calls_a_waiting_host_function_again_with_its_arguments() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI32, Ordering};
    use wisp_interp::{CallOutcome, HostError};

    let engine = Engine::default();
    let module = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module
                 (import "env" "wait_for" (func $wait (param i32) (result i32)))
                 (func (export "run") (param i32) (result i32)
                   (i32.add (call $wait (local.get 0)) (i32.const 1000))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let counter = Arc::new(AtomicI32::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut linker = Linker::new(&engine);
    let (c, s) = (counter.clone(), seen.clone());
    linker
        .func_new(
            "env",
            "wait_for",
            FuncType::new([ValType::I32], [ValType::I32]),
            move |_, args, results| {
                let Val::I32(want) = args[0] else {
                    panic!("i32 argument")
                };
                s.lock().unwrap().push(want);
                if c.load(Ordering::SeqCst) < want {
                    return Err(HostError::Suspend(Box::new(want)));
                }
                results[0] = Val::I32(c.load(Ordering::SeqCst) * 2);
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut outcome = run.call_resumable(&mut store, &[i32(3)]).unwrap();
    let mut retries = 0;
    let results = loop {
        match outcome {
            CallOutcome::Complete(r) => break r,
            CallOutcome::Suspended(call) => {
                counter.fetch_add(1, Ordering::SeqCst);
                retries += 1;
                outcome = call.retry(&mut store).unwrap();
            }
        }
    };
    assert_eq!(retries, 3);
    assert_eq!(*seen.lock().unwrap(), vec![3, 3, 3, 3]);
    assert_eq!(results, vec![Val::I32(1006)]);

    // A host function called directly by the embedder keeps its arguments too.
    let wait = instance_import(&mut store, &linker, "wait_for");
    counter.store(0, Ordering::SeqCst);
    let CallOutcome::Suspended(call) = wait.call_resumable(&mut store, &[i32(1)]).unwrap() else {
        panic!("expected a suspension");
    };
    counter.store(1, Ordering::SeqCst);
    match call.retry(&mut store).unwrap() {
        CallOutcome::Complete(r) => assert_eq!(r, vec![Val::I32(2)]),
        CallOutcome::Suspended(_) => panic!("expected completion"),
    }

    // Only host suspensions can be retried.
    let mut config = Config::default();
    config.consume_fuel(true);
    let (mut fueled, inst) =
        instantiate_with(&config, r#"(module (func (export "spin") (loop (br 0))))"#);
    fueled.set_fuel(10).unwrap();
    let spin = inst.get_func(&fueled, "spin").unwrap();
    let CallOutcome::Suspended(call) = spin.call_resumable(&mut fueled, &[]).unwrap() else {
        panic!("expected a fuel suspension");
    };
    assert!(matches!(call.retry(&mut fueled), Err(Error::Api(_))));
}

fn instance_import(store: &mut Store<()>, linker: &Linker<()>, name: &str) -> wisp_interp::Func {
    match linker.get(store, "env", name) {
        Some(Extern::Func(f)) => f,
        other => panic!("no host function {name}: {other:?}"),
    }
}

/// The binary of `wat`, and the code offsets of the backtrace of the trap
/// that calling its export `name` with `args` ends in.
fn trap_offsets(wat: &str, name: &str, args: &[Val]) -> (Vec<u8>, Vec<Option<u32>>) {
    let (mut store, instance) = instantiate(wat);
    let Err(Error::Trap(trap)) = call(&mut store, instance, name, args) else {
        panic!("expected {name} to trap");
    };
    let offsets = trap.backtrace.iter().map(|f| f.code_offset).collect();
    (wat::parse_str(wat).unwrap(), offsets)
}

/// Where the byte sequence `pattern` starts in `wasm`.
fn offset_in(wasm: &[u8], pattern: &[u8]) -> u32 {
    wasm.windows(pattern.len())
        .position(|w| w == pattern)
        .unwrap() as u32
}

#[test]
fn traps_report_the_code_offset_of_each_frame() {
    let (wasm, offsets) = trap_offsets(
        r#"(module
             (func $inner nop nop unreachable)
             (func (export "outer") (call $inner)))"#,
        "outer",
        &[],
    );
    // `nop nop unreachable end` and `call 0 end` in the code section.
    let unreachable_at = offset_in(&wasm, &[0x01, 0x01, 0x00, 0x0b]) + 2;
    let call_at = offset_in(&wasm, &[0x10, 0x00, 0x0b]);
    assert_eq!(offsets, vec![Some(unreachable_at), Some(call_at)]);
}

/// A trap deep in a recursion reports the offset of every frame: the
/// innermost at its `unreachable`, each caller at its recursive call (the
/// function is translated again once for all of them).
#[test]
fn traps_deep_in_a_recursion_report_an_offset_per_frame() {
    let (wasm, offsets) = trap_offsets(
        r#"(module
             (func $down (export "down") (param i32)
               (if (i32.eqz (local.get 0)) (then unreachable))
               (call $down (i32.sub (local.get 0) (i32.const 1)))))"#,
        "down",
        &[Val::I32(100)],
    );
    // `if (then unreachable) end` and `call 0` in the code section.
    let unreachable_at = offset_in(&wasm, &[0x04, 0x40, 0x00, 0x0b]) + 2;
    let call_at = offset_in(&wasm, &[0x10, 0x00, 0x0b]);
    assert_eq!(
        offsets.len(),
        64,
        "the backtrace keeps the innermost 64 frames"
    );
    assert_eq!(offsets[0], Some(unreachable_at));
    assert!(
        offsets[1..].iter().all(|&o| o == Some(call_at)),
        "{offsets:?}"
    );
}

/// A callee's declared locals read as zero and its constant slots hold
/// their constants, whatever a previous callee left in the same stack
/// slots: for every count of locals and of large constants from 0 to 12
/// (frame setup writes up to eight inline and more with `fill`/copies).
#[test]
fn callee_frames_start_clean_for_every_local_and_constant_count() {
    use std::fmt::Write;
    // Large constants have no immediate form, so each becomes a constant slot.
    let constant = |j: usize| 0x0123_4567_89ab_0000_i64 + j as i64 * 0x1_0000_0001;
    let mut wat = String::from(
        "(module
        (func $dirty (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)",
    );
    for l in 0..16 {
        write!(wat, " (local.set {l} (i64.const -1))").unwrap();
    }
    wat.push(')');
    for k in 0..=12 {
        write!(wat, "\n(func $z{k} (result i64)").unwrap();
        for _ in 0..k {
            wat.push_str(" (local i64)");
        }
        wat.push_str(" (i64.const 0)");
        for l in 0..k {
            write!(wat, " (i64.or (local.get {l}))").unwrap();
        }
        for j in 0..k {
            write!(wat, " (i64.add (i64.const {}))", constant(j)).unwrap();
        }
        write!(
            wat,
            ")\n(func (export \"run{k}\") (result i64) (call $dirty) (call $z{k}))"
        )
        .unwrap();
    }
    wat.push(')');
    let (mut s, i) = instantiate(&wat);
    for k in 0..=12 {
        let sum = (0..k).map(constant).fold(0i64, i64::wrapping_add);
        assert_call(&mut s, i, &format!("run{k}"), &[], &[i64(sum)]);
    }
}

/// A module whose export `run` calls `dirty`, which fills 24 `i64` locals
/// with ones, then from the same place (so the same stack slots) `fresh_<n>`
/// for each `n`, which declares `n` `i64` locals and returns their sum plus
/// a constant that has a slot of its own: any local not zeroed on entry
/// shows up in the sum.
/// How many locals `locals_module`'s `$dirty` leaves set (more than any
/// count it is given).
const DIRTY_LOCALS: usize = 48;

fn locals_module(counts: &[usize]) -> String {
    let mut wat = String::from("(module\n");
    wat.push_str("  (func $dirty (param i32) (result i32)\n    (local");
    wat.push_str(&" i64".repeat(DIRTY_LOCALS));
    wat.push(')');
    for k in 1..=DIRTY_LOCALS {
        wat.push_str(&format!("\n    (local.set {k} (i64.const -1))"));
    }
    wat.push_str("\n    (local.get 0))\n");
    for &n in counts {
        wat.push_str(&format!("  (func $fresh_{n} (param i32) (result i64)"));
        if n > 0 {
            wat.push_str(" (local");
            wat.push_str(&" i64".repeat(n));
            wat.push(')');
        }
        wat.push_str("\n    (i64.const 0x123456789abc)");
        for k in 1..=n {
            wat.push_str(&format!(" (i64.add (local.get {k}))"));
        }
        // Leave the locals dirty for the next call.
        for k in 1..=n {
            wat.push_str(&format!("\n    (local.set {k} (i64.const 7))"));
        }
        wat.push_str(")\n");
    }
    wat.push_str("  (func (export \"run\") (result i64) (local i64)\n");
    for &n in counts {
        wat.push_str(&format!(
            "    (drop (call $dirty (i32.const 0)))\n    \
             (local.set 0 (i64.add (local.get 0) (call $fresh_{n} (i32.const 0))))\n    \
             (local.set 0 (i64.add (local.get 0) (call $fresh_{n} (i32.const 0))))\n"
        ));
    }
    wat.push_str("    (local.get 0)))\n");
    wat
}

#[test]
fn declared_locals_are_zero_on_every_entry() {
    // Frame set-up copies a frame image (the locals, then a constant slot:
    // `n + 1` slots, padded with zeros to whole blocks of 4), block by
    // block up to 32 slots and with one `memcpy` past that: counts around
    // each block boundary and past the last.
    let counts = [
        0, 1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 19, 20, 21, 23, 24, 25, 27, 28, 29, 30,
        31, 32, 33, 40,
    ];
    let wat = locals_module(&counts);
    let want = 0x1234_5678_9abc * 2 * counts.len() as i64;
    for config in [Config::default(), {
        let mut fuel = Config::default();
        fuel.consume_fuel(true);
        fuel
    }] {
        let (mut s, i) = instantiate_with(&config, &wat);
        if config.get_consume_fuel() {
            s.set_fuel(1 << 40).unwrap();
        }
        assert_call(&mut s, i, "run", &[], &[i64(want)]);
    }
}

#[test]
fn locals_are_zero_when_the_value_stack_ends_at_the_frame() {
    // With a value stack limit around the frame's end, the call either
    // runs correctly or traps with a stack overflow (the frame holds the
    // padding of its image, so a limit that cuts the padding off is one
    // the frame does not fit). The image is the locals and a constant
    // slot, padded to blocks of 4 slots: 2 locals (one block, one slot of
    // padding), 5 (two blocks, two) and 20 (six blocks, three).
    for locals in [2, 5, 20] {
        let mut wat =
            String::from("(module\n  (func (export \"f\") (param i32) (result i64) (local");
        wat.push_str(&" i64".repeat(locals));
        wat.push_str(
            ")\n    (local.set 1 (i64.extend_i32_u (local.get 0)))\n    (i64.const 0x1234567890)",
        );
        for k in 1..=locals {
            wat.push_str(&format!(" (i64.add (local.get {k}))"));
        }
        wat.push_str("))");
        let limits = 1..=locals + 16;
        let mut ran = 0;
        for limit in limits.clone() {
            let mut config = Config::default();
            config.max_value_stack_slots(limit);
            let (mut s, i) = instantiate_with(&config, &wat);
            match call(&mut s, i, "f", &[i32(5)]) {
                Ok(results) => {
                    assert_eq!(
                        results,
                        [i64(0x1234567895)],
                        "{locals} locals, limit {limit}"
                    );
                    ran += 1;
                }
                Err(Error::Trap(trap)) => {
                    assert_eq!(
                        trap.kind,
                        TrapKind::Code(TrapCode::StackOverflow),
                        "{locals} locals, limit {limit}"
                    )
                }
                Err(other) => panic!("{locals} locals, limit {limit}: {other}"),
            }
        }
        assert!(
            ran > 0 && ran < limits.count(),
            "{locals} locals: some limits too small, some enough: {ran}"
        );
    }
}
