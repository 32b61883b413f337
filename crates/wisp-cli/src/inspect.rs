//! `wisp inspect FILE.wasm|ns:entry [--json]` and `wisp hash FILE`
//! (HOST.md §4.1): what a module is made of, without running it.
//!
//! `inspect` prints the module's sha256; its imports with their types and
//! the WASI profile each one needs; its exports with their types; its
//! memories, tables and globals (imported or defined); the start function;
//! the custom section names; and whether it is a WASI command (`_start`),
//! a reactor (`_initialize`) or a library. For a registry entry it also
//! names the method and the declared profiles, and says for each import
//! whether those profiles grant it. `hash` prints `sha256:<hex>`, the form
//! a registry's `hash:` pins.

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};
use wisp_core::{ExternKind, FuncType, GlobalType, MemoryType, Mutability, TableType};
use wisp_decode::{ImportDesc, Module};
use wisp_host::boot::granted_functions;
use wisp_host::registry::imports::{
    PREVIEW1_MODULE, PROCESS_MODULE, preview1_type, suggested_profile,
};
use wisp_host::registry::{EntryId, format_sha256, hash_file, sha256, signature};
use wisp_interp::Config;

use crate::EXIT_ERROR;
use crate::flags::DEFAULT_ROOT;
use crate::load::read_module;

#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// A module file (binary `.wasm` or text `.wat`), or a registry entry
    /// `ns:name` under --root.
    #[arg(value_name = "FILE|ENTRY")]
    target: String,

    /// The registry's root directory, for an entry [default: ./src].
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct HashArgs {
    /// The file to hash (its exact bytes).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// `wisp hash FILE`.
pub(crate) fn hash(args: &HashArgs) -> u8 {
    match hash_file(&args.file) {
        Ok(h) => {
            println!("{h}");
            0
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.file.display());
            EXIT_ERROR
        }
    }
}

/// A registry entry's part of the report.
struct EntryInfo {
    id: EntryId,
    method: String,
    profiles: Vec<&'static str>,
    granted: Vec<String>,
}

/// `wisp inspect`.
pub(crate) fn execute(args: &InspectArgs) -> u8 {
    match inspect(args) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return EXIT_ERROR;
                    }
                }
            } else {
                print!("{}", text(&report));
            }
            0
        }
        Err(code) => code,
    }
}

fn inspect(args: &InspectArgs) -> Result<Json, u8> {
    let path = Path::new(&args.target);
    let (file, entry) = if !path.exists() && args.target.contains(':') {
        let (file, entry) = entry_file(args)?;
        (file, Some(entry))
    } else {
        (path.to_path_buf(), None)
    };
    let fail = |code: &str, message: String| {
        eprintln!("error[{code}]: {message}");
        EXIT_ERROR
    };
    let raw = std::fs::read(&file).map_err(|e| {
        fail(
            "ModuleNotFound",
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    let bytes = read_module(&file).map_err(|e| fail(e.code, e.message))?;
    let m = wisp_decode::decode(&bytes, Config::default().get_features())
        .map_err(|e| fail("ModuleCompileError", format!("{}: {e}", file.display())))?;
    Ok(describe(&file, &raw, &m, entry.as_ref()))
}

/// The module file of registry entry `args.target`.
fn entry_file(args: &InspectArgs) -> Result<(PathBuf, EntryInfo), u8> {
    let id: EntryId = args.target.parse().map_err(|e| {
        eprintln!("error: {}: {e}", args.target);
        crate::EXIT_USAGE
    })?;
    let root = args
        .root
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_ROOT));
    let reg = crate::registry::load(&root)?;
    let Some(w) = reg.get(&id).and_then(|e| e.spec.wasm()) else {
        eprintln!(
            "error: {id}: no process.wasm or function.wasm entry under {}",
            root.display()
        );
        return Err(crate::EXIT_USAGE);
    };
    let fs_root = reg.fs_root(&w.fs).ok_or(EXIT_ERROR)?;
    let info = EntryInfo {
        id,
        method: w.method.clone(),
        profiles: w.imports.clone(),
        granted: granted_functions(&w.imports),
    };
    Ok((fs_root.join(w.path.trim_start_matches('/')), info))
}

/// The index spaces of a module: imported items first, then defined ones.
struct Spaces<'m> {
    funcs: Vec<Option<&'m FuncType>>,
    tables: Vec<(TableType, bool)>,
    memories: Vec<(MemoryType, bool)>,
    globals: Vec<(GlobalType, bool)>,
}

