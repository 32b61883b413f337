//! Memory and table instructions: widths and extensions, static offsets,
//! fused address additions (which wrap at 32 bits), bounds, and the bulk
//! operations.

use super::*;
use wisp_interp::{CallOutcome, Func};

#[test]
fn loads_and_stores_of_every_width() {
    let (mut s, i) = instantiate(
        r#"(module
        (memory 1)
        (func (export "store_load") (param i32 i64) (result i64)
            (i64.store offset=8 (local.get 0) (local.get 1))
            (i64.add
                (i64.add (i64.load8_s offset=8 (local.get 0)) (i64.load8_u offset=9 (local.get 0)))
                (i64.add (i64.load16_s offset=10 (local.get 0)) (i64.load32_s offset=12 (local.get 0)))))
        (func (export "i32_ext") (param i32) (result i32)
            (i32.store16 (local.get 0) (i32.const 0xff80))
            (i32.add (i32.load8_s (local.get 0)) (i32.load16_s (local.get 0))))
        (func (export "narrow_stores") (result i64)
            (i64.store (i32.const 0) (i64.const -1))
            (i64.store8 (i32.const 0) (i64.const 0x1234))
            (i64.store16 (i32.const 2) (i64.const 0x5678))
            (i64.store32 (i32.const 4) (i64.const 0x9abcdef0))
            (i64.load (i32.const 0)))
        (func (export "floats") (param f32 f64) (result f64)
            (f32.store (i32.const 16) (local.get 0))
            (f64.store (i32.const 24) (local.get 1))
            (f64.add (f64.promote_f32 (f32.load (i32.const 16))) (f64.load (i32.const 24))))
    )"#,
    );
    // bytes 8..16 of 0x8081_7f7e_fffe_80ff (little-endian): ff 80 fe ff 7e 7f 81 80
    let v = 0x8081_7f7e_fffe_80ff_u64 as i64;
    let expected = (-1i64) + 0x80 + (-2i64) + 0x8081_7f7e_u32 as i32 as i64;
    assert_call(&mut s, i, "store_load", &[i32(0), i64(v)], &[i64(expected)]);
    assert_call(&mut s, i, "i32_ext", &[i32(100)], &[i32(-128 - 128)]);
    assert_call(
        &mut s,
        i,
        "narrow_stores",
        &[],
        &[i64(0x9abc_def0_5678_ff34_u64 as i64)],
    );
    assert_call(
        &mut s,
        i,
        "floats",
        &[Val::from(1.5f32), Val::from(2.25f64)],
        &[Val::from(3.75f64)],
    );
}

