//! Function-body rules (the spec appendix algorithm), each with a valid and
//! an invalid case.

mod common;

use common::{OneFunc, invalid, valid, validate_bytes};
use wisp_core::Features;

#[test]
fn operand_types() {
    valid("(module (func (result i32) (i32.add (i32.const 1) (i32.const 2))))");
    invalid(
        "(module (func (result i32) (i32.add (i32.const 1) (i64.const 2))))",
        "type mismatch: expected i32, found i64",
    );
    invalid(
        "(module (func (result i32) (i32.add (i32.const 1))))",
        "type mismatch",
    );
    invalid("(module (func (i32.const 1)))", "type mismatch");
    invalid(
        "(module (func (result f32) (f64.const 1)))",
        "type mismatch",
    );
    valid("(module (func (result f64) (f64.promote_f32 (f32.demote_f64 (f64.const 1)))))");
    invalid(
        "(module (func (result i64) (i64.extend_i32_s (i64.const 1))))",
        "type mismatch",
    );
}

#[test]
fn blocks_and_loops() {
    valid("(module (func (result i32) (block (result i32) (i32.const 1))))");
    valid("(module (func (result i32) (loop (result i32) (i32.const 1))))");
    invalid("(module (func (block (result i32))))", "type mismatch");
    invalid("(module (func (block (i32.const 1))))", "type mismatch");
    // Multi-value: params come from the enclosing stack.
    valid(
        "(module (func (result i32 i32) (i32.const 1) (i32.const 2) \
         (block (param i32 i32) (result i32 i32))))",
    );
    invalid(
        "(module (func (result i32) (i64.const 1) (block (param i32) (result i32))))",
        "type mismatch",
    );
    invalid("(module (func (block (type 5))))", "unknown type 5");
}

#[test]
fn if_else() {
    valid(
        "(module (func (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))))",
    );
    invalid(
        "(module (func (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)))))",
        "type mismatch",
    );
    // Without else, params must equal results.
    valid(
        "(module (func (param i32) (result i32) (i32.const 5) (if (param i32) (result i32) (local.get 0) (then))))",
    );
    invalid("(module (func (if (f32.const 1) (then))))", "type mismatch");
    invalid(
        "(module (func (param i32) (if (local.get 0) (then (i32.const 1)) (else))))",
        "type mismatch",
    );
}

#[test]
fn branches() {
    valid("(module (func (result i32) (block (result i32) (br 0 (i32.const 1)))))");
    valid("(module (func (loop (br 0))))");
    invalid("(module (func (br 1)))", "unknown label");
    invalid(
        "(module (func (block (result i32) (br 0))))",
        "type mismatch",
    );
    // A branch to a loop carries the loop's params.
    valid("(module (func (result i32) (loop (result i32) (br 0 (i32.const 1)))))");
    invalid(
        "(module (func (i32.const 0) (loop (param i32) (drop) (br 0))))",
        "type mismatch",
    );
    valid("(module (func (i32.const 0) (loop (param i32) (br 0))))");
    valid(
        "(module (func (param i32) (result i32) (block (result i32) (br_if 0 (i32.const 1) (local.get 0)))))",
    );
    invalid(
        "(module (func (param i32) (block (br_if 0 (i64.const 1)))))",
        "type mismatch",
    );
    valid("(module (func (result i32) (i32.const 9) (return)))");
    invalid("(module (func (result i32) (return)))", "type mismatch");
}

#[test]
fn br_table() {
    valid(
        "(module (func (param i32) (result i32) (block (result i32) (block (result i32) \
         (br_table 0 1 0 (i32.const 7) (local.get 0))))))",
    );
    invalid(
        "(module (func (param i32) (block (block (result i32) (br_table 0 1 (i32.const 7) (local.get 0))) (drop))))",
        "type mismatch",
    );
    invalid(
        "(module (func (param i32) (block (br_table 0 2 (local.get 0)))))",
        "unknown label",
    );
    invalid(
        "(module (func (block (br_table 0 (i64.const 0)))))",
        "type mismatch",
    );
    // Same arity, different types: the operand must match every label.
    invalid(
        "(module (func (param i32) (result f64) (block (result f64) (block (result f32) \
         (br_table 0 1 (f32.const 0) (local.get 0))) (drop) (f64.const 0))))",
        "type mismatch",
    );
}

