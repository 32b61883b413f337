//! The owned representation of a decoded (not yet validated) module.
//!
//! Index spaces follow the spec: imported entities come first, then the
//! module's own definitions. Every item keeps the byte offset it was decoded
//! from, so validation errors can point at the right place.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

use wasmparser::{BinaryReader, OperatorsReader};
use wisp_core::{
    ExternKind, Features, FuncType, GlobalType, MemoryType, RefType, TableType, ValType,
};

/// A decoded WebAssembly module.
///
/// The original binary is kept in [`Module::bytes`]; function bodies, data
/// segment contents and custom sections are ranges into it.
#[derive(Debug, Clone)]
pub struct Module {
    /// The exact bytes the module was decoded from.
    pub bytes: Arc<[u8]>,
    /// The type section (Wasm 2.0: function types only).
    pub types: Vec<FuncType>,
    /// The import section, in order.
    pub imports: Vec<Import>,
    /// Type index of each function defined in this module (function section).
    pub functions: Vec<u32>,
    /// Tables defined in this module.
    pub tables: Vec<Table>,
    /// Memories defined in this module.
    pub memories: Vec<MemoryType>,
    /// Globals defined in this module.
    pub globals: Vec<Global>,
    /// The export section, in order.
    pub exports: Vec<Export>,
    /// The start function, if any.
    pub start: Option<Start>,
    /// The element section, in order.
    pub elements: Vec<ElementSegment>,
    /// The data section, in order.
    pub data: Vec<DataSegment>,
    /// The data count section, if present.
    pub data_count: Option<u32>,
    /// One body per defined function, in the order of [`Module::functions`].
    pub bodies: Vec<FuncBody>,
    /// Every custom section, in order (the `name` section included).
    pub customs: Vec<CustomSection>,
    /// Names decoded from the `name` custom section (empty when absent or malformed).
    pub names: Names,
    /// Number of imported functions, tables, memories and globals.
    pub num_imported: ImportCounts,
    /// The proposals the module was decoded with (operators must be read with
    /// the same, see [`Module::operators_reader`]).
    pub features: Features,
}

/// How many entities of each kind are imported (they precede definitions in each index space).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub funcs: u32,
    pub tables: u32,
    pub memories: u32,
    pub globals: u32,
    pub tags: u32,
}

/// One import.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub desc: ImportDesc,
    /// Byte offset of the import entry.
    pub offset: usize,
}

/// What an import brings in.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportDesc {
    /// A function of the given type index.
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// An exception-handling tag with the given type index (not part of Wasm 2.0).
    Tag(u32),
}

impl ImportDesc {
    pub fn kind(&self) -> ExternKind {
        match self {
            ImportDesc::Func(_) => ExternKind::Func,
            ImportDesc::Table(_) => ExternKind::Table,
            ImportDesc::Memory(_) => ExternKind::Memory,
            ImportDesc::Global(_) => ExternKind::Global,
            ImportDesc::Tag(_) => ExternKind::Tag,
        }
    }
}

/// A table defined by the module.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub ty: TableType,
    /// Explicit initialiser (function-references proposal only; `None` in Wasm 2.0).
    pub init: Option<ConstExpr>,
    pub offset: usize,
}

/// A global defined by the module.
#[derive(Debug, Clone, PartialEq)]
pub struct Global {
    pub ty: GlobalType,
    pub init: ConstExpr,
    pub offset: usize,
}

/// One export.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub name: String,
    pub kind: ExternKind,
    pub index: u32,
    pub offset: usize,
}

/// The start section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    pub func: u32,
    pub offset: usize,
}

/// A constant expression (global initialisers, segment offsets, element items).
///
/// Every instruction of the expression (without the final `end`) is kept, in
/// order; instructions that may never appear in a constant expression are kept
/// as [`ConstOp::NonConstant`] so the validator can reject them with the spec's
/// message.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstExpr {
    pub ops: Vec<ConstOp>,
    /// Byte offset of the first instruction.
    pub offset: usize,
}

/// One instruction of a constant expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstOp {
    I32Const(i32),
    I64Const(i64),
    /// Bits of an `f32.const`.
    F32Const(u32),
    /// Bits of an `f64.const`.
    F64Const(u64),
    RefNull(RefType),
    RefFunc(u32),
    GlobalGet(u32),
    /// `extended-const` arithmetic.
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// Any other instruction; `offset` is where it starts.
    NonConstant {
        offset: usize,
    },
}

/// An element segment.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementSegment {
    pub mode: ElementMode,
    /// The type of the segment's references.
    pub ty: RefType,
    pub items: ElementItems,
    pub offset: usize,
}

