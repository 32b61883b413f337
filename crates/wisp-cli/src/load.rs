//! Reading a module file: binary `.wasm` as is, text `.wat` through the
//! `wat` crate. Errors come back as one printable line, with the host's
//! error code for them (`ModuleNotFound`, `ModuleCompileError`).

use std::path::Path;

/// Why a module file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadError {
    /// `ModuleNotFound` (the file cannot be read) or `ModuleCompileError`
    /// (the text does not parse).
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

/// The binary module in `path`. A `.wat` file is converted from text first.
pub(crate) fn read_module(path: &Path) -> Result<Vec<u8>, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| ReadError {
        code: "ModuleNotFound",
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    let is_text = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("wat"));
    if is_text {
        wat::parse_bytes(&bytes)
            .map(|b| b.into_owned())
            .map_err(|mut e| {
                e.set_path(path);
                ReadError {
                    code: "ModuleCompileError",
                    message: format!("cannot parse {}: {e}", path.display()),
                }
            })
    } else {
        Ok(bytes)
    }
}

/// [`read_module`] with the error as one line.
pub(crate) fn read_module_bytes(path: &Path) -> Result<Vec<u8>, String> {
    read_module(path).map_err(|e| e.message)
}
