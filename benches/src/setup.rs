//! The figures before the first call: compile time per compilation mode
//! ([`measure_compile`], for each workload and for the large module) and
//! instantiation time plus memory per idle instance ([`measure_instances`]).
//!
//! Compiles are interleaved across modes like the runs (compile 1 in every
//! mode, then compile 2, …); each mode compiles on one engine made before
//! the clock starts. Each timed compile is *primed*: the same mode compiles
//! the module once, untimed, right before it (see [`PRIME_BELOW`]). Without
//! that, a compile inherited the heap the previous mode left behind, and
//! the order of the modes moved the large module's figures by 10–20%
//! (wisp 392 ms after wasmtime's compile against 350 ms alone; wasmi eager
//! 344 ms interleaved against 413 ms alone). Instances are made one engine at a time: `count`
//! instances of one compiled module, each in its own store, all kept alive,
//! so the growth of the heap and of the resident set divided by `count` is
//! the memory one idle instance holds; the instantiation time is the median
//! of the `count` instantiations.

use std::time::{Duration, Instant};

use crate::engines::{self, CompileKind, EngineError, EngineKind};
use crate::measure::{MemFigure, MemMark, median};

/// What one compilation mode did on one module.
#[derive(Debug, Clone)]
pub struct CompileResult {
    pub kind: CompileKind,
    /// The time of each successful compile.
    pub times: Vec<Duration>,
    /// The failure that stopped this mode, if any.
    pub error: Option<EngineError>,
}

impl CompileResult {
    /// The median compile time, if the mode never failed.
    pub fn median(&self) -> Option<Duration> {
        if self.error.is_some() {
            return None;
        }
        median(&self.times)
    }
}

/// Compile figures of one module.
#[derive(Debug, Clone)]
pub struct CompileFigures {
    /// The workload's name, or the large module's.
    pub name: String,
    /// The module's size in bytes.
    pub bytes: usize,
    pub results: Vec<CompileResult>,
}

impl CompileFigures {
    /// The result of `kind`, if it was measured.
    pub fn get(&self, kind: CompileKind) -> Option<&CompileResult> {
        self.results.iter().find(|r| r.kind == kind)
    }

    /// The median of `kind` in milliseconds.
    pub fn median_ms(&self, kind: CompileKind) -> Option<f64> {
        Some(self.get(kind)?.median()?.as_secs_f64() * 1e3)
    }

    /// Module bytes per second of `kind`, in MB/s (10^6 bytes).
    pub fn mb_per_s(&self, kind: CompileKind) -> Option<f64> {
        let secs = self.get(kind)?.median()?.as_secs_f64();
        (secs > 0.0).then(|| self.bytes as f64 / secs / 1e6)
    }
}

