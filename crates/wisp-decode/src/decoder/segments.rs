//! Element and data segments.
//!
//! The legacy element encodings (a vector of function indices) become
//! [`ElementItems::Functions`]; the expression encodings become
//! [`ElementItems::Exprs`]. Segment encodings other than the MVP's active,
//! table-0 form require bulk memory (or reference types, for elements) and are
//! malformed without them.

use alloc::vec::Vec;

use wasmparser as wp;
use wisp_core::RefType;
use wisp_core::limits::{MAX_DATA_SEGMENTS, MAX_ELEMENT_SEGMENTS, MAX_TABLE_ELEMENTS};

use super::types::ref_type;
use super::{Cx, capacity, check_limit, const_expr::const_expr};
use crate::error::ReadContext;
use crate::{
    DataMode, DataSegment, DecodeError, ElementItems, ElementMode, ElementSegment, Module,
};

fn len_of(range: &core::ops::Range<u64>) -> usize {
    usize::try_from(range.end.saturating_sub(range.start)).unwrap_or(usize::MAX)
}

pub(super) fn element_section(
    cx: &Cx<'_>,
    m: &mut Module,
    r: wp::ElementSectionReader<'_>,
) -> Result<(), DecodeError> {
    let range = r.range();
    check_limit(
        r.count(),
        0,
        MAX_ELEMENT_SEGMENTS,
        "element segments",
        cx.offset(range.start),
    )?;
    m.elements.reserve(capacity(r.count(), len_of(&range)));
    let rerr = |e: wp::BinaryReaderError| cx.err(&e, ReadContext::Section);
    for elem in r {
        let elem = elem.map_err(rerr)?;
        let offset = cx.offset(elem.range.start);
        let mode = match elem.kind {
            wp::ElementKind::Active {
                table_index,
                offset_expr,
            } => ElementMode::Active {
                table: table_index.unwrap_or(0),
                offset: const_expr(cx, &offset_expr)?,
            },
            wp::ElementKind::Passive => ElementMode::Passive,
            wp::ElementKind::Declared => ElementMode::Declared,
        };
        let legacy = matches!(
            (&mode, &elem.items),
            (
                ElementMode::Active { table: 0, .. },
                wp::ElementItems::Functions(_)
            )
        );
        if !(legacy || cx.features.bulk_memory || cx.features.reference_types) {
            return Err(DecodeError::new("malformed elements segment kind", offset));
        }
        let (ty, items) = match elem.items {
            wp::ElementItems::Functions(funcs) => {
                let n = funcs.count();
                check_limit(n, 0, MAX_TABLE_ELEMENTS, "elements in a segment", offset)?;
                let mut out = Vec::with_capacity(capacity(n, len_of(&funcs.range())));
                for f in funcs {
                    out.push(f.map_err(rerr)?);
                }
                (RefType::FuncRef, ElementItems::Functions(out))
            }
            wp::ElementItems::Expressions(ty, exprs) => {
                let ty = ref_type(ty, offset)?;
                let n = exprs.count();
                check_limit(n, 0, MAX_TABLE_ELEMENTS, "elements in a segment", offset)?;
                let mut out = Vec::with_capacity(capacity(n, len_of(&exprs.range())));
                for e in exprs {
                    out.push(const_expr(cx, &e.map_err(rerr)?)?);
                }
                (ty, ElementItems::Exprs(out))
            }
        };
        m.elements.push(ElementSegment {
            mode,
            ty,
            items,
            offset,
        });
    }
    Ok(())
}

pub(super) fn data_section(
    cx: &Cx<'_>,
    m: &mut Module,
    r: wp::DataSectionReader<'_>,
) -> Result<(), DecodeError> {
    let range = r.range();
    check_limit(
        r.count(),
        0,
        MAX_DATA_SEGMENTS,
        "data segments",
        cx.offset(range.start),
    )?;
    m.data.reserve(capacity(r.count(), len_of(&range)));
    for data in r {
        let data = data.map_err(|e| cx.err(&e, ReadContext::Section))?;
        let offset = cx.offset(data.range.start);
        let mode = match data.kind {
            wp::DataKind::Active {
                memory_index,
                offset_expr,
            } => DataMode::Active {
                memory: memory_index,
                offset: const_expr(cx, &offset_expr)?,
            },
            wp::DataKind::Passive => DataMode::Passive,
        };
        let legacy = matches!(mode, DataMode::Active { memory: 0, .. });
        if !legacy && !cx.features.bulk_memory {
            return Err(DecodeError::new("malformed data segment kind", offset));
        }
        // The payload is the last thing in the segment.
        let end = cx.offset(data.range.end);
        let start = end
            .checked_sub(data.data.len())
            .ok_or_else(|| DecodeError::new("unexpected end", offset))?;
        m.data.push(DataSegment {
            mode,
            data: start..end,
            offset,
        });
    }
    Ok(())
}
