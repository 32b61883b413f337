//! The cheap version of the sleepers benchmark (HOST.md §7.4 S3 *(real
//! time)*; `cargo run -p wisp-bench --release -- sleepers` is the full
//! one): 1 000 processes that each sleep 200 ms through `poll_oneoff` on 2
//! workers are all parked at the same moment, the process has no more OS
//! threads than the workers and the reactor (parking holds no thread), and
//! all finish.
//!
//! This file holds one test so that the thread count is this host's alone.
//! The only timing assumption: the 1 000 first slices (a few instructions
//! and one `poll_oneoff` each) take less than the 200 ms sleep.

use std::time::{Duration, Instant};

use wisp_host::{ExitReason, Host, SpawnSpec, Value};

const SLEEPER: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (param $ms i64) (result i32)
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.mul (local.get $ms) (i64.const 1000000)))
    (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200))))"#;

/// `(all threads of this process, the host's)`, from `/proc`.
fn threads() -> (usize, usize) {
    let mut all = 0;
    let mut wisp = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            all += 1;
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            if is_host_thread(&comm) {
                wisp += 1;
            }
        }
    }
    (all, wisp)
}

#[test]
fn s3_a_thousand_sleepers_park_together_on_two_workers() {
    const PROCS: usize = 1000;
    const SLEEP_MS: i64 = 200;
    let limit = Duration::from_secs(120);
    let h = Host::builder().workers(2).paused(true).build();
    let module = wat::parse_str(SLEEPER).unwrap();
    let pids: Vec<_> = (0..PROCS)
        .map(|_| {
            h.spawn(SpawnSpec::invoke(
                module.clone(),
                "run",
                vec![Value::I64(SLEEP_MS)],
            ))
            .unwrap()
        })
        .collect();
    let started = Instant::now();
    h.start();
    // Every one of them parks before the first wakes.
    let mut peak = 0;
    let mut peak_threads = (0, 0);
    loop {
        let m = h.metrics();
        peak = peak.max(m.parked);
        let t = threads();
        peak_threads = (peak_threads.0.max(t.0), peak_threads.1.max(t.1));
        if m.parked == PROCS || m.exited_total > 0 {
            break;
        }
        assert!(started.elapsed() < limit, "never all parked: {m:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(peak, PROCS, "not all parked at once");
    let m = h.metrics();
    assert_eq!((m.running, m.runnable), (0, 0), "{m:?}");
    // Two workers and the reactor; the rest is the test harness (main and
    // this test's thread).
    let (all, wisp) = threads();
    assert_eq!(wisp, 3, "wisp threads while 1000 processes sleep");
    assert!(all <= wisp + 2, "{all} threads in the test process");
    for pid in pids {
        let e = h.wait_timeout(pid, limit).unwrap().expect("woke up");
        assert_eq!(e.reason, ExitReason::Normal);
        // poll_oneoff returned success.
        assert_eq!(e.result, Some(vec![Value::I32(0)]));
    }
    assert!(started.elapsed() >= Duration::from_millis(SLEEP_MS as u64));
    // The host counts an exit just after it tells the waiters: give the
    // last count a moment to land.
    let deadline = Instant::now() + limit;
    while h.metrics().exited_total != PROCS as u64 || h.metrics().active != 0 {
        assert!(Instant::now() < deadline, "{:?}", h.metrics());
        std::thread::yield_now();
    }
    assert_eq!(h.metrics().active, 0);
    assert!(peak_threads.1 <= 3, "{peak_threads:?}");
}

/// A worker or the reactor (the names `wisp_host` gives its threads).
fn is_host_thread(comm: &str) -> bool {
    comm.starts_with("wisp-worker-") || comm.trim_end() == "wisp-reactor"
}
