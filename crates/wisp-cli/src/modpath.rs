//! `--module-path`: the modules a bare-mode module imports from, found in
//! directories (HOST.md §1.6). Import module `foo` is `DIR/foo.wasm`, or
//! the one `*.wasm` file in `DIR/foo/`; directories are searched in the
//! order given. Linked modules may import from further modules, found the
//! same way; the result is in dependency order, and a cycle is an error.

use std::path::{Path, PathBuf};

use wisp_host::{LinkedModule, ModuleSource};

use crate::foreground::CliError;

/// Import modules the host itself provides.
const PROVIDED: [&str; 2] = [wisp_wasi::MODULE, "wisp:process"];

/// The linked modules `main` needs, dependencies first. With no
/// directories, nothing is linked (an unknown import fails at spawn).
pub(crate) fn resolve(main: &[u8], dirs: &[PathBuf]) -> Result<Vec<LinkedModule>, CliError> {
    let mut done: Vec<(String, Vec<u8>)> = Vec::new();
    if !dirs.is_empty() {
        let mut path = Vec::new();
        visit(main, dirs, &mut path, &mut done)?;
    }
    Ok(done
        .into_iter()
        .map(|(name, bytes)| LinkedModule {
            name,
            module: ModuleSource::Bytes {
                bytes: bytes.into(),
                sha256: None,
            },
        })
        .collect())
}

/// Adds the modules `bytes` imports (after their own imports) to `done`;
/// `path` is the chain being resolved, for cycle errors.
fn visit(
    bytes: &[u8],
    dirs: &[PathBuf],
    path: &mut Vec<String>,
    done: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), CliError> {
    for name in import_modules(bytes)? {
        if PROVIDED.contains(&name.as_str()) || done.iter().any(|(n, _)| *n == name) {
            continue;
        }
        if path.contains(&name) {
            let mut chain = path.clone();
            chain.push(name);
            return Err(CliError::coded(
                "ModuleLoadError",
                format!("import cycle {}", chain.join(" -> ")),
            ));
        }
        let file = find(&name, dirs)?;
        let linked = std::fs::read(&file)
            .map_err(|e| CliError::coded("ModuleNotFound", format!("{}: {e}", file.display())))?;
        path.push(name.clone());
        visit(&linked, dirs, path, done)?;
        path.pop();
        done.push((name, linked));
    }
    Ok(())
}

/// The distinct import module names of a module, in import order.
fn import_modules(bytes: &[u8]) -> Result<Vec<String>, CliError> {
    let decoded = wisp_decode::decode(bytes, wisp_interp::Config::default().get_features())
        .map_err(|e| CliError::coded("ModuleCompileError", e.to_string()))?;
    let mut names: Vec<String> = Vec::new();
    for i in &decoded.imports {
        if !names.contains(&i.module) {
            names.push(i.module.clone());
        }
    }
    Ok(names)
}

/// The file of import module `name`.
fn find(name: &str, dirs: &[PathBuf]) -> Result<PathBuf, CliError> {
    let safe = !name.is_empty() && !name.contains(['/', '\\', '\0']) && name != "." && name != "..";
    for dir in dirs.iter().filter(|_| safe) {
        let file = dir.join(format!("{name}.wasm"));
        if file.is_file() {
            return Ok(file);
        }
        let sub = dir.join(name);
        if sub.is_dir() {
            let wasm = wasm_files(&sub);
            return match wasm.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err(CliError::coded(
                    "ModuleNotFound",
                    format!(
                        "{name}: {} holds {} .wasm files (expected one)",
                        sub.display(),
                        wasm.len()
                    ),
                )),
            };
        }
    }
    Err(CliError::coded(
        "UnknownModuleError",
        format!("unknown module \"{name}\""),
    ))
}

fn wasm_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    files
}
