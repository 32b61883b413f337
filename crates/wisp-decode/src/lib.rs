//! Decodes a WebAssembly binary into wisp's own owned [`Module`] representation.
//!
//! Built on `wasmparser`'s `Parser` and section readers (never on its
//! validator). Decoding checks only what the binary format requires — section
//! order and sizes, LEB128 encodings, UTF-8 names, counts that must agree — and
//! reports violations as [`DecodeError`]s that carry the byte offset and use the
//! spec's "malformed" wording where the spec tests expect it. Whether the
//! decoded module is *valid* is `wisp-validate`'s job; function bodies are kept
//! as byte ranges for the validator and the interpreter's translator to read.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod decoder;
mod error;
mod module;

pub use decoder::{decode, wasm_features};
pub use error::{DecodeError, ReadContext};
pub use module::*;
pub use wasmparser;