fn spaces(m: &Module) -> Spaces<'_> {
    let ty = |i: u32| m.types.get(i as usize);
    let mut s = Spaces {
        funcs: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
    };
    for i in &m.imports {
        match &i.desc {
            ImportDesc::Func(t) => s.funcs.push(ty(*t)),
            ImportDesc::Table(t) => s.tables.push((*t, true)),
            ImportDesc::Memory(mt) => s.memories.push((*mt, true)),
            ImportDesc::Global(g) => s.globals.push((*g, true)),
            ImportDesc::Tag(_) => {}
        }
    }
    s.funcs.extend(m.functions.iter().map(|t| ty(*t)));
    s.tables.extend(m.tables.iter().map(|t| (t.ty, false)));
    s.memories.extend(m.memories.iter().map(|mt| (*mt, false)));
    s.globals.extend(m.globals.iter().map(|g| (g.ty, false)));
    s
}

fn limits(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("{min}..{max}"),
        None => format!("{min}.."),
    }
}

fn table_type(t: &TableType) -> String {
    format!("table {} {}", t.element, limits(t.min, t.max))
}

fn memory_type(mt: &MemoryType) -> String {
    format!("memory {}", limits(mt.min, mt.max))
}

fn global_type(g: &GlobalType) -> String {
    match g.mutability {
        Mutability::Var => format!("global mut {}", g.content),
        Mutability::Const => format!("global {}", g.content),
    }
}

fn kind_name(k: ExternKind) -> &'static str {
    match k {
        ExternKind::Func => "func",
        ExternKind::Table => "table",
        ExternKind::Memory => "memory",
        ExternKind::Global => "global",
        ExternKind::Tag => "tag",
    }
}

/// The profile an import needs: `wasi:…` for a preview1 function,
/// `wisp:process` for the process API, `null` for anything else (a
/// linked module), and `"unknown"` for a name preview1 does not have.
fn needed_profile(module: &str, name: &str) -> Json {
    if module == PREVIEW1_MODULE {
        match (
            preview1_type(name),
            suggested_profile(PREVIEW1_MODULE, name),
        ) {
            (Some(_), Some(p)) => json!(p),
            _ => json!("unknown"),
        }
    } else if module == PROCESS_MODULE {
        json!("wisp:process")
    } else {
        Json::Null
    }
}

fn describe(file: &Path, raw: &[u8], m: &Module, entry: Option<&EntryInfo>) -> Json {
    let s = spaces(m);
    let func_sig = |i: u32| {
        s.funcs
            .get(i as usize)
            .copied()
            .flatten()
            .map(signature)
            .unwrap_or_default()
    };
    let imports: Vec<Json> = m
        .imports
        .iter()
        .map(|i| {
            let ty = match &i.desc {
                ImportDesc::Func(t) => m.types.get(*t as usize).map(signature).unwrap_or_default(),
                ImportDesc::Table(t) => table_type(t),
                ImportDesc::Memory(mt) => memory_type(mt),
                ImportDesc::Global(g) => global_type(g),
                ImportDesc::Tag(_) => "tag".into(),
            };
            let granted = entry.map(|e| i.module != PREVIEW1_MODULE || e.granted.contains(&i.name));
            json!({
                "module": i.module, "name": i.name, "kind": kind_name(i.desc.kind()),
                "type": ty, "profile": needed_profile(&i.module, &i.name), "granted": granted,
            })
        })
        .collect();
    let exports: Vec<Json> = m
        .exports
        .iter()
        .map(|e| {
            let ty = match e.kind {
                ExternKind::Func => func_sig(e.index),
                ExternKind::Table => s
                    .tables
                    .get(e.index as usize)
                    .map(|t| table_type(&t.0))
                    .unwrap_or_default(),
                ExternKind::Memory => s
                    .memories
                    .get(e.index as usize)
                    .map(|t| memory_type(&t.0))
                    .unwrap_or_default(),
                ExternKind::Global => s
                    .globals
                    .get(e.index as usize)
                    .map(|t| global_type(&t.0))
                    .unwrap_or_default(),
                ExternKind::Tag => "tag".into(),
            };
            json!({ "name": e.name, "kind": kind_name(e.kind), "type": ty })
        })
        .collect();
    let exports_func = |name: &str| {
        m.exports
            .iter()
            .any(|e| e.name == name && e.kind == ExternKind::Func)
    };
    let kind = if exports_func("_start") {
        "command"
    } else if exports_func("_initialize") {
        "reactor"
    } else {
        "library"
    };
    json!({
        "file": file.display().to_string(),
        "entry": entry.map(|e| e.id.to_string()),
        "method": entry.map(|e| e.method.clone()),
        "profiles": entry.map(|e| e.profiles.clone()),
        "size": raw.len(),
        "sha256": format_sha256(&sha256(raw)),
        "kind": kind,
        "imports": imports,
        "exports": exports,
        "functions": { "imported": m.num_imported.funcs, "defined": m.functions.len() },
        "memories": s.memories.iter().enumerate().map(|(i, (mt, imported))| json!({
            "index": i, "min": mt.min, "max": mt.max, "imported": imported,
        })).collect::<Vec<_>>(),
        "tables": s.tables.iter().enumerate().map(|(i, (t, imported))| json!({
            "index": i, "element": t.element.to_string(), "min": t.min, "max": t.max,
            "imported": imported,
        })).collect::<Vec<_>>(),
        "globals": s.globals.iter().enumerate().map(|(i, (g, imported))| json!({
            "index": i, "type": g.content.to_string(),
            "mutable": g.mutability == Mutability::Var, "imported": imported,
        })).collect::<Vec<_>>(),
        "start": m.start.as_ref().map(|st| json!({
            "func": st.func, "name": m.func_name(st.func),
        })),
        "custom_sections": m.customs.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
    })
}

