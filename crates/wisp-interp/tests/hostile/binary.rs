//! Malformed and hostile binaries through `Module::new`: 2^32 - 1 locals,
//! over-long and truncated LEB128, truncated and oversized sections, counts
//! of 2^32 - 1 entries, and duplicate exports. Each gives one exact error,
//! quickly, and allocates in proportion to the input, never to a count it
//! declares.

use wisp_interp::{Error, Val};

use super::*;

/// Type section with one `[] -> []` type.
const TYPE_VOID: &[u8] = b"\x01\x04\x01\x60\x00\x00";
/// Function section declaring one function of type 0.
const FUNC_1: &[u8] = b"\x03\x02\x01\x00";
/// Memory section with one page.
const MEMORY_1: &[u8] = b"\x05\x03\x01\x00\x01";

/// A module whose one function (`[] -> []`) has the raw `body` (locals
/// vector, instructions and the final `end`).
fn with_body(body: &[u8]) -> Vec<u8> {
    let mut code = vec![1];
    leb(body.len() as u64, &mut code);
    code.extend_from_slice(body);
    raw_module(&[TYPE_VOID, FUNC_1, MEMORY_1, &section(10, &code)])
}

/// Heap bound for rejecting a binary of `input` bytes: the decoded module is
/// a small multiple of the input; nothing is sized by a declared count.
fn small(input: usize) -> usize {
    32 * input + 16 * KIB
}

/// Checks that `bytes` is rejected as malformed with `message`, within the bounds.
#[track_caller]
fn assert_malformed(bytes: &[u8], message: &str) {
    let got = bounded(message, small(bytes.len()), || malformed(bytes));
    assert_eq!(got, message, "binary {bytes:02x?}");
}

#[test]
fn a_function_declaring_2_pow_32_minus_1_locals() {
    let _serial = serial();
    // One declaration of 0xffff_ffff i32 locals: rejected from the count
    // alone, without allocating anything per local.
    assert_malformed(
        &with_body(b"\x01\xff\xff\xff\xff\x0f\x7f\x0b"),
        "too many locals",
    );
    // Two declarations of 2^31 locals each: their total overflows a u32.
    assert_malformed(
        &with_body(b"\x02\x80\x80\x80\x80\x08\x7f\x80\x80\x80\x80\x08\x7e\x0b"),
        "too many locals",
    );
}

#[test]
fn the_locals_limit_is_exact() {
    let _serial = serial();
    let limit = u64::from(wisp_core::limits::MAX_LOCALS);
    // (local i32 × 50000): set the last one and return it.
    let body = |n: u64| {
        let mut b = vec![0x01];
        leb(n, &mut b);
        b.push(0x7f);
        b.extend_from_slice(&[0x41, 0x2a, 0x21]); // i32.const 42, local.set
        leb(n - 1, &mut b);
        b.push(0x20); // local.get
        leb(n - 1, &mut b);
        b.push(0x0b);
        b
    };
    let module = |n| {
        let mut code = vec![1];
        let b = body(n);
        leb(b.len() as u64, &mut code);
        code.extend_from_slice(&b);
        raw_module(&[
            b"\x01\x05\x01\x60\x00\x01\x7f",
            FUNC_1,
            b"\x07\x07\x01\x03run\x00\x00",
            &section(10, &code),
        ])
    };
    let bytes = module(limit);
    let results = bounded("50,000 locals", 4 * MIB, || {
        let m = compile(&bytes).expect("the limit itself is allowed");
        let (mut store, instance) = instantiate(&m).expect("instantiates");
        // Each call zeroes its 50,000 locals; a thousand calls stay quick.
        for _ in 0..999 {
            call(&mut store, instance, "run", &[]).expect("runs");
        }
        call(&mut store, instance, "run", &[]).expect("runs")
    });
    assert_eq!(results, [Val::I32(42)]);
    assert_malformed(&module(limit + 1), "too many locals");
}

#[test]
fn over_long_leb128() {
    let _serial = serial();
    let too_long = "integer representation too long";
    // i32.const 0 in six bytes.
    assert_malformed(
        &with_body(b"\x00\x41\x80\x80\x80\x80\x80\x00\x1a\x0b"),
        too_long,
    );
    // i64.const 0 in eleven bytes.
    assert_malformed(
        &with_body(b"\x00\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00\x1a\x0b"),
        too_long,
    );
    // The locals vector's count in six bytes.
    assert_malformed(&with_body(b"\x80\x80\x80\x80\x80\x00\x0b"), too_long);
    // A memarg offset in six bytes.
    assert_malformed(
        &with_body(b"\x00\x41\x00\x28\x02\x80\x80\x80\x80\x80\x00\x1a\x0b"),
        too_long,
    );
    // A section size in six bytes.
    assert_malformed(&raw_module(&[b"\x01\x80\x80\x80\x80\x80\x00"]), too_long);
}

