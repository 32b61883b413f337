//! Loader rules beyond §7.1: index format, YAML errors and bombs, commands,
//! CLI host choice, cycles, linking, supervisors, warnings and sharing.

use wisp_host::registry::{
    ChildRestart, CliHostError, EntryId, ErrorCode, Kind, Registry, Shutdown, Spec, Strategy,
    hash_file,
};

use super::common::{COMPUTE_WAT, Tree, index, only};

const HEAD: &str = "version: \"1.0\"\nnamespace: myns\nentries:\n";

fn id(s: &str) -> EntryId {
    s.parse().unwrap()
}

#[test]
fn empty_root_is_an_empty_registry() {
    let t = Tree::new();
    let reg = t.load().unwrap();
    assert_eq!(reg.entries().count(), 0);
    assert!(Registry::load(t.root().join("nope")).is_err());
}

#[test]
fn index_header_errors() {
    let t = Tree::new();
    t.write(
        "a/_index.yaml",
        "version: \"2.0\"\nnamespace: Bad-NS\nentries: []\nextra: 1\n",
    );
    t.write("b/_index.yaml", "namespace: ok\n");
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("unknown field \"extra\"")),
        "{errs}"
    );
    assert!(
        msgs.contains(&"unsupported index version \"2.0\" (expected \"1.0\")"),
        "{errs}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("invalid namespace \"Bad-NS\"")),
        "{errs}"
    );
    assert!(
        msgs.iter().any(|m| m.starts_with("version is required")),
        "{errs}"
    );
    assert!(
        msgs.iter().any(|m| m.starts_with("entries is required")),
        "{errs}"
    );
    assert_eq!(errs.len(), 5, "{errs}");
}

#[test]
fn yaml_syntax_errors_carry_line_and_column() {
    let t = Tree::new();
    let file = t.write(
        "_index.yaml",
        format!("{HEAD}  - {{ name: a, kind: pg.scope\n  - b: [\n"),
    );
    let errs = t.errors();
    let e = &errs.errors[0];
    assert_eq!(e.code, ErrorCode::YamlSyntax);
    assert_eq!(e.file, file);
    let pos = e.pos.expect("position");
    assert!(pos.line >= 4, "{e}");
    assert!(e.to_string().starts_with(&format!(
        "error[YamlSyntax]: {}:{}:{}: ",
        file.display(),
        pos.line,
        pos.column
    )));
}

/// A "billion laughs" index must fail fast with a clear, bounded error.
#[test]
fn billion_laughs_index_fails_fast() {
    let t = Tree::new();
    let mut yaml = String::from(HEAD);
    yaml.push_str("  - name: a\n    kind: pg.scope\n    meta:\n      l0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha, ha]\n");
    for i in 1..12 {
        let p = i - 1;
        yaml.push_str(&format!("      l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"));
    }
    t.write("_index.yaml", yaml);
    let start = std::time::Instant::now();
    let errs = t.errors();
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    let e = only(&errs, ErrorCode::YamlSyntax, "budget");
    assert!(e.pos.is_some());
}

#[test]
fn oversized_index_is_refused() {
    let t = Tree::new();
    t.write("_index.yaml", format!("{HEAD}{}", "#".repeat(2 << 20)));
    only(&t.errors(), ErrorCode::FileTooLarge, "larger than");
}

#[test]
fn every_entry_problem_in_one_pass() {
    let t = Tree::new();
    t.write(
        "_index.yaml",
        format!(
            "{HEAD}  - {{ name: a, kind: process.wasmm }}\n  - {{ kind: pg.scope }}\n  - {{ name: 9x, kind: pg.scope }}\n\
             \x20 - {{ name: w, kind: process.wasm, hashh: 1 }}\n"
        ),
    );
    let errs = t.errors();
    let codes: Vec<ErrorCode> = errs.iter().map(|e| e.code).collect();
    assert!(codes.contains(&ErrorCode::UnknownKind), "{errs}");
    assert!(codes.contains(&ErrorCode::UnknownField), "{errs}");
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    for want in [
        "entries[1]: name is required",
        "fs is required",
        "path is required",
        "hash is required",
        "method is required",
    ] {
        assert!(msgs.contains(&want), "missing {want:?} in\n{errs}");
    }
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("invalid entry name \"9x\"")),
        "{errs}"
    );
}

fn commands_tree(extra: &str) -> Tree {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    let mut yaml = index(
        "    method: compute\n    meta:\n      command: { name: greet, short: Greet someone }\n",
        &hash,
    );
    yaml.push_str(&format!(
        "  - {{ name: calc, kind: process.wasm, fs: wasm_binaries, path: /compute.wasm, hash: {hash}, method: compute, \
         meta: {{ command: {{ name: compute, short: Multiply }} }} }}\n{extra}"
    ));
    t.write("_index.yaml", yaml);
    t
}

