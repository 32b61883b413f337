//! Hostile inputs: deep nesting, huge `br_table`s and tall operand stacks
//! must validate without native recursion and quickly; corrupted bodies must
//! produce errors, never panics; malformed immediates inside bodies are
//! reported with the spec's wording.

mod common;

use std::time::{Duration, Instant};

use common::{OneFunc, leb, validate_bytes};
use wisp_core::Features;

/// Generous even for unoptimised test builds on a slow machine.
const BUDGET: Duration = Duration::from_secs(10);

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < BUDGET, "{what} took {took:?}");
    out
}

fn nested_blocks(depth: usize, innermost: &[u8]) -> Vec<u8> {
    let mut code = Vec::with_capacity(depth * 3 + innermost.len() + 1);
    for _ in 0..depth {
        code.extend_from_slice(&[0x02, 0x40]); // block (empty)
    }
    code.extend_from_slice(innermost);
    code.extend(std::iter::repeat_n(0x0b, depth)); // end × depth
    code.push(0x0b); // the body's end
    code
}

#[test]
fn hundred_thousand_nested_blocks() {
    let code = nested_blocks(100_000, &[0x0c, 0x00]); // br 0 innermost
    let bytes = OneFunc {
        code: &code,
        ..OneFunc::default()
    }
    .build();
    timed("100k nested blocks", || {
        validate_bytes(&bytes, &Features::WASM2).expect("deeply nested module is valid")
    });
    // Branching to the outermost block from the innermost one.
    let mut br_out = vec![0x0c];
    leb(99_999, &mut br_out);
    let code = nested_blocks(100_000, &br_out);
    let bytes = OneFunc {
        code: &code,
        ..OneFunc::default()
    }
    .build();
    timed("long branch", || {
        validate_bytes(&bytes, &Features::WASM2).unwrap()
    });
}

#[test]
fn deep_nesting_with_an_error_at_the_bottom() {
    let code = nested_blocks(100_000, &[0x41, 0x00]); // i32.const 0 left over
    let bytes = OneFunc {
        code: &code,
        ..OneFunc::default()
    }
    .build();
    let err = timed("nested error", || {
        validate_bytes(&bytes, &Features::WASM2).unwrap_err()
    });
    assert!(err.message.starts_with("type mismatch"), "{err}");
    // A label one deeper than the nesting does not exist.
    let mut br_too_far = vec![0x0c];
    leb(100_001, &mut br_too_far);
    let code = nested_blocks(100_000, &br_too_far);
    let bytes = OneFunc {
        code: &code,
        ..OneFunc::default()
    }
    .build();
    let err = validate_bytes(&bytes, &Features::WASM2).unwrap_err();
    assert!(err.message.starts_with("unknown label"), "{err}");
}

#[test]
fn br_table_with_a_million_targets() {
    // block (result i32) block (result i32) block (result i32)
    //   i32.const 7  i32.const 0  br_table [0 1 2 0 1 2 ...] 2
    // end end end drop
    let mut code = Vec::new();
    for _ in 0..3 {
        code.extend_from_slice(&[0x02, 0x7f]);
    }
    code.extend_from_slice(&[0x41, 0x07, 0x41, 0x00, 0x0e]);
    let n = 1_000_000u32;
    leb(u64::from(n), &mut code);
    for i in 0..n {
        code.push((i % 3) as u8);
    }
    code.push(0x02); // default
    code.extend_from_slice(&[0x0b, 0x0b, 0x0b, 0x1a, 0x0b]);
    let bytes = OneFunc {
        code: &code,
        ..OneFunc::default()
    }
    .build();
    timed("br_table with 1M targets", || {
        validate_bytes(&bytes, &Features::WASM2).expect("valid br_table")
    });

    // The same table with one target out of range.
    // The last target: before the default, three `end`s, `drop` and the body's `end`.
    let last_target = code.len() - 7;
    assert_eq!(code[last_target], ((n - 1) % 3) as u8);
    code[last_target] = 9;
    let bytes = OneFunc {
        code: &code,
        ..OneFunc::default()
    }
    .build();
    let err = validate_bytes(&bytes, &Features::WASM2).unwrap_err();
    assert!(err.message.starts_with("unknown label"), "{err}");
}

