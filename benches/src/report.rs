//! The report: the results table, the geometric mean, machine information,
//! and the whole `docs/benchmarks.md` page (method prose included, so that a
//! regenerated page never loses it).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::engines::EngineKind;
use crate::measure::{WorkloadResult, geomean};
use crate::workloads::WORKLOADS;

/// Where and with what the numbers were taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineInfo {
    /// CPU model name from `/proc/cpuinfo`.
    pub cpu: String,
    /// Logical CPUs the process may use.
    pub cores: usize,
    /// `rustc --version` of the compiler that built the harness.
    pub rustc: String,
    /// The cargo profile the harness was built with.
    pub profile: String,
    /// Whether debug assertions are on (then the numbers mean little).
    pub debug_build: bool,
    /// Today's date (UTC), `YYYY-MM-DD`.
    pub date: String,
    /// The checked-out wisp commit, `+dirty` when the tree has changes.
    pub commit: String,
}

impl MachineInfo {
    /// Collects the information for this process.
    pub fn collect() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| cpu_model(&text))
            .unwrap_or_else(|| String::from("unknown CPU"));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (y, m, d) = civil_date(secs / 86_400);
        Self {
            cpu,
            cores,
            rustc: String::from(env!("WISP_BENCH_RUSTC")),
            profile: String::from(env!("WISP_BENCH_PROFILE")),
            debug_build: cfg!(debug_assertions),
            date: format!("{y:04}-{m:02}-{d:02}"),
            commit: git_commit().unwrap_or_else(|| String::from("unknown")),
        }
    }

    /// The cargo command that builds and runs this harness with `args`.
    pub fn command(&self, args: &[String]) -> String {
        let profile = match self.profile.as_str() {
            "debug" => String::new(),
            "release" => String::from(" --release"),
            other => format!(" --profile {other}"),
        };
        let mut cmd = format!("cargo run -p wisp-bench{profile} --");
        for arg in args {
            cmd.push(' ');
            cmd.push_str(arg);
        }
        cmd
    }
}

/// The first `model name` in `/proc/cpuinfo` text.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_owned())
    })
}

