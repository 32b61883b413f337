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
    call_indirects: usize,
    memory_copies: usize,
    memory_fills: usize,
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
                    match ops.read().expect("operator parses") {
                        Operator::BrTable { .. } => shape.br_tables += 1,
                        Operator::CallIndirect { .. } => shape.call_indirects += 1,
                        Operator::MemoryCopy { .. } => shape.memory_copies += 1,
                        Operator::MemoryFill { .. } => shape.memory_fills += 1,
                        _ => {}
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
    assert!(
        shape(workload("vm")).br_tables >= 1,
        "vm.wasm has no br_table: the switch was not lowered to a jump table"
    );
}

fn workload(name: &str) -> &'static Workload {
    WORKLOADS
        .iter()
        .find(|w| w.name == name)
        .unwrap_or_else(|| panic!("no workload {name}"))
}

#[test]
fn calls_indirect_calls_through_tables() {
    let found = shape(workload("calls_indirect")).call_indirects;
    assert!(
        found >= 10,
        "calls_indirect.wasm has {found} call_indirect sites: the calls were devirtualised"
    );
}

#[test]
fn memcpy_uses_bulk_memory() {
    let shape = shape(workload("memcpy"));
    assert!(shape.memory_copies >= 3, "memcpy.wasm: {shape:?}");
    assert!(shape.memory_fills >= 1, "memcpy.wasm: {shape:?}");
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
    assert!(registry.len() >= 12);
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

/// The large module (fetched by `workloads/large/fetch.sh`, not checked in)
/// is Wasm 2.0 without SIMD and wisp compiles it. Skipped, with a message,
/// when it has not been fetched.
#[test]
fn large_module_is_wasm2_and_wisp_compiles_it() {
    let bytes = match wisp_bench::workloads::large_module() {
        Ok(bytes) => bytes,
        Err(e @ wisp_bench::workloads::LargeModuleError::Missing { .. }) => {
            eprintln!("skipped: {e}");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert!(bytes.len() >= 3 << 20, "only {} bytes", bytes.len());
    let mut features = WasmFeatures::WASM2;
    features.remove(WasmFeatures::SIMD);
    Validator::new_with_features(features)
        .validate_all(&bytes)
        .unwrap_or_else(|e| panic!("the large module is not Wasm 2.0 without SIMD: {e}"));
    let engine = wisp_interp::Engine::new(&wisp_interp::Config::default());
    wisp_interp::Module::new(&engine, &bytes)
        .unwrap_or_else(|e| panic!("wisp does not compile the large module: {e}"));
}