#[test]
fn unreachable_code_is_stack_polymorphic() {
    valid("(module (func (result i32) (unreachable)))");
    valid("(module (func (result i32) (unreachable) (i32.add)))");
    valid("(module (func (result i32) (block (result i32) (br 0 (i32.const 1)) (i32.add))))");
    invalid(
        "(module (func (result i32) (block (result i32) (br 0 (i32.const 1)) (i64.add))))",
        "type mismatch",
    );
    invalid(
        "(module (func (result i32) (unreachable) (i64.const 0) (i32.add)))",
        "type mismatch",
    );
    invalid(
        "(module (func (unreachable) (i32.const 0)))",
        "type mismatch",
    );
    // br_if refines unknown operands to the label's types.
    invalid(
        "(module (func (result i32) (block (result f32) (unreachable) (br_if 0 (i32.const 1)) ) (drop) (i32.const 0) (i64.add)))",
        "type mismatch",
    );
}

#[test]
fn calls() {
    valid(
        "(module (func $f (param i32) (result i64) (i64.const 0)) (func (result i64) (call $f (i32.const 1))))",
    );
    invalid("(module (func (call 4)))", "unknown function 4");
    invalid(
        "(module (func $f (param i32)) (func (call $f (i64.const 1))))",
        "type mismatch",
    );
    valid(
        "(module (type $t (func (result i32))) (table 1 funcref) (func (result i32) (call_indirect (type $t) (i32.const 0))))",
    );
    invalid(
        "(module (type $t (func)) (func (call_indirect (type $t) (i32.const 0))))",
        "unknown table 0",
    );
    invalid(
        "(module (table 1 funcref) (func (call_indirect (type 7) (i32.const 0))))",
        "unknown type 7",
    );
    invalid(
        "(module (type $t (func)) (table 1 externref) (func (call_indirect (type $t) (i32.const 0))))",
        "type mismatch",
    );
}

#[test]
fn select() {
    valid("(module (func (result i32) (select (i32.const 1) (i32.const 2) (i32.const 0))))");
    invalid(
        "(module (func (result i32) (select (i32.const 1) (i64.const 2) (i32.const 0))))",
        "type mismatch",
    );
    invalid(
        "(module (func (select (ref.null extern) (ref.null extern) (i32.const 0)) (drop)))",
        "type mismatch",
    );
    valid(
        "(module (func (result externref) (select (result externref) (ref.null extern) (ref.null extern) (i32.const 0))))",
    );
    valid("(module (func (result i32) (unreachable) (select)))");
    invalid(
        "(module (func (result i32) (select (result i32 i32) (i32.const 1) (i32.const 2) (i32.const 0)) (drop)))",
        "invalid result arity",
    );
}

#[test]
fn locals_and_globals() {
    valid(
        "(module (func (param i32) (local i64) (local.set 1 (i64.extend_i32_u (local.tee 0 (local.get 0))))))",
    );
    invalid(
        "(module (func (local i32) (drop (local.get 1))))",
        "unknown local 1",
    );
    invalid(
        "(module (func (local i32) (local.set 0 (f32.const 0))))",
        "type mismatch",
    );
    valid("(module (global (mut i32) (i32.const 0)) (func (global.set 0 (i32.const 1))))");
    invalid(
        "(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))",
        "global is immutable",
    );
    invalid("(module (func (drop (global.get 0))))", "unknown global 0");
}

#[test]
fn too_many_locals() {
    let at_limit = OneFunc {
        code: &[0x0b],
        locals: &[(50_000, 0x7f)],
        ..OneFunc::default()
    };
    validate_bytes(&at_limit.build(), &Features::WASM2).expect("50000 locals are allowed");
    let over = OneFunc {
        code: &[0x0b],
        locals: &[(u32::MAX, 0x7f), (u32::MAX, 0x7e)],
        ..OneFunc::default()
    };
    let bytes = over.build();
    // The decoder may refuse first; either way nothing is allocated per local.
    if let Ok(module) = wisp_decode::decode(&bytes, &Features::WASM2) {
        let err = wisp_validate::validate(&module, &Features::WASM2).unwrap_err();
        assert_eq!(err.message, "too many locals");
    }
}

#[test]
fn memory_instructions() {
    valid(
        "(module (memory 1) (func (i64.store offset=8 align=8 (i32.const 0) (i64.load8_u (i32.const 3)))))",
    );
    invalid(
        "(module (func (drop (i32.load (i32.const 0)))))",
        "unknown memory 0",
    );
    invalid(
        "(module (memory 1) (func (drop (i32.load16_s align=4 (i32.const 0)))))",
        "alignment must not be larger than natural",
    );
    invalid(
        "(module (memory 1) (func (i32.store (i32.const 0) (i64.const 0))))",
        "type mismatch",
    );
    valid("(module (memory 1) (func (result i32) (memory.grow (memory.size))))");
    invalid("(module (func (drop (memory.size))))", "unknown memory 0");
    invalid(
        "(module (func (memory.copy (i32.const 0) (i32.const 0) (i32.const 0))))",
        "unknown memory 0",
    );
    valid(
        "(module (memory 1) (data \"x\") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 0)))",
    );
    invalid(
        "(module (memory 1) (data \"x\") (func (data.drop 1)))",
        "unknown data segment 1",
    );
    invalid(
        "(module (memory 1) (data \"x\") (func (memory.init 0 (i32.const 0) (i32.const 0) (i64.const 1))))",
        "type mismatch",
    );
}

