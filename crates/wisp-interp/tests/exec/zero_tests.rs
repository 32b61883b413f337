//! A load, then a branch on the loaded value being zero or not (a null
//! check, a string's end, a flag), which the translator fuses
//! (`translate/fuse.rs`, `Load32BrEqz` and the like): run against a model
//! of each function, on flat and paged memories, with and without fuel,
//! out-of-bounds loads included.

use wisp_interp::{Config, TrapCode};

use super::{assert_call, assert_trap, i32, instantiate_with};

const ZERO_TESTS: &str = include_str!("zero_tests.wat");

/// The memory `zero_tests.wat` starts with.
fn memory() -> Vec<u8> {
    let mut memory = vec![0u8; 65536];
    let list = [
        0x10, 1, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 8, 1, 0, 0, 0xb, 0, 0, 0,
    ];
    memory[256..256 + list.len()].copy_from_slice(&list);
    memory[512..525].copy_from_slice(b"hello, world\0");
    memory[65533..].copy_from_slice(b"xyz");
    memory
}

fn word(memory: &[u8], at: usize) -> Option<u32> {
    let bytes = memory.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

/// `sum_list(p)`, or `None` where it traps.
fn sum_list(memory: &[u8], mut p: u32) -> Option<i32> {
    let mut sum = 0i32;
    while p != 0 {
        sum = sum.wrapping_add(word(memory, p as usize + 4)? as i32);
        p = word(memory, p as usize)?;
    }
    Some(sum)
}

/// `strlen(s)`, or `None` where it traps.
fn strlen(memory: &[u8], s: u32) -> Option<i32> {
    let tail = memory.get(s as usize..)?;
    tail.iter().position(|&b| b == 0).map(|n| n as i32)
}

/// `is_zero(p)`, or `None` where it traps.
fn is_zero(memory: &[u8], p: u32) -> Option<i32> {
    Some(if word(memory, p as usize)? == 0 { 1 } else { 2 })
}

#[test]
fn loads_then_zero_tests() {
    let memory = memory();
    type Model = fn(&[u8], u32) -> Option<i32>;
    let cases: [(&str, Model, &[u32]); 3] = [
        ("sum_list", sum_list, &[0, 256, 264, 272, 65532, 65534]),
        (
            "strlen",
            strlen,
            &[512, 519, 524, 600, 65533, 65536, u32::MAX],
        ),
        ("is_zero", is_zero, &[0, 256, 260, 264, 512, 65532, 65533]),
    ];
    for (flat, fuel) in [(true, false), (false, false), (true, true)] {
        let mut config = Config::default();
        config.flat_memories(flat).consume_fuel(fuel);
        let (mut s, i) = instantiate_with(&config, ZERO_TESTS);
        if fuel {
            s.set_fuel(u64::MAX).expect("fuel is on");
        }
        for (name, model, args) in cases {
            for &arg in args {
                let args = [i32(arg as i32)];
                match model(&memory, arg) {
                    Some(expected) => assert_call(&mut s, i, name, &args, &[i32(expected)]),
                    None => assert_trap(&mut s, i, name, &args, TrapCode::MemoryOutOfBounds),
                }
            }
        }
    }
}
