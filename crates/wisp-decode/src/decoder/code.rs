//! The code section: function bodies are split into their declared locals and
//! the byte range of their instructions. Instructions are not decoded here;
//! the validator and the translator read them later through
//! [`Module::operators_reader`](crate::Module::operators_reader).

use alloc::vec::Vec;

use wasmparser as wp;
use wisp_core::limits::{MAX_FUNCTION_SIZE, MAX_LOCALS};

use super::types::val_type;
use super::{Cx, capacity};
use crate::error::ReadContext;
use crate::{DecodeError, FuncBody, Module};

/// The code section starts: `count` bodies follow in `size` bytes.
pub(super) fn code_section_start(m: &mut Module, count: u32, size: u32) {
    // wasmparser has already checked `count` against the function section's.
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    m.bodies.reserve(capacity(count, size));
}

/// Decodes one function body's locals and records its instruction range.
pub(super) fn function_body(
    cx: &Cx<'_>,
    m: &mut Module,
    body: &wp::FunctionBody<'_>,
) -> Result<(), DecodeError> {
    let rerr = |e: wp::BinaryReaderError| cx.err(&e, ReadContext::Code);
    let range = body.range();
    let start = cx.offset(range.start);
    let end = cx.offset(range.end);
    if end.saturating_sub(start) > MAX_FUNCTION_SIZE as usize {
        return Err(DecodeError::new("function body too large", start));
    }

    let mut reader = body.get_locals_reader().map_err(rerr)?;
    // Each declaration takes at least two bytes (count and type).
    let groups = reader.get_count();
    let mut locals = Vec::with_capacity(capacity(groups, end.saturating_sub(start) / 2));
    let mut num_locals: u32 = 0;
    for _ in 0..groups {
        let pos = cx.offset(reader.original_position());
        let (n, ty) = reader.read().map_err(rerr)?;
        num_locals = match num_locals.checked_add(n) {
            Some(total) if total <= MAX_LOCALS => total,
            _ => return Err(DecodeError::new("too many locals", pos)),
        };
        locals.push((n, val_type(ty, pos)?));
    }
    let code_start = cx.offset(reader.get_binary_reader().original_position());
    m.bodies.push(FuncBody {
        locals: locals.into_boxed_slice(),
        num_locals,
        code: code_start..end,
    });
    Ok(())
}
