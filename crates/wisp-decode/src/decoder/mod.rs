//! The decoder: drives wasmparser's [`Parser`] over the binary and hands each
//! section payload to the reader of its family (the sibling modules), which
//! fill a [`Module`].
//!
//! wasmparser checks the module header, section ids, sizes and order, and the
//! function/code and data-count consistency; the section readers here convert
//! every entry into wisp's owned types and reject what wisp does not implement
//! (GC types, SIMD, tags, memory64, shared memories). Validation — index
//! bounds, typing, limits of memory sizes — is left to `wisp-validate`.
//!
//! # Hostile input
//! Counts read from the binary are never trusted for allocation: every vector
//! is reserved with at most as many entries as the section has bytes left
//! ([`capacity`]), and counts are checked against [`wisp_core::limits`].

mod code;
mod const_expr;
mod entities;
mod names;
mod segments;
mod types;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::ops::Range;

use wasmparser::{BinaryReader, BinaryReaderError, Chunk, Parser, Payload, WasmFeatures};
use wisp_core::Features;

use crate::error::ReadContext;
use crate::{DecodeError, ImportCounts, Module, Names};

/// The wasmparser reader features matching wisp's enabled proposals.
///
/// Only the proposals wisp implements are enabled, so the reader itself reads
/// immediates the Wasm 2.0 way (e.g. the reserved memory index byte of
/// `memory.size` must be a single zero byte because multi-memory is off).
/// Use it (or [`Module::operators_reader`]) whenever reading operators of a
/// decoded module.
pub fn wasm_features(features: &Features) -> WasmFeatures {
    // FLOATS and GC_TYPES are wasmparser's built-in MVP constructs, not proposals.
    let mut wf = WasmFeatures::FLOATS | WasmFeatures::GC_TYPES;
    wf.set(WasmFeatures::MUTABLE_GLOBAL, features.mutable_global);
    wf.set(
        WasmFeatures::SATURATING_FLOAT_TO_INT,
        features.saturating_float_to_int,
    );
    wf.set(WasmFeatures::SIGN_EXTENSION, features.sign_extension);
    wf.set(WasmFeatures::MULTI_VALUE, features.multi_value);
    wf.set(WasmFeatures::BULK_MEMORY, features.bulk_memory);
    wf.set(WasmFeatures::REFERENCE_TYPES, features.reference_types);
    wf.set(WasmFeatures::EXTENDED_CONST, features.extended_const);
    wf
}

/// Decodes `bytes` into a [`Module`] with the given proposals enabled.
///
/// Fails with the spec's "malformed" wording when the bytes do not follow the
/// binary format, and with a descriptive message when they use a proposal
/// wisp does not implement. A malformed `name` custom section is ignored.
pub fn decode(bytes: &[u8], features: &Features) -> Result<Module, DecodeError> {
    let mut m = decode_detached(bytes, features)?;
    m.bytes = Arc::from(bytes);
    Ok(m)
}

