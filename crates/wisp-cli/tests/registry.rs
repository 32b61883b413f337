//! Registry mode of the `wisp` binary (HOST.md §7.1 C1–C19, §7.2 L1–L4):
//! `wisp run list`, `wisp run <name>`, `wisp run --exec`, `wisp validate`,
//! with their exit codes, messages and `--report` contents. The registry
//! is `tests/registries/myns/`, edited per scenario.

mod common;

use common::{
    Registry, assert_code, fixture_wasm, read_report, report_path, sha256_of, stderr, stdout,
};

/// The base registry with `entries` appended to its entry list.
fn with(extra: &str) -> Registry {
    let extra = extra.to_string();
    Registry::new("myns", move |t| format!("{t}{extra}"))
}

/// The base registry with `from` replaced by `to` (which must occur).
fn replaced(from: &str, to: &str) -> Registry {
    let (from, to) = (from.to_string(), to.to_string());
    Registry::new("myns", move |t| {
        assert!(t.contains(&from), "the registry has {from:?}");
        t.replacen(&from, &to, 1)
    })
}

/// `wisp validate` and `wisp run --exec myns:compute_worker 6 7` both exit
/// 1 and say `text`; the run starts nothing.
fn refused_at_boot(reg: &Registry, text: &str) {
    let v = reg.wisp(&["validate"]);
    assert_code(&v, 1);
    assert!(stderr(&v).contains(text), "validate: {}", stderr(&v));
    let r = report_path("refused");
    let o = reg.wisp(&[
        "run",
        "--report",
        &r.display().to_string(),
        "--exec",
        "myns:compute_worker",
        "6",
        "7",
    ]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains(text), "run: {}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let r = read_report(&r);
    assert_eq!(r["reason"], "spawn_error");
    assert_eq!(r["pid"], serde_json::Value::Null, "no process started");
}

#[test]
fn c1_exec_runs_an_entry_with_arguments() {
    let reg = Registry::plain("myns");
    let r = report_path("c1");
    let o = reg.wisp(&[
        "run",
        "--report",
        &r.display().to_string(),
        "--exec",
        "myns:compute_worker",
        "6",
        "7",
    ]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "42\n");
    assert_eq!(stderr(&o), "");
    let r = read_report(&r);
    assert_eq!(r["reason"], "normal");
    assert_eq!(r["result"], serde_json::json!([42]));
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["entry"], "myns:compute_worker");
    assert!(r["fuel_used"].as_u64().is_some_and(|f| f > 0), "{r}");

    // The same through its command name.
    let o = reg.wisp(&["run", "compute", "-6", "7"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "-42\n");
}

#[test]
fn c1_argument_errors_are_spawn_errors() {
    let reg = Registry::plain("myns");
    let o = reg.wisp(&["run", "compute", "6"]);
    assert_code(&o, 1);
    assert_eq!(
        stderr(&o),
        "error[EntrypointError]: the method takes 2 argument(s), 1 were given\n"
    );
    let o = reg.wisp(&["run", "compute", "6", "3000000000000"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("argument 2: 3000000000000 does not fit i32"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn c2_a_hash_mismatch_prints_the_actual_hash_and_starts_nothing() {
    let actual = sha256_of(&fixture_wasm("compute.wat"));
    let wrong = format!("sha256:{}", "0".repeat(64));
    let reg = replaced("hash: {{sha256 compute.wat}}", &format!("hash: {wrong}"));
    // The placeholder is gone, so write the module the test expects.
    std::fs::write(
        reg.root.join("wasm/compute.wasm"),
        fixture_wasm("compute.wat"),
    )
    .unwrap();
    refused_at_boot(&reg, "error[HashMismatch]");
    let o = reg.wisp(&["run", "compute", "6", "7"]);
    assert!(
        stderr(&o).contains(&format!("expected {wrong}, got {actual}")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn c3_c4_hash_formats() {
    let reg = replaced("hash: {{sha256 compute.wat}}", "hash: md5:abc");
    refused_at_boot(&reg, "unsupported hash algorithm \"md5\"");
    let reg = replaced("hash: {{sha256 compute.wat}}", "hash: sha256:XYZ");
    refused_at_boot(&reg, "hash must be sha256:<64 hex digits>");
}

#[test]
fn c5_a_missing_module_names_the_resolved_host_path() {
    let reg = replaced("path: /compute.wasm", "path: /missing.wasm");
    let host_path = reg.root.canonicalize().unwrap().join("wasm/missing.wasm");
    refused_at_boot(&reg, "error[ModuleNotFound]");
    let o = reg.wisp(&["run", "compute", "6", "7"]);
    assert!(
        stderr(&o).contains(&format!("({})", host_path.display())),
        "{}",
        stderr(&o)
    );
}

#[test]
fn c6_a_path_out_of_the_fs_escapes() {
    let reg = replaced("path: /compute.wasm", "path: /../etc/passwd");
    refused_at_boot(&reg, "path escapes filesystem root");
}

#[test]
fn c7_c8_the_method() {
    let reg = replaced("    method: compute\n", "");
    refused_at_boot(&reg, "method is required");
    let reg = replaced("method: compute", "method: nope");
    refused_at_boot(&reg, "error[EntrypointError]");
    let o = reg.wisp(&["validate"]);
    assert!(
        stderr(&o).contains("export \"nope\" not found (exports: compute, memory)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn c9_a_required_env_variable_that_is_unset_fails_the_spawn() {
    let reg = Registry::plain("myns");
    let o = reg.wisp(&["run", "--exec", "myns:env_os"]);
    assert_code(&o, 1);
    assert_eq!(
        stderr(&o),
        "error[EnvMissing]: required env variable myns:api_url (API_URL) is not set\n"
    );
    // Set in the host's environment: the guest sees it as API_URL.
    let o = reg.wisp_env(
        &["run", "--exec", "myns:env_os"],
        &[("WISP_TEST_API_URL", "http://os")],
        &[],
    );
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "API_URL=http://os\n");

    // Not required: the process runs without it.
    let reg = replaced(
        "required: true }]\n\n  - name: env_static",
        "required: false }]\n\n  - name: env_static",
    );
    let o = reg.wisp(&["run", "--exec", "myns:env_os"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "");
}

#[test]
fn c10_a_static_env_value_reaches_the_guest() {
    let reg = Registry::plain("myns");
    let o = reg.wisp(&["run", "--exec", "myns:env_static"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "API_URL=http://x\n");
}

#[test]
fn c11_an_unknown_import_module() {
    let reg = with(
        "  - { name: needs_env, kind: process.wasm, fs: wasm_binaries, path: /import_env.wasm, \
         hash: '{{sha256 import_env.wat}}', method: _start }\n",
    );
    let o = reg.wisp(&["validate"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("error[UnknownImport]"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("env::foo"), "{}", stderr(&o));
}

#[test]
fn c12_wasi_http_is_not_available() {
    let reg = replaced(
        "imports: [wasi:cli]\n    meta:",
        "imports: [wasi:http]\n    meta:",
    );
    refused_at_boot(
        &reg,
        "unsupported wasm host import: wasi:http (not available in v1)",
    );
}

const CAT_CLI_ONLY: &str = "  - { name: cat_cli, kind: process.wasm, fs: wasm_binaries, path: /cat.wasm, \
    hash: '{{sha256 cat.wat}}', method: _start, imports: [wasi:cli] }\n";

#[test]
fn c13_an_ungranted_import_is_refused_only_when_strict() {
    let strict = CAT_CLI_ONLY.replace(
        "[wasi:cli] }",
        "[wasi:cli], limits: { strict_imports: true } }",
    );
    let reg = with(&strict);
    let o = reg.wisp(&["validate"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("error[ImportNotEnabled]")
            && stderr(&o)
                .contains("wasi_snapshot_preview1::path_open needs imports: wasi:filesystem"),
        "{}",
        stderr(&o)
    );

    // Not strict: it runs, and path_open answers NOTCAPABLE (76), which
    // the guest makes its exit status.
    let reg = with(CAT_CLI_ONLY);
    let r = report_path("c13");
    let o = reg.wisp(&[
        "run",
        "--report",
        &r.display().to_string(),
        "--exec",
        "myns:cat_cli",
    ]);
    assert_code(&o, 76);
    let r = read_report(&r);
    assert_eq!(
        (r["reason"].as_str(), r["detail"]["code"].as_i64()),
        (Some("exit"), Some(76))
    );

    // --strict-imports makes the same entry strict at spawn.
    let o = reg.wisp(&["run", "--strict-imports", "--exec", "myns:cat_cli"]);
    assert_code(&o, 1);
    assert_eq!(
        stderr(&o),
        "error[ImportNotEnabled]: wasi_snapshot_preview1::path_open needs imports: wasi:filesystem\n"
    );
}

#[test]
fn c14_c15_mounts() {
    let reg = replaced(
        "mounts: [{ fs: input_data, guest: /data, read_only: true }]",
        "mounts: [{ fs: input_data, guest: /data }, { fs: input_data, guest: /data/ }]",
    );
    let o = reg.wisp(&["validate"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("wasi.mounts[].guest must be unique"),
        "{}",
        stderr(&o)
    );

    let reg = replaced(
        "imports: [wasi:cli, wasi:filesystem]",
        "imports: [wasi:cli]",
    );
    let o = reg.wisp(&["validate"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("wasi.mounts requires imports: wasi:filesystem"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn c16_a_duplicate_id_names_both_files() {
    let reg = Registry::plain("dup");
    let o = reg.wisp(&["validate"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("duplicate entry id myns:data"), "{err}");
    assert!(
        err.contains("a/_index.yaml") && err.contains("b/_index.yaml"),
        "{err}"
    );
}

#[test]
fn c17_a_reference_to_the_wrong_kind() {
    let reg = replaced("fs: myns:wasm_binaries", "fs: myns:api_url");
    let o = reg.wisp(&["validate"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("fs: myns:api_url is env.variable, expected fs.directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn c18_every_limits_error_is_reported_together() {
    let reg = replaced(
        "limits: { max_fuel: 100000 }",
        "limits: { max_fuel: -1, fuel: 5 }",
    );
    let o = reg.wisp(&["validate"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("limits.max_fuel must be > 0"), "{err}");
    assert!(err.contains("unknown field \"fuel\""), "{err}");
    assert!(err.trim_end().ends_with("2 config errors"), "{err}");
}

#[test]
fn c19_validate_json_lists_every_error() {
    let reg = Registry::new("myns", |t| {
        t.replacen("hash: {{sha256 compute.wat}}", "hash: md5:abc", 1)
            .replacen("path: /greet.wasm", "path: /../greet.wasm", 1)
            .replacen("limits: { max_fuel: 100000 }", "limits: { max_fuel: 0 }", 1)
    });
    let o = reg.wisp(&["validate", "--json"]);
    assert_code(&o, 1);
    let errors: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let errors = errors.as_array().expect("an array");
    assert_eq!(errors.len(), 3, "{errors:?}");
    for e in errors {
        for key in [
            "file", "line", "column", "entry", "kind", "field", "code", "message",
        ] {
            assert!(e.get(key).is_some(), "{key} in {e}");
        }
    }
    assert_eq!(errors[0]["entry"], "myns:compute_worker");

    let o = Registry::plain("myns").wisp(&["validate", "--json"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "[]\n");
}

#[test]
fn validate_a_valid_registry() {
    let o = Registry::plain("myns").wisp(&["validate"]);
    assert_code(&o, 0);
    assert!(stdout(&o).starts_with("ok: "), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("14 entries, 5 modules"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn l1_list_prints_commands_sorted_by_name() {
    let o = Registry::plain("myns").wisp(&["run", "list"]);
    assert_code(&o, 0);
    assert_eq!(
        stdout(&o),
        "NAME     ENTRY                DESCRIPTION\n\
         compute  myns:compute_worker  Multiply two numbers\n\
         greet    myns:greet           Say hello\n"
    );
}

#[test]
fn l2_a_command_runs_with_its_arguments() {
    let reg = Registry::plain("myns");
    let o = reg.wisp(&["run", "greet", "Bob"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "hello Bob\n");
    // argv[0] is the entry id.
    let o = reg.wisp(&["run", "greet"]);
    assert_eq!(stdout(&o), "hello world\n");
}

#[test]
fn l3_commands_need_a_terminal_host() {
    let reg = replaced("  - { name: terminal, kind: terminal.host }\n", "");
    let o = reg.wisp(&["run", "greet", "Bob"]);
    assert_code(&o, 1);
    assert_eq!(
        stderr(&o),
        "error: CLI commands need a terminal.host and a process.host entry\n"
    );
}

#[test]
fn l4_an_unknown_command_is_a_usage_error() {
    let reg = Registry::plain("myns");
    let o = reg.wisp(&["run", "nosuchcmd"]);
    assert_code(&o, 2);
    assert_eq!(
        stderr(&o),
        "error: unknown command \"nosuchcmd\" (see: wisp run list)\n"
    );
    let o = reg.wisp(&["run", "--exec", "myns:nope"]);
    assert_code(&o, 2);
    let o = reg.wisp(&["run", "--exec", "myns:input_data"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("is fs.directory, not a process.wasm"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn mounts_and_entry_limits_apply() {
    let reg = Registry::plain("myns");
    let o = reg.wisp(&["run", "--exec", "myns:cat"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "from the mounted directory\n");

    // The entry's max_fuel, then a flag over it.
    let r = report_path("entry-limits");
    let rs = r.display().to_string();
    let o = reg.wisp(&["run", "--report", &rs, "--exec", "myns:loop"]);
    assert_code(&o, 134);
    assert_eq!(
        stderr(&o),
        "wisp: process exited: fuel exhausted (100000/100000)\n"
    );
    assert_eq!(read_report(&r)["detail"]["limit"], 100_000);
    let o = reg.wisp(&[
        "run",
        "--fuel",
        "5000",
        "--report",
        &rs,
        "--exec",
        "myns:loop",
    ]);
    assert_code(&o, 134);
    assert_eq!(read_report(&r)["detail"]["limit"], 5000);
}

#[test]
fn bare_mode_flags_are_refused_in_registry_mode() {
    let reg = Registry::plain("myns");
    for flag in [&["--invoke", "x"][..], &["--env", "A=1"], &["--dir", "."]] {
        let mut args = vec!["run"];
        args.extend_from_slice(flag);
        args.push("greet");
        let o = reg.wisp(&args);
        assert_code(&o, 2);
        assert!(
            stderr(&o).contains("applies to bare mode only"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_missing_root_is_a_config_error() {
    let o = common::wisp(&["run", "--root", "/surely/not/a/registry", "list"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("registry root is not a directory"),
        "{}",
        stderr(&o)
    );
}
