//! Module-level rules, each with a valid and an invalid case.

mod common;

use common::{first_error, invalid, invalid_with, valid, validate_wat_with};
use wisp_core::Features;

#[test]
fn memory_limits() {
    valid("(module (memory 0 65536))");
    invalid(
        "(module (memory 65537))",
        "memory size must be at most 65536 pages (4GiB)",
    );
    invalid(
        "(module (memory 0 65537))",
        "memory size must be at most 65536 pages (4GiB)",
    );
    invalid(
        "(module (memory 2 1))",
        "size minimum must not be greater than maximum",
    );
}

#[test]
fn table_limits() {
    valid("(module (table 1 1 funcref))");
    invalid(
        "(module (table 2 1 funcref))",
        "size minimum must not be greater than maximum",
    );
}

#[test]
fn at_most_one_memory() {
    valid("(module (import \"a\" \"m\" (memory 1)))");
    invalid(
        "(module (import \"a\" \"m\" (memory 1)) (memory 1))",
        "multiple memories",
    );
    invalid(
        "(module (import \"a\" \"m\" (memory 1)) (import \"a\" \"n\" (memory 1)))",
        "multiple memories",
    );
}

#[test]
fn export_names_are_unique_and_indices_exist() {
    valid("(module (func) (export \"a\" (func 0)) (export \"b\" (func 0)))");
    invalid(
        "(module (func) (global i32 (i32.const 0)) (export \"a\" (func 0)) (export \"a\" (global 0)))",
        "duplicate export name",
    );
    invalid(
        "(module (func) (export \"a\" (func 1)))",
        "unknown function 1",
    );
    invalid("(module (export \"a\" (table 0)))", "unknown table 0");
    invalid("(module (export \"a\" (memory 0)))", "unknown memory 0");
    invalid("(module (export \"a\" (global 0)))", "unknown global 0");
}

#[test]
fn start_function_has_empty_type() {
    valid("(module (func $s) (start $s))");
    invalid(
        "(module (func $s (param i32)) (start $s))",
        "start function",
    );
    invalid(
        "(module (func $s (result i32) (i32.const 0)) (start $s))",
        "start function",
    );
    invalid("(module (start 3))", "unknown function 3");
}

#[test]
fn function_and_import_type_indices() {
    invalid("(module (func (type 3)))", "unknown type");
    invalid(
        "(module (type (func)) (import \"a\" \"f\" (func (type 1))))",
        "unknown type 1",
    );
}

#[test]
fn global_initializers_are_constant() {
    valid("(module (global i32 (i32.const 1)) (global f64 (f64.const 1)))");
    valid("(module (global externref (ref.null extern)) (global funcref (ref.func 0)) (func))");
    invalid(
        "(module (global i32 (i32.ctz (i32.const 1))))",
        "constant expression required",
    );
    invalid(
        "(module (global i32 (i32.const 0) (nop)))",
        "constant expression required",
    );
    invalid("(module (global i32 (f32.const 0)))", "type mismatch");
    invalid(
        "(module (global i32 (i32.const 0) (i32.const 0)))",
        "type mismatch",
    );
    invalid("(module (global i32))", "type mismatch");
    invalid(
        "(module (global funcref (ref.func 1)) (func))",
        "unknown function 1",
    );
}

#[test]
fn global_get_in_constants_sees_only_immutable_imports() {
    valid("(module (import \"a\" \"g\" (global i32)) (global i32 (global.get 0)))");
    invalid(
        "(module (import \"a\" \"g\" (global (mut i32))) (global i32 (global.get 0)))",
        "constant expression required",
    );
    // Wasm 2.0 validates constants under C', which lists imported globals only.
    invalid(
        "(module (global i32 (i32.const 0)) (global i32 (global.get 0)))",
        "unknown global 0",
    );
    invalid(
        "(module (import \"a\" \"g\" (global externref)) (global funcref (global.get 0)))",
        "type mismatch",
    );
    invalid(
        "(module (memory 1) (global i32 (i32.const 0)) (data (global.get 0) \"\"))",
        "unknown global 0",
    );
}

#[test]
fn extended_const_is_gated() {
    let wat = "(module (import \"a\" \"g\" (global i32)) (global i32 (i32.add (global.get 0) (i32.const 1))))";
    invalid(wat, "constant expression required");
    let extended = Features {
        extended_const: true,
        ..Features::WASM2
    };
    validate_wat_with(wat, &extended).expect("valid with extended-const");
    invalid_with(
        "(module (global i64 (i64.mul (i64.const 2) (i32.const 1))))",
        "type mismatch",
        &extended,
    );
    invalid_with(
        "(module (global i32 (i32.sub (i32.const 1))))",
        "type mismatch",
        &extended,
    );
}

