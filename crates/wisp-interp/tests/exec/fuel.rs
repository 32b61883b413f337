//! Fuel metering: running out suspends (never traps), resuming continues
//! exactly where the check failed, and the outcome does not depend on how
//! often a run was interrupted.

use super::*;
use wisp_interp::{CallOutcome, SuspendReason};

fn fuel_config() -> Config {
    let mut config = Config::default();
    config.consume_fuel(true);
    config
}

/// A computation with loops, calls, memory and a `br_table`.
const WORK: &str = r#"(module
    (memory 1)
    (func $mix (param i64 i64) (result i64)
        (i64.mul (i64.xor (local.get 0) (local.get 1)) (i64.const 0x100000001b3)))
    (func (export "work") (param $n i32) (result i64) (local $i i32) (local $h i64)
        (local.set $h (i64.const 0xcbf29ce484222325))
        (loop $l
            (i32.store8 (i32.and (local.get $i) (i32.const 1023)) (local.get $i))
            (block $a (block $b (block $c
                (br_table $a $b $c (i32.rem_u (local.get $i) (i32.const 3))))
                (local.set $h (call $mix (local.get $h) (i64.const 1))))
                (local.set $h (call $mix (local.get $h) (i64.extend_i32_u (local.get $i)))))
            (local.set $h (call $mix (local.get $h)
                (i64.load8_u (i32.and (i32.mul (local.get $i) (i32.const 7)) (i32.const 1023)))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $h))
    (func (export "spin") (loop $l (br $l)))
)"#;

#[test]
fn an_infinite_loop_runs_out_of_fuel() {
    let (mut s, i) = instantiate_with(&fuel_config(), WORK);
    s.set_fuel(10_000).unwrap();
    let spin = i.get_func(&s, "spin").unwrap();
    match spin.call_resumable(&mut s, &[]).unwrap() {
        CallOutcome::Suspended(call) => {
            assert!(matches!(call.reason(), SuspendReason::OutOfFuel { .. }));
        }
        CallOutcome::Complete(_) => panic!("an infinite loop completed"),
    }
    assert!(s.get_fuel().unwrap() < 10);
    // A plain call reports running out of fuel as an error.
    s.set_fuel(1_000).unwrap();
    assert!(matches!(
        call(&mut s, i, "spin", &[]),
        Err(Error::OutOfFuel { .. })
    ));
}

#[test]
fn interrupted_runs_give_the_same_result() {
    let n = i32(3000);
    // Uninterrupted, with ample fuel.
    let (mut s, i) = instantiate_with(&fuel_config(), WORK);
    s.set_fuel(u64::MAX / 2).unwrap();
    let expected = call(&mut s, i, "work", &[n]).unwrap();
    let consumed = u64::MAX / 2 - s.get_fuel().unwrap();
    assert!(consumed > 10_000, "fuel is charged: {consumed}");

    // Without fuel metering at all.
    let (mut plain, pi) = instantiate(WORK);
    assert_eq!(call(&mut plain, pi, "work", &[n]).unwrap(), expected);

    // Suspended over and over with a small slice of fuel each time.
    let (mut s, i) = instantiate_with(&fuel_config(), WORK);
    let slice = consumed / 1500;
    s.set_fuel(slice).unwrap();
    let work = i.get_func(&s, "work").unwrap();
    let mut outcome = work.call_resumable(&mut s, &[n]).unwrap();
    let mut suspensions = 0;
    let mut total = slice;
    let results = loop {
        match outcome {
            CallOutcome::Complete(results) => break results,
            CallOutcome::Suspended(call) => {
                let SuspendReason::OutOfFuel { required } = *call.reason() else {
                    panic!("unexpected suspension");
                };
                assert!(required > s.get_fuel().unwrap());
                suspensions += 1;
                s.add_fuel(slice).unwrap();
                total += slice;
                outcome = call.resume(&mut s, &[]).unwrap();
            }
        }
    };
    assert_eq!(results, expected);
    assert!(suspensions >= 1000, "only {suspensions} suspensions");
    // The same instructions ran, so the same fuel was consumed.
    assert_eq!(total - s.get_fuel().unwrap(), consumed);
}

#[test]
fn fuel_off_means_no_checks() {
    let (mut s, i) = instantiate(WORK);
    assert!(s.set_fuel(1).is_err());
    assert!(call(&mut s, i, "work", &[i32(10)]).is_ok());
}

/// A bytecode interpreter: a `switch` (`br_table`) in a loop, with cases
/// that jump straight back to the head and cases that go through a shared
/// latch. The translator copies the head (and the latch) into the cases,
/// the copies ending in a one-word jump through the original table; the
/// head is short enough to be copied with its fuel check too.
const SWITCH_LOOP: &str = r#"(module
    (memory 1)
    ;; the program: opcodes 1 2 0 3 1 2 0 4 (4 halts)
    (data (i32.const 0) "\01\00\00\00\02\00\00\00\00\00\00\00\03\00\00\00\01\00\00\00\02\00\00\00\00\00\00\00\04\00\00\00")
    (func (export "vm") (param $rounds i32) (result i64)
        (local $pc i32) (local $acc i64) (local $op i32)
        (loop $round
            (local.set $pc (i32.const 0))
            (block $halt
                (loop $head
                    (local.set $op (i32.load (local.get $pc)))
                    (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
                    (block $latch
                        (block $c3 (block $c2 (block $c1 (block $c0
                            (br_table $c0 $c1 $c2 $c3 $halt (local.get $op)))
                            (local.set $acc (i64.add (local.get $acc) (i64.const 1)))
                            (br $head))
                            (local.set $acc (i64.mul (local.get $acc) (i64.const 3)))
                            (br $latch))
                            (local.set $acc (i64.xor (local.get $acc) (i64.const 0x55)))
                            (br $latch))
                        (local.set $acc (i64.rotl (local.get $acc) (i64.const 7))))
                    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $pc))))
                    (br $head)))
            (br_if $round (local.tee $rounds (i32.sub (local.get $rounds) (i32.const 1)))))
        (local.get $acc))
)"#;