#[test]
fn leb128_with_unused_bits_set() {
    let _serial = serial();
    let too_large = "integer too large";
    // i32.const whose fifth byte sets bits beyond the 32nd.
    assert_malformed(
        &with_body(b"\x00\x41\xff\xff\xff\xff\x4f\x1a\x0b"),
        too_large,
    );
    // A function count of 2^32.
    assert_malformed(&raw_module(&[b"\x03\x05\x80\x80\x80\x80\x10"]), too_large);
    // A section size of 2^32.
    assert_malformed(&raw_module(&[b"\x01\x80\x80\x80\x80\x10"]), too_large);
}

#[test]
fn truncated_leb128() {
    let _serial = serial();
    // A section size cut by the end of the binary.
    assert_malformed(&raw_module(&[b"\x01\x80"]), "unexpected end");
    // A function count cut by the end of its section.
    assert_malformed(&raw_module(&[b"\x03\x01\x80", MEMORY_1]), "unexpected end");
    // An i32.const immediate cut by the end of the body.
    assert_malformed(
        &with_body(b"\x00\x41\x80"),
        "unexpected end of section or function",
    );
}

#[test]
fn every_truncation_of_a_module_fails_cleanly() {
    let _serial = serial();
    let bytes = wat::parse_str(
        r#"(module
            (type $t (func (param i32) (result i32)))
            (import "env" "f" (func $imp (param i32)))
            (memory 1 2) (table 2 funcref) (global $g (mut i32) (i32.const 7))
            (func $a (export "a") (type $t) (local i64)
                (call $imp (local.get 0))
                (block (br_table 0 0 (i32.const 1)))
                (i32.load offset=4 (local.get 0)))
            (elem (i32.const 0) $a)
            (data (i32.const 8) "hello"))"#,
    )
    .expect("valid WAT");
    let truncation = [
        "unexpected end",
        "unexpected end of section or function",
        "length out of bounds",
        "function and code section have inconsistent lengths",
    ];
    let (rejected, usage) = measure(|| {
        let mut rejected = 0;
        for len in 0..bytes.len() {
            match compile(&bytes[..len]) {
                Err(Error::Decode(e)) => {
                    assert!(
                        truncation.contains(&e.message.as_str()),
                        "prefix of {len} bytes: {e}"
                    );
                    rejected += 1;
                }
                // A prefix that ends at a section boundary (one per
                // section at most) is a module of its own.
                Ok(_) => {}
                Err(e) => panic!("prefix of {len} bytes: {e}"),
            }
        }
        rejected
    });
    check("every truncation", usage, small(bytes.len()));
    assert!(
        rejected + 10 >= bytes.len(),
        "{rejected} of {} rejected",
        bytes.len()
    );
}

#[test]
fn sections_larger_than_the_binary() {
    let _serial = serial();
    // A type section declaring 2^32 - 1 bytes: nothing is read or reserved
    // for them.
    assert_malformed(
        &raw_module(&[b"\x01\xff\xff\xff\xff\x0f\x01\x60\x00\x00"]),
        "length out of bounds",
    );
    // A custom section a few bytes longer than what follows.
    assert_malformed(
        &raw_module(&[b"\x00\x10\x04name\x00"]),
        "length out of bounds",
    );
    // A function body declaring more bytes than its code section holds
    // (and the binary).
    assert_malformed(
        &raw_module(&[TYPE_VOID, FUNC_1, b"\x0a\x04\x01\x7f\x00\x0b"]),
        "length out of bounds",
    );
    // A data segment of 2^32 - 1 bytes, with five given.
    assert_malformed(
        &raw_module(&[
            MEMORY_1,
            b"\x0b\x0f\x01\x00\x41\x00\x0b\xff\xff\xff\xff\x0fhello",
        ]),
        "unexpected end of section or function",
    );
    // A name of 2^32 - 1 bytes in an export.
    assert_malformed(
        &raw_module(&[b"\x07\x08\x01\xff\xff\xff\xff\x0f\x00\x00"]),
        "length out of bounds",
    );
}