#[test]
fn data_count_section_is_required_for_data_indices() {
    // memory.init 0 without a data count section: a binary-format error.
    let without = OneFunc {
        code: &[0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x08, 0x00, 0x00, 0x0b],
        memory: true,
        passive_data: 1,
        ..OneFunc::default()
    };
    let err = validate_bytes(&without.build(), &Features::WASM2).unwrap_err();
    assert_eq!(err.message, "data count section required");
    assert!(err.malformed);
    let with = OneFunc {
        data_count: Some(1),
        ..without
    };
    validate_bytes(&with.build(), &Features::WASM2).expect("valid with a data count");
    let drop_without = OneFunc {
        code: &[0xfc, 0x09, 0x00, 0x0b],
        passive_data: 1,
        ..OneFunc::default()
    };
    let err = validate_bytes(&drop_without.build(), &Features::WASM2).unwrap_err();
    assert!(err.malformed && err.message == "data count section required");
}

#[test]
fn large_alignment_exponents_are_malformed() {
    // i32.load with align exponent 32 (0x20): "malformed memop flags".
    let m = OneFunc {
        code: &[0x41, 0, 0x28, 0x20, 0x00, 0x1a, 0x0b],
        memory: true,
        ..OneFunc::default()
    };
    let err = validate_bytes(&m.build(), &Features::WASM2).unwrap_err();
    assert!(err.malformed, "{err}");
    // Exponent 31 is merely invalid.
    let m = OneFunc {
        code: &[0x41, 0, 0x28, 0x1f, 0x00, 0x1a, 0x0b],
        memory: true,
        ..OneFunc::default()
    };
    let err = validate_bytes(&m.build(), &Features::WASM2).unwrap_err();
    assert!(!err.malformed);
    assert!(
        err.message
            .starts_with("alignment must not be larger than natural")
    );
}

#[test]
fn table_and_reference_instructions() {
    valid(
        "(module (table $t 1 funcref) (table $e 1 externref) (elem $s funcref) \
         (func (param externref) \
           (table.set $t (i32.const 0) (table.get $t (i32.const 0))) \
           (drop (table.grow $e (local.get 0) (i32.const 1))) \
           (table.fill $e (i32.const 0) (local.get 0) (table.size $e)) \
           (table.copy $t $t (i32.const 0) (i32.const 0) (i32.const 0)) \
           (table.init $t $s (i32.const 0) (i32.const 0) (i32.const 0)) \
           (elem.drop $s) \
           (drop (ref.is_null (local.get 0)))))",
    );
    invalid("(module (func (drop (table.size 0))))", "unknown table 0");
    invalid(
        "(module (table 1 funcref) (func (table.set 0 (i32.const 0) (ref.null extern))))",
        "type mismatch",
    );
    invalid(
        "(module (table $t 1 funcref) (table $e 1 externref) (func (table.copy $t $e (i32.const 0) (i32.const 0) (i32.const 0))))",
        "type mismatch",
    );
    invalid(
        "(module (table 1 externref) (elem funcref) (func (table.init 0 0 (i32.const 0) (i32.const 0) (i32.const 0))))",
        "type mismatch",
    );
    invalid("(module (func (elem.drop 2)))", "unknown elem segment 2");
    invalid(
        "(module (elem funcref) (func (table.init 0 0 (i32.const 0) (i32.const 0) (i32.const 0))))",
        "unknown table 0",
    );
    invalid(
        "(module (func (drop (ref.is_null (i32.const 0)))))",
        "type mismatch",
    );
}

#[test]
fn operators_outside_wasm2_are_rejected() {
    // v128.const: SIMD is not part of wisp's 2.0 (the decoder or validator refuses).
    let msg = common::first_error(
        "(module (func (drop (v128.const i64x2 0 0))))",
        &Features::WASM2,
    )
    .expect("SIMD rejected");
    assert!(
        msg.contains("not supported") || msg.contains("SIMD") || msg.contains("illegal opcode"),
        "{msg}"
    );
    // return_call (tail calls).
    let msg = common::first_error("(module (func (return_call 0)))", &Features::WASM2)
        .expect("tail calls rejected");
    assert!(
        msg.contains("illegal opcode") && msg.contains("not part of WebAssembly 2.0"),
        "{msg}"
    );
}

