//! Bare mode of the `wisp` binary on the process host (HOST.md §7.2
//! L5–L8, §7.3 F1–F11): `wisp run [OPTIONS] FILE.wat [ARGS...]` with the
//! limit flags, checked through exit codes, output and `--report`.

mod common;

use common::{
    assert_code, fixture, read_report, report_path, stderr, stdout, temp_dir, wisp, wisp_with,
};

/// `wisp run --report R <args…>`: the output and the report.
fn run_r(name: &str, args: &[&str]) -> (std::process::Output, serde_json::Value) {
    let r = report_path(name);
    let rs = r.display().to_string();
    let mut full = vec!["run", "--report", rs.as_str()];
    full.extend_from_slice(args);
    let o = wisp(&full);
    (o, read_report(&r))
}

#[test]
fn l5_proc_exit_is_the_exit_code() {
    let (o, r) = run_r("l5", &[&fixture("exit3.wat")]);
    assert_code(&o, 3);
    assert_eq!(stderr(&o), "", "an exit is not an error");
    assert_eq!(r["reason"], "exit");
    assert_eq!(r["detail"]["code"], 3);
    assert_eq!(r["exit_code"], 3);
    assert_eq!(r["error"], "exit status 3");
}

#[test]
fn l6_dir_mounts_a_host_directory() {
    let dir = temp_dir("l6");
    std::fs::write(dir.join("in.txt"), "the file\n").unwrap();
    let mount = format!("{}::/data", dir.display());
    let cat = fixture("cat.wat");
    let o = wisp(&["run", "--dir", &mount, &cat]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "the file\n");
    let o = wisp(&["run", "--dir-ro", &mount, &cat]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "the file\n");

    // Without --dir there is no fd 3: the guest exits with errno 8 (BADF).
    let o = wisp(&["run", &cat]);
    assert_code(&o, 8);
    // A directory without the file: errno 44 (NOENT).
    let empty = temp_dir("l6-empty");
    let o = wisp(&["run", "--dir", &format!("{}::/data", empty.display()), &cat]);
    assert_code(&o, 44);
}

#[test]
fn l7_env_sets_and_inherits_variables() {
    let o = wisp_with(
        &[
            "run",
            "--env",
            "A=1",
            "--env",
            "WISP_L7_HOME",
            &fixture("env.wat"),
        ],
        None,
        &[("WISP_L7_HOME", "/home/l7"), ("NOT_PASSED", "x")],
        &[],
    );
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "A=1\nWISP_L7_HOME=/home/l7\n");
}

