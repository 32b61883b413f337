//! The `wisp-bench` binary: parses arguments, measures the selected
//! workloads, prints the markdown report, and (for `all`, or with `--write`)
//! writes it to `docs/benchmarks.md`.
//!
//! ```text
//! cargo run -p wisp-bench --profile release-bench -- [all | state | sleepers | <workload>...]
//!     [--runs N] [--engines LIST] [--cap-secs S] [--instances K] [--large FILE]
//!     [--write | --no-write] [--strict] [--list] [--procs N] [--sleep-ms N] [--workers N]
//! ```
//!
//! Exit status: 0 when every checksum agrees; 1 on a checksum mismatch (or,
//! with `--strict`, when an engine fails); 2 on bad arguments.
//!
//! The binary's global allocator is [`CountingAlloc`], which gives the
//! memory figures exact heap bytes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use wisp_bench::engines::{self, EngineKind};
use wisp_bench::heap::CountingAlloc;
use wisp_bench::large::{self, LargeModule};
use wisp_bench::measure::{self, WorkloadResult};
use wisp_bench::report::{self, MachineInfo, Report};
use wisp_bench::setup::{self, CompileFigures, InstanceFigures};
use wisp_bench::sleepers::{self, SleepersConfig};
use wisp_bench::tables;
use wisp_bench::workloads::{self, WORKLOADS, Workload};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const USAGE: &str = "\
usage: wisp-bench [all | state | sleepers | <workload>...] [options]

  all               every workload, plus state and sleepers; writes docs/benchmarks.md
  state             snapshot/reset/checkpoint costs on a 256 MiB memory (prints only)
  sleepers          10 000 processes sleeping 1 s in poll_oneoff on 2 workers (prints only)

options:
  --runs N          calls of `run` (and compiles) per engine and workload (default 5)
  --engines LIST    comma-separated: wisp, wisp-fuel, wasmi, wasmi-fuel, wasm3,
                    stitch, tinywasm, wasmtime (default: all)
  --cap-secs S      after a call longer than S seconds, stop calling that engine
                    on that workload (default 20)
  --instances K     live instances per engine for instantiation time and memory
                    (default 100)
  --large FILE      the large module for compile throughput (default: the
                    registry's); compiled only, so it may have imports
  --write           write docs/benchmarks.md (default only for `all`)
  --no-write        never write docs/benchmarks.md
  --strict          exit non-zero when an engine fails, not only on mismatches
  --list            list the workloads and exit
  --procs N         sleepers: processes (default 10000)
  --sleep-ms N      sleepers: sleep of each, in ms (default 1000)
  --workers N       sleepers: worker threads (default 2)
";

/// Parsed command line.
#[derive(Debug)]
struct Options {
    workloads: Vec<&'static Workload>,
    all: bool,
    /// Measure snapshots, resets and checkpoints.
    state: bool,
    /// Run the sleepers benchmark with this configuration.
    sleepers: Option<SleepersConfig>,
    runs: usize,
    engines: Vec<EngineKind>,
    cap: Duration,
    instances: usize,
    large: Option<PathBuf>,
    write: Option<bool>,
    strict: bool,
    list: bool,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        workloads: Vec::new(),
        all: false,
        state: false,
        sleepers: None,
        runs: 5,
        engines: EngineKind::ALL.to_vec(),
        cap: Duration::from_secs(20),
        instances: 100,
        large: None,
        write: None,
        strict: false,
        list: false,
    };
    let mut sleepers_args: Vec<(String, u64)> = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--runs" => {
                let value = iter.next().ok_or("--runs needs a value")?;
                opts.runs = value
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--runs: `{value}` is not a positive integer"))?;
            }
            "--engines" => {
                let value = iter.next().ok_or("--engines needs a value")?;
                let mut engines = Vec::new();
                for name in value.split(',') {
                    let engine = EngineKind::parse(name.trim())
                        .ok_or_else(|| format!("unknown engine `{name}`"))?;
                    if !engines.contains(&engine) {
                        engines.push(engine);
                    }
                }
                engines.sort();
                opts.engines = engines;
            }
            "--cap-secs" | "--instances" => {
                let value = iter.next().ok_or(format!("{arg} needs a value"))?;
                let n: u64 = value
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("{arg}: `{value}` is not a positive integer"))?;
                if arg == "--cap-secs" {
                    opts.cap = Duration::from_secs(n);
                } else {
                    opts.instances =
                        usize::try_from(n).map_err(|_| format!("{arg}: {n} is too large"))?;
                }
            }
            "--large" => {
                let value = iter.next().ok_or("--large needs a file")?;
                opts.large = Some(PathBuf::from(value));
            }
            "--write" => opts.write = Some(true),
            "--no-write" => opts.write = Some(false),
            "--strict" => opts.strict = true,
            "--list" => opts.list = true,
            "all" => opts.all = true,
            "state" => opts.state = true,
            "sleepers" => {
                opts.sleepers.get_or_insert_with(SleepersConfig::default);
            }
            "--procs" | "--sleep-ms" | "--workers" => {
                let value = iter.next().ok_or(format!("{arg} needs a value"))?;
                let n: u64 = value
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("{arg}: `{value}` is not a positive integer"))?;
                sleepers_args.push((arg.clone(), n));
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            name => {
                let workload =
                    workloads::find(name).ok_or_else(|| format!("unknown workload `{name}`"))?;
                if !opts.workloads.iter().any(|w| w.name == name) {
                    opts.workloads.push(workload);
                }
            }
        }
    }
    if opts.all || (opts.workloads.is_empty() && !opts.state && opts.sleepers.is_none()) {
        opts.all = true;
        opts.state = true;
        opts.sleepers.get_or_insert_with(SleepersConfig::default);
        opts.workloads = WORKLOADS.iter().collect();
    }
    if !sleepers_args.is_empty() {
        let config = opts
            .sleepers
            .as_mut()
            .ok_or("--procs, --sleep-ms and --workers need `sleepers`")?;
        for (flag, n) in sleepers_args {
            let n_usize = usize::try_from(n).map_err(|_| format!("{flag}: {n} is too large"))?;
            match flag.as_str() {
                "--procs" => config.processes = n_usize,
                "--sleep-ms" => config.sleep = std::time::Duration::from_millis(n),
                _ => config.workers = n_usize,
            }
        }
    }
    Ok(opts)
}

