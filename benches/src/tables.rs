//! The report's markdown tables: execution times with ratios and geometric
//! means, fuel overhead, compile times and throughput, instantiation times,
//! memory per instance, and the targets checked against them.
//! Every engine keeps its column on every row: where it could not run, the
//! cell says `n/a: <reason>`.

use crate::engines::{CompileKind, EngineKind};
use crate::measure::{EngineResult, MemFigure, WorkloadResult, geomean};
use crate::setup::{CompileFigures, InstanceFigures, fmt_bytes};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `a / b` of two medians of one workload, if both engines ran.
pub fn ratio(result: &WorkloadResult, a: EngineKind, b: EngineKind) -> Option<f64> {
    Some(result.median_ms(a)? / result.median_ms(b)?)
}

/// How much slower wisp runs with fuel metering, as a fraction (0.1 = +10%).
pub fn fuel_overhead(result: &WorkloadResult) -> Option<f64> {
    Some(ratio(result, EngineKind::WispFuel, EngineKind::Wisp)? - 1.0)
}

/// The geometric mean of `a / b` over the workloads where both ran, and how
/// many that was.
pub fn geomean_ratio(
    results: &[WorkloadResult],
    a: EngineKind,
    b: EngineKind,
) -> (Option<f64>, usize) {
    let ratios: Vec<f64> = results.iter().filter_map(|r| ratio(r, a, b)).collect();
    (geomean(&ratios), ratios.len())
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| String::from("n/a"), |r| format!("{r:.2}x"))
}

fn fmt_percent(r: Option<f64>) -> String {
    r.map_or_else(|| String::from("n/a"), |f| format!("{:+.1}%", f * 100.0))
}

/// A time cell: the median in ms, the run count when the engine was capped,
/// or `n/a: <reason>`.
fn exec_cell(result: Option<&EngineResult>) -> String {
    let Some(result) = result else {
        return String::from("n/a: not selected");
    };
    if let Some(error) = &result.error {
        return format!("n/a: {}", error.short());
    }
    match result.median() {
        Some(d) if result.capped => format!(
            "{:.1} ({} run{}, capped)",
            d.as_secs_f64() * 1e3,
            result.times.len(),
            if result.times.len() == 1 { "" } else { "s" }
        ),
        Some(d) => format!("{:.1}", d.as_secs_f64() * 1e3),
        None => String::from("n/a: no run"),
    }
}

/// The checksum the engines agreed on (or the reference if none ran).
fn checksum_cell(result: &WorkloadResult) -> String {
    let mut seen: Vec<u64> = result.engines.iter().filter_map(|r| r.checksum()).collect();
    seen.sort_unstable();
    seen.dedup();
    match (seen.as_slice(), result.expected) {
        ([one], _) => format!("`{one:#018x}`"),
        ([], Some(expected)) => format!("(`{expected:#018x}`)"),
        ([], None) => String::from("n/a"),
        _ => String::from("**MISMATCH**"),
    }
}

/// A table header: the first column and a `checksum` column are
/// left-aligned, every other (numeric) column right-aligned.
fn header(out: &mut String, first: &[&str], engines: &[&str], last: &[&str]) {
    let cols: Vec<&str> = first.iter().chain(engines).chain(last).copied().collect();
    let aligns: Vec<&str> = cols
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i == 0 || c == "checksum" {
                "---"
            } else {
                "---:"
            }
        })
        .collect();
    let _ = writeln!(out, "| {} |", cols.join(" | "));
    let _ = writeln!(out, "|{}|", aligns.join("|"));
}

