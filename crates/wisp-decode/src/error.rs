//! Decoding errors, and the translation of wasmparser's reader errors into the
//! spec's wording.
//!
//! wasmparser's binary reader already detects almost every malformation the
//! spec's `assert_malformed` tests exercise, but words some of them
//! differently ("invalid var_u32: integer too large" where the spec says
//! "integer too large", "section out of order" where the spec says "unexpected
//! content after last section"). [`DecodeError::from_reader`] rewrites those
//! messages once, here, so every caller (the decoder, and the validator when it
//! reads operators) reports binary-format errors the same way.

use alloc::format;
use alloc::string::{String, ToString};

use wasmparser::BinaryReaderError;

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

/// Where a reader error happened; decides the wording of context-dependent
/// messages (an unknown external kind is a "malformed import kind" in the
/// import section and a "malformed export kind" in the export section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadContext {
    /// The module header and section headers, read by wasmparser's `Parser`.
    Module,
    /// The contents of a section not listed below.
    Section,
    /// The import section.
    Imports,
    /// The export section.
    Exports,
    /// A function body (locals or operators).
    Code,
}

impl DecodeError {
    /// An error with the given message at byte `offset`.
    #[cold]
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        Self {
            message: message.into(),
            offset,
        }
    }

    /// Converts an error of wasmparser's binary reader, rewording it in the
    /// spec's terms where they differ.
    ///
    /// `bytes` is the whole binary the reader was reading (offsets of
    /// wasmparser errors are relative to its start). Running out of bytes
    /// inside a section or function (whose size is declared) is an "unexpected
    /// end of section or function"; while reading the module's header or
    /// section headers it is an "unexpected end" when the binary itself is
    /// truncated, and a "length out of bounds" when a declared size reaches
    /// past its end.
    #[cold]
    pub fn from_reader(err: &BinaryReaderError, ctx: ReadContext, bytes: &[u8]) -> Self {
        let offset = usize::try_from(err.offset()).unwrap_or(usize::MAX);
        let message = spec_message(err.message(), ctx, bytes, offset);
        Self { message, offset }
    }
}

/// The spec's wording for one of wasmparser's reader messages.
fn spec_message(msg: &str, ctx: ReadContext, bytes: &[u8], offset: usize) -> String {
    // Messages that only need their wasmparser-specific detail removed.
    const PREFIXES: &[(&str, &str)] = &[
        ("magic header not detected", "magic header not detected"),
        ("unknown binary version", "unknown binary version"),
        ("illegal opcode", "illegal opcode"),
        ("unknown 0xfc subopcode", "illegal opcode"),
        ("unknown 0xfb subopcode", "illegal opcode"),
        ("unknown 0xfe subopcode", "illegal opcode"),
        ("unknown 0xfd subopcode", "illegal opcode"),
        ("section size mismatch", "section size mismatch"),
        ("trailing bytes at end of section", "section size mismatch"),
        ("section too large", "section size mismatch"),
        // Trailing bytes in a single-item section (start, data count).
        ("unexpected content in the ", "section size mismatch"),
        ("malformed memop", "malformed memop flags"),
        (
            "invalid flags byte in element segment",
            "malformed elements segment kind",
        ),
        (
            "invalid flags byte in data segment",
            "malformed data segment kind",
        ),
        ("malformed global flags", "malformed mutability"),
        ("invalid value type", "malformed value type"),
        ("invalid heap type", "malformed reference type"),
        ("expected a version header", "unknown binary version"),
        (
            "expected section, got wasm magic number",
            "length out of bounds",
        ),
        (
            "section out of order",
            "unexpected content after last section",
        ),
        (
            "function section has non-zero count but code section is absent",
            FUNC_CODE,
        ),
        (
            "function section is absent but code section has non-zero count",
            FUNC_CODE,
        ),
        (
            "data count is non-zero but data section is absent",
            DATA_COUNT,
        ),
        ("control frames remain at end of", "END opcode expected"),
        (
            "operators remaining after end of function",
            "section size mismatch",
        ),
        ("string size out of bounds", "length out of bounds"),
        (
            "Exact type is not allowed in the exports",
            "malformed export kind",
        ),
        (
            "only the function external type is supported",
            "malformed element kind",
        ),
    ];
    const FUNC_CODE: &str = "function and code section have inconsistent lengths";
    const DATA_COUNT: &str = "data count and data section have inconsistent lengths";

    if msg == "unexpected end-of-file" {
        return match ctx {
            ReadContext::Module if offset >= bytes.len() => "unexpected end",
            ReadContext::Module => "length out of bounds",
            _ => "unexpected end of section or function",
        }
        .to_string();
    }
    if let Some(rest) = msg
        .strip_prefix("invalid var_")
        .and_then(|r| r.split_once(": "))
        .map(|(_, rest)| rest)
    {
        // "invalid var_u32: integer too large" and friends.
        return rest.to_string();
    }
    if msg.starts_with("invalid leading byte") && msg.ends_with("for external kind") {
        // Read in imports, exports, and the legacy element segment encodings.
        return match ctx {
            ReadContext::Imports => "malformed import kind",
            ReadContext::Exports => "malformed export kind",
            _ => "malformed element kind",
        }
        .to_string();
    }
    if msg == "invalid memory limits flags" || msg == "invalid table resizable limits flags" {
        // The spec reads limits flags as a LEB128 `u32` that must be 0 or 1.
        return match bytes.get(offset) {
            Some(b) if b & 0x80 != 0 => "integer representation too long".to_string(),
            _ => "integer too large".to_string(),
        };
    }
    if msg.contains("with compact imports proposal disabled") {
        return "malformed import kind".to_string();
    }
    if msg.starts_with("unexpected SIMD opcode") {
        return format!("{msg} (SIMD is not supported)");
    }
    for (prefix, spec) in PREFIXES {
        if msg.starts_with(prefix) {
            return (*spec).to_string();
        }
    }
    msg.to_string()
}
