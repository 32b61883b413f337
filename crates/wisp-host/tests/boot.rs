//! `wisp_host::boot`: registry entries turned into spawn specs, and run on
//! a host — arguments and argv, env resolution at spawn (C9, C10), mounts,
//! granted profiles and `strict_imports` (C13), layered limits, stdin, and
//! a module file changed after boot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wisp_host::boot::{self, BootError, BootOptions};
use wisp_host::registry::{self, EntryId, ProcessEnv, Registry, format_sha256, sha256};
use wisp_host::{ExitEvent, Host, ModuleSource, SpawnSpec, StdinSpec, Stream, Value};

const COMPUTE: &str = r#"(module
  (func (export "compute") (param i32 i32) (result i32)
    (i32.mul (local.get 0) (local.get 1))))"#;

/// Prints each argv item (`args`) or environment entry (`env`) on a line.
fn lister(sizes: &str, get: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "{sizes}" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "{get}" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "\n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 200))))
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $n))
  (func (export "_start") (local $i i32) (local $p i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 16) (i32.const 1024)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (local.set $p (i32.load (i32.add (i32.const 16) (i32.shl (local.get $i) (i32.const 2)))))
      (call $print (local.get $p) (call $strlen (local.get $p)))
      (call $print (i32.const 100) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))"#
    )
}

/// `open()` returns path_open's errno for `in.txt` beneath fd 3; `cat`
/// prints that file (rights: fd_read only).
const CAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "in.txt")
  (func $open_in (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 6) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)))
  (func (export "open") (result i32) (call $open_in))
  (func (export "cat") (result i32) (local $err i32)
    (local.set $err (call $open_in))
    (if (local.get $err) (then (return (local.get $err))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (loop $more
      (local.set $err (call $read (i32.load (i32.const 32)) (i32.const 0) (i32.const 1) (i32.const 16)))
      (if (local.get $err) (then (return (local.get $err))))
      (if (i32.load (i32.const 16))
        (then
          (i32.store (i32.const 8) (i32.const 1024))
          (i32.store (i32.const 12) (i32.load (i32.const 16)))
          (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 20)))
          (br $more))))
    (i32.const 0)))"#;

