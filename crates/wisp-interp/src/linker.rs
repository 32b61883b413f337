//! `Linker`: resolves a module's imports by module and name.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;

use wisp_core::FuncType;

use crate::error::{Error, LinkError};
use crate::func::{Caller, HostError, HostFunc};
use crate::instance::{Extern, Instance};
use crate::module::Module;
use crate::store::Store;
use crate::value::Val;

/// A definition held by a linker.
enum Definition<T> {
    /// An entity that already lives in a store.
    Extern(Extern),
    /// A host function, created in the store on first use.
    Host(FuncType, Arc<HostFunc<T>>),
}

/// Resolves imports by `(module, name)`, like wasmtime's and wasmi's `Linker`.
pub struct Linker<T> {
    defs: BTreeMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> core::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Linker")
            .field("definitions", &self.defs.len())
            .finish_non_exhaustive()
    }
}

impl<T> Linker<T> {
    pub fn new(engine: &crate::Engine) -> Self {
        let _ = engine;
        Self {
            defs: BTreeMap::new(),
            allow_shadowing: false,
        }
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    /// Defines `module::name` as `item`.
    pub fn define(
        &mut self,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self, LinkError> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    fn insert(
        &mut self,
        module: &str,
        name: &str,
        def: Definition<T>,
    ) -> Result<&mut Self, LinkError> {
        let key = (String::from(module), String::from(name));
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            return Err(LinkError::Duplicate {
                module: key.0,
                name: key.1,
            });
        }
        self.defs.insert(key, def);
        Ok(self)
    }

    /// Defines `module::name` as a host function of type `ty`.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), HostError> + Send + Sync + 'static,
    ) -> Result<&mut Self, LinkError> {
        self.insert(module, name, Definition::Host(ty, Arc::new(f)))
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        store: &mut Store<T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self, LinkError> {
        let exports: alloc::vec::Vec<(String, Extern)> = instance
            .exports(store)
            .map(|(n, e)| (String::from(n), e))
            .collect();
        for (name, value) in exports {
            self.define(module, &name, value)?;
        }
        Ok(self)
    }

    /// The definition of `module::name`, created in `store` if it is a host function.
    pub fn get(&self, store: &mut Store<T>, module: &str, name: &str) -> Option<Extern> {
        let def = self.defs.get(&(String::from(module), String::from(name)))?;
        Some(match def {
            Definition::Extern(e) => *e,
            Definition::Host(ty, f) => Extern::Func(crate::Func::new_arc(
                store,
                ty.clone(),
                Arc::clone(f),
                Some((String::from(module), String::from(name))),
            )),
        })
    }

    /// The host function defined as `module::name`, if there is one.
    pub(crate) fn host_func(
        &self,
        module: &str,
        name: &str,
    ) -> Option<(&FuncType, &Arc<HostFunc<T>>)> {
        match self.defs.get(&(String::from(module), String::from(name)))? {
            Definition::Host(ty, f) => Some((ty, f)),
            Definition::Extern(_) => None,
        }
    }

    /// Resolves `module`'s imports and instantiates it (running its start function).
    pub fn instantiate(&self, store: &mut Store<T>, module: &Module) -> Result<Instance, Error> {
        let imports = self.resolve(store, module)?;
        Instance::new(store, module, &imports)
    }

    /// [`Linker::instantiate`] without running the start function, which
    /// is returned: the caller must call it (for example resumably, under
    /// fuel slices) before anything else uses the instance, as the spec's
    /// instantiation does.
    pub fn instantiate_without_start(
        &self,
        store: &mut Store<T>,
        module: &Module,
    ) -> Result<(Instance, Option<crate::Func>), Error> {
        let imports = self.resolve(store, module)?;
        crate::instantiate::instantiate_without_start(store, module, &imports)
    }

    /// `module`'s imports as this linker defines them.
    fn resolve(
        &self,
        store: &mut Store<T>,
        module: &Module,
    ) -> Result<alloc::vec::Vec<crate::Extern>, Error> {
        let mut imports = alloc::vec::Vec::with_capacity(module.inner.decoded.imports.len());
        for import in &module.inner.decoded.imports {
            let value = self
                .get(store, &import.module, &import.name)
                .ok_or_else(|| LinkError::UnknownImport {
                    module: import.module.clone(),
                    name: import.name.clone(),
                })?;
            imports.push(value);
        }
        Ok(imports)
    }
}