#[test]
fn address_arithmetic_wraps_but_offsets_do_not() {
    let (mut s, i) = instantiate(
        r#"(module
        (memory 1)
        (data (i32.const 0) "\2a\00\00\00")
        ;; (p + 4) wraps to 0 for p = -4: a fused address add must wrap too
        (func (export "load_add") (param i32) (result i32)
            (i32.load (i32.add (local.get 0) (i32.const 4))))
        (func (export "store_add") (param i32)
            (i32.store8 (i32.add (local.get 0) (i32.const 4)) (i32.const 9)))
        (func (export "store_add_reg") (param i32 i32)
            (i32.store (i32.add (local.get 0) (i32.const 4)) (local.get 1)))
        ;; a static offset is added in 64 bits: p + 4 is out of bounds
        (func (export "load_offset") (param i32) (result i32)
            (i32.load offset=4 (local.get 0)))
        (func (export "last_byte") (param i32) (result i32)
            (i32.load8_u (local.get 0)))
        ;; indexed forms: the shift wraps at 32 bits too
        (func (export "indexed") (param i32) (result i32)
            (i32.load (i32.add (i32.shl (local.get 0) (i32.const 2)) (i32.const 0))))
        (func (export "indexed64") (param i32 i32) (result i64)
            (i64.load (i32.add (local.get 1) (i32.shl (local.get 0) (i32.const 3)))))
    )"#,
    );
    assert_call(&mut s, i, "load_add", &[i32(-4)], &[i32(42)]);
    assert_trap(
        &mut s,
        i,
        "load_offset",
        &[i32(-4)],
        TrapCode::MemoryOutOfBounds,
    );
    assert_call(&mut s, i, "store_add", &[i32(-4)], &[]);
    assert_call(&mut s, i, "load_add", &[i32(-4)], &[i32(9)]);
    assert_call(&mut s, i, "store_add_reg", &[i32(-4), i32(77)], &[]);
    assert_call(&mut s, i, "load_add", &[i32(-4)], &[i32(77)]);
    assert_call(&mut s, i, "indexed", &[i32(0x4000_0000)], &[i32(77)]);
    assert_call(
        &mut s,
        i,
        "indexed64",
        &[i32(0x2000_0000), i32(0)],
        &[i64(77)],
    );
    assert_trap(
        &mut s,
        i,
        "indexed",
        &[i32(0x4000)],
        TrapCode::MemoryOutOfBounds,
    );
    assert_call(&mut s, i, "last_byte", &[i32(65535)], &[i32(0)]);
    assert_trap(
        &mut s,
        i,
        "last_byte",
        &[i32(65536)],
        TrapCode::MemoryOutOfBounds,
    );
    assert_trap(
        &mut s,
        i,
        "load_add",
        &[i32(65533)],
        TrapCode::MemoryOutOfBounds,
    );
}

#[test]
fn memory_size_grow_and_bulk() {
    let (mut s, i) = instantiate(
        r#"(module
        (memory 1 3)
        (data $d "hello")
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size))
        (func (export "bulk") (result i64)
            (memory.fill (i32.const 100) (i32.const 0x41) (i32.const 8))
            (memory.init $d (i32.const 102) (i32.const 1) (i32.const 3))
            (memory.copy (i32.const 104) (i32.const 100) (i32.const 4))
            (i64.load (i32.const 100)))
        (func (export "init_oob") (memory.init $d (i32.const 0) (i32.const 3) (i32.const 3)))
        (func (export "drop") (data.drop $d))
        (func (export "fill_oob") (memory.fill (i32.const 131070) (i32.const 0) (i32.const 3)))
    )"#,
    );
    assert_call(&mut s, i, "size", &[], &[i32(1)]);
    assert_call(&mut s, i, "grow", &[i32(1)], &[i32(1)]);
    assert_call(&mut s, i, "grow", &[i32(5)], &[i32(-1)]);
    assert_call(&mut s, i, "size", &[], &[i32(2)]);
    // "AAell" then copy "AAel" to 104: A A e l A A e l
    assert_call(
        &mut s,
        i,
        "bulk",
        &[],
        &[i64(i64::from_le_bytes(*b"AAelAAel"))],
    );
    assert_trap(&mut s, i, "init_oob", &[], TrapCode::MemoryOutOfBounds);
    assert_call(&mut s, i, "drop", &[], &[]);
    assert_trap(&mut s, i, "bulk", &[], TrapCode::MemoryOutOfBounds);
    assert_trap(&mut s, i, "fill_oob", &[], TrapCode::MemoryOutOfBounds);
}

