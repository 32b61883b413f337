//! docs/host.md §7.1, the parts decided at load/validate time. The running
//! halves (C1's result, C9/C10's guest output, C13's errno 76) need the
//! process host and are tested with it.

use std::collections::BTreeMap;

use wisp_host::registry::{EntryId, EnvError, ErrorCode, Kind, ProcessEnv};

use super::common::{COMPUTE_WAT, Tree, index, only, wasm};

const METHOD: &str = "    method: compute\n";

fn id(s: &str) -> EntryId {
    s.parse().unwrap()
}

#[test]
fn c1_compute_entry_loads_and_compiles() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write("_index.yaml", index(METHOD, &hash));
    let reg = t.load().unwrap_or_else(|e| panic!("{e}"));
    let e = reg.get(&id("myns:compute_worker")).unwrap();
    assert_eq!(e.kind(), Kind::ProcessWasm);
    let w = e.spec.wasm().unwrap();
    assert_eq!(
        (w.path.as_str(), w.method.as_str()),
        ("/compute.wasm", "compute")
    );
    let module = reg.module(&e.id).expect("compiled module");
    assert!(module.exports().any(|x| x.name == "compute"));
    assert_eq!(format!("sha256:{}", hex(&module.sha256())), hash);
    assert!(reg.warnings().is_empty());
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn c2_hash_mismatch_prints_the_actual_hash() {
    let t = Tree::new();
    let actual = t.module("compute.wasm", COMPUTE_WAT);
    // Change one hex digit.
    let last = actual.chars().last().unwrap();
    let wrong = format!(
        "{}{}",
        &actual[..actual.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    t.write("_index.yaml", index(METHOD, &wrong));
    let errs = t.errors();
    let e = only(&errs, ErrorCode::HashMismatch, &format!("got {actual}"));
    assert_eq!(
        e.message,
        format!("myns:compute_worker: expected {wrong}, got {actual}")
    );
    assert!(errs.to_string().contains("error[HashMismatch]"));
}

#[test]
fn c2_nothing_is_parsed_before_the_hash_matches() {
    // Garbage bytes with a wrong hash give HashMismatch, not a compile error.
    let t = Tree::new();
    t.write("wasm/compute.wasm", b"\0asm garbage");
    t.write(
        "_index.yaml",
        index(METHOD, &format!("sha256:{}", "a".repeat(64))),
    );
    only(&t.errors(), ErrorCode::HashMismatch, "expected sha256:aaaa");
}

#[test]
fn c3_unsupported_hash_algorithm() {
    let t = Tree::new();
    t.module("compute.wasm", COMPUTE_WAT);
    t.write("_index.yaml", index(METHOD, "md5:abc"));
    let e = only(
        &t.errors(),
        ErrorCode::InvalidField,
        "unsupported hash algorithm \"md5\" (only sha256)",
    );
    assert_eq!(e.field.as_deref(), Some("hash"));
    assert_eq!(e.entry.as_deref(), Some("myns:compute_worker"));
}

#[test]
fn c4_malformed_sha256() {
    let t = Tree::new();
    t.module("compute.wasm", COMPUTE_WAT);
    t.write("_index.yaml", index(METHOD, "sha256:XYZ"));
    only(
        &t.errors(),
        ErrorCode::InvalidField,
        "hash must be sha256:<64 hex digits>",
    );
}

#[test]
fn c5_missing_module_names_the_resolved_path() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write(
        "_index.yaml",
        index(METHOD, &hash).replace("/compute.wasm", "/missing.wasm"),
    );
    let e = only(
        &t.errors(),
        ErrorCode::ModuleNotFound,
        "/missing.wasm not found in myns:wasm_binaries",
    );
    let resolved = t
        .root()
        .canonicalize()
        .unwrap()
        .join("wasm")
        .join("missing.wasm");
    assert!(
        e.message.contains(&resolved.display().to_string()),
        "{}",
        e.message
    );
}

#[test]
fn c6_path_escaping_the_fs_root() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write(
        "_index.yaml",
        index(METHOD, &hash).replace("/compute.wasm", "/../etc/passwd"),
    );
    only(
        &t.errors(),
        ErrorCode::PathEscape,
        "path escapes filesystem root",
    );
}

#[test]
fn c7_method_is_required() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write("_index.yaml", index("", &hash));
    let e = only(&t.errors(), ErrorCode::InvalidField, "method is required");
    assert_eq!(e.field.as_deref(), Some("method"));
}

#[test]
fn c8_method_not_exported() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write("_index.yaml", index("    method: nope\n", &hash));
    let e = only(
        &t.errors(),
        ErrorCode::EntrypointError,
        "export \"nope\" not found",
    );
    assert_eq!(
        e.message,
        "export \"nope\" not found (exports: memory, compute)"
    );
}