#[test]
fn l1_commands_sorted_by_name() {
    let reg = commands_tree("").load().unwrap_or_else(|e| panic!("{e}"));
    let rows = reg.commands();
    let names: Vec<(&str, String, &str)> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.entry.to_string(), r.description.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("compute", "myns:calc".into(), "Multiply"),
            ("greet", "myns:compute_worker".into(), "Greet someone")
        ]
    );
    assert_eq!(reg.command("greet").unwrap().id, id("myns:compute_worker"));
    assert!(reg.command("nosuchcmd").is_none());
    // Only one module was compiled for the two entries (same hash).
    assert_eq!(reg.module_count(), 1);
}

#[test]
fn l3_cli_needs_terminal_and_process_hosts() {
    let reg = commands_tree("").load().unwrap();
    assert_eq!(reg.cli_host(None), Err(CliHostError::NoHosts));
    assert_eq!(
        CliHostError::NoHosts.to_string(),
        "CLI commands need a terminal.host and a process.host entry"
    );
    let two = "  - { name: terminal, kind: terminal.host }\n  - { name: p1, kind: process.host }\n  - { name: p2, kind: process.host }\n";
    let reg = commands_tree(two).load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reg.cli_host(None), Err(CliHostError::Ambiguous));
    assert_eq!(reg.cli_host(Some("p2")), Ok(&id("myns:p2")));
    assert_eq!(reg.cli_host(Some("myns:p1")), Ok(&id("myns:p1")));
    assert!(matches!(
        reg.cli_host(Some("p3")),
        Err(CliHostError::NotFound(_))
    ));
}

#[test]
fn command_names_reserved_and_unique() {
    let t = commands_tree(
        "  - { name: x, kind: process.wasm, meta: { command: { name: list } } }\n  - { name: s, kind: pg.scope, meta: { command: { name: Bad } } }\n",
    );
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.contains(&"meta.command.name: \"list\" is reserved"),
        "{errs}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("must be lowercase")),
        "{errs}"
    );
    assert!(
        msgs.contains(&"meta.command is only allowed on process.wasm entries"),
        "{errs}"
    );

    let t2 = commands_tree("");
    let p = t2.root().join("_index.yaml");
    let yaml = std::fs::read_to_string(&p)
        .unwrap()
        .replace("name: compute, short", "name: greet, short");
    std::fs::write(&p, yaml).unwrap();
    let errs = t2.errors();
    only(
        &errs,
        ErrorCode::CommandConflict,
        "meta.command.name \"greet\" already used by myns:compute_worker",
    );
}

#[test]
fn dangling_references() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    let yaml = index(
        "    method: compute\n    imports: [wasi1]\n    wasi: { env: [{ id: nope, name: X }] }\n",
        &hash,
    );
    t.write(
        "_index.yaml",
        yaml.replace("fs: myns:wasm_binaries", "fs: other:bins"),
    );
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.contains(&"fs: other:bins: no such entry (expected fs.directory)"),
        "{errs}"
    );
    assert!(
        msgs.contains(&"wasi.env[0].id: myns:nope: no such entry (expected env.variable)"),
        "{errs}"
    );
    assert_eq!(errs.len(), 2, "{errs}");
}

