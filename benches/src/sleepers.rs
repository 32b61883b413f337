//! The sleepers benchmark, the process host's "done when": 10 000
//! processes that each sleep 1 s through WASI `poll_oneoff` finish on 2
//! worker threads in under 3 s of wall time, holding no worker while
//! parked.
//!
//! Every process runs the same small module (compiled once: the host caches
//! modules by sha256). They are spawned on a running host, so the first
//! ones sleep while the last are still being spawned. While they sleep,
//! the harness samples the host's parked count and the OS thread count of
//! this process (`Threads:` in `/proc/self/status`); a parked process that
//! held a thread would show up in both.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use wisp_host::{ExitReason, Host, SpawnSpec, Value};

/// Sleeps `$ms` milliseconds with one relative clock subscription; returns
/// `poll_oneoff`'s errno.
const SLEEPER: &str = r#"
  (module
    (import "wasi_snapshot_preview1" "poll_oneoff"
      (func $poll (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "run") (param $ms i64) (result i32)
      (i64.store (i32.const 0) (i64.const 1))
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store (i32.const 16) (i32.const 1))
      (i64.store (i32.const 24) (i64.mul (local.get $ms) (i64.const 1000000)))
      (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200))))
"#;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct SleepersConfig {
    pub processes: usize,
    pub sleep: Duration,
    pub workers: usize,
}

impl Default for SleepersConfig {
    fn default() -> Self {
        SleepersConfig {
            processes: 10_000,
            sleep: Duration::from_secs(1),
            workers: 2,
        }
    }
}

/// The measured figures.
#[derive(Debug, Clone)]
pub struct SleepersFigures {
    pub config: SleepersConfig,
    /// Spawning every process (Init included), on a running host.
    pub spawn: Duration,
    /// From the first spawn to the last exit.
    pub wall: Duration,
    /// The most processes parked at one sample.
    pub peak_parked: usize,
    /// OS threads of this process: before the host, and at most while the
    /// processes slept.
    pub threads_before: usize,
    pub threads_peak: usize,
    /// Threads the host started (`wisp-worker-*`, `wisp-reactor`), at most
    /// while they slept.
    pub host_threads_peak: usize,
    /// Metric samples taken.
    pub samples: usize,
}

/// `Threads:` of `/proc/self/status` (0 where there is no procfs).
pub fn os_threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The 1-minute load average (`/proc/loadavg`).
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_owned)
}

/// Threads of this process that the host started.
fn host_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .flatten()
                .filter(|t| {
                    std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| is_host_thread(&c))
                })
                .count()
        })
        .unwrap_or(0)
}

/// Runs the benchmark once. Fails if a process does not end normally with
/// errno 0, or does not end within a minute of the expected time.
pub fn measure(config: SleepersConfig) -> Result<SleepersFigures, String> {
    let module = wat::parse_str(SLEEPER).map_err(|e| e.to_string())?;
    let ms = i64::try_from(config.sleep.as_millis()).map_err(|e| e.to_string())?;
    let threads_before = os_threads();
    let host = Host::builder().workers(config.workers).build();
    let begin = Instant::now();
    let mut pids = Vec::with_capacity(config.processes);
    for _ in 0..config.processes {
        let spec = SpawnSpec::invoke(module.clone(), "run", vec![Value::I64(ms)]);
        pids.push(host.spawn(spec).map_err(|e| format!("spawn: {e}"))?);
    }
    let spawn = begin.elapsed();
    let deadline = begin + spawn + config.sleep + Duration::from_secs(60);
    let (mut peak_parked, mut threads_peak, mut host_threads_peak, mut samples) =
        (0, os_threads(), host_threads(), 0);
    loop {
        let m = host.metrics();
        samples += 1;
        peak_parked = peak_parked.max(m.parked);
        threads_peak = threads_peak.max(os_threads());
        host_threads_peak = host_threads_peak.max(host_threads());
        if m.exited_total as usize >= config.processes {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the sleepers did not finish in time: {m:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    for pid in pids {
        let event = host
            .wait_timeout(pid, Duration::from_secs(60))
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{pid} did not exit"))?;
        if event.reason != ExitReason::Normal || event.result != Some(vec![Value::I32(0)]) {
            return Err(format!("{pid} ended badly: {event:?}"));
        }
    }
    let wall = begin.elapsed();
    Ok(SleepersFigures {
        config,
        spawn,
        wall,
        peak_parked,
        threads_before,
        threads_peak,
        host_threads_peak,
        samples,
    })
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// The figures as plain lines (the `sleepers` command's output).
pub fn summary(f: &SleepersFigures) -> String {
    let c = &f.config;
    let per = f.spawn.as_secs_f64() * 1e6 / c.processes.max(1) as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sleepers: {} processes x poll_oneoff {} ms on {} workers",
        c.processes,
        c.sleep.as_millis(),
        c.workers
    );
    let _ = writeln!(
        out,
        "  spawn time:   {} ({per:.1} us per process)",
        secs(f.spawn)
    );
    let _ = writeln!(
        out,
        "  wall time:    {} (first spawn to last exit)",
        secs(f.wall)
    );
    let _ = writeln!(
        out,
        "  peak parked:  {} ({} samples)",
        f.peak_parked, f.samples
    );
    let _ = writeln!(
        out,
        "  OS threads:   {} at peak ({} before the host; {} the host's)",
        f.threads_peak, f.threads_before, f.host_threads_peak
    );
    out
}

/// The figures as a markdown section of `docs/benchmarks.md`.
pub fn render(f: &SleepersFigures) -> String {
    let c = &f.config;
    let mut out = String::new();
    out.push_str("## Sleepers: parked processes hold no thread\n\n");
    let _ = writeln!(
        out,
        "{} processes each sleep {} ms through WASI `poll_oneoff` on a host with {} \
         workers (`benches/src/sleepers.rs`). They are spawned on the running host; \
         the harness samples `Host::metrics` and `/proc/self/status` every 5 ms until \
         all have exited. The target: under 3 s of wall time, no worker held while \
         parked. Built with the `{}` profile; the machine was shared with other jobs \
         (load average {}).\n",
        c.processes,
        c.sleep.as_millis(),
        c.workers,
        env!("WISP_BENCH_PROFILE"),
        load_average().unwrap_or_else(|| "unknown".into()),
    );
    let _ = writeln!(out, "| figure | value |\n|---|---|");
    let per = f.spawn.as_secs_f64() * 1e6 / c.processes.max(1) as f64;
    let _ = writeln!(
        out,
        "| spawn all (Init included) | {} ({per:.1} µs per process) |",
        secs(f.spawn)
    );
    let _ = writeln!(
        out,
        "| wall time, first spawn to last exit | **{}** |",
        secs(f.wall)
    );
    let _ = writeln!(
        out,
        "| peak parked at one sample | {} of {} |",
        f.peak_parked, c.processes
    );
    let _ = writeln!(
        out,
        "| OS threads of the process at peak | {} ({} before the host started; {} host threads: {} workers + the reactor) |",
        f.threads_peak, f.threads_before, f.host_threads_peak, c.workers
    );
    out.push_str(
        "\nReproduce: `cargo run -p wisp-bench --release -- sleepers` (prints the \
         figures; `--procs N`, `--sleep-ms N`, `--workers N` change the run; `all` \
         includes this section in this page).\n",
    );
    out
}

/// A worker or the reactor (the names `wisp_host` gives its threads).
fn is_host_thread(comm: &str) -> bool {
    comm.starts_with("wisp-worker-") || comm.trim_end() == "wisp-reactor"
}
