//! `process.wasm` and `function.wasm` (docs/host.md §1.4–§1.6): the config
//! checks. The load-time checks on the module file itself (hash, compile,
//! imports, method, memory) are in `modules.rs`.

use std::collections::BTreeMap;

use super::super::error::ErrorCode;
use super::super::imports;
use super::super::limits::{self, Limits};
use super::super::model::{EnvBinding, Kind, Mount, Stdin, WasiConfig, WasmEntry};
use super::super::paths::clean_absolute;
use super::super::yaml::Node;
use super::KindCx;

pub(super) const FIELDS: &[&str] = &[
    "fs",
    "path",
    "hash",
    "method",
    "imports",
    "link",
    "wasi",
    "limits",
    "options",
    "pool",
    "transport",
];

const WASM_KINDS: &[Kind] = &[Kind::ProcessWasm, Kind::FunctionWasm];

pub(super) fn wasm_entry(k: &mut KindCx<'_, '_, '_>, kind: Kind) -> Option<WasmEntry> {
    // Read every field before giving up on any, so that all problems show.
    let fs = k.required_ref("fs", &[Kind::FsDirectory]);
    let path = module_path(k);
    let sha256 = k.f.require(k.cx, "hash").and_then(|n| hash(k, n));
    let method =
        k.f.require(k.cx, "method")
            .and_then(|n| k.cx.string(n, "method"));
    let imports = match k.f.get("imports") {
        Some(n) => read_imports(k, n),
        None => Vec::new(),
    };
    let link = match k.f.get("link") {
        Some(n) => read_link(k, n),
        None => BTreeMap::new(),
    };
    let wasi = match k.f.get("wasi") {
        Some(n) => read_wasi(k, n, &imports),
        None => WasiConfig::default(),
    };
    let limits = read_limits(k);
    if let Some(n) = k.f.get("pool") {
        k.cx.warn(
            n.pos,
            "pool",
            format!("pool is accepted and ignored on {kind} (v1 has no instance pools)"),
        );
    }
    if let Some(n) = k.f.get("transport")
        && let Some(t) = k.cx.string(n, "transport")
        && t != "payload"
    {
        k.cx.invalid(
            n.pos,
            "transport",
            format!("invalid transport type \"{t}\" (v1 supports payload)"),
        );
    }
    Some(WasmEntry {
        fs: fs?,
        path: path?,
        sha256: sha256?,
        method: method?,
        imports,
        link,
        wasi,
        limits,
    })
}

fn module_path(k: &mut KindCx<'_, '_, '_>) -> Option<String> {
    let node = k.f.require(k.cx, "path")?;
    let text = k.cx.string(node, "path")?;
    if !text.starts_with('/') {
        k.cx.invalid(
            node.pos,
            "path",
            "path must be absolute inside the filesystem",
        );
        return None;
    }
    match clean_absolute(&text) {
        Some(p) if p != "/" => Some(p),
        Some(_) => {
            k.cx.invalid(
                node.pos,
                "path",
                "path must name a file inside the filesystem",
            );
            None
        }
        None => {
            k.cx.err(
                node.pos,
                "path",
                ErrorCode::PathEscape,
                format!("{text}: path escapes filesystem root"),
            );
            None
        }
    }
}

/// `sha256:<64 hex digits>`, case-insensitive; stored as bytes.
fn hash(k: &mut KindCx<'_, '_, '_>, node: &Node) -> Option<[u8; 32]> {
    let text = k.cx.string(node, "hash")?;
    let parsed = match text.split_once(':') {
        Some((algo, hex)) if algo.eq_ignore_ascii_case("sha256") => parse_hex32(hex),
        Some((algo, _)) if !algo.is_empty() && algo.chars().all(|c| c.is_ascii_alphanumeric()) => {
            k.cx.invalid(
                node.pos,
                "hash",
                format!("unsupported hash algorithm \"{algo}\" (only sha256)"),
            );
            return None;
        }
        _ => None,
    };
    if parsed.is_none() {
        k.cx.invalid(
            node.pos,
            "hash",
            "hash must be sha256:<64 hex digits> (see: wisp hash FILE)",
        );
    }
    parsed
}

