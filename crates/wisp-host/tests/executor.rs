//! The executor facade (HOST.md §5.2, §5.3; scenarios E1–E5 of §7.6, ids
//! in the test names): execution ids, outcomes, cancel, log streams and the
//! results directory.
//!
//! Every wait is bounded, and no test depends on how fast the machine is:
//! guests that must stay alive wait on a stdin pipe the test controls.

use std::time::Duration;

use crossbeam_channel::Receiver;
use wisp_host::executor::{ExecError, ExecutionId, Executor, RunRequest, RunResult};
use wisp_host::{ExitReason, Host, LogRecord, LogStream, ModuleSource, StdinSpec, Stream, Value};

/// How long any single wait may take before the test fails.
const LIMIT: Duration = Duration::from_secs(60);

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap()
}

const COMPUTE: &str = r#"(module
  (func (export "compute") (param i32 i32) (result i32)
    (i32.mul (local.get 0) (local.get 1))))"#;

const LOOP: &str = r#"(module (func (export "run") (loop (br 0))))"#;

/// Prints "1" to "5", one `fd_write` each, and between two prints reads
/// one byte of stdin: the test decides when the next one comes (a sleep it
/// controls). Stdin at end of file lets it run straight through.
const GATED: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (local.set $i (i32.const 1))
    (loop $l
      (i32.store8 (i32.const 100) (i32.add (i32.const 48) (local.get $i)))
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 1))
      (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.lt_u (local.get $i) (i32.const 5))
        (then
          (i32.store (i32.const 16) (i32.const 200))
          (i32.store (i32.const 20) (i32.const 1))
          (drop (call $r (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.le_u (local.get $i) (i32.const 5))))))"#;

