//! Processes on the host: results, exits, traps, limits, kill, logs, and
//! the scheduler's parking and fairness (HOST.md §7.3, §7.4; scenario ids
//! in the test names).

use std::time::Duration;

use wisp_host::{
    ExitReason, Host, Limits, LogOpts, ProcessState, SpawnSpec, StdinSpec, Stream, Value,
};

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap()
}

const COMPUTE: &str = r#"(module
  (func (export "compute") (param i32 i32) (result i32)
    (i32.mul (local.get 0) (local.get 1))))"#;

const LOOP: &str = r#"(module (func (export "run") (loop (br 0))))"#;

/// Prints its argv[1] (or "hi") then returns.
const PRINT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// Sleeps `ms` (the first i64 param, in ms) with poll_oneoff, then prints
/// its name (the second param: 'A' or 'B').
const SLEEP_PRINT: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (param $ms i64) (param $name i32) (result i32)
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.mul (local.get $ms) (i64.const 1000000)))
    (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200)))
    (i32.store8 (i32.const 300) (local.get $name))
    (i32.store (i32.const 304) (i32.const 300))
    (i32.store (i32.const 308) (i32.const 1))
    (drop (call $w (i32.const 1) (i32.const 304) (i32.const 1) (i32.const 312)))
    (i32.load (i32.const 200))))"#;

/// Copies stdin to stdout until end of file.
const ECHO: &str = r#"(module
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
          (br $more))))))"#;

fn host() -> Host {
    Host::builder().workers(2).slice_fuel(10_000).build()
}

fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l);
    l
}

#[test]
fn c1_a_method_returns_its_result() {
    let h = host();
    let pid = h
        .spawn(SpawnSpec::invoke(
            wasm(COMPUTE),
            "compute",
            vec![Value::Str("6".into()), Value::I32(7)],
        ))
        .unwrap();
    let e = h.wait(pid).unwrap();
    assert_eq!(e.reason, ExitReason::Normal);
    assert_eq!(e.result, Some(vec![Value::I32(42)]));
    assert_eq!(e.exit_code, 0);
}

#[test]
fn f1_f2_fuel_runs_out_at_the_same_point_every_time() {
    let h = host();
    let run = || {
        let mut spec = SpawnSpec::invoke(wasm(LOOP), "run", vec![]);
        spec.limits = limits(|l| l.max_fuel = Some(1_000_000));
        let e = h.wait(h.spawn(spec).unwrap()).unwrap();
        match e.reason {
            ExitReason::FuelExhausted { used, limit } => {
                assert_eq!(limit, 1_000_000);
                assert!(used <= limit && used >= limit - 10, "{used}");
                assert_eq!(used, e.fuel_used);
            }
            other => panic!("expected fuel exhaustion, got {other:?}"),
        }
        assert_eq!(e.exit_code, 134);
        e.fuel_used
    };
    assert_eq!(run(), run());
}

#[test]
fn f3_f4_traps_name_their_code_and_function() {
    let h = host();
    let e = h
        .wait(
            h.spawn(SpawnSpec::invoke(
                wasm(r#"(module (func $f (export "f") unreachable))"#),
                "f",
                vec![],
            ))
            .unwrap(),
        )
        .unwrap();
    let ExitReason::Trap(t) = &e.reason else {
        panic!("{e:?}")
    };
    assert_eq!(t.code, "Unreachable");
    assert_eq!(t.func_name.as_deref(), Some("f"));
    assert_eq!(e.exit_code, 134);
    let e = h
        .wait(
            h.spawn(SpawnSpec::invoke(
                wasm(
                    r#"(module (func (export "d") (param i32) (result i32)
                        (i32.div_u (i32.const 1) (local.get 0))))"#,
                ),
                "d",
                vec![Value::I32(0)],
            ))
            .unwrap(),
        )
        .unwrap();
    assert!(matches!(&e.reason, ExitReason::Trap(t) if t.code == "IntegerDivideByZero"));
}