fn env_tree(storage: &str, required: bool) -> Tree {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    let extra = format!(
        "{METHOD}    imports: [wasi:cli]\n    wasi:\n      env:\n        - {{ id: myns:api_url, name: API_URL, required: {required} }}\n"
    );
    let mut yaml = index(&extra, &hash).replace("storage: os_env", &format!("storage: {storage}"));
    yaml.push_str(
        "  - { name: defaults, kind: env.storage.static, values: { API_URL: \"http://x\" } }\n",
    );
    t.write("_index.yaml", yaml);
    t
}

#[test]
fn c9_required_env_missing_fails_at_spawn() {
    let reg = env_tree("os_env", true)
        .load()
        .unwrap_or_else(|e| panic!("{e}"));
    let worker = id("myns:compute_worker");
    let no_env: BTreeMap<String, String> = BTreeMap::new();
    let err = reg.resolve_env(&worker, &no_env).unwrap_err();
    assert_eq!(
        err,
        EnvError::Missing {
            id: id("myns:api_url"),
            name: "API_URL".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "EnvMissing: required env variable myns:api_url (API_URL) is not set"
    );
    // Set in the OS environment (through the os storage only).
    let os = BTreeMap::from([("API_URL".to_string(), "http://os".to_string())]);
    assert_eq!(
        reg.resolve_env(&worker, &os).unwrap(),
        [("API_URL".into(), "http://os".into())]
    );
    // The real process environment is a valid source too.
    let _ = reg.resolve_env(&worker, &ProcessEnv);
}

#[test]
fn c9_optional_env_missing_is_left_out() {
    let reg = env_tree("os_env", false)
        .load()
        .unwrap_or_else(|e| panic!("{e}"));
    let env = reg
        .resolve_env(
            &id("myns:compute_worker"),
            &BTreeMap::<String, String>::new(),
        )
        .unwrap();
    assert!(env.is_empty());
}

#[test]
fn c10_env_from_static_storage() {
    let reg = env_tree("defaults", true)
        .load()
        .unwrap_or_else(|e| panic!("{e}"));
    let env = reg
        .resolve_env(
            &id("myns:compute_worker"),
            &BTreeMap::<String, String>::new(),
        )
        .unwrap();
    assert_eq!(env, [("API_URL".to_string(), "http://x".to_string())]);
}

#[test]
fn c11_unknown_import_module() {
    let t = Tree::new();
    let hash = t.module(
        "compute.wasm",
        r#"(module (import "env" "foo" (func)) (func (export "compute")))"#,
    );
    t.write("_index.yaml", index(METHOD, &hash));
    let e = only(&t.errors(), ErrorCode::UnknownImport, "env::foo");
    assert_eq!(
        e.message,
        "env::foo (module \"env\" is not a host import or a linked module)"
    );
}

#[test]
fn c12_wasi_http_is_refused() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write(
        "_index.yaml",
        index(&format!("{METHOD}    imports: [wasi:http]\n"), &hash),
    );
    let e = only(&t.errors(), ErrorCode::UnsupportedImport, "");
    assert_eq!(
        e.message,
        "unsupported wasm host import: wasi:http (not available in v1)"
    );
    assert_eq!(e.field.as_deref(), Some("imports[0]"));
}

const PATH_OPEN_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (func (export "compute")))"#;

#[test]
fn c13_strict_imports_refuse_uncovered_wasi_functions() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", PATH_OPEN_WAT);
    let extra =
        format!("{METHOD}    imports: [wasi:cli]\n    limits: {{ strict_imports: true }}\n");
    t.write("_index.yaml", index(&extra, &hash));
    let e = only(&t.errors(), ErrorCode::ImportNotEnabled, "");
    assert_eq!(
        e.message,
        "wasi_snapshot_preview1::path_open needs imports: wasi:filesystem"
    );
}

#[test]
fn c13_without_strict_uncovered_imports_load() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", PATH_OPEN_WAT);
    t.write(
        "_index.yaml",
        index(&format!("{METHOD}    imports: [wasi:cli]\n"), &hash),
    );
    let reg = t.load().unwrap_or_else(|e| panic!("{e}"));
    assert!(reg.module(&id("myns:compute_worker")).is_some());
}

fn mounts(guests: &[&str], imports: &str) -> Tree {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    std::fs::create_dir(t.root().join("data")).unwrap();
    let mut extra = format!("{METHOD}    imports: [{imports}]\n    wasi:\n      mounts:\n");
    for g in guests {
        extra.push_str(&format!(
            "        - {{ fs: input_data, guest: \"{g}\", read_only: true }}\n"
        ));
    }
    let mut yaml = index(&extra, &hash);
    yaml.push_str("  - { name: input_data, kind: fs.directory, directory: ./data }\n");
    t.write("_index.yaml", yaml);
    t
}

