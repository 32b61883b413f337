//! Load-time checks on the module files of `process.wasm` /
//! `function.wasm` entries (docs/host.md §1.4 "Load-time checks"), in
//! order: locate the file inside its fs, check the pinned sha256 over the
//! exact bytes (before anything parses them), compile, then imports,
//! `method` and the declared memory against `limits`.
//!
//! Modules are compiled once per hash and shared by every entry that pins
//! the same bytes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use wisp_core::{ExternKind, FuncType, ValType};
use wisp_interp::{Engine, Module};

use super::bounds;
use super::error::{ConfigError, ErrorCode};
use super::id::EntryId;
use super::imports::{self, PREVIEW1_MODULE, PROCESS_MODULE};
use super::kinds::Parsed;
use super::load::{ReadError, read_bounded};
use super::model::{Spec, WasmEntry};
use super::paths::{Locate, locate};

/// A compiled module and what the checks need to know about it.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub module: Module,
    /// Exports with the function type for function exports.
    pub exports: Vec<(String, ExternKind, Option<FuncType>)>,
    /// Imports: module, name, and the function type for function imports.
    pub imports: Vec<(String, String, ExternKind, Option<FuncType>)>,
    /// The largest initial page count of any memory (defined or imported).
    pub initial_pages: u64,
}