#[test]
fn sections_larger_than_their_contents() {
    let _serial = serial();
    // One type declared, but the section holds two.
    assert_malformed(
        &raw_module(&[b"\x01\x07\x01\x60\x00\x00\x60\x00\x00"]),
        "section size mismatch",
    );
    // A memory section with a trailing byte.
    assert_malformed(
        &raw_module(&[b"\x05\x04\x01\x00\x01\x00"]),
        "section size mismatch",
    );
    // A start section with a trailing byte.
    assert_malformed(
        &raw_module(&[TYPE_VOID, FUNC_1, b"\x08\x02\x00\x00"]),
        "section size mismatch",
    );
}

#[test]
fn counts_of_2_pow_32_minus_1_entries() {
    let _serial = serial();
    // For every vector section: a count of 2^32 - 1 and a few bytes of entries.
    // The engine rejects each without reserving space for the declared count.
    for id in [1u8, 2, 3, 4, 5, 6, 7, 9, 10, 11] {
        let mut contents = b"\xff\xff\xff\xff\x0f".to_vec();
        contents.extend_from_slice(b"\x60\x00\x00\x00");
        let bytes = raw_module(&[&section(id, &contents)]);
        let (result, usage) = measure(|| compile(&bytes));
        check(
            &format!("section {id} with 2^32 - 1 entries"),
            usage,
            small(bytes.len()),
        );
        let message = match result {
            Err(Error::Decode(e)) => e.message,
            other => panic!("section {id}: {other:?}"),
        };
        assert!(
            message.starts_with("too many")
                || message == "unexpected end of section or function"
                || message == "function and code section have inconsistent lengths"
                || message.starts_with("malformed"),
            "section {id}: {message}"
        );
    }
    // A million function declarations backed by a million bytes is decoded
    // (within the limits), then rejected for lacking code, in proportion.
    let mut contents = Vec::new();
    leb(1_000_000, &mut contents);
    contents.extend(std::iter::repeat_n(0, 1_000_000));
    let bytes = raw_module(&[TYPE_VOID, &section(3, &contents)]);
    assert_malformed(
        &bytes,
        "function and code section have inconsistent lengths",
    );
}

#[test]
fn duplicate_exports() {
    let _serial = serial();
    let bytes = wat::parse_str(
        r#"(module (func $f) (export "a" (func $f)) (export "b" (func $f)) (export "a" (func $f)))"#,
    )
    .expect("the text format leaves the check to validation");
    let message = bounded("duplicate export", small(bytes.len()), || invalid(&bytes));
    assert_eq!(message, r#"duplicate export name "a""#);
    // Names are compared as bytes: the same name of another kind is a duplicate too.
    let bytes = wat::parse_str(
        r#"(module (memory 1) (func $f) (export "m" (func $f)) (export "m" (memory 0)))"#,
    )
    .expect("valid text");
    assert_eq!(invalid(&bytes), r#"duplicate export name "m""#);
}

#[test]
fn a_hundred_thousand_exports() {
    let _serial = serial();
    // The export limit, with distinct names: accepted, in n log n.
    let n = wisp_core::limits::MAX_EXPORTS;
    let mut contents = Vec::new();
    leb(u64::from(n), &mut contents);
    let mut names = Vec::new();
    for i in 0..n {
        let name = format!("e{i}");
        leb(name.len() as u64, &mut contents);
        contents.extend_from_slice(name.as_bytes());
        contents.extend_from_slice(&[0x00, 0x00]);
        names.push(name);
    }
    let code = b"\x0a\x04\x01\x02\x00\x0b";
    let bytes = raw_module(&[TYPE_VOID, FUNC_1, &section(7, &contents), code]);
    let limit = 128 * bytes.len() + MIB;
    let exports = bounded("100k exports", limit, || {
        let module = compile(&bytes).expect("distinct names are valid");
        let (store, instance) = instantiate(&module).expect("instantiates");
        instance.exports(&store).count()
    });
    assert_eq!(exports, n as usize);

    // The same with the last name repeating the first.
    let mut contents = Vec::new();
    leb(u64::from(n), &mut contents);
    for name in names
        .iter()
        .take(n as usize - 1)
        .chain(std::iter::once(&names[0]))
    {
        leb(name.len() as u64, &mut contents);
        contents.extend_from_slice(name.as_bytes());
        contents.extend_from_slice(&[0x00, 0x00]);
    }
    let bytes = raw_module(&[TYPE_VOID, FUNC_1, &section(7, &contents), code]);
    let message = bounded("100k exports, one duplicate", limit, || invalid(&bytes));
    assert_eq!(message, r#"duplicate export name "e0""#);
}
