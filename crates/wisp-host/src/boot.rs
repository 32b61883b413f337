//! Boot: a registry `process.wasm` / `function.wasm` entry turned into a
//! [`SpawnSpec`] for [`crate::Host::spawn`], and a `process.host` entry
//! turned into a [`HostBuilder`] (HOST.md §1.4–§1.9, §2.3).
//!
//! What [`spawn_spec`] resolves, at spawn time (so a restarted process sees
//! current env values):
//!
//! - the module: `fs` + `path`, located beneath the fs root (symlinks that
//!   leave it are refused), read whole (at most
//!   [`registry::bounds::MAX_MODULE_FILE_BYTES`]) and handed over with the
//!   pinned sha256, which the host checks before it parses anything;
//! - argv: the entry id, then `wasi.args`; a method without params gets
//!   the string arguments appended (the host does that), one with params
//!   gets them converted to its types;
//! - the environment: `wasi.env` through [`Registry::resolve_env`]
//!   (`EnvMissing` when a required variable is unset);
//! - mounts: each `fs.directory` as its host root, read-only or not;
//! - the granted preview1 functions: the union of the entry's WASI import
//!   profiles (every other function answers `NOTCAPABLE`); with
//!   `strict_imports` a module importing an ungranted function is refused
//!   here with `ImportNotEnabled`;
//! - limits, layered: the caller's (CLI flags), the entry's, the host's
//!   `default_limits`, the built-in defaults;
//! - stdin: `wasi.stdin: inherit` takes the caller's [`StdinSpec`] (the
//!   CLI's pumped host stdin for a foreground process), `none` is empty.
//!
//! # Note
//!
//! Not carried over yet, because [`SpawnSpec`] has no place for them:
//! `wasi.cwd`, `link` (refused with [`BootError::Unsupported`]), the
//! stdio-only restriction of the `wasi1`/`wasi:cli` profiles, and the
//! limits `max_open_files`, `max_mailbox_len` and `max_message_bytes`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::registry::imports::{self, PREVIEW1_MODULE};
use crate::registry::{
    self, EffectiveLimits, EntryId, EnvError, OsEnv, ProcessHost, Registry, Spec, Stdin, WasmEntry,
};
use crate::{
    HostBuilder, Limits, ModuleSource, Mount, OnMemoryLimit, OnOutputLimit, SpawnOpts, SpawnSpec,
    StdinSpec, Value, WasiSpec,
};

/// What the caller adds to an entry when it spawns it.
#[derive(Debug, Clone, Default)]
pub struct BootOptions {
    /// The process's arguments (HOST.md §2.3).
    pub args: Vec<Value>,
    /// Limits above the entry's own (the CLI's flags); unset fields fall
    /// through to the entry, then the host's `default_limits`.
    pub limits: registry::Limits,
    /// The `process.host` whose `default_limits` apply, if any.
    pub host: Option<EntryId>,
    /// What an entry with `wasi.stdin: inherit` reads; entries with
    /// `stdin: none` always read nothing.
    pub stdin: StdinSpec,
}

/// Why an entry could not be turned into a [`SpawnSpec`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BootError {
    #[error("no entry {0}")]
    NoSuchEntry(EntryId),
    #[error("{id} is {kind}, not a process.wasm or function.wasm entry")]
    NotWasm { id: EntryId, kind: &'static str },
    #[error("{0} is not an fs.directory entry")]
    NotFs(EntryId),
    #[error("{path} not found in {fs} ({host})")]
    ModuleNotFound {
        path: String,
        fs: EntryId,
        host: PathBuf,
    },
    #[error("{0}: path escapes filesystem root")]
    PathEscape(String),
    #[error("cannot read {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("required env variable {id} ({name}) is not set")]
    EnvMissing { id: EntryId, name: String },
    #[error("cannot read env file {path}: {message}")]
    EnvStorage { path: PathBuf, message: String },
    #[error("{module}::{name} needs imports: {profile}")]
    ImportNotEnabled {
        module: String,
        name: String,
        profile: &'static str,
    },
    #[error("{0}")]
    Unsupported(String),
}

impl BootError {
    /// The stable error code (`error[Code]: …` on the command line).
    pub fn code(&self) -> &'static str {
        match self {
            BootError::NoSuchEntry(_) => "UnknownEntry",
            BootError::NotWasm { .. } | BootError::NotFs(_) => "WrongKind",
            BootError::ModuleNotFound { .. } => "ModuleNotFound",
            BootError::PathEscape(_) => "PathEscape",
            BootError::Io { .. } => "Io",
            BootError::EnvMissing { .. } => "EnvMissing",
            BootError::EnvStorage { .. } => "EnvStorage",
            BootError::ImportNotEnabled { .. } => "ImportNotEnabled",
            BootError::Unsupported(_) => "ModuleLoadError",
        }
    }
}

