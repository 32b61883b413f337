//! The execution measurement and the checks on its results.
//!
//! For one workload, every selected engine compiles and instantiates the
//! module once; then the runs are *interleaved* — run 1 on every engine, then
//! run 2 on every engine, … — so slow drift of the machine (frequency, other
//! load) spreads over all engines instead of penalising whichever went last.
//! Each engine's time is the median of its runs. An engine whose run takes
//! longer than the cap (20 s by default) is not run again on that workload,
//! so a very slow peer cannot hold the whole report hostage; its cell says
//! how many runs the median has. Every checksum must agree with the engine's
//! other runs, with the other engines, and with the native reference.
//!
//! Around instantiation and each call the harness also records the growth
//! of the heap (exact, from [`crate::heap`]'s counting allocator) and of the
//! resident set, giving each engine's peak memory per instance.

use std::time::{Duration, Instant};

use crate::engines::{self, EngineError, EngineKind, Runner};
use crate::heap;
use crate::workloads::Workload;

/// Memory an instance took: heap bytes through the counting allocator (Rust
/// engines; `None` when it is not installed) and resident-set growth (every
/// engine, C included; `None` off Linux).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemFigure {
    pub heap: Option<usize>,
    pub rss: Option<usize>,
}

impl MemFigure {
    /// The larger of two figures, field by field.
    fn max(self, other: MemFigure) -> MemFigure {
        MemFigure {
            heap: max_opt(self.heap, other.heap),
            rss: max_opt(self.rss, other.rss),
        }
    }

    /// The sum of two figures, field by field (`None` where either is).
    pub fn plus(self, other: MemFigure) -> MemFigure {
        MemFigure {
            heap: self.heap.zip(other.heap).map(|(a, b)| a + b),
            rss: self.rss.zip(other.rss).map(|(a, b)| a + b),
        }
    }
}

fn max_opt(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A point to measure memory growth from.
#[derive(Debug, Clone, Copy)]
pub struct MemMark {
    heap: Option<usize>,
    rss: Option<usize>,
    /// Whether the kernel's peak-RSS mark was reset at this point.
    rss_peak_reset: bool,
}

impl MemMark {
    /// Marks the current heap and RSS, and starts new peak windows.
    pub fn now() -> MemMark {
        let rss_peak_reset = heap::reset_rss_peak();
        MemMark {
            heap: heap::reset_peak(),
            rss: heap::rss(),
            rss_peak_reset,
        }
    }

    /// Live growth since the mark (saturating at 0).
    pub fn growth(&self) -> MemFigure {
        MemFigure {
            heap: self
                .heap
                .zip(heap::live())
                .map(|(a, b)| b.saturating_sub(a)),
            rss: self.rss.zip(heap::rss()).map(|(a, b)| b.saturating_sub(a)),
        }
    }

    /// Peak growth since the mark (saturating at 0). The RSS part needs the
    /// kernel's peak mark to have been reset at the mark.
    pub fn peak_growth(&self) -> MemFigure {
        let rss_peak = if self.rss_peak_reset {
            heap::rss_peak()
        } else {
            None
        };
        MemFigure {
            heap: self
                .heap
                .zip(heap::peak())
                .map(|(a, b)| b.saturating_sub(a)),
            rss: self.rss.zip(rss_peak).map(|(a, b)| b.saturating_sub(a)),
        }
    }
}

/// What one engine did on one workload.
#[derive(Debug, Clone)]
pub struct EngineResult {
    pub engine: EngineKind,
    /// Compile + instantiate time, when that succeeded.
    pub setup: Option<Duration>,
    /// Wall time of each successful `run` call.
    pub times: Vec<Duration>,
    /// The checksum of each successful `run` call.
    pub checksums: Vec<u64>,
    /// The failure that stopped this engine, if any.
    pub error: Option<EngineError>,
    /// Set when a run exceeded the cap and later runs were skipped.
    pub capped: bool,
    /// Memory growth over instantiation.
    pub instance_mem: MemFigure,
    /// The largest transient rise above the memory in use at a call's
    /// start, over all calls.
    pub call_peak_mem: MemFigure,
}

impl EngineResult {
    /// An engine that has not been measured yet.
    pub fn new(engine: EngineKind) -> Self {
        Self {
            engine,
            setup: None,
            times: Vec::new(),
            checksums: Vec::new(),
            error: None,
            capped: false,
            instance_mem: MemFigure::default(),
            call_peak_mem: MemFigure::default(),
        }
    }

    /// The median run time; `None` if the engine failed or never ran.
    pub fn median(&self) -> Option<Duration> {
        if self.error.is_some() {
            return None;
        }
        median(&self.times)
    }

    /// The checksum of the first run.
    pub fn checksum(&self) -> Option<u64> {
        self.checksums.first().copied()
    }

    /// Peak memory of the instance: its instantiation growth plus the
    /// largest rise during a call.
    pub fn peak_mem(&self) -> MemFigure {
        self.instance_mem.plus(self.call_peak_mem)
    }
}

/// Everything measured for one workload.
#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub workload: &'static Workload,
    /// The native reference checksum, if `expected.txt` has one.
    pub expected: Option<u64>,
    /// One entry per selected engine, in selection order.
    pub engines: Vec<EngineResult>,
}