/// Decodes `bytes` like [`decode`], but without keeping a copy of them: the
/// module's [`Module::bytes`] is empty and its byte ranges (function
/// bodies, data segments, custom sections) refer to the caller's `bytes`.
/// For a caller that only reads the module while it holds the binary, such
/// as validation (`wisp_validate::validate_binary`): copying a large binary
/// into a fresh allocation costs about a tenth of validating it.
pub fn decode_detached(bytes: &[u8], features: &Features) -> Result<Module, DecodeError> {
    let cx = Cx::new(bytes, features);
    let mut m = empty_module(features);
    let mut parser = Parser::new(0);
    parser.set_features(cx.wasm_features);
    let mut rest = bytes;
    // Function bodies still expected from the code section: while positive,
    // the parser reads bodies (size-prefixed) rather than sections.
    let mut bodies_left: u32 = 0;
    loop {
        let section_offset = cx.offset(parser.offset());
        let (payload, consumed) = match parser.parse(rest, true) {
            Ok(Chunk::Parsed { payload, consumed }) => (payload, consumed),
            // Unreachable with `eof = true`; handled rather than trusted.
            Ok(Chunk::NeedMoreData(_)) => {
                return Err(DecodeError::new("unexpected end", bytes.len()));
            }
            Err(e) => {
                let mut err = cx.err(&e, ReadContext::Module);
                if err.message == "length out of bounds" {
                    // Running out of bytes is "length out of bounds" only when
                    // a declared size reaches past the end of the binary.
                    let size_at = if bodies_left > 0 {
                        section_offset
                    } else {
                        section_offset.saturating_add(1)
                    };
                    if section_offset == 0 || !overruns(bytes, size_at) {
                        err.message = "unexpected end".into();
                    }
                }
                return Err(err);
            }
        };
        rest = rest
            .get(consumed..)
            .ok_or_else(|| DecodeError::new("unexpected end", bytes.len()))?;
        match &payload {
            Payload::CodeSectionStart { count, .. } => bodies_left = *count,
            Payload::CodeSectionEntry(_) => bodies_left = bodies_left.saturating_sub(1),
            _ => {}
        }
        if !section(&cx, &mut m, payload, section_offset)? {
            break;
        }
    }
    Ok(m)
}

/// Whether the LEB128 size at `size_at` declares more bytes than follow it.
fn overruns(bytes: &[u8], size_at: usize) -> bool {
    let Some(tail) = bytes.get(size_at..) else {
        return false;
    };
    let mut r = BinaryReader::new(tail, 0);
    match r.read_var_u32() {
        Ok(size) => usize::try_from(size).map_or(true, |s| s > r.bytes_remaining()),
        Err(_) => false,
    }
}

/// Handles one payload; returns `false` at the end of the module.
fn section(
    cx: &Cx<'_>,
    m: &mut Module,
    payload: Payload<'_>,
    section_offset: usize,
) -> Result<bool, DecodeError> {
    match payload {
        Payload::Version {
            encoding, range, ..
        } => {
            if encoding != wasmparser::Encoding::Module {
                return Err(DecodeError::new(
                    "unknown binary version: components are not supported",
                    cx.offset(range.start).saturating_add(4),
                ));
            }
        }
        Payload::TypeSection(r) => types::type_section(cx, m, r.range())?,
        Payload::ImportSection(r) => entities::import_section(cx, m, r.range())?,
        Payload::FunctionSection(r) => entities::function_section(cx, m, r)?,
        Payload::TableSection(r) => entities::table_section(cx, m, r.range())?,
        Payload::MemorySection(r) => entities::memory_section(cx, m, r.range())?,
        Payload::GlobalSection(r) => entities::global_section(cx, m, r)?,
        Payload::ExportSection(r) => entities::export_section(cx, m, r)?,
        Payload::StartSection { func, range } => {
            m.start = Some(crate::Start {
                func,
                offset: cx.offset(range.start),
            });
        }
        Payload::ElementSection(r) => segments::element_section(cx, m, r)?,
        Payload::DataCountSection { count, range } => {
            if !cx.features.bulk_memory {
                return Err(DecodeError::new("malformed section id", section_offset));
            }
            check_limit(
                count,
                0,
                wisp_core::limits::MAX_DATA_SEGMENTS,
                "data segments",
                cx.offset(range.start),
            )?;
            m.data_count = Some(count);
        }
        Payload::DataSection(r) => segments::data_section(cx, m, r)?,
        Payload::CodeSectionStart { count, size, .. } => {
            code::code_section_start(m, count, size);
        }
        Payload::CodeSectionEntry(body) => code::function_body(cx, m, &body)?,
        Payload::CustomSection(r) => names::custom_section(cx, m, &r, section_offset),
        Payload::TagSection(r) => {
            return Err(DecodeError::new(
                "malformed section id: the tag section belongs to the exception-handling \
                 proposal, which wisp does not support",
                section_offset.min(cx.offset(r.range().start)),
            ));
        }
        Payload::UnknownSection { .. } => {
            return Err(DecodeError::new("malformed section id", section_offset));
        }
        Payload::End(_) => return Ok(false),
        // Component-model payloads cannot occur: that wasmparser feature is off.
        _ => return Err(DecodeError::new("malformed section id", section_offset)),
    }
    Ok(true)
}

