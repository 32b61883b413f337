//! The report: machine information, the engines and how each is set up,
//! and the whole `docs/benchmarks.md` page (method prose included, so that a
//! regenerated page never loses it). The tables themselves are in
//! [`crate::tables`].

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::engines::{CompileKind, EngineKind};
use crate::measure::WorkloadResult;
use crate::setup::{CompileFigures, InstanceFigures};
use crate::tables;
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

/// One engine's row in the engines table.
#[derive(Debug, Clone, Copy)]
pub struct EngineInfo {
    pub engine: EngineKind,
    /// The crate and its locked version.
    pub version: &'static str,
    /// How the harness sets it up.
    pub setup: &'static str,
    /// Where its linear memory lives.
    pub memory: &'static str,
}

/// The engines table's rows, in column order.
pub fn engine_infos() -> [EngineInfo; 8] {
    const WISP: &str = "this tree (`wisp-interp`)";
    let wasmi = concat!("`wasmi` ", env!("WISP_BENCH_VERSION_WASMI"));
    [
        EngineInfo {
            engine: EngineKind::Wisp,
            version: WISP,
            setup: "`Config::default()`; default features (threaded dispatch, as in every optimised x86_64 build)",
            memory: "one zeroed heap buffer of the memory's size (flat; `grow` doubles its capacity)",
        },
        EngineInfo {
            engine: EngineKind::WispFuel,
            version: WISP,
            setup: "`consume_fuel(true)`, fuel set to `u64::MAX` before each call",
            memory: "as wisp",
        },
        EngineInfo {
            engine: EngineKind::Wasmi,
            version: wasmi,
            setup: "default features and `Config` (lazy translation); its crates built with `codegen-units = 1`",
            memory: "one zeroed heap buffer",
        },
        EngineInfo {
            engine: EngineKind::WasmiFuel,
            version: wasmi,
            setup: "`Config::consume_fuel(true)`, fuel set to `u64::MAX` before each call",
            memory: "as wasmi",
        },
        EngineInfo {
            engine: EngineKind::Wasm3,
            version: concat!(
                "`wasm3` ",
                env!("WISP_BENCH_VERSION_WASM3"),
                " (bundles wasm3 C 0.4.7)"
            ),
            setup: "default features plus `build-bindgen`; one runtime per instance with a 1 MiB stack. wasm3 C 0.4.7 has no bulk-memory operations: a body using `memory.copy`/`memory.fill` fails when first called (its error then reads `unknown value_type`)",
            memory: "C heap (`calloc`/`realloc`): not seen by the counting allocator",
        },
        EngineInfo {
            engine: EngineKind::Stitch,
            version: concat!("`makepad-stitch` ", env!("WISP_BENCH_VERSION_STITCH")),
            setup: "`Engine::new()`, one `Store` per instance",
            memory: "one zeroed heap buffer",
        },
        EngineInfo {
            engine: EngineKind::Tinywasm,
            version: concat!("`tinywasm` ", env!("WISP_BENCH_VERSION_TINYWASM")),
            setup: "default features except `parallel-parser`; `Store::default()`",
            memory: "one zeroed heap buffer (the default `MemoryBackend::vec`)",
        },
        EngineInfo {
            engine: EngineKind::Wasmtime,
            version: concat!("`wasmtime` ", env!("WISP_BENCH_VERSION_WASMTIME")),
            setup: "Cranelift, `Config::default()`; features `cranelift`, `runtime`, `std` only (no parallel compilation)",
            memory: "its own `mmap` reservation with guard pages: RSS only",
        },
    ]
}

/// The engines table.
pub fn render_engines(engines: &[EngineKind]) -> String {
    let mut out = String::from(
        "| engine | crate and version | set up as | linear memory |\n|---|---|---|---|\n",
    );
    for info in engine_infos() {
        if engines.contains(&info.engine) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                info.engine.label(),
                info.version,
                info.setup,
                info.memory
            );
        }
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
    let _ = writeln!(out, "- wisp commit: `{}`", info.commit);
    let _ = writeln!(
        out,
        "- Peers: wasmi {}, wasm3 {} (wasm3 C 0.4.7), makepad-stitch {}, tinywasm {}, wasmtime {}",
        env!("WISP_BENCH_VERSION_WASMI"),
        env!("WISP_BENCH_VERSION_WASM3"),
        env!("WISP_BENCH_VERSION_STITCH"),
        env!("WISP_BENCH_VERSION_TINYWASM"),
        env!("WISP_BENCH_VERSION_WASMTIME"),
    );
    let _ = writeln!(out, "- Date: {}", info.date);
    let _ = writeln!(out, "- Command: `{command}`");
    out
}

