//! The one place that reads YAML. Everything else sees a [`Node`] tree.
//!
//! The reader is `serde-saphyr` (serde_yaml is archived upstream). It is
//! panic-free and enforces a [`serde_saphyr::Budget`]: we tighten it to what
//! a registry index can plausibly need, so a hostile file (a "billion laughs"
//! alias bomb, deep nesting, a flood of nodes) fails fast with a clear error
//! and bounded memory instead of exhausting the host. Alias replay is capped
//! separately ([`MAX_ALIAS_REPLAYED_EVENTS`]) because that is where a small
//! file turns into a huge tree.
//!
//! # Note
//! We build a generic tree of located nodes instead of deserializing straight
//! into typed structs with `deny_unknown_fields`: serde stops at the first
//! problem in a struct, while boot must report every problem at once, each
//! with a line and column. The typed model is then read from the tree by
//! `fields.rs`. Swapping the YAML crate touches only this file.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::bounds;
use super::error::Pos;

/// A YAML node with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    /// Where the node is used (for an alias, the `*alias`).
    pub pos: Pos,
}

/// A YAML value. Scalars keep their source text so that a plain `8080` or
/// `1.0` can still be read where a string is expected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool, String),
    Int(i128, String),
    Float(f64, String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What the value is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(..) => "a boolean",
            Value::Int(..) => "an integer",
            Value::Float(..) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML file that could not be read into a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub pos: Option<Pos>,
    pub message: String,
}

/// Parses one YAML document (a missing document reads as an empty mapping).
pub(crate) fn parse(src: &str) -> Result<Node, YamlError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: bounds::MAX_YAML_EVENTS,
            max_nodes: bounds::MAX_YAML_NODES,
            max_aliases: bounds::MAX_YAML_ALIASES,
            max_anchors: bounds::MAX_YAML_ALIASES,
            max_depth: bounds::MAX_YAML_DEPTH,
            max_documents: 1,
            max_recorded_anchor_events: bounds::MAX_ALIAS_REPLAYED_EVENTS,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: bounds::MAX_ALIAS_REPLAYED_EVENTS,
            max_replay_stack_depth: bounds::MAX_YAML_DEPTH,
        },
        with_snippet: false,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
    };
    let root: Raw = match serde_saphyr::from_str_with_options::<Option<Raw>>(src, options) {
        Ok(Some(root)) => root,
        Ok(None) => {
            return Ok(Node {
                value: Value::Map(Vec::new()),
                pos: Pos { line: 1, column: 1 },
            });
        }
        Err(e) => return Err(yaml_error(&e)),
    };
    Ok(root.into_node(src))
}

#[cold]
fn yaml_error(e: &serde_saphyr::Error) -> YamlError {
    let pos = e.location().and_then(|l| {
        let line = u32::try_from(l.line()).ok()?;
        let column = u32::try_from(l.column()).ok()?;
        (line > 0).then_some(Pos { line, column })
    });
    // The plain message starts with "error: line L column C: "; the position
    // is reported separately, so drop that prefix.
    let text = e.without_snippet().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let text = match text.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => text,
    };
    let mut message = text
        .lines()
        .next()
        .unwrap_or("malformed YAML")
        .trim()
        .to_string();
    if message.contains("budget") || message.contains("alias") || message.contains("limit") {
        message.push_str(" (registry files are parsed with a bounded budget; see docs/host.md)");
    }
    YamlError { pos, message }
}

/// The tree as deserialized, before scalar source text is attached.
struct Raw {
    value: RawValue,
    pos: Pos,
    /// The byte range where the value is defined (for an alias, the anchor).
    span: Option<(usize, usize)>,
}

enum RawValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(Raw, Raw)>),
}