/// The execution table (ms), a geometric-mean row of every engine against
/// wasmi, and the wisp/wasmi and wisp/wasm3 geometric means.
pub fn render_exec(results: &[WorkloadResult], engines: &[EngineKind]) -> String {
    let mut out = String::new();
    let labels: Vec<&str> = engines.iter().map(|e| e.label()).collect();
    header(
        &mut out,
        &["workload"],
        &labels,
        &["wisp/wasmi", "wisp/wasm3", "checksum"],
    );
    for result in results {
        let cells: Vec<String> = engines
            .iter()
            .map(|&e| exec_cell(result.engine(e)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            result.workload.name,
            cells.join(" | "),
            fmt_ratio(ratio(result, EngineKind::Wisp, EngineKind::Wasmi)),
            fmt_ratio(ratio(result, EngineKind::Wisp, EngineKind::Wasm3)),
            checksum_cell(result),
        );
    }
    let geo: Vec<String> = engines
        .iter()
        .map(|&e| {
            let (g, n) = geomean_ratio(results, e, EngineKind::Wasmi);
            match g {
                Some(g) if n == results.len() => format!("{g:.2}x"),
                Some(g) => format!("{g:.2}x ({n} of {})", results.len()),
                None => String::from("n/a"),
            }
        })
        .collect();
    let _ = writeln!(out, "| **geomean vs wasmi** | {} | | | |", geo.join(" | "));
    out.push('\n');
    for (other, name) in [(EngineKind::Wasmi, "wasmi"), (EngineKind::Wasm3, "wasm3")] {
        let (g, n) = geomean_ratio(results, EngineKind::Wisp, other);
        match g {
            Some(g) if n == results.len() => {
                let _ = writeln!(
                    out,
                    "Geometric mean of wisp/{name}: **{g:.2}x** (lower is better for wisp).\n"
                );
            }
            Some(g) => {
                let _ = writeln!(
                    out,
                    "Geometric mean of wisp/{name}: **{g:.2}x** over the {n} of {} workloads where both ran.\n",
                    results.len()
                );
            }
            None => {
                let _ = writeln!(out, "Geometric mean of wisp/{name}: n/a (not both ran).\n");
            }
        }
    }
    out
}

/// wisp's and wasmi's fuel overhead per workload, with geometric means.
pub fn render_fuel(results: &[WorkloadResult]) -> String {
    let mut out =
        String::from("| workload | wisp (fuel) / wisp | wasmi (fuel) / wasmi |\n|---|---:|---:|\n");
    for result in results {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            result.workload.name,
            fmt_percent(fuel_overhead(result)),
            fmt_percent(ratio(result, EngineKind::WasmiFuel, EngineKind::Wasmi).map(|r| r - 1.0)),
        );
    }
    let wisp = geomean_ratio(results, EngineKind::WispFuel, EngineKind::Wisp).0;
    let wasmi = geomean_ratio(results, EngineKind::WasmiFuel, EngineKind::Wasmi).0;
    let _ = writeln!(
        out,
        "| **geomean** | **{}** | {} |",
        fmt_percent(wisp.map(|g| g - 1.0)),
        fmt_percent(wasmi.map(|g| g - 1.0))
    );
    out
}

fn compile_cell(figures: &CompileFigures, kind: CompileKind) -> String {
    match figures.get(kind) {
        None => String::from("n/a: not selected"),
        Some(r) => match (&r.error, r.median()) {
            (Some(e), _) => format!("n/a: {}", e.short()),
            (None, Some(d)) => format!("{:.3}", d.as_secs_f64() * 1e3),
            (None, None) => String::from("n/a: no run"),
        },
    }
}

/// The large-module compile table: one row per mode with what it does, the
/// median ms, MB/s, and the speed relative to wasmi's eager mode.
pub fn render_large(figures: &CompileFigures, kinds: &[CompileKind]) -> String {
    let mut out = String::from(
        "| mode | what it does before instantiation | ms | MB/s | speed vs wasmi eager |\n|---|---|---:|---:|---:|\n",
    );
    let eager = figures.mb_per_s(CompileKind::WasmiEager);
    for &kind in kinds {
        let mbs = figures.mb_per_s(kind);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            kind.label(),
            kind.does(),
            compile_cell(figures, kind),
            mbs.map_or_else(|| String::from("n/a"), |v| format!("{v:.1}")),
            fmt_ratio(mbs.zip(eager).map(|(a, b)| a / b)),
        );
    }
    out
}

/// Compile ms per workload, one column per mode.
pub fn render_compile(figures: &[CompileFigures], kinds: &[CompileKind]) -> String {
    let mut out = String::new();
    let labels: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
    header(&mut out, &["workload", "bytes"], &labels, &[]);
    for f in figures {
        let cells: Vec<String> = kinds.iter().map(|&k| compile_cell(f, k)).collect();
        let _ = writeln!(out, "| {} | {} | {} |", f.name, f.bytes, cells.join(" | "));
    }
    out
}

