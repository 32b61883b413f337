//! Long loops over many instruction families on a small native stack.
//!
//! The threaded backend (the executor of optimised x86_64 and aarch64
//! builds) relies on every handler ending in a real tail call; one that
//! did not would grow the native stack by a frame each time it runs, and a
//! loop of a few hundred thousand iterations on a 256 KiB stack would
//! overflow it. With the portable `loop { match }` (debug builds, the
//! `loop-dispatch` feature) this is an ordinary correctness test.

use wisp_interp::Val;

use super::{call, instantiate};

const MIXED: &str = r#"(module
  (memory 2)
  (table 2 funcref)
  (elem (i32.const 0) $leaf $leaf2)
  (type $bin (func (param i32 i32) (result i32)))
  (global $g (mut i64) (i64.const 7))
  (func $leaf (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $leaf2 (type $bin) (i32.xor (local.get 0) (local.get 1)))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $f f64) (local $s f32) (local $t i32)
    (loop $top
      ;; integer arithmetic, immediates and comparisons
      (local.set $t (i32.mul (i32.add (local.get $i) (i32.const 3)) (local.get $i)))
      (local.set $t (i32.or (i32.shl (local.get $t) (i32.const 1))
                            (i32.lt_u (local.get $t) (local.get $i))))
      (local.set $acc (i64.add (local.get $acc)
                               (i64.rotl (i64.extend_i32_u (local.get $t)) (i64.const 5))))
      ;; loads and stores of every width, plain and offset
      (i32.store (i32.and (local.get $i) (i32.const 1020)) (local.get $t))
      (i64.store offset=8 (i32.and (local.get $i) (i32.const 1016)) (local.get $acc))
      (i32.store8 offset=2000 (i32.and (local.get $t) (i32.const 255)) (local.get $i))
      (i32.store16 (i32.const 3000) (local.get $i))
      (local.set $acc (i64.xor (local.get $acc)
        (i64.add (i64.load offset=8 (i32.and (local.get $i) (i32.const 1016)))
                 (i64.extend_i32_s (i32.add (i32.load8_s offset=2000 (i32.and (local.get $t) (i32.const 255)))
                                            (i32.load16_u (i32.const 3000)))))))
      ;; accesses straddling a page boundary: the memory's slow path (the
      ;; threaded backend's `slow` handler) on every iteration
      (i64.store (i32.const 65532) (local.get $acc))
      (i32.store16 offset=65535 (i32.and (local.get $i) (i32.const 0)) (local.get $t))
      (local.set $acc (i64.add (local.get $acc) (i64.load (i32.const 65530))))
      (local.set $acc (i64.add (local.get $acc)
        (i64.extend_i32_u (i32.load offset=65533 (i32.and (local.get $t) (i32.const 0))))))
      ;; bulk memory
      (memory.fill (i32.const 4000) (local.get $i) (i32.const 16))
      (memory.copy (i32.const 4100) (i32.const 4000) (i32.const 16))
      (local.set $acc (i64.add (local.get $acc) (i64.load (i32.const 4104))))
      ;; floats and conversions
      (local.set $f (f64.add (f64.mul (local.get $f) (f64.const 0.5))
                             (f64.convert_i32_u (local.get $i))))
      (local.set $s (f32.sqrt (f32.demote_f64 (local.get $f))))
      (local.set $acc (i64.add (local.get $acc) (i64.trunc_sat_f32_u (local.get $s))))
      ;; globals, select, calls (direct and indirect), br_table
      (global.set $g (i64.add (global.get $g) (i64.const 1)))
      (local.set $t (select (local.get $t) (i32.const 9) (i32.and (local.get $i) (i32.const 1))))
      (local.set $t (call $leaf (local.get $t) (local.get $i)))
      (local.set $t (call_indirect (type $bin) (local.get $t) (local.get $i)
                                   (i32.and (local.get $i) (i32.const 1))))
      (block $b2 (block $b1 (block $b0
        (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
        (local.set $t (i32.add (local.get $t) (i32.const 1))))
        (local.set $t (i32.sub (local.get $t) (i32.const 1))))
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $t))))
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (memory.size))))
      (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                            (local.get $n))))
    (i64.add (local.get $acc) (global.get $g))))"#;

/// Runs `MIXED` for `n` iterations on a thread with `stack` bytes of stack.
fn run_on_small_stack(n: i32, stack: usize) -> i64 {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let (mut store, instance) = instantiate(MIXED);
            match call(&mut store, instance, "run", &[Val::I32(n)]).unwrap()[..] {
                [Val::I64(v)] => v,
                ref other => panic!("unexpected results {other:?}"),
            }
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn long_loops_run_in_constant_native_stack() {
    // Same answer for a short and a long run's prefix property: the long
    // run must finish at all (no stack growth per instruction), and two
    // runs agree (deterministic).
    let long = run_on_small_stack(300_000, 256 * 1024);
    assert_eq!(long, run_on_small_stack(300_000, 8 * 1024 * 1024));
    assert_ne!(long, run_on_small_stack(299_999, 256 * 1024));
}