const METHOD: &str = "\
How to read this page: execution figures are the **median wall time of one
call of the workload's `run` export**, in milliseconds, over N calls made in
one process. Lower is better. `wisp/wasmi` above 1 means wisp is slower.
A cell `n/a: <reason>` means that engine could not compile, instantiate or
run that workload (the reason is the engine's own error, shortened; the full
text is listed under the table).

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
- **Execution.** For each workload, each engine compiles and instantiates the
  module once, then `run` is called N times. Calls are interleaved across
  engines (call 1 on every engine, then call 2, …) so machine drift is shared,
  and every ratio compares medians taken in the same run. An engine whose call
  takes longer than the cap is not called again on that workload; its cell
  says how many runs its median has. Engines that compile a body on its first
  call (wasmi's default, wasm3, stitch) pay that in the first call, which the
  median discards.
- **Compile.** Each compilation mode compiles the module N times (interleaved
  across modes, median). Each timed compile comes right after an untimed one
  in the same mode, so it does not inherit the heap another engine left
  (modes taking 2 s or more are not primed). Modes differ in what they do
  before instantiation: the large-module table says, per mode. MB/s is
  module bytes / median time.
- **Instantiation and memory per idle instance.** For each engine, one
  compiled module is instantiated K times, each in a store (wasm3: a runtime)
  of its own, all kept alive. The instantiation time is the median of the K
  (store creation, instantiation, lookup of `run`); the memory per instance
  is the growth over all K divided by K.
- **Peak memory per instance.** During the execution measurement: the growth
  over one instantiation plus the largest rise during any one call, above the
  memory in use when the call started (linear-memory growth, stacks, code
  compiled on first call).
- Memory is given as `heap / RSS`. *Heap* is exact: the harness's global
  allocator counts every byte Rust code allocates (so wasm3's C heap, shown
  as `(C heap)`, and wasmtime's `mmap`ed linear memories are not in it). *RSS* is the growth of the
  process's resident set (`/proc/self/status`; peaks via `VmHWM` after
  resetting it through `/proc/self/clear_refs`): it sees every engine, but
  only pages actually touched, and it reads low when the allocator reuses
  memory freed earlier in the process. A linear memory allocated zeroed but
  never written counts fully in *heap* and hardly in *RSS*.
- The harness is built with the `release-bench` profile (release plus fat LTO
  and one codegen unit), so every Rust engine gets whole-program optimisation;
  wasm3's C is built by its `-sys` crate with the `cc` crate's defaults for
  the profile (`-O3`).
- **Code layout.** On x86_64 the workspace's `.cargo/config.toml` builds
  every function of the harness, every engine's included, at a 64-byte
  boundary (`-C llvm-args=-align-all-functions=6`). wisp's threaded
  executor is several hundred small handlers, each ending in an indirect
  jump, and where they landed moved whole workloads by 5-15% between builds
  of the same code (`vm` ran 1.22x wasmi unaligned, 1.09x aligned, same
  tree). An embedder gets the same steadiness by setting that flag in
  `RUSTFLAGS` or in their own `.cargo/config.toml`.
- The machine is small and shared (2 cores); treat differences under ~5% as
  noise.

Reproduce:

- Everything, writing this page: `cargo run -p wisp-bench --profile
  release-bench -- all` (add `--runs N` for more samples, `--large FILE` to
  compile another large module, `--instances K`, `--cap-secs S`). Building the
  wasm3 peer needs `apt-get install libclang-dev` (its bindings are generated
  by bindgen) and a C compiler.
- Some workloads, printing only: `cargo run -p wisp-bench --profile
  release-bench -- vm fib --runs 9` (`--engines wisp,wasmi,wasm3` to measure
  only those; `--write` to write this page anyway; `--list` for names).
- Correctness checks (modules are Wasm 2.0 without SIMD, every engine matches
  the native checksums): `cargo test -p wisp-bench --release`.
- Rebuilding the modules and `expected.txt` after editing a `.c` file:
  `benches/workloads/build.sh` (needs `apt-get install clang lld gcc`).
";

/// Everything one harness run measured, for the page.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub engines: &'a [EngineKind],
    pub results: &'a [WorkloadResult],
    pub compile: &'a [CompileFigures],
    /// The large module's figures, where it came from, and whether it is
    /// only a stand-in (then the throughput targets are not judged).
    pub large: Option<(&'a CompileFigures, &'a str, bool)>,
    pub instances: &'a [InstanceFigures],
    pub runs: usize,
    pub cap: Duration,
    /// The state and sleepers sections, already rendered.
    pub sections: &'a [&'a str],
    pub info: &'a MachineInfo,
    pub command: &'a str,
}

