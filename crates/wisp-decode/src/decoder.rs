//! The decoder: walks wasmparser's `Parser` payloads and fills a [`Module`].

use crate::{DecodeError, Module};

/// Decodes `bytes` into a [`Module`] with the given proposals enabled.
pub fn decode(bytes: &[u8], features: &wisp_core::Features) -> Result<Module, DecodeError> {
    let _ = (bytes, features);
    todo!("decoder")
}
