//! Translator unit tests: the exact code emitted for small functions.

use alloc::vec::Vec;

use crate::config::{Config, Engine};
use crate::ir::{
    AddImmLoad, Bin, BinImm, BrCmp, BrCmpImm, CompiledFunc, Instr, Load, Slot, StoreImmAdd,
};
use crate::module::Module;

fn translate_with(config: &Config, wat: &str) -> Vec<CompiledFunc> {
    let engine = Engine::new(config);
    let bytes = wat::parse_str(wat).expect("valid WAT");
    let module = Module::new(&engine, &bytes).expect("module compiles");
    module.inner.funcs.to_vec()
}

/// The translation with fuel metering on.
fn translate_metered(wat: &str) -> Vec<CompiledFunc> {
    let mut config = Config::default();
    config.consume_fuel(true);
    translate_with(&config, wat)
}

fn translate(wat: &str) -> Vec<CompiledFunc> {
    translate_with(&Config::default(), wat)
}

/// Prints the translation of every function of the module named by
/// `WISP_DUMP` (a `.wasm` or `.wat` file; with fuel metering if
/// `WISP_DUMP_FUEL` is set): `cargo test -p wisp-interp dump -- --ignored --nocapture`.
#[test]
#[ignore = "a debugging aid, not a test"]
fn dump() {
    extern crate std;
    use std::println;
    let Ok(path) = std::env::var("WISP_DUMP") else {
        return;
    };
    let bytes = wat::parse_file(&path).expect("readable module");
    let mut config = Config::default();
    config.consume_fuel(std::env::var_os("WISP_DUMP_FUEL").is_some());
    let engine = Engine::new(&config);
    let module = Module::new(&engine, &bytes).expect("module compiles");
    let imported = module.inner.decoded.num_imported.funcs;
    for (i, f) in module.inner.funcs.iter().enumerate() {
        let index = imported + i as u32;
        let name = module.inner.decoded.func_name(index).unwrap_or("");
        println!(
            "func {index} {name}: params {} locals {} results {} slots {} consts {:?}",
            f.num_params(),
            f.num_locals(),
            f.num_results(),
            f.max_slots(),
            f.consts()
        );
        for (pc, instr) in f.instrs().enumerate() {
            println!("  {pc:4}: {instr:?}");
        }
    }
}

/// The code of the module's only function.
fn code_of(wat: &str) -> Vec<Instr> {
    let funcs = translate(wat);
    assert_eq!(funcs.len(), 1);
    funcs[0].instrs().collect()
}

/// Each instruction's debug text, and its kind's name (the text up to the
/// first `(` or space), for assertions on the sequence of kinds.
fn kinds_and_names(code: &[Instr]) -> (Vec<alloc::string::String>, Vec<alloc::string::String>) {
    let kinds: Vec<alloc::string::String> = code.iter().map(|i| alloc::format!("{i:?}")).collect();
    let names = kinds
        .iter()
        .map(|k| k.split(['(', ' ']).next().unwrap_or_default().into())
        .collect();
    (kinds, names)
}

#[test]
fn instr_size() {
    assert!(core::mem::size_of::<Instr>() <= 16);
}

#[test]
fn increment_folds_into_one_instruction() {
    let code = code_of(
        "(module (func (param i32) (result i32)
            (local.set 0 (i32.add (local.get 0) (i32.const 1)))
            (local.get 0)))",
    );
    assert_eq!(
        code,
        [
            Instr::I32AddImm(BinImm {
                dst: 0,
                a: 0,
                imm: 1
            }),
            Instr::Return1 { src: 0 },
        ]
    );
}

#[test]
fn subtraction_and_left_constants_use_immediates() {
    let code = code_of(
        "(module (func (param i32 i64) (result i32)
            (i32.sub (local.get 0) (i32.const 5))
            (i32.sub (i32.const 5) (local.get 0))
            (i32.add)
            (i64.lt_s (i64.const 9) (local.get 1))
            (i32.add)))",
    );
    assert_eq!(
        code,
        [
            Instr::I32AddImm(BinImm {
                dst: 2,
                a: 0,
                imm: -5
            }),
            Instr::I32RSubImm(BinImm {
                dst: 3,
                a: 0,
                imm: 5
            }),
            Instr::I32Add(Bin { dst: 2, a: 2, b: 3 }),
            Instr::I64GtSImm(BinImm {
                dst: 3,
                a: 1,
                imm: 9
            }),
            // (the comparison's result from the accumulator)
            Instr::I32AddAccB(Bin { dst: 2, a: 2, b: 3 }),
            Instr::Return1 { src: 2 },
        ]
    );
}

