//! Seeded `exec_diff`: terminating wasm-smith modules run on wisp and on
//! wasmi must agree on results (NaN-canonical), traps, exported globals,
//! memories and tables. See `wisp_fuzz::seeds` for the environment variables
//! (long mode: `WISP_FUZZ_SECONDS=3600`).

use wisp_fuzz::seeds::{self, Settings, bytes_input, run};

/// Seeds in the fixed list (a tenth of them in debug builds).
const SEEDS: u64 = seeds::fixed(20_000);

#[test]
fn wisp_agrees_with_wasmi_on_seeded_modules() {
    let report = run(
        "exec_diff",
        &Settings::from_env(SEEDS),
        bytes_input,
        wisp_fuzz::exec_diff,
    );
    report.assert_ok(0.9);
    // Most modules export several functions: the calls were really compared.
    assert!(
        report.comparisons > 2 * report.used,
        "only {} calls compared for {} modules",
        report.comparisons,
        report.used
    );
}
