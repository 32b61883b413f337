//! The seeded driver: runs a fuzz entry point on inputs made from a list of
//! seeds, on stable Rust, without libFuzzer. The tests in `fuzz/tests/` use
//! it with a fixed list (a few thousand inputs in all, a few minutes in
//! `cargo test --release`); environment variables turn the same tests into
//! long campaigns:
//!
//! | variable               | effect                                                      |
//! |------------------------|-------------------------------------------------------------|
//! | `WISP_FUZZ_SECONDS=N`  | long mode: run fresh seeds (from `WISP_FUZZ_SEED_START`, default: just past the fixed list) until N seconds have passed |
//! | `WISP_FUZZ_SEED_START=S` | first seed of the long mode (give each campaign its own region) |
//! | `WISP_FUZZ_SEEDS=A..B` or `=N` | run exactly seeds `A..B` (or `0..N`), e.g. to reproduce one failure |
//! | `WISP_FUZZ_THREADS=T`  | worker threads (default: all available cores)               |
//! | `WISP_FUZZ_ARTIFACTS=DIR` | write each failing input to `DIR/<target>-seed-<seed>` (to replay with `wisp-fuzz-run` or a cargo-fuzz target) |
//!
//! Every run ends by printing its inputs, comparisons, time and executions
//! per second. A panic in one input is caught, recorded with its seed and
//! message, and the run goes on; a hang is not caught (every module the
//! execution targets generate terminates by construction).

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::corpus::{Rng, mutate, smith_module};
use crate::targets::Target;

/// The length of a fixed seed list: `release_count` in optimised builds, a
/// tenth of it in debug builds (where every input costs 10–30× more), so a
/// plain `cargo test` stays quick and `cargo test --release` checks more.
pub const fn fixed(release_count: u64) -> u64 {
    if cfg!(debug_assertions) {
        release_count / 10
    } else {
        release_count
    }
}

/// Which seeds to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeds {
    /// Exactly these.
    Fixed(Range<u64>),
    /// Consecutive seeds from `start` until `duration` has passed.
    Timed { start: u64, duration: Duration },
}

/// How a seeded run is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub seeds: Seeds,
    pub threads: usize,
    /// Where failing inputs are written, if anywhere.
    pub artifacts: Option<std::path::PathBuf>,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

impl Settings {
    /// The settings from the environment (see the module docs), with
    /// `0..default_count` as the fixed list.
    pub fn from_env(default_count: u64) -> Settings {
        let seeds = if let Some(secs) = env_u64("WISP_FUZZ_SECONDS") {
            Seeds::Timed {
                start: env_u64("WISP_FUZZ_SEED_START").unwrap_or(default_count),
                duration: Duration::from_secs(secs),
            }
        } else if let Ok(spec) = std::env::var("WISP_FUZZ_SEEDS") {
            Seeds::Fixed(parse_range(&spec).unwrap_or(0..default_count))
        } else {
            Seeds::Fixed(0..default_count)
        };
        let threads = env_u64("WISP_FUZZ_THREADS")
            .map(|t| t.max(1) as usize)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        Settings {
            seeds,
            threads,
            artifacts: std::env::var_os("WISP_FUZZ_ARTIFACTS").map(Into::into),
        }
    }
}

/// `A..B` or `N` (meaning `0..N`).
fn parse_range(spec: &str) -> Option<Range<u64>> {
    match spec.split_once("..") {
        Some((a, b)) => Some(a.trim().parse().ok()?..b.trim().parse().ok()?),
        None => Some(0..spec.trim().parse().ok()?),
    }
}

/// One failing input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub seed: u64,
    /// The mismatch or panic message.
    pub message: String,
}

/// The result of a seeded run.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: String,
    pub inputs: u64,
    /// Inputs that got past generation ([`Stats::used`]).
    pub used: u64,
    pub comparisons: u64,
    /// Inputs on which the reference (wasmi 2.0) was wrong and the second
    /// opinion (wasmi 1.1) agreed with wisp.
    pub reference_faults: u64,
    pub failures: Vec<Failure>,
    pub elapsed: Duration,
    pub threads: usize,
    pub seeds: Seeds,
}

impl Report {
    /// Inputs per second.
    pub fn execs_per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Prints the summary line and the first failures.
    pub fn print(&self) {
        let seeds = match &self.seeds {
            Seeds::Fixed(r) => format!("seeds {}..{}", r.start, r.end),
            Seeds::Timed { start, .. } => format!("seeds {start}..{}", start + self.inputs),
        };
        println!(
            "{}: {} inputs ({} used, {} comparisons, {} reference faults), {seeds}, {:.1} s, {:.1} exec/s on {} thread(s), {} failure(s)",
            self.target,
            self.inputs,
            self.used,
            self.comparisons,
            self.reference_faults,
            self.elapsed.as_secs_f64(),
            self.execs_per_second(),
            self.threads,
            self.failures.len()
        );
        for f in self.failures.iter().take(20) {
            println!(
                "  seed {} (rerun: WISP_FUZZ_SEEDS={}..{}): {}",
                f.seed,
                f.seed,
                f.seed + 1,
                f.message
            );
        }
    }

