//! `Config::canonicalize_nans`: every NaN a float operation produces becomes
//! the canonical NaN, so results and memory are bit-identical on any host;
//! operations that move bits exactly (`abs`, `neg`, `copysign`, loads,
//! stores, reinterpretations) are left alone.

use wisp_interp::{Config, Val};

use super::*;

const MODULE: &str = r#"
  (module
    (memory (export "mem") 1)
    ;; Each returns the raw bits of its result.
    (func (export "f32_div") (param f32 f32) (result i32)
      (i32.reinterpret_f32 (f32.div (local.get 0) (local.get 1))))
    (func (export "f32_add") (param f32 f32) (result i32)
      (i32.reinterpret_f32 (f32.add (local.get 0) (local.get 1))))
    (func (export "f32_sqrt") (param f32) (result i32)
      (i32.reinterpret_f32 (f32.sqrt (local.get 0))))
    (func (export "f32_min") (param f32 f32) (result i32)
      (i32.reinterpret_f32 (f32.min (local.get 0) (local.get 1))))
    (func (export "f32_neg") (param f32) (result i32)
      (i32.reinterpret_f32 (f32.neg (local.get 0))))
    (func (export "f32_demote") (param f64) (result i32)
      (i32.reinterpret_f32 (f32.demote_f64 (local.get 0))))
    (func (export "f64_mul") (param f64 f64) (result i64)
      (i64.reinterpret_f64 (f64.mul (local.get 0) (local.get 1))))
    (func (export "f64_nearest") (param f64) (result i64)
      (i64.reinterpret_f64 (f64.nearest (local.get 0))))
    (func (export "f64_promote") (param f32) (result i64)
      (i64.reinterpret_f64 (f64.promote_f32 (local.get 0))))
    ;; The result goes straight to a local, then memory (result folding).
    (func (export "f64_sub_store") (param f64 f64) (result i64)
      (local f64)
      (local.set 2 (f64.sub (local.get 0) (local.get 1)))
      (f64.store (i32.const 8) (local.get 2))
      (i64.load (i32.const 8))))
"#;

const F32_CANON: i32 = 0x7fc0_0000;
const F64_CANON: i64 = 0x7ff8_0000_0000_0000;
/// A signalling f32 NaN with a payload and the sign bit set.
const F32_ODD_NAN: u32 = 0xff80_0001;
/// A signalling f64 NaN with a payload and the sign bit set.
const F64_ODD_NAN: u64 = 0xfff0_0000_0000_0001;

fn f32_bits(bits: u32) -> Val {
    Val::F32(bits)
}

fn f64_bits(bits: u64) -> Val {
    Val::F64(bits)
}

fn canonicalizing(fuel: bool) -> (Store<()>, Instance) {
    let mut config = Config::default();
    config.canonicalize_nans(true).consume_fuel(fuel);
    let (mut store, instance) = instantiate_with(&config, MODULE);
    if fuel {
        store.set_fuel(1_000_000).unwrap();
    }
    (store, instance)
}

#[test]
fn every_nan_producing_operation_yields_the_canonical_nan() {
    for fuel in [false, true] {
        let (mut s, i) = canonicalizing(fuel);
        let zero = f32_bits(0);
        let odd32 = f32_bits(F32_ODD_NAN);
        let odd64 = f64_bits(F64_ODD_NAN);
        let one64 = f64_bits(1f64.to_bits());
        let canon32 = [Val::I32(F32_CANON)];
        let canon64 = [Val::I64(F64_CANON)];
        assert_call(&mut s, i, "f32_div", &[zero, zero], &canon32);
        assert_call(
            &mut s,
            i,
            "f32_add",
            &[odd32, f32_bits(1f32.to_bits())],
            &canon32,
        );
        assert_call(
            &mut s,
            i,
            "f32_sqrt",
            &[f32_bits((-1f32).to_bits())],
            &canon32,
        );
        assert_call(&mut s, i, "f32_min", &[odd32, zero], &canon32);
        assert_call(&mut s, i, "f32_demote", &[odd64], &canon32);
        assert_call(&mut s, i, "f64_mul", &[odd64, one64], &canon64);
        assert_call(&mut s, i, "f64_nearest", &[odd64], &canon64);
        assert_call(&mut s, i, "f64_promote", &[odd32], &canon64);
        assert_call(&mut s, i, "f64_sub_store", &[odd64, one64], &canon64);
        // Bit-moving operations keep the payload and the sign.
        assert_call(
            &mut s,
            i,
            "f32_neg",
            &[odd32],
            &[Val::I32((F32_ODD_NAN ^ 0x8000_0000) as i32)],
        );
    }
}

#[test]
fn numbers_are_untouched() {
    let (mut s, i) = canonicalizing(false);
    let (a, b) = (1.5f32, -0.25f32);
    assert_call(
        &mut s,
        i,
        "f32_add",
        &[f32_bits(a.to_bits()), f32_bits(b.to_bits())],
        &[Val::I32((a + b).to_bits() as i32)],
    );
    assert_call(
        &mut s,
        i,
        "f64_sub_store",
        &[f64_bits(3f64.to_bits()), f64_bits(0.5f64.to_bits())],
        &[Val::I64(2.5f64.to_bits() as i64)],
    );
    assert_call(
        &mut s,
        i,
        "f32_div",
        &[f32_bits(1f32.to_bits()), f32_bits(0)],
        &[Val::I32(f32::INFINITY.to_bits() as i32)],
    );
}

#[test]
fn without_the_option_nan_payloads_propagate_as_the_spec_allows() {
    // The spec's arithmetic-NaN result for a NaN input: the payload is kept
    // and the quiet bit set (what wisp computes on every host).
    let (mut s, i) = instantiate(MODULE);
    let out = call(&mut s, i, "f32_sqrt", &[f32_bits(F32_ODD_NAN)]).unwrap();
    assert_eq!(out, [Val::I32((F32_ODD_NAN | 0x0040_0000) as i32)]);
}
