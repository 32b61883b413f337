//! `fs.directory`, `env.storage.*` and `env.variable` (docs/host.md §1.3, §1.8).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::super::bounds;
use super::super::error::ErrorCode;
use super::super::model::{DirBase, EnvVariable, FileStorage, FsDirectory, Kind, StaticStorage};
use super::KindCx;

/// Env variable names in storages: `[A-Za-z0-9_]+`.
pub(crate) fn valid_storage_key(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn fs_directory(k: &mut KindCx<'_, '_, '_>) -> Option<FsDirectory> {
    let auto_init = match k.f.get("auto_init") {
        Some(n) => k.cx.boolean(n, "auto_init").unwrap_or(false),
        None => false,
    };
    let mode = match k.f.get("mode") {
        Some(n) => {
            let text = k.cx.string(n, "mode")?;
            match u32::from_str_radix(&text, 8) {
                Ok(m) if m <= 0o7777 => m,
                _ => {
                    k.cx.invalid(
                        n.pos,
                        "mode",
                        format!("invalid mode \"{text}\" (expected an octal string like \"0755\")"),
                    );
                    return None;
                }
            }
        }
        None => 0o755,
    };
    let base = match k.f.get("base") {
        Some(n) => {
            let text = k.cx.string(n, "base")?;
            match text.as_str() {
                "module" => DirBase::Module,
                "project" => DirBase::Project,
                _ => {
                    k.cx.invalid(
                        n.pos,
                        "base",
                        format!("invalid directory base \"{text}\" (expected module|project)"),
                    );
                    return None;
                }
            }
        }
        None => DirBase::Module,
    };
    let node = k.f.require(k.cx, "directory")?;
    let directory = k.cx.string(node, "directory")?;
    let joined = match base {
        DirBase::Module => k.dir.join(&directory),
        DirBase::Project => match std::env::current_dir() {
            Ok(cwd) => cwd.join(&directory),
            Err(e) => {
                k.cx.err(
                    node.pos,
                    "directory",
                    ErrorCode::Io,
                    format!("cannot read the current directory: {e}"),
                );
                return None;
            }
        },
    };
    if !joined.exists()
        && auto_init
        && let Err(e) = create_dir(&joined, mode)
    {
        k.cx.err(
            node.pos,
            "directory",
            ErrorCode::Io,
            format!("cannot create {}: {e}", joined.display()),
        );
        return None;
    }
    let root = match joined.canonicalize() {
        Ok(p) if p.is_dir() => p,
        Ok(p) => {
            k.cx.err(
                node.pos,
                "directory",
                ErrorCode::DirectoryNotFound,
                format!(
                    "directory {directory} is not a directory (resolved {})",
                    p.display()
                ),
            );
            return None;
        }
        Err(_) => {
            k.cx.err(
                node.pos,
                "directory",
                ErrorCode::DirectoryNotFound,
                format!(
                    "directory {directory} does not exist (resolved {})",
                    absolute(&joined).display()
                ),
            );
            return None;
        }
    };
    Some(FsDirectory {
        directory,
        root,
        auto_init,
        mode,
        base,
    })
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(unix)]
fn create_dir(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
}

#[cfg(not(unix))]
fn create_dir(path: &Path, _mode: u32) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

pub(super) fn static_storage(k: &mut KindCx<'_, '_, '_>) -> Option<StaticStorage> {
    let mut values = BTreeMap::new();
    if let Some(n) = k.f.get("values") {
        for (key, value, pos) in k.cx.string_map(n, "values")? {
            if valid_storage_key(&key) {
                values.insert(key, value);
            } else {
                k.cx.invalid(
                    pos,
                    &format!("values.{key}"),
                    format!("\"{key}\" is not a valid variable name ([A-Za-z0-9_]+)"),
                );
            }
        }
    }
    Some(StaticStorage { values })
}

pub(super) fn file_storage(k: &mut KindCx<'_, '_, '_>) -> Option<FileStorage> {
    let auto_create = match k.f.get("auto_create") {
        Some(n) => k.cx.boolean(n, "auto_create").unwrap_or(false),
        None => false,
    };
    let node = k.f.require(k.cx, "file_path")?;
    let text = k.cx.string(node, "file_path")?;
    let path = absolute(&k.dir.join(&text));
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() && m.len() <= bounds::MAX_ENV_FILE_BYTES => {}
        Ok(m) if m.is_file() => {
            let max = bounds::MAX_ENV_FILE_BYTES;
            k.cx.err(
                node.pos,
                "file_path",
                ErrorCode::EnvStorage,
                format!("env file {text} is larger than {max} bytes"),
            );
        }
        Ok(_) => {
            k.cx.err(
                node.pos,
                "file_path",
                ErrorCode::EnvStorage,
                format!("env file {text} is not a file"),
            );
        }
        Err(_) if auto_create => {
            if let Err(e) = std::fs::write(&path, b"") {
                k.cx.err(
                    node.pos,
                    "file_path",
                    ErrorCode::Io,
                    format!("cannot create {}: {e}", path.display()),
                );
            }
        }
        Err(_) => k.cx.err(
            node.pos,
            "file_path",
            ErrorCode::EnvStorage,
            format!(
                "env file {text} does not exist (resolved {}); create it or set auto_create: true",
                path.display()
            ),
        ),
    }
    Some(FileStorage { path, auto_create })
}

pub(super) fn variable(k: &mut KindCx<'_, '_, '_>) -> Option<EnvVariable> {
    let default = match k.f.get("default") {
        Some(n) => k.cx.string(n, "default"),
        None => None,
    };
    let storage = k.required_ref(
        "storage",
        &[
            Kind::EnvStorageOs,
            Kind::EnvStorageStatic,
            Kind::EnvStorageFile,
        ],
    );
    let node = k.f.require(k.cx, "variable")?;
    let variable = k.cx.string(node, "variable")?;
    if !valid_storage_key(&variable) {
        k.cx.invalid(
            node.pos,
            "variable",
            format!("variable \"{variable}\" is not a valid name ([A-Za-z0-9_]+)"),
        );
        return None;
    }
    Some(EnvVariable {
        variable,
        storage: storage?,
        default,
    })
}
