//! One test per testsuite group: Wasm 1.0, Wasm 2.0, and each proposal
//! merged into Wasm 2.0. Each prints per-file counts and fails listing every
//! failing directive. `WISP_UPDATE_RESULTS=1` rewrites `results.csv`.

use spec_tests::{check_group, check_group_with_paged_memories};

#[test]
fn wasm_v1() {
    check_group("wasm-v1");
}

#[test]
fn wasm_v2() {
    check_group("wasm-v2");
}

#[test]
fn wasm_v2_with_paged_memories() {
    check_group_with_paged_memories("wasm-v2");
}

#[test]
fn proposal_multi_value() {
    check_group("multi-value");
}

#[test]
fn proposal_bulk_memory() {
    check_group("bulk-memory");
}

#[test]
fn proposal_reference_types() {
    check_group("reference-types");
}

#[test]
fn proposal_sign_extension_ops() {
    check_group("sign-extension-ops");
}

#[test]
fn proposal_nontrapping_float_to_int_conversions() {
    check_group("nontrapping-float-to-int-conversions");
}

#[test]
fn proposal_mutable_global() {
    check_group("mutable-global");
}