#[test]
fn loop_condition_fuses_into_the_branch() {
    let code = code_of(
        "(module (func (param i32) (local i32)
            (loop $l
                (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                (br_if $l (i32.lt_s (local.get 1) (local.get 0))))))",
    );
    assert_eq!(
        code,
        [
            Instr::I32AddImm(BinImm {
                dst: 1,
                a: 1,
                imm: 1
            }),
            // (the counter from the accumulator)
            Instr::BrI32LtSAccA(BrCmp {
                a: 1,
                b: 0,
                target: 0
            }),
            Instr::Return,
        ]
    );
}

#[test]
fn if_branches_on_the_negated_comparison() {
    let code = code_of(
        "(module (func (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
                (then (i32.const 7))
                (else (local.get 0)))))",
    );
    assert_eq!(
        code,
        [
            // jump to the else arm when `local 0 == 0` is false
            Instr::BrI32NeImm(BrCmpImm {
                a: 0,
                imm: 0,
                target: 3
            }),
            Instr::Const32 { dst: 1, value: 7 },
            // (the jump to the shared `Return1` is replaced by a copy of it;
            // see `tails.rs`)
            Instr::Return1 { src: 1 },
            Instr::Copy { dst: 1, src: 0 },
            Instr::Return1 { src: 1 },
        ]
    );
}

#[test]
fn tee_with_a_pending_read_copies_before_the_producer() {
    // `local.get 0` is still on the stack when `local.tee 0` overwrites it.
    let code = code_of(
        "(module (func (param i32) (result i32)
            (local.get 0)
            (local.tee 0 (i32.mul (local.get 0) (local.get 0)))
            (i32.add)))",
    );
    assert_eq!(
        code,
        [
            Instr::Copy { dst: 1, src: 0 },
            Instr::I32Mul(Bin { dst: 0, a: 0, b: 0 }),
            // (the product from the integer accumulator)
            Instr::I32AddAccB(Bin { dst: 1, a: 1, b: 0 }),
            Instr::Return1 { src: 1 },
        ]
    );
}

#[test]
fn address_additions_fuse_into_accesses() {
    let code = code_of(
        "(module (memory 1) (func (param i32) (result i32)
            (i32.store8 (i32.add (local.get 0) (i32.const 16)) (i32.const 1))
            (i32.load (i32.add (local.get 0) (i32.const 4)))
            ;; a non-zero static offset keeps the add: it must wrap, the offset must not
            (i32.load offset=8 (i32.add (local.get 0) (i32.const 4)))
            (i32.add)))",
    );
    assert_eq!(
        code,
        [
            Instr::Store8ImmAdd(StoreImmAdd {
                base: 0,
                add: 16,
                value: 1
            }),
            Instr::Load32Add(BinImm {
                dst: 1,
                a: 0,
                imm: 4
            }),
            // (the add then the load, as one superinstruction; see `fuse.rs`)
            Instr::I32AddImmLoad32(AddImmLoad {
                t: 2,
                a: 0,
                dst: 2,
                imm: 4,
                offset: 8
            }),
            Instr::Load32(Load {
                dst: 2,
                addr: 2,
                offset: 8
            }),
            // (the loaded value from the accumulator)
            Instr::I32AddAccB(Bin { dst: 1, a: 1, b: 2 }),
            Instr::Return1 { src: 1 },
        ]
    );
}

#[test]
fn array_indexing_fuses_shifts() {
    let code = code_of(
        "(module (memory 1) (func (param i32 i32) (result i64)
            ;; a[i] for an i32 array at 1024: an indexed load
            (i64.extend_i32_u (i32.load (i32.add (i32.shl (local.get 0) (i32.const 2)) (i32.const 1024))))
            ;; &b[i] for an i64 array based at local 1: a shifted add
            (i64.load (i32.add (local.get 1) (i32.shl (local.get 0) (i32.const 3))))
            (i64.add)))",
    );
    assert_eq!(
        code,
        [
            Instr::Load32Idx(BinImm {
                dst: 2,
                a: 0,
                imm: 1024
            }),
            Instr::I32AddShl3(Bin { dst: 3, a: 1, b: 0 }),
            // (the address from the accumulator)
            Instr::Load64Acc(Load {
                dst: 3,
                addr: 3,
                offset: 0
            }),
            // (the loaded value from the integer accumulator)
            Instr::I64AddAccB(Bin { dst: 2, a: 2, b: 3 }),
            Instr::Return1 { src: 2 },
        ]
    );
}

#[test]
fn block_results_stay_in_place() {
    // The branch and the fall-through both leave the value in the block's slot.
    let code = code_of(
        "(module (func (param i32) (result i32)
            (block (result i32)
                (br_if 0 (i32.add (local.get 0) (i32.const 1)) (local.get 0))
                (drop)
                (i32.mul (local.get 0) (local.get 0)))))",
    );
    assert_eq!(
        code,
        [
            Instr::I32AddImm(BinImm {
                dst: 1,
                a: 0,
                imm: 1
            }),
            Instr::BrI32NeImm(BrCmpImm {
                a: 0,
                imm: 0,
                target: 3
            }),
            // (the branch's operand, still in the accumulator: a square
            // reads it for both operands)
            Instr::I32MulAccAB(Bin { dst: 1, a: 0, b: 0 }),
            Instr::Return1 { src: 1 },
        ]
    );
}