impl Raw {
    fn text<'s>(&self, src: &'s str) -> Option<&'s str> {
        let (start, len) = self.span?;
        src.get(start..start.checked_add(len)?)
    }

    /// Converts to a [`Node`], giving each non-string scalar its source
    /// text. Recursion depth is bounded by the parser's `max_depth`.
    fn into_node(self, src: &str) -> Node {
        let raw = self.text(src).map(str::trim);
        let text = |fallback: String| raw.map_or(fallback, str::to_string);
        let value = match self.value {
            RawValue::Null => Value::Null,
            RawValue::Bool(b) => Value::Bool(b, text(b.to_string())),
            RawValue::Int(i) => Value::Int(i, text(i.to_string())),
            RawValue::Float(f) => Value::Float(f, text(f.to_string())),
            RawValue::Str(s) => Value::Str(s),
            RawValue::Seq(items) => {
                Value::Seq(items.into_iter().map(|n| n.into_node(src)).collect())
            }
            RawValue::Map(pairs) => Value::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into_node(src), v.into_node(src)))
                    .collect(),
            ),
        };
        Node {
            value,
            pos: self.pos,
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<RawValue>::deserialize(d)?;
        let line = u32::try_from(s.referenced.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(s.referenced.column()).unwrap_or(u32::MAX);
        let span = s.defined.span();
        let span = match (span.byte_offset(), span.byte_len()) {
            (Some(o), Some(l)) => usize::try_from(o).ok().zip(usize::try_from(l).ok()),
            _ => None,
        };
        Ok(Raw {
            value: s.value,
            pos: Pos { line, column },
            span,
        })
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        i128::try_from(v)
            .map(RawValue::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<RawValue, E> {
        Err(E::custom("binary values are not supported"))
    }
    fn visit_unit<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = a.next_element::<Raw>()? {
            items.push(n);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawValue, A::Error> {
        let mut pairs = Vec::new();
        while let Some(pair) = a.next_entry::<Raw, Raw>()? {
            pairs.push(pair);
        }
        Ok(RawValue::Map(pairs))
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(n: &Node) -> &[(Node, Node)] {
        match &n.value {
            Value::Map(m) => m,
            other => panic!("expected a map, got {other:?}"),
        }
    }

    #[test]
    fn scalars_keep_their_source_text_and_positions() {
        let src = "version: 1.0\nport: 8080\nmode: 0755\nflag: yes\non: true\nq: 'x'\nnone:\n";
        let root = parse(src).unwrap();
        let m = map(&root);
        assert_eq!(m[0].1.value, Value::Float(1.0, "1.0".into()));
        assert_eq!(m[1].1.value, Value::Int(8080, "8080".into()));
        // Leading zeros stay text (no YAML 1.1 octal surprises).
        assert_eq!(m[2].1.value, Value::Str("0755".into()));
        // Only true/false are booleans (no "Norway problem").
        assert_eq!(m[3].1.value, Value::Str("yes".into()));
        assert_eq!(m[4].1.value, Value::Bool(true, "true".into()));
        assert_eq!(m[5].1.value, Value::Str("x".into()));
        assert_eq!(m[6].1.value, Value::Null);
        assert_eq!(m[1].1.pos, Pos { line: 2, column: 7 });
        assert_eq!(m[1].0.pos, Pos { line: 2, column: 1 });
    }

    #[test]
    fn empty_document_is_an_empty_map() {
        assert_eq!(parse("").unwrap().value, Value::Map(Vec::new()));
        assert_eq!(
            parse("# only a comment\n").unwrap().value,
            Value::Map(Vec::new())
        );
    }

    #[test]
    fn aliases_expand_within_budget() {
        let src = "a: &x {k: 1}\nb: *x\n";
        let root = parse(src).unwrap();
        let m = map(&root);
        let b = map(&m[1].1);
        assert_eq!(b[0].0.value, Value::Str("k".into()));
        assert_eq!(b[0].1.value, Value::Int(1, "1".into()));
        // Positions point at the alias, where the value is used.
        assert_eq!(m[1].1.pos.line, 2);
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(e.pos, Some(Pos { line: 2, column: 2 }));
        assert!(!e.message.starts_with("error"), "{}", e.message);
        assert!(!e.message.contains('\n'));
    }

    #[test]
    fn duplicate_keys_are_an_error() {
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.pos.map(|p| p.line), Some(2), "{e:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&src).is_err());
    }

    /// The classic "billion laughs": nine levels of ten aliases each would
    /// expand to 10^9 nodes. It must fail quickly with a budget error.
    #[test]
    fn billion_laughs_fails_fast() {
        let mut src = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let start = std::time::Instant::now();
        let e = parse(&src).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert!(e.message.contains("budget"), "{}", e.message);
        eprintln!("{e:?}");
    }

    /// Odd and hostile inputs give errors or trees, never panics.
    #[test]
    fn hostile_inputs_do_not_panic() {
        let long_int = format!("a: {}\n", "9".repeat(500));
        let inputs = [
            "*undefined\n",
            "a: !!binary aGVsbG8=\n",
            "a: !custom 1\n",
            "\t- x\n",
            "a: \"\\uD800\"\n",
            "? [a, b]\n: c\n",
            "---\na: 1\n---\nb: 2\n",
            "&a [*a]\n",
            "a: 1e999\n",
            "{",
            "\u{feff}a: 1\n",
            long_int.as_str(),
        ];
        for src in inputs {
            let _ = parse(src);
        }
        assert!(
            parse("---\na: 1\n---\nb: 2\n").is_err(),
            "one document per file"
        );
    }
}
