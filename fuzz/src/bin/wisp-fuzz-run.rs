//! `wisp-fuzz-run`: the fuzz entry points on stable Rust without libFuzzer.
//!
//! ```text
//! wisp-fuzz-run run <target> <file-or-dir>...    run inputs (crash artifacts, whole corpora) through a target
//! wisp-fuzz-run module <target> <input> <out>    write the module <target> generates from <input>
//! wisp-fuzz-run seed-corpus <dir>                write the Wasm 2.0 testsuite modules as corpus files
//! ```
//!
//! `run` reports every failing input (mismatch or panic), the inputs per
//! second, and exits with status 1 if any failed; this is how a crash found
//! by a cargo-fuzz campaign is replayed and debugged on stable. Targets:
//! `decode`, `validate_diff`, `exec_diff`, `suspend_resume`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use wisp_fuzz::alloc_count::CountingAlloc;
use wisp_fuzz::targets;

// Installed so `run decode` checks the allocation bound, as the fuzz target does.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const USAGE: &str = "usage:
  wisp-fuzz-run run <target> <file-or-dir>...
  wisp-fuzz-run module <target> <input> <out.wasm>
  wisp-fuzz-run seed-corpus <dir>
targets: decode, validate_diff, exec_diff, suspend_resume";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") if args.len() >= 3 => run(&args[1], &args[2..]),
        Some("module") if args.len() == 4 => module(&args[1], &args[2], &args[3]),
        Some("seed-corpus") if args.len() == 2 => seed_corpus(Path::new(&args[1])),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Every file named by `paths`, directories expanded one level.
fn inputs(paths: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for p in paths {
        let p = PathBuf::from(p);
        if p.is_dir() {
            let entries = std::fs::read_dir(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let mut dir: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            dir.sort();
            files.extend(dir);
        } else {
            files.push(p);
        }
    }
    Ok(files)
}

fn run(target: &str, paths: &[String]) -> Result<(), String> {
    let check =
        targets::target(target).ok_or_else(|| format!("unknown target `{target}`\n{USAGE}"))?;
    let files = inputs(paths)?;
    let started = Instant::now();
    let mut failed = 0;
    for file in &files {
        let data = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        match catch_unwind(AssertUnwindSafe(|| check(&data))) {
            Ok(Ok(_)) => {}
            Ok(Err(m)) => {
                failed += 1;
                println!("{}: {m}", file.display());
            }
            Err(_) => {
                failed += 1;
                println!("{}: panicked (message above)", file.display());
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{target}: {} input(s), {failed} failed, {secs:.1} s, {:.1} exec/s",
        files.len(),
        files.len() as f64 / secs.max(1e-9)
    );
    if failed > 0 {
        return Err(format!("{failed} input(s) failed"));
    }
    Ok(())
}

fn module(target: &str, input: &str, out: &str) -> Result<(), String> {
    let data = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let wasm = match target {
        "decode" => Some(data),
        "validate_diff" => targets::validate_module(&data),
        "exec_diff" => targets::exec_module(&data, true).map(|m| m.wasm),
        "suspend_resume" => targets::exec_module(&data, false).map(|m| m.wasm),
        _ => return Err(format!("unknown target `{target}`\n{USAGE}")),
    };
    let wasm = wasm.ok_or("the input generates no module")?;
    std::fs::write(out, &wasm).map_err(|e| format!("{out}: {e}"))?;
    println!("{out}: {} bytes", wasm.len());
    Ok(())
}

fn seed_corpus(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = 0;
    for group in wisp_fuzz::corpus::WASM2_GROUPS {
        for (i, (_, bytes)) in wisp_fuzz::corpus::testsuite_modules(group)
            .into_iter()
            .enumerate()
        {
            let path = dir.join(format!("{group}-{i:05}.wasm"));
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            written += 1;
        }
    }
    println!("{}: {written} testsuite modules", dir.display());
    Ok(())
}