/// 64 hex digits → 32 bytes.
pub(crate) fn parse_hex32(hex: &str) -> Option<[u8; 32]> {
    let digits = hex.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        *byte = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

fn read_imports(k: &mut KindCx<'_, '_, '_>, node: &Node) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (i, (name, pos)) in
        k.cx.strings(node, "imports")
            .unwrap_or_default()
            .into_iter()
            .enumerate()
    {
        match imports::profile(&name) {
            Ok(p) if !out.contains(&p.name) => out.push(p.name),
            Ok(_) => {}
            Err(e) => k.cx.err(
                pos,
                &format!("imports[{i}]"),
                ErrorCode::UnsupportedImport,
                e.to_string(),
            ),
        }
    }
    out
}

fn read_link(k: &mut KindCx<'_, '_, '_>, node: &Node) -> BTreeMap<String, super::EntryId> {
    let mut out = BTreeMap::new();
    let Some(pairs) = k.cx.string_map(node, "link") else {
        return out;
    };
    for (module, target, pos) in pairs {
        let path = format!("link.{module}");
        if module == imports::PREVIEW1_MODULE || module == imports::PROCESS_MODULE {
            k.cx.invalid(
                pos,
                &path,
                format!("\"{module}\" is a host import module and cannot be linked"),
            );
            continue;
        }
        let target_node = Node {
            value: super::super::yaml::Value::Str(target),
            pos,
        };
        if let Some(id) = k.reference(&target_node, &path, WASM_KINDS) {
            out.insert(module, id);
        }
    }
    out
}

fn read_limits(k: &mut KindCx<'_, '_, '_>) -> Limits {
    let direct = k.f.get("limits").map(|n| limits::read(k.cx, n, "limits"));
    let nested = k.f.get("options").and_then(|n| {
        let o = k.cx.fields(n, "options", &["limits"])?;
        o.get("limits")
            .map(|l| limits::read(k.cx, l, "options.limits"))
    });
    match (direct, nested) {
        (Some(_), Some(_)) => {
            let pos = k.f.get("options").map_or(k.f.pos, |n| n.pos);
            k.cx.invalid(
                pos,
                "options.limits",
                "use either limits or options.limits, not both",
            );
            Limits::default()
        }
        (Some(l), None) | (None, Some(l)) => l,
        (None, None) => Limits::default(),
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`
fn valid_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn read_wasi(k: &mut KindCx<'_, '_, '_>, node: &Node, imports: &[&str]) -> WasiConfig {
    let mut w = WasiConfig::default();
    let Some(f) =
        k.cx.fields(node, "wasi", &["args", "cwd", "env", "mounts", "stdin"])
    else {
        return w;
    };
    if let Some(n) = f.get("args") {
        w.args =
            k.cx.strings(n, "wasi.args")
                .unwrap_or_default()
                .into_iter()
                .map(|(s, _)| s)
                .collect();
    }
    if let Some(n) = f.get("cwd")
        && let Some(cwd) = k.cx.string(n, "wasi.cwd")
    {
        match clean_absolute(&cwd) {
            Some(c) => w.cwd = Some(c),
            None => k.cx.invalid(n.pos, "wasi.cwd", "wasi.cwd must be absolute"),
        }
    }
    if let Some(n) = f.get("stdin") {
        w.stdin = match k.cx.choice(n, "wasi.stdin", "stdin", &["none", "inherit"]) {
            Some("inherit") => Stdin::Inherit,
            _ => Stdin::None,
        };
    }
    if let Some(n) = f.get("env") {
        w.env = read_env(k, n);
        if !w.env.is_empty() && !imports.iter().any(|p| *p == "wasi:cli" || *p == "wasi1") {
            k.cx.invalid(n.pos, "wasi.env", "wasi.env requires imports: wasi:cli");
        }
    }
    if let Some(n) = f.get("mounts") {
        w.mounts = read_mounts(k, n);
        if !w.mounts.is_empty() && !imports.contains(&"wasi:filesystem") {
            k.cx.invalid(
                n.pos,
                "wasi.mounts",
                "wasi.mounts requires imports: wasi:filesystem",
            );
        }
    }
    w
}

fn read_env(k: &mut KindCx<'_, '_, '_>, node: &Node) -> Vec<EnvBinding> {
    let mut out: Vec<EnvBinding> = Vec::new();
    let Some(items) = k.cx.list(node, "wasi.env") else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let here = format!("wasi.env[{i}]");
        let Some(f) = k.cx.fields(item, &here, &["id", "name", "required"]) else {
            continue;
        };
        let id = match f.get("id") {
            Some(n) => k.reference(n, &format!("{here}.id"), &[Kind::EnvVariable]),
            None => {
                k.cx.invalid(f.pos, &format!("{here}.id"), "wasi.env[].id is required");
                None
            }
        };
        let name = match f.get("name") {
            Some(n) => k.cx.string(n, &format!("{here}.name")).map(|s| (s, n.pos)),
            None => {
                k.cx.invalid(
                    f.pos,
                    &format!("{here}.name"),
                    "wasi.env[].name is required",
                );
                None
            }
        };
        let required = f
            .get("required")
            .and_then(|n| k.cx.boolean(n, &format!("{here}.required")));
        let Some((name, pos)) = name else { continue };
        if !valid_env_name(&name) {
            k.cx.invalid(
                pos,
                &format!("{here}.name"),
                format!("{here}.name \"{name}\" is not a valid variable name"),
            );
            continue;
        }
        if out.iter().any(|b| b.name == name) {
            k.cx.invalid(
                pos,
                &format!("{here}.name"),
                format!("wasi.env[].name must be unique (\"{name}\" repeats)"),
            );
            continue;
        }
        if let Some(id) = id {
            out.push(EnvBinding {
                id,
                name,
                required: required.unwrap_or(false),
            });
        }
    }
    out
}

fn read_mounts(k: &mut KindCx<'_, '_, '_>, node: &Node) -> Vec<Mount> {
    let mut out: Vec<Mount> = Vec::new();
    let Some(items) = k.cx.list(node, "wasi.mounts") else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let here = format!("wasi.mounts[{i}]");
        let Some(f) = k.cx.fields(item, &here, &["fs", "guest", "read_only"]) else {
            continue;
        };
        let fs = match f.get("fs") {
            Some(n) => k.reference(n, &format!("{here}.fs"), &[Kind::FsDirectory]),
            None => {
                k.cx.invalid(f.pos, &format!("{here}.fs"), "wasi.mounts[].fs is required");
                None
            }
        };
        let read_only = f
            .get("read_only")
            .and_then(|n| k.cx.boolean(n, &format!("{here}.read_only")));
        let guest = match f.get("guest") {
            Some(n) => k.cx.string(n, &format!("{here}.guest")).map(|s| (s, n.pos)),
            None => {
                k.cx.invalid(
                    f.pos,
                    &format!("{here}.guest"),
                    "wasi.mounts[].guest is required",
                );
                None
            }
        };
        let Some((guest, pos)) = guest else { continue };
        let Some(clean) = clean_absolute(&guest) else {
            k.cx.invalid(
                pos,
                &format!("{here}.guest"),
                "wasi.mounts[].guest must be absolute",
            );
            continue;
        };
        if out.iter().any(|m| m.guest == clean) {
            k.cx.invalid(
                pos,
                &format!("{here}.guest"),
                format!("wasi.mounts[].guest must be unique (\"{guest}\" is {clean} again)"),
            );
            continue;
        }
        if let Some(fs) = fs {
            out.push(Mount {
                fs,
                guest: clean,
                read_only: read_only.unwrap_or(false),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        let h = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
        let b = parse_hex32(h).unwrap();
        assert_eq!(b[0], 0xab);
        assert_eq!(b[31], 0x89);
        assert!(parse_hex32(&h[1..]).is_none());
        assert!(parse_hex32(&h.replace('A', "X")).is_none());
        assert!(parse_hex32("é").is_none());
    }

    #[test]
    fn env_names() {
        assert!(valid_env_name("API_URL"));
        assert!(valid_env_name("_x1"));
        assert!(!valid_env_name("A-B"));
        assert!(!valid_env_name("1A"));
    }
}
