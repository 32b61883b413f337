//! The typed registry model: one struct per entry kind (docs/host.md
//! §1.2–§1.9). Everything here has been checked: ids resolve, references
//! point at entries of the right kind, paths are normalised, hashes are
//! verified (for wasm entries loaded with module checks).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::id::EntryId;
use super::limits::Limits;

/// The kinds of entry wisp knows (v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    FsDirectory,
    EnvStorageOs,
    EnvStorageStatic,
    EnvStorageFile,
    EnvVariable,
    ProcessHost,
    TerminalHost,
    ProcessWasm,
    FunctionWasm,
    ProcessService,
    ProcessSupervisor,
    PgScope,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::FsDirectory,
        Kind::EnvStorageOs,
        Kind::EnvStorageStatic,
        Kind::EnvStorageFile,
        Kind::EnvVariable,
        Kind::ProcessHost,
        Kind::TerminalHost,
        Kind::ProcessWasm,
        Kind::FunctionWasm,
        Kind::ProcessService,
        Kind::ProcessSupervisor,
        Kind::PgScope,
    ];

    /// The `kind:` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FsDirectory => "fs.directory",
            Kind::EnvStorageOs => "env.storage.os",
            Kind::EnvStorageStatic => "env.storage.static",
            Kind::EnvStorageFile => "env.storage.file",
            Kind::EnvVariable => "env.variable",
            Kind::ProcessHost => "process.host",
            Kind::TerminalHost => "terminal.host",
            Kind::ProcessWasm => "process.wasm",
            Kind::FunctionWasm => "function.wasm",
            Kind::ProcessService => "process.service",
            Kind::ProcessSupervisor => "process.supervisor",
            Kind::PgScope => "pg.scope",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether this is one of the env storage kinds.
    pub fn is_env_storage(self) -> bool {
        matches!(
            self,
            Kind::EnvStorageOs | Kind::EnvStorageStatic | Kind::EnvStorageFile
        )
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One registry entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: EntryId,
    /// The `_index.yaml` that defines it.
    pub file: PathBuf,
    /// The line of the entry in that file.
    pub line: u32,
    /// `meta.command`, if the entry is a CLI command.
    pub command: Option<Command>,
    /// The rest of `meta`, free-form.
    pub meta: BTreeMap<String, MetaValue>,
    pub spec: Spec,
}

impl Entry {
    pub fn kind(&self) -> Kind {
        self.spec.kind()
    }
}

/// A free-form `meta` value.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<MetaValue>),
    Map(Vec<(String, MetaValue)>),
}

/// `meta.command`: the entry runs as `wisp run <name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// `[a-z][a-z0-9-]*`, unique in the registry, not `list`.
    pub name: String,
    /// One-line description shown by `wisp run list`.
    pub short: String,
}

/// The kind-specific part of an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    FsDirectory(FsDirectory),
    EnvStorageOs,
    EnvStorageStatic(StaticStorage),
    EnvStorageFile(FileStorage),
    EnvVariable(EnvVariable),
    ProcessHost(ProcessHost),
    TerminalHost,
    ProcessWasm(WasmEntry),
    FunctionWasm(WasmEntry),
    ProcessService(Service),
    ProcessSupervisor(Supervisor),
    PgScope,
}

impl Spec {
    pub fn kind(&self) -> Kind {
        match self {
            Spec::FsDirectory(_) => Kind::FsDirectory,
            Spec::EnvStorageOs => Kind::EnvStorageOs,
            Spec::EnvStorageStatic(_) => Kind::EnvStorageStatic,
            Spec::EnvStorageFile(_) => Kind::EnvStorageFile,
            Spec::EnvVariable(_) => Kind::EnvVariable,
            Spec::ProcessHost(_) => Kind::ProcessHost,
            Spec::TerminalHost => Kind::TerminalHost,
            Spec::ProcessWasm(_) => Kind::ProcessWasm,
            Spec::FunctionWasm(_) => Kind::FunctionWasm,
            Spec::ProcessService(_) => Kind::ProcessService,
            Spec::ProcessSupervisor(_) => Kind::ProcessSupervisor,
            Spec::PgScope => Kind::PgScope,
        }
    }

    /// The wasm config of a `process.wasm` / `function.wasm` entry.
    pub fn wasm(&self) -> Option<&WasmEntry> {
        match self {
            Spec::ProcessWasm(w) | Spec::FunctionWasm(w) => Some(w),
            _ => None,
        }
    }
}

/// `fs.directory`: a host directory exposed as a filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsDirectory {
    /// As written.
    pub directory: String,
    /// Resolved (absolute, symlinks followed) host path.
    pub root: PathBuf,
    pub auto_init: bool,
    /// Unix permission bits for `auto_init` (default 0o755).
    pub mode: u32,
    pub base: DirBase,
}

/// What a relative `fs.directory` path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirBase {
    /// The folder of the defining `_index.yaml` (default).
    Module,
    /// The process's current directory.
    Project,
}

/// `env.storage.static`: fixed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticStorage {
    pub values: BTreeMap<String, String>,
}

/// `env.storage.file`: `KEY=VALUE` lines, read at spawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStorage {
    /// Resolved host path (relative `file_path`s resolve against the
    /// defining `_index.yaml`'s folder).
    pub path: PathBuf,
    pub auto_create: bool,
}

