//! Checks on the checked-in workloads: each module is valid Wasm 2.0 without
//! SIMD, has no imports and exports `run`; the registry, the sources and
//! `expected.txt` agree; and every engine's checksum equals the native reference.
//! (Timings are never asserted.) Run with `--release`: the checksum tests
//! execute every workload once, which takes minutes in a debug build.

use std::collections::BTreeSet;
use std::path::Path;

use wasmparser::{Operator, Parser, Payload, Validator, WasmFeatures};
use wisp_bench::engines::{self, EngineKind};
use wisp_bench::workloads::{WORKLOADS, Workload, expected_checksums};

/// What the module structure check found.
#[derive(Debug, Default)]
struct Shape {
    imports: u32,
    run_exported: bool,
    br_tables: usize,
}

fn shape(workload: &Workload) -> Shape {
    let mut shape = Shape::default();
    for payload in Parser::new(0).parse_all(workload.wasm) {
        match payload.expect("module parses") {
            Payload::ImportSection(reader) => shape.imports += reader.count(),
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.expect("export parses");
                    if export.name == "run" && export.kind == wasmparser::ExternalKind::Func {
                        shape.run_exported = true;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader().expect("body parses");
                while !ops.eof() {
                    if let Operator::BrTable { .. } = ops.read().expect("operator parses") {
                        shape.br_tables += 1;
                    }
                }
            }
            _ => {}
        }
    }
    shape
}

#[test]
fn modules_are_wasm2_without_simd() {
    let mut features = WasmFeatures::WASM2;
    features.remove(WasmFeatures::SIMD);
    for w in WORKLOADS {
        Validator::new_with_features(features)
            .validate_all(w.wasm)
            .unwrap_or_else(|e| panic!("{}.wasm is not Wasm 2.0 without SIMD: {e}", w.name));
        let shape = shape(w);
        assert_eq!(shape.imports, 0, "{}.wasm has imports", w.name);
        assert!(
            shape.run_exported,
            "{}.wasm does not export function `run`",
            w.name
        );
    }
}

#[test]
fn vm_dispatches_with_br_table() {
    let vm = WORKLOADS
        .iter()
        .find(|w| w.name == "vm")
        .expect("vm workload");
    assert!(
        shape(vm).br_tables >= 1,
        "vm.wasm has no br_table: the switch was not lowered to a jump table"
    );
}

#[test]
fn registry_sources_and_expected_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads");
    let mut sources = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("workloads dir") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "c") {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 name")
                .to_owned();
            if stem != "native_main" {
                sources.insert(stem);
            }
        }
    }
    let registry: BTreeSet<String> = WORKLOADS.iter().map(|w| w.name.to_owned()).collect();
    let expected: BTreeSet<String> = expected_checksums()
        .expect("expected.txt parses")
        .into_keys()
        .collect();
    assert_eq!(registry, sources, "WORKLOADS vs workloads/*.c");
    assert_eq!(registry, expected, "WORKLOADS vs expected.txt");
    assert!(registry.len() >= 6);
    for w in WORKLOADS {
        let on_disk = std::fs::read(dir.join(format!("{}.wasm", w.name))).expect("wasm file");
        assert_eq!(
            on_disk, w.wasm,
            "{}.wasm changed since this test was built",
            w.name
        );
    }
}

fn checksums_match_reference(kind: EngineKind) {
    engines::install_quiet_panic_hook();
    let expected = expected_checksums().expect("expected.txt parses");
    for w in WORKLOADS {
        let (mut runner, _) = engines::prepare(kind, w.wasm)
            .unwrap_or_else(|e| panic!("{}: {} could not instantiate: {e}", w.name, kind.label()));
        let got = runner
            .call_run()
            .unwrap_or_else(|e| panic!("{}: {} failed: {e}", w.name, kind.label()));
        assert_eq!(
            got,
            expected[w.name],
            "{}: {} returned {got:#018x}, the native reference is {:#018x}",
            w.name,
            kind.label(),
            expected[w.name]
        );
    }
}

#[test]
fn wasmi_checksums_match_native_reference() {
    checksums_match_reference(EngineKind::Wasmi);
}

#[test]
fn wisp_checksums_match_native_reference() {
    checksums_match_reference(EngineKind::Wisp);
}

#[test]
fn wisp_fuel_checksums_match_native_reference() {
    checksums_match_reference(EngineKind::WispFuel);
}
