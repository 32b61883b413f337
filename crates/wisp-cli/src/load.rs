//! Reading a module file: binary `.wasm` as is, text `.wat` through the
//! `wat` crate. Errors come back as one printable line.

use std::path::Path;

/// The binary module in `path`. A `.wat` file is converted from text first.
pub(crate) fn read_module_bytes(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let is_text = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("wat"));
    if is_text {
        wat::parse_bytes(&bytes)
            .map(|b| b.into_owned())
            .map_err(|mut e| {
                e.set_path(path);
                format!("cannot parse {}: {e}", path.display())
            })
    } else {
        Ok(bytes)
    }
}
