//! `Table`: a handle to a table of references in a store.

use alloc::vec::Vec;

use wisp_core::{TableType, ValType};

use crate::error::Error;
use crate::store::{Store, TableEntity};
use crate::value::Val;

/// A handle to a table in a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32);

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
        let len = usize::try_from(ty.min).map_err(|_| Error::Api("table too large".into()))?;
        let mut elements = Vec::new();
        elements
            .try_reserve_exact(len)
            .map_err(|_| Error::Api("table too large".into()))?;
        elements.resize(len, raw);
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
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64, init: Val) -> Result<u64, Error> {
        let t = &mut store.inner.tables[self.0 as usize];
        let raw = check_ref(&t.ty, &init)?;
        let old = t.elements.len() as u64;
        let new = old
            .checked_add(delta)
            .filter(|&n| n <= t.ty.max.unwrap_or(u32::MAX as u64))
            .ok_or_else(|| Error::Api(alloc::format!("failed to grow table by {delta}")))?;
        let extra = usize::try_from(delta).map_err(|_| Error::Api("table too large".into()))?;
        t.elements
            .try_reserve_exact(extra)
            .map_err(|_| Error::Api("table too large".into()))?;
        t.elements.resize(new as usize, raw);
        Ok(old)
    }
}