fn docs_path() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The bench crate lives at <workspace>/benches.
    manifest_dir
        .parent()
        .unwrap_or(manifest_dir)
        .join("docs")
        .join("benchmarks.md")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(opts) => opts,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if opts.list {
        for w in WORKLOADS {
            println!("{:<8} {:<18} {}", w.name, w.kind, w.summary);
        }
        return ExitCode::SUCCESS;
    }

    let expected = match workloads::expected_checksums() {
        Ok(map) => map,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let info = MachineInfo::collect();
    if info.debug_build {
        eprintln!(
            "warning: this is a debug build; use `--profile release-bench` for meaningful numbers"
        );
    }
    engines::install_quiet_panic_hook();

    let log = |line: &str| eprintln!("{line}");
    let mut results: Vec<WorkloadResult> = Vec::with_capacity(opts.workloads.len());
    for &workload in &opts.workloads {
        let reference = expected.get(workload.name).copied();
        if reference.is_none() {
            eprintln!(
                "warning: no reference checksum for `{}` in expected.txt",
                workload.name
            );
        }
        results.push(measure::measure_workload(
            workload,
            reference,
            &opts.engines,
            opts.runs,
            opts.cap,
            log,
        ));
    }
    let kinds = setup::compile_kinds(&opts.engines);
    let compile: Vec<CompileFigures> = opts
        .workloads
        .iter()
        .map(|w| setup::measure_compile(w.name, w.wasm, &kinds, opts.runs, opts.cap, log))
        .collect();
    let large: Option<LargeModule> = if opts.all || opts.large.is_some() {
        let loaded = match &opts.large {
            Some(path) => large::from_file(path),
            None => large::builtin(),
        };
        match loaded {
            Ok(module) => Some(module),
            Err(err) => {
                eprintln!("error: large module: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    if let Some(m) = large.as_ref().filter(|m| m.stand_in) {
        eprintln!("warning: large module: {}", m.source);
    }
    let large_figures = large.as_ref().map(|m| {
        eprintln!("compiling the large module ({} bytes) ...", m.wasm.len());
        setup::measure_compile(&m.name, &m.wasm, &kinds, opts.runs, opts.cap, log)
    });
    let instances: Vec<InstanceFigures> = opts
        .workloads
        .iter()
        .map(|w| setup::measure_instances(w.name, w.wasm, &opts.engines, opts.instances, log))
        .collect();

    let state = if opts.state {
        eprintln!("measuring snapshots, resets and checkpoints ...");
        match wisp_bench::state::measure(1000) {
            Ok(figures) => Some(wisp_bench::state::render(&figures, 1000)),
            Err(err) => {
                eprintln!("error: state benchmark: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    if let Some(section) = &state {
        println!("\n{section}");
    }
    let sleepers = match opts.sleepers {
        Some(config) => {
            eprintln!(
                "running {} sleepers of {} ms on {} workers ...",
                config.processes,
                config.sleep.as_millis(),
                config.workers
            );
            match sleepers::measure(config) {
                Ok(figures) => {
                    let section = sleepers::render(&figures);
                    print!("\n{}\n{section}", sleepers::summary(&figures));
                    Some(section)
                }
                Err(err) => {
                    eprintln!("error: sleepers benchmark: {err}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };
    if opts.workloads.is_empty() && large.is_none() {
        return ExitCode::SUCCESS;
    }

    let command = info.command(&args);
    let sections: Vec<&str> = [state.as_deref(), sleepers.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let report = Report {
        engines: &opts.engines,
        results: &results,
        compile: &compile,
        large: large_figures
            .as_ref()
            .zip(large.as_ref())
            .map(|(f, m)| (f, m.source.as_str(), m.stand_in)),
        instances: &instances,
        runs: opts.runs,
        cap: opts.cap,
        sections: &sections,
        info: &info,
        command: &command,
    };
    println!("\n{}", report::render_results(&report));
    println!("{}", report::render_machine(&info, &command));

    if opts.write.unwrap_or(opts.all) {
        let path = docs_path();
        let doc = report::render_document(&report);
        match std::fs::write(&path, doc) {
            Ok(()) => eprintln!("wrote {}", path.display()),
            Err(err) => {
                eprintln!("error: cannot write {}: {err}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let failures = tables::render_failures(&results);

    let mismatches: Vec<String> = results
        .iter()
        .flat_map(WorkloadResult::mismatches)
        .collect();
    if !mismatches.is_empty() {
        eprintln!("\n!!!!!!!!!!!!!!!!!!!! CHECKSUM MISMATCH !!!!!!!!!!!!!!!!!!!!");
        for m in &mismatches {
            eprintln!("!!! {m}");
        }
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        return ExitCode::FAILURE;
    }
    if opts.strict && !failures.is_empty() {
        eprintln!("error: an engine failed (--strict)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn defaults_to_all_workloads_and_engines() {
        let opts = parse_args(&[]).unwrap();
        assert!(opts.all);
        assert_eq!(opts.workloads.len(), WORKLOADS.len());
        assert_eq!(opts.engines, EngineKind::ALL);
        assert_eq!(opts.runs, 5);
        assert_eq!(opts.cap, Duration::from_secs(20));
        assert_eq!(opts.instances, 100);
        assert_eq!(opts.large, None);
        assert_eq!(opts.write, None);
        assert!(opts.state);
        assert_eq!(opts.sleepers.map(|c| c.processes), Some(10_000));
    }

    #[test]
    fn sleepers_alone_with_its_options() {
        let opts = parse_args(&args(&["sleepers", "--procs", "500", "--sleep-ms", "200"])).unwrap();
        assert!(!opts.all && !opts.state);
        assert!(opts.workloads.is_empty());
        let config = opts.sleepers.unwrap();
        assert_eq!(config.processes, 500);
        assert_eq!(config.sleep.as_millis(), 200);
        assert_eq!(config.workers, 2);
        assert!(parse_args(&args(&["vm", "--procs", "5"])).is_err());
        assert!(parse_args(&args(&["sleepers", "--workers", "0"])).is_err());
    }

    #[test]
    fn parses_selection_and_options() {
        let opts = parse_args(&args(&[
            "vm",
            "fib",
            "vm",
            "--runs",
            "3",
            "--engines",
            "wasmtime,wasmi,wisp",
            "--write",
            "--cap-secs",
            "7",
            "--instances",
            "10",
            "--large",
            "/tmp/big.wasm",
        ]))
        .unwrap();
        assert!(!opts.all);
        let names: Vec<_> = opts.workloads.iter().map(|w| w.name).collect();
        assert_eq!(names, ["vm", "fib"]);
        assert_eq!(opts.runs, 3);
        assert_eq!(
            opts.engines,
            [EngineKind::Wisp, EngineKind::Wasmi, EngineKind::Wasmtime]
        );
        assert_eq!(opts.cap, Duration::from_secs(7));
        assert_eq!(opts.instances, 10);
        assert_eq!(opts.large, Some(PathBuf::from("/tmp/big.wasm")));
        assert_eq!(opts.write, Some(true));
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(parse_args(&args(&["nope"])).is_err());
        assert!(parse_args(&args(&["--runs"])).is_err());
        assert!(parse_args(&args(&["--runs", "0"])).is_err());
        assert!(parse_args(&args(&["--engines", "v8"])).is_err());
        assert!(parse_args(&args(&["--frobnicate"])).is_err());
        assert!(parse_args(&args(&["--instances", "0"])).is_err());
        assert!(parse_args(&args(&["--cap-secs", "x"])).is_err());
        assert!(parse_args(&args(&["--large"])).is_err());
    }
}
