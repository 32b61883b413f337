//! `Global`: a handle to a global variable in a store.

use wisp_core::GlobalType;

use crate::error::Error;
use crate::store::{GlobalEntity, Store};
use crate::value::Val;

/// A handle to a global in a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) u32);

impl Global {
    /// Creates a global of type `ty` holding `init` (which must be of `ty`'s value type).
    pub fn new<T>(store: &mut Store<T>, ty: GlobalType, init: Val) -> Result<Global, Error> {
        if init.ty() != ty.content {
            return Err(Error::Api(alloc::format!(
                "global of type {} cannot hold a value of type {}",
                ty.content,
                init.ty()
            )));
        }
        store
            .inner
            .creations
            .push(crate::store::Creation::Global(ty, init.to_raw()));
        let globals = &mut store.inner.globals;
        globals.push(GlobalEntity {
            ty,
            value: init.to_raw(),
        });
        Ok(Global(globals.len() as u32 - 1))
    }

    fn entity<'s, T>(&self, store: &'s Store<T>) -> &'s GlobalEntity {
        &store.inner.globals[self.0 as usize]
    }

    pub fn ty<T>(&self, store: &Store<T>) -> GlobalType {
        self.entity(store).ty
    }

    /// The global's current value.
    pub fn get<T>(&self, store: &Store<T>) -> Val {
        let g = self.entity(store);
        Val::from_raw(g.value, g.ty.content)
    }

    /// Sets a mutable global.
    pub fn set<T>(&self, store: &mut Store<T>, val: Val) -> Result<(), Error> {
        let g = &mut store.inner.globals[self.0 as usize];
        if !g.ty.is_mutable() {
            return Err(Error::Api("cannot set an immutable global".into()));
        }
        if val.ty() != g.ty.content {
            return Err(Error::Api(alloc::format!(
                "global of type {} cannot hold a value of type {}",
                g.ty.content,
                val.ty()
            )));
        }
        g.value = val.to_raw();
        Ok(())
    }
}