impl WorkloadResult {
    /// The result of `engine`, if it was selected.
    pub fn engine(&self, engine: EngineKind) -> Option<&EngineResult> {
        self.engines.iter().find(|e| e.engine == engine)
    }

    /// The median of `engine` in milliseconds, if it ran.
    pub fn median_ms(&self, engine: EngineKind) -> Option<f64> {
        self.engine(engine)?.median().map(|d| d.as_secs_f64() * 1e3)
    }

    /// Checksum disagreements: between runs of one engine, between engines,
    /// or against the native reference. Empty when everything agrees.
    pub fn mismatches(&self) -> Vec<String> {
        let name = self.workload.name;
        let mut found = Vec::new();
        for result in &self.engines {
            let label = result.engine.label();
            let Some(first) = result.checksum() else {
                continue;
            };
            if let Some(other) = result.checksums.iter().find(|&&c| c != first) {
                found.push(format!(
                    "{name}: {label} is not repeatable: run 1 gave {first:#018x}, a later run {other:#018x}"
                ));
            }
            if let Some(expected) = self.expected
                && first != expected
            {
                found.push(format!(
                    "{name}: {label} returned {first:#018x}, the native reference is {expected:#018x}"
                ));
            }
        }
        if self.expected.is_none() {
            // No reference: at least the engines must agree among themselves.
            let mut ran = self
                .engines
                .iter()
                .filter_map(|r| Some((r.engine, r.checksum()?)));
            if let Some((base_engine, base)) = ran.next() {
                for (engine, checksum) in ran {
                    if checksum != base {
                        found.push(format!(
                            "{name}: {} returned {checksum:#018x} but {} returned {base:#018x}",
                            engine.label(),
                            base_engine.label()
                        ));
                    }
                }
            }
        }
        found
    }
}

/// Measures `workload` on `engines` with `runs` calls of `run` each; an
/// engine whose call takes longer than `cap` is not called again.
/// `progress` receives a line of text after each step, for a live log.
pub fn measure_workload(
    workload: &'static Workload,
    expected: Option<u64>,
    engines: &[EngineKind],
    runs: usize,
    cap: Duration,
    mut progress: impl FnMut(&str),
) -> WorkloadResult {
    let name = workload.name;
    let mut results = Vec::with_capacity(engines.len());
    let mut runners: Vec<Option<Box<dyn Runner>>> = Vec::with_capacity(engines.len());
    for &engine in engines {
        let mut result = EngineResult::new(engine);
        let start = Instant::now();
        let prepared = engines::compile(engine, workload.wasm).and_then(|compiled| {
            let mark = MemMark::now();
            let runner = engines::instantiate(&*compiled)?;
            Ok((runner, mark.growth()))
        });
        match prepared {
            Ok((runner, grown)) => {
                let setup = start.elapsed();
                progress(&format!(
                    "{name}: {} compiled+instantiated in {:.2} ms",
                    engine.label(),
                    setup.as_secs_f64() * 1e3
                ));
                result.setup = Some(setup);
                result.instance_mem = grown;
                runners.push(Some(runner));
            }
            Err(error) => {
                progress(&format!("{name}: {}: {error}", engine.label()));
                result.error = Some(error);
                runners.push(None);
            }
        }
        results.push(result);
    }
    for run in 1..=runs {
        for (slot, result) in runners.iter_mut().zip(results.iter_mut()) {
            let Some(runner) = slot else { continue };
            let mark = MemMark::now();
            let start = Instant::now();
            let outcome = engines::call_run(&mut **runner);
            let elapsed = start.elapsed();
            result.call_peak_mem = result.call_peak_mem.max(mark.peak_growth());
            match outcome {
                Ok(checksum) => {
                    result.times.push(elapsed);
                    result.checksums.push(checksum);
                    progress(&format!(
                        "{name}: {} run {run}/{runs}: {:.1} ms, checksum {checksum:#018x}",
                        result.engine.label(),
                        elapsed.as_secs_f64() * 1e3
                    ));
                    if elapsed > cap && run < runs {
                        progress(&format!(
                            "{name}: {} took over {} s: no further runs",
                            result.engine.label(),
                            cap.as_secs()
                        ));
                        result.capped = true;
                        *slot = None;
                    }
                }
                Err(error) => {
                    progress(&format!("{name}: {}: {error}", result.engine.label()));
                    result.error = Some(error);
                    // A runner that failed (maybe by panicking) is not reused.
                    *slot = None;
                }
            }
        }
    }
    WorkloadResult {
        workload,
        expected,
        engines: results,
    }
}