/// The compilation modes that belong to the selected engines.
pub fn compile_kinds(engines: &[EngineKind]) -> Vec<CompileKind> {
    let mut kinds = Vec::new();
    for engine in engines {
        kinds.extend_from_slice(match engine {
            EngineKind::Wisp => &[CompileKind::Wisp, CompileKind::WispValidate][..],
            EngineKind::WispFuel => &[CompileKind::WispFuel],
            EngineKind::Wasmi => &[
                CompileKind::WasmiEager,
                CompileKind::WasmiLazyTranslation,
                CompileKind::WasmiLazy,
            ],
            // The same compile as wasmi's default, with fuel instructions.
            EngineKind::WasmiFuel => &[],
            EngineKind::Wasm3 => &[CompileKind::Wasm3Parse],
            EngineKind::Stitch => &[CompileKind::Stitch],
            EngineKind::Tinywasm => &[CompileKind::Tinywasm],
            EngineKind::Wasmtime => &[CompileKind::Wasmtime],
        });
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Modes whose compile takes at least this long are not primed: their own
/// work dwarfs the allocator state they inherit (wasmtime's Cranelift
/// compile of the large module takes ~16 s), and priming would double it.
pub const PRIME_BELOW: Duration = Duration::from_secs(2);

/// Compiles `wasm` `runs` times in each of `kinds`, interleaved, each timed
/// compile primed by an untimed one of the same mode (unless the mode's
/// last compile took [`PRIME_BELOW`] or more). A mode that fails is not
/// tried again; one whose compile takes longer than `cap` is not run again
/// either.
pub fn measure_compile(
    name: &str,
    wasm: &[u8],
    kinds: &[CompileKind],
    runs: usize,
    cap: Duration,
    mut progress: impl FnMut(&str),
) -> CompileFigures {
    let mut results: Vec<CompileResult> = Vec::with_capacity(kinds.len());
    let mut compilers = Vec::with_capacity(kinds.len());
    for &kind in kinds {
        let mut result = CompileResult {
            kind,
            times: Vec::with_capacity(runs),
            error: None,
        };
        match engines::compiler(kind) {
            Ok(compiler) => compilers.push(Some(compiler)),
            Err(error) => {
                result.error = Some(error);
                compilers.push(None);
            }
        }
        results.push(result);
    }
    for _ in 0..runs {
        for (result, slot) in results.iter_mut().zip(compilers.iter_mut()) {
            let Some(compiler) = slot else { continue };
            let last = result.times.last().copied().unwrap_or(Duration::ZERO);
            let primed = if last < PRIME_BELOW {
                engines::time_compile(compiler, wasm)
            } else {
                Ok(last)
            };
            match primed.and_then(|_| engines::time_compile(compiler, wasm)) {
                Ok(time) => {
                    result.times.push(time);
                    if time > cap {
                        *slot = None;
                    }
                }
                Err(error) => {
                    progress(&format!("{name}: compile {}: {error}", result.kind.label()));
                    result.error = Some(error);
                    *slot = None;
                }
            }
        }
    }
    let summary: Vec<String> = results
        .iter()
        .filter_map(|r| {
            Some(format!(
                "{} {:.2}",
                r.kind.label(),
                r.median()?.as_secs_f64() * 1e3
            ))
        })
        .collect();
    progress(&format!(
        "{name}: compile ms ({} bytes): {}",
        wasm.len(),
        summary.join(", ")
    ));
    CompileFigures {
        name: name.to_owned(),
        bytes: wasm.len(),
        results,
    }
}

/// Instantiation figures of one engine on one workload.
#[derive(Debug, Clone)]
pub struct InstanceResult {
    pub engine: EngineKind,
    /// The time of each instantiation.
    pub times: Vec<Duration>,
    /// Memory growth per live instance (total growth / instances).
    pub per_instance: MemFigure,
    /// The failure that stopped this engine, if any.
    pub error: Option<EngineError>,
}

impl InstanceResult {
    /// The median instantiation time, if the engine never failed.
    pub fn median(&self) -> Option<Duration> {
        if self.error.is_some() {
            return None;
        }
        median(&self.times)
    }
}

/// Instantiation figures of one workload.
#[derive(Debug, Clone)]
pub struct InstanceFigures {
    pub name: &'static str,
    /// How many instances each engine held at once.
    pub count: usize,
    pub results: Vec<InstanceResult>,
}

impl InstanceFigures {
    /// The result of `engine`, if it was measured.
    pub fn get(&self, engine: EngineKind) -> Option<&InstanceResult> {
        self.results.iter().find(|r| r.engine == engine)
    }
}

/// Makes `count` live instances of `wasm` on each engine in turn.
pub fn measure_instances(
    name: &'static str,
    wasm: &[u8],
    engines: &[EngineKind],
    count: usize,
    mut progress: impl FnMut(&str),
) -> InstanceFigures {
    let count = count.max(1);
    let mut results = Vec::with_capacity(engines.len());
    for &engine in engines {
        let mut result = InstanceResult {
            engine,
            times: Vec::with_capacity(count),
            per_instance: MemFigure::default(),
            error: None,
        };
        match engines::compile(engine, wasm) {
            Err(error) => result.error = Some(error),
            Ok(compiled) => {
                let mut live = Vec::with_capacity(count);
                let mark = MemMark::now();
                for _ in 0..count {
                    let start = Instant::now();
                    let outcome = engines::instantiate(&*compiled);
                    let elapsed = start.elapsed();
                    match outcome {
                        Ok(runner) => {
                            result.times.push(elapsed);
                            live.push(runner);
                        }
                        Err(error) => {
                            result.error = Some(error);
                            break;
                        }
                    }
                }
                let grown = mark.growth();
                result.per_instance = MemFigure {
                    heap: grown.heap.map(|b| b / count),
                    rss: grown.rss.map(|b| b / count),
                };
                drop(live);
            }
        }
        match (&result.error, result.median()) {
            (Some(error), _) => progress(&format!("{name}: {}: {error}", engine.label())),
            (None, Some(t)) => progress(&format!(
                "{name}: {} instantiates in {:.1} µs; {count} instances: {} heap, {} RSS each",
                engine.label(),
                t.as_secs_f64() * 1e6,
                fmt_bytes(result.per_instance.heap),
                fmt_bytes(result.per_instance.rss),
            )),
            (None, None) => {}
        }
        results.push(result);
    }
    InstanceFigures {
        name,
        count,
        results,
    }
}

/// Bytes as KiB (or MiB from 10 MiB up), `n/a` when unknown.
pub fn fmt_bytes(bytes: Option<usize>) -> String {
    match bytes {
        None => String::from("n/a"),
        Some(b) if b >= 10 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        Some(b) => format!("{:.1} KiB", b as f64 / 1024.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_engines() {
        assert_eq!(
            compile_kinds(&[EngineKind::Wasmi, EngineKind::Wisp]),
            [
                CompileKind::Wisp,
                CompileKind::WispValidate,
                CompileKind::WasmiEager,
                CompileKind::WasmiLazyTranslation,
                CompileKind::WasmiLazy,
            ]
        );
        assert!(compile_kinds(&[EngineKind::WasmiFuel]).is_empty());
        assert_eq!(compile_kinds(&EngineKind::ALL), CompileKind::ALL);
    }

    #[test]
    fn throughput_is_bytes_over_median() {
        let figures = CompileFigures {
            name: String::from("m"),
            bytes: 2_000_000,
            results: vec![CompileResult {
                kind: CompileKind::Wisp,
                times: vec![Duration::from_millis(100); 3],
                error: None,
            }],
        };
        assert_eq!(figures.median_ms(CompileKind::Wisp), Some(100.0));
        let mbs = figures.mb_per_s(CompileKind::Wisp).unwrap();
        assert!((mbs - 20.0).abs() < 1e-9, "{mbs}");
        assert_eq!(figures.mb_per_s(CompileKind::Wasmtime), None);
    }

    #[test]
    fn bytes_format() {
        assert_eq!(fmt_bytes(None), "n/a");
        assert_eq!(fmt_bytes(Some(1536)), "1.5 KiB");
        assert_eq!(fmt_bytes(Some(20 << 20)), "20.0 MiB");
    }

    #[test]
    fn tiny_module_everywhere() {
        engines::install_quiet_panic_hook();
        // (module (func (export "run") (result i64) i64.const 42))
        let wasm = [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01,
            0x7e, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, b'r', b'u', b'n', 0x00, 0x00,
            0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x2a, 0x0b,
        ];
        let figures = measure_instances("tiny", &wasm, &EngineKind::ALL, 3, |_| {});
        for r in &figures.results {
            assert_eq!(r.times.len(), 3, "{:?}", r.engine);
            assert!(r.error.is_none(), "{:?}: {:?}", r.engine, r.error);
        }
        let kinds = compile_kinds(&EngineKind::ALL);
        let compiled = measure_compile("tiny", &wasm, &kinds, 2, Duration::from_secs(5), |_| {});
        for r in &compiled.results {
            assert_eq!(r.times.len(), 2, "{:?}", r.kind);
        }
    }
}
