//! Hostile executions: a million nested calls (on a 256 KiB native stack),
//! endless recursion, and endless loops under fuel.

use wisp_interp::{CallOutcome, Config, Error, SuspendReason, TrapCode, Val};

use super::structure::on_small_stack;
use super::*;

const RECURSIVE: &str = r#"(module
    (type $t (func (param i32) (result i32)))
    (table 1 funcref)
    (elem (i32.const 0) $down_indirect)
    ;; down(n) = n, by n nested calls.
    (func $down (export "down") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
            (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
    ;; The same through call_indirect.
    (func $down_indirect (export "down_indirect") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
            (else (i32.add (i32.const 1)
                (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))))))
    (func $forever (export "forever") (param i32) (call $forever (local.get 0))))"#;

/// Compiles [`RECURSIVE`] with `config` and calls `name(arg)`, all on a small
/// native stack.
fn recurse(config: Config, name: &'static str, arg: i32) -> Result<Vec<Val>, Error> {
    on_small_stack(move || {
        let bytes = wat::parse_str(RECURSIVE).expect("valid WAT");
        let module = compile_with(&config, &bytes).expect("compiles");
        let (mut store, instance) = instantiate(&module).expect("instantiates");
        call(&mut store, instance, name, &[Val::I32(arg)])
    })
}

#[test]
fn a_million_nested_calls_exhaust_the_call_stack() {
    let _serial = serial();
    // The default limits: 100,000 frames and 2^20 value-stack slots (8 MiB).
    for name in ["down", "down_indirect"] {
        let outcome = bounded(name, 32 * MIB, || {
            recurse(Config::default(), name, 1_000_000)
        });
        match outcome {
            Err(Error::Trap(trap)) => {
                assert_eq!(trap.code(), Some(TrapCode::StackOverflow), "{name}");
                assert!(
                    trap.to_string().starts_with("call stack exhausted"),
                    "{trap}"
                );
                // The backtrace is capped, not a million frames long.
                assert_eq!(trap.backtrace.len(), 64, "{name}");
            }
            other => panic!("{name}: expected a trap, got {other:?}"),
        }
    }
    let outcome = bounded("forever", 32 * MIB, || {
        recurse(Config::default(), "forever", 0)
    });
    assert_eq!(trap_code(outcome), TrapCode::StackOverflow);
}

#[test]
fn a_million_nested_calls_complete_when_the_limits_allow() {
    let _serial = serial();
    // With the limits raised, a million Wasm frames fit on the heap while the
    // native stack stays at 256 KiB: calls never recurse natively.
    let mut config = Config::default();
    config
        .max_call_depth(2_000_000)
        .max_value_stack_slots(1 << 24);
    let results = bounded("1M nested calls", 256 * MIB, || {
        recurse(config.clone(), "down", 1_000_000)
    })
    .expect("completes");
    assert_eq!(results, [Val::I32(1_000_000)]);
    let results = bounded("1M nested indirect calls", 256 * MIB, || {
        recurse(config, "down_indirect", 1_000_000)
    })
    .expect("completes");
    assert_eq!(results, [Val::I32(1_000_000)]);
}

const ENDLESS: &str = r#"(module
    (global $count (export "count") (mut i64) (i64.const 0))
    (func $tick (global.set $count (i64.add (global.get $count) (i64.const 1))))
    (func (export "spin") (loop (br 0)))
    (func (export "spin_calling") (loop (call $tick) (br 0)))
    (func $recurse (export "recurse") (call $tick) (call $recurse)))"#;

fn fuel_config() -> Config {
    let mut config = Config::default();
    config.consume_fuel(true);
    config
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let _serial = serial();
    let module = compile_with(&fuel_config(), &wat::parse_str(ENDLESS).expect("valid WAT"))
        .expect("compiles");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    for name in ["spin", "spin_calling"] {
        store.set_fuel(1_000_000).expect("fuel is on");
        let outcome = bounded(name, 64 * KIB, || call(&mut store, instance, name, &[]));
        match outcome {
            Err(Error::OutOfFuel { consumed, total }) => {
                assert_eq!(total, 1_000_000, "{name}");
                assert!(
                    consumed <= total && consumed > total / 2,
                    "{name}: {consumed}"
                );
            }
            other => panic!("{name}: expected out of fuel, got {other:?}"),
        }
        assert!(store.get_fuel().expect("fuel is on") < 1_000_000);
    }
    let count = instance.get_global(&store, "count").expect("exported");
    let Val::I64(ticks) = count.get(&store) else {
        panic!("an i64 global")
    };
    assert!(ticks > 1000, "spin_calling made progress: {ticks}");
}

#[test]
fn an_endless_loop_suspends_and_resumes_under_fuel() {
    let _serial = serial();
    let module = compile_with(&fuel_config(), &wat::parse_str(ENDLESS).expect("valid WAT"))
        .expect("compiles");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    let spin = instance.get_func(&store, "spin_calling").expect("exported");
    let count = instance.get_global(&store, "count").expect("exported");
    store.set_fuel(10_000).expect("fuel is on");
    let mut outcome = spin.call_resumable(&mut store, &[]).expect("starts");
    let mut last = 0;
    let (_, usage) = measure(|| {
        for _ in 0..100 {
            let CallOutcome::Suspended(suspended) = outcome else {
                panic!("an endless loop cannot complete")
            };
            assert!(matches!(
                suspended.reason(),
                SuspendReason::OutOfFuel { .. }
            ));
            let Val::I64(ticks) = count.get(&store) else {
                panic!("an i64 global")
            };
            assert!(ticks > last, "progress in every slice");
            last = ticks;
            store.add_fuel(10_000).expect("fuel is on");
            outcome = suspended.resume(&mut store, &[]).expect("resumes");
        }
    });
    // Suspending keeps no more than the one call's state, slice after slice.
    check("100 fuel slices", usage, 64 * KIB);
}

#[test]
fn endless_recursion_under_fuel_ends_in_a_trap_or_out_of_fuel() {
    let _serial = serial();
    let module = compile_with(&fuel_config(), &wat::parse_str(ENDLESS).expect("valid WAT"))
        .expect("compiles");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    // Enough fuel to reach the call-depth limit: the trap comes first.
    store.set_fuel(100_000_000).expect("fuel is on");
    let outcome = bounded("recursion with fuel", 32 * MIB, || {
        call(&mut store, instance, "recurse", &[])
    });
    assert_eq!(trap_code(outcome), TrapCode::StackOverflow);
    // Little fuel: out of fuel first.
    store.set_fuel(1000).expect("fuel is on");
    let outcome = call(&mut store, instance, "recurse", &[]);
    assert!(
        matches!(outcome, Err(Error::OutOfFuel { .. })),
        "{outcome:?}"
    );
}

#[test]
fn an_endless_start_function_runs_out_of_fuel_during_instantiation() {
    let _serial = serial();
    let bytes =
        wat::parse_str("(module (func $start (loop (br 0))) (start $start))").expect("valid WAT");
    let module = compile_with(&fuel_config(), &bytes).expect("compiles");
    let mut store = Store::new(module.engine(), ());
    store.set_fuel(100_000).expect("fuel is on");
    let outcome = bounded("endless start", 64 * KIB, || {
        Instance::new(&mut store, &module, &[])
    });
    assert!(
        matches!(outcome, Err(Error::OutOfFuel { total: 100_000, .. })),
        "{outcome:?}"
    );
}
