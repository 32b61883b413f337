//! State benchmarks: what snapshots, resets and checkpoints cost on a large
//! memory (the fuzzing loop's reset, and moving a process).
//!
//! The subject is a store with one memory of 16384 pages maximum (1 GiB),
//! 4096 pages (256 MiB) in use and every page written. Its engine makes
//! memories paged (`Config::flat_memories(false)`), as a fuzzing loop that
//! snapshots a large memory would. Measured:
//!
//! - `Store::snapshot` of the same memory flat (the default form, whose
//!   snapshot copies the pages);
//! - `Store::snapshot` once, then `Store::reset` after a call that writes
//!   1 page, and after a call that writes 64 pages (median of many rounds;
//!   only the reset is timed), beside a plain copy of 256 MiB (what a reset
//!   without copy-on-write pages costs at best);
//! - a checkpoint of a call suspended in that store: capture, and restoring
//!   it eagerly (every page read and checked) and lazily (pages read when
//!   first touched), each until the call can resume, then resuming a call
//!   that reads three pages.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wisp_interp::checkpoint::{Checkpoint, Image, split_pages};
use wisp_interp::{
    CallOutcome, Config, Engine, FuncType, HostError, Instance, Linker, Module, Store, Val,
};

/// Pages in use.
const PAGES: i32 = 4096;

const MODULE: &str = r#"
  (module
    (import "env" "pause" (func $pause))
    (memory (export "mem") 4096 16384)
    (func (export "fill") (memory.fill (i32.const 0) (i32.const 0xa5) (i32.const 0x10000000)))
    ;; Writes one byte in each of `count` pages from page `first`.
    (func (export "touch") (param $first i32) (param $count i32)
      (loop $l
        (i32.store8 (i32.shl (local.get $first) (i32.const 16)) (local.get $count))
        (local.set $first (i32.add (local.get $first) (i32.const 1)))
        (local.tee $count (i32.sub (local.get $count) (i32.const 1)))
        (br_if $l)))
    ;; Suspends, then reads three pages.
    (func (export "probe") (result i32)
      (call $pause)
      (i32.add (i32.add (i32.load8_u (i32.const 0x10000)) (i32.load8_u (i32.const 0x8000000)))
               (i32.load8_u (i32.const 0xfff0000)))))
"#;

fn linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::new(engine);
    let pause = |_: wisp_interp::Caller<'_, ()>, _: &[Val], _: &mut [Val]| {
        Err(HostError::Suspend(Box::new(())))
    };
    // The function type is valid; defining it cannot clash in a fresh linker.
    let _ = linker.func_new("env", "pause", FuncType::new([], []), pause);
    linker
}

/// The measured figures.
#[derive(Debug)]
pub struct StateFigures {
    pub snapshot_flat: Duration,
    pub snapshot: Duration,
    pub reset_1: Duration,
    pub reset_64: Duration,
    pub copy_256mib: Duration,
    pub capture: Duration,
    pub image_bytes: usize,
    pub restore_eager: Duration,
    pub restore_lazy: Duration,
    pub resume_eager: Duration,
    pub resume_lazy: Duration,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn call(store: &mut Store<()>, instance: Instance, name: &str, args: &[Val]) -> Result<(), String> {
    let f = instance
        .get_func(store, name)
        .ok_or_else(|| format!("no export {name}"))?;
    f.call(store, args, &mut []).map_err(|e| e.to_string())
}

/// A store of `engine` with the module instantiated and its 256 MiB filled.
fn filled_store(engine: &Engine, module: &Module) -> Result<(Store<()>, Instance), String> {
    let mut store = Store::new(engine, ());
    let instance = linker(engine)
        .instantiate(&mut store, module)
        .map_err(|e| e.to_string())?;
    call(&mut store, instance, "fill", &[])?;
    Ok((store, instance))
}

/// Runs the measurements (`rounds` resets per figure).
pub fn measure(rounds: usize) -> Result<StateFigures, String> {
    let wasm = wisp_wat(MODULE)?;
    let snapshot_flat = {
        let engine = Engine::default();
        let module = Module::new(&engine, &wasm).map_err(|e| e.to_string())?;
        let (mut store, _) = filled_store(&engine, &module)?;
        let started = Instant::now();
        let snapshot = store.snapshot().map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        drop(snapshot);
        elapsed
    };

    let engine = Engine::new(Config::default().flat_memories(false));
    let module = Module::new(&engine, &wasm).map_err(|e| e.to_string())?;
    let (mut store, instance) = filled_store(&engine, &module)?;

    let started = Instant::now();
    let snapshot = store.snapshot().map_err(|e| e.to_string())?;
    let snapshot_time = started.elapsed();

    let mut resets = |count: i32| -> Result<Duration, String> {
        let mut samples = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let first = (round as i32 * 97) % (PAGES - count);
            call(
                &mut store,
                instance,
                "touch",
                &[Val::I32(first), Val::I32(count)],
            )?;
            let started = Instant::now();
            store.reset(&snapshot).map_err(|e| e.to_string())?;
            samples.push(started.elapsed());
        }
        Ok(median(samples))
    };
    let reset_1 = resets(1)?;
    let reset_64 = resets(64)?;

