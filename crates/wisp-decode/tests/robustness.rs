//! Hostile input: truncated, bit-flipped and byte-mutated variants of real
//! modules, and tiny modules declaring huge counts, must give typed errors —
//! never a panic, never an allocation sized by an untrusted count.

use wisp_core::Features;
use wisp_decode::{DecodeError, Module, ReadContext, decode};

const MODULES: &[&str] = &[
    r#"(module $m
        (type $t (func (param i32 i64) (result f32)))
        (import "env" "f" (func $imp (param i32)))
        (import "env" "t" (table 1 10 funcref))
        (import "env" "g" (global (mut i64)))
        (memory 1 2)
        (table $tab 2 externref)
        (global $h (mut i32) (i32.const 7))
        (global funcref (ref.func $a))
        (func $a (type $t) (param $x i32) (param $y i64) (result f32)
            (local $l i32) (local f64 f64)
            (if (local.get $x) (then (call $imp (i32.const 1))))
            (block (br_table 0 0 (i32.const 0)))
            (memory.fill (i32.const 0) (i32.const 1) (i32.const 2))
            f32.const 1.5)
        (func $b (data.drop 1) (elem.drop 1))
        (export "a" (func $a))
        (export "mem" (memory 0))
        (start $b)
        (elem (i32.const 0) func $a $b)
        (elem funcref (ref.func $a) (ref.null func))
        (elem declare func $b)
        (data (i32.const 8) "hello")
        (data "passive"))"#,
    r#"(module
        (func $fac (export "fac") (param i64) (result i64)
            (if (result i64) (i64.eqz (local.get 0))
                (then (i64.const 1))
                (else (i64.mul (local.get 0)
                    (call $fac (i64.sub (local.get 0) (i64.const 1))))))))"#,
];

fn samples() -> Vec<Vec<u8>> {
    MODULES.iter().map(|w| wat::parse_str(w).unwrap()).collect()
}

/// Decodes, and on success touches every range the module hands out, the way
/// the validator and the instantiator will.
fn exercise(bytes: &[u8]) -> Result<Module, DecodeError> {
    let m = decode(bytes, &Features::WASM2)?;
    for body in &m.bodies {
        let _ = m.code(body);
        let mut ops = m.operators_reader(body);
        while !ops.eof() {
            if let Err(e) = ops.read() {
                let e = DecodeError::from_reader(&e, ReadContext::Code, &m.bytes);
                assert!(!e.message.is_empty());
                break;
            }
        }
    }
    for seg in &m.data {
        let _ = m.data_bytes(seg);
    }
    for c in &m.customs {
        assert!(m.bytes.get(c.data.clone()).is_some());
    }
    for f in 0..m.num_funcs() + 2 {
        let _ = m.func_type_index(f);
    }
    Ok(m)
}

#[test]
fn the_samples_decode() {
    for bytes in samples() {
        exercise(&bytes).expect("sample decodes");
    }
}

#[test]
fn every_truncation_fails_cleanly() {
    for bytes in samples() {
        let mut failures = 0;
        for len in 0..bytes.len() {
            match exercise(&bytes[..len]) {
                Err(e) => {
                    assert!(e.offset <= len, "offset {} past the end {len}", e.offset);
                    failures += 1;
                }
                // A prefix ending exactly at a section boundary may still be
                // a module, but never one with code: cutting inside or
                // before the code section breaks the function/code counts.
                Ok(m) => assert!(m.bodies.len() == m.functions.len()),
            }
        }
        assert!(
            failures * 10 >= bytes.len() * 9,
            "most prefixes are malformed"
        );
    }
}

#[test]
fn every_bit_flip_is_handled() {
    for bytes in samples() {
        let mut rejected = 0;
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut mutated = bytes.clone();
                mutated[i] ^= 1 << bit;
                if exercise(&mutated).is_err() {
                    rejected += 1;
                }
            }
        }
        assert!(rejected > 0);
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_mutations_are_handled() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let interesting = [
        0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x60, 0x70, 0x6f, 0x41, 0xfd,
    ];
    for bytes in samples() {
        for _ in 0..3000 {
            let mut mutated = bytes.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(mutated.len());
                match rng.below(4) {
                    0 => mutated[i] = rng.next() as u8,
                    1 => mutated[i] = interesting[rng.below(interesting.len())],
                    2 => {
                        mutated.remove(i);
                    }
                    _ => mutated.insert(i, rng.next() as u8),
                }
                if mutated.is_empty() {
                    break;
                }
            }
            let _ = exercise(&mutated);
        }
    }
}

fn section(id: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    let mut n = contents.len() as u32;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(contents);
    out
}

/// The largest count LEB128 can express, followed by a few bytes of entries.
const HUGE: &[u8] = b"\xff\xff\xff\xff\x0f";

#[test]
fn huge_declared_counts_do_not_allocate() {
    // For every vector section: a count of 2^32 - 1 with almost no bytes
    // behind it. Reserving by the count would abort the test process.
    for id in [1u8, 2, 3, 4, 5, 6, 7, 9, 10, 11] {
        let mut contents = HUGE.to_vec();
        contents.extend_from_slice(&[0x60, 0x00, 0x00, 0x00]);
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend(section(id, &contents));
        let e = decode(&bytes, &Features::WASM2).expect_err("cannot hold 2^32 entries");
        assert!(!e.message.is_empty(), "section {id}");
    }

    // Counts nested inside entries: a function type with 2^32 - 1 params,
    // an element segment with 2^32 - 1 items, a body with 2^32 - 1 local
    // declarations, a rec group of 2^32 - 1 types.
    let nested: [(u8, &[u8]); 4] = [
        (1, b"\x01\x60\xff\xff\xff\xff\x0f\x7f"),
        (9, b"\x01\x01\x00\xff\xff\xff\xff\x0f\x00"),
        (10, b"\x01\x08\xff\xff\xff\xff\x0f\x7f\x0b\x0b"),
        (1, b"\x01\x4e\xff\xff\xff\xff\x0f\x60\x00\x00"),
    ];
    for (id, contents) in nested {
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        if id == 10 {
            bytes.extend(section(1, b"\x01\x60\x00\x00"));
            bytes.extend(section(3, b"\x01\x00"));
        }
        bytes.extend(section(id, contents));
        let e = decode(&bytes, &Features::WASM2).expect_err("entries are missing");
        assert!(!e.message.is_empty(), "section {id}");
    }
}

#[test]
fn implementation_limits_are_enforced() {
    let mut contents = Vec::new();
    let over = wisp_core::limits::MAX_TYPES + 1;
    let mut n = over;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            contents.push(b);
            break;
        }
        contents.push(b | 0x80);
    }
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend(section(1, &contents));
    let e = decode(&bytes, &Features::WASM2).unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.offset),
        ("too many types: the limit is 1000000", 10)
    );
}
