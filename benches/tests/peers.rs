//! The peer engines run a real workload and agree with the native reference
//! (the checksum tests in `workloads.rs` cover wisp and wasmi on every
//! workload; here each other engine runs one, `sort`, to prove its glue).
//! Run with `--release`: tinywasm takes seconds even then.

use wisp_bench::engines::{self, EngineKind};
use wisp_bench::workloads::{expected_checksums, find};

fn runs_sort(kind: EngineKind) {
    engines::install_quiet_panic_hook();
    let sort = find("sort").expect("sort workload");
    let expected = expected_checksums().expect("expected.txt parses")["sort"];
    let compiled = engines::compile(kind, sort.wasm)
        .unwrap_or_else(|e| panic!("{}: compile: {e}", kind.label()));
    let mut runner = engines::instantiate(&*compiled)
        .unwrap_or_else(|e| panic!("{}: instantiate: {e}", kind.label()));
    let got =
        engines::call_run(&mut *runner).unwrap_or_else(|e| panic!("{}: run: {e}", kind.label()));
    assert_eq!(
        got,
        expected,
        "{} returned {got:#018x}, the native reference is {expected:#018x}",
        kind.label()
    );
}

#[test]
fn wasmi_fuel_runs_sort() {
    runs_sort(EngineKind::WasmiFuel);
}

#[test]
fn wasm3_runs_sort() {
    runs_sort(EngineKind::Wasm3);
}

#[test]
fn stitch_runs_sort() {
    runs_sort(EngineKind::Stitch);
}

#[test]
fn tinywasm_runs_sort() {
    runs_sort(EngineKind::Tinywasm);
}

#[test]
fn wasmtime_runs_sort() {
    runs_sort(EngineKind::Wasmtime);
}
