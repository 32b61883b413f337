//! Dependent chains and the accumulators: an operation whose operand the
//! instruction before has just computed reads it from a register (see
//! `translate/accumulators.rs`). These modules put such chains next to
//! branch targets, superinstructions, loads, stores and suspensions, and
//! compare every result with the same arithmetic done in Rust (IEEE
//! operations are exact, so float bits must match too).

use super::*;
use wisp_interp::CallOutcome;

/// Chains of dependent `f64` and `f32` operations in a loop, with a
/// conditional step whose first instruction is a branch target right after
/// a producer, results stored to memory from the accumulator, and a final
/// sum of what was stored.
const CHAINS: &str = r#"(module
    (memory 1)
    (func (export "chain64") (param $x f64) (param $y f64) (param $n i32) (result f64)
        (local $i i32) (local $t f64)
        (loop $l
            ;; sqrt(x*x + y) / (x + 1.5) - y * 0.25: each operation takes
            ;; the one before's result.
            (local.set $x (f64.sub
                (f64.div (f64.sqrt (f64.add (f64.mul (local.get $x) (local.get $x)) (local.get $y)))
                         (f64.add (local.get $x) (f64.const 1.5)))
                (f64.mul (local.get $y) (f64.const 0.25))))
            ;; A producer right before a branch target.
            (local.set $t (f64.mul (local.get $x) (f64.const 3)))
            (if (f64.gt (local.get $t) (f64.const 1))
                (then (local.set $x (f64.div (local.get $t) (f64.const 7)))))
            (local.set $x (f64.add (local.get $x) (local.get $t)))
            ;; Stored straight from the accumulator.
            (f64.store (i32.shl (local.get $i) (i32.const 3))
                (f64.sub (f64.mul (local.get $x) (local.get $y)) (local.get $t)))
            (local.set $y (f64.sub (f64.const 2) (f64.div (local.get $y) (f64.add (local.get $y) (f64.const 0.5)))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (f64.add (local.get $x) (call $sum64 (local.get $n))))
    (func $sum64 (param $n i32) (result f64) (local $i i32) (local $s f64)
        (loop $l
            (local.set $s (f64.add (local.get $s) (f64.load (i32.shl (local.get $i) (i32.const 3)))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $s))
    (func (export "chain32") (param $x f32) (param $y f32) (param $n i32) (result f32)
        (local $i i32) (local $t f32)
        (loop $l
            (local.set $x (f32.sub
                (f32.div (f32.sqrt (f32.add (f32.mul (local.get $x) (local.get $x)) (local.get $y)))
                         (f32.add (local.get $x) (f32.const 1.5)))
                (f32.mul (local.get $y) (f32.const 0.25))))
            (local.set $t (f32.mul (local.get $x) (f32.const 3)))
            (if (f32.gt (local.get $t) (f32.const 1))
                (then (local.set $x (f32.div (local.get $t) (f32.const 7)))))
            (local.set $x (f32.add (local.get $x) (local.get $t)))
            (f32.store (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 2)))
                (f32.sub (f32.mul (local.get $x) (local.get $y)) (local.get $t)))
            (local.set $y (f32.sub (f32.const 2) (f32.div (local.get $y) (f32.add (local.get $y) (f32.const 0.5)))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (f32.add (local.get $x) (call $sum32 (local.get $n))))
    (func $sum32 (param $n i32) (result f32) (local $i i32) (local $s f32)
        (loop $l
            (local.set $s (f32.add (local.get $s)
                (f32.load (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 2))))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.get $s))
)"#;

/// Defines `$name`, the `chain64`/`chain32` export of [`CHAINS`] in Rust
/// on `$float`.
macro_rules! chain_model {
    ($name:ident, $float:ty) => {
        fn $name(mut x: $float, mut y: $float, n: u32) -> $float {
            let mut stored = Vec::new();
            for _ in 0..n.max(1) {
                x = (x * x + y).sqrt() / (x + 1.5) - y * 0.25;
                let t = x * 3.0;
                if t > 1.0 {
                    x = t / 7.0;
                }
                x += t;
                stored.push(x * y - t);
                y = 2.0 - y / (y + 0.5);
            }
            x + stored.iter().fold(0.0, |s, v| s + v)
        }
    };
}
chain_model!(chain64, f64);
chain_model!(chain32, f32);

/// The configurations every check runs under: plain, metered, and with
/// NaN canonicalization (which puts a `CanonNan` after every producer).
fn configs() -> Vec<Config> {
    let mut fuel = Config::default();
    fuel.consume_fuel(true);
    let mut canon = Config::default();
    canon.canonicalize_nans(true);
    vec![Config::default(), fuel, canon]
}

/// Calls export `name` of a fresh instance of `wat` under each of
/// [`configs`], once per case, and checks that it returns the case's
/// result (which the test computed with a Rust model). A fresh instance
/// per call because the models start from zeroed memory.
fn assert_matches_model(wat: &str, name: &str, cases: &[(Vec<Val>, Val)]) {
    for config in configs() {
        for (args, want) in cases {
            let (mut s, i) = instantiate_with(&config, wat);
            if config.get_consume_fuel() {
                s.set_fuel(u64::MAX / 2).unwrap();
            }
            let got = call(&mut s, i, name, args).unwrap();
            assert_eq!(got, [*want], "{name}{args:?}");
        }
    }
}

#[test]
fn float_chains_match_the_same_arithmetic_in_rust() {
    let cases = [
        (0.5, 1.25, 1),
        (3.0, -0.75, 17),
        (-2.0, 4.0, 500),
        (1e10, 1e-3, 64),
    ];
    for config in configs() {
        let (mut s, i) = instantiate_with(&config, CHAINS);
        if config.get_consume_fuel() {
            s.set_fuel(u64::MAX / 2).unwrap();
        }
        for (x, y, n) in cases {
            let n_val = Val::I32(n as i32);
            let want64 = chain64(x, y, n);
            let got = call(
                &mut s,
                i,
                "chain64",
                &[Val::F64(x.to_bits()), Val::F64(y.to_bits()), n_val],
            )
            .unwrap();
            assert_eq!(got, [Val::F64(want64.to_bits())], "chain64({x}, {y}, {n})");
            let (x, y) = (x as f32, y as f32);
            let want32 = chain32(x, y, n);
            let got = call(
                &mut s,
                i,
                "chain32",
                &[Val::F32(x.to_bits()), Val::F32(y.to_bits()), n_val],
            )
            .unwrap();
            assert_eq!(got, [Val::F32(want32.to_bits())], "chain32({x}, {y}, {n})");
        }
    }
}

#[test]
fn float_chains_survive_any_number_of_suspensions() {
    let mut config = Config::default();
    config.consume_fuel(true);
    let (mut s, i) = instantiate_with(&config, CHAINS);
    let want = chain64(-2.0, 4.0, 300);
    let chain = i.get_func(&s, "chain64").unwrap();
    // Slices of every size from 1 to 40 units: suspensions land on every
    // fuel check of the loop, in every phase.
    for slice in 1..=40 {
        s.set_fuel(slice).unwrap();
        let args = [
            Val::F64((-2.0f64).to_bits()),
            Val::F64(4.0f64.to_bits()),
            Val::I32(300),
        ];
        let mut outcome = chain.call_resumable(&mut s, &args).unwrap();
        let results = loop {
            match outcome {
                CallOutcome::Complete(results) => break results,
                CallOutcome::Suspended(call) => {
                    s.add_fuel(slice).unwrap();
                    outcome = call.resume(&mut s, &[]).unwrap();
                }
            }
        };
        assert_eq!(
            results,
            [Val::F64(want.to_bits())],
            "fuel slices of {slice}"
        );
    }
}

/// Integer chains: hashing steps of both widths, loads feeding arithmetic
/// and addresses, stores of fresh results, a compare-and-branch on a fresh
/// result, and a branch target right after a producer.
const INT_CHAINS: &str = r#"(module
    (memory 1)
    (func (export "mix") (param $seed i64) (param $n i32) (result i64)
        (local $i i32) (local $h i64) (local $k i32) (local $p i32) (local $t i32)
        (local.set $h (local.get $seed))
        (loop $l
            ;; xorshift-multiply on i64, each step the one before's result.
            (local.set $h (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29)))
                                   (i64.const 0xbf58476d1ce4e5b9)))
            (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 7)) (i64.sub (local.get $h) (i64.const 3))))
            ;; an i32 index from it, a store and a load through it
            (local.set $p (i32.shl (i32.and (i32.wrap_i64 (local.get $h)) (i32.const 1023)) (i32.const 2)))
            (i32.store (local.get $p) (i32.or (i32.xor (local.get $k) (i32.wrap_i64 (local.get $h))) (i32.const 1)))
            (local.set $k (i32.add (i32.load (local.get $p)) (i32.mul (local.get $k) (i32.const 31))))
            ;; a load feeding a load's address
            (local.set $k (i32.sub (local.get $k)
                (i32.load8_u (i32.and (i32.load (i32.and (local.get $k) (i32.const 4092))) (i32.const 4095)))))
            ;; a producer right before a branch target, and a branch on a fresh result
            ;; (on the path that skips the `then`, the last value produced is
            ;; $t, not $k, which the join reads)
            (local.set $k (i32.shr_s (local.get $k) (i32.const 1)))
            (local.set $t (i32.mul (local.get $k) (i32.const 3)))
            (if (i32.eqz (i32.and (local.get $t) (i32.const 4)))
                (then (local.set $k (i32.xor (local.get $k) (i32.const 0x5a5a)))))
            (local.set $h (i64.xor (local.get $h) (i64.extend_i32_u (local.get $k))))
            (i64.store offset=8192 (i32.and (local.get $i) (i32.const 255)) (i64.shr_s (local.get $h) (i64.const 3)))
            (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (i64.add (local.get $h) (i64.load offset=8192 (i32.const 0))))
)"#;