/// Copies stdin to stdout until end of file.
const ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read" (func $r (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 64))
    (loop $more
      (drop (call $r (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (if (i32.load (i32.const 8))
        (then
          (i32.store (i32.const 16) (i32.const 100))
          (i32.store (i32.const 20) (i32.load (i32.const 8)))
          (drop (call $w (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
          (br $more))))))"#;

/// A registry root in a temp dir: `wasm/` for modules, `data/` to mount.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(t.root().join("wasm")).unwrap();
        std::fs::create_dir_all(t.root().join("data")).unwrap();
        t
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `wasm/<name>`; its `sha256:` hash.
    fn module(&self, name: &str, wat: &str) -> String {
        let bytes = wat::parse_str(wat).unwrap();
        std::fs::write(self.root().join("wasm").join(name), &bytes).unwrap();
        format_sha256(&sha256(&bytes))
    }

    /// Writes `_index.yaml` with the common entries and `entries` after
    /// them (each indented by two spaces), and loads it.
    fn load(&self, entries: &str) -> Registry {
        let index = format!(
            r#"version: "1.0"
namespace: myns
entries:
  - {{ name: bins, kind: fs.directory, directory: ./wasm }}
  - {{ name: data, kind: fs.directory, directory: ./data }}
  - {{ name: os_env, kind: env.storage.os }}
  - {{ name: statics, kind: env.storage.static, values: {{ API_URL: "http://x" }} }}
  - {{ name: api_url, kind: env.variable, variable: API_URL, storage: os_env }}
  - {{ name: static_url, kind: env.variable, variable: API_URL, storage: statics }}
  - {{ name: terminal, kind: terminal.host }}
{entries}"#
        );
        std::fs::write(self.root().join("_index.yaml"), index).unwrap();
        Registry::load(self.root()).unwrap_or_else(|e| panic!("{e}"))
    }
}

fn id(s: &str) -> EntryId {
    s.parse().unwrap()
}

fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn run(spec: SpawnSpec) -> (ExitEvent, String) {
    let host = Host::builder().workers(1).build();
    let pid = host.spawn(spec).unwrap_or_else(|e| panic!("{e}"));
    let e = host.wait(pid).unwrap();
    let out = String::from_utf8(host.output(pid, Stream::Stdout).unwrap()).unwrap();
    (e, out)
}

fn spec(reg: &Registry, entry: &str, opts: &BootOptions) -> SpawnSpec {
    boot::spawn_spec(reg, &id(entry), opts, &no_env()).unwrap_or_else(|e| panic!("{e}"))
}

fn strs(words: &[&str]) -> Vec<Value> {
    words.iter().map(|w| Value::Str((*w).to_string())).collect()
}

#[test]
fn c1_a_method_with_params_gets_converted_arguments() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE);
    let reg = t.load(&format!(
        "  - {{ name: compute_worker, kind: process.wasm, fs: bins, path: /compute.wasm, hash: {hash}, method: compute }}\n"
    ));
    let opts = BootOptions {
        args: strs(&["6", "7"]),
        ..BootOptions::default()
    };
    let s = spec(&reg, "myns:compute_worker", &opts);
    assert_eq!(s.method, "compute");
    let ModuleSource::Bytes { sha256: pinned, .. } = &s.module else {
        panic!("the module is handed over as bytes")
    };
    assert_eq!(pinned.map(|h| format_sha256(&h)), Some(hash));
    assert_eq!(s.wasi.args, ["myns:compute_worker"]);
    assert_eq!(s.wasi.granted, Some(Vec::new()), "no profile: nothing");
    assert_eq!(s.opts.name.as_deref(), Some("myns:compute_worker"));
    let (e, _) = run(s);
    assert_eq!(e.result, Some(vec![Value::I32(42)]));
    assert_eq!(e.entry.as_deref(), Some("myns:compute_worker"));
}

#[test]
fn argv_is_the_entry_id_then_wasi_args_then_string_arguments() {
    let t = Tree::new();
    let hash = t.module("args.wasm", &lister("args_sizes_get", "args_get"));
    let reg = t.load(&format!(
        r#"  - name: argv
    kind: process.wasm
    fs: bins
    path: /args.wasm
    hash: {hash}
    method: _start
    imports: [wasi:cli]
    wasi: {{ args: ["--from-entry"] }}
"#
    ));
    let opts = BootOptions {
        args: strs(&["Bob", "two words"]),
        ..BootOptions::default()
    };
    let s = spec(&reg, "myns:argv", &opts);
    let granted = s.wasi.granted.clone().unwrap();
    assert!(granted.iter().any(|f| f == "args_get"));
    assert!(!granted.iter().any(|f| f == "path_open"));
    let (e, out) = run(s);
    assert!(e.reason.is_normal(), "{e:?}");
    assert_eq!(out, "myns:argv\n--from-entry\nBob\ntwo words\n");
}

#[test]
fn c9_c10_env_is_resolved_at_spawn() {
    let t = Tree::new();
    let hash = t.module("env.wasm", &lister("environ_sizes_get", "environ_get"));
    let entry = |var: &str, required: bool| {
        format!(
            r#"  - name: env_{var}_{required}
    kind: process.wasm
    fs: bins
    path: /env.wasm
    hash: {hash}
    method: _start
    imports: [wasi:cli]
    wasi:
      env: [{{ id: {var}, name: API_URL, required: {required} }}]
"#
        )
    };
    let reg =
        t.load(&(entry("api_url", true) + &entry("api_url", false) + &entry("static_url", true)));
    let opts = BootOptions::default();

    // C9: required and unset.
    let err = boot::spawn_spec(&reg, &id("myns:env_api_url_true"), &opts, &no_env()).unwrap_err();
    assert_eq!(err.code(), "EnvMissing");
    assert_eq!(
        err.to_string(),
        "required env variable myns:api_url (API_URL) is not set"
    );
    // Set in the OS environment: resolved when spawned.
    let os: BTreeMap<String, String> = [("API_URL".to_string(), "http://os".to_string())].into();
    let s = boot::spawn_spec(&reg, &id("myns:env_api_url_true"), &opts, &os).unwrap();
    assert_eq!(
        s.wasi.env,
        [("API_URL".to_string(), "http://os".to_string())]
    );

    // C9, not required: left out of the guest's environment.
    let (e, out) = run(spec(&reg, "myns:env_api_url_false", &opts));
    assert!(e.reason.is_normal(), "{e:?}");
    assert_eq!(out, "");

    // C10: from env.storage.static.
    let (_, out) = run(spec(&reg, "myns:env_static_url_true", &opts));
    assert_eq!(out, "API_URL=http://x\n");

    // The real process environment works as an OsEnv too.
    assert!(boot::spawn_spec(&reg, &id("myns:env_static_url_true"), &opts, &ProcessEnv).is_ok());
}

fn cat_registry(t: &Tree, imports: &str, limits: &str) -> Registry {
    let hash = t.module("cat.wasm", CAT);
    t.load(&format!(
        r#"  - {{ name: procs, kind: process.host, default_limits: {{ {limits} }} }}
  - name: cat
    kind: process.wasm
    fs: bins
    path: /cat.wasm
    hash: {hash}
    method: cat
    imports: [{imports}]
    wasi:
      mounts: [{{ fs: data, guest: /data, read_only: true }}]
  - name: open
    kind: process.wasm
    fs: bins
    path: /cat.wasm
    hash: {hash}
    method: open
    imports: [wasi:cli]
"#
    ))
}

#[test]
fn mounts_are_the_fs_roots_on_the_host() {
    let t = Tree::new();
    std::fs::write(t.root().join("data/in.txt"), "mounted\n").unwrap();
    let reg = cat_registry(&t, "wasi:cli, wasi:filesystem", "");
    let s = spec(&reg, "myns:cat", &BootOptions::default());
    assert_eq!(s.wasi.mounts.len(), 1);
    let m = &s.wasi.mounts[0];
    assert_eq!(m.host, t.root().join("data").canonicalize().unwrap());
    assert_eq!((m.guest.as_str(), m.read_only), ("/data", true));
    let (e, out) = run(s);
    assert_eq!(e.result, Some(vec![Value::I32(0)]), "{e:?}");
    assert_eq!(out, "mounted\n");
}

#[test]
fn c13_strict_imports_from_any_layer_refuse_an_ungranted_function() {
    let t = Tree::new();
    // The host's default_limits make every entry on it strict.
    let reg = cat_registry(&t, "wasi:cli, wasi:filesystem", "strict_imports: true");
    let host = Some(id("myns:procs"));
    let opts = BootOptions {
        host: host.clone(),
        ..BootOptions::default()
    };
    let err = boot::spawn_spec(&reg, &id("myns:open"), &opts, &no_env()).unwrap_err();
    assert_eq!(err.code(), "ImportNotEnabled");
    assert_eq!(
        err.to_string(),
        "wasi_snapshot_preview1::path_open needs imports: wasi:filesystem"
    );
    assert!(boot::spawn_spec(&reg, &id("myns:cat"), &opts, &no_env()).is_ok());

    // A caller's strict_imports: false wins over the host default...
    let lenient = BootOptions {
        host,
        limits: registry::Limits {
            strict_imports: Some(false),
            ..registry::Limits::default()
        },
        ..BootOptions::default()
    };
    // ...and then path_open is linked to a stub answering NOTCAPABLE (76).
    let (e, _) = run(spec(&reg, "myns:open", &lenient));
    assert_eq!(e.result, Some(vec![Value::I32(76)]), "{e:?}");
}

#[test]
fn limits_layer_caller_entry_host_defaults_builtin() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE);
    let reg = t.load(&format!(
        r#"  - {{ name: procs, kind: process.host, default_limits: {{ max_fuel: 9, max_call_depth: 77, max_execution_ms: 5s }} }}
  - name: compute
    kind: process.wasm
    fs: bins
    path: /compute.wasm
    hash: {hash}
    method: compute
    limits: {{ max_fuel: 5000, on_output_limit: fail }}
"#
    ));
    let opts = BootOptions {
        host: Some(id("myns:procs")),
        limits: registry::Limits {
            max_output_bytes: Some(1024),
            max_execution: Some(std::time::Duration::from_millis(250)),
            ..registry::Limits::default()
        },
        ..BootOptions::default()
    };
    let l = spec(&reg, "myns:compute", &opts).limits;
    assert_eq!(l.max_fuel, Some(5000), "the entry over the host");
    assert_eq!(l.max_call_depth, Some(77), "the host over the default");
    assert_eq!(
        l.timeout,
        Some(std::time::Duration::from_millis(250)),
        "the caller over the host"
    );
    assert_eq!(l.max_output_bytes, Some(1024));
    assert_eq!(l.on_output_limit, wisp_host::OnOutputLimit::Fail);
    assert_eq!(l.max_memory_pages, Some(16_384), "built-in default");
    assert_eq!(l.max_table_elements, Some(100_000), "built-in default");

    // Without a host, its defaults do not apply.
    let l = spec(&reg, "myns:compute", &BootOptions::default()).limits;
    assert_eq!((l.max_fuel, l.max_call_depth), (Some(5000), Some(10_000)));
}

