//! Times decoding + validation, and full compilation, of one module:
//! `cargo run --release -p wisp-interp --example compile -- FILE [N]`.
//! A profiling aid for the compile paths (the benchmark harness in
//! `benches/` is where they are compared with other engines).

use std::time::Instant;

use wisp_interp::{Config, Engine, Module};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: compile FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("cannot read {path}: {err}");
            std::process::exit(1);
        }
    };
    let engine = Engine::new(&Config::default());
    let mb = bytes.len() as f64 / 1e6;
    let only = std::env::var("WISP_COMPILE_ONLY").unwrap_or_default();
    for _ in 0..runs {
        if only != "translate" {
            timed("validate", mb, || {
                Module::validate(&engine, &bytes).map(drop)
            });
        }
        if only != "validate" {
            // The module is dropped inside the timed call, as before.
            timed("compile", mb, || Module::new(&engine, &bytes).map(drop));
        }
    }
}

/// Runs `step` once and prints its time and throughput over `mb` megabytes;
/// exits on an error.
fn timed(label: &str, mb: f64, step: impl FnOnce() -> Result<(), wisp_interp::Error>) {
    let start = Instant::now();
    if let Err(err) = step() {
        eprintln!("invalid: {err}");
        std::process::exit(1);
    }
    let t = start.elapsed().as_secs_f64();
    println!("{label}: {:.1} ms ({:.0} MB/s)", t * 1e3, mb / t);
}