impl From<EnvError> for BootError {
    fn from(e: EnvError) -> Self {
        match e {
            EnvError::Missing { id, name } => BootError::EnvMissing { id, name },
            EnvError::File { path, message } => BootError::EnvStorage { path, message },
            // spawn_spec checks the kind before it resolves the env.
            EnvError::NotWasm(id) => BootError::NoSuchEntry(id),
        }
    }
}

/// The [`SpawnSpec`] of wasm entry `id` (see the module docs). `os` is
/// where `env.storage.os` values come from ([`registry::ProcessEnv`] for
/// the real environment).
pub fn spawn_spec(
    reg: &Registry,
    id: &EntryId,
    opts: &BootOptions,
    os: &dyn OsEnv,
) -> Result<SpawnSpec, BootError> {
    let entry = reg
        .get(id)
        .ok_or_else(|| BootError::NoSuchEntry(id.clone()))?;
    let w = entry.spec.wasm().ok_or_else(|| BootError::NotWasm {
        id: id.clone(),
        kind: entry.kind().as_str(),
    })?;
    if let Some((name, _)) = w.link.iter().next() {
        return Err(BootError::Unsupported(format!(
            "link.{name}: linking modules is not supported by the process host yet"
        )));
    }
    let limits = effective_limits(reg, w, opts);
    let bytes = read_module(reg, w)?;
    let granted = granted_functions(&w.imports);
    if limits.strict_imports
        && let Some(module) = reg.module(id)
    {
        check_strict(module, &granted)?;
    }
    let mut args = Vec::with_capacity(1 + w.wasi.args.len());
    args.push(id.to_string());
    args.extend(w.wasi.args.iter().cloned());
    let mounts = w
        .wasi
        .mounts
        .iter()
        .map(|m| {
            let host = reg
                .fs_root(&m.fs)
                .ok_or_else(|| BootError::NotFs(m.fs.clone()))?;
            Ok(Mount {
                host: host.to_path_buf(),
                guest: m.guest.clone(),
                read_only: m.read_only,
            })
        })
        .collect::<Result<Vec<_>, BootError>>()?;
    Ok(SpawnSpec {
        links: Vec::new(),
        module: ModuleSource::Bytes {
            bytes,
            sha256: Some(w.sha256),
        },
        method: w.method.clone(),
        args: opts.args.clone(),
        wasi: WasiSpec {
            args,
            env: reg.resolve_env(id, os)?,
            mounts,
            stdin: match w.wasi.stdin {
                Stdin::Inherit => opts.stdin.clone(),
                Stdin::None => StdinSpec::None,
            },
            granted: Some(granted),
        },
        limits: host_limits(&limits),
        opts: SpawnOpts {
            name: Some(id.to_string()),
            ..SpawnOpts::default()
        },
    })
}

/// The limits a process of `w` runs with: `opts.limits`, then the entry's,
/// then its host's `default_limits`, then the built-in defaults.
fn effective_limits(reg: &Registry, w: &WasmEntry, opts: &BootOptions) -> EffectiveLimits {
    let host_defaults = opts
        .host
        .as_ref()
        .and_then(|h| match reg.get(h).map(|e| &e.spec) {
            Some(Spec::ProcessHost(p)) => Some(p.default_limits),
            _ => None,
        })
        .unwrap_or_default();
    opts.limits.or(&w.limits).or(&host_defaults).effective()
}

/// The host's [`Limits`] for registry limits with every default filled.
pub fn host_limits(l: &EffectiveLimits) -> Limits {
    Limits {
        max_fuel: l.max_fuel,
        timeout: l.max_execution,
        max_memory_pages: Some(u64::from(l.max_memory_pages)),
        on_memory_limit: match l.on_memory_limit {
            registry::OnMemoryLimit::FailGrow => OnMemoryLimit::FailGrow,
            registry::OnMemoryLimit::Trap => OnMemoryLimit::Trap,
        },
        max_table_elements: Some(u64::from(l.max_table_elements)),
        max_call_depth: usize::try_from(l.max_call_depth).ok(),
        max_output_bytes: Some(l.max_output_bytes),
        on_output_limit: match l.on_output_limit {
            registry::OnOutputLimit::Truncate => OnOutputLimit::Truncate,
            registry::OnOutputLimit::Fail => OnOutputLimit::Fail,
        },
        max_open_files: usize::try_from(l.max_open_files).ok(),
        max_mailbox_len: usize::try_from(l.max_mailbox_len).unwrap_or(usize::MAX),
        max_message_size: usize::try_from(l.max_message_bytes).unwrap_or(usize::MAX),
    }
}

