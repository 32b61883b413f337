//! Errors of the host API, each with a stable code (HOST.md §5.2).

use crate::value::ArgError;

/// Why a process could not be spawned (Init failed: no pid exists).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    #[error("module not found: {0}")]
    ModuleNotFound(String),
    #[error("hash mismatch for {what}: expected sha256:{expected}, the file has sha256:{actual}")]
    HashMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("cannot compile the module: {0}")]
    ModuleCompile(String),
    #[error("{0}")]
    Entrypoint(String),
    #[error("{0}")]
    Args(ArgError),
    #[error("{0}")]
    UnknownImport(String),
    #[error("{0}")]
    MemoryLimit(String),
    #[error("cannot instantiate the module: {0}")]
    Instantiate(String),
    #[error("{0}")]
    Filesystem(String),
    #[error("cannot set up WASI: {0}")]
    Wasi(String),
    #[error("the host is shutting down")]
    ShuttingDown,
    #[error("cannot link to {0}: no such process")]
    LinkTarget(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl SpawnError {
    /// The stable error code (`error[Code]: …` on the command line).
    pub fn code(&self) -> &'static str {
        match self {
            SpawnError::ModuleNotFound(_) => "ModuleNotFound",
            SpawnError::HashMismatch { .. } => "HashMismatch",
            SpawnError::ModuleCompile(_) => "ModuleCompileError",
            SpawnError::Entrypoint(_) | SpawnError::Args(_) => "EntrypointError",
            SpawnError::UnknownImport(_) => "UnknownImport",
            SpawnError::MemoryLimit(_) => "MemoryLimitError",
            SpawnError::Instantiate(_) => "ModuleLoadError",
            SpawnError::Filesystem(_) => "FilesystemError",
            SpawnError::Wasi(_) => "WASIError",
            SpawnError::ShuttingDown => "HostFull",
            SpawnError::LinkTarget(_) => "LinkError",
            SpawnError::Internal(_) => "UnknownModuleError",
        }
    }
}

/// A pid the host does not know (never spawned, or forgotten).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no such process: {0}")]
pub struct NotFound(pub crate::pid::Pid);
