//! The workload registry: each workload's name, what it exercises, its Wasm
//! module (embedded at compile time) and its reference checksum from
//! `workloads/expected.txt` (the same C compiled natively with gcc).

use std::collections::BTreeMap;

/// One benchmark program: a module exporting `run: () -> i64`, no imports.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Short name, also the stem of `workloads/<name>.{c,wasm}`.
    pub name: &'static str,
    /// The kind of work, for the report's workload list.
    pub kind: &'static str,
    /// One sentence on what the program does.
    pub summary: &'static str,
    /// The compiled module.
    pub wasm: &'static [u8],
}

/// Every workload, in report order.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "fib",
        kind: "recursive calls",
        summary: "naive doubly recursive fib(36) plus 700 calls of Takeuchi's tak(18 or 19, 12, 6)",
        wasm: include_bytes!("../workloads/fib.wasm"),
    },
    Workload {
        name: "sieve",
        kind: "memory loops",
        summary: "byte sieve of Eratosthenes over 4 Mi numbers, a prime-gap scan, and a \
                  dependent prefix-mixing pass over a 4 MiB u32 array; 14 times",
        wasm: include_bytes!("../workloads/sieve.wasm"),
    },
    Workload {
        name: "nbody",
        kind: "f64 math",
        summary: "the Benchmarks Game five-body simulation, 1 400 000 steps (f64 add/mul/div/sqrt)",
        wasm: include_bytes!("../workloads/nbody.wasm"),
    },
    Workload {
        name: "hash",
        kind: "integer bit ops",
        summary: "FNV-1a, an xxHash64-style stripe hash, murmur3 mixing and \
                  popcnt/clz/ctz over a 2 MiB pseudo-random buffer, 48 rounds",
        wasm: include_bytes!("../workloads/hash.wasm"),
    },
    Workload {
        name: "sort",
        kind: "branchy sorting",
        summary: "median-of-three quicksort and heapsort of 256 Ki pseudo-random u32 keys, 5 times",
        wasm: include_bytes!("../workloads/sort.wasm"),
    },
    Workload {
        name: "vm",
        kind: "switch dispatch",
        summary: "a stack bytecode VM whose `switch` is a `br_table`, running a \
                  Collatz-steps program for 1..42000",
        wasm: include_bytes!("../workloads/vm.wasm"),
    },
    Workload {
        name: "matmul",
        kind: "f64 memory loops",
        summary: "dense 200x200 f64 matrix multiply (i-k-j order), 20 times",
        wasm: include_bytes!("../workloads/matmul.wasm"),
    },
    Workload {
        name: "parse",
        kind: "string parsing",
        summary: "generates 1 MiB of assignment statements, then lexes and evaluates \
                  them with a precedence-climbing parser, 40 times",
        wasm: include_bytes!("../workloads/parse.wasm"),
    },
];

/// The checked-in reference checksums, `<name> 0x<hex u64>` per line.
pub const EXPECTED_TXT: &str = include_str!("../workloads/expected.txt");

/// The workload called `name`.
pub fn find(name: &str) -> Option<&'static Workload> {
    WORKLOADS.iter().find(|w| w.name == name)
}

/// A malformed line in an expected-checksums file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected checksums, line {line}: {reason}")]
pub struct ExpectedParseError {
    /// 1-based line number.
    pub line: usize,
    pub reason: &'static str,
}

/// Parses an expected-checksums file: one `<name> 0x<hex>` per line; blank
/// lines and lines starting with `#` are ignored.
pub fn parse_expected(text: &str) -> Result<BTreeMap<String, u64>, ExpectedParseError> {
    let mut map = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut parts = trimmed.split_whitespace();
        let (Some(name), Some(value), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ExpectedParseError {
                line,
                reason: "want `<name> 0x<hex>`",
            });
        };
        let hex = value.strip_prefix("0x").ok_or(ExpectedParseError {
            line,
            reason: "checksum must start with 0x",
        })?;
        let checksum = u64::from_str_radix(hex, 16).map_err(|_| ExpectedParseError {
            line,
            reason: "checksum is not a 64-bit hex number",
        })?;
        if map.insert(name.to_owned(), checksum).is_some() {
            return Err(ExpectedParseError {
                line,
                reason: "duplicate workload name",
            });
        }
    }
    Ok(map)
}

/// The reference checksums of the checked-in workloads.
pub fn expected_checksums() -> Result<BTreeMap<String, u64>, ExpectedParseError> {
    parse_expected(EXPECTED_TXT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_hex() {
        let map = parse_expected("# c\n\nfib 0x00000000000000ff\nvm 0xFFFFFFFFFFFFFFFF\n").unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map["fib"], 0xff);
        assert_eq!(map["vm"], u64::MAX);
    }

    #[test]
    fn rejects_malformed_lines() {
        assert_eq!(parse_expected("fib 12\n").unwrap_err().line, 1);
        assert_eq!(parse_expected("a 0x1\nfib\n").unwrap_err().line, 2);
        assert_eq!(parse_expected("fib 0x1 extra\n").unwrap_err().line, 1);
        assert!(parse_expected("fib 0x10000000000000000\n").is_err());
        assert!(parse_expected("fib 0x1\nfib 0x2\n").is_err());
    }

    #[test]
    fn names_are_unique_and_findable() {
        for (i, w) in WORKLOADS.iter().enumerate() {
            assert!(
                WORKLOADS[i + 1..].iter().all(|o| o.name != w.name),
                "{}",
                w.name
            );
            assert_eq!(find(w.name).map(|f| f.name), Some(w.name));
        }
        assert!(find("nope").is_none());
    }
}