#[test]
fn f5_f6_f7_memory_limits() {
    let grow = r#"(module (memory 1)
      (func (export "grow") (result i32)
        (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        (memory.size)))"#;
    let h = host();
    let mut spec = SpawnSpec::invoke(wasm(grow), "grow", vec![]);
    spec.limits = limits(|l| l.max_memory_pages = Some(16));
    let e = h.wait(h.spawn(spec.clone()).unwrap()).unwrap();
    assert_eq!(e.result, Some(vec![Value::I32(16)]));
    // F6: the same in trap mode.
    spec.limits.on_memory_limit = wisp_host::OnMemoryLimit::Trap;
    let e = h.wait(h.spawn(spec).unwrap()).unwrap();
    assert_eq!(
        e.reason,
        ExitReason::MemoryLimit {
            requested_pages: 17,
            limit: 16
        }
    );
    assert_eq!(e.exit_code, 134);

    let mut spec = SpawnSpec::invoke(
        wasm(r#"(module (memory 300) (func (export "f")))"#),
        "f",
        vec![],
    );
    spec.limits = limits(|l| l.max_memory_pages = Some(256));
    let err = h.spawn(spec).unwrap_err();
    assert_eq!(err.code(), "MemoryLimitError");
    assert_eq!(
        err.to_string(),
        "module declares 300 initial pages, limit is 256"
    );
}

#[test]
fn f8_unbounded_recursion_exhausts_the_stack_not_the_host() {
    let h = host();
    let mut spec = SpawnSpec::invoke(
        wasm(r#"(module (func $r (export "r") (call $r)))"#),
        "r",
        vec![],
    );
    spec.limits = limits(|l| l.max_call_depth = Some(1000));
    let e = h.wait(h.spawn(spec).unwrap()).unwrap();
    assert!(
        matches!(&e.reason, ExitReason::Trap(t) if t.code == "StackExhausted"),
        "{e:?}"
    );
}

#[test]
fn f9_a_wall_clock_limit_stops_a_sleeping_process() {
    let h = host();
    let mut spec = SpawnSpec::invoke(
        wasm(SLEEP_PRINT),
        "run",
        vec![Value::I64(10_000), Value::I32(65)],
    );
    spec.limits = limits(|l| l.timeout = Some(Duration::from_millis(200)));
    let e = h.wait(h.spawn(spec).unwrap()).unwrap();
    assert!(
        matches!(e.reason, ExitReason::Timeout { limit_ms: 200, .. }),
        "{e:?}"
    );
    assert_eq!(e.exit_code, 124);
}

#[test]
fn f10_output_is_cut_at_its_limit() {
    // Writes 64 KiB blocks 160 times (10 MiB).
    let spam = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 2)
      (func (export "_start") (local $i i32)
        (i32.store (i32.const 0) (i32.const 65536))
        (i32.store (i32.const 4) (i32.const 65536))
        (loop $l
          (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 160))))))"#;
    let h = host();
    let mut spec = SpawnSpec::command(wasm(spam), vec!["spam".into()]);
    spec.limits = limits(|l| l.max_output_bytes = Some(1 << 20));
    let pid = h.spawn(spec.clone()).unwrap();
    let e = h.wait(pid).unwrap();
    assert_eq!(e.reason, ExitReason::Normal);
    assert!(e.stdout_truncated);
    assert_eq!(h.output(pid, Stream::Stdout).unwrap().len(), 1 << 20);

    spec.limits.on_output_limit = wisp_host::OnOutputLimit::Fail;
    let e = h.wait(h.spawn(spec).unwrap()).unwrap();
    assert_eq!(
        e.reason,
        ExitReason::OutputLimit {
            stream: Stream::Stdout,
            limit: 1 << 20
        }
    );
}

#[test]
fn s2_a_looping_process_does_not_starve_another() {
    // Long slices, so that the test thread's own delays are small next to one.
    let h = Host::builder().workers(1).slice_fuel(20_000_000).build();
    let looper = h
        .spawn(SpawnSpec::invoke(wasm(LOOP), "run", vec![]))
        .unwrap();
    let pid = h
        .spawn(SpawnSpec::invoke(
            wasm(COMPUTE),
            "compute",
            vec![Value::I32(6), Value::I32(7)],
        ))
        .unwrap();
    let before = h.info(looper).unwrap().slices;
    assert_eq!(h.wait(pid).unwrap().result, Some(vec![Value::I32(42)]));
    let after = h.info(looper).unwrap().slices;
    // The compute process waited for at most about one slice of the looper.
    assert!(after - before <= 2, "{before} {after}");
    h.kill(looper, "test over").unwrap();
}

#[test]
fn s4_sleeps_wake_in_virtual_time_order() {
    let h = Host::builder().deterministic(1).paused(true).build();
    let spawn = |ms: i64, name: u8| {
        h.spawn(SpawnSpec::invoke(
            wasm(SLEEP_PRINT),
            "run",
            vec![Value::I64(ms), Value::I32(i32::from(name))],
        ))
        .unwrap()
    };
    let a = spawn(30, b'A');
    let b = spawn(10, b'B');
    h.start();
    let (ra, rb) = (h.exit_receiver(a).unwrap(), h.exit_receiver(b).unwrap());
    let first = crossbeam_channel::select! {
        recv(ra) -> e => e.unwrap(),
        recv(rb) -> e => e.unwrap(),
    };
    assert_eq!(first.pid, b);
    let ea = h.wait(a).unwrap();
    assert_eq!(ea.result, Some(vec![Value::I32(1)]));
    assert_eq!(h.output(a, Stream::Stdout).unwrap(), b"A");
    assert_eq!(h.output(b, Stream::Stdout).unwrap(), b"B");
    assert_eq!(h.virtual_now(), Some(Duration::from_millis(30)));
}

