//! Regression tests from the hostile-input audit: single-item sections with
//! trailing bytes, and the accessors of a decoded module given ranges that
//! are not its own (which must not panic).

use wisp_core::Features;
use wisp_decode::{DataMode, DataSegment, FuncBody, decode};

/// The module header followed by `sections`.
fn module(sections: &[&[u8]]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for s in sections {
        out.extend_from_slice(s);
    }
    out
}

const TYPE_VOID: &[u8] = b"\x01\x04\x01\x60\x00\x00";
const FUNC_1: &[u8] = b"\x03\x02\x01\x00";
const CODE_1: &[u8] = b"\x0a\x04\x01\x02\x00\x0b";

#[test]
fn single_item_sections_with_trailing_bytes() {
    // The start section holds one function index; a byte more is the spec's
    // "section size mismatch" (wasmparser says "unexpected content in the
    // start section").
    let bytes = module(&[TYPE_VOID, FUNC_1, b"\x08\x02\x00\x00", CODE_1]);
    let e = decode(&bytes, &Features::WASM2).unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.offset),
        ("section size mismatch", 21)
    );
    // Likewise the data count section.
    let bytes = module(&[b"\x0c\x02\x00\x00"]);
    let e = decode(&bytes, &Features::WASM2).unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.offset),
        ("section size mismatch", 11)
    );
}

#[test]
fn accessors_never_index_out_of_range() {
    let m = decode(&module(&[TYPE_VOID, FUNC_1, CODE_1]), &Features::WASM2).unwrap();
    assert_eq!(m.code(&m.bodies[0]), [0x0b]);
    // A body or segment of another (larger) module reads as empty.
    let foreign = FuncBody {
        locals: Box::new([]),
        num_locals: 0,
        code: 1000..2000,
    };
    assert!(m.code(&foreign).is_empty());
    let segment = DataSegment {
        mode: DataMode::Passive,
        data: 5..usize::MAX,
        offset: 0,
    };
    assert!(m.data_bytes(&segment).is_empty());
    // Index spaces past `u32::MAX` saturate rather than overflow.
    let mut huge = m.clone();
    huge.num_imported.funcs = u32::MAX;
    assert_eq!(huge.num_funcs(), u32::MAX);
    // An imported function the import list does not have: none.
    assert_eq!(huge.func_type_index(5), None);
}