    let source = vec![0xa5u8; PAGES as usize * 65536];
    let mut target = vec![0u8; source.len()];
    let copy_256mib = median(
        (0..5)
            .map(|_| {
                let started = Instant::now();
                target.copy_from_slice(&source);
                std::hint::black_box(&target);
                started.elapsed()
            })
            .collect(),
    );

    // A checkpoint of a suspended call in the 256 MiB store.
    let probe = instance.get_func(&store, "probe").ok_or("no probe")?;
    let CallOutcome::Suspended(suspended) = probe
        .call_resumable(&mut store, &[])
        .map_err(|e| e.to_string())?
    else {
        return Err("probe did not suspend".into());
    };
    let started = Instant::now();
    let bytes = Checkpoint::capture(&mut store, Some(&suspended))
        .map_err(|e| e.to_string())?
        .to_bytes();
    let capture = started.elapsed();
    drop(store);

    let modules = [module];
    let resume =
        |mut store: Store<()>, call: wisp_interp::ResumableCall| -> Result<Duration, String> {
            let started = Instant::now();
            match call.resume(&mut store, &[]).map_err(|e| e.to_string())? {
                CallOutcome::Complete(results) if results == [Val::I32(3 * 0xa5)] => {
                    Ok(started.elapsed())
                }
                other => Err(format!("unexpected resume outcome {other:?}")),
            }
        };

    let started = Instant::now();
    let image = Image::parse(&bytes).map_err(|e| e.to_string())?;
    let restored = image
        .restore(&engine, &modules, &linker(&engine), (), &[])
        .map_err(|e| e.to_string())?;
    let restore_eager = started.elapsed();
    let resume_eager = resume(restored.store, restored.call.ok_or("no call")?)?;

    let (control, pages) = split_pages(&bytes).map_err(|e| e.to_string())?;
    let pages = Arc::new(pages.to_vec());
    let started = Instant::now();
    let image = Image::parse(&control).map_err(|e| e.to_string())?;
    let restored = image
        .restore_lazy(&engine, &modules, &linker(&engine), (), &[], pages)
        .map_err(|e| e.to_string())?;
    let restore_lazy = started.elapsed();
    let resume_lazy = resume(restored.store, restored.call.ok_or("no call")?)?;

    Ok(StateFigures {
        snapshot_flat,
        snapshot: snapshot_time,
        reset_1,
        reset_64,
        copy_256mib,
        capture,
        image_bytes: bytes.len(),
        restore_eager,
        restore_lazy,
        resume_eager,
        resume_lazy,
    })
}

fn wisp_wat(text: &str) -> Result<Vec<u8>, String> {
    wat::parse_str(text).map_err(|e| e.to_string())
}

fn us(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 10.0 {
        format!("{us:.2} µs")
    } else if us < 10_000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.1} ms", us / 1000.0)
    }
}

/// The figures as a markdown section.
pub fn render(f: &StateFigures, rounds: usize) -> String {
    let mut out = String::new();
    out.push_str("## Snapshots, resets and checkpoints\n\n");
    out.push_str(
        "One store, one memory of 1 GiB maximum with 256 MiB (4096 pages) in use and \
         every page written, paged (`Config::flat_memories(false)`) except in the first \
         row (`benches/src/state.rs`).\n\n",
    );
    let _ = writeln!(out, "| operation | time |\n|---|---|");
    let _ = writeln!(
        out,
        "| `Store::snapshot` of the memory when flat (the default; pages copied) | {} |",
        us(f.snapshot_flat)
    );
    let _ = writeln!(
        out,
        "| `Store::snapshot` (paged: pages shared, not copied) | {} |",
        us(f.snapshot)
    );
    let _ = writeln!(
        out,
        "| `Store::reset` after writing 1 page (median of {rounds}) | **{}** |",
        us(f.reset_1)
    );
    let _ = writeln!(
        out,
        "| `Store::reset` after writing 64 pages (median of {rounds}) | {} |",
        us(f.reset_64)
    );
    let _ = writeln!(
        out,
        "| for scale: copying 256 MiB (a reset without copy-on-write) | {} |",
        us(f.copy_256mib)
    );
    let _ = writeln!(
        out,
        "| `Checkpoint::capture` of a suspended call, to bytes ({:.0} MiB image) | {} |",
        f.image_bytes as f64 / (1024.0 * 1024.0),
        us(f.capture)
    );
    let _ = writeln!(
        out,
        "| eager restore (parse, every page read and hash-checked) until the call can resume | {} |",
        us(f.restore_eager)
    );
    let _ = writeln!(
        out,
        "| lazy restore (control state only) until the call can resume | **{}** |",
        us(f.restore_lazy)
    );
    let _ = writeln!(
        out,
        "| resuming a call that reads 3 pages: eager / lazy (3 pages read and checked) | {} / {} |",
        us(f.resume_eager),
        us(f.resume_lazy)
    );
    out.push_str(
        "\nReproduce: `cargo run -p wisp-bench --profile release-bench -- state` \
         (prints this section; `all` includes it in this page).\n",
    );
    out
}
