//! `Table`: a handle to a table of references in a store.

use alloc::vec::Vec;

use wisp_core::{TableType, ValType};

use crate::error::Error;
use crate::limits::{Resource, StoreLimits};
use crate::store::{Store, TableEntity};
use crate::value::Val;

/// A handle to a table in a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32);

/// The error for a table of `elements` elements the allocator refused.
#[cold]
fn table_alloc_failed(elements: u64) -> Error {
    Error::Api(alloc::format!(
        "cannot allocate a table of {elements} elements: out of memory"
    ))
}

/// Allocates `len` elements set to `raw`, within the store's
/// [`Resource::TableElements`] limit and without aborting when the allocator
/// refuses.
pub(crate) fn new_elements(limits: &StoreLimits, len: u64, raw: u64) -> Result<Vec<u64>, Error> {
    limits.check(Resource::TableElements, len)?;
    let n = usize::try_from(len).map_err(|_| table_alloc_failed(len))?;
    let mut elements = Vec::new();
    elements
        .try_reserve_exact(n)
        .map_err(|_| table_alloc_failed(len))?;
    elements.resize(n, raw);
    Ok(elements)
}

impl TableEntity {
    /// Grows by `delta` elements set to `raw`, as `table.grow` does: the old
    /// size, or `None` when the new size would be over the declared maximum,
    /// the 2^32 - 1 bound, or the store's `table_elements` limit (a table
    /// already larger than that limit may still grow by 0), or the allocator
    /// refuses.
    pub(crate) fn grow(&mut self, delta: u64, raw: u64, limits: &StoreLimits) -> Option<u64> {
        let old = self.elements.len() as u64;
        let limit = self
            .ty
            .max
            .unwrap_or(u32::MAX as u64)
            .min(u32::MAX as u64)
            .min(limits.get(Resource::TableElements).max(old));
        let new = old.checked_add(delta).filter(|&n| n <= limit)?;
        let extra = usize::try_from(delta).ok()?;
        self.elements.try_reserve_exact(extra).ok()?;
        self.elements.resize(usize::try_from(new).ok()?, raw);
        Some(old)
    }
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
        let inner = &mut store.inner;
        inner
            .limits
            .check(Resource::Tables, inner.tables.len() as u64 + 1)?;
        let elements = new_elements(&inner.limits, ty.min, raw)?;
        inner.creations.push(crate::store::Creation::Table(ty, raw));
        let tables = &mut inner.tables;
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
    /// Fails beyond the declared maximum and beyond the store's
    /// `table_elements` limit, as `table.grow` does.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64, init: Val) -> Result<u64, Error> {
        let inner = &mut store.inner;
        let t = &mut inner.tables[self.0 as usize];
        let raw = check_ref(&t.ty, &init)?;
        t.grow(delta, raw, &inner.limits).ok_or_else(|| {
            Error::Api(alloc::format!(
                "failed to grow table of {} elements by {delta}",
                t.elements.len()
            ))
        })
    }
}
