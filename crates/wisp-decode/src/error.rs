//! Decoding errors.

use alloc::string::String;

/// A binary that does not follow the binary format. `Display` includes the
/// byte offset, e.g. `malformed section id (at offset 0x8)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at offset {offset:#x})")]
pub struct DecodeError {
    /// What is wrong, in the spec's wording where the spec tests have one.
    pub message: String,
    /// Byte offset in the binary where the problem was found.
    pub offset: usize,
}

impl DecodeError {
    #[cold]
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        Self {
            message: message.into(),
            offset,
        }
    }
}
