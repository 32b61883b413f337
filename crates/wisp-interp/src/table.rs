//! `Table`: a handle to a table of references in a store.

use alloc::vec::Vec;

use wisp_core::{TableType, ValType};

use crate::error::Error;
use crate::store::{Store, TableEntity};
use crate::value::Val;

/// A handle to a table in a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32);

/// Most elements a table may hold, whatever its declared limits.
///
/// A table's elements are allocated eagerly (8 bytes each), so a declared
/// minimum of up to 2^32 - 1 elements would let a tiny module make the host
/// allocate and zero 32 GiB. Creating a table above this limit fails with
/// [`Error::Limit`] (a resource error, as in wasmtime and wasmi), and growing
/// one past it fails (`table.grow` returns -1; the executor applies the same
/// value). 10 million elements is 80 MiB of references.
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// The error for a table whose size would exceed [`MAX_TABLE_ELEMENTS`] or
/// cannot be allocated.
#[cold]
pub(crate) fn table_too_large(elements: u64) -> Error {
    Error::Limit(alloc::format!(
        "cannot allocate a table of {elements} elements (the limit is {MAX_TABLE_ELEMENTS})"
    ))
}

/// Allocates `len` elements set to `raw`, within [`MAX_TABLE_ELEMENTS`] and
/// without aborting when the allocator refuses.
pub(crate) fn new_elements(len: u64, raw: u64) -> Result<Vec<u64>, Error> {
    let n = usize::try_from(len)
        .ok()
        .filter(|_| len <= MAX_TABLE_ELEMENTS)
        .ok_or_else(|| table_too_large(len))?;
    let mut elements = Vec::new();
    elements
        .try_reserve_exact(n)
        .map_err(|_| table_too_large(len))?;
    elements.resize(n, raw);
    Ok(elements)
}

fn check_ref(ty: &TableType, val: &Val) -> Result<u64, Error> {
    if val.ty() != ValType::Ref(ty.element) {
        return Err(Error::Api(alloc::format!(
            "table of {} cannot hold a value of type {}",
            ty.element,
            val.ty()
        )));
    }
    Ok(val.to_raw())
}

impl Table {
    /// Creates a table of type `ty` with every element set to `init`.
    pub fn new<T>(store: &mut Store<T>, ty: TableType, init: Val) -> Result<Table, Error> {
        let raw = check_ref(&ty, &init)?;
        let elements = new_elements(ty.min, raw)?;
        let tables = &mut store.inner.tables;
        tables.push(TableEntity { ty, elements });
        Ok(Table(tables.len() as u32 - 1))
    }

    fn entity<'s, T>(&self, store: &'s Store<T>) -> &'s TableEntity {
        &store.inner.tables[self.0 as usize]
    }

    /// The table's type, with its current size as minimum.
    pub fn ty<T>(&self, store: &Store<T>) -> TableType {
        let t = self.entity(store);
        TableType {
            min: t.elements.len() as u64,
            ..t.ty
        }
    }

    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        self.entity(store).elements.len() as u64
    }

    /// The element at `index`, or `None` when out of bounds.
    pub fn get<T>(&self, store: &Store<T>, index: u64) -> Option<Val> {
        let t = self.entity(store);
        let raw = *t.elements.get(usize::try_from(index).ok()?)?;
        Some(Val::from_raw(raw, ValType::Ref(t.ty.element)))
    }

    /// Sets the element at `index`.
    pub fn set<T>(&self, store: &mut Store<T>, index: u64, val: Val) -> Result<(), Error> {
        let t = &mut store.inner.tables[self.0 as usize];
        let raw = check_ref(&t.ty, &val)?;
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| t.elements.get_mut(i))
            .ok_or_else(|| Error::Api(alloc::format!("table index {index} out of bounds")))?;
        *slot = raw;
        Ok(())
    }

    /// Grows by `delta` elements set to `init`, returning the old size.
    ///
    /// Fails beyond the declared maximum, and beyond the size limit every
    /// table has (10 million elements, as for `table.grow`).
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64, init: Val) -> Result<u64, Error> {
        let t = &mut store.inner.tables[self.0 as usize];
        let raw = check_ref(&t.ty, &init)?;
        let old = t.elements.len() as u64;
        let limit =
            t.ty.max
                .unwrap_or(u32::MAX as u64)
                .min(MAX_TABLE_ELEMENTS.max(old));
        let new = old
            .checked_add(delta)
            .filter(|&n| n <= limit)
            .ok_or_else(|| Error::Api(alloc::format!("failed to grow table by {delta}")))?;
        let (Ok(extra), Ok(new_len)) = (usize::try_from(delta), usize::try_from(new)) else {
            return Err(table_too_large(new));
        };
        t.elements
            .try_reserve_exact(extra)
            .map_err(|_| table_too_large(new))?;
        t.elements.resize(new_len, raw);
        Ok(old)
    }
}
