//! Reading one entry: the common fields (`name`, `kind`, `meta`), then the
//! kind's own fields (one file per family). The result keeps every
//! reference the entry makes, with where it was written, so that
//! `resolve.rs` can check them once all files are read.

mod fs_env;
mod supervise;
mod wasm;

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{ErrorCode, Pos};
use super::fields::{Cx, Fields};
use super::id::EntryId;
use super::model::{Arg, Command, Entry, Kind, MetaValue, Spec};
use super::resolve::RESERVED_COMMANDS;
use super::yaml::{Node, Value};

/// A reference from one entry to another, to be checked after loading.
#[derive(Debug, Clone)]
pub(crate) struct Ref {
    pub target: EntryId,
    /// The kinds the field accepts.
    pub expected: &'static [Kind],
    /// The field path (`wasi.mounts[0].fs`).
    pub field: String,
    pub pos: Pos,
}

/// An entry as read from its file, before cross-entry checks.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub entry: Entry,
    pub pos: Pos,
    pub refs: Vec<Ref>,
    /// Where `meta.command.name` was written.
    pub command_pos: Option<Pos>,
}

/// What a kind parser gets: the context, the entry's fields, the folder of
/// its `_index.yaml`, and where to record references.
pub(crate) struct KindCx<'c, 'a, 'n> {
    pub cx: &'c mut Cx<'a>,
    pub f: &'c Fields<'n>,
    pub dir: &'c Path,
    pub refs: &'c mut Vec<Ref>,
}

impl KindCx<'_, '_, '_> {
    /// Reads a reference field and records it for checking.
    pub fn reference(
        &mut self,
        node: &Node,
        path: &str,
        expected: &'static [Kind],
    ) -> Option<EntryId> {
        let id = self.cx.reference(node, path)?;
        self.refs.push(Ref {
            target: id.clone(),
            expected,
            field: path.to_string(),
            pos: node.pos,
        });
        Some(id)
    }

    /// A required reference field of this entry.
    pub fn required_ref(&mut self, key: &str, expected: &'static [Kind]) -> Option<EntryId> {
        let node = self.f.require(self.cx, key)?;
        self.reference(node, key, expected)
    }
}

/// Fields every entry has.
const COMMON: &[&str] = &["name", "kind", "meta"];

/// Reads one item of `entries`. `None` when the entry is too broken to
/// have an id or a kind (errors recorded).
pub(crate) fn parse_entry(
    cx: &mut Cx<'_>,
    node: &Node,
    index: usize,
    dir: &Path,
) -> Option<Parsed> {
    let here = format!("entries[{index}]");
    let Value::Map(pairs) = &node.value else {
        cx.invalid(
            node.pos,
            &here,
            format!("{here} must be a mapping, found {}", node.value.describe()),
        );
        return None;
    };
    let lookup = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
            .map(|(_, v)| v)
    };
    let name = match lookup("name").filter(|n| n.value != Value::Null) {
        Some(n) => cx.string(n, "name"),
        None => {
            cx.invalid(node.pos, "name", format!("{here}: name is required"));
            None
        }
    };
    let kind_text = match lookup("kind").filter(|n| n.value != Value::Null) {
        Some(n) => cx.string(n, "kind").map(|k| (k, n.pos)),
        None => {
            cx.invalid(node.pos, "kind", format!("{here}: kind is required"));
            None
        }
    };
    let name = name?;
    let id = match EntryId::new(cx.namespace, &name) {
        Ok(id) => id,
        Err(e) => {
            let pos = lookup("name").map_or(node.pos, |n| n.pos);
            cx.invalid(pos, "name", e.to_string());
            return None;
        }
    };
    cx.entry = Some(id.to_string());
    let (kind_text, kind_pos) = kind_text?;
    let Some(kind) = Kind::parse(&kind_text) else {
        cx.err(
            kind_pos,
            "kind",
            ErrorCode::UnknownKind,
            unknown_kind(&kind_text),
        );
        return None;
    };
    cx.kind = Some(kind.as_str().to_string());

    let known: Vec<&str> = COMMON.iter().chain(kind_fields(kind)).copied().collect();
    let f = cx.fields(node, "", &known)?;
    let (command, meta, command_pos) = match f.get("meta") {
        Some(m) => read_meta(cx, m),
        None => (None, BTreeMap::new(), None),
    };
    let mut refs = Vec::new();
    let mut k = KindCx {
        cx,
        f: &f,
        dir,
        refs: &mut refs,
    };
    let spec = match kind {
        Kind::FsDirectory => fs_env::fs_directory(&mut k).map(Spec::FsDirectory),
        Kind::EnvStorageOs => Some(Spec::EnvStorageOs),
        Kind::EnvStorageStatic => fs_env::static_storage(&mut k).map(Spec::EnvStorageStatic),
        Kind::EnvStorageFile => fs_env::file_storage(&mut k).map(Spec::EnvStorageFile),
        Kind::EnvVariable => fs_env::variable(&mut k).map(Spec::EnvVariable),
        Kind::ProcessHost => supervise::process_host(&mut k).map(Spec::ProcessHost),
        Kind::TerminalHost => Some(Spec::TerminalHost),
        Kind::ProcessWasm => wasm::wasm_entry(&mut k, kind).map(Spec::ProcessWasm),
        Kind::FunctionWasm => wasm::wasm_entry(&mut k, kind).map(Spec::FunctionWasm),
        Kind::ProcessService => supervise::service(&mut k).map(Spec::ProcessService),
        Kind::ProcessSupervisor => supervise::supervisor(&mut k).map(Spec::ProcessSupervisor),
        Kind::PgScope => Some(Spec::PgScope),
    };
    if let (Some(pos), true) = (command_pos, kind != Kind::ProcessWasm) {
        cx.invalid(
            pos,
            "meta.command",
            "meta.command is only allowed on process.wasm entries",
        );
    }
    let spec = spec?;
    let file = cx.file.to_path_buf();
    Some(Parsed {
        entry: Entry {
            id,
            file,
            line: node.pos.line,
            command,
            meta,
            spec,
        },
        pos: node.pos,
        refs,
        command_pos,
    })
}