#[test]
fn br_table_uses_trampolines_for_copies() {
    let code = code_of(
        "(module (func (param i32) (result i32)
            (block $a (result i32)
                (i32.const 100)
                (block $b (result i32)
                    (i32.const 5)
                    (local.get 0)
                    (br_table $a $b 2 (local.get 0)))
                (i32.add))))",
    );
    // Carrying `local 0` (a lazy operand) needs a copy to each target's slot:
    // the entries jump to one trampoline per target frame.
    assert_eq!(code[0], Instr::BrTable { index: 0, len: 2 });
    let entries: Vec<Instr> = code[1..4].to_vec();
    let targets: Vec<u32> = entries
        .iter()
        .map(|i| match i {
            Instr::Br { target } => *target,
            other => panic!("entry {other:?}"),
        })
        .collect();
    assert!(targets.iter().all(|&t| t >= 4), "{code:?}");
    assert_ne!(targets[0], targets[1]);
    // The function-level target returns directly from its trampoline.
    assert!(matches!(
        code[targets[2] as usize],
        Instr::Return1 { src: 0 }
    ));
    // No code for the unreachable `i32.add` of block $b's fall-through.
    assert!(
        !code.iter().any(|i| matches!(i, Instr::I32Add(_))),
        "{code:?}"
    );
}

#[test]
fn dead_code_emits_nothing() {
    let code = code_of(
        "(module (func (result i32)
            (return (i32.const 1))
            (i32.const 2) (i32.const 3) (i32.add)
            (block (loop (br 0)))))",
    );
    assert_eq!(code, [Instr::ReturnImm32 { value: 1 }]);
}

#[test]
fn zero_stores_to_fresh_locals_are_skipped() {
    let code = code_of(
        "(module (func (result i32) (local i32 i64)
            (local.set 0 (i32.const 0))
            (local.set 1 (i64.const 0))
            (local.set 0 (i32.const 0))
            (local.get 0)))",
    );
    assert_eq!(code, [Instr::Return1 { src: 0 }]);
}

#[test]
fn fuel_is_charged_per_basic_block() {
    let funcs = translate_metered(
        "(module (func (param i32) (local i32)
            (local.set 1 (i32.const 3))
            (loop $l
                (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
                (br_if $l (local.get 1)))))",
    );
    let code: Vec<Instr> = funcs[0].instrs().collect();
    // entry: local.set's 2 operators + `loop` = 3, and the code after the
    // loop (the function's `end`), which the entry pays for; loop body: 6
    // operators + its `end`. Nothing else has a check.
    assert_eq!(code[0], Instr::ConsumeFuel { amount: 4 });
    let checks = code
        .iter()
        .filter(|i| matches!(i, Instr::ConsumeFuel { .. }))
        .count();
    assert_eq!(checks, 2);
    let header = code
        .iter()
        .position(|i| matches!(i, Instr::ConsumeFuel { amount: 7 }))
        .expect("a fuel check at the loop header");
    assert!(code.iter().any(
        |i| matches!(i, Instr::BrI32NeImm(BrCmpImm { target, .. }) if *target as usize == header)
    ));
    // Without fuel there are no checks at all.
    let plain = translate("(module (func (loop (br 0))))");
    assert!(
        !plain[0]
            .instrs()
            .any(|i| matches!(i, Instr::ConsumeFuel { .. }))
    );
}

#[test]
fn code_after_an_end_is_paid_for_by_the_enclosing_block() {
    let funcs = translate_metered(
        "(module (func (param i32) (result i32)
            (block $b (br_if $b (local.get 0)) (nop))
            (if (local.get 0) (then (nop)) (else (nop)))
            (i32.const 7)))",
    );
    let amounts: Vec<u32> = funcs[0]
        .instrs()
        .filter_map(|i| match i {
            Instr::ConsumeFuel { amount } => Some(amount),
            _ => None,
        })
        .collect();
    // entry: the block (5 operators with its `end`), `local.get` and `if`,
    // and after the `if` the constant and the function's `end`. The arms
    // pay for themselves: `nop` and `else`, `nop` and `end`.
    assert_eq!(amounts, [9, 2, 2]);
}

