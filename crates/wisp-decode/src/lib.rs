//! Decodes a WebAssembly binary into wisp's own owned [`Module`] representation.
//!
//! Built on `wasmparser`'s `Parser` and section readers (never on its
//! validator). Decoding checks only what the binary format requires — section
//! order and sizes, LEB128 encodings, UTF-8 names, counts that must agree — and
//! reports violations as [`DecodeError`]s that carry the byte offset and use the
//! spec's "malformed" wording where the spec tests expect it. Whether the
//! decoded module is *valid* is `wisp-validate`'s job; function bodies are kept
//! as byte ranges for the validator and the interpreter's translator to read.
//!
//! - [`decode`] turns bytes into a [`Module`] (which keeps a copy of them;
//!   [`decode_detached`] does not, for callers that keep the binary);
//! - [`Module::operators_reader`] reads a body's instructions with the same
//!   wasmparser features the module was decoded with ([`wasm_features`]);
//! - [`DecodeError::from_reader`] words any wasmparser reader error (e.g. one
//!   met while reading operators) the way the decoder does.
//!
//! Proposals beyond Wasm 2.0 that wisp does not implement (SIMD, GC types,
//! exception-handling tags, memory64, threads' shared memories, custom page
//! sizes, function-references table initialisers) are rejected here, with a
//! message that names the proposal. Multiple memories are decoded: rejecting
//! them is validation's job, as in the spec tests.
#![no_std]
#![forbid(unsafe_code)]
// The crate reads untrusted bytes: nothing outside tests may panic on them.
// Clippy enforces it (no unwrap/expect/panic, no indexing or slicing that can
// be out of range, no arithmetic that can overflow); see the hostile-input
// suite in `wisp-interp/tests/hostile` for the inputs this guards against.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod decoder;
mod error;
mod module;

pub use decoder::{decode, decode_detached, wasm_features};
pub use error::{DecodeError, ReadContext};
pub use module::*;
pub use wasmparser;