#[test]
fn services_supervisors_and_cycles() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    let mut yaml = index("    method: compute\n", &hash);
    yaml.push_str(
        r#"  - name: processes
    kind: process.host
    host: { workers: 2, slice_fuel: 1000 }
    default_limits: { max_fuel: 1000000000 }
    lifecycle: { auto_start: true }
  - name: worker
    kind: process.service
    process: compute_worker
    host: processes
    input: [6, 7]
    lifecycle:
      auto_start: true
      start_timeout: 10s
      requires: [pool]
      restart: { initial_delay: 100ms, max_delay: 90s, backoff_factor: 2.0, jitter: 0.1, max_attempts: 3 }
  - name: pool
    kind: process.supervisor
    host: processes
    strategy: rest_for_one
    intensity: 3
    period: 60s
    children:
      - { id: w1, process: compute_worker, input: [1], restart: transient, shutdown: brutal_kill }
      - { id: w2, process: compute_worker, restart: temporary, shutdown: 2s }
      - { id: sub, supervisor: inner, shutdown: infinity }
  - name: inner
    kind: process.supervisor
    host: processes
    children: [{ id: a, process: compute_worker }]
"#,
    );
    t.write("_index.yaml", &yaml);
    let reg = t.load().unwrap_or_else(|e| panic!("{e}"));
    let Spec::ProcessSupervisor(pool) = &reg.get(&id("myns:pool")).unwrap().spec else {
        panic!()
    };
    assert_eq!(pool.strategy, Strategy::RestForOne);
    assert_eq!(pool.period, std::time::Duration::from_secs(60));
    assert_eq!(pool.children[0].restart, ChildRestart::Transient);
    assert_eq!(pool.children[0].shutdown, Shutdown::BrutalKill);
    assert_eq!(
        pool.children[1].shutdown,
        Shutdown::Timeout(std::time::Duration::from_secs(2))
    );
    assert_eq!(pool.children[2].shutdown, Shutdown::Infinity);
    let Spec::ProcessService(svc) = &reg.get(&id("myns:worker")).unwrap().spec else {
        panic!()
    };
    assert_eq!(svc.lifecycle.restart.max_attempts, 3);
    assert_eq!(
        svc.lifecycle.restart.initial_delay,
        std::time::Duration::from_millis(100)
    );
    let Spec::ProcessHost(h) = &reg.get(&id("myns:processes")).unwrap().spec else {
        panic!()
    };
    assert_eq!(
        (h.workers, h.slice_fuel, h.default_limits.max_fuel),
        (Some(2), 1000, Some(1_000_000_000))
    );
    assert_eq!(reg.of_kind(Kind::ProcessSupervisor).count(), 2);

    // Now make cycles: inner nests pool, pool requires worker, and an
    // infinity shutdown on a process child.
    let bad = yaml
        .replace(
            "children: [{ id: a, process: compute_worker }]",
            "children: [{ id: a, supervisor: pool }]",
        )
        .replace(
            "    intensity: 3\n",
            "    intensity: 3\n    lifecycle: { requires: [worker] }\n",
        )
        .replace(
            "restart: temporary, shutdown: 2s",
            "restart: temporary, shutdown: infinity",
        );
    t.write("_index.yaml", bad);
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.contains(&"start order cycle myns:pool -> myns:worker -> myns:pool"),
        "{errs}"
    );
    assert!(
        msgs.contains(&"supervisor nesting cycle myns:inner -> myns:pool -> myns:inner"),
        "{errs}"
    );
    assert!(
        msgs.contains(&"shutdown: infinity is only allowed for supervisor children"),
        "{errs}"
    );
    assert_eq!(errs.len(), 3, "{errs}");
}

#[test]
fn linked_modules_are_checked() {
    let t = Tree::new();
    let lib = t.module("mathlib.wasm", r#"(module (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))"#);
    let main = t.module(
        "compute.wasm",
        r#"(module (import "mathlib" "double" (func (param i32) (result i32)))
                   (import "mathlib" "triple" (func (param i32) (result i32)))
                   (func (export "compute")))"#,
    );
    let mut yaml = index(
        "    method: compute\n    link: { mathlib: myns:mathlib }\n",
        &main,
    );
    yaml.push_str(&format!(
        "  - {{ name: mathlib, kind: function.wasm, fs: wasm_binaries, path: /mathlib.wasm, hash: {lib}, method: double }}\n"
    ));
    t.write("_index.yaml", &yaml);
    let e = only(&t.errors(), ErrorCode::UnknownImport, "");
    assert_eq!(
        e.message,
        "mathlib::triple (myns:mathlib does not export \"triple\")"
    );

    // A link cycle.
    let cyc = yaml.replace(
        "method: double }",
        "method: double, link: { back: compute_worker } }",
    );
    t.write("_index.yaml", cyc);
    let errs = t.errors();
    assert!(
        errs.iter().any(|e| e.code == ErrorCode::ModuleLoadError
            && e.message
                == "import cycle myns:compute_worker -> myns:mathlib -> myns:compute_worker"),
        "{errs}"
    );
}

#[test]
fn wasi_import_types_and_profiles_are_checked() {
    let t = Tree::new();
    let hash = t.module(
        "compute.wasm",
        r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
                   (import "wasi_snapshot_preview1" "fd_nope" (func))
                   (func (export "compute")))"#,
    );
    t.write("_index.yaml", index("    method: compute\n", &hash));
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(msgs.contains(&"wasi_snapshot_preview1::fd_write expects (i32,i32,i32,i32)->i32, module declares (i32)->i32"), "{errs}");
    assert!(
        msgs.contains(&"wasi_snapshot_preview1::fd_nope is not a WASI preview1 function"),
        "{errs}"
    );
    assert!(msgs.contains(&"module imports wasi_snapshot_preview1 but entry declares no wasi profile (add imports: [wasi1])"), "{errs}");
}

#[test]
fn method_types_must_be_numeric() {
    let t = Tree::new();
    let hash = t.module(
        "compute.wasm",
        r#"(module (func (export "compute") (param externref)))"#,
    );
    t.write("_index.yaml", index("    method: compute\n", &hash));
    only(
        &t.errors(),
        ErrorCode::EntrypointError,
        "compute has externref param; only i32/i64/f32/f64 are supported",
    );
}

