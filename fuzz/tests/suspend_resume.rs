//! Seeded `suspend_resume`: terminating wasm-smith modules run on wisp
//! unmetered, metered, and in small fuel slices (suspending and resuming
//! many times) must agree bit for bit, and the metered and sliced runs must
//! consume the same fuel. See `wisp_fuzz::seeds` for the environment
//! variables (long mode: `WISP_FUZZ_SECONDS=3600`).

use wisp_fuzz::seeds::{self, Settings, bytes_input, run};

/// Seeds in the fixed list (a tenth of them in debug builds).
const SEEDS: u64 = seeds::fixed(15_000);

#[test]
fn sliced_runs_agree_with_uninterrupted_runs() {
    let report = run(
        "suspend_resume",
        &Settings::from_env(SEEDS),
        bytes_input,
        wisp_fuzz::suspend_resume,
    );
    report.assert_ok(0.9);
    assert!(
        report.comparisons > 2 * report.used,
        "only {} calls compared for {} modules",
        report.comparisons,
        report.used
    );
}
