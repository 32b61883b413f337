//! `wisp inspect`, `wisp hash` and `wisp validate FILE --json` (HOST.md
//! §7.2 L11, L12).

mod common;

use common::{
    Registry, assert_code, fixture, fixture_wasm, sha256_of, stderr, stdout, temp_dir, wisp,
};
use serde_json::{Value, json};

/// `tests/fixtures/<name>.wat` compiled to `<tmp>/<name>.wasm`.
fn compiled(name: &str) -> String {
    let path = temp_dir(name).join(format!("{name}.wasm"));
    std::fs::write(&path, fixture_wasm(&format!("{name}.wat"))).unwrap();
    path.display().to_string()
}

fn json_of(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("JSON ({e}): {}", stdout(o)))
}

#[test]
fn l11_inspect_json_describes_a_module() {
    let m = compiled("compute");
    let o = wisp(&["inspect", &m, "--json"]);
    assert_code(&o, 0);
    let j = json_of(&o);
    assert_eq!(j["sha256"], sha256_of(&fixture_wasm("compute.wat")));
    assert_eq!(j["exports"][0]["name"], "compute");
    assert_eq!(j["exports"][0]["type"], "(i32,i32)->i32");
    assert_eq!(
        j["exports"][1],
        json!({"name": "memory", "kind": "memory", "type": "memory 1.."})
    );
    assert_eq!(j["imports"], json!([]));
    assert_eq!(j["kind"], "library");
    assert_eq!(
        j["memories"],
        json!([{"index": 0, "min": 1, "max": null, "imported": false}])
    );
    assert_eq!(j["start"], Value::Null);
}

#[test]
fn inspect_names_the_profile_each_import_needs() {
    let o = wisp(&["inspect", "--json", &fixture("cat.wat")]);
    assert_code(&o, 0);
    let j = json_of(&o);
    assert_eq!(j["kind"], "command");
    let profile = |name: &str| {
        j["imports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .map(|i| i["profile"].clone())
    };
    assert_eq!(profile("path_open"), Some(json!("wasi:filesystem")));
    assert_eq!(profile("fd_write"), Some(json!("wasi:cli")));
    let i = &j["imports"][0];
    assert_eq!(i["type"], "(i32,i32,i32,i32,i32,i64,i64,i32,i32)->i32");

    let o = wisp(&["inspect", &fixture("import_env.wat")]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("env::foo  ()->()\n"), "{}", stdout(&o));

    let o = wisp(&["inspect", "/surely/not/here.wasm"]);
    assert_code(&o, 1);
}

#[test]
fn inspect_an_entry_says_what_its_profiles_grant() {
    let reg = Registry::new("myns", |t| {
        t.to_string()
            + "  - { name: cat_cli, kind: process.wasm, fs: wasm_binaries, path: /cat.wasm, \
               hash: '{{sha256 cat.wat}}', method: _start, imports: [wasi:cli] }\n"
    });
    let o = reg.wisp(&["inspect", "myns:cat_cli", "--json"]);
    assert_code(&o, 0);
    let j = json_of(&o);
    assert_eq!(j["entry"], "myns:cat_cli");
    assert_eq!(j["method"], "_start");
    assert_eq!(j["profiles"], json!(["wasi:cli"]));
    let granted: Vec<(String, bool)> = j["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["granted"] == true,
            )
        })
        .collect();
    assert_eq!(
        granted,
        [
            ("path_open".to_string(), false),
            ("fd_read".to_string(), true),
            ("fd_write".to_string(), true),
            ("proc_exit".to_string(), true)
        ]
    );
    let o = reg.wisp(&["inspect", "myns:cat_cli"]);
    assert!(stdout(&o).contains("not granted"), "{}", stdout(&o));
    let o = reg.wisp(&["inspect", "myns:nope"]);
    assert_code(&o, 2);
}

#[test]
fn l12_hash_prints_the_pin_a_registry_needs() {
    let m = compiled("compute");
    let o = wisp(&["hash", &m]);
    assert_code(&o, 0);
    let printed = stdout(&o).trim_end().to_string();
    assert_eq!(printed, sha256_of(&fixture_wasm("compute.wat")));

    // Pinned in the registry, it runs (C1).
    let pin = printed.clone();
    let reg = Registry::new("myns", move |t| {
        t.replacen("hash: {{sha256 compute.wat}}", &format!("hash: {pin}"), 1)
    });
    std::fs::write(
        reg.root.join("wasm/compute.wasm"),
        fixture_wasm("compute.wat"),
    )
    .unwrap();
    let o = reg.wisp(&["run", "--exec", "myns:compute_worker", "6", "7"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "42\n");

    let o = wisp(&["hash", "/surely/not/here"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).starts_with("error: cannot read /surely/not/here"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn validate_a_module_as_json() {
    let o = wisp(&["validate", "--json", &fixture("compute.wat")]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "[]\n");
    let bad = temp_dir("invalid").join("invalid.wat");
    std::fs::write(&bad, "(module (func (result i32) i32.add))").unwrap();
    let o = wisp(&["validate", "--json", &bad.display().to_string()]);
    assert_code(&o, 1);
    let j = json_of(&o);
    assert_eq!(j.as_array().map(Vec::len), Some(1));
    assert_eq!(j[0]["code"], "ModuleCompileError");
    assert!(j[0]["message"].as_str().unwrap().contains("offset"), "{j}");
}
