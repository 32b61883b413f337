//! The runner's judgement on small scripts: every directive kind passing when
//! the engine does what the script asserts, and failing — with the right
//! location, directive and message — when it does not.

use wisp_wast::{Report, RunOptions, run_source};

fn run(source: &str) -> Report {
    run_source("t.wast", source, &RunOptions::default())
}

fn describe(r: &Report) -> String {
    let mut s = format!("{} passed, {} failed\n", r.passed, r.failed);
    if let Some(e) = &r.script_error {
        s.push_str(&format!("script error: {e}\n"));
    }
    for f in &r.failures {
        s.push_str(&format!("{f}\n"));
    }
    s
}

const PASSING: &str = r#"
(module $M
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "spectest" "global_i32" (global $g666 i32))
  (import "spectest" "global_f64" (global $g666f f64))
  (import "spectest" "table" (table 10 20 funcref))
  (import "spectest" "memory" (memory 1 2))
  (global (export "g") (mut i32) (i32.const 42))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "g666") (result i32 f64) global.get $g666 global.get $g666f)
  (func (export "print") (param i32) local.get 0 call $print)
  (func (export "canonical") (result f32) f32.const nan)
  (func (export "arithmetic") (result f64) f64.const -nan:0xc000000000000)
  (func (export "neg-zero") (result f32) f32.const -0)
  (func (export "null-func") (result funcref) ref.null func)
  (func (export "null-extern") (result externref) ref.null extern)
  (func (export "id-extern") (param externref) (result externref) local.get 0)
  (func $f (export "some-func") (result funcref) ref.func $f)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func $rec (export "rec") call $rec)
  (func (export "multi") (result i32 i64) i32.const 1 i64.const 2)
)
(register "M" $M)
(module $N
  (import "M" "add" (func $add (param i32 i32) (result i32)))
  (func (export "twice") (param i32) (result i32) local.get 0 local.get 0 call $add))
(invoke $M "print" (i32.const 1))
(assert_return (invoke $M "add" (i32.const 2) (i32.const -5)) (i32.const -3))
(assert_return (invoke "twice" (i32.const 21)) (i32.const 42))
(assert_return (get $M "g") (i32.const 42))
(assert_return (invoke $M "g666") (i32.const 666) (f64.const 666.6))
(assert_return (invoke $M "canonical") (f32.const nan:canonical))
(assert_return (invoke $M "canonical") (f32.const nan:arithmetic))
(assert_return (invoke $M "arithmetic") (f64.const nan:arithmetic))
(assert_return (invoke $M "neg-zero") (f32.const -0))
(assert_return (invoke $M "null-func") (ref.null func))
(assert_return (invoke $M "null-extern") (ref.null extern))
(assert_return (invoke $M "id-extern" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke $M "id-extern" (ref.extern 7)) (ref.extern))
(assert_return (invoke $M "some-func") (ref.func))
(assert_return (invoke $M "multi") (i32.const 1) (i64.const 2))
(assert_return (invoke $M "add" (i32.const 1) (i32.const 1))
  (either (i32.const 3) (i32.const 2)))
(assert_trap (invoke $M "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_exhaustion (invoke $M "rec") "call stack exhausted")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func (i32.const 1)") "unexpected token")
(assert_unlinkable (module (import "M" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "M" "add" (func (param i64)))) "incompatible import type")
(module definition $D (func (export "five") (result i32) i32.const 5))
(module instance $I $D)
(assert_return (invoke $I "five") (i32.const 5))
(module quote "(func (export \"q\") (result i32) i32.const 9)")
(assert_return (invoke "q") (i32.const 9))
"#;

#[test]
fn every_directive_kind_passes_on_a_conforming_engine() {
    let r = run(PASSING);
    assert_eq!(r.failed, 0, "{}", describe(&r));
    assert_eq!(r.passed, 32, "{}", describe(&r));
    assert!(r.is_pass());
}

