//! Config errors: one [`ConfigError`] per problem, collected into
//! [`ConfigErrors`] so that boot reports every problem at once.
//!
//! Each error names the file, the line and column (when the problem sits at
//! a YAML node), the entry id and kind, the field path inside the entry
//! (`wasi.env[1].name`), a stable [`ErrorCode`] and a message that says
//! what to change. [`ConfigErrors::to_json`] is what `wisp validate --json`
//! prints.

use std::fmt;
use std::path::{Path, PathBuf};

/// The stable, machine-readable class of a config error (`error[Code]` in
/// the CLI, `code` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The file could not be read (permissions, not UTF-8, I/O failure).
    Io,
    /// The file is larger than the index size limit.
    FileTooLarge,
    /// The YAML is malformed, or exceeded the parse budget (alias bombs).
    YamlSyntax,
    /// `version`, `namespace` or `entries` is missing or wrong.
    IndexFormat,
    /// A field is missing, has the wrong type, or has an invalid value.
    InvalidField,
    /// A field this kind does not have.
    UnknownField,
    /// An entry `kind` wisp does not know.
    UnknownKind,
    /// Two entries with the same `namespace:name`.
    DuplicateEntry,
    /// A reference names no entry.
    DanglingReference,
    /// A reference names an entry of the wrong kind.
    WrongKind,
    /// A reference cycle (`requires`, nested supervisors, `link`).
    Cycle,
    /// A `meta.command` name that is reserved or already taken.
    CommandConflict,
    /// An `imports` name that wisp refuses (`wasi:http`, `wasi:sockets`, unknown).
    UnsupportedImport,
    /// An `fs.directory` that does not exist and may not be created.
    DirectoryNotFound,
    /// A path that leaves its filesystem root (`..` or a symlink).
    PathEscape,
    /// An env storage problem (missing `env.storage.file`).
    EnvStorage,
    /// The module file named by `fs` + `path` does not exist.
    ModuleNotFound,
    /// The module's sha256 differs from the pinned `hash`.
    HashMismatch,
    /// The module does not decode, validate or translate.
    ModuleCompileError,
    /// An import resolves to no host profile and no linked module.
    UnknownImport,
    /// A WASI import no declared profile covers (`strict_imports` only).
    ImportNotEnabled,
    /// An import's type differs from the function it links to.
    ImportTypeMismatch,
    /// `method` is not an exported function with numeric params/results.
    EntrypointError,
    /// The module declares more initial memory than `limits` allow.
    MemoryLimitError,
    /// A linked module could not be loaded (cycles, wrong target).
    ModuleLoadError,
}

impl ErrorCode {
    /// The code's name as printed (`HashMismatch`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Io => "Io",
            ErrorCode::FileTooLarge => "FileTooLarge",
            ErrorCode::YamlSyntax => "YamlSyntax",
            ErrorCode::IndexFormat => "IndexFormat",
            ErrorCode::InvalidField => "InvalidField",
            ErrorCode::UnknownField => "UnknownField",
            ErrorCode::UnknownKind => "UnknownKind",
            ErrorCode::DuplicateEntry => "DuplicateEntry",
            ErrorCode::DanglingReference => "DanglingReference",
            ErrorCode::WrongKind => "WrongKind",
            ErrorCode::Cycle => "Cycle",
            ErrorCode::CommandConflict => "CommandConflict",
            ErrorCode::UnsupportedImport => "UnsupportedImport",
            ErrorCode::DirectoryNotFound => "DirectoryNotFound",
            ErrorCode::PathEscape => "PathEscape",
            ErrorCode::EnvStorage => "EnvStorage",
            ErrorCode::ModuleNotFound => "ModuleNotFound",
            ErrorCode::HashMismatch => "HashMismatch",
            ErrorCode::ModuleCompileError => "ModuleCompileError",
            ErrorCode::UnknownImport => "UnknownImport",
            ErrorCode::ImportNotEnabled => "ImportNotEnabled",
            ErrorCode::ImportTypeMismatch => "ImportTypeMismatch",
            ErrorCode::EntrypointError => "EntrypointError",
            ErrorCode::MemoryLimitError => "MemoryLimitError",
            ErrorCode::ModuleLoadError => "ModuleLoadError",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and column in a YAML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// One config problem (or, in [`crate::registry::Registry::warnings`], one
/// warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The `_index.yaml` the problem is in.
    pub file: PathBuf,
    /// Where in the file, when the problem sits at a node.
    pub pos: Option<Pos>,
    /// The entry id (`myns:worker`), when the problem is inside an entry.
    pub entry: Option<String>,
    /// The entry's kind, when known.
    pub kind: Option<String>,
    /// The field path inside the entry (`wasi.mounts[0].guest`).
    pub field: Option<String>,
    pub code: ErrorCode,
    pub message: String,
}

