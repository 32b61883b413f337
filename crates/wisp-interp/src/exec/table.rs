//! Table handlers: `table.get/set/size/grow/fill/copy/init` and `elem.drop`,
//! kept out of line (`#[inline(never)]`) so the dispatch loop stays small.
//! Elements are raw references (see `value.rs`); every index is checked and
//! out-of-range accesses trap with "out of bounds table access".

use wisp_core::TrapCode;

use crate::limits::StoreLimits;
use crate::store::{ElemEntity, TableEntity};

#[inline]
fn table(tables: &[TableEntity], addr: u32) -> Result<&TableEntity, TrapCode> {
    tables.get(addr as usize).ok_or(TrapCode::TableOutOfBounds)
}

#[inline]
fn table_mut(tables: &mut [TableEntity], addr: u32) -> Result<&mut TableEntity, TrapCode> {
    tables
        .get_mut(addr as usize)
        .ok_or(TrapCode::TableOutOfBounds)
}

/// The range `start..start + len` if it lies within `size` elements.
#[inline]
fn range(start: u64, len: u64, size: usize) -> Result<core::ops::Range<usize>, TrapCode> {
    match start.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(start as usize..end as usize),
        _ => Err(TrapCode::TableOutOfBounds),
    }
}

/// `table.get`.
#[inline(never)]
pub(super) fn get(tables: &[TableEntity], addr: u32, index: u64) -> Result<u64, TrapCode> {
    let t = table(tables, addr)?;
    t.elements
        .get(index as u32 as usize)
        .copied()
        .ok_or(TrapCode::TableOutOfBounds)
}

/// `table.set`.
#[inline(never)]
pub(super) fn set(
    tables: &mut [TableEntity],
    addr: u32,
    index: u64,
    value: u64,
) -> Result<(), TrapCode> {
    let t = table_mut(tables, addr)?;
    let slot = t
        .elements
        .get_mut(index as u32 as usize)
        .ok_or(TrapCode::TableOutOfBounds)?;
    *slot = value;
    Ok(())
}

/// `table.size`.
#[inline(never)]
pub(super) fn size(tables: &[TableEntity], addr: u32) -> Result<u64, TrapCode> {
    Ok(table(tables, addr)?.elements.len() as u64)
}

/// `table.grow` by `delta` elements set to `init`: the old size, or -1 (as
/// an i32) when the table cannot grow (see [`TableEntity::grow`]).
#[inline(never)]
pub(super) fn grow(
    tables: &mut [TableEntity],
    addr: u32,
    (init, delta): (u64, u64),
    limits: &StoreLimits,
) -> Result<u64, TrapCode> {
    let t = table_mut(tables, addr)?;
    Ok(match t.grow(delta as u32 as u64, init, limits) {
        Some(old) => old as u32 as u64,
        None => u32::MAX as u64,
    })
}

/// `table.fill` of `len` elements from `start` with `value` (the i32
/// operands zero-extended).
#[inline(never)]
pub(super) fn fill(
    tables: &mut [TableEntity],
    addr: u32,
    (start, value, len): (u64, u64, u64),
) -> Result<(), TrapCode> {
    let t = table_mut(tables, addr)?;
    let r = range(start, len, t.elements.len())?;
    t.elements[r].fill(value);
    Ok(())
}

/// `table.copy` (dst, src, len); the tables may be the same.
#[inline(never)]
pub(super) fn copy(
    tables: &mut [TableEntity],
    dst_addr: u32,
    src_addr: u32,
    (dst, src, len): (u64, u64, u64),
) -> Result<(), TrapCode> {
    if dst_addr == src_addr {
        let t = table_mut(tables, dst_addr)?;
        let s = range(src, len, t.elements.len())?;
        let d = range(dst, len, t.elements.len())?;
        t.elements.copy_within(s, d.start);
        return Ok(());
    }
    let (d, s) = (dst_addr as usize, src_addr as usize);
    if d >= tables.len() || s >= tables.len() {
        return Err(TrapCode::TableOutOfBounds);
    }
    let (dst_table, src_table) = if d < s {
        let (lo, hi) = tables.split_at_mut(s);
        (&mut lo[d], &hi[0])
    } else {
        let (lo, hi) = tables.split_at_mut(d);
        (&mut hi[0], &lo[s])
    };
    let sr = range(src, len, src_table.elements.len())?;
    let dr = range(dst, len, dst_table.elements.len())?;
    dst_table.elements[dr].copy_from_slice(&src_table.elements[sr]);
    Ok(())
}

/// `table.init` (dst, src, len) from an element segment (empty once dropped).
#[inline(never)]
pub(super) fn init(
    tables: &mut [TableEntity],
    addr: u32,
    elem: &ElemEntity,
    (dst, src, len): (u64, u64, u64),
) -> Result<(), TrapCode> {
    let t = table_mut(tables, addr)?;
    let sr = range(src, len, elem.items.len())?;
    let dr = range(dst, len, t.elements.len())?;
    t.elements[dr].copy_from_slice(&elem.items[sr]);
    Ok(())
}

/// `elem.drop`: the segment becomes empty.
#[inline(never)]
pub(super) fn drop_elem(elem: &mut ElemEntity) {
    elem.items = alloc::vec::Vec::new();
}