#[test]
fn bytes_after_the_final_end_are_malformed() {
    let m = OneFunc {
        code: &[0x0b, 0x01],
        ..OneFunc::default()
    };
    let bytes = m.build();
    if let Ok(module) = wisp_decode::decode(&bytes, &Features::WASM2) {
        let err = wisp_validate::validate(&module, &Features::WASM2).unwrap_err();
        assert!(err.malformed, "{err}");
    }
    // A body that stops before its final `end`.
    let m = OneFunc {
        code: &[0x02, 0x40, 0x0b],
        ..OneFunc::default()
    };
    let bytes = m.build();
    if let Ok(module) = wisp_decode::decode(&bytes, &Features::WASM2) {
        let err = wisp_validate::validate(&module, &Features::WASM2).unwrap_err();
        assert!(err.malformed, "{err}");
    }
}

/// A module with two function bodies of type `[] -> []` (raw code bytes, locals excluded).
fn two_bodies(first: &[u8], second: &[u8]) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    m.extend(common::section(1, &[1, 0x60, 0, 0]));
    m.extend(common::section(3, &[2, 0, 0]));
    let mut code = vec![2];
    for body in [first, second] {
        common::leb(body.len() as u64 + 1, &mut code);
        code.push(0); // no locals
        code.extend_from_slice(body);
    }
    m.extend(common::section(10, &code));
    m
}

#[test]
fn malformed_takes_precedence_over_invalid_in_the_same_body() {
    // `br 5` is invalid; the body then lacks its final `end`, which is malformed.
    let err = common::validate_bytes(&two_bodies(&[0x0c, 0x05], &[0x0b]), &Features::WASM2)
        .expect_err("rejected");
    assert!(err.malformed, "{err}");
    // With the `end` present the same body is merely invalid.
    let err = common::validate_bytes(&two_bodies(&[0x0c, 0x05, 0x0b], &[0x0b]), &Features::WASM2)
        .expect_err("rejected");
    assert!(
        !err.malformed && err.message.starts_with("unknown label"),
        "{err}"
    );
}

#[test]
fn a_later_malformed_body_makes_the_module_malformed() {
    // First body invalid (`br 5`), second body malformed (0xff is no opcode).
    let err = common::validate_bytes(
        &two_bodies(&[0x0c, 0x05, 0x0b], &[0xff, 0x0b]),
        &Features::WASM2,
    )
    .expect_err("rejected");
    assert!(err.malformed, "{err}");
}

/// A module of one function with body `code` (no locals, no operands).
fn one_body(code: &[u8]) -> Vec<u8> {
    OneFunc {
        code,
        ..OneFunc::default()
    }
    .build()
}

#[test]
fn an_invalid_operator_in_nested_blocks_is_invalid_unless_the_rest_is_malformed() {
    // `block block if (i32.const 0 missing) ... end end end end`: the `if`
    // has no condition (invalid); everything after it is well-formed, so the
    // reader's frame structure must be rebuilt exactly for the rest.
    let code: &[u8] = &[
        0x02, 0x40, // block
        0x03, 0x40, // loop
        0x04, 0x40, // if (no condition: type mismatch)
        0x01, // nop
        0x05, // else
        0x01, // nop
        0x0b, // end if
        0x0b, // end loop
        0x0b, // end block
        0x0b, // end function
    ];
    let bytes = one_body(code);
    let module = wisp_decode::decode(&bytes, &Features::WASM2).unwrap();
    let err = wisp_validate::validate(&module, &Features::WASM2).unwrap_err();
    assert!(!err.malformed, "{err}");
    assert!(err.message.starts_with("type mismatch"), "{err}");

    // The same, with an illegal opcode (0xff) after the invalid `if`: the
    // module is malformed.
    let code: &[u8] = &[
        0x02, 0x40, 0x03, 0x40, 0x04, 0x40, 0xff, 0x0b, 0x0b, 0x0b, 0x0b,
    ];
    let bytes = one_body(code);
    let module = wisp_decode::decode(&bytes, &Features::WASM2).unwrap();
    let err = wisp_validate::validate(&module, &Features::WASM2).unwrap_err();
    assert!(err.malformed, "{err}");

    // And with one `end` too many after the invalid `if`: malformed too
    // (operators after the end of the body).
    let code: &[u8] = &[
        0x02, 0x40, 0x03, 0x40, 0x04, 0x40, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
    ];
    let bytes = one_body(code);
    if let Ok(module) = wisp_decode::decode(&bytes, &Features::WASM2) {
        let err = wisp_validate::validate(&module, &Features::WASM2).unwrap_err();
        assert!(err.malformed, "{err}");
    }
}
