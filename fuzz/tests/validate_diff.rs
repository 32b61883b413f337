//! Differential test: wisp's decoder + validator accept exactly the modules
//! that `wasmparser::Validator` (same features) accepts, on every module of
//! the Wasm 2.0 testsuite, on wasm-smith modules from fixed seeds, and on
//! bit-flipped and truncated variants of both.

use wisp_core::Features;
use wisp_fuzz::corpus::{WASM2_GROUPS, mutate, smith_module, testsuite_modules};
use wisp_fuzz::oracle::compare_validation;

/// Number of wasm-smith seeds (each also yields one mutated variant).
const SMITH_SEEDS: u64 = 5_000;
/// Mutated variants per testsuite module.
const MUTATIONS_PER_MODULE: u64 = 2;

fn check(name: &str, bytes: &[u8], failures: &mut Vec<String>) {
    if let Some(d) = compare_validation(bytes, &Features::WASM2) {
        failures.push(format!(
            "{name}: wisp {:?} but wasmparser {:?}",
            d.wisp, d.reference
        ));
    }
}

fn report(what: &str, checked: usize, failures: &[String]) {
    println!(
        "{what}: {checked} modules checked, {} disagreements",
        failures.len()
    );
    for f in failures.iter().take(50) {
        println!("  {f}");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements in {what}",
        failures.len()
    );
}

#[test]
fn testsuite_modules_agree() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for group in WASM2_GROUPS {
        for (name, bytes) in testsuite_modules(group) {
            check(&name, &bytes, &mut failures);
            checked += 1;
            for m in 0..MUTATIONS_PER_MODULE {
                let seed = checked as u64 * 31 + m;
                check(
                    &format!("{name} mutation {seed}"),
                    &mutate(&bytes, seed),
                    &mut failures,
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 10_000,
        "expected the testsuite to yield many modules, got {checked}"
    );
    report("testsuite", checked, &failures);
}

#[test]
fn smith_modules_agree() {
    let mut failures = Vec::new();
    let mut generated = 0;
    let mut checked = 0;
    for seed in 0..SMITH_SEEDS {
        let Some(bytes) = smith_module(seed) else {
            continue;
        };
        generated += 1;
        check(&format!("smith seed {seed}"), &bytes, &mut failures);
        check(
            &format!("smith seed {seed} mutated"),
            &mutate(&bytes, seed),
            &mut failures,
        );
        checked += 2;
    }
    assert!(
        generated >= 4_500,
        "wasm-smith generated only {generated} modules"
    );
    report("wasm-smith", checked, &failures);
}
