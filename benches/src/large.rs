//! The large module for the compile-throughput figures: a file given with
//! `--large FILE`, or else the registry's own large module.
//!
//! When the registry's module is unavailable (not fetched, or its hash is
//! wrong), [`builtin`] falls back to the biggest workload, prints a warning,
//! and the report says so (and does not judge the throughput targets on it).

use std::path::Path;

use crate::workloads::WORKLOADS;

/// A module to compile for the throughput figures.
#[derive(Debug, Clone)]
pub struct LargeModule {
    /// A short name for the report (the file name, or `large`).
    pub name: String,
    /// Where the bytes came from, for the report.
    pub source: String,
    /// Set when this is the biggest workload standing in for a missing
    /// large module: its throughput figures mean little.
    pub stand_in: bool,
    pub wasm: Vec<u8>,
}

/// The module at `path`.
pub fn from_file(path: &Path) -> Result<LargeModule, String> {
    let wasm = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path.file_name().map_or_else(
        || String::from("large"),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(LargeModule {
        source: format!("`{name}`, given with `--large`"),
        name,
        stand_in: false,
        wasm,
    })
}

/// The registry's large module, or (when there is none, or it has not been
/// fetched) a stand-in: the biggest workload, with the reason in `source`.
pub fn builtin() -> Result<LargeModule, String> {
    match from_registry() {
        Ok(module) => Ok(module),
        Err(why) => stand_in(&why),
    }
}

/// The registry's large module (`workloads::large_module()`: read from
/// disk and checked against its pinned sha256).
fn from_registry() -> Result<LargeModule, String> {
    let wasm = crate::workloads::large_module().map_err(|e| e.to_string())?;
    Ok(LargeModule {
        name: String::from(crate::workloads::LARGE_MODULE_NAME),
        source: String::from(
            "`workloads::large_module()`, fetched by `benches/workloads/large/fetch.sh`",
        ),
        stand_in: false,
        wasm,
    })
}

/// The biggest workload, standing in for the large module.
fn stand_in(why: &str) -> Result<LargeModule, String> {
    let biggest = WORKLOADS
        .iter()
        .max_by_key(|w| w.wasm.len())
        .ok_or("no workloads")?;
    Ok(LargeModule {
        name: format!("{}.wasm", biggest.name),
        source: format!(
            "**stand-in**, the biggest workload, far too small for a throughput figure: {why}"
        ),
        stand_in: true,
        wasm: biggest.wasm.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_a_module() {
        // The registry's module, or the stand-in when it is not fetched.
        let large = builtin().unwrap();
        assert!(large.wasm.starts_with(b"\0asm"));
        assert!(large.wasm.len() >= WORKLOADS.iter().map(|w| w.wasm.len()).max().unwrap());
    }

    #[test]
    fn missing_file_is_an_error() {
        let err = from_file(Path::new("/nonexistent/x.wasm")).unwrap_err();
        assert!(err.contains("/nonexistent/x.wasm"), "{err}");
    }
}
