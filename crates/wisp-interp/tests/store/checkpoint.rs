//! Checkpoints: a call suspended by fuel or by a host function, saved to
//! bytes and restored in a fresh store, finishes exactly as an
//! uninterrupted run does; damaged and hostile images are refused with a
//! typed error, never a panic.

use wisp_interp::checkpoint::{Checkpoint, Image, RestoreError};
use wisp_interp::{
    CallOutcome, Config, Engine, FuncType, HostError, Instance, Linker, Module, ResumableCall,
    Store, Val, ValType,
};

/// Sums i*i for i in 0..n into memory (one i64 per 8 bytes, wrapping in a
/// 4-page window) and a global; returns a checksum of the memory window.
const WORKLOAD: &str = r#"
  (module
    (import "env" "tick" (func $tick (param i32) (result i32)))
    (memory (export "mem") 4 16)
    (global $acc (export "acc") (mut i64) (i64.const 0))
    (table 2 funcref)
    (elem (i32.const 0) $sq $tick)
    (type $unary (func (param i32) (result i32)))
    (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
    (func $step (param $i i32)
      (local $v i64)
      (local.set $v (i64.extend_i32_u
        (call_indirect (type $unary) (local.get $i) (i32.const 0))))
      (i64.store (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 0x3fff8))
        (i64.add (local.get $v)
          (i64.load (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 0x3fff8)))))
      (global.set $acc (i64.add (global.get $acc) (local.get $v))))
    (func $checksum (result i64)
      (local $p i32) (local $h i64)
      (loop $l
        (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
                               (i64.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br_if $l (i32.lt_u (local.get $p) (i32.const 0x40000))))
      (local.get $h))
    (func (export "run") (param $n i32) (result i64)
      (local $i i32)
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (call $step (local.get $i))
          ;; Every 1000 steps, ask the host (which may suspend).
          (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 1000)))
            (then (drop (call $tick (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (call $checksum)))
"#;

const STEPS: i32 = 20_000;
/// Fuel per slice in the fuel-suspension test.
const SLICE: u64 = 100_000;

fn fuel_engine() -> Engine {
    let mut config = Config::default();
    config.consume_fuel(true);
    Engine::new(&config)
}

/// A linker whose `env.tick` suspends when `suspend` is set and returns its
/// argument plus one.
fn linker(engine: &Engine, suspend: bool) -> Linker<()> {
    let mut linker = Linker::new(engine);
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    linker
        .func_new("env", "tick", ty, move |_, args, results| {
            if suspend {
                return Err(HostError::Suspend(Box::new("tick")));
            }
            let Val::I32(i) = args[0] else { unreachable!() };
            results[0] = Val::I32(i + 1);
            Ok(())
        })
        .unwrap();
    linker
}

fn module(engine: &Engine) -> Module {
    Module::new(engine, &wat::parse_str(WORKLOAD).unwrap()).unwrap()
}

/// The observable end state: the result, the global and every memory byte.
#[derive(Debug, PartialEq)]
struct Outcome {
    result: Vec<Val>,
    acc: Val,
    memory: Vec<u8>,
    fuel_left: u64,
}

fn outcome(store: &mut Store<()>, instance: Instance, result: Vec<Val>) -> Outcome {
    let acc = instance.get_global(store, "acc").unwrap().get(store);
    let mem = instance.get_memory(store, "mem").unwrap();
    let mut memory = vec![0; (mem.size(store) * 65536) as usize];
    mem.read(store, 0, &mut memory).unwrap();
    Outcome {
        result,
        acc,
        memory,
        fuel_left: store.get_fuel().unwrap(),
    }
}

/// Runs the workload straight through.
fn uninterrupted(engine: &Engine, fuel: u64) -> Outcome {
    let module = module(engine);
    let mut store = Store::new(engine, ());
    store.set_fuel(fuel).unwrap();
    let instance = linker(engine, false)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut results = [Val::I64(0)];
    run.call(&mut store, &[Val::I32(STEPS)], &mut results)
        .unwrap();
    outcome(&mut store, instance, results.to_vec())
}

/// Saves and restores the call, returning the restored store and call.
fn round_trip(
    engine: &Engine,
    store: &mut Store<()>,
    call: &ResumableCall,
    suspend: bool,
) -> (Store<()>, Instance, ResumableCall) {
    let bytes = Checkpoint::capture(store, Some(call)).unwrap().to_bytes();
    let image = Image::parse(&bytes).unwrap();
    let restored = image
        .restore(engine, &[module(engine)], &linker(engine, suspend), (), &[])
        .unwrap();
    let instance = restored.instances[0];
    (
        restored.store,
        instance,
        restored.call.expect("the image holds a call"),
    )
}

#[test]
fn a_call_suspended_by_fuel_resumes_from_a_checkpoint_with_the_same_result() {
    let engine = fuel_engine();
    let total = 50_000_000;
    let expected = uninterrupted(&engine, total);

    // Run in slices of 1,000,000 fuel; after every slice, checkpoint, throw
    // the store away and continue in the restored one.
    let module = module(&engine);
    let mut store = Store::new(&engine, ());
    store.set_fuel(SLICE).unwrap();
    let mut instance = linker(&engine, false)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut outcome_now = run.call_resumable(&mut store, &[Val::I32(STEPS)]).unwrap();
    let mut given = SLICE;
    let mut checkpoints = 0;
    let result = loop {
        match outcome_now {
            CallOutcome::Complete(results) => break results,
            CallOutcome::Suspended(call) => {
                let (restored, restored_instance, call) =
                    round_trip(&engine, &mut store, &call, false);
                (store, instance) = (restored, restored_instance);
                checkpoints += 1;
                store.add_fuel(SLICE).unwrap();
                given += SLICE;
                outcome_now = call.resume(&mut store, &[]).unwrap();
            }
        }
    };
    assert!(
        checkpoints >= 5,
        "only {checkpoints} checkpoints were taken"
    );
    let mut got = outcome(&mut store, instance, result);
    // Fuel: the same amount was consumed in total.
    got.fuel_left = total - (given - got.fuel_left);
    assert_eq!(got, expected);
}

#[test]
fn a_call_suspended_by_a_host_function_resumes_with_its_results() {
    let engine = fuel_engine();
    let expected = uninterrupted(&engine, 50_000_000);

    let module = module(&engine);
    let mut store = Store::new(&engine, ());
    store.set_fuel(50_000_000).unwrap();
    let mut instance = linker(&engine, true)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut now = run.call_resumable(&mut store, &[Val::I32(STEPS)]).unwrap();
    let mut suspensions = 0;
    let result = loop {
        match now {
            CallOutcome::Complete(results) => break results,
            CallOutcome::Suspended(call) => {
                let (restored, restored_instance, call) =
                    round_trip(&engine, &mut store, &call, true);
                (store, instance) = (restored, restored_instance);
                suspensions += 1;
                now = call.resume(&mut store, &[Val::I32(1)]).unwrap();
            }
        }
    };
    assert_eq!(suspensions, STEPS / 1000);
    assert_eq!(outcome(&mut store, instance, result), expected);
}

// ----- Refusals and damaged images -----------------------------------------

/// A small suspended workload and its checkpoint bytes.
fn small_image() -> (Engine, Vec<u8>) {
    let engine = fuel_engine();
    let module = module(&engine);
    let mut store = Store::new(&engine, ());
    store.set_fuel(5_000).unwrap();
    let instance = linker(&engine, false)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let CallOutcome::Suspended(call) = run.call_resumable(&mut store, &[Val::I32(100)]).unwrap()
    else {
        panic!("5,000 fuel is not enough for 100 steps")
    };
    let bytes = Checkpoint::capture(&mut store, Some(&call))
        .unwrap()
        .to_bytes();
    (engine, bytes)
}

fn restore(engine: &Engine, bytes: &[u8]) -> Result<(), RestoreError> {
    let image = Image::parse(bytes)?;
    image.restore(engine, &[module(engine)], &linker(engine, false), (), &[])?;
    Ok(())
}

/// The sections of an image: (tag, header offset, payload range).
fn sections(bytes: &[u8]) -> Vec<(String, usize, std::ops::Range<usize>)> {
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let mut at = 16;
    let mut out = Vec::new();
    for _ in 0..count {
        let tag = String::from_utf8_lossy(&bytes[at..at + 8])
            .trim_end_matches('\0')
            .to_string();
        let len = u64::from_le_bytes(bytes[at + 12..at + 20].try_into().unwrap()) as usize;
        out.push((tag, at, at + 52..at + 52 + len));
        at += 52 + len;
    }
    out
}

/// Recomputes the sha256 of every section that carries one (what a hostile
/// image would do to get past the integrity check).
fn rehash(bytes: &mut [u8]) {
    for (tag, header, payload) in sections(bytes) {
        if tag != "PAGES" {
            let hash = wisp_interp::checkpoint::sha256(&bytes[payload]);
            bytes[header + 20..header + 52].copy_from_slice(&hash);
        }
    }
}

#[test]
fn the_small_image_restores() {
    let (engine, bytes) = small_image();
    restore(&engine, &bytes).unwrap();
    let tags: Vec<String> = sections(&bytes).into_iter().map(|s| s.0).collect();
    assert_eq!(tags, ["HEADR", "STORE", "EXECS", "PGIDX", "PAGES"]);
}

#[test]
fn a_changed_byte_in_any_section_is_reported_as_corrupt() {
    let (engine, bytes) = small_image();
    for (tag, _, payload) in sections(&bytes) {
        let mut damaged = bytes.clone();
        damaged[payload.start + payload.len() / 2] ^= 0x40;
        match restore(&engine, &damaged) {
            Err(RestoreError::Corrupt(section)) => assert!(section.starts_with(&tag), "{section}"),
            other => panic!("{tag}: expected Corrupt, got {other:?}"),
        }
    }
}

#[test]
fn truncated_images_are_refused() {
    let (engine, bytes) = small_image();
    let prefixes = (0..2048).chain((2048..bytes.len()).step_by(61));
    for len in prefixes {
        assert!(
            restore(&engine, &bytes[..len]).is_err(),
            "a {len}-byte prefix restored"
        );
    }
}

#[test]
fn another_major_version_is_refused_with_the_version_message() {
    let (engine, mut bytes) = small_image();
    bytes[8] = 2;
    let e = restore(&engine, &bytes).unwrap_err();
    assert_eq!(
        e.to_string(),
        "checkpoint format 2.0 is not supported (this wisp reads 1.x)"
    );
    bytes[..8].copy_from_slice(b"NOTACKPT");
    assert_eq!(restore(&engine, &bytes), Err(RestoreError::NotACheckpoint));
}

#[test]
fn a_missing_module_or_another_engine_config_is_refused() {
    let (engine, bytes) = small_image();
    let image = Image::parse(&bytes).unwrap();
    let other = Module::new(&engine, &wat::parse_str("(module)").unwrap()).unwrap();
    let e = image
        .restore(&engine, &[other], &linker(&engine, false), (), &[])
        .unwrap_err();
    let RestoreError::ModuleUnavailable(hash) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(hash.len(), 64);

    let plain = Engine::new(&Config::default());
    let e = image
        .restore(&plain, &[module(&plain)], &linker(&plain, false), (), &[])
        .unwrap_err();
    assert!(
        matches!(&e, RestoreError::Incompatible(m) if m.contains("fuel metering")),
        "{e}"
    );
}

#[test]
fn a_missing_host_function_is_named() {
    let (engine, bytes) = small_image();
    let image = Image::parse(&bytes).unwrap();
    let e = image
        .restore(&engine, &[module(&engine)], &Linker::new(&engine), (), &[])
        .unwrap_err();
    assert_eq!(
        e,
        RestoreError::HostFuncMissing {
            module: "env".into(),
            name: "tick".into()
        }
    );
}

#[test]
fn externrefs_and_unnamed_host_functions_cannot_be_checkpointed() {
    let engine = Engine::default();
    let m = Module::new(
        &engine,
        &wat::parse_str(r#"(module (table (export "t") 1 externref))"#).unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &m, &[]).unwrap();
    assert!(
        Checkpoint::capture(&mut store, None).is_ok(),
        "null externrefs are fine"
    );
    let t = i.get_table(&store, "t").unwrap();
    t.set(
        &mut store,
        0,
        Val::ExternRef(Some(wisp_interp::ExternRef(7))),
    )
    .unwrap();
    let e = Checkpoint::capture(&mut store, None).unwrap_err();
    assert_eq!(e.to_string(), "cannot checkpoint: externref in table 0");

    let mut store = Store::new(&engine, ());
    wisp_interp::Func::new(&mut store, FuncType::new([], []), |_, _, _| Ok(()));
    let e = Checkpoint::capture(&mut store, None).unwrap_err();
    assert!(e.to_string().contains("Linker"), "{e}");
}

#[test]
fn unknown_required_sections_are_refused_and_optional_ones_skipped() {
    let engine = fuel_engine();
    let module = module(&engine);
    let mut store = Store::new(&engine, ());
    linker(&engine, false)
        .instantiate(&mut store, &module)
        .unwrap();
    for (optional, ok) in [(true, true), (false, false)] {
        let mut checkpoint = Checkpoint::capture(&mut store, None).unwrap();
        checkpoint
            .add_section("WASIS", optional, vec![1, 2, 3])
            .unwrap();
        let bytes = checkpoint.to_bytes();
        let image = Image::parse(&bytes).unwrap();
        assert_eq!(image.section("WASIS"), Some(&[1u8, 2, 3][..]));
        let restored = image.restore(
            &engine,
            std::slice::from_ref(&module),
            &linker(&engine, false),
            (),
            &[],
        );
        assert_eq!(restored.is_ok(), ok, "optional: {optional}");
        // Understood sections are fine either way.
        image
            .restore(
                &engine,
                std::slice::from_ref(&module),
                &linker(&engine, false),
                (),
                &["WASIS"],
            )
            .unwrap();
    }
    let mut checkpoint = Checkpoint::capture(&mut store, None).unwrap();
    assert!(
        checkpoint.add_section("STORE", true, vec![]).is_err(),
        "taken"
    );
    assert!(
        checkpoint
            .add_section("TOO-LONG-TAG", true, vec![])
            .is_err()
    );
}

#[test]
fn hostile_images_with_valid_hashes_never_panic() {
    // Flip bytes in the control sections and fix the hashes: restoring must
    // fail cleanly or produce a store whose call runs (or traps) without
    // panicking, within its fuel.
    let (engine, bytes) = small_image();
    let control: Vec<_> = sections(&bytes)
        .into_iter()
        .filter(|(tag, _, _)| tag != "PAGES")
        .flat_map(|(_, _, payload)| payload)
        .collect();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut refused, mut resumed) = (0, 0);
    for _ in 0..3000 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + next() % 3 {
            let at = control[(next() % control.len() as u64) as usize];
            damaged[at] ^= 1 << (next() % 8);
        }
        rehash(&mut damaged);
        let Ok(image) = Image::parse(&damaged) else {
            refused += 1;
            continue;
        };
        match image.restore(
            &engine,
            &[module(&engine)],
            &linker(&engine, false),
            (),
            &[],
        ) {
            Err(_) => refused += 1,
            Ok(mut restored) => {
                resumed += 1;
                if let Some(call) = restored.call {
                    let _ = restored.store.set_fuel(100_000);
                    let _ = call.resume(&mut restored.store, &[]);
                }
            }
        }
    }
    assert!(
        refused > 0 && resumed > 0,
        "refused {refused}, resumed {resumed}"
    );
}

// ----- Lazy restore ----------------------------------------------------------

/// Counts the pages a lazy restore reads.
struct CountingPages {
    pages: Vec<u8>,
    reads: std::sync::atomic::AtomicUsize,
}

impl wisp_interp::checkpoint::PageStore for CountingPages {
    fn read_page(&self, offset: u64, out: &mut [u8; 65536]) -> Result<(), String> {
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.pages.read_page(offset, out)
    }
}

/// Fills 1024 pages (64 MiB) with data, then suspends; resumed, it reads
/// three of them and returns their sum.
const BIG: &str = r#"
  (module
    (import "env" "pause" (func $pause))
    (memory (export "mem") 1024)
    (func (export "run") (result i64)
      (local $p i32)
      (loop $fill
        (i64.store (local.get $p) (i64.extend_i32_u (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 4096)))
        (br_if $fill (i32.lt_u (local.get $p) (i32.const 0x4000000))))
      ;; A host call to suspend at.
      (call $pause)
      (i64.add (i64.add (i64.load (i32.const 0x10000)) (i64.load (i32.const 0x2000000)))
               (i64.load (i32.const 0x3fff000)))))
"#;

fn pause_linker(engine: &Engine) -> Linker<()> {
    let mut linker = Linker::new(engine);
    linker
        .func_new("env", "pause", FuncType::new([], []), |_, _, _| {
            Err(HostError::Suspend(Box::new(())))
        })
        .unwrap();
    linker
}

/// `BIG` run until it pauses, and a checkpoint of it.
fn paused_big() -> (Engine, Module, Vec<u8>) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(BIG).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = pause_linker(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let CallOutcome::Suspended(call) = run.call_resumable(&mut store, &[]).unwrap() else {
        panic!("run pauses")
    };
    let bytes = Checkpoint::capture(&mut store, Some(&call))
        .unwrap()
        .to_bytes();
    (engine, module, bytes)
}

#[test]
fn a_lazy_restore_reads_only_the_pages_the_guest_touches() {
    let (engine, module, bytes) = paused_big();
    let expected = Val::I64(0x10000 + 0x2000000 + 0x3fff000);

    // Eager.
    let image = Image::parse(&bytes).unwrap();
    let restored = image
        .restore(
            &engine,
            std::slice::from_ref(&module),
            &pause_linker(&engine),
            (),
            &[],
        )
        .unwrap();
    let (mut eager, call) = (restored.store, restored.call.unwrap());
    let CallOutcome::Complete(results) = call.resume(&mut eager, &[]).unwrap() else {
        panic!("completes")
    };
    assert_eq!(results, [expected]);

    // Lazy, from the control part alone plus a page store.
    let (control, pages) = wisp_interp::checkpoint::split_pages(&bytes).unwrap();
    let mut streamed = std::io::Cursor::new(&bytes);
    let (read, pages_len) = wisp_interp::checkpoint::read_control(&mut streamed).unwrap();
    assert_eq!(read, control);
    assert_eq!(pages_len, pages.len() as u64);
    let stored = pages.len() / 65536;
    assert_eq!(stored, 1024, "every page holds data");
    let source = std::sync::Arc::new(CountingPages {
        pages: pages.to_vec(),
        reads: 0.into(),
    });
    let image = Image::parse(&control).unwrap();
    let restored = image
        .restore_lazy(
            &engine,
            std::slice::from_ref(&module),
            &pause_linker(&engine),
            (),
            &[],
            source.clone(),
        )
        .unwrap();
    let (mut lazy, call) = (restored.store, restored.call.unwrap());
    assert_eq!(source.reads.load(std::sync::atomic::Ordering::Relaxed), 0);
    let CallOutcome::Complete(results) = call.resume(&mut lazy, &[]).unwrap() else {
        panic!("completes")
    };
    assert_eq!(results, [expected]);
    let reads = source.reads.load(std::sync::atomic::Ordering::Relaxed);
    assert!((3..stored).contains(&reads), "{reads} pages read");
    assert_eq!(reads, 3, "exactly the three pages the guest loads");

    // A checkpoint of the lazily restored store fetches the rest first and
    // equals one of the eagerly restored store.
    let mem = restored.instances[0].get_memory(&lazy, "mem").unwrap();
    let mut probe = [0u8; 8];
    mem.read(&mut lazy, 0x1000, &mut probe).unwrap();
    assert_eq!(u64::from_le_bytes(probe), 0x1000);
    let again = Checkpoint::capture(&mut lazy, None).unwrap().to_bytes();
    let eager_again = Checkpoint::capture(&mut eager, None).unwrap().to_bytes();
    assert_eq!(again, eager_again);
}

#[test]
fn a_lazily_restored_page_that_fails_its_hash_traps_when_touched() {
    let (engine, module, bytes) = paused_big();
    let (control, pages) = wisp_interp::checkpoint::split_pages(&bytes).unwrap();
    let mut pages = pages.to_vec();
    // Page 512 (0x2000000) is the 513th stored page.
    pages[512 * 65536 + 5] ^= 1;
    let image = Image::parse(&control).unwrap();
    let restored = image
        .restore_lazy(
            &engine,
            std::slice::from_ref(&module),
            &pause_linker(&engine),
            (),
            &[],
            std::sync::Arc::new(pages),
        )
        .unwrap();
    let (mut lazy, call) = (restored.store, restored.call.unwrap());
    let e = call.resume(&mut lazy, &[]).unwrap_err();
    assert!(e.to_string().contains("out of memory"), "{e}");
}
