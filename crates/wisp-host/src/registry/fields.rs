//! Reading typed config out of the YAML [`Node`] tree while collecting
//! every problem (instead of stopping at the first, as serde derive does).
//!
//! A [`Cx`] knows the file and entry being read and gathers
//! [`ConfigError`]s; [`Fields`] is one mapping whose keys were checked
//! against the list of known fields. Getters return `None` after recording
//! an error, so callers simply skip what failed and go on.

use std::path::Path;
use std::time::Duration;

use super::error::{ConfigError, ErrorCode, Pos};
use super::id::EntryId;
use super::units;
use super::yaml::{Node, Value};

/// The reading context: where we are, and where problems go.
pub(crate) struct Cx<'a> {
    pub file: &'a Path,
    pub namespace: &'a str,
    pub entry: Option<String>,
    pub kind: Option<String>,
    pub errors: &'a mut Vec<ConfigError>,
    pub warnings: &'a mut Vec<ConfigError>,
}

impl Cx<'_> {
    fn make(&self, pos: Option<Pos>, field: &str, code: ErrorCode, message: String) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            pos,
            entry: self.entry.clone(),
            kind: self.kind.clone(),
            field: (!field.is_empty()).then(|| field.to_string()),
            code,
            message,
        }
    }

    /// Records an error at `pos`, about `field` (a path like `wasi.env[0].id`).
    #[cold]
    pub fn err(&mut self, pos: Pos, field: &str, code: ErrorCode, message: impl Into<String>) {
        let e = self.make(Some(pos), field, code, message.into());
        self.errors.push(e);
    }

    /// Records an invalid-value error.
    #[cold]
    pub fn invalid(&mut self, pos: Pos, field: &str, message: impl Into<String>) {
        self.err(pos, field, ErrorCode::InvalidField, message);
    }

    /// Records a warning (the load still succeeds).
    #[cold]
    pub fn warn(&mut self, pos: Pos, field: &str, message: impl Into<String>) {
        let w = self.make(Some(pos), field, ErrorCode::InvalidField, message.into());
        self.warnings.push(w);
    }

    /// Reads a mapping, reporting every key not in `known` (with the list of
    /// expected keys) and every non-string key.
    pub fn fields<'n>(&mut self, node: &'n Node, path: &str, known: &[&str]) -> Option<Fields<'n>> {
        let Value::Map(pairs) = &node.value else {
            let what = if path.is_empty() { "an entry" } else { path };
            self.invalid(
                node.pos,
                path,
                format!("{what} must be a mapping, found {}", node.value.describe()),
            );
            return None;
        };
        let mut fields = Fields {
            pos: node.pos,
            path: path.to_string(),
            pairs: Vec::with_capacity(pairs.len()),
        };
        for (k, v) in pairs {
            let Value::Str(key) = &k.value else {
                self.invalid(
                    k.pos,
                    path,
                    format!("keys must be strings, found {}", k.value.describe()),
                );
                continue;
            };
            if known.contains(&key.as_str()) {
                fields.pairs.push((key.as_str(), v));
            } else {
                self.err(
                    k.pos,
                    &fields.sub(key),
                    ErrorCode::UnknownField,
                    format!(
                        "unknown field \"{key}\" (expected one of: {})",
                        known.join(", ")
                    ),
                );
            }
        }
        Some(fields)
    }

    /// A string. Plain numbers and booleans are read as their source text
    /// (`PORT: 8080` is `"8080"`).
    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(_, t) | Value::Float(_, t) | Value::Bool(_, t) => Some(t.clone()),
            other => {
                self.invalid(
                    node.pos,
                    path,
                    format!("{path} must be a string, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b, _) => Some(b),
            ref other => {
                self.invalid(
                    node.pos,
                    path,
                    format!("{path} must be true or false, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// An integer (any sign; range checks are the caller's).
    pub fn int(&mut self, node: &Node, path: &str) -> Option<i128> {
        match &node.value {
            Value::Int(i, _) => Some(*i),
            other => {
                self.invalid(
                    node.pos,
                    path,
                    format!("{path} must be an integer, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// A positive integer that fits `max` (`{path} must be > 0` otherwise).
    pub fn positive(&mut self, node: &Node, path: &str, max: u64) -> Option<u64> {
        let i = self.int(node, path)?;
        if i <= 0 {
            self.invalid(node.pos, path, format!("{path} must be > 0"));
            return None;
        }
        match u64::try_from(i) {
            Ok(v) if v <= max => Some(v),
            _ => {
                self.invalid(node.pos, path, format!("{path} must be at most {max}"));
                None
            }
        }
    }

    /// A non-negative integer that fits `max`.
    pub fn natural(&mut self, node: &Node, path: &str, max: u64) -> Option<u64> {
        let i = self.int(node, path)?;
        match u64::try_from(i) {
            Ok(v) if v <= max => Some(v),
            Ok(_) => {
                self.invalid(node.pos, path, format!("{path} must be at most {max}"));
                None
            }
            Err(_) => {
                self.invalid(node.pos, path, format!("{path} must be >= 0"));
                None
            }
        }
    }

    /// A number (integer or float).
    pub fn number(&mut self, node: &Node, path: &str) -> Option<f64> {
        match node.value {
            Value::Float(f, _) if f.is_finite() => Some(f),
            // i128 → f64 may round; config factors are small.
            #[expect(clippy::cast_precision_loss, reason = "config numbers are small")]
            Value::Int(i, _) => Some(i as f64),
            ref other => {
                self.invalid(
                    node.pos,
                    path,
                    format!("{path} must be a number, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// A duration `5s` / `100ms`; with `int_unit_ms`, a plain integer is
    /// milliseconds (for `*_ms` fields).
    pub fn duration(&mut self, node: &Node, path: &str, int_unit_ms: bool) -> Option<Duration> {
        if int_unit_ms && let Value::Int(..) = node.value {
            return self
                .positive(node, path, u64::MAX)
                .map(Duration::from_millis);
        }
        let text = self.string(node, path)?;
        match units::parse_duration(&text) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.invalid(node.pos, path, format!("{path}: {msg}"));
                None
            }
        }
    }

    /// A byte size: an integer, or `64MiB`-style text.
    pub fn bytes(&mut self, node: &Node, path: &str) -> Option<u64> {
        if let Value::Int(..) = node.value {
            return self.positive(node, path, u64::MAX);
        }
        let text = self.string(node, path)?;
        match units::parse_bytes(&text) {
            Ok(0) => {
                self.invalid(node.pos, path, format!("{path} must be > 0"));
                None
            }
            Ok(n) => Some(n),
            Err(msg) => {
                self.invalid(node.pos, path, format!("{path}: {msg}"));
                None
            }
        }
    }

    /// A list; `None` (after an error) for anything else.
    pub fn list<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            other => {
                self.invalid(
                    node.pos,
                    path,
                    format!("{path} must be a list, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// A list of strings; bad items are reported and skipped.
    pub fn strings(&mut self, node: &Node, path: &str) -> Option<Vec<(String, Pos)>> {
        let items = self.list(node, path)?;
        Some(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, n)| self.string(n, &format!("{path}[{i}]")).map(|s| (s, n.pos)))
                .collect(),
        )
    }

    /// A mapping from string keys to strings, in file order.
    pub fn string_map(&mut self, node: &Node, path: &str) -> Option<Vec<(String, String, Pos)>> {
        let Value::Map(pairs) = &node.value else {
            self.invalid(
                node.pos,
                path,
                format!("{path} must be a mapping, found {}", node.value.describe()),
            );
            return None;
        };
        let mut out = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let Some(key) = self.string(k, path) else {
                continue;
            };
            if let Some(value) = self.string(v, &format!("{path}.{key}")) {
                out.push((key, value, k.pos));
            }
        }
        Some(out)
    }

    /// A reference field: `ns:name` or a bare name in this entry's namespace.
    pub fn reference(&mut self, node: &Node, path: &str) -> Option<EntryId> {
        let text = self.string(node, path)?;
        match EntryId::resolve(&text, self.namespace) {
            Ok(id) => Some(id),
            Err(e) => {
                self.invalid(node.pos, path, format!("{path}: {e}"));
                None
            }
        }
    }

    /// One of `choices` (the first is usually the default).
    pub fn choice(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
        choices: &[&'static str],
    ) -> Option<&'static str> {
        let text = self.string(node, path)?;
        match choices.iter().find(|c| **c == text) {
            Some(c) => Some(c),
            None => {
                self.invalid(
                    node.pos,
                    path,
                    format!("invalid {what} \"{text}\" (expected {})", choices.join("|")),
                );
                None
            }
        }
    }
}

/// One mapping's fields, checked against the known list.
pub(crate) struct Fields<'n> {
    pub pos: Pos,
    path: String,
    pairs: Vec<(&'n str, &'n Node)>,
}

impl<'n> Fields<'n> {
    /// The value of `key`; an explicit `null` counts as absent.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.pairs
            .iter()
            .find(|(k, v)| *k == key && v.value != Value::Null)
            .map(|(_, v)| *v)
    }

    /// Whether `key` is present with a non-null value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The path of `key` below this mapping (`wasi.cwd`).
    pub fn sub(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// `key`'s value, or an `<path> is required` error at the mapping.
    pub fn require(&self, cx: &mut Cx<'_>, key: &str) -> Option<&'n Node> {
        let node = self.get(key);
        if node.is_none() {
            let path = self.sub(key);
            cx.invalid(self.pos, &path, format!("{path} is required"));
        }
        node
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;

    fn with_cx<R>(f: impl FnOnce(&mut Cx<'_>) -> R) -> (R, Vec<ConfigError>) {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut cx = Cx {
            file: Path::new("t.yaml"),
            namespace: "myns",
            entry: Some("myns:e".into()),
            kind: Some("process.wasm".into()),
            errors: &mut errors,
            warnings: &mut warnings,
        };
        let r = f(&mut cx);
        (r, errors)
    }

    #[test]
    fn unknown_fields_are_all_reported_with_the_expected_list() {
        let node = parse("a: 1\nhashh: 2\nbb: 3\n").unwrap();
        let (f, errs) = with_cx(|cx| cx.fields(&node, "", &["a", "hash"]).map(|f| f.has("a")));
        assert_eq!(f, Some(true));
        assert_eq!(errs.len(), 2);
        assert_eq!(
            errs[0].message,
            "unknown field \"hashh\" (expected one of: a, hash)"
        );
        assert_eq!(errs[0].field.as_deref(), Some("hashh"));
        assert_eq!(errs[0].pos, Some(Pos { line: 2, column: 1 }));
        assert_eq!(errs[1].code, ErrorCode::UnknownField);
    }

    #[test]
    fn required_and_typed_getters() {
        let node = parse("n: -1\nd: 5s\nb: 64MiB\ns: 8080\nl: [a, 1]\nnul: null\n").unwrap();
        let (r, errs) = with_cx(|cx| {
            let f = cx
                .fields(&node, "limits", &["n", "d", "b", "s", "l", "x", "nul"])
                .unwrap();
            let n = cx.positive(f.get("n").unwrap(), "limits.n", 10);
            let d = cx.duration(f.get("d").unwrap(), "limits.d", false);
            let b = cx.bytes(f.get("b").unwrap(), "limits.b");
            let s = cx.string(f.get("s").unwrap(), "limits.s");
            let l = cx.strings(f.get("l").unwrap(), "limits.l");
            let x = f.require(cx, "x");
            let nul = f.require(cx, "nul");
            (n, d, b, s, l.map(|v| v.len()), x.is_none(), nul.is_none())
        });
        assert_eq!(
            r,
            (
                None,
                Some(Duration::from_secs(5)),
                Some(64 << 20),
                Some("8080".into()),
                Some(2),
                true,
                true
            )
        );
        let msgs: Vec<_> = errs.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "limits.n must be > 0",
                "limits.x is required",
                "limits.nul is required"
            ]
        );
    }

    #[test]
    fn wrong_shapes_are_reported() {
        let node = parse("[1]").unwrap();
        let (f, errs) = with_cx(|cx| cx.fields(&node, "wasi", &[]).is_none());
        assert!(f);
        assert_eq!(errs[0].message, "wasi must be a mapping, found a list");
        let node = parse("x: [1]").unwrap();
        let (_, errs) = with_cx(|cx| {
            let f = cx.fields(&node, "", &["x"]).unwrap();
            cx.boolean(f.get("x").unwrap(), "x")
        });
        assert_eq!(errs[0].message, "x must be true or false, found a list");
    }
}
