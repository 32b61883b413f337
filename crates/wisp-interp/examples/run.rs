//! Times calls of a benchmark workload's `run` export on wisp alone:
//! `cargo run --profile release-bench -p wisp-interp --example run -- FILE [N]`
//! (`WISP_FUEL=1` to meter fuel, `WISP_PAGED=1` for paged linear memories,
//! as a fuzzing loop's are after its first reset). Prints each call's time, the minimum and
//! the checksum. A profiling and A/B aid for the executor; comparisons with
//! other engines belong to the harness in `benches/`.

use std::time::Instant;

use wisp_interp::{Config, Engine, Linker, Module, Store, Val};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: run FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);
    let mut config = Config::default();
    config.consume_fuel(std::env::var_os("WISP_FUEL").is_some());
    config.flat_memories(std::env::var_os("WISP_PAGED").is_none());
    if let Err(err) = time_runs(&path, runs, &config) {
        eprintln!("{path}: {err}");
        std::process::exit(1);
    }
}

/// Compiles and instantiates the workload once with `config`, then calls
/// `run` `runs` times.
fn time_runs(path: &str, runs: usize, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let engine = Engine::new(config);
    let module = Module::new(&engine, &bytes)?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module)?;
    let run = instance
        .get_func(&store, "run")
        .ok_or("no function export `run`")?;
    let mut best = f64::INFINITY;
    let mut checksum = None;
    for _ in 0..runs {
        if config.get_consume_fuel() {
            store.set_fuel(u64::MAX)?;
        }
        let mut results = [Val::I64(0)];
        let start = Instant::now();
        run.call(&mut store, &[], &mut results)?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        best = best.min(ms);
        println!("run: {ms:.1} ms");
        checksum = Some(results[0]);
    }
    println!("min: {best:.1} ms, checksum {checksum:?}");
    Ok(())
}