/// How an element segment is used.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementMode {
    /// Copied into a table at instantiation, then dropped.
    Active { table: u32, offset: ConstExpr },
    /// Available to `table.init` until `elem.drop`.
    Passive,
    /// Only declares functions for `ref.func`; dropped at instantiation.
    Declared,
}

/// The contents of an element segment.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementItems {
    /// A vector of function indices (the legacy `elemkind` encodings).
    Functions(Vec<u32>),
    /// A vector of constant expressions of the segment's type.
    Exprs(Vec<ConstExpr>),
}

impl ElementItems {
    pub fn len(&self) -> usize {
        match self {
            ElementItems::Functions(f) => f.len(),
            ElementItems::Exprs(e) => e.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A data segment.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSegment {
    pub mode: DataMode,
    /// Range of the segment's bytes in [`Module::bytes`].
    pub data: Range<usize>,
    pub offset: usize,
}

/// How a data segment is used.
#[derive(Debug, Clone, PartialEq)]
pub enum DataMode {
    /// Copied into a memory at instantiation, then dropped.
    Active { memory: u32, offset: ConstExpr },
    /// Available to `memory.init` until `data.drop`.
    Passive,
}

/// The body of a defined function.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncBody {
    /// Declared locals (parameters excluded), run-length encoded as in the binary.
    pub locals: Box<[(u32, ValType)]>,
    /// Total number of declared locals (parameters excluded).
    pub num_locals: u32,
    /// Range in [`Module::bytes`] of the instruction sequence (after the locals,
    /// up to and including the final `end`).
    pub code: Range<usize>,
}

/// A custom section.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomSection {
    pub name: String,
    /// Range of the section's payload in [`Module::bytes`].
    pub data: Range<usize>,
    /// Byte offset of the section (its id byte).
    pub offset: usize,
}

/// Names from the `name` custom section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    pub module: Option<String>,
    pub functions: BTreeMap<u32, String>,
    pub locals: BTreeMap<u32, BTreeMap<u32, String>>,
}

impl Module {
    /// The instruction bytes of a defined function's body (empty if `body`
    /// does not belong to this module).
    pub fn code(&self, body: &FuncBody) -> &[u8] {
        self.bytes.get(body.code.clone()).unwrap_or(&[])
    }

    /// A reader over the instructions of a defined function's body, configured
    /// with the features the module was decoded with, reporting offsets
    /// relative to the start of the module binary.
    ///
    /// Prefer this to building an `OperatorsReader` by hand: a reader created
    /// with `BinaryReader::new` enables every proposal, and so would, e.g.,
    /// accept a non-zero memory index after `memory.size`.
    pub fn operators_reader(&self, body: &FuncBody) -> OperatorsReader<'_> {
        let code = self.bytes.get(body.code.clone()).unwrap_or(&[]);
        OperatorsReader::new(BinaryReader::new_features(
            code,
            body.code.start as u64,
            crate::wasm_features(&self.features),
        ))
    }

    /// The bytes of a data segment (empty if `seg` does not belong to this
    /// module).
    pub fn data_bytes(&self, seg: &DataSegment) -> &[u8] {
        self.bytes.get(seg.data.clone()).unwrap_or(&[])
    }

    /// The type index of function `func` in the function index space.
    pub fn func_type_index(&self, func: u32) -> Option<u32> {
        match func.checked_sub(self.num_imported.funcs) {
            None => self
                .imports
                .iter()
                .filter_map(|i| match i.desc {
                    ImportDesc::Func(t) => Some(t),
                    _ => None,
                })
                .nth(func as usize),
            Some(defined) => self.functions.get(defined as usize).copied(),
        }
    }

    /// Total number of functions (imported and defined).
    pub fn num_funcs(&self) -> u32 {
        total(self.num_imported.funcs, self.functions.len())
    }

    /// Total number of tables (imported and defined).
    pub fn num_tables(&self) -> u32 {
        total(self.num_imported.tables, self.tables.len())
    }

    /// Total number of memories (imported and defined).
    pub fn num_memories(&self) -> u32 {
        total(self.num_imported.memories, self.memories.len())
    }

    /// Total number of globals (imported and defined).
    pub fn num_globals(&self) -> u32 {
        total(self.num_imported.globals, self.globals.len())
    }

    /// The name of function `func` from the `name` section, if any.
    pub fn func_name(&self, func: u32) -> Option<&str> {
        self.names.functions.get(&func).map(String::as_str)
    }
}

/// The size of an index space: `imported` plus `defined` entities. The
/// decoder bounds both by `wisp_core::limits` (far below `u32::MAX`); a
/// hand-built module past that saturates instead of overflowing.
fn total(imported: u32, defined: usize) -> u32 {
    imported.saturating_add(u32::try_from(defined).unwrap_or(u32::MAX))
}
