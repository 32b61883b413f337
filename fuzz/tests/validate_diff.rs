//! Differential validation: wisp's decoder + validator accept exactly the
//! modules that `wasmparser::Validator` (same features) accepts — on every
//! module of the Wasm 2.0 testsuite and bit-flipped and truncated variants of
//! them, and through the `validate_diff` fuzz entry point on seeded inputs
//! (the input as raw bytes, then a wasm-smith module made from it, sometimes
//! with raw-byte function bodies and over-long LEB128s). See
//! `wisp_fuzz::seeds` for the environment variables (long mode:
//! `WISP_FUZZ_SECONDS=3600`).

#[cfg(feature = "testsuite")]
use wisp_core::Features;
#[cfg(feature = "testsuite")]
use wisp_fuzz::corpus::{WASM2_GROUPS, mutate, testsuite_modules};
#[cfg(feature = "testsuite")]
use wisp_fuzz::oracle::compare_validation;
use wisp_fuzz::seeds::{self, Settings, bytes_input, run};

/// Seeds in the fixed list of the seeded test (a tenth of them in debug builds).
const SEEDS: u64 = seeds::fixed(20_000);
/// Mutated variants per testsuite module.
#[cfg(feature = "testsuite")]
const MUTATIONS_PER_MODULE: u64 = 2;

#[cfg(feature = "testsuite")]
#[test]
fn testsuite_modules_agree() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut check = |name: &str, bytes: &[u8]| {
        if let Some(d) = compare_validation(bytes, &Features::WASM2) {
            failures.push(format!(
                "{name}: wisp {:?} but wasmparser {:?}",
                d.wisp, d.reference
            ));
        }
    };
    for group in WASM2_GROUPS {
        for (name, bytes) in testsuite_modules(group) {
            check(&name, &bytes);
            checked += 1;
            for m in 0..MUTATIONS_PER_MODULE {
                let seed = checked as u64 * 31 + m;
                check(&format!("{name} mutation {seed}"), &mutate(&bytes, seed));
                checked += 1;
            }
        }
    }
    println!(
        "testsuite: {checked} modules checked, {} disagreements",
        failures.len()
    );
    for f in failures.iter().take(50) {
        println!("  {f}");
    }
    assert!(
        checked > 10_000,
        "expected the testsuite to yield many modules, got {checked}"
    );
    assert!(failures.is_empty(), "{} disagreements", failures.len());
}

#[test]
fn seeded_wasm_smith_modules_agree() {
    let report = run(
        "validate_diff",
        &Settings::from_env(SEEDS),
        bytes_input,
        wisp_fuzz::validate_diff,
    );
    report.assert_ok(0.9);
}