#[test]
fn table_instructions() {
    let (mut s, i) = instantiate(
        r#"(module
        (table $t 2 10 funcref)
        (elem $e func $a $b)
        (func $a (result i32) (i32.const 1))
        (func $b (result i32) (i32.const 2))
        (func (export "grow") (param i32) (result i32) (table.grow $t (ref.func $a) (local.get 0)))
        (func (export "size") (result i32) (table.size $t))
        (func (export "init_call") (param i32) (result i32)
            (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 2))
            (call_indirect $t (result i32) (local.get 0)))
        (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
        (func (export "set_null") (param i32) (table.set $t (local.get 0) (ref.null func)))
        (func (export "copy_fill")
            (table.copy $t $t (i32.const 1) (i32.const 0) (i32.const 1))
            (table.fill $t (i32.const 0) (ref.null func) (i32.const 1)))
        (func (export "drop") (elem.drop $e))
    )"#,
    );
    assert_call(&mut s, i, "size", &[], &[i32(2)]);
    assert_call(&mut s, i, "is_null", &[i32(0)], &[i32(1)]);
    assert_call(&mut s, i, "init_call", &[i32(1)], &[i32(2)]);
    assert_call(&mut s, i, "is_null", &[i32(0)], &[i32(0)]);
    assert_call(&mut s, i, "grow", &[i32(3)], &[i32(2)]);
    assert_call(&mut s, i, "grow", &[i32(100)], &[i32(-1)]);
    assert_call(&mut s, i, "size", &[], &[i32(5)]);
    assert_call(&mut s, i, "init_call", &[i32(4)], &[i32(1)]);
    assert_call(&mut s, i, "copy_fill", &[], &[]);
    assert_call(&mut s, i, "is_null", &[i32(0)], &[i32(1)]);
    assert_call(&mut s, i, "init_call", &[i32(1)], &[i32(2)]);
    assert_trap(&mut s, i, "is_null", &[i32(5)], TrapCode::TableOutOfBounds);
    assert_trap(&mut s, i, "set_null", &[i32(5)], TrapCode::TableOutOfBounds);
    assert_call(&mut s, i, "drop", &[], &[]);
    assert_trap(
        &mut s,
        i,
        "init_call",
        &[i32(0)],
        TrapCode::TableOutOfBounds,
    );
}

/// Loads and stores of every width and most of their superinstructions
/// (copy loops, pointer chasing, indexed and swapped array accesses,
/// immediate stores, floats through memory), run over `n` bytes around a
/// base address, and a digest of those bytes.
const MEMORY_PATTERNS: &str = include_str!("memory_patterns.wat");

/// Runs `run(base, n)` of [`MEMORY_PATTERNS`] in a fresh instance whose
/// memory is flat or paged; returns the result (or the trap's text) and
/// the whole memory afterwards.
fn run_patterns(flat: bool, base: u32, n: u32) -> (Result<Vec<Val>, String>, Vec<u8>) {
    let mut config = Config::default();
    config.flat_memories(flat);
    let (mut s, i) = instantiate_with(&config, MEMORY_PATTERNS);
    let result =
        call(&mut s, i, "run", &[i32(base as i32), i32(n as i32)]).map_err(|e| e.to_string());
    let memory = i.get_memory(&s, "memory").expect("exported memory");
    let mut bytes = vec![0u8; 3 * 65536];
    memory.read(&mut s, 0, &mut bytes).expect("memory readable");
    (result, bytes)
}

/// A paged memory (as a fuzzing loop's is after its first reset) answers
/// every access as a flat one: in bounds, across the 64 KiB page
/// boundaries, which the handlers' paged fast path declines to the full
/// path, and out of bounds, where both trap having written the same
/// bytes.
#[test]
fn paged_memories_give_the_results_and_bytes_of_flat_ones() {
    let page = 65536u32;
    for (base, n) in [
        (256, 200),
        (page - 50, 200),
        (2 * page - 7, 96),
        (page + 4096, 1000),
        (3 * page - 400, 200),
    ] {
        let (flat_result, flat_bytes) = run_patterns(true, base, n);
        let (paged_result, paged_bytes) = run_patterns(false, base, n);
        assert_eq!(flat_result, paged_result, "run({base}, {n})");
        assert!(
            flat_bytes == paged_bytes,
            "run({base}, {n}): memories differ"
        );
        assert!(
            flat_bytes.iter().any(|&b| b != 0),
            "run({base}, {n}) wrote nothing"
        );
        if base == 3 * page - 400 {
            let err = flat_result.expect_err("runs out of bounds");
            assert!(err.contains("out of bounds memory access"), "{err}");
        } else {
            assert!(flat_result.is_ok(), "run({base}, {n}): {flat_result:?}");
        }
    }
}

