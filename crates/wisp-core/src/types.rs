//! Value and entity types of WebAssembly 2.0, as the spec's "Types" chapter defines them.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

/// A reference type: the type of a table element or of a reference value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefType {
    /// `funcref`: a nullable reference to a function.
    FuncRef,
    /// `externref`: a nullable opaque reference owned by the embedder.
    ExternRef,
}

/// A value type: the type of a local, global, parameter, result or operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    /// A reference type (`funcref` or `externref`).
    Ref(RefType),
}

impl ValType {
    pub const FUNCREF: ValType = ValType::Ref(RefType::FuncRef);
    pub const EXTERNREF: ValType = ValType::Ref(RefType::ExternRef);

    /// Whether values of this type are references.
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// Whether values of this type are numbers.
    pub fn is_num(self) -> bool {
        !self.is_ref()
    }
}

impl From<RefType> for ValType {
    fn from(ty: RefType) -> Self {
        ValType::Ref(ty)
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefType::FuncRef => "funcref",
            RefType::ExternRef => "externref",
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::Ref(r) => r.fmt(f),
        }
    }
}

/// A function type: parameter types to result types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FuncType {
    /// Parameters followed by results, so one allocation holds both.
    params_results: Box<[ValType]>,
    len_params: usize,
}

impl FuncType {
    /// Creates a function type from its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        let mut all: Vec<ValType> = params.into_iter().collect();
        let len_params = all.len();
        all.extend(results);
        Self {
            params_results: all.into_boxed_slice(),
            len_params,
        }
    }

    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params_results[..self.len_params]
    }

    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.params_results[self.len_params..]
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params().is_empty() {
            f.write_str(" (param")?;
            for p in self.params() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        if !self.results().is_empty() {
            f.write_str(" (result")?;
            for r in self.results() {
                write!(f, " {r}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// Whether a global may be written after instantiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    Const,
    Var,
}

/// The type of a global: its value type and mutability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalType {
    pub content: ValType,
    pub mutability: Mutability,
}

impl GlobalType {
    pub fn is_mutable(&self) -> bool {
        self.mutability == Mutability::Var
    }
}

/// The type of a table: element type and limits in elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    pub element: RefType,
    pub min: u64,
    pub max: Option<u64>,
    /// Set only by the memory64/table64 proposal; always false in Wasm 2.0.
    pub table64: bool,
}

/// The type of a linear memory: limits in 64 KiB pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType {
    pub min: u64,
    pub max: Option<u64>,
    /// Set only by the memory64 proposal; always false in Wasm 2.0.
    pub memory64: bool,
    /// Set only by the threads proposal; always false in Wasm 2.0.
    pub shared: bool,
    /// `Some(log2)` only under the custom-page-sizes proposal.
    pub page_size_log2: Option<u32>,
}

/// The kind of an import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExternKind {
    Func,
    Table,
    Memory,
    Global,
    /// Exception-handling tags: decoded so they can be rejected by name.
    Tag,
}

impl fmt::Display for ExternKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExternKind::Func => "function",
            ExternKind::Table => "table",
            ExternKind::Memory => "memory",
            ExternKind::Global => "global",
            ExternKind::Tag => "tag",
        })
    }
}