/// Median instantiation time per workload and engine, in µs.
pub fn render_instantiate(figures: &[InstanceFigures], engines: &[EngineKind]) -> String {
    let mut out = String::new();
    let labels: Vec<&str> = engines.iter().map(|e| e.label()).collect();
    header(&mut out, &["workload"], &labels, &[]);
    for f in figures {
        let cells: Vec<String> = engines
            .iter()
            .map(|&e| match f.get(e) {
                None => String::from("n/a: not selected"),
                Some(r) => match (&r.error, r.median()) {
                    (Some(err), _) => format!("n/a: {}", err.short()),
                    (None, Some(d)) => format!("{:.1}", d.as_secs_f64() * 1e6),
                    (None, None) => String::from("n/a"),
                },
            })
            .collect();
        let _ = writeln!(out, "| {} | {} |", f.name, cells.join(" | "));
    }
    out
}

/// `heap / RSS`; wasm3's heap is C `malloc`, which the counting allocator
/// cannot see, so its heap part says so instead of showing a near-zero.
fn mem_cell(engine: EngineKind, m: MemFigure) -> String {
    let heap = if engine == EngineKind::Wasm3 {
        String::from("(C heap)")
    } else {
        fmt_bytes(m.heap)
    };
    format!("{heap} / {}", fmt_bytes(m.rss))
}

/// Memory per idle instance (heap / RSS), per workload and engine.
pub fn render_idle_memory(figures: &[InstanceFigures], engines: &[EngineKind]) -> String {
    let mut out = String::new();
    let labels: Vec<&str> = engines.iter().map(|e| e.label()).collect();
    header(&mut out, &["workload"], &labels, &[]);
    for f in figures {
        let cells: Vec<String> = engines
            .iter()
            .map(|&e| match f.get(e) {
                None => String::from("n/a: not selected"),
                Some(r) => match &r.error {
                    Some(err) => format!("n/a: {}", err.short()),
                    None => mem_cell(e, r.per_instance),
                },
            })
            .collect();
        let _ = writeln!(out, "| {} | {} |", f.name, cells.join(" | "));
    }
    out
}

/// Peak memory of one instance through instantiation and its calls (heap /
/// RSS), per workload and engine.
pub fn render_peak_memory(results: &[WorkloadResult], engines: &[EngineKind]) -> String {
    let mut out = String::new();
    let labels: Vec<&str> = engines.iter().map(|e| e.label()).collect();
    header(&mut out, &["workload"], &labels, &[]);
    for result in results {
        let cells: Vec<String> = engines
            .iter()
            .map(|&e| match result.engine(e) {
                None => String::from("n/a: not selected"),
                Some(r) if r.setup.is_none() => match &r.error {
                    Some(err) => format!("n/a: {}", err.short()),
                    None => String::from("n/a"),
                },
                Some(r) => mem_cell(e, r.peak_mem()),
            })
            .collect();
        let _ = writeln!(out, "| {} | {} |", result.workload.name, cells.join(" | "));
    }
    out
}

/// One line per distinct engine failure, naming the workloads it hit.
pub fn render_failures(results: &[WorkloadResult]) -> String {
    let mut failures: BTreeMap<(EngineKind, String), Vec<&str>> = BTreeMap::new();
    for result in results {
        for engine in &result.engines {
            if let Some(error) = &engine.error {
                failures
                    .entry((engine.engine, error.to_string()))
                    .or_default()
                    .push(result.workload.name);
            }
        }
    }
    let mut out = String::new();
    for ((engine, error), names) in failures {
        let which = if names.len() == results.len() && results.len() > 1 {
            String::from("all workloads")
        } else {
            names.join(", ")
        };
        let one_line = error.replace('\n', " ");
        let _ = writeln!(out, "- `n/a` for {} ({which}): {one_line}", engine.label());
    }
    out
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "**met**",
        Some(false) => "**not met**",
        None => "n/a",
    }
}

