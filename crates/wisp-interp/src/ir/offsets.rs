//! The module offsets of a function's instructions, for trap backtraces:
//! which operator of the binary each instruction was translated from.
//! Built only when a backtrace asks for them (`translate::offsets_of`).
//!
//! The translator records `(first instruction, offset)` runs, one per
//! operator that emitted code. Kept as two `u32`s per run, they took 40% as
//! much memory as the code itself (GCC's `cc1.wasm`: 3.6 M runs, 28.5 MB,
//! beside 72 MB of instructions), all of it fresh memory on every compile,
//! for a lookup that happens only when a trap is reported. As varints they
//! take 7.3 MB there. So the runs are
//! stored as a byte stream of deltas, each a LEB128 varint: the distance
//! from the previous run's first instruction (runs are in instruction
//! order), then the change of offset, zigzag-encoded (tail duplication
//! copies instructions, so an offset can go back). Runs are usually one to
//! three instructions and a few bytes of binary apart, so most take two
//! bytes. A lookup decodes from the start of the function: linear in its
//! number of runs, and only on the trap path.

use alloc::boxed::Box;
use alloc::vec::Vec;

/// Compressed `(first instruction, module offset)` runs (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetTable {
    bytes: Box<[u8]>,
}

impl OffsetTable {
    /// Encodes `runs`, whose first instructions must be increasing, using
    /// `scratch` as the working buffer; `None` if memory runs out.
    pub fn encode(runs: &[(u32, u32)], scratch: &mut Vec<u8>) -> Option<OffsetTable> {
        scratch.clear();
        // At most 5 bytes per varint, two varints per run.
        scratch.try_reserve(runs.len().saturating_mul(10)).ok()?;
        let (mut start, mut offset) = (0u32, 0u32);
        for &(run_start, run_offset) in runs {
            push_varint(scratch, run_start.wrapping_sub(start));
            push_varint(scratch, zigzag(run_offset.wrapping_sub(offset) as i32));
            (start, offset) = (run_start, run_offset);
        }
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(scratch.len()).ok()?;
        bytes.extend_from_slice(scratch);
        Some(OffsetTable {
            bytes: bytes.into_boxed_slice(),
        })
    }

    /// The offset of the run instruction `pc` belongs to: the last run
    /// starting at or before it; `None` if there is none (or the table is
    /// corrupt, which the encoder never produces).
    pub fn lookup(&self, pc: usize) -> Option<u32> {
        let mut bytes = self.bytes.iter().copied();
        let (mut start, mut offset) = (0u32, 0u32);
        let mut found = None;
        while let Some(start_delta) = read_varint(&mut bytes) {
            let offset_delta = unzigzag(read_varint(&mut bytes)?);
            start = start.wrapping_add(start_delta);
            offset = offset.wrapping_add(offset_delta as u32);
            if start as usize > pc {
                break;
            }
            found = Some(offset);
        }
        found
    }

    /// Bytes the table occupies.
    pub fn len_bytes(&self) -> usize {
        self.bytes.len()
    }
}

/// Appends `value` as an unsigned LEB128 varint (capacity reserved by the caller).
fn push_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads an unsigned LEB128 varint of at most 5 bytes.
fn read_varint(bytes: &mut impl Iterator<Item = u8>) -> Option<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = bytes.next()?;
        value |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Maps small negative and positive numbers to small unsigned ones.
fn zigzag(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

/// The inverse of [`zigzag`].
fn unzigzag(value: u32) -> i32 {
    ((value >> 1) as i32) ^ -((value & 1) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(runs: &[(u32, u32)]) -> OffsetTable {
        OffsetTable::encode(runs, &mut Vec::new()).unwrap()
    }

    #[test]
    fn finds_the_run_of_each_instruction() {
        // Offsets go back after a copied block (tail duplication), and some
        // deltas need several varint bytes.
        let runs = [
            (0, 100),
            (1, 103),
            (4, 90),
            (5, 70_000),
            (300, 7),
            (301, u32::MAX),
        ];
        let t = table(&runs);
        let expect = |pc: usize| {
            runs.iter()
                .rev()
                .find(|&&(start, _)| start as usize <= pc)
                .map(|r| r.1)
        };
        for pc in 0..310 {
            assert_eq!(t.lookup(pc), expect(pc), "pc {pc}");
        }
    }

    #[test]
    fn nothing_before_the_first_run_or_in_an_empty_table() {
        assert_eq!(table(&[(3, 10)]).lookup(2), None);
        assert_eq!(table(&[(3, 10)]).lookup(3), Some(10));
        assert_eq!(table(&[]).lookup(0), None);
    }

    #[test]
    fn typical_runs_take_two_bytes() {
        let runs: Vec<(u32, u32)> = (0..1000).map(|i| (i * 2, 50 + i * 3)).collect();
        assert_eq!(table(&runs).len_bytes(), 2000);
    }

    #[test]
    fn zigzag_round_trips() {
        for v in [0, 1, -1, 63, -64, i32::MAX, i32::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
    }
}