#[test]
fn float_chains_read_the_accumulator() {
    // sqrt(a*a + b) / (a + c), stored: each step takes the one before's
    // result from the accumulator, except across the branch target.
    let code = code_of(
        "(module (memory 1) (func (param f64 f64 f64 i32) (result f64)
            (f64.store (local.get 3)
                (f64.div (f64.sqrt (f64.add (f64.mul (local.get 0) (local.get 0)) (local.get 1)))
                         (f64.add (local.get 0) (local.get 2))))
            (local.set 0 (f64.mul (local.get 0) (local.get 1)))
            (block (br_if 0 (local.get 3)) (local.set 0 (f64.sub (local.get 2) (local.get 0))))
            (f64.sqrt (local.get 0))))",
    );
    let kinds: Vec<_> = code.iter().map(|i| alloc::format!("{i:?}")).collect();
    let kind = |pc: usize| kinds[pc].split(['(', ' ']).next().unwrap_or_default();
    let names: Vec<_> = (0..kinds.len()).map(kind).collect();
    assert_eq!(
        names,
        [
            "F64MulAddLeft",
            "F64Add",
            "F64SqrtAcc",
            "F64Add",
            "F64DivAccB",
            "Store64AccF64",
            "F64Mul",
            "BrI32NeImm",
            "F64Sub",
            "F64Sqrt",
            "Return1"
        ],
        "{kinds:#?}"
    );
    // `F64Sub` follows a branch, not its operand's producer; `F64Sqrt`
    // is a branch target.
    let Instr::F64DivAccB(div) = code[4] else {
        unreachable!()
    };
    let Instr::F64Add(add) = code[3] else {
        unreachable!()
    };
    assert_eq!(div.b, add.dst, "the divisor is what the addition produced");
}

#[test]
fn comparisons_fuse_with_the_select_they_decide() {
    // `gt` is fused as `lt` with its operands swapped; `ge` and `eq` are
    // not fused; the immediate forms keep their immediate.
    let code = code_of(
        "(module (func (param i32 i32) (result i32)
            (local.set 0 (select (local.get 0) (local.get 1) (i32.gt_u (local.get 0) (local.get 1))))
            (local.set 1 (select (local.get 1) (local.get 0) (i32.lt_s (local.get 0) (local.get 1))))
            (local.set 0 (select (local.get 0) (local.get 1) (i32.gt_u (local.get 1) (i32.const 77))))
            (local.set 1 (select (local.get 1) (local.get 0) (i32.lt_u (local.get 0) (i32.const -3))))
            (local.set 0 (select (local.get 1) (local.get 0) (i32.eq (local.get 0) (local.get 1))))
            (local.get 0)))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names,
        [
            "I32LtUSelect",
            "Select",
            "SelectCond",
            "I32LtSSelect",
            "Select",
            "SelectCond",
            "I32GtUImmSelect",
            "Select",
            "SelectCond",
            "I32LtUImmSelect",
            "Select",
            "SelectCond",
            "I32Eq",
            "SelectAcc",
            "SelectCond",
            "Return1"
        ],
        "{kinds:#?}"
    );
    let (Instr::I32LtUSelect(max), Instr::Select { dst, a, b }) = (code[0], code[1]) else {
        unreachable!()
    };
    let (t, cmp_a, cmp_b) = (max.t, max.a, max.b);
    let (sel_dst, x, y) = (max.dst, max.x, max.y);
    assert_eq!((cmp_a, cmp_b), (1, 0), "a > b is fused as b < a");
    assert_eq!(
        (Slot::from(sel_dst), Slot::from(x), Slot::from(y)),
        (dst, a, b)
    );
    let Instr::SelectCond { cond } = code[2] else {
        unreachable!()
    };
    assert_eq!(
        Slot::from(t),
        cond,
        "the condition is the comparison's result"
    );
    let Instr::I32LtUImmSelect(op) = code[9] else {
        unreachable!()
    };
    let imm = op.imm;
    assert_eq!(imm, -3);
}

#[test]
fn shift_add_loads_fuse_and_read_a_fresh_index() {
    // `a[i + 1]` read through an address kept in a local: the shift, the
    // add and the load are one superinstruction, reading the index the
    // add before it produced. The load it ends with is fused with the
    // pointer load after it, whose second half, where the superinstruction
    // lands, reads the pointer from the accumulator as both paths left it.
    let code = code_of(
        "(module (memory 1) (func (param i32 i32) (result i32)
            (local.set 1 (i32.load (local.tee 0
                (i32.add (i32.shl (i32.add (local.get 0) (i32.const 1)) (i32.const 34)) (i32.const 1024)))))
            (i32.load (local.get 1))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names[..5],
        [
            "I32AddImm",
            "I32ShlImmAddImmLoad32Acc",
            "I32AddImmLoad32",
            "Load32Load32",
            "Load32Acc"
        ],
        "{kinds:#?}"
    );
    let (Instr::I32AddImm(inc), Instr::I32ShlImmAddImmLoad32Acc(op)) = (code[0], code[1]) else {
        unreachable!()
    };
    let (s, a, shift, t, dst, imm) = (op.s, op.a, op.shift, op.t, op.dst, op.imm);
    assert_eq!(Slot::from(a), inc.dst, "the index the add produced");
    assert_eq!((shift, imm), (2, 1024), "the shift count modulo 32");
    assert_eq!((Slot::from(t), Slot::from(dst)), (0, 1), "the locals");
    assert_ne!(Slot::from(s), 0);
}

