//! Switches on a value computed just before the `br_table` (an indexed
//! load, a value less its lowest case, a byte, a byte less one), which the
//! translator fuses with it (`translate/fuse.rs`, `fuse_switches`): run
//! against a model of each function, on flat and paged memories, with and
//! without fuel.

use wisp_interp::Config;

use super::{assert_call, i32, instantiate_with};

const SWITCHES: &str = include_str!("switches.wat");

/// `vm(limit)`: the bytecode program in `switches.wat`, interpreted.
fn vm(limit: i32) -> i32 {
    let program = [1, 2, 2, 3, 4, 0];
    let (mut pc, mut acc) = (0usize, 0i32);
    loop {
        match program.get(pc).copied().unwrap_or(0) {
            1 => acc = acc.wrapping_add(1),
            2 => acc = acc.wrapping_shl(1),
            3 => acc = acc.wrapping_sub(3),
            4 => {
                pc = if acc < limit { 0 } else { pc + 1 };
                continue;
            }
            _ => return acc,
        }
        pc += 1;
    }
}

/// `offset(x)`: cases 3, 4, 5, then the default.
fn offset(x: i32) -> i32 {
    match x {
        3 => 10,
        4 => 20,
        5 => 30,
        _ => 40,
    }
}

/// `bytes(n)`: over the first `n` bytes at 2048 (zeros past the data).
fn bytes(n: i32) -> i32 {
    let data = [0u8, 1, 2, 3, 4, 5, 6, 7, 2, 1, 0, 9];
    (0..n.max(0) as usize)
        .map(|k| {
            let b = data.get(k).copied().unwrap_or(0);
            let first = match b {
                0 => 1,
                1 => 100,
                _ => 0,
            };
            first + if b == 1 { 10000 } else { 0 }
        })
        .sum()
}

#[test]
fn switches_on_a_value_computed_just_before() {
    for (flat, fuel) in [(true, false), (false, false), (true, true)] {
        let mut config = Config::default();
        config.flat_memories(flat).consume_fuel(fuel);
        let (mut s, i) = instantiate_with(&config, SWITCHES);
        if fuel {
            s.set_fuel(u64::MAX).expect("fuel is on");
        }
        for limit in [i32::MIN, 0, 1, 5, 50, 1000, 100_000] {
            assert_call(&mut s, i, "vm", &[i32(limit)], &[i32(vm(limit))]);
        }
        for x in [i32::MIN, -1, 0, 2, 3, 4, 5, 6, 100] {
            assert_call(&mut s, i, "offset", &[i32(x)], &[i32(offset(x))]);
        }
        for n in [0, 1, 2, 3, 9, 10, 12, 40] {
            assert_call(&mut s, i, "bytes", &[i32(n)], &[i32(bytes(n))]);
        }
    }
}
