//! `Module`: a decoded, validated and translated WebAssembly module, ready to
//! be instantiated any number of times in any store of the same engine
//! (a store whose engine meters fuel differently refuses it: the code was
//! translated for one metering).

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
    /// What validation learned of the module: needed to translate a body
    /// again (see [`ModuleInner::with_offsets`]).
    pub ctx: wisp_validate::ModuleContext,
    /// One translated body per defined function.
    pub funcs: Box<[CompiledFunc]>,
}

impl ModuleInner {
    /// Defined function `defined` translated again, this time with the
    /// module offset of the operator each instruction came from, for a
    /// trap backtrace (see [`crate::translate::offsets_of`]): a cost paid
    /// per function of a reported trap, not per compile.
    pub(crate) fn with_offsets(&self, defined: u32) -> Option<CompiledFunc> {
        crate::translate::offsets_of(&self.decoded, &self.ctx, self.engine.config(), defined)
    }

    /// The type an import requires (`None` for kinds wisp does not run, e.g. tags,
    /// which validation rejects).
    pub(crate) fn import_type(&self, desc: &wisp_decode::ImportDesc) -> Option<ExternType> {
        use wisp_decode::ImportDesc;
        Some(match desc {
            ImportDesc::Func(t) => ExternType::Func(self.decoded.types.get(*t as usize)?.clone()),
            ImportDesc::Table(t) => ExternType::Table(*t),
            ImportDesc::Memory(m) => ExternType::Memory(*m),
            ImportDesc::Global(g) => ExternType::Global(*g),
            ImportDesc::Tag(_) => return None,
        })
    }
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
    pub ty: ExternType,
}

/// One export of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportType {
    pub name: String,
    pub kind: ExternKind,
}

impl ExternType {
    pub fn kind(&self) -> ExternKind {
        match self {
            ExternType::Func(_) => ExternKind::Func,
            ExternType::Table(_) => ExternKind::Table,
            ExternType::Memory(_) => ExternKind::Memory,
            ExternType::Global(_) => ExternKind::Global,
        }
    }
}

impl core::fmt::Display for ExternType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ExternType::Func(t) => write!(f, "{t}"),
            ExternType::Table(t) => match t.max {
                Some(max) => write!(f, "(table {} {max} {})", t.min, t.element),
                None => write!(f, "(table {} {})", t.min, t.element),
            },
            ExternType::Memory(m) => match m.max {
                Some(max) => write!(f, "(memory {} {max})", m.min),
                None => write!(f, "(memory {})", m.min),
            },
            ExternType::Global(g) => match g.mutability {
                wisp_core::Mutability::Var => write!(f, "(global (mut {}))", g.content),
                wisp_core::Mutability::Const => write!(f, "(global {})", g.content),
            },
        }
    }
}

impl Module {
    /// Decodes, validates and translates `bytes`.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        let features = engine.config().get_features();
        let decoded = wisp_decode::decode(bytes, features)?;
        let ctx = wisp_validate::validate_module(&decoded, features)?;
        let funcs = crate::translate::translate_module(&decoded, &ctx, engine.config())?;
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                decoded,
                ctx,
                funcs,
            }),
        })
    }

    /// Decodes and validates `bytes` without translating.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<(), Error> {
        let features = engine.config().get_features();
        // Nothing outlives this call, so the module need not copy `bytes`.
        let decoded = wisp_decode::decode_detached(bytes, features)?;
        wisp_validate::validate_binary(&decoded, bytes, features)?;
        Ok(())
    }

    /// The sha256 of the module's bytes: its identity in checkpoints (and
    /// what a `hash: sha256:…` pin in a process registry names).
    pub fn sha256(&self) -> [u8; 32] {
        crate::checkpoint::sha256(&self.inner.decoded.bytes)
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
        self.inner.decoded.imports.iter().filter_map(|i| {
            Some(ImportType {
                module: i.module.clone(),
                name: i.name.clone(),
                ty: self.inner.import_type(&i.desc)?,
            })
        })
    }

    /// The type of exported function `name` (`None` if there is no such
    /// export, or it is not a function).
    pub fn export_func_type(&self, name: &str) -> Option<FuncType> {
        let e = self.inner.decoded.exports.iter().find(|e| e.name == name)?;
        if e.kind != ExternKind::Func {
            return None;
        }
        let ty = self.inner.decoded.func_type_index(e.index)?;
        self.inner.decoded.types.get(ty as usize).cloned()
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl Iterator<Item = ExportType> + '_ {
        self.inner.decoded.exports.iter().map(|e| ExportType {
            name: e.name.clone(),
            kind: e.kind,
        })
    }
}