/// `env.variable`: a named value in a storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVariable {
    /// The key looked up in the storage (`[A-Za-z0-9_]+`).
    pub variable: String,
    /// An `env.storage.*` entry.
    pub storage: EntryId,
    pub default: Option<String>,
}

/// `process.host`: a scheduler instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessHost {
    /// Worker threads; `None` means `available_parallelism()`.
    pub workers: Option<u32>,
    pub slice_fuel: u64,
    pub queue_size: u32,
    pub max_processes: u64,
    pub default_limits: Limits,
    pub auto_start: bool,
}

impl ProcessHost {
    pub const DEFAULT_SLICE_FUEL: u64 = 20_000;
    pub const DEFAULT_QUEUE_SIZE: u32 = 1024;
    pub const DEFAULT_MAX_PROCESSES: u64 = 100_000;
}

/// `process.wasm` / `function.wasm`.
#[derive(Debug, Clone, PartialEq)]
pub struct WasmEntry {
    /// An `fs.directory` entry.
    pub fs: EntryId,
    /// Normalised absolute path inside `fs` (`/worker.wasm`).
    pub path: String,
    /// The pinned SHA-256 (from `hash: sha256:<hex>`).
    pub sha256: [u8; 32],
    /// The exported function to run.
    pub method: String,
    /// Canonical profile names from `imports`, deduplicated, in order.
    pub imports: Vec<&'static str>,
    /// `link`: import module name → a wasm entry that provides it.
    pub link: BTreeMap<String, EntryId>,
    pub wasi: WasiConfig,
    /// From `limits` or `options.limits`.
    pub limits: Limits,
}

impl WasmEntry {
    /// Whether `imports` lists this profile (canonical name).
    pub fn has_profile(&self, name: &str) -> bool {
        self.imports.contains(&name)
    }
}

/// The `wasi:` block of a wasm entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WasiConfig {
    pub args: Vec<String>,
    /// Absolute guest path.
    pub cwd: Option<String>,
    pub env: Vec<EnvBinding>,
    pub mounts: Vec<Mount>,
    pub stdin: Stdin,
}

/// One `wasi.env[]` item: guest variable `name` takes the value of
/// `env.variable` entry `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvBinding {
    pub id: EntryId,
    pub name: String,
    pub required: bool,
}

/// One `wasi.mounts[]` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// An `fs.directory` entry.
    pub fs: EntryId,
    /// Cleaned absolute guest path (`/data`).
    pub guest: String,
    pub read_only: bool,
}

/// Where a process's stdin comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stdin {
    /// Empty (EOF at once). The default.
    #[default]
    None,
    /// The host's stdin (only under `wisp run <name>`).
    Inherit,
}

/// An argument given to a process (`input:`).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i128),
    Float(f64),
    Str(String),
    Bool(bool),
}

/// Lifecycle of services, supervisors and hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    pub auto_start: bool,
    pub start_timeout: Duration,
    pub stop_timeout: Duration,
    pub stable_threshold: Duration,
    /// Entries that must be started first.
    pub requires: Vec<EntryId>,
    pub restart: RestartPolicy,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            auto_start: false,
            start_timeout: Duration::from_secs(10),
            stop_timeout: Duration::from_secs(10),
            stable_threshold: Duration::from_secs(5),
            requires: Vec::new(),
            restart: RestartPolicy::default(),
        }
    }
}

/// A service's restart backoff (Wippy's shape).
#[derive(Debug, Clone, PartialEq)]
pub struct RestartPolicy {
    pub initial_delay: Duration,
    pub max_delay: Duration,
    pub backoff_factor: f64,
    /// Relative ± jitter, 0..=1.
    pub jitter: f64,
    /// 0 = retry forever.
    pub max_attempts: u32,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(90),
            backoff_factor: 2.0,
            jitter: 0.1,
            max_attempts: 0,
        }
    }
}

/// `process.service`: one supervised process.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// A `process.wasm` entry.
    pub process: EntryId,
    /// A `process.host` entry.
    pub host: EntryId,
    pub input: Vec<Arg>,
    pub lifecycle: Lifecycle,
}

/// `process.supervisor`: OTP-style supervisor.
#[derive(Debug, Clone, PartialEq)]
pub struct Supervisor {
    pub host: EntryId,
    pub strategy: Strategy,
    /// Max restarts within `period` before the supervisor gives up.
    pub intensity: u32,
    pub period: Duration,
    pub restart_delay: Duration,
    pub children: Vec<Child>,
    pub lifecycle: Lifecycle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    OneForOne,
    OneForAll,
    RestForOne,
}

/// One supervisor child.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// Unique within the supervisor.
    pub id: String,
    pub target: ChildTarget,
    pub input: Vec<Arg>,
    pub restart: ChildRestart,
    pub shutdown: Shutdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildTarget {
    /// A `process.wasm` entry.
    Process(EntryId),
    /// A `process.supervisor` entry.
    Supervisor(EntryId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildRestart {
    Permanent,
    Transient,
    Temporary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    BrutalKill,
    /// Cancel, then kill after this long (default 5 s).
    Timeout(Duration),
    /// Wait forever (supervisor children only).
    Infinity,
}
