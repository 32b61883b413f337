//! The large module for the compile-throughput figures: a file given with
//! `--large FILE`, or else the registry's own large module.
//!
//! Until `workloads::large_module()` exists, [`builtin`] falls back to the
//! biggest workload (far too small for a throughput figure, and the report
//! says so); switching over is the one line marked in [`builtin`].

use std::path::Path;

use crate::workloads::WORKLOADS;

/// A module to compile for the throughput figures.
#[derive(Debug, Clone)]
pub struct LargeModule {
    /// A short name for the report (the file name, or `large`).
    pub name: String,
    /// Where the bytes came from, for the report.
    pub source: String,
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
        wasm,
    })
}

/// The registry's large module.
pub fn builtin() -> Result<LargeModule, String> {
    // When `workloads::large_module() -> Result<Vec<u8>, String>` lands, this
    // becomes: `let wasm = crate::workloads::large_module()?;` with source
    // "`workloads::large_module()`".
    let biggest = WORKLOADS
        .iter()
        .max_by_key(|w| w.wasm.len())
        .ok_or("no workloads")?;
    Ok(LargeModule {
        name: String::from("large"),
        source: format!(
            "stand-in: the biggest workload, `{}.wasm` (no large module in the registry yet)",
            biggest.name
        ),
        wasm: biggest.wasm.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_a_module() {
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