/// `mix` of [`INT_CHAINS`], in Rust (memory as a byte array).
fn mix(seed: i64, n: u32) -> i64 {
    let mut mem = vec![0u8; 65536];
    let load32 = |mem: &[u8], a: u32| {
        u32::from_le_bytes(mem[a as usize..a as usize + 4].try_into().unwrap())
    };
    let (mut h, mut k, mut i) = (seed, 0i32, 0u32);
    loop {
        h = (h ^ ((h as u64) >> 29) as i64).wrapping_mul(0xbf58476d1ce4e5b9u64 as i64);
        h = (h << 7).wrapping_add(h.wrapping_sub(3));
        let p = ((h as i32) & 1023) << 2;
        let v = (k ^ h as i32) | 1;
        mem[p as usize..p as usize + 4].copy_from_slice(&v.to_le_bytes());
        k = (load32(&mem, p as u32) as i32).wrapping_add(k.wrapping_mul(31));
        let q = load32(&mem, (k & 4092) as u32) & 4095;
        k = k.wrapping_sub(i32::from(mem[q as usize]));
        k >>= 1;
        let t = k.wrapping_mul(3);
        if t & 4 == 0 {
            k ^= 0x5a5a;
        }
        h ^= i64::from(k as u32);
        let at = 8192 + (i & 255) as usize;
        mem[at..at + 8].copy_from_slice(&(h >> 3).to_le_bytes());
        i = i.wrapping_add(1);
        if i == n {
            break;
        }
    }
    h.wrapping_add(i64::from_le_bytes(mem[8192..8200].try_into().unwrap()))
}

#[test]
fn integer_chains_match_the_same_arithmetic_in_rust() {
    let cases = [
        (1i64, 1u32),
        (-7, 5),
        (0x1234_5678_9abc, 1000),
        (i64::MIN, 333),
    ]
    .map(|(seed, n)| {
        let args = vec![Val::I64(seed), Val::I32(n as i32)];
        (args, Val::I64(mix(seed, n)))
    });
    assert_matches_model(INT_CHAINS, "mix", &cases);
}

#[test]
fn integer_chains_survive_any_number_of_suspensions() {
    let want = mix(99, 200);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(INT_CHAINS, "mix", &[Val::I64(99), Val::I32(200)], slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

/// Calls export `name` of a fresh metered instance of `wat` with `args`,
/// giving it `slice` units of fuel at a time (it suspends whenever they
/// run out, and is resumed with another `slice`). A fresh instance
/// because the Rust models start from zeroed memory.
fn call_in_fuel_slices(wat: &str, name: &str, args: &[Val], slice: u64) -> Vec<Val> {
    let mut config = Config::default();
    config.consume_fuel(true);
    let (mut s, i) = instantiate_with(&config, wat);
    let func = i.get_func(&s, name).unwrap();
    s.set_fuel(slice).unwrap();
    let mut outcome = func.call_resumable(&mut s, args).unwrap();
    loop {
        match outcome {
            CallOutcome::Complete(results) => return results,
            CallOutcome::Suspended(call) => {
                s.add_fuel(slice).unwrap();
                outcome = call.resume(&mut s, &[]).unwrap();
            }
        }
    }
}

/// Integer results feeding the superinstructions, the indexed loads and
/// `select`: an index computed right before the indexed load that scales
/// it, comparisons feeding `select` (its condition word) and arithmetic,
/// and shifted indices plus a base kept in a local (`local.tee`) and
/// loaded through, for each width the fused add-and-load has.
const WALK: &str = r#"(module
  (memory 1)
  (func (export "walk") (param $seed i32) (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $j i32) (local $p i32) (local $m i32) (local $k i32) (local $h i64) (local $g i64)
    ;; 256 u32 at 1024 and 256 u64 at 4096
    (loop $f
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (local.get $seed)))
      (i32.store offset=1024 (i32.shl (local.get $i) (i32.const 2)) (local.get $x))
      (i64.store offset=4096 (i32.shl (local.get $i) (i32.const 3))
        (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 0x9e3779b97f4a7c15)))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (local.set $i (i32.const 0))
    (loop $l
      ;; an index computed just before the load that scales it
      (local.set $k (i32.and (i32.add (local.get $j) (i32.const 7)) (i32.const 255)))
      (local.set $x (i32.load (i32.add (i32.shl (local.get $k) (i32.const 2)) (i32.const 1024))))
      ;; a comparison feeding a select: the larger
      (local.set $m (select (local.get $x) (local.get $m) (i32.gt_u (local.get $x) (local.get $m))))
      ;; a shifted index plus the array's base, kept and loaded through
      (local.set $j (i32.xor (local.get $j) (i32.load (local.tee $p
        (i32.add (i32.shl (i32.and (local.get $m) (i32.const 255)) (i32.const 2)) (i32.const 1024))))))
      ;; the same for a byte and for an i64
      (local.set $j (i32.add (local.get $j) (i32.load8_u (local.tee $p
        (i32.add (i32.shl (i32.and (local.get $j) (i32.const 511)) (i32.const 1)) (i32.const 1024))))))
      (local.set $h (i64.add (local.get $h) (i64.load (local.tee $p
        (i32.add (i32.shl (i32.and (local.get $j) (i32.const 255)) (i32.const 3)) (i32.const 4096))))))
      ;; an i64 element by a fresh index, and an i64 comparison feeding a select
      (local.set $k (i32.and (i32.add (local.get $p) (i32.const 3)) (i32.const 255)))
      (local.set $g (i64.load (i32.add (i32.shl (local.get $k) (i32.const 3)) (i32.const 4096))))
      (local.set $h (select (local.get $g) (local.get $h) (i64.lt_s (local.get $g) (local.get $h))))
      ;; a comparison feeding arithmetic
      (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (i32.lt_u (local.get $j) (local.get $m)))))
      (local.set $h (i64.add (i64.rotl (local.get $h) (i64.const 5)) (i64.extend_i32_u (local.get $j))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.add (local.get $h) (i64.extend_i32_u (i32.add (local.get $m) (local.get $p)))))
)"#;

/// `walk` of [`WALK`], in Rust (memory as a byte array).
fn walk(seed: i32, n: u32) -> i64 {
    let mut mem = vec![0u8; 65536];
    let load32 = |mem: &[u8], a: i32| {
        i32::from_le_bytes(mem[a as usize..a as usize + 4].try_into().unwrap())
    };
    let load64 = |mem: &[u8], a: i32| {
        i64::from_le_bytes(mem[a as usize..a as usize + 8].try_into().unwrap())
    };
    let mut x = 0i32;
    for i in 0..256usize {
        x = x.wrapping_mul(1103515245).wrapping_add(seed);
        mem[1024 + 4 * i..1028 + 4 * i].copy_from_slice(&x.to_le_bytes());
        let wide = u64::from(x as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        mem[4096 + 8 * i..4104 + 8 * i].copy_from_slice(&wide.to_le_bytes());
    }
    let (mut j, mut m, mut h, mut i) = (0i32, 0i32, 0i64, 0u32);
    let mut p;
    loop {
        let k = j.wrapping_add(7) & 255;
        x = load32(&mem, (k << 2) + 1024);
        m = if x as u32 > m as u32 { x } else { m };
        p = ((m & 255) << 2) + 1024;
        j ^= load32(&mem, p);
        p = ((j & 511) << 1) + 1024;
        j = j.wrapping_add(i32::from(mem[p as usize]));
        p = ((j & 255) << 3) + 4096;
        h = h.wrapping_add(load64(&mem, p));
        let k = p.wrapping_add(3) & 255;
        let g = load64(&mem, (k << 3) + 4096);
        h = if g < h { g } else { h };
        h = h.wrapping_add(i64::from((j as u32) < (m as u32)));
        h = h.rotate_left(5).wrapping_add(i64::from(j as u32));
        i = i.wrapping_add(1);
        if i == n {
            break;
        }
    }
    h.wrapping_add(i64::from(m.wrapping_add(p) as u32))
}

#[test]
fn comparisons_selects_and_indexed_loads_match_the_same_arithmetic_in_rust() {
    let cases = [(1i32, 1u32), (-7, 9), (0x1234_5678, 1000), (i32::MIN, 333)].map(|(seed, n)| {
        let args = vec![Val::I32(seed), Val::I32(n as i32)];
        (args, Val::I64(walk(seed, n)))
    });
    assert_matches_model(WALK, "walk", &cases);
}

#[test]
fn comparisons_selects_and_indexed_loads_survive_any_number_of_suspensions() {
    let want = walk(5, 120);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(WALK, "walk", &[Val::I32(5), Val::I32(120)], slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

/// Superinstructions feeding the next instruction through the integer
/// accumulator: xor-multiply (by a slot and by an immediate), shift-xor,
/// a pointer loaded and followed, two counters stepped at once, and an
/// address add fused into its load, each result used right after.
const SUPERS: &str = r#"(module
  (memory 1)
  (func (export "supers") (param $seed i64) (param $n i32) (result i64)
    (local $h i64) (local $i i32) (local $x i32) (local $p i32) (local $q i32)
    (local.set $h (local.get $seed))
    (loop $l
      ;; xor then multiply by a slot, the product shifted right after
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (local.get $i))) (local.get $seed)))
      (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 31))))
      ;; shift-xor, then xor-multiply by an immediate, each result masked after
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (i32.wrap_i64 (local.get $h)) (i32.const 7))))
      (local.set $x (i32.and (local.get $x) (i32.const 0x7ffffffc)))
      (local.set $x (i32.mul (i32.xor (local.get $x) (local.get $i)) (i32.const 0x01000193)))
      (local.set $p (i32.and (local.get $x) (i32.const 1020)))
      ;; a pointer loaded and followed, the value added to
      (i32.store (local.get $p) (local.get $x))
      (local.set $q (i32.load (i32.load (i32.const 2048))))
      (local.set $q (i32.add (local.get $q) (i32.const 5)))
      (i32.store (i32.const 2048) (local.get $p))
      ;; two counters stepped together, the second masked after
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $p (i32.and (local.get $p) (i32.const 1020)))
      ;; an address add then a load, the value used at once
      (local.set $q (i32.xor (local.get $q) (i32.load (i32.add (local.get $p) (local.get $p)))))
      (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (i32.and (local.get $q) (i32.const 0xffff)))))
      (br_if $l (i32.ne (local.get $i) (local.get $n))))
    (local.get $h))
)"#;