fn empty_module(features: &Features) -> Module {
    Module {
        bytes: Arc::from(&[][..]),
        types: Vec::new(),
        imports: Vec::new(),
        functions: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        exports: Vec::new(),
        start: None,
        elements: Vec::new(),
        data: Vec::new(),
        data_count: None,
        bodies: Vec::new(),
        customs: Vec::new(),
        names: Names::default(),
        num_imported: ImportCounts::default(),
        features: *features,
    }
}

/// What every section reader needs: the binary and the enabled features.
pub(crate) struct Cx<'a> {
    pub bytes: &'a [u8],
    pub features: Features,
    pub wasm_features: WasmFeatures,
    /// Whether a `name` section was already seen (only the first is decoded).
    pub seen_name_section: Cell<bool>,
}

impl<'a> Cx<'a> {
    fn new(bytes: &'a [u8], features: &Features) -> Self {
        Self {
            bytes,
            features: *features,
            wasm_features: wasm_features(features),
            seen_name_section: Cell::new(false),
        }
    }

    /// Converts a wasmparser error, rewording it in the spec's terms.
    #[cold]
    pub fn err(&self, e: &BinaryReaderError, ctx: ReadContext) -> DecodeError {
        DecodeError::from_reader(e, ctx, self.bytes)
    }

    /// A wasmparser offset as a `usize` (offsets never exceed the binary's length).
    pub fn offset(&self, offset: u64) -> usize {
        usize::try_from(offset).unwrap_or(usize::MAX)
    }

    /// A byte range reported by wasmparser as a `Range<usize>`.
    pub fn range(&self, range: Range<u64>) -> Range<usize> {
        self.offset(range.start)..self.offset(range.end)
    }

    /// Opens a section's contents that is a vector read by hand: returns a
    /// reader positioned after the entry count, the count, and the offset of
    /// the count (for limit errors).
    pub fn open_vec(
        &self,
        range: Range<u64>,
        ctx: ReadContext,
    ) -> Result<(BinaryReader<'a>, u32, usize), DecodeError> {
        let mut r = self.reader(range)?;
        let pos = self.offset(r.original_position());
        let count = r.read_var_u32().map_err(|e| self.err(&e, ctx))?;
        Ok((r, count, pos))
    }

    /// Checks that a vector read by hand used up its section exactly.
    pub fn close_vec(&self, r: &BinaryReader<'_>) -> Result<(), DecodeError> {
        if r.eof() {
            Ok(())
        } else {
            Err(DecodeError::new(
                "section size mismatch",
                self.offset(r.original_position()),
            ))
        }
    }

    /// A reader over `range` of the binary, with wisp's features.
    pub fn reader(&self, range: Range<u64>) -> Result<BinaryReader<'a>, DecodeError> {
        let r = self.range(range.clone());
        let data = self
            .bytes
            .get(r.clone())
            .ok_or_else(|| DecodeError::new("unexpected end", self.bytes.len()))?;
        Ok(BinaryReader::new_features(
            data,
            range.start,
            self.wasm_features,
        ))
    }
}

/// How many entries to reserve for a vector whose count was read from the
/// binary: never more than the bytes that remain to back them (each entry
/// takes at least one byte).
pub(crate) fn capacity(count: u32, remaining_bytes: usize) -> usize {
    usize::try_from(count)
        .unwrap_or(usize::MAX)
        .min(remaining_bytes)
}

/// Checks that `existing + count` entities stay within an implementation
/// limit; returns that total.
pub(crate) fn check_limit(
    count: u32,
    existing: u32,
    max: u32,
    what: &str,
    offset: usize,
) -> Result<u32, DecodeError> {
    match existing.checked_add(count) {
        Some(total) if total <= max => Ok(total),
        _ => Err(DecodeError::new(
            alloc::format!("too many {what}: the limit is {max}"),
            offset,
        )),
    }
}