#[test]
fn l8_invoke_parses_arguments_and_prints_results() {
    let o = wisp(&["run", "--invoke", "add", &fixture("add.wat"), "2", "40"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "42\n");
}

#[test]
fn f1_f2_fuel_runs_out_at_the_same_point_every_time() {
    let lp = fixture("loop.wat");
    let (a, ra) = run_r("f1a", &["--fuel", "1000000", &lp]);
    assert_code(&a, 134);
    assert_eq!(
        stderr(&a),
        "wisp: process exited: fuel exhausted (1000000/1000000)\n"
    );
    assert_eq!(ra["reason"], "fuel_exhausted");
    let used = ra["detail"]["used"].as_u64().expect("used");
    // No single instruction of loop.wat costs more than a host call.
    assert!((1_000_000 - 100..=1_000_000).contains(&used), "{ra}");
    assert_eq!(ra["fuel_used"].as_u64(), Some(used));
    assert_eq!(ra["detail"]["limit"], 1_000_000);
    assert!(!stdout(&a).is_empty() && stdout(&a).bytes().all(|b| b == b'.'));

    // F2: the same fuel, another run (and another slice size): the same
    // stopping point and the same output.
    let (b, rb) = run_r("f1b", &["--fuel", "1000000", "--slice-fuel", "777", &lp]);
    assert_eq!(rb["fuel_used"], ra["fuel_used"]);
    assert_eq!(stdout(&b), stdout(&a));
}

#[test]
fn f3_a_trap_names_its_code_and_function() {
    let (o, r) = run_r("f3", &[&fixture("trap.wat")]);
    assert_code(&o, 134);
    assert!(
        stderr(&o).starts_with(
            "wisp: process exited: trap: unreachable in `f`\nwasm backtrace:\n  0: f\n"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(r["reason"], "trap");
    assert_eq!(r["detail"]["code"], "Unreachable");
    assert_eq!(r["detail"]["func_name"], "f");
    assert_eq!(r["detail"]["func"], 0);
    // The offset of the `unreachable` opcode (0x00) in the module binary.
    let wasm = common::fixture_wasm("trap.wat");
    let offset = r["detail"]["offset"].as_u64().expect("an offset") as usize;
    assert_eq!(wasm[offset], 0x00, "{offset}");
}

#[test]
fn f4_integer_divide_by_zero() {
    let (o, r) = run_r("f4", &["--invoke", "div", &fixture("div0.wat"), "1", "0"]);
    assert_code(&o, 134);
    assert_eq!(r["detail"]["code"], "IntegerDivideByZero");
    let (o, r) = run_r(
        "f4-ok",
        &["--invoke", "div", &fixture("div0.wat"), "-9", "3"],
    );
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "-3\n");
    assert_eq!(r["result"], serde_json::json!([-3]));
}

#[test]
fn f5_memory_grow_fails_at_the_page_limit() {
    let (o, r) = run_r(
        "f5",
        &[
            "--max-memory-pages",
            "16",
            "--invoke",
            "grow",
            &fixture("grow.wat"),
        ],
    );
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "16\n");
    assert_eq!(r["result"], serde_json::json!([16]));
    // The same limit as a size.
    let o = wisp(&[
        "run",
        "--max-memory",
        "1MiB",
        "--invoke",
        "grow",
        &fixture("grow.wat"),
    ]);
    assert_eq!(stdout(&o), "16\n");
}

#[test]
fn f6_trap_mode_ends_the_process_at_the_page_limit() {
    let (o, r) = run_r(
        "f6",
        &[
            "--max-memory-pages",
            "16",
            "--on-memory-limit",
            "trap",
            "--invoke",
            "grow",
            &fixture("grow.wat"),
        ],
    );
    assert_code(&o, 134);
    assert_eq!(r["reason"], "memory_limit");
    assert_eq!(
        r["detail"],
        serde_json::json!({"requested": 17, "limit": 16})
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "wisp: process exited: memory limit: 17 pages requested, the limit is 16\n"
    );
}

#[test]
fn f7_declared_memory_over_the_limit_is_a_spawn_error() {
    let (o, r) = run_r(
        "f7",
        &["--max-memory-pages", "256", &fixture("memory300.wat")],
    );
    assert_code(&o, 1);
    assert_eq!(
        stderr(&o),
        "error[MemoryLimitError]: module declares 300 initial pages, limit is 256\n"
    );
    assert_eq!(r["reason"], "spawn_error");
    assert_eq!(r["detail"]["code"], "MemoryLimitError");
    assert_eq!(r["exit_code"], 1);
}

#[test]
fn f8_unbounded_recursion_exhausts_the_call_stack() {
    let (o, r) = run_r(
        "f8",
        &[
            "--max-call-depth",
            "1000",
            "--invoke",
            "r",
            &fixture("recurse.wat"),
        ],
    );
    assert_code(&o, 134);
    assert_eq!(r["detail"]["code"], "StackExhausted");
    assert!(
        stderr(&o).contains("call stack exhausted"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("more frames of r"), "{}", stderr(&o));
}

#[test]
fn f9_a_wall_clock_limit_stops_a_sleeping_guest() {
    let start = std::time::Instant::now();
    let (o, r) = run_r("f9", &["--timeout", "200ms", &fixture("sleep.wat")]);
    assert_code(&o, 124);
    assert_eq!(r["reason"], "timeout");
    assert_eq!(r["detail"]["limit_ms"], 200);
    assert!(
        r["detail"]["elapsed_ms"]
            .as_u64()
            .is_some_and(|ms| ms >= 200),
        "{r}"
    );
    // Far below the guest's 10 s sleep (and generous for a loaded machine).
    assert!(start.elapsed() < std::time::Duration::from_secs(8));
}

#[test]
fn f10_output_past_the_limit_is_cut_or_fails() {
    let spam = fixture("spam.wat");
    let (o, r) = run_r("f10", &["--max-output", "1MiB", &spam]);
    assert_code(&o, 0);
    assert_eq!(o.stdout.len(), 1 << 20);
    assert!(o.stdout.iter().all(|b| *b == b'x'));
    assert_eq!(r["stdout_truncated"], true);
    assert_eq!(r["stderr_truncated"], false);
    assert_eq!(
        stderr(&o),
        "wisp: stdout was truncated at 1048576 bytes (--max-output)\n"
    );

    let (o, r) = run_r(
        "f10-fail",
        &["--max-output", "1MiB", "--on-output-limit", "fail", &spam],
    );
    assert_code(&o, 134);
    assert_eq!(r["reason"], "output_limit");
    assert_eq!(
        r["detail"],
        serde_json::json!({"stream": "stdout", "limit": 1_048_576})
    );
}

#[test]
fn f11_table_grow_fails_at_the_element_limit() {
    let (o, r) = run_r(
        "f11",
        &[
            "--max-table-elements",
            "10",
            "--invoke",
            "grow",
            &fixture("table.wat"),
        ],
    );
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "10\n");
    assert_eq!(r["result"], serde_json::json!([10]));
}

#[test]
fn spawn_errors_name_their_code() {
    let o = wisp(&["run", &fixture("import_env.wat")]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).starts_with("error[UnknownImport]: "),
        "{}",
        stderr(&o)
    );
    let o = wisp(&["run", "/surely/not/here.wasm"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).starts_with("error[ModuleNotFound]: "),
        "{}",
        stderr(&o)
    );
    let bad = temp_dir("bad-wat").join("bad.wat");
    std::fs::write(&bad, "(module (func").unwrap();
    let o = wisp(&["run", &bad.display().to_string()]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).starts_with("error[ModuleCompileError]: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn registry_flags_and_host_only_flags_are_usage_errors_in_the_wrong_mode() {
    let o = wisp(&["run", "--host", "h", &fixture("add.wat")]);
    assert_code(&o, 2);
    let o = wisp(&[
        "run",
        "--timeout",
        "1s",
        "--checkpoint-at-fuel",
        "10",
        "--checkpoint-out",
        "/tmp/x.ckpt",
        &fixture("exit3.wat"),
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("--timeout cannot be used with --checkpoint-at-fuel"),
        "{}",
        stderr(&o)
    );
    let o = wisp(&["run", "--timeout", "5", &fixture("exit3.wat")]);
    assert_code(&o, 2);
}

#[test]
fn a_start_function_trap_is_the_guests() {
    let dir = temp_dir("start");
    let m = dir.join("start.wat");
    std::fs::write(
        &m,
        r#"(module (func $s unreachable) (start $s) (func (export "_start")))"#,
    )
    .unwrap();
    let (o, r) = run_r("start", &[&m.display().to_string()]);
    assert_code(&o, 134);
    assert_eq!(r["reason"], "trap");
    assert_eq!(r["detail"]["code"], "Unreachable");
    // The start function runs in Step: the process exists.
    assert!(r["pid"].is_number(), "{r}");
}

#[test]
fn a_checkpoint_report_says_suspended() {
    let dir = temp_dir("ckpt");
    let ckpt = dir.join("loop.ckpt").display().to_string();
    let (o, r) = run_r(
        "ckpt",
        &[
            "--checkpoint-at-fuel",
            "5000",
            "--checkpoint-out",
            &ckpt,
            &fixture("loop.wat"),
        ],
    );
    assert_code(&o, 0);
    assert_eq!(r["reason"], "suspended");
    assert_eq!(r["exit_code"], 0);
}

#[test]
fn stdin_is_pumped_into_the_guest() {
    use std::io::Write;
    let echo = temp_dir("echo").join("echo.wat");
    std::fs::write(
        &echo,
        r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 64))
    (loop $more
      (drop (call $r (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.load (i32.const 8))
        (then
          (i32.store (i32.const 16) (i32.const 100))
          (i32.store (i32.const 20) (i32.load (i32.const 8)))
          (drop (call $w (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
          (br $more))))))"#,
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(["run", &echo.display().to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let text = "line one\n".repeat(20_000);
    let mut input = child.stdin.take().unwrap();
    let writer = {
        let text = text.clone();
        std::thread::spawn(move || input.write_all(text.as_bytes()))
    };
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_code(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), text);
}

#[test]
fn module_path_links_imported_modules() {
    let dir = temp_dir("modpath");
    let libs = dir.join("libs");
    std::fs::create_dir_all(libs.join("twice")).unwrap();
    let w = |p: &std::path::Path, wat: &str| std::fs::write(p, wat::parse_str(wat).unwrap());
    // mathlib.wasm imports twice (a directory holding one .wasm file).
    w(
        &libs.join("mathlib.wasm"),
        r#"(module (import "twice" "f" (func $t (param i32) (result i32)))
             (func (export "triple") (param i32) (result i32)
               (i32.add (call $t (local.get 0)) (local.get 0))))"#,
    )
    .unwrap();
    w(
        &libs.join("twice").join("impl.wasm"),
        r#"(module (func (export "f") (param i32) (result i32)
             (i32.mul (local.get 0) (i32.const 2))))"#,
    )
    .unwrap();
    let main = dir.join("main.wat");
    std::fs::write(
        &main,
        r#"(module (import "mathlib" "triple" (func $t (param i32) (result i32)))
             (func (export "f") (param i32) (result i32) (call $t (local.get 0))))"#,
    )
    .unwrap();
    let (m, l) = (main.display().to_string(), libs.display().to_string());
    let o = wisp(&["run", "--module-path", &l, "--invoke", "f", &m, "14"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "42\n");
    // Not found anywhere: unknown module.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = empty.display().to_string();
    let o = wisp(&["run", "--module-path", &e, "--invoke", "f", &m, "14"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("error[UnknownModuleError]: unknown module \"mathlib\""),
        "{}",
        stderr(&o)
    );
    // A cycle: twice imports mathlib.
    w(
        &libs.join("twice").join("impl.wasm"),
        r#"(module (import "mathlib" "triple" (func (param i32) (result i32)))
             (func (export "f") (param i32) (result i32) (local.get 0)))"#,
    )
    .unwrap();
    let o = wisp(&["run", "--module-path", &l, "--invoke", "f", &m, "14"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("import cycle mathlib -> twice -> mathlib"),
        "{}",
        stderr(&o)
    );
}