#[test]
fn s5_s6_a_reader_parks_on_an_empty_pipe_without_blocking_others() {
    let h = Host::builder().workers(1).build();
    let (writer, reader) = h.pipe(1024);
    let mut spec = SpawnSpec::command(wasm(ECHO), vec!["echo".into()]);
    spec.wasi.stdin = StdinSpec::Pipe(reader);
    let echo = h.spawn(spec).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while h.info(echo).unwrap().state != ProcessState::Parked {
        assert!(std::time::Instant::now() < deadline, "never parked");
        std::thread::sleep(Duration::from_millis(1));
    }
    for _ in 0..4 {
        let pid = h
            .spawn(SpawnSpec::invoke(
                wasm(COMPUTE),
                "compute",
                vec![Value::I32(6), Value::I32(7)],
            ))
            .unwrap();
        assert_eq!(h.wait(pid).unwrap().reason, ExitReason::Normal);
    }
    assert_eq!(h.info(echo).unwrap().state, ProcessState::Parked);
    writer.write_all(b"abc").unwrap();
    drop(writer);
    let e = h.wait(echo).unwrap();
    assert_eq!(e.reason, ExitReason::Normal);
    assert_eq!(h.output(echo, Stream::Stdout).unwrap(), b"abc");
}

#[test]
fn s8_a_kill_stops_a_running_process_within_a_slice() {
    let h = host();
    let pid = h
        .spawn(SpawnSpec::invoke(wasm(LOOP), "run", vec![]))
        .unwrap();
    while h.info(pid).unwrap().slices < 3 {
        std::thread::yield_now();
    }
    let at_kill = h.info(pid).unwrap().fuel_used;
    h.kill(pid, "enough").unwrap();
    let e = h.wait(pid).unwrap();
    assert!(matches!(e.reason, ExitReason::Killed { .. }), "{e:?}");
    assert_eq!(e.exit_code, 137);
    assert!(
        e.fuel_used <= at_kill + 2 * 10_000,
        "{} {}",
        e.fuel_used,
        at_kill
    );
    assert!(h.kill(pid, "again").is_err());
}

#[test]
fn s9_poll_without_subscriptions_is_einval() {
    let h = host();
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "f") (result i32)
        (call $poll (i32.const 0) (i32.const 100) (i32.const 0) (i32.const 200))))"#;
    let e = h
        .wait(h.spawn(SpawnSpec::invoke(wasm(wat), "f", vec![])).unwrap())
        .unwrap();
    assert_eq!(e.result, Some(vec![Value::I32(28)]));
}

#[test]
fn logs_replay_and_follow() {
    let h = host();
    let pid = h
        .spawn(SpawnSpec::command(wasm(PRINT), vec!["p".into()]))
        .unwrap();
    let follow = h
        .logs(
            pid,
            LogOpts {
                follow: true,
                ..LogOpts::default()
            },
        )
        .unwrap();
    let records: Vec<_> = follow.collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].bytes, b"hello\n");
    assert_eq!(records[0].stream, Stream::Stdout);
    h.wait(pid).unwrap();
    let m = h.metrics();
    assert_eq!(m.spawned_total, 1);
    assert_eq!(m.exited_total, 1);
    assert_eq!(m.active, 0);
}

#[test]
fn x1_a_panicking_host_function_ends_only_its_process() {
    use wisp_interp::{FuncType, ValType};
    let h = Host::builder()
        .workers(1)
        .import(
            "test",
            "boom",
            FuncType::new([ValType::I32], [ValType::I32]),
            |args| {
                if args == [Value::I32(0)] {
                    panic!("boom");
                }
                Ok(vec![Value::I32(1)])
            },
        )
        .build();
    let wat = r#"(module (import "test" "boom" (func $b (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (call $b (local.get 0))))"#;
    let e = h
        .wait(
            h.spawn(SpawnSpec::invoke(wasm(wat), "f", vec![Value::I32(0)]))
                .unwrap(),
        )
        .unwrap();
    assert!(
        matches!(&e.reason, ExitReason::HostError { message } if message.contains("boom")),
        "{e:?}"
    );
    assert_eq!(e.exit_code, 70);
    let e = h
        .wait(
            h.spawn(SpawnSpec::invoke(wasm(wat), "f", vec![Value::I32(5)]))
                .unwrap(),
        )
        .unwrap();
    assert_eq!(e.result, Some(vec![Value::I32(1)]));
}

#[test]
fn old_exits_keep_their_event_but_not_their_logs() {
    let h = Host::builder().workers(2).build();
    let module = wasm(PRINT);
    let pids: Vec<_> = (0..wisp_host::RETAINED_EXITS + 50)
        .map(|_| {
            h.spawn(SpawnSpec::command(module.clone(), vec!["p".into()]))
                .unwrap()
        })
        .collect();
    for &pid in &pids {
        assert_eq!(h.wait(pid).unwrap().reason, ExitReason::Normal);
    }
    // Every exit event is still there; the oldest logs are gone, the
    // newest kept.
    assert_eq!(h.output(pids[0], Stream::Stdout).unwrap(), b"");
    assert_eq!(
        h.output(*pids.last().unwrap(), Stream::Stdout).unwrap(),
        b"hello\n"
    );
    h.forget(pids[0]).unwrap();
    assert!(h.wait(pids[0]).is_err());
}
