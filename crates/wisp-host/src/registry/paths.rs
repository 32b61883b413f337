//! Path normalisation for paths inside a filesystem (module paths, guest
//! mount points) and the host-side check that a resolved file stays inside
//! its `fs.directory` root.

use std::path::{Path, PathBuf};

/// Cleans an absolute `/`-separated path: drops empty and `.` components
/// and applies `..`. `None` when the path is not absolute or `..` climbs
/// above `/` (the path escapes its root).
pub fn clean_absolute(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Why a file inside an fs could not be located.
#[derive(Debug)]
pub enum Locate {
    /// The file does not exist; carries the host path it would have.
    NotFound(PathBuf),
    /// The path (through a symlink) leaves the root.
    Escapes,
    /// Another I/O error.
    Io(PathBuf, std::io::Error),
}

/// Maps a cleaned absolute `inside` path onto `root` (already canonical)
/// and checks, after following symlinks, that it stays under `root`.
pub fn locate(root: &Path, inside: &str) -> Result<PathBuf, Locate> {
    let joined = root.join(inside.trim_start_matches('/'));
    match joined.canonicalize() {
        Ok(real) if real.starts_with(root) => Ok(real),
        Ok(_) => Err(Locate::Escapes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symlink is also "not found"; report the joined path.
            Err(Locate::NotFound(joined))
        }
        Err(e) => Err(Locate::Io(joined, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning() {
        assert_eq!(clean_absolute("/data/").as_deref(), Some("/data"));
        assert_eq!(
            clean_absolute("//data/./x/../y").as_deref(),
            Some("/data/y")
        );
        assert_eq!(clean_absolute("/").as_deref(), Some("/"));
        assert_eq!(clean_absolute("/a/.."), Some("/".into()));
        assert_eq!(clean_absolute("/../etc/passwd"), None);
        assert_eq!(clean_absolute("/a/../../b"), None);
        assert_eq!(clean_absolute("relative"), None);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_escape() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"x").unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("ok.wasm"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.path().join("link"))
            .unwrap();
        let root = root.path().canonicalize().unwrap();
        assert!(locate(&root, "/ok.wasm").is_ok());
        assert!(matches!(locate(&root, "/link"), Err(Locate::Escapes)));
        assert!(
            matches!(locate(&root, "/missing.wasm"), Err(Locate::NotFound(p)) if p.ends_with("missing.wasm"))
        );
    }
}
