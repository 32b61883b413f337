//! The interpreter's errors: compile errors wrapped from the lower crates,
//! link errors, and traps with a Wasm backtrace.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use wisp_core::TrapCode;
use wisp_decode::DecodeError;
use wisp_validate::ValidationError;

/// Every way an embedding call can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The binary is malformed.
    #[error("malformed module: {0}")]
    Decode(#[from] DecodeError),
    /// The module is invalid, or (when [`ValidationError::malformed`] is set)
    /// malformed in a function body, which is read only while validating.
    #[error("{kind} module: {0}", kind = if .0.malformed { "malformed" } else { "invalid" })]
    Validate(#[from] ValidationError),
    /// Translation hit an implementation limit of the interpreter.
    #[error("module exceeds an implementation limit: {0}")]
    Limit(String),
    /// A store resource limit ([`crate::StoreLimits`]) refused an entity or a size.
    #[error(transparent)]
    ResourceLimit(#[from] crate::limits::LimitError),
    /// Imports could not be resolved.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Execution trapped (during a call, or during instantiation).
    #[error(transparent)]
    Trap(#[from] Trap),
    /// Fuel ran out in a call that cannot be resumed ([`crate::Func::call`]);
    /// use [`crate::Func::call_resumable`] to resume instead.
    #[error("out of fuel ({consumed}/{total})")]
    OutOfFuel { consumed: u64, total: u64 },
    /// A host function asked to suspend in a call that cannot be resumed.
    #[error("host function `{func}` suspended, but the call is not resumable")]
    HostSuspended { func: String },
    /// Fuel was used while fuel metering is off.
    #[error("fuel metering is not enabled in this engine's config")]
    FuelDisabled,
    /// An API call was given a value of the wrong type or arity.
    #[error("{0}")]
    Api(String),
}

/// An import that could not be satisfied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("unknown import: `{module}::{name}` has not been defined")]
    UnknownImport { module: String, name: String },
    #[error("incompatible import type for `{module}::{name}`: expected {expected}, found {found}")]
    IncompatibleImportType {
        module: String,
        name: String,
        expected: String,
        found: String,
    },
    #[error("duplicate definition of `{module}::{name}` in the linker")]
    Duplicate { module: String, name: String },
}

/// What a trap was caused by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrapKind {
    /// A spec trap condition.
    Code(TrapCode),
    /// A host function trapped with a message.
    Host(String),
}

/// One frame of a Wasm backtrace, innermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// The function's index in its module's function index space.
    pub func_index: u32,
    /// The function's name from the module's `name` section, if any.
    pub func_name: Option<String>,
    /// The module's name from its `name` section, if any.
    pub module_name: Option<String>,
    /// The byte offset, in the module binary, of the operator this frame
    /// was executing (the trapping one, or the call), when known.
    pub code_offset: Option<u32>,
}

/// A trap: its cause and the Wasm backtrace at the point it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    pub kind: TrapKind,
    pub backtrace: Vec<FrameInfo>,
}

impl Trap {
    #[cold]
    pub fn new(code: TrapCode) -> Self {
        Self {
            kind: TrapKind::Code(code),
            backtrace: Vec::new(),
        }
    }

    #[cold]
    pub fn host(message: impl Into<String>) -> Self {
        Self {
            kind: TrapKind::Host(message.into()),
            backtrace: Vec::new(),
        }
    }

    /// The spec trap code, if this is a spec trap.
    pub fn code(&self) -> Option<TrapCode> {
        match self.kind {
            TrapKind::Code(c) => Some(c),
            TrapKind::Host(_) => None,
        }
    }
}

impl From<TrapCode> for Trap {
    fn from(code: TrapCode) -> Self {
        Trap::new(code)
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TrapKind::Code(c) => write!(f, "{c}")?,
            TrapKind::Host(m) => f.write_str(m)?,
        }
        if !self.backtrace.is_empty() {
            f.write_str("\nwasm backtrace:")?;
            for (i, fr) in self.backtrace.iter().enumerate() {
                write!(f, "\n  {i}: ")?;
                if let Some(m) = &fr.module_name {
                    write!(f, "{m}!")?;
                }
                match &fr.func_name {
                    Some(n) => write!(f, "{n}")?,
                    None => write!(f, "<wasm function {}>", fr.func_index)?,
                }
            }
        }
        Ok(())
    }
}

impl core::error::Error for Trap {}