/// The median of `samples` (the mean of the two middle ones for an even
/// count); `None` when empty.
pub fn median(samples: &[Duration]) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The geometric mean of positive, finite ratios; `None` when there are
/// none (or any is not positive and finite).
pub fn geomean(ratios: &[f64]) -> Option<f64> {
    if ratios.is_empty() || ratios.iter().any(|r| !r.is_finite() || *r <= 0.0) {
        return None;
    }
    let log_sum: f64 = ratios.iter().map(|r| r.ln()).sum();
    Some((log_sum / ratios.len() as f64).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::WORKLOADS;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[ms(5)]), Some(ms(5)));
        assert_eq!(median(&[ms(9), ms(1), ms(5)]), Some(ms(5)));
        assert_eq!(median(&[ms(4), ms(1), ms(100), ms(2)]), Some(ms(3)));
    }

    #[test]
    fn geomean_of_ratios() {
        assert_eq!(geomean(&[]), None);
        let g = geomean(&[2.0, 8.0]).unwrap();
        assert!((g - 4.0).abs() < 1e-12, "{g}");
        assert_eq!(geomean(&[1.0, 0.0]), None);
        assert_eq!(geomean(&[1.0, f64::NAN]), None);
    }

    fn result(engine: EngineKind, checksums: &[u64]) -> EngineResult {
        EngineResult {
            setup: Some(ms(1)),
            times: checksums.iter().map(|_| ms(10)).collect(),
            checksums: checksums.to_vec(),
            ..EngineResult::new(engine)
        }
    }

    #[test]
    fn mismatches_are_found() {
        let w = &WORKLOADS[0];
        let agree = WorkloadResult {
            workload: w,
            expected: Some(7),
            engines: vec![
                result(EngineKind::Wisp, &[7, 7]),
                result(EngineKind::Wasmi, &[7, 7]),
            ],
        };
        assert!(agree.mismatches().is_empty());
        assert_eq!(agree.median_ms(EngineKind::Wasmi), Some(10.0));
        assert_eq!(agree.median_ms(EngineKind::WispFuel), None);

        let wrong_reference = WorkloadResult {
            expected: Some(8),
            ..agree.clone()
        };
        assert_eq!(wrong_reference.mismatches().len(), 2);

        let unrepeatable = WorkloadResult {
            engines: vec![result(EngineKind::Wisp, &[7, 6])],
            ..agree.clone()
        };
        assert_eq!(unrepeatable.mismatches().len(), 1);

        let no_reference = WorkloadResult {
            expected: None,
            engines: vec![
                result(EngineKind::Wisp, &[1]),
                result(EngineKind::Wasmi, &[2]),
            ],
            ..agree
        };
        assert_eq!(no_reference.mismatches().len(), 1);
    }

    #[test]
    fn mem_figures_add_and_max() {
        let a = MemFigure {
            heap: Some(10),
            rss: None,
        };
        let b = MemFigure {
            heap: Some(5),
            rss: Some(7),
        };
        assert_eq!(
            a.plus(b),
            MemFigure {
                heap: Some(15),
                rss: None
            }
        );
        assert_eq!(
            a.max(b),
            MemFigure {
                heap: Some(10),
                rss: Some(7)
            }
        );
        let mut r = result(EngineKind::Wisp, &[1]);
        r.instance_mem = b;
        r.call_peak_mem = b;
        assert_eq!(
            r.peak_mem(),
            MemFigure {
                heap: Some(10),
                rss: Some(14)
            }
        );
    }

    #[test]
    fn a_mark_sees_rss_growth() {
        let mark = MemMark::now();
        let block = vec![1u8; 32 << 20];
        let grown = mark.growth();
        let peak = mark.peak_growth();
        assert_eq!(
            block.iter().map(|&b| usize::from(b)).sum::<usize>(),
            32 << 20
        );
        // The library's tests have no counting allocator: heap is unknown.
        assert_eq!(grown.heap, None);
        assert!(grown.rss.unwrap() >= 16 << 20, "{grown:?}");
        if let Some(p) = peak.rss {
            assert!(p >= 16 << 20, "{peak:?}");
        }
    }

    #[test]
    fn failed_engine_has_no_median() {
        let mut r = result(EngineKind::Wisp, &[1]);
        r.error = Some(EngineError::Panicked {
            stage: crate::engines::Stage::Call,
            message: String::from("x"),
        });
        assert_eq!(r.median(), None);
    }
}
