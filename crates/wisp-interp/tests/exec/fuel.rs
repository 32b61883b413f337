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