/// The targets, each with the measured value and whether it is met.
pub fn render_targets(results: &[WorkloadResult], large: Option<&CompileFigures>) -> String {
    let mut out = String::from("| target | measured | |\n|---|---|---|\n");
    let n = results.len();
    let (g, k) = geomean_ratio(results, EngineKind::Wisp, EngineKind::Wasmi);
    let _ = writeln!(
        out,
        "| geomean wisp/wasmi ≤ 0.75x | {} over {k} of {n} workloads | {} |",
        fmt_ratio(g),
        verdict(g.map(|g| g <= 0.75 && k == n))
    );
    let (g, k) = geomean_ratio(results, EngineKind::Wisp, EngineKind::Wasm3);
    let _ = writeln!(
        out,
        "| geomean wisp/wasm3 ≤ 1.0x | {} over {k} of {n} workloads | {} |",
        fmt_ratio(g),
        verdict(g.map(|g| g <= 1.0))
    );
    let slower: Vec<String> = results
        .iter()
        .filter_map(|r| {
            let x = ratio(r, EngineKind::Wisp, EngineKind::Wasmi)?;
            (x > 1.0).then(|| format!("{} {x:.2}x", r.workload.name))
        })
        .collect();
    let (_, k) = geomean_ratio(results, EngineKind::Wisp, EngineKind::Wasmi);
    let _ = writeln!(
        out,
        "| no workload slower than wasmi | {} | {} |",
        if slower.is_empty() {
            String::from("none slower")
        } else {
            format!("slower: {}", slower.join(", "))
        },
        verdict((k > 0).then_some(slower.is_empty() && k == n))
    );
    let (g, _) = geomean_ratio(results, EngineKind::WispFuel, EngineKind::Wisp);
    let _ = writeln!(
        out,
        "| fuel on ≤ +10% over fuel off (geomean) | {} | {} |",
        fmt_percent(g.map(|g| g - 1.0)),
        verdict(g.map(|g| g <= 1.10))
    );
    let Some(large) = large else {
        out.push_str(
            "| compile throughput on a large module (several MB) | no large module measured (or only a stand-in) | n/a |\n",
        );
        return out;
    };
    for (ours, theirs, what) in [
        (
            CompileKind::Wisp,
            CompileKind::WasmiEager,
            "validate + translate all bodies ≥ wasmi eager (MB/s, large module)",
        ),
        (
            CompileKind::WispValidate,
            CompileKind::WasmiLazyTranslation,
            "validate alone ≥ wasmi default lazy translation (MB/s, large module)",
        ),
    ] {
        let a = large.mb_per_s(ours);
        let b = large.mb_per_s(theirs);
        let _ = writeln!(
            out,
            "| {what} | {} vs {} MB/s on `{}` ({:.1} MB) | {} |",
            a.map_or_else(|| String::from("n/a"), |v| format!("{v:.1}")),
            b.map_or_else(|| String::from("n/a"), |v| format!("{v:.1}")),
            large.name,
            large.bytes as f64 / 1e6,
            verdict(a.zip(b).map(|(a, b)| a >= b))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{EngineError, Stage};
    use crate::setup::CompileResult;
    use crate::workloads::WORKLOADS;
    use std::time::Duration;

    fn engine(engine: EngineKind, ms: u64, checksum: u64) -> EngineResult {
        let mut r = EngineResult::new(engine);
        r.setup = Some(Duration::from_micros(250));
        r.times = vec![Duration::from_millis(ms)];
        r.checksums = vec![checksum];
        r
    }

    fn two_workloads() -> Vec<WorkloadResult> {
        vec![
            WorkloadResult {
                workload: &WORKLOADS[0],
                expected: Some(5),
                engines: vec![
                    engine(EngineKind::Wisp, 200, 5),
                    engine(EngineKind::WispFuel, 220, 5),
                    engine(EngineKind::Wasmi, 100, 5),
                    engine(EngineKind::Wasm3, 400, 5),
                ],
            },
            WorkloadResult {
                workload: &WORKLOADS[1],
                expected: Some(6),
                engines: vec![
                    engine(EngineKind::Wisp, 50, 6),
                    engine(EngineKind::WispFuel, 50, 6),
                    engine(EngineKind::Wasmi, 100, 6),
                    engine(EngineKind::Wasm3, 25, 6),
                ],
            },
        ]
    }

    #[test]
    fn exec_table_has_ratios_and_geomeans() {
        let results = two_workloads();
        let engines = [
            EngineKind::Wisp,
            EngineKind::WispFuel,
            EngineKind::Wasmi,
            EngineKind::Wasm3,
        ];
        let table = render_exec(&results, &engines);
        assert!(
            table.contains(
                "| fib | 200.0 | 220.0 | 100.0 | 400.0 | 2.00x | 0.50x | `0x0000000000000005` |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| sieve | 50.0 | 50.0 | 100.0 | 25.0 | 0.50x | 2.00x |"),
            "{table}"
        );
        assert!(
            table.contains("| **geomean vs wasmi** | 1.00x | 1.05x | 1.00x | 1.00x |"),
            "{table}"
        );
        assert!(table.contains("wisp/wasmi: **1.00x**"), "{table}");
        assert!(table.contains("wisp/wasm3: **1.00x**"), "{table}");
        let fuel = render_fuel(&results);
        assert!(fuel.contains("| fib | +10.0% | n/a |"), "{fuel}");
    }

    #[test]
    fn failures_and_caps_show_in_cells() {
        let mut results = two_workloads();
        let wasm3 = &mut results[0].engines[3];
        wasm3.error = Some(EngineError::Failed {
            stage: Stage::Call,
            message: String::from("unsupported opcode"),
        });
        results[1].engines[0].capped = true;
        let table = render_exec(&results, &[EngineKind::Wisp, EngineKind::Wasm3]);
        assert!(
            table.contains("| n/a: call: unsupported opcode |"),
            "{table}"
        );
        assert!(table.contains("| 50.0 (1 run, capped) |"), "{table}");
        assert!(table.contains("over the 1 of 2 workloads"), "{table}");
        let failures = render_failures(&results);
        assert_eq!(
            failures,
            "- `n/a` for wasm3 (fib): call failed: unsupported opcode\n"
        );
    }

    #[test]
    fn memory_cells() {
        let m = MemFigure {
            heap: Some(2048),
            rss: Some(1024),
        };
        assert_eq!(mem_cell(EngineKind::Wisp, m), "2.0 KiB / 1.0 KiB");
        assert_eq!(mem_cell(EngineKind::Wasm3, m), "(C heap) / 1.0 KiB");
        assert_eq!(
            mem_cell(EngineKind::Wasmi, MemFigure::default()),
            "n/a / n/a"
        );
    }

    #[test]
    fn targets_are_judged() {
        let results = two_workloads();
        let large = CompileFigures {
            name: String::from("big"),
            bytes: 1_000_000,
            results: vec![
                CompileResult {
                    kind: CompileKind::Wisp,
                    times: vec![Duration::from_millis(10)],
                    error: None,
                },
                CompileResult {
                    kind: CompileKind::WasmiEager,
                    times: vec![Duration::from_millis(20)],
                    error: None,
                },
            ],
        };
        let t = render_targets(&results, Some(&large));
        assert!(
            t.contains(
                "| geomean wisp/wasmi ≤ 0.75x | 1.00x over 2 of 2 workloads | **not met** |"
            ),
            "{t}"
        );
        assert!(
            t.contains("| geomean wisp/wasm3 ≤ 1.0x | 1.00x over 2 of 2 workloads | **met** |"),
            "{t}"
        );
        assert!(t.contains("slower: fib 2.00x"), "{t}");
        assert!(t.contains("| +4.9% | **met** |"), "{t}");
        assert!(
            t.contains("| 100.0 vs 50.0 MB/s on `big` (1.0 MB) | **met** |"),
            "{t}"
        );
        assert!(
            t.contains("| n/a vs n/a MB/s on `big` (1.0 MB) | n/a |"),
            "{t}"
        );
        let without = render_targets(&results, None);
        assert!(without.contains("no large module measured"), "{without}");
        let table = render_large(&large, &[CompileKind::Wisp, CompileKind::WasmiEager]);
        assert!(table.contains("| 10.000 | 100.0 | 2.00x |"), "{table}");
    }
}
