//! Arithmetic with immediates, lazy operands, result folding, and the
//! lowering of blocks, loops, `if`, `br_if`, `br_table` and multi-value.

use super::*;

#[test]
fn immediates_on_either_side() {
    let (mut s, i) = instantiate(
        r#"(module
        (func (export "sub_imm") (param i32) (result i32) (i32.sub (local.get 0) (i32.const 7)))
        (func (export "imm_sub") (param i32) (result i32) (i32.sub (i32.const 7) (local.get 0)))
        (func (export "sub_min") (param i32) (result i32) (i32.sub (local.get 0) (i32.const 0x80000000)))
        (func (export "i64_sub_min") (param i64) (result i64) (i64.sub (local.get 0) (i64.const -2147483648)))
        (func (export "i64_big") (param i64) (result i64) (i64.add (local.get 0) (i64.const 0x100000000)))
        (func (export "shl_imm") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 33)))
        (func (export "imm_shl") (param i32) (result i32) (i32.shl (i32.const 3) (local.get 0)))
        (func (export "lt_left") (param i32) (result i32) (i32.lt_s (i32.const 5) (local.get 0)))
        (func (export "ltu_i64_left") (param i64) (result i32) (i64.lt_u (i64.const -1) (local.get 0)))
        (func (export "consts") (result i32) (i32.mul (i32.const 6) (i32.const 7)))
        (func (export "eqz64") (param i64) (result i32) (i64.eqz (local.get 0)))
    )"#,
    );
    assert_call(&mut s, i, "sub_imm", &[i32(10)], &[i32(3)]);
    assert_call(&mut s, i, "imm_sub", &[i32(10)], &[i32(-3)]);
    assert_call(&mut s, i, "sub_min", &[i32(1)], &[i32(i32::MIN + 1)]);
    assert_call(&mut s, i, "i64_sub_min", &[i64(1)], &[i64(2_147_483_649)]);
    assert_call(&mut s, i, "i64_big", &[i64(1)], &[i64(0x1_0000_0001)]);
    assert_call(&mut s, i, "shl_imm", &[i32(1)], &[i32(2)]);
    assert_call(&mut s, i, "imm_shl", &[i32(2)], &[i32(12)]);
    assert_call(&mut s, i, "lt_left", &[i32(6)], &[i32(1)]);
    assert_call(&mut s, i, "lt_left", &[i32(5)], &[i32(0)]);
    assert_call(&mut s, i, "ltu_i64_left", &[i64(-1)], &[i32(0)]);
    assert_call(&mut s, i, "consts", &[], &[i32(42)]);
    assert_call(&mut s, i, "eqz64", &[i64(1 << 40)], &[i32(0)]);
    assert_call(&mut s, i, "eqz64", &[i64(0)], &[i32(1)]);
}

#[test]
fn lazy_local_reads_see_the_old_value() {
    let (mut s, i) = instantiate(
        r#"(module
        ;; x is read (lazily) before it is overwritten: the read must keep the old value.
        (func (export "swap_sub") (param i32 i32) (result i32)
            (local.get 0)
            (local.set 0 (local.get 1))
            (local.get 0)
            (i32.sub))
        ;; tee folded into the producer while an older read of the same local is pending
        (func (export "tee_pending") (param i32) (result i32)
            (local.get 0)
            (local.tee 0 (i32.add (local.get 0) (i32.const 100)))
            (i32.sub))
        ;; an outer lazy read, and a write inside a conditional block
        (func (export "cond_write") (param i32 i32) (result i32)
            (local.get 0)
            (if (local.get 1) (then (local.set 0 (i32.const 1000))))
            (local.get 0)
            (i32.add))
        ;; the same inside a loop that runs three times
        (func (export "loop_write") (param i32) (result i32) (local i32)
            (local.get 0)
            (loop $l
                (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                (br_if $l (i32.lt_u (local.get 1) (i32.const 3))))
            (local.get 0)
            (i32.mul (i32.const 1000))
            (i32.add))
        ;; a zero store to a fresh local after a conditional write is not skipped
        (func (export "zero_after_if") (param i32) (result i32) (local i32)
            (if (local.get 0) (then (local.set 1 (i32.const 7))))
            (local.set 1 (i32.const 0))
            (local.get 1))
    )"#,
    );
    assert_call(&mut s, i, "swap_sub", &[i32(10), i32(3)], &[i32(7)]);
    assert_call(&mut s, i, "tee_pending", &[i32(5)], &[i32(-100)]);
    assert_call(&mut s, i, "cond_write", &[i32(1), i32(1)], &[i32(1001)]);
    assert_call(&mut s, i, "cond_write", &[i32(1), i32(0)], &[i32(2)]);
    assert_call(&mut s, i, "loop_write", &[i32(1)], &[i32(4001)]);
    assert_call(&mut s, i, "zero_after_if", &[i32(1)], &[i32(0)]);
}

