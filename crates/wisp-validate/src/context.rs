//! [`ModuleContext`]: the spec's validation context `C`, as far as function
//! bodies need it.
//!
//! [`validate_module`](crate::validate_module) builds it once per module;
//! every [`validate_function`](crate::validate_function) call then reads it.
//! Index spaces are the spec's: imports first, then definitions.

use alloc::vec::Vec;

use wisp_core::{Features, FuncType, GlobalType, MemoryType, RefType, TableType};

/// Facts about a module that function validation needs (built by
/// [`validate_module`](crate::validate_module)).
///
/// It is also what a translator riding along in a [`FuncSink`](crate::FuncSink)
/// needs to interpret immediates: the type of every function, table, memory,
/// global and element segment, by index.
#[derive(Debug, Clone, Default)]
pub struct ModuleContext {
    pub(crate) features: Features,
    /// `C.types`.
    pub(crate) types: Vec<FuncType>,
    /// Type index of every function, imported ones first (`C.funcs`).
    pub(crate) funcs: Vec<u32>,
    pub(crate) num_imported_funcs: u32,
    /// `C.tables`.
    pub(crate) tables: Vec<TableType>,
    /// `C.mems`.
    pub(crate) memories: Vec<MemoryType>,
    /// `C.globals`.
    pub(crate) globals: Vec<GlobalType>,
    pub(crate) num_imported_globals: u32,
    /// `C.elems`: the reference type of each element segment.
    pub(crate) elements: Vec<RefType>,
    /// `C.datas`, known only through the data count section.
    pub(crate) data_count: Option<u32>,
    /// `C.refs` as a bit set over function indices: the functions `ref.func`
    /// may name inside function bodies.
    pub(crate) declared: Vec<u64>,
}

impl ModuleContext {
    /// The proposals the module was validated with.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// All function types of the type section.
    pub fn types(&self) -> &[FuncType] {
        &self.types
    }

    /// The function type at `type_index`.
    pub fn type_at(&self, type_index: u32) -> Option<&FuncType> {
        self.types.get(type_index as usize)
    }

    /// Number of functions, imported and defined.
    pub fn num_funcs(&self) -> u32 {
        len_u32(self.funcs.len())
    }

    /// Number of imported functions (defined functions follow them).
    pub fn num_imported_funcs(&self) -> u32 {
        self.num_imported_funcs
    }

    /// The type index of function `func`.
    pub fn func_type_index(&self, func: u32) -> Option<u32> {
        self.funcs.get(func as usize).copied()
    }

    /// The type of function `func`.
    pub fn func_type(&self, func: u32) -> Option<&FuncType> {
        self.type_at(self.func_type_index(func)?)
    }

    /// All tables, imported ones first.
    pub fn tables(&self) -> &[TableType] {
        &self.tables
    }

    /// The type of table `table`.
    pub fn table(&self, table: u32) -> Option<&TableType> {
        self.tables.get(table as usize)
    }

    /// All memories, imported ones first.
    pub fn memories(&self) -> &[MemoryType] {
        &self.memories
    }

    /// The type of memory `memory`.
    pub fn memory(&self, memory: u32) -> Option<&MemoryType> {
        self.memories.get(memory as usize)
    }

    /// All globals, imported ones first.
    pub fn globals(&self) -> &[GlobalType] {
        &self.globals
    }

    /// Number of imported globals (defined globals follow them).
    pub fn num_imported_globals(&self) -> u32 {
        self.num_imported_globals
    }

    /// The type of global `global`.
    pub fn global(&self, global: u32) -> Option<&GlobalType> {
        self.globals.get(global as usize)
    }

    /// The reference type of every element segment.
    pub fn element_types(&self) -> &[RefType] {
        &self.elements
    }

    /// The reference type of element segment `elem`.
    pub fn element_type(&self, elem: u32) -> Option<RefType> {
        self.elements.get(elem as usize).copied()
    }

    /// The value of the data count section, if the module has one.
    pub fn data_count(&self) -> Option<u32> {
        self.data_count
    }

    /// Whether `ref.func func` may appear in a function body: the function is
    /// named in an element segment, an export or a global initializer (the
    /// spec's `C.refs`).
    pub fn is_declared(&self, func: u32) -> bool {
        let word = (func / 64) as usize;
        let bit = func % 64;
        self.declared.get(word).is_some_and(|w| (w >> bit) & 1 == 1)
    }

    /// Adds `func` to `C.refs`; indices outside the function space are ignored
    /// (they fail validation where they occur).
    pub(crate) fn declare(&mut self, func: u32) {
        if func as usize >= self.funcs.len() {
            return;
        }
        let word = (func / 64) as usize;
        if self.declared.len() <= word {
            // `word < funcs.len()`, so this cannot saturate.
            self.declared.resize(word.saturating_add(1), 0);
        }
        if let Some(w) = self.declared.get_mut(word) {
            *w |= 1 << (func % 64);
        }
    }
}

/// A length that fits in `u32` because every index space is bounded by u32 indices.
pub(crate) fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
