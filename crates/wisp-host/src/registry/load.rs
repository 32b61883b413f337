//! Finding and reading `_index.yaml` files: the directory walk (bounded,
//! symlinked folders not followed), the file size limit, the top-level
//! `version` / `namespace` / `entries` fields, and duplicate ids.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::bounds;
use super::error::{ConfigError, ErrorCode, Pos};
use super::fields::Cx;
use super::id::{EntryId, valid_namespace};
use super::kinds::{Parsed, parse_entry};
use super::yaml::{self, Value};

/// The file name the loader looks for.
pub const INDEX_FILE: &str = "_index.yaml";

/// The only index `version` v1 reads.
pub const INDEX_VERSION: &str = "1.0";

/// Every `_index.yaml` under `root`, sorted, so that load order (and so
/// error order and "first defined in") does not depend on the filesystem.
pub(crate) fn find_index_files(root: &Path, errors: &mut Vec<ConfigError>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut seen = 0usize;
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                errors.push(ConfigError::file(
                    &dir,
                    None,
                    ErrorCode::Io,
                    format!("cannot read directory: {e}"),
                ));
                continue;
            }
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > bounds::MAX_DIR_ENTRIES {
                let msg = format!(
                    "more than {} files and folders under the root",
                    bounds::MAX_DIR_ENTRIES
                );
                errors.push(ConfigError::file(root, None, ErrorCode::Io, msg));
                return sorted(found);
            }
            // file_type() does not follow symlinks: a symlinked folder is
            // not entered (no loops), a symlinked index file is not read.
            let Ok(ty) = entry.file_type() else { continue };
            let path = entry.path();
            if ty.is_dir() {
                if depth < bounds::MAX_DIR_DEPTH {
                    stack.push((path, depth + 1));
                }
            } else if ty.is_file() && entry.file_name() == INDEX_FILE {
                if found.len() >= bounds::MAX_INDEX_FILES {
                    let msg = format!(
                        "more than {} {INDEX_FILE} files under the root",
                        bounds::MAX_INDEX_FILES
                    );
                    errors.push(ConfigError::file(root, None, ErrorCode::Io, msg));
                    return sorted(found);
                }
                found.push(path);
            }
        }
    }
    sorted(found)
}

fn sorted(mut v: Vec<PathBuf>) -> Vec<PathBuf> {
    v.sort();
    v
}

/// Reads a file of at most `max` bytes without trusting its reported size.
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    TooLarge,
}

/// What reading all files produced.
#[derive(Default)]
pub(crate) struct Loaded {
    pub entries: Vec<Parsed>,
    pub errors: Vec<ConfigError>,
    pub warnings: Vec<ConfigError>,
}

