//! The registry: every `_index.yaml` under a root, read, checked and
//! resolved into typed entries (docs/host.md §1).
//!
//! [`Registry::load`] is all-or-nothing: it returns a [`Registry`] only if
//! every file and entry is valid, and otherwise [`ConfigErrors`] with every
//! problem found, each naming file, line/column, entry, field, a stable
//! code and a message. Module files of wasm entries are located, hashed
//! (before anything parses them) and compiled once per hash.
//!
//! Files: `yaml.rs` (the only YAML reader, bounded), `fields.rs` (typed
//! reads that collect errors), `kinds/` (one parser per entry family),
//! `load.rs` (directory walk, index files), `resolve.rs` (references,
//! commands, cycles), `modules.rs` (hash, compile, imports, method,
//! memory), `env.rs` (env values at spawn), `imports.rs` (WASI profiles),
//! `limits.rs`, `model.rs`.

pub mod bounds;
mod env;
pub mod error;
mod fields;
pub mod id;
pub mod imports;
mod kinds;
pub mod limits;
mod load;
pub mod model;
mod modules;
mod paths;
mod resolve;
pub mod units;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wisp_interp::{Config, Engine, Module};

pub use env::{EnvError, OsEnv, ProcessEnv};
pub use error::{ConfigError, ConfigErrors, ErrorCode, Pos};
pub use id::{EntryId, IdError};
pub use imports::{ImportRefusal, Profile, profile, profile_functions};
pub use limits::{EffectiveLimits, Limits, OnMemoryLimit, OnOutputLimit};
pub use load::{INDEX_FILE, INDEX_VERSION};
pub use model::*;
pub use modules::{format_sha256, sha256, signature};
pub use resolve::RESERVED_COMMANDS;

/// How to load a registry.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The engine modules are compiled with; processes must run on it.
    /// Default: fuel metering on, everything else default.
    pub engine: Engine,
    /// Locate, hash and compile module files (default `true`). With
    /// `false` only the YAML is checked.
    pub check_modules: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        let mut config = Config::default();
        config.consume_fuel(true);
        LoadOptions {
            engine: Engine::new(&config),
            check_modules: true,
        }
    }
}

/// A loaded, fully checked registry.
#[derive(Debug, Clone)]
pub struct Registry {
    root: PathBuf,
    entries: BTreeMap<EntryId, Entry>,
    /// Compiled modules by sha256.
    modules: BTreeMap<[u8; 32], Module>,
    warnings: Vec<ConfigError>,
    engine: Engine,
}

/// One row of `wisp run list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRow {
    pub name: String,
    pub entry: EntryId,
    pub description: String,
}

/// Why `wisp run <name>` cannot pick a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliHostError {
    #[error("CLI commands need a terminal.host and a process.host entry")]
    NoHosts,
    #[error("several process.host entries; pass --host")]
    Ambiguous,
    #[error("--host {0}: no such process.host entry")]
    NotFound(String),
}

impl Registry {
    /// Loads every `_index.yaml` under `root` with default options.
    pub fn load(root: impl AsRef<Path>) -> Result<Registry, ConfigErrors> {
        Registry::load_with(root, &LoadOptions::default())
    }