/// `supers` of [`SUPERS`], in Rust (memory as a byte array).
fn supers(seed: i64, n: u32) -> i64 {
    let mut mem = vec![0u8; 65536];
    let load32 = |mem: &[u8], a: i32| {
        i32::from_le_bytes(mem[a as usize..a as usize + 4].try_into().unwrap())
    };
    let store32 = |mem: &mut [u8], a: i32, v: i32| {
        mem[a as usize..a as usize + 4].copy_from_slice(&v.to_le_bytes());
    };
    let (mut h, mut i, mut x) = (seed, 0i32, 0i32);
    loop {
        h = (h ^ i64::from(i as u32)).wrapping_mul(seed);
        h ^= ((h as u64) >> 31) as i64;
        x ^= ((h as u32) >> 7) as i32;
        x &= 0x7fff_fffc;
        x = (x ^ i).wrapping_mul(0x0100_0193);
        let mut p = x & 1020;
        store32(&mut mem, p, x);
        let pointer = load32(&mem, 2048);
        let mut q = load32(&mem, pointer).wrapping_add(5);
        store32(&mut mem, 2048, p);
        i = i.wrapping_add(1);
        p = (p + 4) & 1020;
        q ^= load32(&mem, p + p);
        h = h.wrapping_add(i64::from((q & 0xffff) as u32));
        if i as u32 == n {
            break;
        }
    }
    h
}

#[test]
fn superinstruction_results_match_the_same_arithmetic_in_rust() {
    let cases = [
        (1i64, 1u32),
        (-7, 9),
        (0x1234_5678_9abc, 1000),
        (i64::MIN, 333),
    ]
    .map(|(seed, n)| {
        let args = vec![Val::I64(seed), Val::I32(n as i32)];
        (args, Val::I64(supers(seed, n)))
    });
    assert_matches_model(SUPERS, "supers", &cases);
}

#[test]
fn superinstruction_results_survive_any_number_of_suspensions() {
    let want = supers(77, 150);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(SUPERS, "supers", &[Val::I64(77), Val::I32(150)], slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

/// An `i32` comparison: its WAT name and what it computes.
type Comparison = (&'static str, fn(i32, i32) -> bool);

/// The ten `i32` comparisons.
const I32_COMPARISONS: [Comparison; 10] = [
    ("eq", |a, b| a == b),
    ("ne", |a, b| a != b),
    ("lt_s", |a, b| a < b),
    ("lt_u", |a, b| (a as u32) < (b as u32)),
    ("gt_s", |a, b| a > b),
    ("gt_u", |a, b| (a as u32) > (b as u32)),
    ("le_s", |a, b| a <= b),
    ("le_u", |a, b| (a as u32) <= (b as u32)),
    ("ge_s", |a, b| a >= b),
    ("ge_u", |a, b| (a as u32) >= (b as u32)),
];

/// The multiplier of step `k` of [`branches`]: odd, and different each step.
fn multiplier(k: usize) -> i32 {
    0x9e37_79b1u32.wrapping_mul(2 * k as u32 + 1) as i32
}

/// A loop that, for every `i32` comparison and both operand orders,
/// computes a value `v` (from -4 to 3) right before an `if` comparing it
/// with the parameter `w`: the compare-and-branch reads `v` from the
/// accumulator as its left operand, or with the comparison swapped when
/// `v` is the right one.
fn branches_wat() -> String {
    let mut steps = String::new();
    for (k, (name, _)) in I32_COMPARISONS.iter().enumerate() {
        for (order, operands) in [
            "(local.get $v) (local.get $w)",
            "(local.get $w) (local.get $v)",
        ]
        .iter()
        .enumerate()
        {
            steps += &format!(
                "(local.set $v (i32.shr_s (i32.mul (local.get $i) (i32.const {m})) (i32.const 29)))
                 (if (i32.{name} {operands}) (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))
                 (local.set $c (i32.rotl (local.get $c) (i32.const 1)))\n",
                m = multiplier(2 * k + order),
            );
        }
    }
    format!(
        r#"(module (func (export "branches") (param $w i32) (param $n i32) (result i32)
            (local $i i32) (local $v i32) (local $c i32)
            (loop $l
                {steps}
                (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
            (local.get $c)))"#
    )
}

/// `branches` of [`branches_wat`], in Rust.
fn branches(w: i32, n: u32) -> i32 {
    let (mut c, mut i) = (0i32, 0i32);
    loop {
        for (k, (_, cmp)) in I32_COMPARISONS.iter().enumerate() {
            for order in 0..2 {
                let v = i.wrapping_mul(multiplier(2 * k + order)) >> 29;
                let (a, b) = if order == 0 { (v, w) } else { (w, v) };
                if cmp(a, b) {
                    c = c.wrapping_add(1);
                }
                c = c.rotate_left(1);
            }
        }
        i = i.wrapping_add(1);
        if i as u32 == n {
            break;
        }
    }
    c
}

#[test]
fn compare_and_branch_on_a_fresh_value_matches_rust() {
    let cases = [(0i32, 1u32), (-1, 50), (2, 300), (-3, 1000), (i32::MIN, 77)].map(|(w, n)| {
        let args = vec![Val::I32(w), Val::I32(n as i32)];
        (args, Val::I32(branches(w, n)))
    });
    assert_matches_model(&branches_wat(), "branches", &cases);
}

#[test]
fn compare_and_branch_on_a_fresh_value_survives_any_number_of_suspensions() {
    let wat = branches_wat();
    let want = branches(-2, 40);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(&wat, "branches", &[Val::I32(-2), Val::I32(40)], slice);
        assert_eq!(results, [Val::I32(want)], "fuel slices of {slice}");
    }
}

/// A lexer-like loop: a pointer loaded, then a byte and a halfword at
/// offsets from it, each range-checked right after by an add-and-branch,
/// fresh values tested against masks, and loads at a fresh base plus an
/// offset: the forms of `Load{8U,16U,32,64}Add`, `I32AddImmBr…Imm` and
/// `I32AndImmBr{Eqz,Nez}` that take their operand from the accumulator.
const LEX: &str = r#"(module
  (memory 1)
  (func (export "lex") (param $seed i32) (param $n i32) (result i32)
    (local $i i32) (local $p i32) (local $c i32) (local $d i32) (local $s i32)
    ;; 256 bytes of pseudo-text at 1024, a table of pointers to it at 0
    (loop $f
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1103515245)) (local.get $seed)))
      (i32.store8 offset=1024 (local.get $i) (i32.shr_u (local.get $s) (i32.const 25)))
      (i32.store (i32.shl (i32.and (local.get $i) (i32.const 63)) (i32.const 2)) (i32.add (local.get $i) (i32.const 1024)))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (local.set $i (i32.const 0))
    (loop $l
      ;; a pointer loaded, a byte at an offset from it, a range check on the byte
      (local.set $p (i32.load (i32.shl (i32.and (local.get $i) (i32.const 63)) (i32.const 2))))
      (local.set $c (i32.load8_u (i32.add (local.get $p) (i32.const 3))))
      (if (i32.le_u (i32.add (local.get $c) (i32.const -48)) (i32.const 9))
        (then (local.set $d (i32.add (i32.mul (local.get $d) (i32.const 10)) (local.get $c)))))
      ;; a fresh value tested against a mask, and a fresh value range-checked the other way
      (local.set $c (i32.xor (local.get $c) (local.get $i)))
      (if (i32.and (local.get $c) (i32.const 6))
        (then (local.set $d (i32.sub (local.get $d) (i32.const 3)))))
      (local.set $c (i32.mul (local.get $c) (i32.const 7)))
      (if (i32.eqz (i32.and (local.get $c) (i32.const 24)))
        (then (local.set $d (i32.xor (local.get $d) (i32.const 0x55)))))
      ;; (bit 10 of $p is set: this changes nothing but makes $p fresh)
      (local.set $p (i32.or (local.get $p) (i32.const 1024)))
      (local.set $c (i32.load16_u (i32.add (local.get $p) (i32.const 5))))
      (block $b
        (br_if $b (i32.lt_u (i32.add (local.get $c) (i32.const -1000)) (i32.const 20000)))
        (local.set $d (i32.add (local.get $d) (i32.const 1))))
      (local.set $c (i32.xor (local.get $c) (local.get $d)))
      (block $b
        (br_if $b (i32.ne (i32.add (local.get $c) (i32.const 5)) (i32.const 77)))
        (local.set $d (i32.add (local.get $d) (i32.const 1000))))
      (local.set $c (i32.load (i32.add (i32.and (local.get $d) (i32.const 0xfc)) (i32.const 1024))))
      (local.set $c (i32.add (local.get $c)
        (i32.wrap_i64 (i64.load (i32.add (i32.and (local.get $c) (i32.const 0xf8)) (i32.const 1024))))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (local.get $d) (local.get $c)))
)"#;