/// Reads one index file into `out`.
pub(crate) fn read_index(
    file: &Path,
    out: &mut Loaded,
    first_seen: &mut BTreeMap<EntryId, PathBuf>,
) {
    let bytes = match read_bounded(file, bounds::MAX_INDEX_FILE_BYTES) {
        Ok(b) => b,
        Err(ReadError::TooLarge) => {
            let msg = format!("file is larger than {} bytes", bounds::MAX_INDEX_FILE_BYTES);
            out.errors
                .push(ConfigError::file(file, None, ErrorCode::FileTooLarge, msg));
            return;
        }
        Err(ReadError::Io(e)) => {
            out.errors.push(ConfigError::file(
                file,
                None,
                ErrorCode::Io,
                format!("cannot read file: {e}"),
            ));
            return;
        }
    };
    let Ok(src) = std::str::from_utf8(&bytes) else {
        out.errors.push(ConfigError::file(
            file,
            None,
            ErrorCode::Io,
            "file is not valid UTF-8".into(),
        ));
        return;
    };
    let root = match yaml::parse(src) {
        Ok(n) => n,
        Err(e) => {
            out.errors.push(ConfigError::file(
                file,
                e.pos,
                ErrorCode::YamlSyntax,
                e.message,
            ));
            return;
        }
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut cx = Cx {
        file,
        namespace: "",
        entry: None,
        kind: None,
        errors: &mut out.errors,
        warnings: &mut out.warnings,
    };
    if !matches!(root.value, Value::Map(_)) {
        let msg = format!(
            "an index file must be a mapping with version, namespace and entries, found {}",
            root.value.describe()
        );
        cx.err(root.pos, "", ErrorCode::IndexFormat, msg);
        return;
    }
    let Some(top) = cx.fields(&root, "", &["version", "namespace", "entries"]) else {
        return;
    };
    let index_err = |cx: &mut Cx<'_>, pos: Pos, field: &str, msg: String| {
        cx.err(pos, field, ErrorCode::IndexFormat, msg);
    };
    match top.get("version") {
        None => index_err(
            &mut cx,
            top.pos,
            "version",
            format!("version is required (version: \"{INDEX_VERSION}\")"),
        ),
        Some(n) => {
            if let Some(v) = cx.string(n, "version")
                && v != INDEX_VERSION
            {
                index_err(
                    &mut cx,
                    n.pos,
                    "version",
                    format!("unsupported index version \"{v}\" (expected \"{INDEX_VERSION}\")"),
                );
            }
        }
    }
    let namespace = match top.get("namespace") {
        None => {
            index_err(
                &mut cx,
                top.pos,
                "namespace",
                "namespace is required".into(),
            );
            None
        }
        Some(n) => match cx.string(n, "namespace") {
            Some(ns) if valid_namespace(&ns) => Some(ns),
            Some(ns) => {
                index_err(
                    &mut cx,
                    n.pos,
                    "namespace",
                    format!(
                        "invalid namespace \"{ns}\" (expected lowercase words separated by dots, e.g. app.jobs)"
                    ),
                );
                None
            }
            None => None,
        },
    };
    let items = match top.get("entries") {
        None => {
            // An explicit `entries:` (null) is "present but empty" in YAML
            // terms; only a missing key is an error.
            if !matches!(&root.value, Value::Map(m) if m.iter().any(|(k, _)| k.value == Value::Str("entries".into())))
            {
                index_err(
                    &mut cx,
                    top.pos,
                    "entries",
                    "entries is required (use entries: [] for none)".into(),
                );
            }
            &[][..]
        }
        Some(n) => cx.list(n, "entries").unwrap_or(&[]),
    };
    let Some(namespace) = namespace else { return };
    for (i, item) in items.iter().enumerate() {
        let mut cx = Cx {
            file,
            namespace: &namespace,
            entry: None,
            kind: None,
            errors: &mut out.errors,
            warnings: &mut out.warnings,
        };
        let Some(parsed) = parse_entry(&mut cx, item, i, dir) else {
            continue;
        };
        let id = parsed.entry.id.clone();
        if let Some(first) = first_seen.get(&id) {
            cx.err(
                parsed.pos,
                "name",
                ErrorCode::DuplicateEntry,
                format!(
                    "duplicate entry id {id} (first defined in {})",
                    first.display()
                ),
            );
            continue;
        }
        first_seen.insert(id, file.to_path_buf());
        out.entries.push(parsed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_finds_index_files_sorted_and_skips_other_files() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("b/c")).unwrap();
        std::fs::create_dir_all(r.join("a")).unwrap();
        for p in [
            "_index.yaml",
            "b/c/_index.yaml",
            "a/_index.yaml",
            "a/other.yaml",
        ] {
            std::fs::write(r.join(p), "").unwrap();
        }
        let mut errors = Vec::new();
        let files = find_index_files(r, &mut errors);
        assert!(errors.is_empty());
        let rel: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(r).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            rel,
            [
                PathBuf::from("_index.yaml"),
                "a/_index.yaml".into(),
                "b/c/_index.yaml".into()
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn walk_does_not_follow_symlinked_folders() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir(r.join("d")).unwrap();
        std::fs::write(r.join("d/_index.yaml"), "").unwrap();
        std::os::unix::fs::symlink(r, r.join("d/loop")).unwrap();
        let files = find_index_files(r, &mut Vec::new());
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn oversized_files_are_refused_without_reading_them_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b'#'; 100]).unwrap();
        assert!(matches!(read_bounded(&p, 99), Err(ReadError::TooLarge)));
        assert_eq!(read_bounded(&p, 100).unwrap().len(), 100);
    }
}
