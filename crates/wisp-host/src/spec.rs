//! What to spawn: [`SpawnSpec`] — the module, the method and its
//! arguments, the guest's WASI view (argv, environment, mounts, stdin) and
//! its limits.

use std::path::PathBuf;
use std::sync::Arc;

use crate::limits::Limits;
use crate::value::Value;

/// Where a process's module comes from.
#[derive(Debug, Clone)]
pub enum ModuleSource {
    /// These bytes (binary or text format), checked against `sha256` when
    /// given (before anything is parsed).
    Bytes {
        bytes: Arc<[u8]>,
        sha256: Option<[u8; 32]>,
    },
    /// A file (binary or text format).
    Path(PathBuf),
}

/// A host directory the guest sees at `guest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

/// What fd 0 reads.
#[derive(Debug, Clone, Default)]
pub enum StdinSpec {
    /// End of file at once (the default).
    #[default]
    None,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// A host pipe ([`crate::Host::pipe`]): reading an empty pipe parks
    /// the process until the writer writes or goes away.
    Pipe(wisp_wasi::pipe::PipeReader),
}

/// The guest's WASI view.
#[derive(Debug, Clone, Default)]
pub struct WasiSpec {
    /// argv (argv\[0\] included).
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub mounts: Vec<Mount>,
    pub stdin: StdinSpec,
    /// The preview1 functions that work (from the entry's import
    /// profiles); every other one returns `NOTCAPABLE`. `None`: all.
    pub granted: Option<Vec<String>>,
}

/// Relations a process starts with.
#[derive(Debug, Clone, Default)]
pub struct SpawnOpts {
    /// A name for [`crate::Host::info`] and reports (the entry id).
    pub name: Option<String>,
    /// Link the new process to this one (before it runs).
    pub link_to: Option<crate::Pid>,
    /// Receive a `LinkDown` message instead of dying with a linked process.
    pub trap_links: bool,
}

/// A module instantiated before the process's own module, whose exports
/// satisfy the imports from module `name` (HOST.md §1.6). Each process
/// gets its own instance: nothing is shared between processes.
#[derive(Debug, Clone)]
pub struct LinkedModule {
    /// The import module name it serves.
    pub name: String,
    pub module: ModuleSource,
}

/// Everything [`crate::Host::spawn`] needs.
#[derive(Debug, Clone)]
pub struct SpawnSpec {
    pub module: ModuleSource,
    /// The export to call (`_start` for a WASI command).
    pub method: String,
    pub args: Vec<Value>,
    pub wasi: WasiSpec,
    pub limits: Limits,
    pub opts: SpawnOpts,
    /// Modules to link, dependencies first: each may import from those
    /// before it (and WASI, `wisp:process`, the embedder's functions).
    pub links: Vec<LinkedModule>,
}

impl SpawnSpec {
    /// A WASI command (`_start`) from `bytes`, with `argv`.
    pub fn command(bytes: impl Into<Arc<[u8]>>, argv: Vec<String>) -> Self {
        SpawnSpec {
            module: ModuleSource::Bytes {
                bytes: bytes.into(),
                sha256: None,
            },
            method: "_start".into(),
            args: Vec::new(),
            wasi: WasiSpec {
                args: argv,
                ..WasiSpec::default()
            },
            limits: Limits::default(),
            opts: SpawnOpts::default(),
            links: Vec::new(),
        }
    }

    /// A call of export `method` with `args`.
    pub fn invoke(bytes: impl Into<Arc<[u8]>>, method: &str, args: Vec<Value>) -> Self {
        SpawnSpec {
            method: method.into(),
            args,
            ..SpawnSpec::command(bytes, Vec::new())
        }
    }
}