/// Writes `$n` blocks of 64 KiB of 'x' to stdout, then "done" to stderr.
const SPAM: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 70000) "done")
  (func (export "spam") (param $n i32) (local $i i32)
    (memory.fill (i32.const 16) (i32.const 120) (i32.const 65536))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 65536))
    (block $end
      (loop $l
        (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
        (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.store (i32.const 0) (i32.const 70000))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $w (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// Writes "ééé" (six bytes) to stdout in one write.
const ACCENTS: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "\c3\a9\c3\a9\c3\a9")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

fn executor() -> Executor {
    Executor::new(Host::builder().workers(2).slice_fuel(10_000).build())
}

fn id(s: &str) -> ExecutionId {
    ExecutionId::from(s)
}

/// The outcome on `rx`, failing the test after [`LIMIT`].
fn outcome(rx: &Receiver<Result<RunResult, ExecError>>) -> Result<RunResult, ExecError> {
    rx.recv_timeout(LIMIT).expect("no outcome in time")
}

/// The records of `stream`, forwarded by a thread so the test can bound
/// each wait; the channel disconnects at the stream's end.
fn forward(stream: LogStream) -> Receiver<LogRecord> {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for r in stream {
            if tx.send(r).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next record's text, or `None` at the end of the stream.
fn next_text(rx: &Receiver<LogRecord>) -> Option<String> {
    match rx.recv_timeout(LIMIT) {
        Ok(r) => Some(String::from_utf8(r.bytes).unwrap()),
        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
        Err(crossbeam_channel::RecvTimeoutError::Timeout) => panic!("no log record in time"),
    }
}

/// A `GATED` request whose stdin is a pipe; the writer releases it.
fn gated(exec: &Executor, name: &str) -> (RunRequest, wisp_wasi::pipe::PipeWriter) {
    let (writer, reader) = exec.host().pipe(64);
    let mut req = RunRequest::command(name, wasm(GATED), vec!["gated".into()]);
    req.spec.wasi.stdin = StdinSpec::Pipe(reader);
    (req, writer)
}

#[test]
fn e1_run_returns_the_result_of_a_compute() {
    let exec = executor();
    assert!(exec.is_installed());
    let r = exec
        .run(RunRequest::invoke(
            "e1",
            wasm(COMPUTE),
            "compute",
            vec![Value::I32(6), Value::I32(7)],
        ))
        .unwrap();
    assert_eq!(r.exit_code, 0);
    assert_eq!(r.error_msg, None);
    assert_eq!(r.exit.reason, ExitReason::Normal);
    assert_eq!(r.exit.result, Some(vec![Value::I32(42)]));
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
    assert!(!r.stdout_truncated && !r.stderr_truncated);
    assert_eq!(r.records_lost, 0);
    // The outcome stays available to later waits.
    assert_eq!(outcome(&exec.wait(&id("e1"))), Ok(r));
    assert_eq!(exec.active(), 0);
}

#[test]
fn e2_an_id_runs_once() {
    let exec = executor();
    let (req, writer) = gated(&exec, "e2");
    exec.start(req.clone()).unwrap();
    // Parked on its stdin: still running.
    let again = exec.start(req.clone()).unwrap_err();
    assert_eq!(again.code(), "ExecutionAlreadyStarted");
    assert_eq!(again, ExecError::AlreadyStarted(id("e2")));
    assert_eq!(exec.active(), 1);
    let early = exec.wait(&id("e2"));
    assert!(early.try_recv().is_err(), "an outcome before the exit");
    drop(writer);
    let r = outcome(&early).unwrap();
    assert_eq!(r.stdout, "12345");
    assert_eq!(r.exit_code, 0);
    let done = exec.start(req.clone()).unwrap_err();
    assert_eq!(done.code(), "ExecutionAlreadyComplete");
    // Once forgotten, the id is free again.
    exec.forget(&id("e2")).unwrap();
    assert_eq!(
        exec.forget(&id("e2")).unwrap_err().code(),
        "ExecutionNotFound"
    );
    let (req, writer) = gated(&exec, "e2");
    drop(writer);
    exec.start(req).unwrap();
    assert_eq!(outcome(&exec.wait(&id("e2"))).unwrap().stdout, "12345");
}

#[test]
fn e3_unknown_ids_are_not_found() {
    let exec = executor();
    let nope = id("nope");
    let e = exec.cancel(&nope).unwrap_err();
    assert_eq!(e.code(), "ExecutionNotFound");
    assert_eq!(e, ExecError::NotFound(nope.clone()));
    assert_eq!(
        outcome(&exec.wait(&nope)).unwrap_err().code(),
        "ExecutionNotFound"
    );
    assert_eq!(
        exec.log_stream(&nope, true, false).unwrap_err().code(),
        "ExecutionNotFound"
    );
    assert_eq!(exec.pid(&nope).unwrap_err().code(), "ExecutionNotFound");
}

#[test]
fn cancel_kills_a_running_execution() {
    let exec = executor();
    exec.start(RunRequest::invoke("loop", wasm(LOOP), "run", vec![]))
        .unwrap();
    let waiting = exec.wait(&id("loop"));
    exec.cancel(&id("loop")).unwrap();
    let r = outcome(&waiting).unwrap();
    assert_eq!(r.exit_code, 137);
    assert!(
        matches!(&r.exit.reason, ExitReason::Killed { reason, .. } if reason == "cancelled"),
        "{r:?}"
    );
    assert_eq!(
        r.error_msg.as_deref(),
        Some("killed by the host: cancelled")
    );
    assert_eq!(
        exec.cancel(&id("loop")).unwrap_err().code(),
        "ExecutionAlreadyComplete"
    );
}

#[test]
fn e4_log_streams_replay_follow_and_end_at_exit() {
    let exec = executor();
    let (req, writer) = gated(&exec, "e4");
    let e4 = id("e4");
    exec.start(req).unwrap();
    let all = forward(exec.log_stream(&e4, true, true).unwrap());
    let mut seen = Vec::new();
    for i in 1..=3 {
        seen.push(next_text(&all).unwrap());
        if i < 3 {
            writer.write_all(b"x").unwrap();
        }
    }
    assert_eq!(seen, ["1", "2", "3"]);
    // "3" is out and the guest waits for the test: a stream without
    // history starts after it.
    let late = forward(exec.log_stream(&e4, false, true).unwrap());
    // Without follow, the replay ends at the current tail.
    let replay: Vec<String> = exec
        .log_stream(&e4, true, false)
        .unwrap()
        .map(|r| String::from_utf8(r.bytes).unwrap())
        .collect();
    assert_eq!(replay, ["1", "2", "3"]);
    writer.write_all(b"xx").unwrap();
    for _ in 0..2 {
        seen.push(next_text(&all).unwrap());
    }
    assert_eq!(seen, ["1", "2", "3", "4", "5"]);
    assert_eq!(next_text(&all), None, "the stream ends at the exit");
    assert_eq!(next_text(&late).as_deref(), Some("4"));
    assert_eq!(next_text(&late).as_deref(), Some("5"));
    assert_eq!(next_text(&late), None);
    let r = outcome(&exec.wait(&e4)).unwrap();
    assert_eq!(r.stdout, "12345");
    // The logs of a finished execution stay readable.
    let after: Vec<u64> = exec
        .log_stream(&e4, true, true)
        .unwrap()
        .map(|r| r.seq)
        .collect();
    assert_eq!(after, [0, 1, 2, 3, 4]);
}

#[test]
fn e5_return_bytes_and_results_files_have_their_own_limits() {
    let exec = executor();
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("run-e5");
    // 10 MiB of stdout; the process keeps 1 MiB (its output limit, which
    // also keeps the whole capture inside the log's history), the result
    // returns 1 KiB.
    let mut req = RunRequest::invoke("e5", wasm(SPAM), "spam", vec![Value::I32(160)])
        .max_return_bytes(1024)
        .results_dir(&results);
    req.spec.limits.max_output_bytes = Some(1 << 20);
    let r = exec.run(req).unwrap();
    assert_eq!(r.exit_code, 0, "{r:?}");
    assert_eq!(r.stdout.len(), 1024);
    assert!(r.stdout.bytes().all(|b| b == b'x'));
    assert!(r.stdout_truncated);
    assert!(r.exit.stdout_truncated, "the output limit cut stdout");
    assert_eq!(r.stderr, "done");
    assert!(!r.stderr_truncated);
    assert_eq!(r.records_lost, 0);
    let stdout = std::fs::read(results.join("stdout")).unwrap();
    assert_eq!(stdout.len(), 1 << 20);
    assert!(stdout.iter().all(|&b| b == b'x'));
    assert_eq!(std::fs::read(results.join("stderr")).unwrap(), b"done");
    assert_eq!(
        std::fs::read_to_string(results.join("exitCode")).unwrap(),
        "0"
    );
}

#[test]
fn results_files_record_a_failed_exit() {
    let exec = executor();
    let dir = tempfile::tempdir().unwrap();
    let r = exec
        .run(
            RunRequest::invoke(
                "trap",
                wasm(r#"(module (func $f (export "f") unreachable))"#),
                "f",
                vec![],
            )
            .results_dir(dir.path()),
        )
        .unwrap();
    assert_eq!(r.exit_code, 134);
    assert!(
        r.error_msg
            .as_deref()
            .is_some_and(|m| m.starts_with("trap: ")),
        "{r:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("exitCode")).unwrap(),
        "134"
    );
    assert_eq!(std::fs::read(dir.path().join("stdout")).unwrap(), b"");
}

#[test]
fn returned_text_is_cut_at_a_character_boundary() {
    let exec = executor();
    let r = exec
        .run(RunRequest::command("utf8", wasm(ACCENTS), vec![]).max_return_bytes(3))
        .unwrap();
    assert_eq!(r.stdout, "é");
    assert!(r.stdout_truncated);
    let r = exec
        .run(RunRequest::command("utf8-all", wasm(ACCENTS), vec![]).max_return_bytes(6))
        .unwrap();
    assert_eq!(r.stdout, "ééé");
    assert!(!r.stdout_truncated);
}

#[test]
fn spawn_errors_keep_their_codes_and_leave_no_execution() {
    let exec = executor();
    let bad = RunRequest::invoke("bad", b"\0asm\x01\0\0\0\x99".to_vec(), "f", vec![]);
    let e = exec.start(bad).unwrap_err();
    assert_eq!(e.code(), "ModuleCompileError");
    assert!(matches!(e, ExecError::Spawn(_)));
    assert_eq!(
        outcome(&exec.wait(&id("bad"))).unwrap_err().code(),
        "ExecutionNotFound"
    );

    let mut pinned = RunRequest::invoke("bad", wasm(COMPUTE), "compute", vec![]);
    pinned.spec.module = ModuleSource::Bytes {
        bytes: wasm(COMPUTE).into(),
        sha256: Some([0; 32]),
    };
    assert_eq!(exec.start(pinned).unwrap_err().code(), "HashMismatch");
    let e = exec
        .start(RunRequest::invoke("bad", wasm(COMPUTE), "nope", vec![]))
        .unwrap_err();
    assert_eq!(e.code(), "EntrypointError");

    // The id was never taken.
    let r = exec
        .run(RunRequest::invoke(
            "bad",
            wasm(COMPUTE),
            "compute",
            vec![Value::I32(2), Value::I32(3)],
        ))
        .unwrap();
    assert_eq!(r.exit.result, Some(vec![Value::I32(6)]));
}

#[test]
fn an_unusable_results_dir_is_an_output_config_error() {
    let exec = executor();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"").unwrap();
    let req =
        RunRequest::invoke("out", wasm(COMPUTE), "compute", vec![]).results_dir(file.join("sub"));
    let e = exec.start(req).unwrap_err();
    assert_eq!(e.code(), "OutputConfigError");
    assert!(matches!(e, ExecError::OutputConfig { .. }));
    // Nothing ran and the id is free.
    assert_eq!(exec.host().metrics().spawned_total, 0);
    assert_eq!(
        exec.pid(&id("out")).unwrap_err().code(),
        "ExecutionNotFound"
    );
}

#[test]
fn every_waiter_gets_the_outcome() {
    let exec = executor();
    let (req, writer) = gated(&exec, "many");
    exec.start(req).unwrap();
    let waiters: Vec<_> = (0..4).map(|_| exec.wait(&id("many"))).collect();
    drop(writer);
    let first = outcome(&waiters[0]).unwrap();
    for w in &waiters[1..] {
        assert_eq!(outcome(w).unwrap(), first);
    }
    let pid = exec.pid(&id("many")).unwrap();
    assert_eq!(first.exit.pid, pid);
    assert_eq!(exec.host().output(pid, Stream::Stdout).unwrap(), b"12345");
}

/// HOST.md §5.2 asks for the full capture in `results_dir/stdout` up to
/// `max_output_bytes`. A log record larger than the log's history
/// (`logs::HISTORY_BYTES`, 2 MiB) is dropped the moment it is written,
/// before any following stream can read it, and a follower that falls more
/// than the history behind silently skips records: the capture cannot be
/// complete for outputs beyond the history without back-pressure or a tee
/// in `logs.rs`.
#[test]
fn a_capture_larger_than_the_log_history_is_complete() {
    // One 3 MiB write.
    let big = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 49)
      (func (export "_start")
        (memory.fill (i32.const 16) (i32.const 121) (i32.const 3145728))
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 3145728))
        (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
    let exec = executor();
    let dir = tempfile::tempdir().unwrap();
    let r = exec
        .run(
            RunRequest::command("big", wasm(big), vec![])
                .max_return_bytes(16)
                .results_dir(dir.path()),
        )
        .unwrap();
    assert_eq!(r.exit_code, 0);
    assert_eq!(r.records_lost, 0);
    assert_eq!(r.stdout, "y".repeat(16));
    assert_eq!(
        std::fs::read(dir.path().join("stdout")).unwrap().len(),
        3 << 20
    );
}