/// The (year, month, day) of a count of days since 1970-01-01, in the
/// proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
pub fn civil_date(days_since_epoch: u64) -> (u64, u64, u64) {
    let z = days_since_epoch + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn git_commit() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("git")
        .args(["-C", dir, "rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let mut commit = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    let status = Command::new("git")
        .args(["-C", dir, "status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()?;
    if status.status.success() && !status.stdout.is_empty() {
        commit.push_str("+dirty");
    }
    Some(commit)
}

fn fmt_ms(ms: Option<f64>) -> String {
    ms.map_or_else(|| String::from("n/a"), |v| format!("{v:.1}"))
}

/// wisp's median over wasmi's, if both ran.
pub fn wisp_over_wasmi(result: &WorkloadResult) -> Option<f64> {
    Some(result.median_ms(EngineKind::Wisp)? / result.median_ms(EngineKind::Wasmi)?)
}

/// How much slower wisp runs with fuel metering, as a fraction (0.1 = +10%).
pub fn fuel_overhead(result: &WorkloadResult) -> Option<f64> {
    Some(result.median_ms(EngineKind::WispFuel)? / result.median_ms(EngineKind::Wisp)? - 1.0)
}

/// The checksum the engines agreed on (or the reference if none ran).
fn checksum_cell(result: &WorkloadResult) -> String {
    let mut seen: Vec<u64> = result.engines.iter().filter_map(|r| r.checksum()).collect();
    seen.dedup();
    match (seen.as_slice(), result.expected) {
        ([one], _) => format!("`{one:#018x}`"),
        ([], Some(expected)) => format!("(`{expected:#018x}`)"),
        ([], None) => String::from("n/a"),
        _ => String::from("**MISMATCH**"),
    }
}

/// The results table in markdown, with the geometric-mean line after it.
pub fn render_table(results: &[WorkloadResult]) -> String {
    let mut out = String::new();
    out.push_str(
        "| workload | wisp ms | wisp (fuel) ms | wasmi ms | wisp/wasmi | fuel overhead | checksum |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---|\n");
    let mut ratios = Vec::new();
    for result in results {
        let ratio = wisp_over_wasmi(result);
        ratios.extend(ratio);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            result.workload.name,
            fmt_ms(result.median_ms(EngineKind::Wisp)),
            fmt_ms(result.median_ms(EngineKind::WispFuel)),
            fmt_ms(result.median_ms(EngineKind::Wasmi)),
            ratio.map_or_else(|| String::from("n/a"), |r| format!("{r:.2}x")),
            fuel_overhead(result)
                .map_or_else(|| String::from("n/a"), |f| format!("{:+.1}%", f * 100.0)),
            checksum_cell(result),
        );
    }
    out.push('\n');
    match geomean(&ratios) {
        Some(g) if ratios.len() == results.len() => {
            let _ = writeln!(
                out,
                "Geometric mean of wisp/wasmi: **{g:.2}x** (lower is better for wisp)."
            );
        }
        Some(g) => {
            let _ = writeln!(
                out,
                "Geometric mean of wisp/wasmi: **{g:.2}x** over the {} of {} workloads where both ran.",
                ratios.len(),
                results.len()
            );
        }
        None => out.push_str("Geometric mean of wisp/wasmi: n/a (wisp did not run).\n"),
    }
    out
}

/// Compile + instantiate times, one row per workload.
pub fn render_setup_table(results: &[WorkloadResult]) -> String {
    let mut out =
        String::from("| workload | module bytes | wisp ms | wisp (fuel) ms | wasmi ms |\n");
    out.push_str("|---|---:|---:|---:|---:|\n");
    for result in results {
        let cell = |engine| {
            fmt_setup(
                result
                    .engine(engine)
                    .and_then(|r| r.setup)
                    .map(|d| d.as_secs_f64() * 1e3),
            )
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            result.workload.name,
            result.workload.wasm.len(),
            cell(EngineKind::Wisp),
            cell(EngineKind::WispFuel),
            cell(EngineKind::Wasmi),
        );
    }
    out
}

fn fmt_setup(ms: Option<f64>) -> String {
    ms.map_or_else(|| String::from("n/a"), |v| format!("{v:.3}"))
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
        let _ = writeln!(out, "- `n/a` for {} ({which}): {error}", engine.label());
    }
    out
}

/// The machine-information list.
pub fn render_machine(info: &MachineInfo, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "- CPU: {} ({} logical cores available)",
        info.cpu, info.cores
    );
    let _ = writeln!(out, "- Compiler: {}", info.rustc);
    let _ = writeln!(
        out,
        "- Profile: `{}`{}",
        info.profile,
        if info.debug_build {
            " (debug assertions on: **these numbers are not meaningful**)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "- wisp commit: `{}`; wasmi 2.0.0 (default features and `Config`)",
        info.commit
    );
    let _ = writeln!(out, "- Date: {}", info.date);
    let _ = writeln!(out, "- Command: `{command}`");
    out
}

const METHOD: &str = "\
How to read this page: each number is the **median wall time of one call of
the workload's `run` export**, in milliseconds, over N calls made in one
process. Lower is better. `wisp/wasmi` above 1 means wisp is slower.

Method:

- Every workload is a C program in `benches/workloads/` compiled by
  `benches/workloads/build.sh` (clang, `--target=wasm32 -O2 -mcpu=mvp` plus the
  Wasm 2.0 extensions sign-ext, nontrapping-fptoint, mutable-globals and
  bulk-memory; no SIMD, no imports). The `.wasm` files are checked in, so every
  run measures the same bytes.
- Each module exports `run() -> i64` returning a checksum of all its work. The
  same C compiled natively with gcc gives the reference checksums in
  `benches/workloads/expected.txt`; every engine's result must equal it on every
  call, or the harness reports a mismatch and exits non-zero.
- For each workload, each engine compiles and instantiates the module once (the
  second table), then `run` is called N times. Calls are interleaved across
  engines (call 1 on every engine, then call 2, …) so machine drift is shared.
  The setup times are not like for like: wasmi validates eagerly but by default
  translates each function lazily, on its first call (that cost lands in the
  first run, which the median discards).
- Engines: `wisp` is `wisp_interp` with `Config::default()`; `wisp (fuel)` adds
  `consume_fuel(true)` with the fuel set to `u64::MAX` before each call, so the
  `fuel overhead` column is the cost of metering alone; `wasmi` is wasmi 2.0
  with its default features and `Config`.
- The harness is built with the `release-bench` profile (release plus fat LTO
  and one codegen unit), so both engines get whole-program optimisation.
- The machine is small and shared (2 cores); treat differences under ~5% as
  noise.

Reproduce:

- All workloads, writing this page: `cargo run -p wisp-bench --profile
  release-bench -- all` (add `--runs N` for more samples).
- Some workloads, printing only: `cargo run -p wisp-bench --profile
  release-bench -- vm fib --runs 9` (`--engines wisp,wasmi` to skip
  `wisp-fuel`; `--write` to write this page anyway; `--list` for names).
- Correctness checks (modules are Wasm 2.0 without SIMD, every engine matches
  the native checksums): `cargo test -p wisp-bench --release`.
- Rebuilding the modules and `expected.txt` after editing a `.c` file:
  `benches/workloads/build.sh` (needs `apt-get install clang lld gcc`).
";

/// The whole `docs/benchmarks.md` page; `sections` (the state and
/// sleepers benchmarks) go between the setup table and the machine.
pub fn render_document(
    results: &[WorkloadResult],
    sections: &[&str],
    info: &MachineInfo,
    runs: usize,
    command: &str,
) -> String {
    let mut out = String::new();
    out.push_str("# Benchmarks: wisp vs wasmi\n\n");
    out.push_str(
        "<!-- Generated by the wisp-bench harness (benches/src/report.rs); rerun it rather than editing. -->\n\n",
    );
    out.push_str(METHOD);
    out.push_str("\n## Workloads\n\n| workload | kind | what it does |\n|---|---|---|\n");
    for w in WORKLOADS {
        let _ = writeln!(
            out,
            "| [{0}](../benches/workloads/{0}.c) | {1} | {2} |",
            w.name, w.kind, w.summary
        );
    }
    let _ = write!(out, "\n## Results (median of {runs} runs)\n\n");
    out.push_str(&render_table(results));
    let failures = render_failures(results);
    if !failures.is_empty() {
        out.push('\n');
        out.push_str(&failures);
    }
    out.push_str("\n### Compile + instantiate, ms (one sample)\n\n");
    out.push_str(&render_setup_table(results));
    for section in sections {
        out.push('\n');
        out.push_str(section);
    }
    out.push_str("\n## Machine\n\n");
    out.push_str(&render_machine(info, command));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{EngineError, Stage};
    use crate::measure::EngineResult;
    use std::time::Duration;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(59), (1970, 3, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(19_723), (2024, 1, 1));
        assert_eq!(civil_date(20_513), (2026, 3, 1));
    }

    #[test]
    fn cpu_model_is_first_model_name() {
        let text = "processor\t: 0\nmodel name\t: Example CPU @ 3GHz\n\nprocessor\t: 1\nmodel name\t: Other\n";
        assert_eq!(cpu_model(text).as_deref(), Some("Example CPU @ 3GHz"));
        assert_eq!(cpu_model("processor : 0\n"), None);
    }

    #[test]
    fn command_names_the_profile() {
        let mut info = MachineInfo::collect();
        let args = [
            String::from("all"),
            String::from("--runs"),
            String::from("3"),
        ];
        info.profile = String::from("release-bench");
        assert_eq!(
            info.command(&args),
            "cargo run -p wisp-bench --profile release-bench -- all --runs 3"
        );
        info.profile = String::from("release");
        assert_eq!(
            info.command(&args[..1]),
            "cargo run -p wisp-bench --release -- all"
        );
    }

    fn engine(engine: EngineKind, ms: u64, checksum: u64) -> EngineResult {
        EngineResult {
            engine,
            setup: Some(Duration::from_micros(250)),
            times: vec![Duration::from_millis(ms)],
            checksums: vec![checksum],
            error: None,
        }
    }

    #[test]
    fn table_has_ratios_overhead_and_geomean() {
        let results = vec![
            WorkloadResult {
                workload: &WORKLOADS[0],
                expected: Some(5),
                engines: vec![
                    engine(EngineKind::Wisp, 200, 5),
                    engine(EngineKind::WispFuel, 220, 5),
                    engine(EngineKind::Wasmi, 100, 5),
                ],
            },
            WorkloadResult {
                workload: &WORKLOADS[1],
                expected: Some(6),
                engines: vec![
                    engine(EngineKind::Wisp, 50, 6),
                    engine(EngineKind::WispFuel, 50, 6),
                    engine(EngineKind::Wasmi, 100, 6),
                ],
            },
        ];
        let table = render_table(&results);
        assert!(
            table.contains(
                "| fib | 200.0 | 220.0 | 100.0 | 2.00x | +10.0% | `0x0000000000000005` |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| sieve | 50.0 | 50.0 | 100.0 | 0.50x | +0.0% |"),
            "{table}"
        );
        assert!(table.contains("**1.00x**"), "{table}");
    }

    #[test]
    fn failures_print_as_na() {
        let mut failed = engine(EngineKind::Wisp, 1, 0);
        failed.error = Some(EngineError::Panicked {
            stage: Stage::Compile,
            message: String::from("not yet implemented"),
        });
        failed.times.clear();
        failed.checksums.clear();
        let results = vec![WorkloadResult {
            workload: &WORKLOADS[2],
            expected: Some(9),
            engines: vec![failed, engine(EngineKind::Wasmi, 10, 9)],
        }];
        let table = render_table(&results);
        assert!(
            table.contains("| nbody | n/a | n/a | 10.0 | n/a | n/a | `0x0000000000000009` |"),
            "{table}"
        );
        assert!(table.contains("n/a (wisp did not run)"), "{table}");
        let failures = render_failures(&results);
        assert_eq!(
            failures,
            "- `n/a` for wisp (nbody): compile panicked: not yet implemented\n"
        );
        let doc = render_document(&results, &[], &MachineInfo::collect(), 5, "cargo run");
        assert!(doc.contains("## Results (median of 5 runs)"));
        assert!(doc.contains("[parse](../benches/workloads/parse.c)"));
    }
}