impl ConfigError {
    /// An error about a whole file (no entry, no field).
    #[cold]
    pub(crate) fn file(file: &Path, pos: Option<Pos>, code: ErrorCode, message: String) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            pos,
            entry: None,
            kind: None,
            field: None,
            code,
            message,
        }
    }
}

impl fmt::Display for ConfigError {
    /// `error[Code]: file:line:col: entry ns:x (kind): field: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.file.display())?;
        if let Some(p) = self.pos {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        if let Some(entry) = &self.entry {
            write!(f, ": entry {entry}")?;
            if let Some(kind) = &self.kind {
                write!(f, " ({kind})")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found while loading a registry. Never empty when returned
/// as an error by [`crate::registry::Registry::load`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigErrors {
    pub errors: Vec<ConfigError>,
}

impl ConfigErrors {
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.errors.iter()
    }

    /// Whether any error has this code.
    pub fn has(&self, code: ErrorCode) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    /// The JSON array `wisp validate --json` prints:
    /// `[{"file", "line", "column", "entry", "kind", "field", "code", "message"}]`,
    /// with `null` for the parts an error does not have.
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"file\":");
            json_str(&mut out, &e.file.display().to_string());
            out.push_str(",\"line\":");
            json_opt_num(&mut out, e.pos.map(|p| p.line));
            out.push_str(",\"column\":");
            json_opt_num(&mut out, e.pos.map(|p| p.column));
            out.push_str(",\"entry\":");
            json_opt_str(&mut out, e.entry.as_deref());
            out.push_str(",\"kind\":");
            json_opt_str(&mut out, e.kind.as_deref());
            out.push_str(",\"field\":");
            json_opt_str(&mut out, e.field.as_deref());
            out.push_str(",\"code\":");
            json_str(&mut out, e.code.as_str());
            out.push_str(",\"message\":");
            json_str(&mut out, &e.message);
            out.push('}');
        }
        out.push(']');
        out
    }
}

impl fmt::Display for ConfigErrors {
    /// One error per line, then a count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        let n = self.errors.len();
        write!(f, "{n} config error{}", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for ConfigErrors {}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

fn json_opt_num(out: &mut String, n: Option<u32>) {
    match n {
        Some(n) => out.push_str(&n.to_string()),
        None => out.push_str("null"),
    }
}

fn json_opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.push_str("null"),
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 escapes).
pub(crate) fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ConfigError {
        ConfigError {
            file: PathBuf::from("src/_index.yaml"),
            pos: Some(Pos { line: 3, column: 7 }),
            entry: Some("myns:w".into()),
            kind: Some("process.wasm".into()),
            field: Some("hash".into()),
            code: ErrorCode::InvalidField,
            message: "hash must be \"sha256:<64 hex digits>\"\n".into(),
        }
    }

    #[test]
    fn display_names_every_part() {
        assert_eq!(
            sample().to_string(),
            "error[InvalidField]: src/_index.yaml:3:7: entry myns:w (process.wasm): hash: \
             hash must be \"sha256:<64 hex digits>\"\n"
        );
    }

    #[test]
    fn json_escapes_and_nulls() {
        let mut b = sample();
        b.pos = None;
        b.entry = None;
        let errs = ConfigErrors {
            errors: vec![sample(), b],
        };
        let json = errs.to_json();
        assert!(json.starts_with("[{\"file\":\"src/_index.yaml\",\"line\":3,\"column\":7,"));
        assert!(json.contains("\"message\":\"hash must be \\\"sha256:<64 hex digits>\\\"\\n\""));
        assert!(json.contains("\"line\":null,\"column\":null,\"entry\":null"));
        assert_eq!(json.matches("\"code\":\"InvalidField\"").count(), 2);
    }
}
