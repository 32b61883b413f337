//! Helpers of the process-host CLI tests: run the `wisp` binary, read its
//! `--report`, and make a working copy of a registry under
//! `tests/registries/` with its `{{sha256 X.wat}}` placeholders filled in
//! (the fixture compiled into the copy's `wasm/X.wasm`, its hash pinned).

#![allow(dead_code, reason = "each test file uses a part of the helpers")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> String {
    format!("{MANIFEST}/tests/fixtures/{name}")
}

/// The binary module of `tests/fixtures/<name>`.
pub fn fixture_wasm(name: &str) -> Vec<u8> {
    wat::parse_file(fixture(name)).expect("the fixture is valid WAT")
}

/// `sha256:<hex>` of `bytes`, computed here (not by wisp).
pub fn sha256_of(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let digest = wisp_host::registry::sha256(bytes);
    digest.iter().fold(String::from("sha256:"), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A fresh directory under the test target's temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("wisp-cli-host")
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Runs `wisp` with `args` (in `cwd`, with `env` set and `unset` removed).
pub fn wisp_with(
    args: &[&str],
    cwd: Option<&Path>,
    env: &[(&str, &str)],
    unset: &[&str],
) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wisp"));
    c.args(args);
    if let Some(dir) = cwd {
        c.current_dir(dir);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    for k in unset {
        c.env_remove(k);
    }
    c.stdin(std::process::Stdio::null());
    c.output().expect("the wisp binary runs")
}

pub fn wisp(args: &[&str]) -> Output {
    wisp_with(args, None, &[], &[])
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code, with stderr in the message when it is not `want`.
pub fn assert_code(o: &Output, want: i32) {
    assert_eq!(
        o.status.code(),
        Some(want),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

/// Reads a `--report` file.
pub fn read_report(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the report {} exists: {e}", path.display()));
    serde_json::from_str(&text).expect("the report is JSON")
}

/// A path for a report in a fresh directory.
pub fn report_path(name: &str) -> PathBuf {
    temp_dir(name).join("r.json")
}

/// A working copy of `tests/registries/<name>` with `edit` applied to
/// every `_index.yaml` (before the placeholders are filled).
pub struct Registry {
    pub root: PathBuf,
}

impl Registry {
    pub fn new(name: &str, edit: impl Fn(&str) -> String) -> Registry {
        let root = temp_dir(&format!("reg-{name}"));
        let src = PathBuf::from(MANIFEST).join("tests/registries").join(name);
        copy_tree(&src, &root, &edit);
        Registry { root }
    }

    /// The registry unchanged.
    pub fn plain(name: &str) -> Registry {
        Registry::new(name, str::to_string)
    }

    pub fn root_str(&self) -> String {
        self.root.display().to_string()
    }

    /// `wisp <args…>` with `--root` of this registry inserted after the
    /// subcommand.
    pub fn wisp(&self, args: &[&str]) -> Output {
        self.wisp_env(args, &[], &["WISP_TEST_API_URL"])
    }

    pub fn wisp_env(&self, args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> Output {
        let root = self.root_str();
        let mut full = vec![args[0], "--root", &root];
        full.extend_from_slice(&args[1..]);
        wisp_with(&full, None, env, unset)
    }
}

fn copy_tree(src: &Path, dst: &Path, edit: &dyn Fn(&str) -> String) {
    std::fs::create_dir_all(dst).expect("mkdir");
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .expect("the registry exists")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().expect("a name").to_owned();
        let to = dst.join(&name);
        if path.is_dir() {
            copy_tree(&path, &to, edit);
        } else if name == "_index.yaml" {
            let text = std::fs::read_to_string(&path).expect("read index");
            let text = fill(&edit(&text), dst);
            std::fs::write(&to, text).expect("write index");
        } else {
            std::fs::copy(&path, &to).expect("copy");
        }
    }
}

/// Replaces each `{{sha256 X.wat}}` with the hash of the compiled fixture,
/// written to `<dir>/wasm/X.wasm`.
fn fill(text: &str, dir: &Path) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{sha256 ") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{{sha256 ".len()..];
        let end = after.find("}}").expect("a closed placeholder");
        let name = after[..end].trim();
        let bytes = fixture_wasm(name);
        let wasm_dir = dir.join("wasm");
        std::fs::create_dir_all(&wasm_dir).expect("mkdir wasm");
        let stem = name.trim_end_matches(".wat");
        std::fs::write(wasm_dir.join(format!("{stem}.wasm")), &bytes).expect("write module");
        out.push_str(&sha256_of(&bytes));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}