/// What `SWITCH_LOOP`'s `vm` computes, in Rust.
fn switch_loop_model(rounds: u32) -> i64 {
    let program = [1, 2, 0, 3, 1, 2, 0, 4];
    let mut acc = 0i64;
    for _ in 0..rounds {
        let mut pc = 0;
        loop {
            let op = program[pc];
            pc += 1;
            match op {
                0 => {
                    acc = acc.wrapping_add(1);
                    continue;
                }
                1 => acc = acc.wrapping_mul(3),
                2 => acc ^= 0x55,
                3 => acc = acc.rotate_left(7),
                _ => break,
            }
            acc = acc.wrapping_add(4 * pc as i64);
        }
    }
    acc
}

#[test]
fn a_switch_loop_gives_the_same_result_however_often_it_is_suspended() {
    let rounds = 500;
    let expected = [i64(switch_loop_model(rounds))];
    let n = [i32(rounds as i32)];
    let (mut plain, pi) = instantiate(SWITCH_LOOP);
    assert_eq!(call(&mut plain, pi, "vm", &n).unwrap(), expected);

    let (mut s, i) = instantiate_with(&fuel_config(), SWITCH_LOOP);
    s.set_fuel(u64::MAX / 2).unwrap();
    assert_eq!(call(&mut s, i, "vm", &n).unwrap(), expected);
    let consumed = u64::MAX / 2 - s.get_fuel().unwrap();

    // Slices of a few units suspend inside the copied blocks too.
    for slice in [3, 7, 64] {
        let (mut s, i) = instantiate_with(&fuel_config(), SWITCH_LOOP);
        s.set_fuel(slice).unwrap();
        let vm = i.get_func(&s, "vm").unwrap();
        let mut outcome = vm.call_resumable(&mut s, &n).unwrap();
        let mut total = slice;
        let results = loop {
            match outcome {
                CallOutcome::Complete(results) => break results,
                CallOutcome::Suspended(call) => {
                    s.add_fuel(slice).unwrap();
                    total += slice;
                    outcome = call.resume(&mut s, &[]).unwrap();
                }
            }
        };
        assert_eq!(results, expected, "slices of {slice}");
        assert_eq!(total - s.get_fuel().unwrap(), consumed, "slices of {slice}");
    }
}

/// A module's code is translated for its engine's metering (fuel checks
/// and the handlers beside each instruction), so a store whose engine
/// meters differently refuses it with an error saying so, in either
/// direction; the module still runs in a store of its own engine's
/// metering.
#[test]
fn a_module_is_refused_by_a_store_of_the_other_metering() {
    let bytes = wat::parse_str(WORK).unwrap();
    for module_fuel in [false, true] {
        let mut compiled_with = Config::default();
        compiled_with.consume_fuel(module_fuel);
        let module = Module::new(&Engine::new(&compiled_with), &bytes).unwrap();
        let mut other = Config::default();
        other.consume_fuel(!module_fuel);
        let mut store = Store::new(&Engine::new(&other), ());
        match Instance::new(&mut store, &module, &[]) {
            Err(Error::Api(message)) => {
                assert!(message.contains("fuel metering"), "{message}");
                assert!(message.contains("store's engine"), "{message}");
            }
            Err(other) => panic!("wrong error for fuel {module_fuel}: {other}"),
            Ok(_) => panic!("a module compiled with fuel {module_fuel} was instantiated"),
        }
        // The same module in a store of the same metering runs.
        let mut store = Store::new(&Engine::new(&compiled_with), ());
        if module_fuel {
            store.set_fuel(u64::MAX / 2).unwrap();
        }
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        assert!(call(&mut store, instance, "work", &[i32(100)]).is_ok());
    }
}
