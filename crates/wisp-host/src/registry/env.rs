//! Env resolution at spawn (docs/host.md §1.8): each `wasi.env[]` binding
//! takes the storage's value, else the variable's `default`, else it is
//! unset. Resolution happens when a process starts, not at boot, so a
//! restarted process sees current values. The host OS environment is read
//! only through an `env.storage.os` entry, and only for listed variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Registry;
use super::bounds;
use super::id::EntryId;
use super::load::{ReadError, read_bounded};
use super::model::{Spec, WasmEntry};

/// Why a process's env could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("EnvMissing: required env variable {id} ({name}) is not set")]
    Missing { id: EntryId, name: String },
    #[error("EnvStorage: cannot read env file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0} is not a process.wasm or function.wasm entry")]
    NotWasm(EntryId),
}

/// Where `env.storage.os` values come from (the real environment, or a
/// fixed map in tests).
pub trait OsEnv {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment (`std::env::var`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl OsEnv for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl OsEnv for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Registry {
    /// The guest environment of wasm entry `id`: `(NAME, value)` pairs in
    /// `wasi.env` order, unset optional variables left out.
    pub fn resolve_env(
        &self,
        id: &EntryId,
        os: &dyn OsEnv,
    ) -> Result<Vec<(String, String)>, EnvError> {
        let w: &WasmEntry = self
            .get(id)
            .and_then(|e| e.spec.wasm())
            .ok_or_else(|| EnvError::NotWasm(id.clone()))?;
        let mut files: BTreeMap<&Path, BTreeMap<String, String>> = BTreeMap::new();
        let mut out = Vec::with_capacity(w.wasi.env.len());
        for b in &w.wasi.env {
            let value = self.variable_value(&b.id, os, &mut files)?;
            match value {
                Some(v) => out.push((b.name.clone(), v)),
                None if b.required => {
                    return Err(EnvError::Missing {
                        id: b.id.clone(),
                        name: b.name.clone(),
                    });
                }
                None => {}
            }
        }
        Ok(out)
    }

    fn variable_value<'r>(
        &'r self,
        id: &EntryId,
        os: &dyn OsEnv,
        files: &mut BTreeMap<&'r Path, BTreeMap<String, String>>,
    ) -> Result<Option<String>, EnvError> {
        // Load checked that the id is an env.variable and its storage exists.
        let Some(Spec::EnvVariable(var)) = self.get(id).map(|e| &e.spec) else {
            return Ok(None);
        };
        let stored = match self.get(&var.storage).map(|e| &e.spec) {
            Some(Spec::EnvStorageOs) => os.var(&var.variable),
            Some(Spec::EnvStorageStatic(s)) => s.values.get(&var.variable).cloned(),
            Some(Spec::EnvStorageFile(f)) => {
                if !files.contains_key(f.path.as_path()) {
                    files.insert(&f.path, read_env_file(&f.path, f.auto_create)?);
                }
                files
                    .get(f.path.as_path())
                    .and_then(|m| m.get(&var.variable).cloned())
            }
            _ => None,
        };
        Ok(stored.or_else(|| var.default.clone()))
    }
}

/// Reads `KEY=VALUE` lines (`#` comments, blank lines ignored).
fn read_env_file(path: &Path, auto_create: bool) -> Result<BTreeMap<String, String>, EnvError> {
    let fail = |message: String| EnvError::File {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match read_bounded(path, bounds::MAX_ENV_FILE_BYTES) {
        Ok(b) => b,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && auto_create => {
            return Ok(BTreeMap::new());
        }
        Err(ReadError::Io(e)) => return Err(fail(e.to_string())),
        Err(ReadError::TooLarge) => {
            return Err(fail(format!(
                "larger than {} bytes",
                bounds::MAX_ENV_FILE_BYTES
            )));
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| fail("not valid UTF-8".into()))?;
    Ok(parse_env_file(&text))
}

/// `KEY=VALUE` per line; later keys win; lines without `=` are skipped.
pub(crate) fn parse_env_file(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines() {
        let m = parse_env_file("# c\nA=1\n\n B = two words \nnoeq\nA=3\nC=x=y\n");
        assert_eq!(m.get("A").map(String::as_str), Some("3"));
        assert_eq!(m.get("B").map(String::as_str), Some("two words"));
        assert_eq!(m.get("C").map(String::as_str), Some("x=y"));
        assert_eq!(m.len(), 3);
    }
}