/// The kind-specific fields each kind accepts.
fn kind_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::FsDirectory => &["directory", "auto_init", "mode", "base"],
        Kind::EnvStorageOs | Kind::TerminalHost | Kind::PgScope => &[],
        Kind::EnvStorageStatic => &["values"],
        Kind::EnvStorageFile => &["file_path", "auto_create"],
        Kind::EnvVariable => &["variable", "storage", "default"],
        Kind::ProcessHost => &["host", "default_limits", "lifecycle"],
        Kind::ProcessWasm | Kind::FunctionWasm => wasm::FIELDS,
        Kind::ProcessService => &["process", "host", "input", "lifecycle"],
        Kind::ProcessSupervisor => &[
            "host",
            "strategy",
            "intensity",
            "period",
            "restart_delay",
            "children",
            "lifecycle",
        ],
    }
}

#[cold]
fn unknown_kind(text: &str) -> String {
    let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    format!(
        "unknown entry kind \"{text}\" (expected one of: {})",
        known.join(", ")
    )
}

/// `meta`: free-form, except `command`.
fn read_meta(
    cx: &mut Cx<'_>,
    node: &Node,
) -> (Option<Command>, BTreeMap<String, MetaValue>, Option<Pos>) {
    let mut meta = BTreeMap::new();
    let Value::Map(pairs) = &node.value else {
        cx.invalid(
            node.pos,
            "meta",
            format!("meta must be a mapping, found {}", node.value.describe()),
        );
        return (None, meta, None);
    };
    let mut command = None;
    let mut command_pos = None;
    for (k, v) in pairs {
        let Some(key) = cx.string(k, "meta") else {
            continue;
        };
        if key == "command" {
            command_pos = Some(v.pos);
            command = read_command(cx, v);
        } else {
            meta.insert(key, meta_value(v));
        }
    }
    (command, meta, command_pos)
}

fn read_command(cx: &mut Cx<'_>, node: &Node) -> Option<Command> {
    let f = cx.fields(node, "meta.command", &["name", "short"])?;
    let short = match f.get("short") {
        Some(n) => cx.string(n, "meta.command.short").unwrap_or_default(),
        None => String::new(),
    };
    let n = f.require(cx, "name")?;
    let name = cx.string(n, "meta.command.name")?;
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        cx.invalid(
            n.pos,
            "meta.command.name",
            format!("meta.command.name \"{name}\" must be lowercase letters, digits and - (starting with a letter)"),
        );
        return None;
    }
    if RESERVED_COMMANDS.contains(&name.as_str()) {
        cx.err(
            n.pos,
            "meta.command.name",
            ErrorCode::CommandConflict,
            format!("meta.command.name: \"{name}\" is reserved"),
        );
        return None;
    }
    Some(Command { name, short })
}

fn meta_value(node: &Node) -> MetaValue {
    match &node.value {
        Value::Null => MetaValue::Null,
        Value::Bool(b, _) => MetaValue::Bool(*b),
        Value::Int(i, _) => MetaValue::Int(*i),
        Value::Float(f, _) => MetaValue::Float(*f),
        Value::Str(s) => MetaValue::Str(s.clone()),
        Value::Seq(items) => MetaValue::List(items.iter().map(meta_value).collect()),
        Value::Map(pairs) => MetaValue::Map(
            pairs
                .iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        Value::Str(s) => s.clone(),
                        Value::Int(_, t) | Value::Float(_, t) | Value::Bool(_, t) => t.clone(),
                        _ => String::new(),
                    };
                    (key, meta_value(v))
                })
                .collect(),
        ),
    }
}

/// `input:` — a list of scalar arguments.
pub(crate) fn read_input(cx: &mut Cx<'_>, node: &Node, path: &str) -> Vec<Arg> {
    let Some(items) = cx.list(node, path) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match &item.value {
            Value::Int(v, _) => out.push(Arg::Int(*v)),
            Value::Float(v, _) => out.push(Arg::Float(*v)),
            Value::Bool(v, _) => out.push(Arg::Bool(*v)),
            Value::Str(s) => out.push(Arg::Str(s.clone())),
            other => cx.invalid(
                item.pos,
                &format!("{path}[{i}]"),
                format!(
                    "{path}[{i}] must be a number, string or boolean, found {}",
                    other.describe()
                ),
            ),
        }
    }
    out
}
