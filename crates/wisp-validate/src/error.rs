//! The validator's error type and its `#[cold]` constructors.
//!
//! Messages start with the exact wording of the spec tests' `assert_invalid`
//! expectations (e.g. `type mismatch`, `unknown global 3`) and may continue
//! with detail after a colon, so a runner can match them by prefix.

use alloc::string::String;

/// A module or function that breaks a validation rule. `Display` includes the
/// byte offset, e.g. `type mismatch: expected i32, found i64 (at offset 0x2a)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at offset {offset:#x})")]
pub struct ValidationError {
    /// What is wrong, in the wording of the spec tests' `assert_invalid` where one exists.
    pub message: String,
    /// Byte offset in the module binary where the problem was found.
    pub offset: usize,
    /// True for the few binary-format errors only detectable while reading code
    /// (e.g. `data count section required`): the spec calls these "malformed".
    pub malformed: bool,
}

impl ValidationError {
    /// A validation error: the module is well-formed but breaks a typing rule.
    #[cold]
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        Self {
            message: message.into(),
            offset,
            malformed: false,
        }
    }

    /// A binary-format error discovered while validating (the spec's "malformed").
    #[cold]
    pub fn malformed(message: impl Into<String>, offset: usize) -> Self {
        Self {
            message: message.into(),
            offset,
            malformed: true,
        }
    }

    /// Wraps an error of wasmparser's operator reader: those are always
    /// binary-format problems (truncated code, bad opcodes, bad LEB128s),
    /// worded as the decoder words them (the spec's wording, e.g. "integer
    /// representation too long" rather than wasmparser's "invalid var_i32: ...").
    #[cold]
    pub(crate) fn from_reader(err: &wisp_decode::wasmparser::BinaryReaderError) -> Self {
        let e = wisp_decode::DecodeError::from_reader(err, wisp_decode::ReadContext::Code, &[]);
        Self::malformed(e.message, e.offset)
    }
}

/// Shorthand used throughout the crate.
pub(crate) type Result<T, E = ValidationError> = core::result::Result<T, E>;