    /// Loads every `_index.yaml` under `root`.
    pub fn load_with(
        root: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<Registry, ConfigErrors> {
        let root = root.as_ref();
        let mut loaded = load::Loaded::default();
        if !root.is_dir() {
            let msg = "registry root is not a directory (pass --root DIR)".to_string();
            loaded
                .errors
                .push(ConfigError::file(root, None, ErrorCode::Io, msg));
            return Err(finish(loaded.errors));
        }
        let files = load::find_index_files(root, &mut loaded.errors);
        let mut first_seen = BTreeMap::new();
        for file in &files {
            load::read_index(file, &mut loaded, &mut first_seen);
        }
        let kinds: BTreeMap<EntryId, Kind> = loaded
            .entries
            .iter()
            .map(|p| (p.entry.id.clone(), p.entry.kind()))
            .collect();
        resolve::check_references(&loaded.entries, &kinds, &mut loaded.errors);
        resolve::check_commands(&loaded.entries, &mut loaded.errors);
        resolve::check_cycles(&loaded.entries, &mut loaded.errors);
        let mut modules = BTreeMap::new();
        if options.check_modules {
            let roots: BTreeMap<EntryId, PathBuf> = loaded
                .entries
                .iter()
                .filter_map(|p| match &p.entry.spec {
                    Spec::FsDirectory(fs) => Some((p.entry.id.clone(), fs.root.clone())),
                    _ => None,
                })
                .collect();
            let compiled = modules::check_modules(
                &loaded.entries,
                &roots,
                &options.engine,
                &mut loaded.errors,
            );
            modules = compiled.into_iter().map(|(h, c)| (h, c.module)).collect();
        }
        if !loaded.errors.is_empty() {
            return Err(finish(loaded.errors));
        }
        let mut warnings = loaded.warnings;
        sort(&mut warnings);
        Ok(Registry {
            root: root.to_path_buf(),
            entries: loaded
                .entries
                .into_iter()
                .map(|p| (p.entry.id.clone(), p.entry))
                .collect(),
            modules,
            warnings,
            engine: options.engine.clone(),
        })
    }

    /// The root directory it was loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every entry, sorted by id.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub fn get(&self, id: &EntryId) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// Warnings (ignored fields kept for compatibility); load succeeded.
    pub fn warnings(&self) -> &[ConfigError] {
        &self.warnings
    }

    /// The engine every module was compiled with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compiled module of a wasm entry (shared by every entry that pins
    /// the same hash). `None` if `id` is not a wasm entry or modules were
    /// not checked.
    pub fn module(&self, id: &EntryId) -> Option<&Module> {
        let w = self.get(id)?.spec.wasm()?;
        self.modules.get(&w.sha256)
    }

    /// How many distinct modules were compiled.
    pub fn module_count(&self) -> usize {
        self.modules.len()
    }

    /// The host directory of an `fs.directory` entry.
    pub fn fs_root(&self, id: &EntryId) -> Option<&Path> {
        match &self.get(id)?.spec {
            Spec::FsDirectory(fs) => Some(&fs.root),
            _ => None,
        }
    }

    /// The rows of `wisp run list`: one per `meta.command`, sorted by name.
    pub fn commands(&self) -> Vec<CommandRow> {
        let mut rows: Vec<CommandRow> = self
            .entries
            .values()
            .filter_map(|e| {
                let c = e.command.as_ref()?;
                Some(CommandRow {
                    name: c.name.clone(),
                    entry: e.id.clone(),
                    description: c.short.clone(),
                })
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        rows
    }

    /// The entry behind `wisp run <name>`.
    pub fn command(&self, name: &str) -> Option<&Entry> {
        self.entries
            .values()
            .find(|e| e.command.as_ref().is_some_and(|c| c.name == name))
    }

    /// Entries of one kind, sorted by id.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.entries.values().filter(move |e| e.kind() == kind)
    }

    /// The process host `wisp run <name>` runs on: needs a `terminal.host`
    /// and a `process.host`; with several process hosts, `--host` picks one
    /// (a full id, or a bare name if unambiguous).
    pub fn cli_host(&self, host: Option<&str>) -> Result<&EntryId, CliHostError> {
        let hosts: Vec<&EntryId> = self.of_kind(Kind::ProcessHost).map(|e| &e.id).collect();
        if hosts.is_empty() || self.of_kind(Kind::TerminalHost).next().is_none() {
            return Err(CliHostError::NoHosts);
        }
        match host {
            Some(h) => {
                let found: Vec<&EntryId> = hosts
                    .into_iter()
                    .filter(|id| id.to_string() == h || id.name() == h)
                    .collect();
                match found.as_slice() {
                    [one] => Ok(one),
                    [] => Err(CliHostError::NotFound(h.to_string())),
                    _ => Err(CliHostError::Ambiguous),
                }
            }
            None => match hosts.as_slice() {
                [one] => Ok(one),
                _ => Err(CliHostError::Ambiguous),
            },
        }
    }
}

/// `sha256:<hex>` of a file, as `wisp hash FILE` prints it.
pub fn hash_file(path: impl AsRef<Path>) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(format_sha256(&sha256(&bytes)))
}

fn sort(errors: &mut [ConfigError]) {
    errors.sort_by(|a, b| (&a.file, a.pos).cmp(&(&b.file, b.pos)));
}

fn finish(mut errors: Vec<ConfigError>) -> ConfigErrors {
    sort(&mut errors);
    ConfigErrors { errors }
}