#[test]
fn tall_operand_stack() {
    // A million constants, then a million drops.
    let n = 1_000_000;
    let mut code = Vec::with_capacity(n * 3 + 1);
    for _ in 0..n {
        code.extend_from_slice(&[0x41, 0x00]);
    }
    code.extend(std::iter::repeat_n(0x1a, n));
    code.push(0x0b);
    let bytes = OneFunc {
        code: &code,
        ..OneFunc::default()
    }
    .build();
    timed("tall stack", || {
        validate_bytes(&bytes, &Features::WASM2).unwrap()
    });
}

#[test]
fn every_single_byte_corruption_of_a_body_is_handled() {
    let wat = r#"(module
        (type $t (func (param i32) (result i32)))
        (memory 1) (table 2 funcref) (global $g (mut i64) (i64.const 0))
        (elem (i32.const 0) $f)
        (func $f (type $t) (param i32) (result i32)
          (block (result i32)
            (br_table 0 0 (i32.load offset=4 (local.get 0)) (local.get 0)))
          (if (result i32) (then (call_indirect (type $t) (i32.const 1) (i32.const 0)))
                          (else (global.set $g (i64.const 1)) (i32.const 2)))
          (select (i32.const 3) (memory.size))))"#;
    let bytes = wat::parse_str(wat).unwrap();
    let module = wisp_decode::decode(&bytes, &Features::WASM2).unwrap();
    wisp_validate::validate(&module, &Features::WASM2).expect("base module is valid");
    let code = module.bodies[0].code.clone();
    let mut outcomes = [0usize; 2];
    for pos in code {
        for value in 0..=255u8 {
            let mut corrupt = bytes.clone();
            corrupt[pos] = value;
            if let Ok(m) = wisp_decode::decode(&corrupt, &Features::WASM2) {
                let ok = wisp_validate::validate(&m, &Features::WASM2).is_ok();
                outcomes[usize::from(ok)] += 1;
            }
        }
    }
    // Most corruptions are caught; some (other constants, other indices) stay valid.
    assert!(outcomes[0] > 1000 && outcomes[1] > 10, "{outcomes:?}");
}

#[test]
fn malformed_immediates_in_a_body_use_the_spec_wording() {
    // Bodies are read while validating, so their binary-format errors come
    // from the validator, flagged `malformed` and worded as the decoder
    // words them (not wasmparser's "invalid var_i32: ...").
    let cases: [(&[u8], &str); 5] = [
        // i32.const 0 in six bytes.
        (
            b"\x41\x80\x80\x80\x80\x80\x00\x1a\x0b",
            "integer representation too long",
        ),
        // i32.const with bits set beyond the 32nd.
        (b"\x41\xff\xff\xff\xff\x4f\x1a\x0b", "integer too large"),
        // A local index in six bytes.
        (
            b"\x20\x80\x80\x80\x80\x80\x00\x1a\x0b",
            "integer representation too long",
        ),
        // An i32.const cut by the end of the body.
        (b"\x41\x80", "unexpected end of section or function"),
        // An opcode outside Wasm 2.0 (a GC prefix).
        (b"\xfb\x00\x0b", "illegal opcode"),
    ];
    for (code, message) in cases {
        let bytes = OneFunc {
            code,
            ..OneFunc::default()
        }
        .build();
        let err = timed("malformed body", || {
            validate_bytes(&bytes, &Features::WASM2).unwrap_err()
        });
        assert!(err.malformed, "{code:02x?}: {err}");
        assert!(
            err.message.starts_with(message),
            "{code:02x?}: expected {message:?}, got {err}"
        );
    }
}