#[test]
fn select_forms() {
    let (mut s, i) = instantiate(
        r#"(module
        (func (export "max") (param i32 i32) (result i32)
            (select (local.get 0) (local.get 1) (i32.gt_s (local.get 0) (local.get 1))))
        (func (export "max_into_local") (param i32 i32) (result i32) (local i32)
            (local.set 2 (select (local.get 0) (local.get 1) (i32.gt_s (local.get 0) (local.get 1))))
            (local.get 2))
        (func (export "const_cond") (param i32 i32) (result i32)
            (i32.add
                (select (i32.add (local.get 0) (i32.const 1)) (i32.add (local.get 1) (i32.const 2)) (i32.const 0))
                (select (local.get 0) (local.get 1) (i32.const 1))))
        (func (export "typed") (param f64 f64 i32) (result f64)
            (select (result f64) (local.get 0) (local.get 1) (local.get 2)))
    )"#,
    );
    assert_call(&mut s, i, "max", &[i32(3), i32(-4)], &[i32(3)]);
    assert_call(&mut s, i, "max", &[i32(-3), i32(4)], &[i32(4)]);
    assert_call(&mut s, i, "max_into_local", &[i32(-3), i32(4)], &[i32(4)]);
    assert_call(&mut s, i, "const_cond", &[i32(10), i32(20)], &[i32(32)]);
    assert_call(
        &mut s,
        i,
        "typed",
        &[Val::from(1.5), Val::from(2.5), i32(0)],
        &[Val::from(2.5)],
    );
}

#[test]
fn fused_compare_branches() {
    // Each comparison in a counting loop (fused into br_if) and in an `if`
    // (fused and negated), against a slot and against an immediate.
    let mut wat = String::from("(module\n");
    for (ty, ops) in [
        (
            "i32",
            [
                "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
            ],
        ),
        (
            "i64",
            [
                "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
            ],
        ),
    ] {
        for op in ops {
            wat.push_str(&format!(
                r#"(func (export "{ty}_{op}") (param {ty} {ty}) (result i32)
                    (if (result i32) ({ty}.{op} (local.get 0) (local.get 1))
                        (then (i32.const 1)) (else (i32.const 0))))
                (func (export "{ty}_{op}_imm") (param {ty}) (result i32)
                    (block $yes (br_if $yes ({ty}.{op} (local.get 0) ({ty}.const -5)))
                        (return (i32.const 0)))
                    (i32.const 1))
                "#
            ));
        }
    }
    wat.push(')');
    let (mut s, i) = instantiate(&wat);
    let samples: [i64; 5] = [-6, -5, 0, 7, i64::MIN];
    for op in [
        "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
    ] {
        let eval = |a: i64, b: i64| -> bool {
            let (ua, ub) = (a as u64, b as u64);
            match op {
                "eq" => a == b,
                "ne" => a != b,
                "lt_s" => a < b,
                "lt_u" => ua < ub,
                "gt_s" => a > b,
                "gt_u" => ua > ub,
                "le_s" => a <= b,
                "le_u" => ua <= ub,
                "ge_s" => a >= b,
                _ => ua >= ub,
            }
        };
        for a in samples {
            for b in samples {
                let expect = i32(eval(a, b) as i32);
                assert_call(
                    &mut s,
                    i,
                    &format!("i64_{op}"),
                    &[i64(a), i64(b)],
                    &[expect],
                );
                let (a32, b32) = (a as i32, b as i32);
                let expect32 = i32(eval(a32 as i64, b32 as i64) as i32);
                let expect32 = if op.ends_with("_u") {
                    i32(eval(a32 as u32 as i64, b32 as u32 as i64) as i32)
                } else {
                    expect32
                };
                assert_call(
                    &mut s,
                    i,
                    &format!("i32_{op}"),
                    &[i32(a32), i32(b32)],
                    &[expect32],
                );
            }
            let expect = i32(eval(a, -5) as i32);
            assert_call(&mut s, i, &format!("i64_{op}_imm"), &[i64(a)], &[expect]);
            let a32 = a as i32;
            let expect32 = if op.ends_with("_u") {
                eval(a32 as u32 as i64, -5i32 as u32 as i64)
            } else {
                eval(a32 as i64, -5)
            };
            assert_call(
                &mut s,
                i,
                &format!("i32_{op}_imm"),
                &[i32(a32)],
                &[i32(expect32 as i32)],
            );
        }
    }
}