#[test]
fn stdin_inherit_reads_what_the_caller_gives() {
    let t = Tree::new();
    let hash = t.module("echo.wasm", ECHO);
    let reg = t.load(&format!(
        r#"  - {{ name: echo_in, kind: process.wasm, fs: bins, path: /echo.wasm, hash: {hash}, method: _start, imports: [wasi:cli], wasi: {{ stdin: inherit }} }}
  - {{ name: echo_none, kind: process.wasm, fs: bins, path: /echo.wasm, hash: {hash}, method: _start, imports: [wasi:cli] }}
"#
    ));
    let opts = BootOptions {
        stdin: StdinSpec::Bytes(b"typed\n".to_vec()),
        ..BootOptions::default()
    };
    let (_, out) = run(spec(&reg, "myns:echo_in", &opts));
    assert_eq!(out, "typed\n");
    let (_, out) = run(spec(&reg, "myns:echo_none", &opts));
    assert_eq!(out, "", "stdin: none reads nothing");
}

#[test]
fn a_module_file_changed_after_boot_is_refused_by_its_hash() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE);
    let reg = t.load(&format!(
        "  - {{ name: c, kind: process.wasm, fs: bins, path: /compute.wasm, hash: {hash}, method: compute }}\n"
    ));
    let file: PathBuf = t.root().join("wasm/compute.wasm");
    t.module(
        "compute.wasm",
        r#"(module (func (export "compute") (param i32 i32) (result i32) i32.const 0))"#,
    );
    let s = spec(&reg, "myns:c", &BootOptions::default());
    let host = Host::builder().workers(1).build();
    let err = host.spawn(s).unwrap_err();
    assert_eq!(err.code(), "HashMismatch");

    std::fs::remove_file(&file).unwrap();
    let err =
        boot::spawn_spec(&reg, &id("myns:c"), &BootOptions::default(), &no_env()).unwrap_err();
    assert_eq!(err.code(), "ModuleNotFound");
    assert!(
        err.to_string()
            .starts_with("/compute.wasm not found in myns:bins ("),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_fs_made_after_boot_escapes() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE);
    let reg = t.load(&format!(
        "  - {{ name: c, kind: process.wasm, fs: bins, path: /compute.wasm, hash: {hash}, method: compute }}\n"
    ));
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("x.wasm");
    std::fs::write(&target, wat::parse_str(COMPUTE).unwrap()).unwrap();
    let file = t.root().join("wasm/compute.wasm");
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    let err =
        boot::spawn_spec(&reg, &id("myns:c"), &BootOptions::default(), &no_env()).unwrap_err();
    assert_eq!(err, BootError::PathEscape("/compute.wasm".into()));
}