    /// Prints the report, then fails (panics) if any input failed or fewer
    /// than `min_used` of the inputs got past generation.
    pub fn assert_ok(&self, min_used: f64) {
        self.print();
        assert!(
            self.failures.is_empty(),
            "{}: {} failing input(s), first: seed {}: {}",
            self.target,
            self.failures.len(),
            self.failures[0].seed,
            self.failures[0].message
        );
        assert!(
            self.used as f64 >= min_used * self.inputs as f64,
            "{}: only {} of {} inputs were usable",
            self.target,
            self.used,
            self.inputs
        );
    }
}

/// Runs `target` on `input(seed)` for every seed of `settings`, on
/// `settings.threads` threads.
pub fn run(name: &str, settings: &Settings, input: fn(u64) -> Vec<u8>, target: Target) -> Report {
    let next = AtomicU64::new(match &settings.seeds {
        Seeds::Fixed(r) => r.start,
        Seeds::Timed { start, .. } => *start,
    });
    let totals = Mutex::new((0u64, 0u64, 0u64, Vec::new(), 0u64));
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..settings.threads {
            s.spawn(|| {
                let mut local = (0u64, 0u64, 0u64, Vec::new(), 0u64);
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    let done = match &settings.seeds {
                        Seeds::Fixed(r) => seed >= r.end,
                        Seeds::Timed { duration, .. } => started.elapsed() >= *duration,
                    };
                    if done {
                        break;
                    }
                    let data = input(seed);
                    local.0 += 1;
                    match catch_unwind(AssertUnwindSafe(|| target(&data))) {
                        Ok(Ok(stats)) => {
                            local.1 += u64::from(stats.used);
                            local.2 += stats.comparisons as u64;
                            local.4 += u64::from(stats.reference_fault);
                        }
                        Ok(Err(m)) => {
                            local
                                .3
                                .push(failure(name, settings, seed, &data, m.to_string()))
                        }
                        Err(panic) => {
                            let msg = panic_message(&*panic);
                            local.3.push(failure(
                                name,
                                settings,
                                seed,
                                &data,
                                format!("panic: {msg}"),
                            ));
                        }
                    }
                }
                let mut t = totals.lock().unwrap_or_else(|e| e.into_inner());
                t.0 += local.0;
                t.1 += local.1;
                t.2 += local.2;
                t.3.extend(local.3);
                t.4 += local.4;
            });
        }
    });
    let (inputs, used, comparisons, mut failures, reference_faults) =
        totals.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort_by_key(|f: &Failure| f.seed);
    Report {
        target: name.to_string(),
        inputs,
        used,
        comparisons,
        reference_faults,
        failures,
        elapsed: started.elapsed(),
        threads: settings.threads,
        seeds: settings.seeds.clone(),
    }
}

fn failure(name: &str, settings: &Settings, seed: u64, data: &[u8], message: String) -> Failure {
    if let Some(dir) = &settings.artifacts {
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(dir.join(format!("{name}-seed-{seed}")), data);
    }
    Failure { seed, message }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

/// The default input of a seed: 1–16 KiB of PRNG bytes, raw material for
/// wasm-smith and the argument generator.
pub fn bytes_input(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let len = 1024 + rng.below(15 * 1024) as usize;
    rng.bytes(len)
}

/// A module-like input for the decoder: a wasm-smith module with one to four
/// deterministic mutations (three seeds in four), or the Wasm header followed
/// by PRNG bytes (one in four) — mostly well-formed, so the decoder goes deep
/// before it meets the damage.
pub fn module_input(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0x5eed_5eed);
    if rng.below(4) == 0 {
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        let len = rng.below(512) as usize;
        out.extend(rng.bytes(len));
        return out;
    }
    let mut bytes = smith_module(seed).unwrap_or_default();
    for i in 0..=rng.below(4) {
        bytes = mutate(&bytes, seed.wrapping_mul(4).wrapping_add(i));
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Stats;

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_range("5..9"), Some(5..9));
        assert_eq!(parse_range("12"), Some(0..12));
        assert_eq!(parse_range("x"), None);
    }

    #[test]
    fn a_run_counts_inputs_and_catches_panics() {
        fn target(data: &[u8]) -> Result<Stats, crate::Mismatch> {
            assert!(data.len() != 3, "three");
            Ok(Stats {
                used: data.len().is_multiple_of(2),
                comparisons: 1,
                reference_fault: false,
            })
        }
        let settings = Settings {
            seeds: Seeds::Fixed(0..10),
            threads: 3,
            artifacts: None,
        };
        let report = run("t", &settings, |seed| vec![0; seed as usize], target);
        assert_eq!(report.inputs, 10);
        assert_eq!(report.used, 5);
        assert_eq!(report.comparisons, 9);
        assert_eq!(report.failures.len(), 1);
        assert_eq!(report.failures[0].seed, 3);
        assert!(report.failures[0].message.contains("three"));
    }
}