#[test]
fn branches_carry_values() {
    let (mut s, i) = instantiate(
        r#"(module
        ;; br out of two blocks with a value computed deeper on the stack
        (func (export "br_out") (param i32) (result i32)
            (block $outer (result i32)
                (i32.const 1)
                (block $inner (result i32)
                    (local.get 0)
                    (br_if $outer (i32.const 100) (i32.eqz (local.get 0)))
                    (drop)
                    (drop)
                    (i32.const 5))
                (i32.add)))
        ;; br_if carrying a local (a copy on the taken path only)
        (func (export "br_if_local") (param i32 i32) (result i32)
            (i32.add (i32.const 7)
                (block $b (result i32)
                    (drop (br_if $b (local.get 1) (local.get 0)))
                    (i32.const 9))))
        ;; return from inside nested blocks and a loop
        (func (export "early_return") (param i32) (result i32) (local i32)
            (block $exit
                (loop $l
                    (block
                        (br_if $exit (i32.ge_u (local.get 1) (local.get 0)))
                        (if (i32.eq (local.get 1) (i32.const 5)) (then (return (i32.const -1)))))
                    (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                    (br $l)))
            (local.get 1))
    )"#,
    );
    assert_call(&mut s, i, "br_out", &[i32(0)], &[i32(100)]);
    assert_call(&mut s, i, "br_out", &[i32(3)], &[i32(6)]);
    assert_call(&mut s, i, "br_if_local", &[i32(1), i32(42)], &[i32(49)]);
    assert_call(&mut s, i, "br_if_local", &[i32(0), i32(42)], &[i32(16)]);
    assert_call(&mut s, i, "early_return", &[i32(3)], &[i32(3)]);
    assert_call(&mut s, i, "early_return", &[i32(9)], &[i32(-1)]);
}

#[test]
fn br_table_dispatch() {
    let (mut s, i) = instantiate(
        r#"(module
        (func (export "switch") (param i32) (result i32)
            (block $d (block $c (block $b (block $a
                (br_table $a $b $c $a $d (local.get 0)))
                (return (i32.const 10)))
                (return (i32.const 20)))
                (return (i32.const 30)))
            (i32.const 40))
        ;; targets carrying a value to different heights (trampolines), and to the function
        (func (export "carry") (param i32) (result i32)
            (i32.add (i32.const 1000)
                (block $x (result i32)
                    (i32.const 1)
                    (block $y (result i32)
                        (i32.const 2)
                        (drop)
                        (i32.mul (local.get 0) (i32.const 3))
                        (br_table $x $y 2 $x (local.get 0)))
                    (i32.add))))
        ;; a br_table inside a loop acting as `continue`
        (func (export "count") (param i32) (result i32) (local i32)
            (block $done
                (loop $l
                    (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                    (br_table $l $done (i32.ge_u (local.get 1) (local.get 0)))))
            (local.get 1))
    )"#,
    );
    for (arg, expected) in [
        (0, 10),
        (1, 20),
        (2, 30),
        (3, 10),
        (4, 40),
        (5, 40),
        (-1, 40),
    ] {
        assert_call(&mut s, i, "switch", &[i32(arg)], &[i32(expected)]);
    }
    assert_call(&mut s, i, "carry", &[i32(0)], &[i32(1000)]);
    assert_call(&mut s, i, "carry", &[i32(1)], &[i32(1004)]);
    assert_call(&mut s, i, "carry", &[i32(2)], &[i32(6)]);
    assert_call(&mut s, i, "carry", &[i32(3)], &[i32(1009)]);
    assert_call(&mut s, i, "carry", &[i32(7)], &[i32(1021)]);
    assert_call(&mut s, i, "count", &[i32(5)], &[i32(5)]);
}