#[test]
fn only_wasm_entries_boot_and_links_wait_for_the_host() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE);
    let reg = t.load(&format!(
        r#"  - {{ name: lib, kind: process.wasm, fs: bins, path: /compute.wasm, hash: {hash}, method: compute }}
  - {{ name: app, kind: process.wasm, fs: bins, path: /compute.wasm, hash: {hash}, method: compute, link: {{ mathlib: lib }} }}
"#
    ));
    let o = BootOptions::default();
    let err = boot::spawn_spec(&reg, &id("myns:bins"), &o, &no_env()).unwrap_err();
    assert_eq!(err.code(), "WrongKind");
    assert_eq!(
        err.to_string(),
        "myns:bins is fs.directory, not a process.wasm or function.wasm entry"
    );
    let err = boot::spawn_spec(&reg, &id("myns:nope"), &o, &no_env()).unwrap_err();
    assert_eq!(err, BootError::NoSuchEntry(id("myns:nope")));
    let err = boot::spawn_spec(&reg, &id("myns:app"), &o, &no_env()).unwrap_err();
    assert!(matches!(err, BootError::Unsupported(_)), "{err}");
}

#[test]
fn a_process_host_entry_sets_workers_and_slice_fuel() {
    let t = Tree::new();
    let reg =
        t.load("  - { name: procs, kind: process.host, host: { workers: 3, slice_fuel: 500 } }\n");
    let Some(registry::Spec::ProcessHost(p)) = reg.get(&id("myns:procs")).map(|e| &e.spec) else {
        panic!("a process.host entry")
    };
    let host = boot::host_builder(p).build();
    assert_eq!(host.metrics().workers, 3);
    assert!(format!("{:?}", boot::host_builder(p)).contains("slice_fuel: 500"));
}

#[test]
fn granted_functions_are_the_union_of_wasi_profiles() {
    let g = boot::granted_functions(&["wasi:random", "wisp:process", "wasi:clocks"]);
    assert_eq!(
        g,
        [
            "clock_res_get",
            "clock_time_get",
            "poll_oneoff",
            "random_get"
        ]
    );
    assert!(boot::granted_functions(&[]).is_empty());
}