#[test]
fn integer_results_feed_indexed_loads_selects_and_fused_loads() {
    // An index masked right before the load that scales it, a comparison
    // (one that does not fuse with it) right before the `select` it decides
    // (read through its condition word), and a shift, add and load that
    // keeps the address in a local (one superinstruction, which skips the
    // add-and-load after it). A `select` produces nothing for the
    // instruction after it: its condition word comes between them.
    let code = code_of(
        "(module (memory 1) (func (param i32 i32) (result i32) (local i32)
            (local.set 2 (i32.and (local.get 0) (i32.const 255)))
            (local.set 0 (i32.load (i32.add (i32.shl (local.get 2) (i32.const 2)) (i32.const 1024))))
            (local.set 1 (select (local.get 0) (local.get 1) (i32.ge_u (local.get 0) (local.get 1))))
            (i32.load (local.tee 2 (i32.add (i32.shl (local.get 1) (i32.const 2)) (i32.const 1024))))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names,
        [
            "I32AndImm",
            "Load32IdxAcc",
            "I32GeU",
            "SelectAcc",
            "SelectCond",
            "I32ShlImmAddImmLoad32",
            "I32AddImmLoad32",
            "Load32",
            "Return1"
        ],
        "{kinds:#?}"
    );
    let (Instr::I32GeU(cmp), Instr::SelectCond { cond }) = (code[2], code[4]) else {
        unreachable!()
    };
    assert_eq!(
        cond, cmp.dst,
        "the condition is what the comparison produced"
    );
}