#[test]
fn element_segments() {
    valid("(module (table 2 funcref) (func) (elem (i32.const 0) 0 0))");
    valid(
        "(module (table 1 externref) (elem (table 0) (i32.const 0) externref (ref.null extern)))",
    );
    valid("(module (func) (elem declare func 0))");
    invalid("(module (func) (elem (i32.const 0) 0))", "unknown table 0");
    invalid(
        "(module (table 1 funcref) (elem (i32.const 0) 1))",
        "unknown function 1",
    );
    invalid(
        "(module (table 1 funcref) (func) (elem (i64.const 0) 0))",
        "type mismatch",
    );
    invalid(
        "(module (table 1 externref) (func) (elem (i32.const 0) funcref (ref.func 0)))",
        "type mismatch",
    );
    invalid(
        "(module (table 1 funcref) (elem (i32.const 0) funcref (ref.null extern)))",
        "type mismatch",
    );
    invalid(
        "(module (table 1 funcref) (func) (elem (i32.const 0) funcref (ref.func 0) (i32.const 0)))",
        "type mismatch",
    );
}

#[test]
fn data_segments() {
    valid("(module (memory 1) (data (i32.const 0) \"abc\") (data \"passive\"))");
    invalid("(module (data (i32.const 0) \"\"))", "unknown memory 0");
    invalid(
        "(module (memory 1) (data (i64.const 0) \"\"))",
        "type mismatch",
    );
}

#[test]
fn ref_func_needs_a_declaration() {
    invalid(
        "(module (func $f) (func (drop (ref.func $f))))",
        "undeclared function reference",
    );
    // Declared by an export, an element segment (any mode) or a global initializer.
    valid("(module (func $f) (export \"f\" (func $f)) (func (drop (ref.func $f))))");
    valid("(module (func $f) (elem declare func $f) (func (drop (ref.func $f))))");
    valid(
        "(module (func $f) (table 1 funcref) (elem (i32.const 0) $f) (func (drop (ref.func $f))))",
    );
    valid("(module (func $f) (global funcref (ref.func $f)) (func (drop (ref.func $f))))");
    invalid("(module (func (drop (ref.func 9))))", "unknown function 9");
}

#[test]
fn mvp_features_reject_wasm2_constructs() {
    let mvp = Features::WASM1;
    validate_wat_with(
        "(module (memory 1) (func (result i32) (i32.const 0)))",
        &mvp,
    )
    .expect("MVP module");
    invalid_with(
        "(module (global externref (ref.null extern)))",
        "reference type not supported",
        &mvp,
    );
    invalid_with(
        "(module (table 1 funcref) (table 1 funcref))",
        "multiple tables not supported",
        &mvp,
    );
    // The decoder already refuses the encodings bulk memory introduced.
    let passive = first_error("(module (memory 1) (data \"x\"))", &mvp);
    assert!(passive.is_some(), "passive data accepted under MVP");
    invalid_with(
        "(module (func (result i32 i32) unreachable))",
        "invalid result arity",
        &mvp,
    );
    invalid_with(
        "(module (func (result i32) (i32.extend8_s (i32.const 1))))",
        "i32.extend8_s not supported",
        &mvp,
    );
    invalid_with(
        "(module (func (block (param i32) drop) ) )",
        "type-indexed block type not supported",
        &mvp,
    );
    invalid_with(
        "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))",
        "memory.fill not supported",
        &mvp,
    );
    invalid_with(
        "(module (func (result i32) (i32.trunc_sat_f32_s (f32.const 0))))",
        "saturating truncation not supported",
        &mvp,
    );
    invalid_with(
        "(module (func (local externref)))",
        "reference type not supported",
        &mvp,
    );
}

#[test]
fn mutable_global_imports_are_gated() {
    let wat = "(module (import \"a\" \"g\" (global (mut i32))))";
    valid(wat);
    let no_mut = Features {
        mutable_global: false,
        ..Features::WASM1
    };
    invalid_with(wat, "importing a mutable global not supported", &no_mut);
    invalid_with(
        "(module (global (mut i32) (i32.const 0)) (export \"g\" (global 0)))",
        "exporting a mutable global not supported",
        &no_mut,
    );
}

#[test]
fn error_display_carries_the_offset() {
    let e = invalid(
        "(module (func (result i32) (i64.const 0)))",
        "type mismatch",
    );
    assert!(
        e.offset > 8,
        "offset points into the code section: {}",
        e.offset
    );
    assert!(!e.malformed);
    let shown = e.to_string();
    assert!(
        shown.ends_with(&format!("(at offset {:#x})", e.offset)),
        "{shown}"
    );
}

#[test]
fn error_size_is_pinned() {
    // String (3 words) + offset (1 word) + flag, padded.
    assert_eq!(
        core::mem::size_of::<wisp_validate::ValidationError>(),
        5 * core::mem::size_of::<usize>()
    );
}
