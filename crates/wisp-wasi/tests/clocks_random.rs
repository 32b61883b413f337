//! `clock_res_get`, `clock_time_get` and `random_get`: deterministic and
//! real sources, clock-id errors, faults, and whole-run reproducibility.

mod common;

use common::*;
use wisp_interp::Val;
use wisp_wasi::{ClockSource, RandomSource, WasiCtx};

const NAMES: [&str; 3] = ["clock_res_get", "clock_time_get", "random_get"];

fn deterministic(seed: u64) -> WasiCtx {
    WasiCtx::builder()
        .clock(ClockSource::Deterministic {
            realtime_start_ns: 1_000,
            step_ns: 10,
        })
        .random(RandomSource::Seeded(seed))
        .build()
        .unwrap()
}

fn time_get(r: &mut Run, id: i32, out: i32) -> i32 {
    r.errno(
        "clock_time_get",
        &[Val::I32(id), Val::I64(0), Val::I32(out)],
    )
}

#[test]
fn deterministic_clock_advances_per_call() {
    let mut r = Run::with(&NAMES, deterministic(0));
    assert_eq!(time_get(&mut r, 0, 0), SUCCESS);
    assert_eq!(r.read_u64(0), 1_000);
    assert_eq!(time_get(&mut r, 0, 0), SUCCESS);
    assert_eq!(r.read_u64(0), 1_010);
    // Monotonic shares the tick counter and starts at 0.
    assert_eq!(time_get(&mut r, 1, 8), SUCCESS);
    assert_eq!(r.read_u64(8), 20);
    assert_eq!(r.errno32("clock_res_get", &[0, 16]), SUCCESS);
    assert_eq!(r.read_u64(16), 10);
    assert_eq!(r.errno32("clock_res_get", &[1, 16]), SUCCESS);
    assert_eq!(r.read_u64(16), 10);
}

#[test]
fn clock_errors() {
    let mut r = Run::with(&NAMES, deterministic(0));
    // CPU-time clocks: BADF, as wasmtime; ids outside the enum trap, as
    // wasmtime (it fails decoding the argument).
    for id in [2, 3] {
        assert_eq!(time_get(&mut r, id, 0), BADF);
        assert_eq!(r.errno32("clock_res_get", &[id, 0]), BADF);
    }
    for id in [4, -1] {
        let err = r
            .try_call("call_clock_res_get", &[Val::I32(id), Val::I32(0)])
            .unwrap_err();
        assert!(err.to_string().contains("invalid clockid"), "{err}");
        let args = [Val::I32(id), Val::I64(0), Val::I32(0)];
        assert!(r.try_call("call_clock_time_get", &args).is_err());
    }
    assert_eq!(time_get(&mut r, 0, 65536 - 7), FAULT);
    assert_eq!(r.errno32("clock_res_get", &[1, -1]), FAULT);
    // None of the failed calls advanced the clock.
    assert_eq!(time_get(&mut r, 0, 0), SUCCESS);
    assert_eq!(r.read_u64(0), 1_000);
}

#[test]
fn real_clocks() {
    let ctx = WasiCtx::builder().clock(ClockSource::Real).build().unwrap();
    let mut r = Run::with(&NAMES, ctx);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert_eq!(time_get(&mut r, 0, 0), SUCCESS);
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let t = r.read_u64(0);
    assert!(before <= t && t <= after, "{before} <= {t} <= {after}");
    assert_eq!(time_get(&mut r, 1, 8), SUCCESS);
    let m1 = r.read_u64(8);
    assert_eq!(time_get(&mut r, 1, 8), SUCCESS);
    assert!(r.read_u64(8) >= m1);
    assert_eq!(r.errno32("clock_res_get", &[1, 16]), SUCCESS);
    assert!(r.read_u64(16) >= 1);
}

#[test]
fn seeded_random_is_reproducible() {
    // 10,000 bytes: more than one internal chunk.
    let bytes = |seed| {
        let mut r = Run::with(&NAMES, deterministic(seed));
        assert_eq!(r.errno32("random_get", &[16, 10_000]), SUCCESS);
        (r.read(0, 16), r.read(16, 10_000), r.read(10_016, 16))
    };
    let (pre, a, post) = bytes(42);
    assert_eq!(pre, [0; 16]);
    assert_eq!(post, [0; 16], "nothing written past the buffer");
    assert_eq!(bytes(42).1, a);
    assert_ne!(bytes(43).1, a);
    assert!(a.iter().filter(|&&b| b == 0).count() < 200, "looks random");
}

#[test]
fn random_errors_and_empty() {
    let mut r = Run::with(&NAMES, deterministic(1));
    assert_eq!(r.errno32("random_get", &[65530, 7]), FAULT);
    assert_eq!(r.errno32("random_get", &[-1, 2]), FAULT);
    assert_eq!(r.read(65530, 6), [0; 6]);
    assert_eq!(r.errno32("random_get", &[65536, 0]), SUCCESS);
}

#[test]
fn os_random() {
    let ctx = WasiCtx::builder().random(RandomSource::Os).build().unwrap();
    let mut r = Run::with(&NAMES, ctx);
    assert_eq!(r.errno32("random_get", &[0, 64]), SUCCESS);
    let a = r.read(0, 64);
    assert_eq!(r.errno32("random_get", &[0, 64]), SUCCESS);
    assert_ne!(a, r.read(0, 64));
}

/// A guest that prints a clock reading and 8 random bytes as hex.
const PRINTER: &str = r#"(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "0123456789abcdef")
  (func $hex (param $src i32) (param $n i32) (param $dst i32)
    (loop $l
      (i32.store8 (local.get $dst)
        (i32.load8_u offset=200 (i32.shr_u (i32.load8_u (local.get $src)) (i32.const 4))))
      (i32.store8 offset=1 (local.get $dst)
        (i32.load8_u offset=200 (i32.and (i32.load8_u (local.get $src)) (i32.const 15))))
      (local.set $src (i32.add (local.get $src) (i32.const 1)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "_start")
    (drop (call $time (i32.const 0) (i64.const 0) (i32.const 0)))
    (drop (call $random (i32.const 8) (i32.const 8)))
    (call $hex (i32.const 0) (i32.const 16) (i32.const 300))
    (i32.store8 (i32.const 332) (i32.const 10))
    (i32.store (i32.const 400) (i32.const 300))
    (i32.store (i32.const 404) (i32.const 33))
    (drop (call $write (i32.const 1) (i32.const 400) (i32.const 1) (i32.const 408)))))"#;

#[test]
fn deterministic_runs_print_identical_output() {
    let output = || {
        let mut r = Run::new(PRINTER, deterministic(7));
        r.try_call("_start", &[]).unwrap();
        r.ctx().take_stdout()
    };
    let first = output();
    assert_eq!(first.len(), 33);
    // The clock reads 1000 = 0x3e8, little-endian.
    assert!(first.starts_with(b"e803000000000000"), "{first:?}");
    assert_eq!(first, output());
}