#[test]
fn multi_value_blocks_and_functions() {
    let (mut s, i) = instantiate(
        r#"(module
        (type $pair (func (result i32 i32)))
        (type $step (func (param i32 i32) (result i32 i32)))
        (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
        (func (export "swap") (param i32 i32) (result i32 i32) (call $swap (local.get 0) (local.get 1)))
        ;; fibonacci with a loop whose parameters carry the state
        (func (export "fib") (param $n i32) (result i32)
            (i32.const 0) (i32.const 1)
            (loop $l (type $step)
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (call $step2)
                (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
            (drop))
        (func $step2 (param i32 i32) (result i32 i32) (local.get 1) (i32.add (local.get 0) (local.get 1)))
        ;; an if with parameters and two results
        (func (export "if_params") (param i32) (result i32)
            (i32.const 10) (i32.const 3)
            (if (type $step) (local.get 0)
                (then (i32.add) (i32.const 1))
                (else (i32.sub) (i32.const 2)))
            (i32.mul))
        ;; a block returning constants and locals as multiple values
        (func (export "block_pair") (param i32) (result i32)
            (block (type $pair) (local.get 0) (i32.const 5))
            (i32.sub))
    )"#,
    );
    assert_call(&mut s, i, "swap", &[i32(1), i32(2)], &[i32(2), i32(1)]);
    assert_call(&mut s, i, "fib", &[i32(10)], &[i32(55)]);
    assert_call(&mut s, i, "if_params", &[i32(1)], &[i32(13)]);
    assert_call(&mut s, i, "if_params", &[i32(0)], &[i32(14)]);
    assert_call(&mut s, i, "block_pair", &[i32(8)], &[i32(3)]);
}

#[test]
fn unreachable_traps_and_dead_code_is_skipped() {
    let (mut s, i) = instantiate(
        r#"(module
        (func (export "trap") (param i32) (result i32)
            (if (local.get 0) (then (unreachable)))
            (i32.const 1))
        (func (export "dead") (result i32)
            (block (result i32)
                (br 0 (i32.const 3))
                (i32.const 4) (i32.add) (loop (br 0)) (unreachable)))
    )"#,
    );
    assert_call(&mut s, i, "trap", &[i32(0)], &[i32(1)]);
    assert_trap(&mut s, i, "trap", &[i32(1)], TrapCode::Unreachable);
    assert_call(&mut s, i, "dead", &[], &[i32(3)]);
}

/// Lazy `local.get` operands at several heights, with temporaries below and
/// between them, must all be materialised before `local.set` overwrites the
/// local (a regression: the translator's per-height links were indexed by
/// push order instead of height, so the deeper operand was missed and read
/// the new value; the fuzzer found a variant that looped forever).
#[test]
fn every_lazy_local_below_temporaries_keeps_its_old_value() {
    let (mut store, instance) = instantiate(
        r#"(module (func (export "f") (param i32) (result i32)
             ;; Temporaries at heights 0 and 2 that never held a `Local`.
             (i32.add (i32.const 2) (i32.const 4))
             (local.get 0)
             (i32.add (i32.const 3) (i32.const 4))
             (local.get 0)
             (local.set 0 (i32.const 9))
             ;; [h0 h1 h2 h3] -> h0 + 10 h1 + 1000 h2 + 1000000 h3
             (i32.mul (i32.const 1000)) (i32.add)
             (i32.mul (i32.const 100)) (i32.add)
             (i32.mul (i32.const 10)) (i32.add)
             (block (drop (local.get 0)))))"#,
    );
    assert_call(
        &mut store,
        instance,
        "f",
        &[Val::I32(5)],
        &[Val::I32(6 + 50 + 7000 + 5_000_000)],
    );
    assert_call(
        &mut store,
        instance,
        "f",
        &[Val::I32(1)],
        &[Val::I32(6 + 10 + 7000 + 1_000_000)],
    );
}

/// An `f32` result is stored as its low 32 bits only, so its slot's high
/// half may still hold an earlier `i64` of the same stack height; what an
/// integer reads after `i32.reinterpret_f32` must be zero-extended anyway.
#[test]
fn reinterpreted_f32_results_are_zero_extended() {
    let (mut s, i) = instantiate(
        r#"(module
        (func (export "f") (param $a i64) (param $b f32) (result i64)
          ;; height 0 first holds an i64 with its high half set...
          (drop (i64.add (local.get $a) (local.get $a)))
          ;; ...then the f32 sum, in the same slot.
          (i64.extend_i32_u (i32.reinterpret_f32 (f32.add (local.get $b) (local.get $b)))))
        (func (export "g") (param $a i64) (param $b f32) (result i32)
          (drop (i64.add (local.get $a) (local.get $a)))
          (i32.eqz (i32.xor (i32.reinterpret_f32 (f32.mul (local.get $b) (local.get $b)))
                            (i32.const 0x40800000))))
        (func (export "c") (result i64)
          (i64.extend_i32_u (i32.reinterpret_f32 (f32.const -1))))
    )"#,
    );
    let two = Val::F32(2.0f32.to_bits());
    assert_call(
        &mut s,
        i,
        "f",
        &[i64(-1), two],
        &[i64(4.0f32.to_bits() as i64)],
    );
    assert_call(&mut s, i, "g", &[i64(-1), two], &[i32(1)]);
    assert_call(&mut s, i, "c", &[], &[i64((-1.0f32).to_bits() as i64)]);
}