#[test]
fn compatibility_fields_warn_and_transport_is_checked() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write(
        "_index.yaml",
        index("    method: compute\n    pool: { size: 4 }\n    limits: { max_open_sockets: 3 }\n    transport: payload\n", &hash),
    );
    let reg = t.load().unwrap_or_else(|e| panic!("{e}"));
    let fields: Vec<_> = reg
        .warnings()
        .iter()
        .filter_map(|w| w.field.as_deref())
        .collect();
    assert_eq!(fields, ["pool", "limits.max_open_sockets"]);

    t.write("_index.yaml", index("    method: compute\n    transport: wasi-http\n    limits: { max_fuel: 1 }\n    options: { limits: { max_fuel: 2 } }\n", &hash));
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.contains(&"invalid transport type \"wasi-http\" (v1 supports payload)"),
        "{errs}"
    );
    assert!(
        msgs.contains(&"use either limits or options.limits, not both"),
        "{errs}"
    );
}

#[test]
fn fs_directory_rules() {
    let t = Tree::new();
    t.write(
        "sub/_index.yaml",
        format!(
            "{HEAD}  - {{ name: missing, kind: fs.directory, directory: ./nope }}\n  - {{ name: made, kind: fs.directory, directory: ./made/deep, auto_init: true, mode: \"0700\" }}\n  - {{ name: odd, kind: fs.directory, directory: ., base: x }}\n"
        ),
    );
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("directory ./nope does not exist (resolved ")),
        "{errs}"
    );
    assert!(
        msgs.contains(&"invalid directory base \"x\" (expected module|project)"),
        "{errs}"
    );
    assert_eq!(errs.len(), 2, "{errs}");
    // auto_init created it relative to the index file's folder.
    assert!(t.root().join("sub/made/deep").is_dir());
}

#[test]
fn env_file_storage() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    t.write("conf/app.env", "# comment\nAPI_URL=http://file\n");
    let mut yaml = index("    method: compute\n    imports: [wasi1]\n    wasi: { env: [{ id: api_url, name: API_URL, required: true }] }\n", &hash)
        .replace("storage: os_env", "storage: envfile");
    yaml.push_str("  - { name: envfile, kind: env.storage.file, file_path: conf/app.env }\n");
    yaml.push_str("  - { name: later, kind: env.storage.file, file_path: conf/later.env, auto_create: true }\n");
    t.write("_index.yaml", &yaml);
    let reg = t.load().unwrap_or_else(|e| panic!("{e}"));
    let env = reg
        .resolve_env(
            &id("myns:compute_worker"),
            &std::collections::BTreeMap::<String, String>::new(),
        )
        .unwrap();
    assert_eq!(env, [("API_URL".to_string(), "http://file".to_string())]);
    assert!(t.root().join("conf/later.env").is_file());
    // Values are read at spawn, not at boot.
    t.write("conf/app.env", "API_URL=http://changed\n");
    let env = reg
        .resolve_env(
            &id("myns:compute_worker"),
            &std::collections::BTreeMap::<String, String>::new(),
        )
        .unwrap();
    assert_eq!(env[0].1, "http://changed");

    t.write("_index.yaml", yaml.replace("conf/app.env", "conf/none.env"));
    only(
        &t.errors(),
        ErrorCode::EnvStorage,
        "env file conf/none.env does not exist",
    );
}

#[test]
fn hash_file_prints_the_pin() {
    let t = Tree::new();
    let hash = t.module("compute.wasm", COMPUTE_WAT);
    assert_eq!(hash_file(t.root().join("wasm/compute.wasm")).unwrap(), hash);
}

#[test]
fn yaml_only_mode_skips_module_files() {
    let t = Tree::new();
    std::fs::create_dir(t.root().join("wasm")).unwrap();
    t.write(
        "_index.yaml",
        index(
            "    method: compute\n",
            &format!("sha256:{}", "0".repeat(64)),
        ),
    );
    let opts = wisp_host::registry::LoadOptions {
        check_modules: false,
        ..Default::default()
    };
    let reg = Registry::load_with(t.root(), &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(reg.module(&id("myns:compute_worker")).is_none());
}

#[test]
fn wrong_shapes_at_the_top() {
    let t = Tree::new();
    t.write("a/_index.yaml", "- just\n- a list\n");
    t.write(
        "b/_index.yaml",
        format!("{HEAD}  - 5\n  - {{ name: ok, kind: pg.scope }}\n"),
    );
    let errs = t.errors();
    let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "an index file must be a mapping with version, namespace and entries, found a list",
            "entries[0] must be a mapping, found an integer",
        ],
        "{errs}"
    );
}