/// The text form of a report.
fn text(r: &Json) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let str_of = |v: &Json| match v {
        Json::String(s) => s.clone(),
        Json::Null => "-".into(),
        v => v.to_string(),
    };
    line(format!(
        "file      {} ({} bytes)",
        str_of(&r["file"]),
        r["size"]
    ));
    line(format!("sha256    {}", str_of(&r["sha256"])));
    line(format!("kind      {}", str_of(&r["kind"])));
    if !r["entry"].is_null() {
        line(format!("entry     {}", str_of(&r["entry"])));
        line(format!("method    {}", str_of(&r["method"])));
        let profiles: Vec<String> = r["profiles"]
            .as_array()
            .map(|a| a.iter().map(str_of).collect())
            .unwrap_or_default();
        line(format!(
            "profiles  {}",
            if profiles.is_empty() {
                "-".into()
            } else {
                profiles.join(", ")
            }
        ));
    }
    line(format!(
        "functions {} imported, {} defined",
        r["functions"]["imported"], r["functions"]["defined"]
    ));
    let list =
        |name: &str, items: &Json, fmt: &dyn Fn(&Json) -> String, line: &mut dyn FnMut(String)| {
            let items = items.as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                line(format!("{name:<9} -"));
            } else {
                line(name.to_string());
                for item in &items {
                    line(format!("  {}", fmt(item)));
                }
            }
        };
    list(
        "imports",
        &r["imports"],
        &|i| {
            let mut s = format!(
                "{}::{}  {}",
                str_of(&i["module"]),
                str_of(&i["name"]),
                str_of(&i["type"])
            );
            if !i["profile"].is_null() {
                s.push_str(&format!("  needs {}", str_of(&i["profile"])));
            }
            if i["granted"] == false {
                s.push_str(" (not granted: answers NOTCAPABLE)");
            }
            s
        },
        &mut line,
    );
    list(
        "exports",
        &r["exports"],
        &|e| match e["kind"].as_str() {
            Some("func") => format!("{}  func {}", str_of(&e["name"]), str_of(&e["type"])),
            _ => format!("{}  {}", str_of(&e["name"]), str_of(&e["type"])),
        },
        &mut line,
    );
    let imported = |i: &Json| {
        if i["imported"] == true {
            " (imported)"
        } else {
            ""
        }
    };
    let range = |i: &Json| match &i["max"] {
        Json::Null => format!("{}..", i["min"]),
        max => format!("{}..{max}", i["min"]),
    };
    list(
        "memories",
        &r["memories"],
        &|m| format!("{}: {} pages{}", m["index"], range(m), imported(m)),
        &mut line,
    );
    list(
        "tables",
        &r["tables"],
        &|t| {
            format!(
                "{}: {} {}{}",
                t["index"],
                str_of(&t["element"]),
                range(t),
                imported(t)
            )
        },
        &mut line,
    );
    list(
        "globals",
        &r["globals"],
        &|g| {
            let m = if g["mutable"] == true { "mut " } else { "" };
            format!("{}: {m}{}{}", g["index"], str_of(&g["type"]), imported(g))
        },
        &mut line,
    );
    let start = match &r["start"] {
        Json::Null => "-".to_string(),
        s => match &s["name"] {
            Json::Null => format!("function {}", s["func"]),
            n => format!("function {} ({})", s["func"], str_of(n)),
        },
    };
    line(format!("start     {start}"));
    let customs: Vec<String> = r["custom_sections"]
        .as_array()
        .map(|a| a.iter().map(str_of).collect())
        .unwrap_or_default();
    line(format!(
        "custom    {}",
        if customs.is_empty() {
            "-".into()
        } else {
            customs.join(", ")
        }
    ));
    out
}
