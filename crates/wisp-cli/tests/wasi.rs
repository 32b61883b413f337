//! `wisp run` as a WASI command runner: `_start`, the words after the file
//! as argv[1..], `--env`, the host's stdio, and `proc_exit(n)` as the exit
//! code. The guests are small WAT programs; `tests/programs/` has C programs
//! built with clang and wasi-libc.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wisp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .output()
        .expect("the wisp binary runs")
}

fn module(name: &str, wat: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wisp-cli-wasi");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(wat).unwrap()).unwrap();
    path.display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Prints every argument (`args`) or environment entry (`env`) on its own
/// line, then exits with the count via `proc_exit` when asked to.
fn lister(sizes: &str, get: &str, exit_with_count: bool) -> String {
    let exit = if exit_with_count {
        "(call $exit (i32.load (i32.const 0)))"
    } else {
        ""
    };
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "{sizes}" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "{get}" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: count, 4: bytes, 16..: pointers, 1024..: strings, 8: iovec, 100: newline
  (data (i32.const 100) "\n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 200))))
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $n))
  (func (export "_start") (local $i i32) (local $p i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 16) (i32.const 1024)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (local.set $p (i32.load (i32.add (i32.const 16) (i32.shl (local.get $i) (i32.const 2)))))
      (call $print (local.get $p) (call $strlen (local.get $p)))
      (call $print (i32.const 100) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    {exit}))"#
    )
}

#[test]
fn a_command_gets_its_arguments_and_prints_to_stdout() {
    let m = module("args.wasm", &lister("args_sizes_get", "args_get", false));
    let o = wisp(&["run", &m, "one", "--two", "three four"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("{m}\none\n--two\nthree four\n"));
}

#[test]
fn env_flags_set_and_inherit_variables() {
    let m = module(
        "env.wasm",
        &lister("environ_sizes_get", "environ_get", false),
    );
    let o = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(["run", "--env", "A=1", "--env", "WISP_TEST_HOST", &m])
        .env("WISP_TEST_HOST", "from host")
        .env("NOT_PASSED", "x")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "A=1\nWISP_TEST_HOST=from host\n");

    let o = wisp(&["run", "--env", "WISP_SURELY_UNSET_VARIABLE", &m]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("WISP_SURELY_UNSET_VARIABLE"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn proc_exit_sets_the_exit_code() {
    let m = module("exit.wasm", &lister("args_sizes_get", "args_get", true));
    // argc = 1 + 2 words.
    let o = wisp(&["run", &m, "a", "b"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("{m}\na\nb\n"));
    assert_eq!(text(&o.stderr), "", "an exit is not an error");
}

#[test]
fn an_unknown_import_is_a_link_error_naming_it() {
    let m = module(
        "unknown.wasm",
        r#"(module (import "wasi_snapshot_preview1" "path_open_nonexistent" (func))
                   (func (export "_start")))"#,
    );
    let o = wisp(&["run", &m]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("path_open_nonexistent"),
        "{}",
        text(&o.stderr)
    );
}

/// `tests/programs/hello.c`, built by `tests/programs/build.sh` with clang
/// and wasi-libc (printf through `fd_write`, `fd_seek` and `fd_fdstat_get`).
#[test]
fn a_c_program_built_with_wasi_libc_runs() {
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/hello.wasm");
    let o = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(["run", "--env", "GREETING", program, "a", "b c"])
        .env("GREETING", "hi")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "hello from C\narg 1: a\narg 2: b c\nGREETING=hi\n"
    );
    assert_eq!(text(&o.stderr), "to stderr\n");

    let o = wisp(&["run", program, "exit", "x", "y"]);
    assert_eq!(o.status.code(), Some(3), "main returned argc - 1");
    assert!(
        text(&o.stdout).ends_with("GREETING=(unset)\n"),
        "{}",
        text(&o.stdout)
    );
}

/// `wisp-wasi/tests/programs/files.c` (wasi-libc stdio and POSIX file calls
/// under `/data`) over `--dir HOST::/data`, and refused by `--dir-ro`.
#[test]
fn dir_preopens_a_host_directory() {
    let program = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wisp-wasi/tests/programs/files.wasm"
    );
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wisp-cli-dir");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let mount = format!("{}::/data", root.display());
    let o = wisp(&["run", "--dir", &mount, program]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(
        text(&o.stdout).starts_with("read: line 42\n"),
        "{}",
        text(&o.stdout)
    );

    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let o = wisp(&["run", "--dir-ro", &mount, program]);
    assert_eq!(o.status.code(), Some(1), "fopen for writing fails: exit 1");
    assert!(text(&o.stderr).contains("fopen w"), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_dir(&root).unwrap().count(),
        0,
        "nothing was created"
    );

    let o = wisp(&["run", "--dir", "/surely/not/a/dir::/data", program]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("/surely/not/a/dir"),
        "{}",
        text(&o.stderr)
    );
}