/// The measured sections (targets to memory), as printed and as written.
pub fn render_results(r: &Report<'_>) -> String {
    let mut out = String::new();
    let kinds: Vec<CompileKind> = crate::setup::compile_kinds(r.engines);
    if !r.results.is_empty() {
        out.push_str("## Targets (issue 7)\n\n");
        out.push_str(&tables::render_targets(
            r.results,
            r.large.filter(|l| !l.2).map(|l| l.0),
        ));
        let _ = write!(
            out,
            "\n## Execution time, ms (median of {} runs; cap {} s)\n\n",
            r.runs,
            r.cap.as_secs()
        );
        out.push_str(&tables::render_exec(r.results, r.engines));
        let failures = tables::render_failures(r.results);
        if !failures.is_empty() {
            out.push_str("Why a cell is `n/a`:\n\n");
            out.push_str(&failures);
            out.push('\n');
        }
        out.push_str("### Fuel metering overhead\n\n");
        out.push_str(&tables::render_fuel(r.results));
    }
    if let Some((large, source, _)) = r.large {
        let _ = write!(
            out,
            "\n## Compile time and throughput, large module\n\n`{}`, {} bytes ({source}); median of {} compiles.\n\n",
            large.name, large.bytes, r.runs
        );
        out.push_str(&tables::render_large(large, &kinds));
    }
    if !r.compile.is_empty() {
        let _ = write!(
            out,
            "\n### Compile time per workload, ms (median of {} compiles)\n\n",
            r.runs
        );
        out.push_str(&tables::render_compile(r.compile, &kinds));
    }
    if let Some(first) = r.instances.first() {
        let _ = write!(
            out,
            "\n## Instantiation time, µs (median of {} instances)\n\n",
            first.count
        );
        out.push_str(&tables::render_instantiate(r.instances, r.engines));
        let _ = write!(
            out,
            "\n## Memory per instance\n\n### Idle: growth over {} live instances / {} (heap / RSS)\n\n",
            first.count, first.count
        );
        out.push_str(&tables::render_idle_memory(r.instances, r.engines));
    }
    if !r.results.is_empty() {
        out.push_str(
            "\n### Peak: one instance through instantiation and its calls (heap / RSS)\n\n",
        );
        out.push_str(&tables::render_peak_memory(r.results, r.engines));
    }
    out
}

/// The whole `docs/benchmarks.md` page.
pub fn render_document(r: &Report<'_>) -> String {
    let mut out = String::new();
    out.push_str("# Benchmarks: wisp against wasmi, wasm3, stitch, tinywasm and wasmtime\n\n");
    out.push_str(
        "<!-- Generated by the wisp-bench harness (benches/src/report.rs); rerun it rather than editing. -->\n\n",
    );
    out.push_str(METHOD);
    out.push_str("\n## Engines\n\n");
    out.push_str(&render_engines(r.engines));
    out.push_str("\n## Workloads\n\n| workload | kind | what it does |\n|---|---|---|\n");
    for w in WORKLOADS {
        let _ = writeln!(
            out,
            "| [{0}](../benches/workloads/{0}.c) | {1} | {2} |",
            w.name, w.kind, w.summary
        );
    }
    out.push('\n');
    out.push_str(&render_results(r));
    for section in r.sections {
        out.push('\n');
        out.push_str(section);
    }
    out.push_str("\n## Machine\n\n");
    out.push_str(&render_machine(r.info, r.command));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::EngineResult;

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

    #[test]
    fn peer_versions_come_from_the_lock_file() {
        for info in engine_infos() {
            assert!(!info.version.contains("unknown"), "{:?}", info.engine);
        }
        assert_eq!(env!("WISP_BENCH_VERSION_WASMI"), "2.0.0");
        let machine = render_machine(&MachineInfo::collect(), "cargo run");
        assert!(machine.contains("wasmtime 48."), "{machine}");
    }

    #[test]
    fn document_has_every_section() {
        let mut wisp = EngineResult::new(EngineKind::Wisp);
        wisp.setup = Some(Duration::from_millis(1));
        wisp.times = vec![Duration::from_millis(10)];
        wisp.checksums = vec![9];
        let results = vec![WorkloadResult {
            workload: &WORKLOADS[2],
            expected: Some(9),
            engines: vec![wisp],
        }];
        let info = MachineInfo::collect();
        let report = Report {
            engines: &[EngineKind::Wisp],
            results: &results,
            compile: &[],
            large: None,
            instances: &[],
            runs: 5,
            cap: Duration::from_secs(20),
            sections: &["## Extra\n"],
            info: &info,
            command: "cargo run",
        };
        let doc = render_document(&report);
        for needle in [
            "## Engines",
            "| wisp | this tree",
            "## Targets (issue 7)",
            "## Execution time, ms (median of 5 runs; cap 20 s)",
            "| nbody | 10.0 |",
            "### Fuel metering overhead",
            "### Peak: one instance",
            "## Extra",
            "## Machine",
            "[parse](../benches/workloads/parse.c)",
        ] {
            assert!(doc.contains(needle), "missing {needle:?} in\n{doc}");
        }
        assert!(
            !doc.contains("wasmtime | `wasmtime`"),
            "unselected engine listed"
        );
    }
}