#[test]
fn hash_steps_read_fresh_operands_from_the_accumulator() {
    // murmur3's and a 64-bit mixer's steps, each operand computed by the
    // instruction before: a multiply then a rotate then a multiply, a
    // shift-xor on a fresh value, a xor-multiply by an immediate and one
    // by a slot on the shift-xor's result, a 64-bit rotate then an add,
    // and a wrap of a fresh xor.
    let code = code_of(
        "(module (func (param i32 i32 i64 i64) (result i32)
            (local.set 0 (i32.mul (i32.rotl (i32.mul (local.get 0) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 5)))
            (local.set 0 (i32.xor (local.get 0) (i32.shr_u (local.get 0) (i32.const 16))))
            (local.set 0 (i32.mul (i32.xor (local.get 0) (local.get 1)) (i32.const 0x85ebca6b)))
            (local.set 2 (i64.xor (local.get 2) (i64.shr_u (local.get 2) (i64.const 33))))
            (local.set 2 (i64.mul (i64.xor (local.get 2) (local.get 3)) (local.get 3)))
            (local.set 2 (i64.add (i64.rotl (local.get 2) (i64.const 31)) (local.get 3)))
            (i32.add (i32.wrap_i64 (i64.xor (local.get 2) (local.get 3))) (local.get 0))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names,
        [
            "I32MulImm",
            "I32RotlImmAcc",
            "I32MulImmAcc",
            "I32ShrUImmXorAccAX",
            "I32Xor",
            "I32XorMulImmAccA",
            "I32MulImm",
            "I64ShrUImm",
            "I64XorAccB",
            "I64XorMulAccA",
            "I64Mul",
            "I64RotlImmAcc",
            "I64AddAccA",
            "I64XorAccA",
            "I32WrapI64Acc",
            "I32AddAccA",
            "Return1"
        ],
        "{kinds:#?}"
    );
}

#[test]
fn squares_and_skipped_halves_read_the_accumulator() {
    // murmur3's finaliser step `h ^= h >> 16; h *= m` on a fresh `h`: the
    // shift-xor and the xor-multiply both fuse, so the multiply runs on
    // its own right after the shift-xor. Then squares of fresh values, as
    // products and as the product of a multiply-add (the multiplies fuse
    // with the next statement's add or subtract), in f64, f32 and i64.
    // Last, a shift-xor whose shift overwrites `x`: the translator copies
    // `x` aside first, so it is no square.
    let code = code_of(
        "(module (func (param i32 f64 f64 f32 f32 i64) (result i32)
            (local.set 0 (i32.add (local.get 0) (i32.const 7)))
            (local.set 0 (i32.mul (i32.xor (local.get 0) (i32.shr_u (local.get 0) (i32.const 16))) (i32.const 0x85ebca6b)))
            (local.set 1 (f64.mul (local.tee 2 (f64.sub (local.get 1) (local.get 2))) (local.get 2)))
            (local.set 1 (f64.add (local.get 1) (f64.mul (local.tee 2 (f64.sub (local.get 2) (local.get 1))) (local.get 2))))
            (local.set 3 (f32.mul (local.tee 4 (f32.sub (local.get 3) (local.get 4))) (local.get 4)))
            (local.set 3 (f32.sub (local.get 3) (f32.mul (local.tee 4 (f32.add (local.get 4) (local.get 3))) (local.get 4))))
            (local.set 5 (i64.mul (local.tee 5 (i64.add (local.get 5) (i64.const 3))) (local.get 5)))
            (local.set 0 (i32.xor (local.get 0) (local.tee 0 (i32.shr_u (local.get 0) (i32.const 3)))))
            (i32.add (local.get 0) (i32.wrap_i64 (local.get 5)))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names,
        [
            "I32AddImm",
            "I32ShrUImmXorAccAX",
            "I32XorMulImm",
            "I32MulImmAcc",
            "F64Sub",
            "F64MulSubAccAB",
            "F64Sub",
            "F64MulAddAccAB",
            "F64Add",
            "F32Sub",
            "F32MulAddAccAB",
            "F32Add",
            "F32MulSubAccAB",
            "F32Sub",
            "I64AddImm",
            "I64MulAccAB",
            "Copy",
            "I32ShrUImmXor",
            "I32Xor",
            "I32WrapI64",
            "I32AddAccB",
            "Return1"
        ],
        "{kinds:#?}"
    );
}

#[test]
fn a_multiply_add_with_the_product_on_the_left_reads_the_accumulator() {
    // mandelbrot's `y = x * (y + y) + c`: the product is the left operand
    // of the add, its right factor fresh.
    let code = code_of(
        "(module (func (param f32 f32 f32 f64 f64) (result f64)
            (local.set 1 (f32.add (f32.mul (local.get 0) (f32.add (local.get 1) (local.get 1))) (local.get 2)))
            (local.set 3 (f64.add (f64.mul (f64.add (local.get 3) (local.get 4)) (local.get 4)) (local.get 4)))
            (f64.add (local.get 3) (f64.promote_f32 (local.get 1)))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names[..6],
        [
            "F32Add",
            "F32MulAddAccB",
            "F32Add",
            "F64Add",
            "F64MulAddAccA",
            "F64Add"
        ],
        "{kinds:#?}"
    );
}

#[test]
fn histogram_steps_read_fresh_operands_from_the_accumulator() {
    // `count[byte[i]] += 1` over u32 counts at a base in a local: the
    // scaled add takes the fresh byte as its index, the load the fresh
    // address, and the add-and-store the fresh count; then the same over
    // u64 sums, where the scaled add by 8 hands its address to a load
    // whose value is stored right away (a move).
    let code = code_of(
        "(module (memory 1) (func (param i32 i32 i32)
            (i32.store (local.tee 2 (i32.add (local.get 1) (i32.shl (i32.load8_u (local.get 0)) (i32.const 2))))
                (i32.add (i32.load (local.get 2)) (i32.const 1)))
            (i64.store (local.get 1)
                (i64.load (i32.add (local.get 1) (i32.shl (i32.load8_u (local.get 0)) (i32.const 3)))))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names,
        [
            "Load8U",
            "I32AddShl2AccB",
            "Load32Acc",
            "I32AddImmStore32Acc",
            "Store32",
            "Load8U",
            "I32AddShl3AccB",
            "Load64Store64Acc",
            "Store64",
            "Return"
        ],
        "{kinds:#?}"
    );
}

#[test]
fn float_arithmetic_reads_a_value_just_loaded_from_the_accumulator() {
    // A loaded f64 as the right operand of a subtract and as a factor of a
    // multiply-add, and a loaded f32 as the left operand of an add: each
    // load hands the bits to the float accumulator of its width.
    let code = code_of(
        "(module (memory 1) (func (param i32 f64 f32) (result f64)
            (local.set 1 (f64.sub (local.get 1) (f64.load offset=8 (local.get 0))))
            (local.set 1 (f64.add (local.get 1) (f64.mul (f64.load offset=16 (local.get 0)) (local.get 1))))
            (local.set 2 (f32.add (f32.load offset=4 (local.get 0)) (local.get 2)))
            (f64.add (local.get 1) (f64.promote_f32 (local.get 2)))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names[..6],
        [
            "Load64",
            "F64SubAccB",
            "Load64",
            "F64MulAddAccA",
            "F64Add",
            "Load32",
        ],
        "{kinds:#?}"
    );
    assert_eq!(names[6], "F32AddAccA", "{kinds:#?}");
}

#[test]
fn compare_and_branch_reads_a_fresh_operand_from_the_accumulator() {
    // `1 <u x` right after `x` is computed becomes `x >u 1` with `x` from
    // the accumulator; `y >=s 1` right after `y` keeps its order.
    let code = code_of(
        "(module (func (param i32 i32) (result i32)
            (block
                (loop
                    (br_if 1 (i32.lt_u (local.get 1) (local.tee 0 (i32.mul (local.get 0) (i32.const 3)))))
                    (br_if 0 (i32.ge_s (local.tee 0 (i32.add (local.get 0) (i32.const -7))) (local.get 1)))))
            (local.get 0)))",
    );
    assert_eq!(
        code,
        [
            Instr::I32MulImm(BinImm {
                dst: 0,
                a: 0,
                imm: 3
            }),
            Instr::BrI32GtUAccA(BrCmp {
                a: 0,
                b: 1,
                target: 4
            }),
            Instr::I32AddImm(BinImm {
                dst: 0,
                a: 0,
                imm: -7
            }),
            Instr::BrI32GeSAccA(BrCmp {
                a: 0,
                b: 1,
                target: 0
            }),
            Instr::Return1 { src: 0 },
        ]
    );
}