/// `lex` of [`LEX`], in Rust (memory as a byte array).
fn lex(seed: i32, n: u32) -> i32 {
    let mut mem = vec![0u8; 65536];
    let load = |mem: &[u8], a: i32, n: usize| {
        let mut bytes = [0u8; 8];
        bytes[..n].copy_from_slice(&mem[a as usize..a as usize + n]);
        i64::from_le_bytes(bytes)
    };
    let mut s = 0i32;
    for i in 0..256i32 {
        s = s.wrapping_mul(1103515245).wrapping_add(seed);
        mem[1024 + i as usize] = ((s as u32) >> 25) as u8;
        let at = ((i & 63) << 2) as usize;
        mem[at..at + 4].copy_from_slice(&(i + 1024).to_le_bytes());
    }
    let (mut i, mut d) = (0i32, 0i32);
    let mut c;
    loop {
        let p = load(&mem, (i & 63) << 2, 4) as i32;
        c = i32::from(mem[(p + 3) as usize]);
        if c.wrapping_sub(48) as u32 <= 9 {
            d = d.wrapping_mul(10).wrapping_add(c);
        }
        c ^= i;
        if c & 6 != 0 {
            d = d.wrapping_sub(3);
        }
        c = c.wrapping_mul(7);
        if c & 24 == 0 {
            d ^= 0x55;
        }
        c = load(&mem, (p | 1024) + 5, 2) as i32;
        if c.wrapping_sub(1000) as u32 >= 20000 {
            d = d.wrapping_add(1);
        }
        c ^= d;
        if c.wrapping_add(5) == 77 {
            d = d.wrapping_add(1000);
        }
        c = load(&mem, (d & 0xfc) + 1024, 4) as i32;
        c = c.wrapping_add(load(&mem, (c & 0xf8) + 1024, 8) as i32);
        i = i.wrapping_add(1);
        if i as u32 == n {
            break;
        }
    }
    d.wrapping_add(c)
}

#[test]
fn lexer_steps_match_the_same_arithmetic_in_rust() {
    let cases = [(1i32, 1u32), (-7, 9), (0x1234_5678, 1000), (i32::MIN, 333)].map(|(seed, n)| {
        let args = vec![Val::I32(seed), Val::I32(n as i32)];
        (args, Val::I32(lex(seed, n)))
    });
    assert_matches_model(LEX, "lex", &cases);
}

#[test]
fn lexer_steps_survive_any_number_of_suspensions() {
    let want = lex(3, 100);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(LEX, "lex", &[Val::I32(3), Val::I32(100)], slice);
        assert_eq!(results, [Val::I32(want)], "fuel slices of {slice}");
    }
}

/// Compare-and-branches leaving the value they compared in the integer
/// accumulator for the code they fall through to: a plain one of each
/// width on a local, and the superinstructions that add or mask first
/// (`I32AddImmBr…`, `I32AddBr…`, `I32AndImmBr…`), each followed by an
/// instruction reading that value.
const FALLS: &str = r#"(module
  (func (export "falls") (param $seed i32) (param $n i32) (result i64)
    (local $i i32) (local $c i32) (local $d i32) (local $m i32) (local $h i64)
    (local.set $h (i64.extend_i32_s (local.get $seed)))
    (loop $l
      (local.set $c (i32.add (i32.mul (local.get $i) (i32.const 0x9e3779b1)) (local.get $seed)))
      (local.set $c (i32.shr_u (local.get $c) (i32.const 24)))
      ;; a fused add-and-branch; on the way through, its sum is read at once
      (block $b
        (br_if $b (i32.gt_u (local.tee $m (i32.add (local.get $c) (i32.const -48))) (i32.const 9)))
        (local.set $d (i32.xor (local.get $m) (local.get $d))))
      ;; a plain compare-and-branch on a local, which the next step reads
      (block $b
        (br_if $b (i32.eq (local.get $d) (i32.const 5)))
        (local.set $d (i32.add (local.get $d) (i32.const 3))))
      ;; an and-and-branch on zero, and one against an immediate
      (block $b
        (br_if $b (i32.eqz (local.tee $m (i32.and (local.get $c) (i32.const 12)))))
        (local.set $d (i32.add (local.get $d) (local.get $m))))
      (block $b
        (br_if $b (i32.gt_u (local.tee $m (i32.and (local.get $c) (i32.const 255))) (i32.const 200)))
        (local.set $d (i32.sub (local.get $d) (local.get $m))))
      ;; an add of two slots and a branch on the sum
      (block $b
        (br_if $b (i32.ne (local.tee $m (i32.add (local.get $c) (local.get $d))) (i32.const 7)))
        (local.set $d (i32.mul (local.get $m) (i32.const 3))))
      ;; an i64 compare-and-branch, the value shifted after
      (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (local.get $d))))
      (block $b
        (br_if $b (i64.lt_s (local.get $h) (i64.const 0)))
        (local.set $h (i64.shl (local.get $h) (i64.const 1))))
      (local.set $h (i64.xor (local.get $h) (i64.const 0x5555)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.add (local.get $h) (i64.extend_i32_u (local.get $d))))
)"#;

/// `falls` of [`FALLS`], in Rust.
fn falls(seed: i32, n: u32) -> i64 {
    let (mut i, mut d, mut h) = (0i32, 0i32, i64::from(seed));
    loop {
        let c = (i.wrapping_mul(0x9e37_79b1u32 as i32).wrapping_add(seed) as u32 >> 24) as i32;
        let m = c.wrapping_sub(48);
        if m as u32 <= 9 {
            d ^= m;
        }
        if d != 5 {
            d = d.wrapping_add(3);
        }
        let m = c & 12;
        if m != 0 {
            d = d.wrapping_add(m);
        }
        let m = c & 255;
        if m as u32 <= 200 {
            d = d.wrapping_sub(m);
        }
        let m = c.wrapping_add(d);
        if m == 7 {
            d = m.wrapping_mul(3);
        }
        h = h.wrapping_add(i64::from(d as u32));
        if h >= 0 {
            h = h.wrapping_shl(1);
        }
        h ^= 0x5555;
        i = i.wrapping_add(1);
        if i as u32 == n {
            break;
        }
    }
    h.wrapping_add(i64::from(d as u32))
}

#[test]
fn values_compared_by_branches_match_the_same_arithmetic_in_rust() {
    let cases = [(1i32, 1u32), (-7, 9), (0x1234_5678, 1000), (i32::MIN, 333)].map(|(seed, n)| {
        let args = vec![Val::I32(seed), Val::I32(n as i32)];
        (args, Val::I64(falls(seed, n)))
    });
    assert_matches_model(FALLS, "falls", &cases);
}