const FAILING: &str = r#"(module
  (func (export "one") (result i32) i32.const 1)
  (func (export "signalling") (result f32) f32.const nan:0x200000)
  (func (export "quiet-payload") (result f32) f32.const nan:0x600000)
  (func (export "pos-zero") (result f64) f64.const 0)
  (func (export "trap") unreachable)
  (func (export "null") (result externref) ref.null extern)
)
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "one") (i64.const 1))
(assert_return (invoke "signalling") (f32.const nan:arithmetic))
(assert_return (invoke "quiet-payload") (f32.const nan:canonical))
(assert_return (invoke "pos-zero") (f64.const -0))
(assert_return (invoke "null") (ref.null func))
(assert_return (invoke "null") (ref.extern))
(assert_return (invoke "trap"))
(assert_trap (invoke "one") "unreachable")
(assert_trap (invoke "trap") "integer overflow")
(assert_return (invoke "missing"))
(assert_invalid (module (func)) "type mismatch")
(assert_malformed (module (func)) "unexpected end")
(assert_unlinkable (module) "unknown import")
(assert_exception (invoke "trap"))
(invoke $nowhere "one")
(assert_return (invoke "quiet-payload") (f32.const nan:arithmetic))
"#;

#[test]
fn wrong_outcomes_fail_with_location_and_reason() {
    let r = run(FAILING);
    assert_eq!(r.passed, 2, "{}", describe(&r));
    assert_eq!(r.failed, 16, "{}", describe(&r));
    let lines: Vec<usize> = r.failures.iter().map(|f| f.location.line).collect();
    assert_eq!(lines, (9..=24).collect::<Vec<_>>(), "{}", describe(&r));

    let first = &r.failures[0];
    assert_eq!(
        first.to_string(),
        "t.wast:9: assert_return: expected [i32:2], got [i32:1]"
    );
    assert_eq!(r.failures[1].got, "[i32:1]");
    assert!(
        r.failures[7].got.contains("unreachable"),
        "{}",
        describe(&r)
    );
    assert_eq!(r.failures[8].got, "return [i32:1]");
    assert!(r.failures[10].got.contains("no such export"));
    assert_eq!(r.failures[11].got, "module compiled");
    assert_eq!(r.failures[14].directive, "assert_exception");
    assert!(r.failures[14].got.contains("unsupported directive"));
}

#[test]
fn skipped_lines_neither_pass_nor_fail() {
    let src = "(module (func (export \"f\") (result i32) i32.const 1))\n\
               (assert_return (invoke \"f\") (i32.const 2))\n\
               (assert_return (invoke \"f\") (i32.const 1))\n";
    let opts = RunOptions {
        skip_lines: vec![2],
        ..RunOptions::default()
    };
    let r = run_source("s.wast", src, &opts);
    assert_eq!(
        (r.passed, r.failed, r.skipped),
        (2, 0, 1),
        "{}",
        describe(&r)
    );
}

#[test]
fn fuel_stops_runaway_loops() {
    let src = "(module (func (export \"spin\") (loop (br 0))))\n\
               (assert_return (invoke \"spin\"))\n";
    let opts = RunOptions {
        fuel: Some(10_000),
        ..RunOptions::default()
    };
    let r = run_source("f.wast", src, &opts);
    assert_eq!((r.passed, r.failed), (1, 1), "{}", describe(&r));
    assert!(
        r.failures[0].got.contains("out of fuel"),
        "{}",
        describe(&r)
    );
}

#[test]
fn unparsable_scripts_are_one_script_error() {
    let r = run("(module (func)");
    assert_eq!((r.passed, r.failed), (0, 1));
    assert!(r.script_error.is_some());
    assert!(!r.is_pass());
    let r = wisp_wast::run_file("/nonexistent/x.wast".as_ref(), &RunOptions::default());
    assert!(matches!(
        r.script_error,
        Some(wisp_wast::ScriptError::Read { .. })
    ));
}