/// A [`HostBuilder`] set up as `process.host` entry `h` says (workers,
/// slice fuel).
pub fn host_builder(h: &ProcessHost) -> HostBuilder {
    let mut b = crate::Host::builder().slice_fuel(h.slice_fuel);
    if let Some(n) = h.workers {
        b = b.workers(usize::try_from(n).unwrap_or(usize::MAX));
    }
    b
}

/// The preview1 functions the WASI profiles in `profiles` enable, sorted
/// and without repeats (`wisp:process` adds none).
pub fn granted_functions(profiles: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = profiles
        .iter()
        .filter_map(|p| imports::profile(p).ok())
        .filter(|p| p.module == PREVIEW1_MODULE)
        .flat_map(|p| p.functions.iter().map(|f| (*f).to_string()))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `strict_imports`: every preview1 function the module imports must be
/// granted.
fn check_strict(module: &wisp_interp::Module, granted: &[String]) -> Result<(), BootError> {
    for import in module.imports() {
        if import.module != PREVIEW1_MODULE || granted.contains(&import.name) {
            continue;
        }
        let profile = imports::suggested_profile(PREVIEW1_MODULE, &import.name).unwrap_or("wasi1");
        return Err(BootError::ImportNotEnabled {
            module: import.module,
            name: import.name,
            profile,
        });
    }
    Ok(())
}

/// The bytes of `w`'s module file, located beneath its fs root.
fn read_module(reg: &Registry, w: &WasmEntry) -> Result<Arc<[u8]>, BootError> {
    let root = reg
        .fs_root(&w.fs)
        .ok_or_else(|| BootError::NotFs(w.fs.clone()))?;
    let file = locate(root, &w.path).map_err(|e| match e {
        Located::NotFound(host) => BootError::ModuleNotFound {
            path: w.path.clone(),
            fs: w.fs.clone(),
            host,
        },
        Located::Escapes => BootError::PathEscape(w.path.clone()),
        Located::Io(path, message) => BootError::Io { path, message },
    })?;
    read_bounded(&file, registry::bounds::MAX_MODULE_FILE_BYTES).map(Arc::from)
}

enum Located {
    NotFound(PathBuf),
    Escapes,
    Io(PathBuf, String),
}

/// `inside` (absolute, already cleaned at load) beneath `root` (canonical),
/// checked again after following symlinks: the tree may have changed since
/// the registry was loaded.
fn locate(root: &Path, inside: &str) -> Result<PathBuf, Located> {
    let joined = root.join(inside.trim_start_matches('/'));
    match joined.canonicalize() {
        Ok(real) if real.starts_with(root) => Ok(real),
        Ok(_) => Err(Located::Escapes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Located::NotFound(joined)),
        Err(e) => Err(Located::Io(joined, e.to_string())),
    }
}

/// Reads at most `limit` bytes; a longer file is an error (never trusts
/// the size the file system reports).
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, BootError> {
    let io = |e: std::io::Error| BootError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(BootError::Io {
            path: path.to_path_buf(),
            message: format!("larger than {limit} bytes"),
        });
    }
    Ok(bytes)
}

/// A [`crate::HostBuilder::resolver`] over `reg`: a guest's
/// `wisp:process.spawn("ns:entry", …)` spawns that entry as
/// [`spawn_spec`] builds it (limits from the entry and `host`'s
/// defaults; no stdin; the process environment for env values).
pub fn resolver(
    reg: std::sync::Arc<Registry>,
    host: Option<EntryId>,
) -> impl Fn(&str, Vec<Value>) -> Result<SpawnSpec, String> + Send + Sync + 'static {
    move |entry, args| {
        let id: EntryId = entry
            .parse()
            .map_err(|e| format!("{entry:?} is not an entry id: {e}"))?;
        let opts = BootOptions {
            args,
            limits: registry::Limits::default(),
            host: host.clone(),
            stdin: StdinSpec::None,
        };
        spawn_spec(&reg, &id, &opts, &registry::ProcessEnv).map_err(|e| e.to_string())
    }
}