#[test]
fn values_compared_by_branches_survive_any_number_of_suspensions() {
    let want = falls(11, 100);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(FALLS, "falls", &[Val::I32(11), Val::I32(100)], slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

/// Hash steps whose operands the instruction before computed: murmur3's
/// multiply-rotate-multiply and its finaliser's shift-xor and
/// xor-multiplies (by an immediate, with either operand fresh), FNV-1a on
/// a fresh byte and a 64-bit mixer (xor-multiplies by a slot, either
/// operand fresh), rotates by a slot and by an immediate, and a wrap of a
/// fresh xor.
const HASHES: &str = r#"(module
  (memory 1)
  (func (export "hashes") (param $seed i64) (param $n i32) (result i64)
    (local $i i32) (local $h i32) (local $k i32) (local $g i64) (local $r i32)
    (local.set $g (local.get $seed))
    (local.set $h (i32.wrap_i64 (local.get $seed)))
    ;; 256 pseudo-random bytes at 0
    (loop $f
      (local.set $g (i64.add (i64.mul (local.get $g) (i64.const 6364136223846793005)) (i64.const 1442695040888963407)))
      (i32.store8 (local.get $i) (i32.wrap_i64 (i64.shr_u (local.get $g) (i64.const 33))))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (local.set $i (i32.const 0))
    (loop $l
      ;; murmur3's block step: multiply, rotate, multiply, each on the one before
      (local.set $k (i32.mul (i32.rotl (i32.mul (i32.load (i32.and (local.get $i) (i32.const 252))) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
      (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h) (local.get $k)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
      ;; fmix: a shift-xor on a fresh value, a xor-multiply on its result
      (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
      (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $k)) (i32.const 0x85ebca6b)))
      ;; a rotate by a slot, then a xor-multiply whose right operand it is
      (local.set $r (i32.rotl (local.get $h) (local.get $i)))
      (local.set $h (i32.mul (i32.xor (local.get $k) (local.get $r)) (i32.const 0xc2b2ae35)))
      ;; FNV-1a on a fresh byte (the xor's right operand)
      (local.set $g (i64.mul (i64.xor (local.get $g) (i64.load8_u (i32.and (local.get $i) (i32.const 255)))) (i64.const 0x100000001b3)))
      ;; a mixer: a shift then a xor-multiply by a slot on it
      (local.set $g (i64.mul (i64.xor (i64.shr_u (local.get $g) (i64.const 29)) (local.get $seed)) (local.get $seed)))
      ;; rotates (by a slot and by an immediate) feeding an add, and a
      ;; rotate of a fresh xor
      (local.set $g (i64.add (i64.rotl (local.get $g) (i64.extend_i32_u (local.get $i))) (i64.rotl (local.get $g) (i64.const 27))))
      (local.set $g (i64.add (i64.rotl (i64.xor (local.get $g) (local.get $seed)) (i64.const 7)) (local.get $seed)))
      ;; a wrap of a fresh xor, masked
      (local.set $h (i32.add (local.get $h) (i32.and (i32.wrap_i64 (i64.xor (local.get $g) (i64.const 0x123456789))) (i32.const 0xffff))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.xor (local.get $g) (i64.extend_i32_u (local.get $h))))
)"#;

/// `hashes` of [`HASHES`], in Rust (memory as a byte array).
fn hashes(seed: i64, n: u32) -> i64 {
    let mut mem = [0u8; 256];
    let mut g = seed as u64;
    let mut h = seed as u32;
    for byte in mem.iter_mut() {
        g = g
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *byte = (g >> 33) as u8;
    }
    let seed = seed as u64;
    let mut i = 0u32;
    loop {
        let at = (i & 252) as usize;
        let word = u32::from_le_bytes(mem[at..at + 4].try_into().unwrap());
        let k = word
            .wrapping_mul(0xcc9e2d51)
            .rotate_left(15)
            .wrapping_mul(0x1b873593);
        h = (h ^ k)
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe6546b64);
        h ^= h >> 16;
        h = (h ^ k).wrapping_mul(0x85ebca6b);
        let r = h.rotate_left(i % 32);
        h = (k ^ r).wrapping_mul(0xc2b2ae35);
        g = (g ^ u64::from(mem[(i & 255) as usize])).wrapping_mul(0x100000001b3);
        g = ((g >> 29) ^ seed).wrapping_mul(seed);
        g = g.rotate_left(i % 64).wrapping_add(g.rotate_left(27));
        g = (g ^ seed).rotate_left(7).wrapping_add(seed);
        h = h.wrapping_add((g ^ 0x123456789) as u32 & 0xffff);
        i = i.wrapping_add(1);
        if i == n {
            break;
        }
    }
    (g ^ u64::from(h)) as i64
}

#[test]
fn hash_steps_match_the_same_arithmetic_in_rust() {
    let cases = [
        (1i64, 1u32),
        (-7, 9),
        (0x1234_5678_9abc, 1000),
        (i64::MIN, 333),
    ]
    .map(|(seed, n)| {
        let args = vec![Val::I64(seed), Val::I32(n as i32)];
        (args, Val::I64(hashes(seed, n)))
    });
    assert_matches_model(HASHES, "hashes", &cases);
}

#[test]
fn hash_steps_survive_any_number_of_suspensions() {
    let want = hashes(-3, 120);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(HASHES, "hashes", &[Val::I64(-3), Val::I32(120)], slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

/// Squares of fresh values (products of a slot with itself, alone and as
/// the product of a multiply-add or multiply-subtract, in every type),
/// multiply-adds whose product is the add's left operand, and
/// murmur3's finaliser, whose shift-xor and xor-multiply both fuse so
/// that the multiply runs right after the shift-xor, in a loop whose
/// header each chain starts next to.
const SQUARES: &str = r#"(module
  (func (export "squares") (param $x f64) (param $y f64) (param $h i32) (param $n i32) (result f64)
    (local $i i32) (local $d f64) (local $s f64) (local $p f32) (local $q f32) (local $g i64)
    (local.set $p (f32.demote_f64 (local.get $x)))
    (local.set $q (f32.demote_f64 (local.get $y)))
    (local.set $g (i64.extend_i32_u (local.get $h)))
    (loop $l
      ;; f64: a square, then multiply-adds and a multiply-subtract of squares
      (local.set $s (f64.mul (local.tee $d (f64.sub (local.get $x) (local.get $y))) (local.get $d)))
      (local.set $s (f64.add (local.get $s) (f64.mul (local.tee $d (f64.sub (local.get $y) (f64.const 0.5))) (local.get $d))))
      (local.set $s (f64.sub (local.get $s) (f64.mul (local.tee $d (f64.mul (local.get $d) (f64.const 0.25))) (local.get $d))))
      ;; a multiply-add with the product on the left, one factor fresh
      (local.set $s (f64.add (f64.mul (f64.sub (local.get $s) (local.get $y)) (local.get $y)) (local.get $x)))
      (local.set $x (f64.div (f64.sqrt (f64.abs (local.get $s))) (f64.const 3)))
      (local.set $y (f64.sub (local.get $y) (f64.const 0.125)))
      ;; f32: the same
      (local.set $p (f32.mul (local.tee $q (f32.add (local.get $q) (local.get $p))) (local.get $q)))
      (local.set $p (f32.add (local.get $p) (f32.mul (local.tee $q (f32.sub (local.get $q) (f32.const 1.5))) (local.get $q))))
      (local.set $p (f32.sub (local.get $p) (f32.mul (local.tee $q (f32.mul (local.get $q) (f32.const 0.5))) (local.get $q))))
      (local.set $p (f32.add (f32.mul (local.get $q) (f32.add (local.get $p) (local.get $p))) (f32.const 0.75)))
      (local.set $p (f32.sqrt (f32.abs (local.get $p))))
      ;; integer squares of fresh values
      (local.set $g (i64.mul (local.tee $g (i64.add (local.get $g) (i64.const 0x9e3779b97f4a7c15))) (local.get $g)))
      (local.set $h (i32.mul (local.tee $h (i32.xor (local.get $h) (local.get $i))) (local.get $h)))
      ;; murmur3's fmix on a fresh h
      (local.set $h (i32.add (local.get $h) (i32.const 0x6b43a9b5)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
      (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (f64.add
      (f64.add (local.get $x) (f64.promote_f32 (local.get $p)))
      (f64.convert_i64_u (i64.xor (local.get $g) (i64.extend_i32_u (local.get $h))))))
)"#;

/// `squares` of [`SQUARES`], in Rust.
fn squares(mut x: f64, mut y: f64, mut h: u32, n: u32) -> f64 {
    let mut p = x as f32;
    let mut q = y as f32;
    let mut g = u64::from(h);
    let mut i = 0u32;
    loop {
        let mut d = x - y;
        let mut s = d * d;
        d = y - 0.5;
        s += d * d;
        d *= 0.25;
        s -= d * d;
        s = (s - y) * y + x;
        x = s.abs().sqrt() / 3.0;
        y -= 0.125;
        q += p;
        p = q * q;
        q -= 1.5;
        p += q * q;
        q *= 0.5;
        p -= q * q;
        p = q * (p + p) + 0.75;
        p = p.abs().sqrt();
        g = g.wrapping_add(0x9e3779b97f4a7c15);
        g = g.wrapping_mul(g);
        h ^= i;
        h = h.wrapping_mul(h);
        h = h.wrapping_add(0x6b43a9b5);
        h = (h ^ (h >> 16)).wrapping_mul(0x85ebca6b);
        h = (h ^ (h >> 13)).wrapping_mul(0xc2b2ae35);
        h ^= h >> 16;
        i = i.wrapping_add(1);
        if i == n {
            break;
        }
    }
    x + f64::from(p) + (g ^ u64::from(h)) as f64
}

/// The arguments of a `squares` call.
fn squares_args(x: f64, y: f64, h: u32, n: u32) -> Vec<Val> {
    vec![
        Val::F64(x.to_bits()),
        Val::F64(y.to_bits()),
        Val::I32(h as i32),
        Val::I32(n as i32),
    ]
}

#[test]
fn squares_and_skipped_halves_match_the_same_arithmetic_in_rust() {
    let cases = [
        (0.5, 1.25, 1u32, 1u32),
        (3.0, -0.75, 0xdead_beef, 17),
        (-2.0, 4.0, 7, 500),
        (1e10, 1e-3, u32::MAX, 64),
    ]
    .map(|(x, y, h, n)| {
        let want = squares(x, y, h, n);
        (squares_args(x, y, h, n), Val::F64(want.to_bits()))
    });
    assert_matches_model(SQUARES, "squares", &cases);
}

#[test]
fn squares_and_skipped_halves_survive_any_number_of_suspensions() {
    let want = squares(1.5, -2.25, 99, 80);
    for slice in 1..=40 {
        let results =
            call_in_fuel_slices(SQUARES, "squares", &squares_args(1.5, -2.25, 99, 80), slice);
        assert_eq!(
            results,
            [Val::F64(want.to_bits())],
            "fuel slices of {slice}"
        );
    }
}

/// Histograms: `count[byte] += 1` over u32 counts and `sum[byte] += i`
/// over u64 sums, each array at a base held in a local, so that the index
/// is scaled by a shifted add whose index is the byte just loaded, and the
/// count is bumped by an add-and-store right after its load.
const HISTOGRAMS: &str = r#"(module
  (memory 1)
  (func (export "histograms") (param $seed i32) (param $n i32) (param $counts i32) (param $sums i32) (result i64)
    (local $i i32) (local $g i32) (local $p i32) (local $h i64)
    (local.set $g (local.get $seed))
    ;; 256 pseudo-random bytes at 0
    (loop $f
      (local.set $g (i32.add (i32.mul (local.get $g) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store8 (local.get $i) (i32.shr_u (local.get $g) (i32.const 16)))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (local.set $i (i32.const 0))
    (loop $l
      (i32.store (local.tee $p (i32.add (local.get $counts) (i32.shl (i32.load8_u (i32.and (local.get $i) (i32.const 255))) (i32.const 2))))
        (i32.add (i32.load (local.get $p)) (i32.const 1)))
      (i64.store (local.tee $p (i32.add (local.get $sums) (i32.shl (i32.load8_u (i32.and (i32.mul (local.get $i) (i32.const 7)) (i32.const 255))) (i32.const 3))))
        (i64.add (i64.load (local.get $p)) (i64.extend_i32_u (local.get $i))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    ;; fold both arrays
    (local.set $i (i32.const 0))
    (loop $s
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31))
        (i64.add (i64.extend_i32_u (i32.load (i32.add (local.get $counts) (i32.shl (local.get $i) (i32.const 2)))))
                 (i64.load (i32.add (local.get $sums) (i32.shl (local.get $i) (i32.const 3)))))))
      (br_if $s (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (local.get $h))
)"#;

/// `histograms` of [`HISTOGRAMS`], in Rust.
fn histograms(seed: i32, n: u32) -> i64 {
    let mut bytes = [0u8; 256];
    let mut g = seed as u32;
    for byte in bytes.iter_mut() {
        g = g.wrapping_mul(1103515245).wrapping_add(12345);
        *byte = (g >> 16) as u8;
    }
    let mut counts = [0u32; 256];
    let mut sums = [0u64; 256];
    let mut i = 0u32;
    loop {
        counts[usize::from(bytes[(i & 255) as usize])] += 1;
        sums[usize::from(bytes[(i.wrapping_mul(7) & 255) as usize])] += u64::from(i);
        i = i.wrapping_add(1);
        if i == n {
            break;
        }
    }
    let mut h = 0u64;
    for (count, sum) in counts.iter().zip(&sums) {
        h = h.wrapping_mul(31).wrapping_add(u64::from(*count) + sum);
    }
    h as i64
}

/// The arguments of a `histograms` call (counts at 1024, sums at 4096).
fn histograms_args(seed: i32, n: u32) -> Vec<Val> {
    vec![
        Val::I32(seed),
        Val::I32(n as i32),
        Val::I32(1024),
        Val::I32(4096),
    ]
}

#[test]
fn histogram_steps_match_the_same_arithmetic_in_rust() {
    let cases = [(1, 1u32), (-7, 9), (0x1234_5678, 1000), (i32::MIN, 333)]
        .map(|(seed, n)| (histograms_args(seed, n), Val::I64(histograms(seed, n))));
    assert_matches_model(HISTOGRAMS, "histograms", &cases);
}

#[test]
fn histogram_steps_survive_any_number_of_suspensions() {
    let want = histograms(-3, 120);
    for slice in 1..=40 {
        let results =
            call_in_fuel_slices(HISTOGRAMS, "histograms", &histograms_args(-3, 120), slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

/// Float arithmetic on values just loaded: an f64 and an f32 array are
/// filled, then read back through indexed, offset and plain loads, each
/// loaded value the operand of the very next float operation (a subtract,
/// a multiply-add, an add, a square).
const FLOAT_LOADS: &str = r#"(module
  (memory 1)
  (func (export "float_loads") (param $x f64) (param $n i32) (result f64)
    (local $i i32) (local $s f64) (local $t f64) (local $u f32) (local $v f64)
    ;; a[i] = x * i - 3 (f64 at 0), b[i] = f32(a[i] / 7) (f32 at 8192)
    (loop $f
      (local.set $v (f64.sub (f64.mul (local.get $x) (f64.convert_i32_u (local.get $i))) (f64.const 3)))
      (f64.store (i32.shl (local.get $i) (i32.const 3)) (local.get $v))
      (f32.store offset=8192 (i32.shl (local.get $i) (i32.const 2)) (f32.demote_f64 (f64.div (local.get $v) (f64.const 7))))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 64))))
    (local.set $i (i32.const 0))
    (loop $l
      (local.set $s (f64.sub (local.get $s) (f64.load (i32.shl (i32.and (local.get $i) (i32.const 63)) (i32.const 3)))))
      (local.set $t (f64.add (local.get $t) (f64.mul (f64.load offset=8 (i32.shl (i32.and (local.get $i) (i32.const 31)) (i32.const 3))) (local.get $x))))
      (local.set $u (f32.add (f32.load offset=8192 (i32.shl (i32.and (local.get $i) (i32.const 63)) (i32.const 2))) (local.get $u)))
      (local.set $t (f64.add (local.get $t) (f64.mul (local.tee $v (f64.load offset=16 (i32.shl (i32.and (local.get $i) (i32.const 15)) (i32.const 3)))) (local.get $v))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (f64.add (f64.add (local.get $s) (local.get $t)) (f64.promote_f32 (local.get $u))))
)"#;

/// `float_loads` of [`FLOAT_LOADS`], in Rust.
fn float_loads(x: f64, n: u32) -> f64 {
    let a: Vec<f64> = (0..66u32).map(|i| x * f64::from(i) - 3.0).collect();
    let b: Vec<f32> = a.iter().map(|v| (v / 7.0) as f32).collect();
    let (mut s, mut t, mut u) = (0.0f64, 0.0f64, 0.0f32);
    let mut i = 0u32;
    loop {
        s -= a[(i & 63) as usize];
        t += a[(i & 31) as usize + 1] * x;
        u += b[(i & 63) as usize];
        let v = a[(i & 15) as usize + 2];
        t += v * v;
        i = i.wrapping_add(1);
        if i == n {
            break;
        }
    }
    s + t + f64::from(u)
}

#[test]
fn float_arithmetic_on_loaded_values_matches_rust() {
    let cases = [(0.5, 1u32), (-3.25, 9), (1e-3, 1000), (7.0, 333)].map(|(x, n)| {
        let args = vec![Val::F64(f64::to_bits(x)), Val::I32(n as i32)];
        (args, Val::F64(float_loads(x, n).to_bits()))
    });
    assert_matches_model(FLOAT_LOADS, "float_loads", &cases);
}

#[test]
fn float_arithmetic_on_loaded_values_survives_any_number_of_suspensions() {
    let want = float_loads(1.75, 120);
    let args = [Val::F64(1.75f64.to_bits()), Val::I32(120)];
    for slice in 1..=40 {
        let results = call_in_fuel_slices(FLOAT_LOADS, "float_loads", &args, slice);
        assert_eq!(
            results,
            [Val::F64(want.to_bits())],
            "fuel slices of {slice}"
        );
    }
}

/// Copy loops, whose bodies are a load then a store of the loaded value
/// (the move superinstructions): pseudo-random bytes at 1000 are copied
/// forward byte by byte, backward through an address that adds an
/// immediate to a counter just decremented (so read from the accumulator),
/// as unaligned 4- and 8-byte words across the 64 KiB page boundary, and
/// each byte to the address it names (at 120000); then the destinations
/// are hashed.
const MOVES: &str = r#"(module
  (memory 2)
  (func (export "moves") (param $seed i32) (param $n i32) (result i64)
    (local $i i32) (local $g i32) (local $s i32) (local $d i32) (local $x i32) (local $h i64)
    (local.set $g (local.get $seed))
    (loop $f
      (local.set $g (i32.add (i32.mul (local.get $g) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store8 offset=1000 (local.get $i) (i32.shr_u (local.get $g) (i32.const 16)))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.add (local.get $n) (i32.const 8)))))
    ;; forward bytes to 8000
    (local.set $s (i32.const 1000))
    (local.set $d (i32.const 8000))
    (local.set $i (local.get $n))
    (loop $c1
      (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (br_if $c1 (local.tee $i (i32.add (local.get $i) (i32.const -1)))))
    ;; backward bytes to 16000
    (local.set $d (i32.const 16000))
    (local.set $i (local.get $n))
    (loop $c2
      (local.set $i (i32.add (local.get $i) (i32.const -1)))
      (i32.store8 (local.get $d) (i32.load8_u (i32.add (local.get $i) (i32.const 1000))))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (br_if $c2 (local.get $i)))
    ;; unaligned words to 65001 and 100003
    (local.set $i (i32.const 0))
    (loop $c3
      (i32.store offset=65001 (i32.shl (local.get $i) (i32.const 2)) (i32.load offset=1003 (i32.shl (local.get $i) (i32.const 2))))
      (i64.store offset=100003 (i32.shl (local.get $i) (i32.const 3)) (i64.load offset=1001 (i32.shl (local.get $i) (i32.const 3))))
      (br_if $c3 (i32.lt_u (i32.shl (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 2)) (local.get $n))))
    ;; each byte to 120000 plus itself
    (local.set $i (i32.const 0))
    (loop $c4
      (local.set $x (i32.load8_u offset=1000 (i32.and (local.get $i) (i32.const 65535))))
      (i32.store8 offset=120000 (local.get $x) (local.get $x))
      (br_if $c4 (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    ;; hash the destinations
    (local.set $h (call $hash (i32.const 8000) (i32.add (i32.const 8000) (local.get $n)) (i64.const 0)))
    (local.set $h (call $hash (i32.const 16000) (i32.add (i32.const 16000) (local.get $n)) (local.get $h)))
    (local.set $h (call $hash (i32.const 65001) (i32.add (i32.const 65005) (local.get $n)) (local.get $h)))
    (local.set $h (call $hash (i32.const 100003) (i32.add (i32.const 100011) (i32.shl (local.get $n) (i32.const 1))) (local.get $h)))
    (call $hash (i32.const 120000) (i32.const 120256) (local.get $h)))
  (func $hash (param $i i32) (param $end i32) (param $h i64) (result i64)
    (loop $l
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 31)) (i64.load8_u (local.get $i))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $end))))
    (local.get $h))
  (func (export "move8") (param $d i32) (param $s i32) (result i32)
    (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
    (i32.load8_u (local.get $d)))
  (func (export "move8_add") (param $d i32) (param $s i32) (result i32)
    (i32.store8 (local.get $d) (i32.load8_u (i32.add (local.get $s) (i32.const 7))))
    (i32.load8_u (local.get $d)))
  (func (export "move32") (param $d i32) (param $s i32) (result i32)
    (i32.store offset=2 (local.get $d) (i32.load offset=1 (local.get $s)))
    (i32.load offset=2 (local.get $d)))
  (func (export "move64") (param $d i32) (param $s i32) (result i64)
    (i64.store offset=3 (local.get $d) (i64.load (local.get $s)))
    (i64.load offset=3 (local.get $d)))
)"#;

/// `moves` of [`MOVES`], in Rust.
fn moves(seed: i32, n: u32) -> i64 {
    let n = n as usize;
    let mut mem = vec![0u8; 131_072];
    let mut g = seed as u32;
    for i in 0..n + 8 {
        g = g.wrapping_mul(1103515245).wrapping_add(12345);
        mem[1000 + i] = (g >> 16) as u8;
    }
    for i in 0..n {
        mem[8000 + i] = mem[1000 + i];
    }
    for k in 0..n {
        mem[16000 + k] = mem[1000 + n - 1 - k];
    }
    for i in (0..n).step_by(4) {
        mem.copy_within(1003 + i..1007 + i, 65001 + i);
        mem.copy_within(1001 + 2 * i..1009 + 2 * i, 100003 + 2 * i);
    }
    for i in 0..n {
        let x = usize::from(mem[1000 + i]);
        mem[120000 + x] = x as u8;
    }
    let regions = [
        8000..8000 + n,
        16000..16000 + n,
        65001..65005 + n,
        100003..100011 + 2 * n,
        120000..120256,
    ];
    regions
        .into_iter()
        .flat_map(|region| mem[region].to_vec())
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) as i64
}

#[test]
fn move_loops_match_the_same_copies_in_rust() {
    let cases = [(1, 1u32), (-7, 9), (0x1234_5678, 1000), (i32::MIN, 2999)].map(|(seed, n)| {
        (
            vec![Val::I32(seed), Val::I32(n as i32)],
            Val::I64(moves(seed, n)),
        )
    });
    assert_matches_model(MOVES, "moves", &cases);
}

#[test]
fn move_loops_survive_any_number_of_suspensions() {
    let want = moves(5, 200);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(MOVES, "moves", &[Val::I32(5), Val::I32(200)], slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

#[test]
fn moves_trap_on_either_access_out_of_bounds() {
    let end = 131_072;
    let (mut s, i) = instantiate(MOVES);
    // In bounds, the last bytes of memory: a move lands and reads back.
    assert_eq!(
        call(&mut s, i, "move8", &[Val::I32(end - 1), Val::I32(0)]).unwrap(),
        [Val::I32(0)]
    );
    assert_eq!(
        call(
            &mut s,
            i,
            "move64",
            &[Val::I32(end - 11), Val::I32(end - 8)]
        )
        .unwrap(),
        [Val::I64(0)]
    );
    for (name, d, s_addr) in [
        ("move8", 0, end),
        ("move8", end, 0),
        ("move8_add", 0, end - 7),
        ("move8_add", end, 0),
        ("move32", 0, end - 4),
        ("move32", end - 5, 0),
        ("move64", 0, end - 7),
        ("move64", end - 10, 0),
    ] {
        let err = call(&mut s, i, name, &[Val::I32(d), Val::I32(s_addr)]).unwrap_err();
        match err {
            Error::Trap(trap) => assert_eq!(
                trap.kind,
                wisp_interp::TrapKind::Code(TrapCode::MemoryOutOfBounds),
                "{name}({d}, {s_addr})"
            ),
            other => panic!("{name}({d}, {s_addr}): {other}"),
        }
    }
}

/// Comparisons fused with the `select` they decide (`I32LtUSelect`,
/// `I32LtSSelect`, `I32GtUImmSelect`, `I32LtUImmSelect`): unsigned and
/// signed choices between values that cross the sign bit, a
/// wrap-around with an immediate, an immediate with the sign bit set
/// (compared unsigned), and a comparison whose result is also kept in a local
/// (`local.tee`). Every second iteration the values come from a small
/// range, so that operands are often equal to each other or to the
/// immediate.
const CLAMPS: &str = r#"(module
  (func (export "clamps") (param $seed i32) (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $y i32) (local $a i32) (local $b i32)
    (local $c i32) (local $d i32) (local $t i32) (local $h i64)
    (loop $l
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (local.get $seed)))
      (local.set $y (i32.xor (i32.rotl (local.get $x) (i32.const 13)) (local.get $i)))
      (if (i32.and (local.get $i) (i32.const 1))
        (then
          (local.set $x (i32.sub (i32.and (local.get $x) (i32.const 3)) (i32.const 2)))
          (local.set $y (i32.sub (i32.and (local.get $y) (i32.const 3)) (i32.const 2)))))
      ;; x or i by x > y unsigned (gt fused as lt, operands swapped), and
      ;; the signed minimum
      (local.set $a (select (local.get $x) (local.get $i) (i32.gt_u (local.get $x) (local.get $y))))
      (local.set $b (select (local.get $x) (local.get $y) (i32.lt_s (local.get $x) (local.get $y))))
      ;; signed max, the comparison kept in a local as well
      (local.set $c (select (local.get $y) (local.get $b)
        (local.tee $t (i32.gt_s (local.get $y) (local.get $b)))))
      ;; a wrap-around: a > 1 ? a - 1000 : a
      (local.set $a (select (i32.add (local.get $a) (i32.const -1000)) (local.get $a)
        (i32.gt_u (local.get $a) (i32.const 1))))
      ;; below 2^31 unsigned (an immediate with the sign bit set), and below 1
      (local.set $d (select (local.get $b) (local.get $c)
        (i32.lt_u (local.get $b) (i32.const 0x80000000))))
      (local.set $d (select (local.get $d) (local.get $i)
        (i32.lt_u (local.get $y) (i32.const 1))))
      (local.set $h (i64.add (i64.rotl (local.get $h) (i64.const 7))
        (i64.extend_i32_u (i32.xor (i32.xor (local.get $a) (local.get $d))
          (i32.add (local.get $c) (local.get $t))))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $h))
)"#;

/// `clamps` of [`CLAMPS`], in Rust.
fn clamps(seed: i32, n: u32) -> i64 {
    let (mut x, mut h, mut i) = (0i32, 0i64, 0u32);
    loop {
        x = x.wrapping_mul(1103515245).wrapping_add(seed);
        let mut y = x.rotate_left(13) ^ i as i32;
        if i & 1 != 0 {
            x = (x & 3) - 2;
            y = (y & 3) - 2;
        }
        let mut a = if x as u32 > y as u32 { x } else { i as i32 };
        let b = if x < y { x } else { y };
        let t = i32::from(y > b);
        let c = if y > b { y } else { b };
        a = if a as u32 > 1 {
            a.wrapping_sub(1000)
        } else {
            a
        };
        let d = if (b as u32) < 0x8000_0000 { b } else { c };
        let d = if (y as u32) < 1 { d } else { i as i32 };
        h = h
            .rotate_left(7)
            .wrapping_add(i64::from(((a ^ d) ^ c.wrapping_add(t)) as u32));
        i = i.wrapping_add(1);
        if i == n {
            return h;
        }
    }
}

#[test]
fn compare_selects_match_the_same_arithmetic_in_rust() {
    let cases = [
        (1i32, 1u32),
        (-7, 90),
        (0x1234_5678, 1000),
        (i32::MIN, 333),
        (999, 5000),
    ]
    .map(|(seed, n)| {
        let args = vec![Val::I32(seed), Val::I32(n as i32)];
        (args, Val::I64(clamps(seed, n)))
    });
    assert_matches_model(CLAMPS, "clamps", &cases);
}

#[test]
fn compare_selects_survive_any_number_of_suspensions() {
    let want = clamps(-5, 150);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(CLAMPS, "clamps", &[Val::I32(-5), Val::I32(150)], slice);
        assert_eq!(results, [Val::I64(want)], "fuel slices of {slice}");
    }
}

/// Array elements read through an address kept for a store
/// (`I32ShlImmAddImmLoad32`, its accumulator form, and the pointer load
/// after it): swaps in a loop, an element used as a pointer, and a read
/// past the end of memory, which traps.
const SWAPS: &str = r#"(module
  (memory 1)
  (func (export "swaps") (param $seed i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $p i32) (local $q i32) (local $x i32) (local $h i32)
    (local $s i32)
    (loop $f
      (i32.store offset=1024 (i32.shl (local.get $i) (i32.const 2))
        (i32.and (i32.mul (i32.add (local.get $i) (local.get $seed)) (i32.const 2654435761))
          (i32.const 1020)))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (local.set $i (i32.const 0))
    (loop $l
      (local.set $j (i32.and (i32.add (local.get $j) (i32.const 37)) (i32.const 255)))
      ;; a[j] and a[j + 1] read with their addresses kept, then swapped
      ;; (the scaled index of the first kept too, and used below)
      (local.set $s (i32.shl (local.get $j) (i32.const 2)))
      (local.set $x (i32.load (local.tee $p (i32.add (local.get $s) (i32.const 1024)))))
      (local.set $h (i32.load (local.tee $q
        (i32.add (i32.shl (i32.and (i32.add (local.get $j) (i32.const 1)) (i32.const 255))
          (i32.const 2)) (i32.const 1024)))))
      (i32.store (local.get $p) (local.get $h))
      (i32.store (local.get $q) (local.get $x))
      ;; the element is an offset into the array: followed as a pointer
      (local.set $h (i32.add (local.get $h) (i32.load offset=1024 (local.get $x))))
      (local.set $h (i32.xor (local.get $h) (local.get $s)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (local.get $h) (i32.load offset=1024 (i32.shl (local.get $j) (i32.const 2)))))
  (func (export "past_end") (param $i i32) (result i32)
    (local $p i32)
    (i32.load (local.tee $p (i32.add (i32.shl (local.get $i) (i32.const 2)) (i32.const 65532)))))
)"#;

/// `swaps` of [`SWAPS`], in Rust (the array as `u32`s).
fn swaps(seed: i32, n: u32) -> i32 {
    let mut a = [0u32; 256];
    for (i, e) in a.iter_mut().enumerate() {
        *e = ((i as u32)
            .wrapping_add(seed as u32)
            .wrapping_mul(2654435761))
            & 1020;
    }
    let (mut j, mut i) = (0usize, 0u32);
    loop {
        j = (j + 37) & 255;
        let k = (j + 1) & 255;
        let x = a[j];
        let mut h = a[k];
        a[j] = h;
        a[k] = x;
        h = h.wrapping_add(a[x as usize / 4]);
        h ^= (j as u32) << 2;
        i = i.wrapping_add(1);
        if i == n {
            return h.wrapping_add(a[j]) as i32;
        }
    }
}

#[test]
fn shift_add_loads_match_the_same_arithmetic_in_rust() {
    let cases = [(1i32, 1u32), (-7, 90), (12345, 1000)].map(|(seed, n)| {
        let args = vec![Val::I32(seed), Val::I32(n as i32)];
        (args, Val::I32(swaps(seed, n)))
    });
    assert_matches_model(SWAPS, "swaps", &cases);
    let want = swaps(3, 120);
    for slice in 1..=30 {
        let results = call_in_fuel_slices(SWAPS, "swaps", &[Val::I32(3), Val::I32(120)], slice);
        assert_eq!(results, [Val::I32(want)], "fuel slices of {slice}");
    }
}

#[test]
fn shift_add_loads_trap_past_the_end() {
    let (mut s, i) = instantiate(SWAPS);
    assert_eq!(
        call(&mut s, i, "past_end", &[Val::I32(0)]).unwrap(),
        [Val::I32(0)]
    );
    match call(&mut s, i, "past_end", &[Val::I32(1)]).unwrap_err() {
        Error::Trap(trap) => assert_eq!(
            trap.kind,
            wisp_interp::TrapKind::Code(TrapCode::MemoryOutOfBounds)
        ),
        other => panic!("past_end(1): {other}"),
    }
}

/// A switch-dispatch loop, the shape of a bytecode interpreter: each step
/// loads an opcode byte right before the `br_table` that dispatches on it
/// (which reads it from the accumulator), and every case branches back to
/// the loop, whose head tail duplication copies into the case (a
/// `BrTableAt` that reads it from the accumulator too). Opcode 4 and up
/// take the default; opcode 3 jumps.
const SWITCH: &str = r#"(module
  (memory 1)
  (func (export "switch") (param $seed i32) (param $n i32) (result i32)
    (local $i i32) (local $s i32) (local $pc i32) (local $x i32)
    ;; the program: 256 opcodes 0..5 at 1024
    (loop $f
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 1103515245)) (local.get $seed)))
      (i32.store8 offset=1024 (local.get $i) (i32.rem_u (i32.shr_u (local.get $s) (i32.const 16)) (i32.const 6)))
      (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 256))))
    (block $exit
      (loop $next
        (br_if $exit (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (block $d (block $c3 (block $c2 (block $c1 (block $c0
          (br_table $c0 $c1 $c2 $c3 $d (i32.load8_u offset=1024 (local.get $pc))))
          (local.set $x (i32.add (local.get $x) (i32.const 3)))
          (local.set $pc (i32.and (i32.add (local.get $pc) (i32.const 1)) (i32.const 255)))
          (br $next))
          (local.set $x (i32.xor (local.get $x) (local.get $pc)))
          (local.set $pc (i32.and (i32.add (local.get $pc) (i32.const 1)) (i32.const 255)))
          (br $next))
          (local.set $x (i32.mul (local.get $x) (i32.const 5)))
          (local.set $pc (i32.and (i32.add (local.get $pc) (i32.const 1)) (i32.const 255)))
          (br $next))
          (local.set $pc (i32.and (local.get $x) (i32.const 255)))
          (br $next))
        (local.set $x (i32.rotl (local.get $x) (i32.const 7)))
        (local.set $pc (i32.and (i32.add (local.get $pc) (i32.const 1)) (i32.const 255)))
        (br $next)))
    (local.get $x))
  ;; A `br_table` (no copies of it) on a value masked right before it;
  ;; indices past the table take the default.
  (func (export "pick") (param $x i32) (result i32)
    (block $d (block $c2 (block $c1 (block $c0
      (br_table $c0 $c1 $c2 $d (i32.and (local.get $x) (i32.const 7))))
      (return (i32.const 10)))
      (return (i32.const 11)))
      (return (i32.const 12)))
    (i32.const 13))
)"#;

/// `switch` of [`SWITCH`], in Rust.
fn switch(seed: i32, n: u32) -> i32 {
    let mut program = [0u8; 256];
    let mut s = 0i32;
    for op in &mut program {
        s = s.wrapping_mul(1103515245).wrapping_add(seed);
        *op = (((s as u32) >> 16) % 6) as u8;
    }
    let (mut pc, mut x) = (0usize, 0i32);
    for _ in 0..n {
        match program[pc] {
            0 => x = x.wrapping_add(3),
            1 => x ^= pc as i32,
            2 => x = x.wrapping_mul(5),
            3 => {
                pc = (x & 255) as usize;
                continue;
            }
            _ => x = x.rotate_left(7),
        }
        pc = (pc + 1) & 255;
    }
    x
}

#[test]
fn switch_dispatch_matches_the_same_steps_in_rust() {
    let cases = [(1i32, 0u32), (-7, 1), (0x1234_5678, 1000), (i32::MIN, 4321)].map(|(seed, n)| {
        let args = vec![Val::I32(seed), Val::I32(n as i32)];
        (args, Val::I32(switch(seed, n)))
    });
    assert_matches_model(SWITCH, "switch", &cases);
}

#[test]
fn a_switch_on_a_fresh_value_takes_its_entry() {
    let cases: Vec<_> = (-9..20)
        .map(|x: i32| (vec![Val::I32(x)], Val::I32(10 + (x & 7).min(3))))
        .collect();
    assert_matches_model(SWITCH, "pick", &cases);
}

#[test]
fn switch_dispatch_survives_any_number_of_suspensions() {
    let want = switch(5, 300);
    for slice in 1..=40 {
        let results = call_in_fuel_slices(SWITCH, "switch", &[Val::I32(5), Val::I32(300)], slice);
        assert_eq!(results, [Val::I32(want)], "fuel slices of {slice}");
    }
}