/// Stores to the address just loaded or computed (`p = *q; *p = p`, `p +=
/// 4; *p = p`, and bytes), which the translator leaves unfused, store
/// where the second instruction alone would.
#[test]
fn stores_to_the_value_they_store() {
    let (mut s, i) = instantiate(
        r#"(module
        (memory 1)
        (data (i32.const 0) "\40\00\00\00")
        (data (i32.const 7) "\64")
        (func (export "f") (param i32 i32 i32) (result i32)
            (i32.store (local.tee 1 (i32.load (local.get 0))) (local.get 1))
            (i32.store (local.tee 1 (i32.add (local.get 1) (i32.const 4))) (local.get 1))
            (i32.store8 (local.tee 1 (i32.load8_u (i32.add (local.get 0) (i32.const 7)))) (local.get 1))
            (i32.store8 (local.get 2) (local.tee 1 (i32.load8_u (i32.add (local.get 0) (i32.const 7)))))
            (i32.add
                (i32.add (i32.load (i32.const 64)) (i32.load (i32.const 68)))
                (i32.add (i32.load8_u (i32.const 100)) (i32.load8_u (local.get 2)))))
    )"#,
    );
    assert_call(
        &mut s,
        i,
        "f",
        &[i32(0), i32(0), i32(200)],
        &[i32(64 + 68 + 100 + 100)],
    );
}

/// `wat` instantiated with fuel metering on or off; metered, with all
/// the fuel there is.
fn instantiate_metered_or_not(fuel: bool, wat: &str) -> (Store<()>, Instance) {
    let mut config = Config::default();
    config.consume_fuel(fuel);
    let (mut s, i) = instantiate_with(&config, wat);
    if fuel {
        s.set_fuel(u64::MAX).unwrap();
    }
    (s, i)
}

/// A loop that fills every k-th byte (`Store8ImmAddLatch`: the store and
/// the loop's add-and-branch in one dispatch) writes exactly those bytes,
/// leaves its counter where the loop ended it, and, when a store falls
/// outside the memory, traps there with every earlier store done and the
/// counter not stepped past it: fuel metering off and on.
#[test]
fn a_strided_byte_fill_loop_stores_each_byte_and_traps_at_the_first_outside() {
    let wat = r#"(module
        (memory 1)
        (global $last (mut i32) (i32.const 0))
        ;; Marks bytes 1024 + start, 1024 + start + step, ... below 1024 + 0x20000
        ;; (the memory ends at 0x10000); returns the counter after the loop.
        (func (export "mark") (param $j i32) (param $step i32) (result i32)
            (loop $l
                (global.set $last (local.get $j))
                (i32.store8 offset=1024 (local.get $j) (i32.const 1))
                (br_if $l (i32.lt_u
                    (local.tee $j (i32.add (local.get $j) (local.get $step)))
                    (i32.const 0x20000))))
            (local.get $j))
        (func (export "mark_below") (param $j i32) (param $step i32) (result i32)
            (loop $l
                (i32.store8 offset=1024 (local.get $j) (i32.const 1))
                (br_if $l (i32.lt_u
                    (local.tee $j (i32.add (local.get $j) (local.get $step)))
                    (i32.const 39998))))
            (local.get $j))
        (func (export "count") (result i32)
            (local $i i32) (local $sum i32)
            (loop $l
                (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $i))))
                (br_if $l (i32.lt_u
                    (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                    (i32.const 0x10000))))
            (local.get $sum))
        (func (export "last") (result i32) (global.get $last)))"#;
    for fuel in [false, true] {
        let (mut s, i) = instantiate_metered_or_not(fuel, wat);
        // Bytes 1024 + 7k for 7k < 39998 = 7 * 5714: 5714 of them; the
        // loop ends when the counter reaches 39998 exactly.
        assert_call(&mut s, i, "mark_below", &[i32(0), i32(7)], &[i32(39998)]);
        assert_call(&mut s, i, "count", &[], &[i32(5714)]);
        // From 3, step 1000: the stores at 1027, ..., 65027 land (65 of
        // them, some on bytes the first loop marked), and the one at
        // 66027 (counter 65003) is the first outside.
        assert_trap(
            &mut s,
            i,
            "mark",
            &[i32(3), i32(1000)],
            TrapCode::MemoryOutOfBounds,
        );
        assert_call(&mut s, i, "last", &[], &[i32(65003)]);
        let already = (0..65).filter(|k| (3 + 1000 * k) % 7 == 0 && 3 + 1000 * k < 39998);
        assert_call(
            &mut s,
            i,
            "count",
            &[],
            &[i32(5714 + 65 - already.count() as i32)],
        );
    }
}