#[test]
fn switch_indices_computed_just_before_come_from_the_accumulator() {
    // A dispatch loop: the opcode byte is loaded right before the
    // `br_table`, and each case branches back to the loop, whose head
    // (load and `br_table`) tail duplication copies into it: the copies
    // are `BrTableAt`s, and they read the index from the accumulator too.
    // The original, which the copies name, is a branch target of theirs
    // and keeps reading its slot. A `br_table` on a local that nothing
    // just computed reads the slot.
    let code = code_of(
        "(module (memory 1) (func (param i32 i32) (result i32)
            (loop $next
              (block $halt (block $dec (block $inc
                (br_table $inc $dec $halt (i32.load8_u (local.get 0))))
                (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                (br $next))
              (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
              (local.set 0 (i32.add (local.get 0) (i32.const 1)))
              (br $next)))
            (block $b (br_table $b $b (local.get 1)))
            (local.get 1)))",
    );
    let (kinds, names) = kinds_and_names(&code);
    let count = |name: &str| names.iter().filter(|n| *n == name).count();
    assert_eq!(count("BrTableAtAcc"), 2, "{kinds:#?}");
    assert_eq!(count("BrTableAt"), 0, "{kinds:#?}");
    assert_eq!(count("BrTable"), 2, "{kinds:#?}");
    assert_eq!(count("BrTableAcc"), 0, "{kinds:#?}");
    for (i, instr) in code.iter().enumerate() {
        if let Instr::BrTableAtAcc { index, table, .. } = *instr {
            // (The load is the second half of an add-and-load here.)
            assert!(
                matches!(code[i - 1], Instr::Load8U(Load { dst, .. }) | Instr::Load8UAcc(Load { dst, .. }) if dst == index),
                "{kinds:#?}"
            );
            assert!(
                matches!(code[table as usize], Instr::BrTable { .. }),
                "{kinds:#?}"
            );
        }
    }
    // Without the copies, the original reads the accumulator.
    let code = code_of(
        "(module (memory 1) (func (param i32) (result i32)
            (block $b (block $a
              (br_table $a $b (i32.load8_u (local.get 0))))
              (return (i32.const 7)))
            (i32.const 9)))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert!(names.iter().any(|n| n == "BrTableAcc"), "{kinds:#?}");
}

#[test]
fn a_store_to_the_address_it_stores_is_not_fused() {
    // `p = *q; *p = p`, `p += 4; *p = p` and the byte form: the store's
    // address is the value just produced, which the fused handlers do not
    // read (see `LoadStore`), so each stays two instructions, the store
    // taking its address from the accumulator; a store elsewhere still
    // fuses.
    let code = code_of(
        "(module (memory 1) (func (param i32 i32 i32)
            (i32.store (local.tee 1 (i32.load (local.get 0))) (local.get 1))
            (i32.store (local.tee 1 (i32.add (local.get 1) (i32.const 4))) (local.get 1))
            (i32.store8 (local.tee 1 (i32.load8_u (i32.add (local.get 0) (i32.const 3)))) (local.get 1))
            (i32.store8 (local.get 2) (local.tee 1 (i32.load8_u (i32.add (local.get 0) (i32.const 3)))))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names,
        [
            "Load32",
            "Store32Acc",
            "I32AddImm",
            "Store32Acc",
            "Load8UAdd",
            "Store8Acc",
            "Load8UAddStore8",
            "Store8",
            "Return"
        ],
        "{kinds:#?}"
    );
}