/// `sha256:<lowercase hex>`.
pub fn format_sha256(hash: &[u8; 32]) -> String {
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in hash {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `(i32,i64)->i32`, the signature shape used in messages.
pub fn signature(t: &FuncType) -> String {
    let list = |v: &[ValType]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let results = match t.results() {
        [] => "()".to_string(),
        [one] => one.to_string(),
        many => format!("({})", list(many)),
    };
    format!("({})->{results}", list(t.params()))
}

struct Checker<'a> {
    entries: &'a [Parsed],
    engine: &'a Engine,
    errors: &'a mut Vec<ConfigError>,
    /// Compiled modules by hash.
    compiled: BTreeMap<[u8; 32], Compiled>,
    /// Entries whose module loaded, and its hash.
    loaded: BTreeMap<EntryId, [u8; 32]>,
}

impl Checker<'_> {
    fn err(&mut self, p: &Parsed, field: &str, code: ErrorCode, message: String) {
        self.errors.push(ConfigError {
            file: p.entry.file.clone(),
            pos: Some(p.pos),
            entry: Some(p.entry.id.to_string()),
            kind: Some(p.entry.kind().as_str().to_string()),
            field: (!field.is_empty()).then(|| field.to_string()),
            code,
            message,
        });
    }

    /// Steps 1–3: find, hash, compile.
    fn load(&mut self, p: &Parsed, w: &WasmEntry, roots: &BTreeMap<EntryId, PathBuf>) {
        let id = &p.entry.id;
        // A missing or wrong-kind fs was reported by the reference checks.
        let Some(root) = roots.get(&w.fs) else { return };
        let file = match locate(root, &w.path) {
            Ok(f) => f,
            Err(Locate::NotFound(host)) => {
                let msg = format!("{} not found in {} ({})", w.path, w.fs, host.display());
                return self.err(p, "path", ErrorCode::ModuleNotFound, msg);
            }
            Err(Locate::Escapes) => {
                let msg = format!("{}: path escapes filesystem root", w.path);
                return self.err(p, "path", ErrorCode::PathEscape, msg);
            }
            Err(Locate::Io(host, e)) => {
                return self.err(
                    p,
                    "path",
                    ErrorCode::Io,
                    format!("cannot read {}: {e}", host.display()),
                );
            }
        };
        let bytes = match read_bounded(&file, bounds::MAX_MODULE_FILE_BYTES) {
            Ok(b) => b,
            Err(ReadError::TooLarge) => {
                let msg = format!(
                    "{} is larger than {} bytes",
                    file.display(),
                    bounds::MAX_MODULE_FILE_BYTES
                );
                return self.err(p, "path", ErrorCode::FileTooLarge, msg);
            }
            Err(ReadError::Io(e)) => {
                return self.err(
                    p,
                    "path",
                    ErrorCode::ModuleNotFound,
                    format!("cannot read {}: {e}", file.display()),
                );
            }
        };
        let actual = sha256(&bytes);
        if actual != w.sha256 {
            let msg = format!(
                "{id}: expected {}, got {}",
                format_sha256(&w.sha256),
                format_sha256(&actual)
            );
            return self.err(p, "hash", ErrorCode::HashMismatch, msg);
        }
        if !self.compiled.contains_key(&actual) {
            match compile(self.engine, &bytes) {
                Ok(c) => {
                    self.compiled.insert(actual, c);
                }
                Err(msg) => return self.err(p, "path", ErrorCode::ModuleCompileError, msg),
            }
        }
        self.loaded.insert(id.clone(), actual);
    }

    /// Steps 4–6 for a loaded entry.
    fn check(&mut self, p: &Parsed, w: &WasmEntry) {
        let Some(c) = self
            .loaded
            .get(&p.entry.id)
            .and_then(|h| self.compiled.get(h))
            .cloned()
        else {
            return;
        };
        self.check_imports(p, w, &c);
        self.check_method(p, w, &c);
        let limit = w.limits.effective().max_memory_pages;
        if c.initial_pages > u64::from(limit) {
            let msg = format!(
                "module declares {} initial pages, limit is {limit}",
                c.initial_pages
            );
            self.err(
                p,
                "limits.max_memory_pages",
                ErrorCode::MemoryLimitError,
                msg,
            );
        }
    }

    fn check_imports(&mut self, p: &Parsed, w: &WasmEntry, c: &Compiled) {
        let strict = w.limits.effective().strict_imports;
        let wasi_profiles = w
            .imports
            .iter()
            .any(|name| imports::profile(name).is_ok_and(|pr| pr.module == PREVIEW1_MODULE));
        let mut reported_no_profile = false;
        for (module, name, kind, ty) in &c.imports {
            let what = format!("{module}::{name}");
            if module == PREVIEW1_MODULE {
                let Some(expected) =
                    imports::preview1_type(name).filter(|_| *kind == ExternKind::Func)
                else {
                    self.err(
                        p,
                        "imports",
                        ErrorCode::UnknownImport,
                        format!("{what} is not a WASI preview1 function"),
                    );
                    continue;
                };
                if let Some(ty) = ty
                    && *ty != expected
                {
                    let msg = format!(
                        "{what} expects {}, module declares {}",
                        signature(&expected),
                        signature(ty)
                    );
                    self.err(p, "imports", ErrorCode::ImportTypeMismatch, msg);
                }
                if !wasi_profiles {
                    if !reported_no_profile {
                        let msg = format!(
                            "module imports {PREVIEW1_MODULE} but entry declares no wasi profile (add imports: [wasi1])"
                        );
                        self.err(p, "imports", ErrorCode::ImportNotEnabled, msg);
                        reported_no_profile = true;
                    }
                } else if strict && !covered(w, PREVIEW1_MODULE, name) {
                    let need = imports::suggested_profile(PREVIEW1_MODULE, name).unwrap_or("wasi1");
                    let msg = format!("{what} needs imports: {need}");
                    self.err(p, "imports", ErrorCode::ImportNotEnabled, msg);
                }
            } else if module == PROCESS_MODULE {
                let known = imports::profile_functions("wisp:process")
                    .is_some_and(|f| f.contains(&name.as_str()));
                if !known || *kind != ExternKind::Func {
                    let msg = format!("{what} is not a wisp:process function");
                    self.err(p, "imports", ErrorCode::UnknownImport, msg);
                } else if !w.has_profile("wisp:process") {
                    self.err(
                        p,
                        "imports",
                        ErrorCode::ImportNotEnabled,
                        format!("{what} needs imports: wisp:process"),
                    );
                }
            } else if let Some(target) = w.link.get(module) {
                self.check_linked(p, &what, target, name, *kind, ty.as_ref());
            } else {
                let msg =
                    format!("{what} (module \"{module}\" is not a host import or a linked module)");
                self.err(p, "imports", ErrorCode::UnknownImport, msg);
            }
        }
    }

    fn check_linked(
        &mut self,
        p: &Parsed,
        what: &str,
        target: &EntryId,
        name: &str,
        kind: ExternKind,
        ty: Option<&FuncType>,
    ) {
        // A target that failed to load has its own errors.
        let Some(t) = self.loaded.get(target).and_then(|h| self.compiled.get(h)) else {
            return;
        };
        let export = t.exports.iter().find(|(n, _, _)| n == name);
        let msg = match export {
            None => Some((
                ErrorCode::UnknownImport,
                format!("{what} ({target} does not export \"{name}\")"),
            )),
            Some((_, k, _)) if *k != kind => Some((
                ErrorCode::ImportTypeMismatch,
                format!(
                    "{what}: {target} exports \"{name}\" as a {}, the module imports a {}",
                    kind_name(*k),
                    kind_name(kind)
                ),
            )),
            Some((_, _, Some(et))) if ty.is_some_and(|t| t != et) => Some((
                ErrorCode::ImportTypeMismatch,
                format!(
                    "{what} expects {}, module declares {}",
                    signature(et),
                    ty.map(signature).unwrap_or_default()
                ),
            )),
            Some(_) => None,
        };
        if let Some((code, msg)) = msg {
            self.err(
                p,
                &format!("link.{}", what.split("::").next().unwrap_or_default()),
                code,
                msg,
            );
        }
    }

    fn check_method(&mut self, p: &Parsed, w: &WasmEntry, c: &Compiled) {
        let func = c
            .exports
            .iter()
            .find(|(n, k, _)| *n == w.method && *k == ExternKind::Func);
        let Some((_, _, Some(ty))) = func else {
            let names: Vec<&str> = c.exports.iter().map(|(n, _, _)| n.as_str()).collect();
            let msg = format!(
                "export \"{}\" not found (exports: {})",
                w.method,
                names.join(", ")
            );
            return self.err(p, "method", ErrorCode::EntrypointError, msg);
        };
        let numeric =
            |v: &ValType| matches!(v, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64);
        let bad = ty
            .params()
            .iter()
            .map(|t| ("param", t))
            .chain(ty.results().iter().map(|t| ("result", t)))
            .find(|(_, t)| !numeric(t));
        if let Some((which, t)) = bad {
            let msg = format!(
                "{} has {t} {which}; only i32/i64/f32/f64 are supported",
                w.method
            );
            self.err(p, "method", ErrorCode::EntrypointError, msg);
        }
    }
}