/// A loop whose whole body is one byte store (the strided fill the
/// executor runs with its counter in a register, see
/// `exec/control.rs`, `strided_store_loop`) stores exactly the bytes the
/// rounds would, in both address forms, with the counter wrapping and
/// the address addition wrapping; when a store falls outside the memory
/// it traps there with every earlier store done; and metered, each round
/// still pays its fuel.
#[test]
fn a_loop_of_one_byte_store_runs_every_round() {
    let wat = r#"(module
        (memory 1)
        ;; Store8ImmLatch: bytes 16 + j for j = start, start + step, ... < 1000.
        (func (export "fill_offset") (param $j i32) (param $step i32) (result i32)
            (loop $l
                (i32.store8 offset=16 (local.get $j) (i32.const 7))
                (br_if $l (i32.lt_u
                    (local.tee $j (i32.add (local.get $j) (local.get $step)))
                    (i32.const 1000))))
            (local.get $j))
        ;; Store8ImmAddLatch: bytes (j + 0x8000) mod 2^32.
        (func (export "fill_add") (param $j i32) (param $step i32) (result i32)
            (loop $l
                (i32.store8 (i32.add (local.get $j) (i32.const 0x8000)) (i32.const 9))
                (br_if $l (i32.lt_u
                    (local.tee $j (i32.add (local.get $j) (local.get $step)))
                    (i32.const 0x9000))))
            (local.get $j))
        (func (export "sum") (param $from i32) (param $to i32) (result i32)
            (local $sum i32)
            (loop $l
                (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $from))))
                (br_if $l (i32.lt_u
                    (local.tee $from (i32.add (local.get $from) (i32.const 1)))
                    (local.get $to))))
            (local.get $sum)))"#;
    for fuel in [false, true] {
        let (mut s, i) = instantiate_metered_or_not(fuel, wat);
        // j = 0, 4, ..., 996 (250 rounds; exactly 1000 ends it): bytes 16,
        // 20, ..., 1012.
        assert_call(&mut s, i, "fill_offset", &[i32(0), i32(4)], &[i32(1000)]);
        assert_call(&mut s, i, "sum", &[i32(0), i32(2000)], &[i32(7 * 250)]);
        // A step of -1 from 5: j = 5, 4, ..., 0, then 0xffffffff ends it:
        // bytes 21 down to 16, of which 16 and 20 were set.
        assert_call(&mut s, i, "fill_offset", &[i32(5), i32(-1)], &[i32(-1)]);
        assert_call(&mut s, i, "sum", &[i32(0), i32(2000)], &[i32(7 * 254)]);
        // j from -0x8000 + 0x100 (the address wraps to 0x100) by 0x10: one
        // round, then the counter is not below 0x9000 unsigned.
        assert_call(
            &mut s,
            i,
            "fill_add",
            &[i32(-0x8000 + 0x100), i32(0x10)],
            &[i32(-0x8000 + 0x110)],
        );
        assert_call(&mut s, i, "sum", &[i32(0x100), i32(0x101)], &[i32(9)]);
        // j = 0x7000, 0x7400, ..., 0x8c00: bytes 0xf000, 0xf400, ..., 0xfc00
        // land (4 of them), and 0x10000 is the first outside.
        assert_trap(
            &mut s,
            i,
            "fill_add",
            &[i32(0x7000), i32(0x400)],
            TrapCode::MemoryOutOfBounds,
        );
        assert_call(
            &mut s,
            i,
            "sum",
            &[i32(0xf000), i32(0x10000)],
            &[i32(9 * 4)],
        );
        if fuel {
            // Each round pays for the loop's head, the rounds before a trap
            // too: run whole, or in slices of a few units of fuel at a time
            // (suspending at the head each time, so no run of rounds is
            // longer than one), a call stores the same bytes, ends the same
            // way and takes exactly the same fuel.
            let fill = i.get_func(&s, "fill_offset").unwrap();
            let fill_add = i.get_func(&s, "fill_add").unwrap();
            let whole = |s: &mut Store<()>, f: Func, args: &[Val]| {
                s.set_fuel(1 << 40).unwrap();
                let mut results = [i32(0)];
                let outcome = f
                    .call(&mut *s, args, &mut results)
                    .map(|()| results.to_vec());
                (outcome, (1 << 40) - s.get_fuel().unwrap())
            };
            let sliced = |s: &mut Store<()>, f: Func, args: &[Val]| {
                s.set_fuel(5).unwrap();
                let (mut given, mut suspensions) = (5, 0);
                let mut outcome = f.call_resumable(&mut *s, args);
                let outcome = loop {
                    match outcome {
                        Ok(CallOutcome::Suspended(call)) => {
                            suspensions += 1;
                            s.add_fuel(5).unwrap();
                            given += 5;
                            outcome = call.resume(&mut *s, &[]);
                        }
                        Ok(CallOutcome::Complete(results)) => break Ok(results),
                        Err(e) => break Err(e),
                    }
                };
                assert!(suspensions >= 100, "only {suspensions} suspensions");
                (outcome, given - s.get_fuel().unwrap())
            };
            // 1000 rounds; then 256 rounds before the store at 0x10000 traps.
            let (ok, all) = whole(&mut s, fill, &[i32(0), i32(1)]);
            assert_eq!(ok.unwrap(), vec![i32(1000)]);
            let (ok, half) = whole(&mut s, fill, &[i32(500), i32(1)]);
            assert_eq!(ok.unwrap(), vec![i32(1000)]);
            assert!(all - half >= 500, "{all} vs {half}");
            let (ok, all_sliced) = sliced(&mut s, fill, &[i32(0), i32(1)]);
            assert_eq!((ok.unwrap(), all_sliced), (vec![i32(1000)], all));
            let trapping = [i32(0x7000), i32(0x10)];
            let (trapped, to_trap) = whole(&mut s, fill_add, &trapping);
            assert!(
                matches!(&trapped, Err(Error::Trap(t)) if t.code() == Some(TrapCode::MemoryOutOfBounds)),
                "{trapped:?}"
            );
            assert!(to_trap >= 256, "{to_trap}");
            let (trapped, to_trap_sliced) = sliced(&mut s, fill_add, &trapping);
            assert!(
                matches!(&trapped, Err(Error::Trap(t)) if t.code() == Some(TrapCode::MemoryOutOfBounds)),
                "{trapped:?}"
            );
            assert_eq!(to_trap_sliced, to_trap);
            s.set_fuel(u64::MAX).unwrap();
            assert_call(&mut s, i, "sum", &[i32(16), i32(1016)], &[i32(7 * 1000)]);
        }
    }
}