/// Trap offsets come from translating a body again (`offsets_of`): that
/// must give the very code that runs, for every function of real programs
/// (tail duplication, superinstructions and accumulators included), with
/// fuel metering off and on, and an offset for every instruction.
#[test]
fn translating_again_for_offsets_gives_the_same_code() {
    let programs: [&[u8]; 3] = [
        include_bytes!("../../../../benches/workloads/regex.wasm"),
        include_bytes!("../../../../benches/workloads/compress.wasm"),
        include_bytes!("../../../../benches/workloads/vm.wasm"),
    ];
    for bytes in programs {
        for fuel in [false, true] {
            let mut config = Config::default();
            config.consume_fuel(fuel);
            let engine = Engine::new(&config);
            let module = Module::new(&engine, bytes).expect("module compiles");
            let inner = &module.inner;
            for (defined, func) in inner.funcs.iter().enumerate() {
                let again = super::offsets_of(&inner.decoded, &inner.ctx, &config, defined as u32)
                    .expect("the body translates again");
                assert!(
                    func.instrs().eq(again.instrs()),
                    "function {defined} (fuel {fuel}) translated differently"
                );
                assert_eq!(func.wasm_offset(0), None, "compiled code keeps no offsets");
                for pc in 0..again.instrs().len() {
                    let offset = again
                        .wasm_offset(pc)
                        .expect("every instruction has an offset");
                    assert!((offset as usize) < bytes.len());
                }
            }
        }
    }
}

/// A byte store of a constant right before its loop's add-and-branch
/// latch takes the form that runs both in one dispatch; the latch stays
/// where it was (a branch may target it, and the store runs alone when
/// it does not follow).
#[test]
fn a_byte_fill_before_its_latch_runs_the_latch_too() {
    let code = code_of(
        "(module (memory 1) (func (param i32 i32)
            (loop $l
                (i32.store8 offset=1024 (local.get 0) (i32.const 1))
                (br_if $l (i32.lt_u
                    (local.tee 0 (i32.add (local.get 0) (local.get 1)))
                    (i32.const 4096))))
            (loop $m
                (i32.store8 (i32.add (local.get 0) (i32.const 1024)) (i32.const 1))
                (br_if $m (i32.lt_u
                    (local.tee 0 (i32.add (local.get 0) (local.get 1)))
                    (i32.const 4096))))
            (i32.store8 offset=1024 (local.get 0) (i32.const 2))))",
    );
    let (kinds, names) = kinds_and_names(&code);
    assert_eq!(
        names,
        [
            "Store8ImmLatch",
            "I32AddBrLtUImm",
            "BrI32LtUImm",
            "Store8ImmAddLatch",
            "I32AddBrLtUImm",
            "BrI32LtUImm",
            "Store8Imm",
            "Return"
        ],
        "{kinds:#?}"
    );
}

#[test]
fn switches_fuse_with_what_computes_their_index() {
    // `tests/exec/switches.wat` runs these; here, each function's switches
    // take their fused forms, and the `br_table`s after them their plain
    // ones (see `fuse::fuse_latches_and_switches`).
    let funcs = translate(include_str!("../../tests/exec/switches.wat"));
    let names_of = |f: usize| kinds_and_names(&funcs[f].instrs().collect::<Vec<_>>());
    let (kinds, names) = names_of(0);
    let count =
        |names: &[alloc::string::String], name: &str| names.iter().filter(|n| *n == name).count();
    // The loop's head and its copies at the end of each case.
    assert_eq!(
        count(&names, "Load32IdxBrTable") + count(&names, "Load32IdxAccBrTable"),
        5,
        "{kinds:#?}"
    );
    assert_eq!(
        count(&names, "Load32Idx") + count(&names, "Load32IdxAcc"),
        0,
        "{kinds:#?}"
    );
    assert_eq!(
        count(&names, "BrTableAcc") + count(&names, "BrTableAtAcc"),
        0,
        "{kinds:#?}"
    );
    let (kinds, names) = names_of(1);
    assert_eq!(count(&names, "I32AddImmBrTable"), 1, "{kinds:#?}");
    let (kinds, names) = names_of(2);
    // (Tail duplication copies both switches into the loop's cases.)
    assert!(count(&names, "Load8UAddBrTable") >= 1, "{kinds:#?}");
    assert!(count(&names, "I32AddImmAccBrTable") >= 1, "{kinds:#?}");
    assert_eq!(
        count(&names, "BrTableAcc") + count(&names, "BrTableAtAcc"),
        0,
        "{kinds:#?}"
    );
}

#[test]
fn loads_fuse_with_a_zero_test_of_their_value() {
    // `tests/exec/zero_tests.wat` runs these: a list walk's `p = p->next;
    // if (p)`, a string scan's `if (!*s)` and a flag test `if (!*p)`.
    let funcs = translate(include_str!("../../tests/exec/zero_tests.wat"));
    let names_of = |f: usize| kinds_and_names(&funcs[f].instrs().collect::<Vec<_>>());
    for (f, fused) in [(0, "Load32BrNez"), (1, "Load8UBrEqz"), (2, "Load32BrEqz")] {
        let (kinds, names) = names_of(f);
        assert!(names.iter().any(|n| n == fused), "{fused}: {kinds:#?}");
    }
}