#[test]
fn c14_mount_guest_paths_must_be_unique_after_cleaning() {
    let errs = mounts(&["/data", "/data/"], "wasi:filesystem").errors();
    let e = only(
        &errs,
        ErrorCode::InvalidField,
        "wasi.mounts[].guest must be unique",
    );
    assert_eq!(e.field.as_deref(), Some("wasi.mounts[1].guest"));
    // One mount is fine.
    let reg = mounts(&["/data/"], "wasi:filesystem")
        .load()
        .unwrap_or_else(|e| panic!("{e}"));
    let w = reg
        .get(&id("myns:compute_worker"))
        .unwrap()
        .spec
        .wasm()
        .unwrap()
        .clone();
    assert_eq!(w.wasi.mounts[0].guest, "/data");
    assert!(w.wasi.mounts[0].read_only);
}

#[test]
fn c15_mounts_need_the_filesystem_profile() {
    let errs = mounts(&["/data"], "wasi:cli").errors();
    only(
        &errs,
        ErrorCode::InvalidField,
        "wasi.mounts requires imports: wasi:filesystem",
    );
}

#[test]
fn c16_duplicate_entry_id_names_both_files() {
    let t = Tree::new();
    let one = "version: \"1.0\"\nnamespace: myns\nentries:\n  - { name: x, kind: pg.scope }\n";
    let a = t.write("a/_index.yaml", one);
    let b = t.write("b/_index.yaml", one);
    let e = only(
        &t.errors(),
        ErrorCode::DuplicateEntry,
        "duplicate entry id myns:x",
    );
    assert_eq!(e.file, b);
    assert_eq!(
        e.message,
        format!(
            "duplicate entry id myns:x (first defined in {})",
            a.display()
        )
    );
}

#[test]
fn c17_reference_to_the_wrong_kind() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write(
        "_index.yaml",
        index(METHOD, &hash).replace("fs: myns:wasm_binaries", "fs: myns:api_url"),
    );
    let e = only(&t.errors(), ErrorCode::WrongKind, "");
    assert_eq!(
        e.message,
        "fs: myns:api_url is env.variable, expected fs.directory"
    );
}

#[test]
fn c18_limit_errors_are_reported_together() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    let mut yaml = index(&format!("{METHOD}    limits: {{ max_fuel: -1 }}\n"), &hash);
    yaml.push_str(&format!(
        "  - {{ name: second, kind: process.wasm, fs: wasm_binaries, path: /compute.wasm, hash: {hash}, \
         method: compute, limits: {{ fuel: 5 }} }}\n"
    ));
    t.write("_index.yaml", yaml);
    let errs = t.errors();
    assert_eq!(errs.len(), 2, "{errs}");
    assert!(errs.errors[0].message.contains("must be > 0"));
    assert_eq!(errs.errors[0].field.as_deref(), Some("limits.max_fuel"));
    assert_eq!(errs.errors[1].code, ErrorCode::UnknownField);
    assert!(errs.errors[1].message.starts_with("unknown field \"fuel\""));
    assert_eq!(errs.errors[1].entry.as_deref(), Some("myns:second"));
}

#[test]
fn c19_json_lists_every_error() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    // Three problems: no method, a bad mount (no wasi:filesystem), an
    // unknown kind in another file.
    let extra = "    wasi:\n      mounts: [{ fs: wasm_binaries, guest: /w }]\n";
    t.write("_index.yaml", index(extra, &hash));
    t.write(
        "x/_index.yaml",
        "version: \"1.0\"\nnamespace: other\nentries:\n  - { name: y, kind: process.wasmm }\n",
    );
    let errs = t.errors();
    assert_eq!(errs.len(), 3, "{errs}");
    let json = errs.to_json();
    assert!(json.starts_with("[{") && json.ends_with("}]"));
    assert_eq!(json.matches("\"code\":").count(), 3);
    assert!(json.contains("\"code\":\"UnknownKind\""));
    assert!(json.contains("unknown entry kind \\\"process.wasmm\\\""));
    assert!(json.contains("\"entry\":\"myns:compute_worker\""));
    assert!(json.contains("\"field\":\"method\""));
}

#[test]
fn f7_declared_memory_above_the_limit() {
    let t = Tree::new();
    let hash = t.module(
        "compute.wasm",
        r#"(module (memory 300) (func (export "compute")))"#,
    );
    t.write(
        "_index.yaml",
        index(
            &format!("{METHOD}    limits: {{ max_memory_pages: 256 }}\n"),
            &hash,
        ),
    );
    let e = only(&t.errors(), ErrorCode::MemoryLimitError, "");
    assert_eq!(e.message, "module declares 300 initial pages, limit is 256");
}

#[test]
fn compile_errors_name_the_module_error() {
    let t = Tree::new();
    let bytes = wasm(COMPUTE_WAT);
    // Valid magic, then truncated.
    let cut = &bytes[..bytes.len() - 3];
    t.write("wasm/compute.wasm", cut);
    t.write("_index.yaml", index(METHOD, &super::common::hash_of(cut)));
    let e = only(&t.errors(), ErrorCode::ModuleCompileError, "");
    assert!(!e.message.is_empty());
}
