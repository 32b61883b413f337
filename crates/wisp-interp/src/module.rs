//! `Module`: a decoded, validated and translated WebAssembly module, ready to
//! be instantiated any number of times in any store of the same engine.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;

use wisp_core::{ExternKind, FuncType, GlobalType, MemoryType, TableType};

use crate::config::Engine;
use crate::error::Error;
use crate::ir::CompiledFunc;

/// A compiled module; cheap to clone.
#[derive(Debug, Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

#[derive(Debug)]
pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub decoded: wisp_decode::Module,
    /// One translated body per defined function.
    pub funcs: Box<[CompiledFunc]>,
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternType {
    Func(FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

/// One import of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportType {
    pub module: String,
    pub name: String,
    pub kind: ExternKind,
}

/// One export of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportType {
    pub name: String,
    pub kind: ExternKind,
}

impl Module {
    /// Decodes, validates and translates `bytes`.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        let _ = (engine, bytes);
        todo!()
    }

    /// Decodes and validates `bytes` without translating.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<(), Error> {
        let _ = (engine, bytes);
        todo!()
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name from its `name` section.
    pub fn name(&self) -> Option<&str> {
        self.inner.decoded.names.module.as_deref()
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> impl Iterator<Item = ImportType> + '_ {
        self.inner.decoded.imports.iter().map(|i| ImportType {
            module: i.module.clone(),
            name: i.name.clone(),
            kind: i.desc.kind(),
        })
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl Iterator<Item = ExportType> + '_ {
        self.inner.decoded.exports.iter().map(|e| ExportType {
            name: e.name.clone(),
            kind: e.kind,
        })
    }
}