fn kind_name(k: ExternKind) -> &'static str {
    match k {
        ExternKind::Func => "function",
        ExternKind::Table => "table",
        ExternKind::Memory => "memory",
        ExternKind::Global => "global",
        ExternKind::Tag => "tag",
    }
}

/// Whether a declared profile of `w` links `function` for real.
fn covered(w: &WasmEntry, module: &str, function: &str) -> bool {
    w.imports.iter().any(|name| {
        imports::profile(name).is_ok_and(|p| p.module == module && p.functions.contains(&function))
    })
}

/// Compiles and inspects `bytes` (already hash-verified).
fn compile(engine: &Engine, bytes: &[u8]) -> Result<Compiled, String> {
    let module = Module::new(engine, bytes).map_err(|e| e.to_string())?;
    // The interpreter's Module does not expose export types; decode again
    // (cheap next to translation) to read them.
    let d =
        wisp_decode::decode(bytes, engine.config().get_features()).map_err(|e| e.to_string())?;
    let func_type = |type_index: u32| d.types.get(type_index as usize).cloned();
    let mut funcs: Vec<Option<FuncType>> = Vec::new();
    let mut imports = Vec::with_capacity(d.imports.len());
    let mut initial_pages = 0u64;
    for i in &d.imports {
        let ty = match &i.desc {
            wisp_decode::ImportDesc::Func(t) => {
                let ty = func_type(*t);
                funcs.push(ty.clone());
                ty
            }
            wisp_decode::ImportDesc::Memory(m) => {
                initial_pages = initial_pages.max(m.min);
                None
            }
            _ => None,
        };
        imports.push((i.module.clone(), i.name.clone(), i.desc.kind(), ty));
    }
    funcs.extend(d.functions.iter().map(|t| func_type(*t)));
    for m in &d.memories {
        initial_pages = initial_pages.max(m.min);
    }
    let exports = d
        .exports
        .iter()
        .map(|e| {
            let ty = (e.kind == ExternKind::Func)
                .then(|| funcs.get(e.index as usize).cloned().flatten())
                .flatten();
            (e.name.clone(), e.kind, ty)
        })
        .collect();
    Ok(Compiled {
        module,
        exports,
        imports,
        initial_pages,
    })
}

/// Runs the module checks for every wasm entry. `roots` maps each loaded
/// `fs.directory` to its canonical host root. Returns the compiled modules
/// by hash.
pub(crate) fn check_modules(
    entries: &[Parsed],
    roots: &BTreeMap<EntryId, PathBuf>,
    engine: &Engine,
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<[u8; 32], Compiled> {
    let mut c = Checker {
        entries,
        engine,
        errors,
        compiled: BTreeMap::new(),
        loaded: BTreeMap::new(),
    };
    for p in c.entries {
        if let Some(w) = p.entry.spec.wasm() {
            c.load(p, w, roots);
        }
    }
    for p in c.entries {
        if let Spec::ProcessWasm(w) | Spec::FunctionWasm(w) = &p.entry.spec {
            c.check(p, w);
        }
    }
    c.compiled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let h = sha256(b"abc");
        assert_eq!(
            format_sha256(&h),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let t = FuncType::new([ValType::I32, ValType::I64], [ValType::I32]);
        assert_eq!(signature(&t), "(i32,i64)->i32");
        assert_eq!(signature(&FuncType::new([], [])), "()->()");
        assert_eq!(
            signature(&FuncType::new([], [ValType::I32, ValType::F64])),
            "()->(i32,f64)"
        );
    }
}
