//! Test helpers: a temp registry tree and fixture modules.

use std::path::{Path, PathBuf};

use wisp_host::registry::{ConfigError, ConfigErrors, ErrorCode, Registry, format_sha256, sha256};

/// `compute(a, b) = a * b`, plus a memory export.
pub const COMPUTE_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "compute") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.mul))"#;

pub fn wasm(wat_text: &str) -> Vec<u8> {
    wat::parse_str(wat_text).expect("fixture .wat parses")
}

pub fn hash_of(bytes: &[u8]) -> String {
    format_sha256(&sha256(bytes))
}

/// A registry root in a temp dir.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `rel` (creating folders) and returns its path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// Writes `wasm/<name>` and returns its `sha256:` hash.
    pub fn module(&self, name: &str, wat_text: &str) -> String {
        let bytes = wasm(wat_text);
        self.write(&format!("wasm/{name}"), &bytes);
        hash_of(&bytes)
    }

    pub fn load(&self) -> Result<Registry, ConfigErrors> {
        Registry::load(self.root())
    }

    /// Loads, expecting failure.
    pub fn errors(&self) -> ConfigErrors {
        match self.load() {
            Ok(_) => panic!("expected config errors, the registry loaded"),
            Err(e) => e,
        }
    }
}

/// The registry of Wippy's example: an fs, an env var, a compute worker.
/// `worker` is the YAML of the worker entry's extra lines (indented 4).
pub fn index(worker_extra: &str, hash: &str) -> String {
    format!(
        r#"version: "1.0"
namespace: myns
entries:
  - name: wasm_binaries
    kind: fs.directory
    directory: ./wasm
  - {{ name: os_env, kind: env.storage.os }}
  - {{ name: api_url, kind: env.variable, variable: API_URL, storage: os_env }}
  - name: compute_worker
    kind: process.wasm
    fs: myns:wasm_binaries
    path: /compute.wasm
    hash: {hash}
{worker_extra}"#
    )
}

/// Asserts exactly one error, with this code, whose message contains `text`.
pub fn only(errors: &ConfigErrors, code: ErrorCode, text: &str) -> ConfigError {
    assert_eq!(errors.len(), 1, "expected one error, got:\n{errors}");
    let e = errors.errors[0].clone();
    assert_eq!(e.code, code, "{e}");
    assert!(
        e.message.contains(text),
        "message {:?} lacks {text:?}",
        e.message
    );
    e
}
