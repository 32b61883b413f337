//! Implementation limits, named once. Embedders override the run-time ones
//! through the interpreter's `Config`; the static ones bound what a module may
//! declare so that hostile input cannot make the engine allocate without bound.
//! The static values follow the limits shared by browser engines and wasmparser.

/// Maximum number of types in a module.
pub const MAX_TYPES: u32 = 1_000_000;
/// Maximum number of functions (imported and defined) in a module.
pub const MAX_FUNCTIONS: u32 = 1_000_000;
/// Maximum number of imports in a module.
pub const MAX_IMPORTS: u32 = 100_000;
/// Maximum number of exports in a module.
pub const MAX_EXPORTS: u32 = 100_000;
/// Maximum number of globals in a module.
pub const MAX_GLOBALS: u32 = 1_000_000;
/// Maximum number of tables in a module.
pub const MAX_TABLES: u32 = 100;
/// Maximum number of memories in a module.
pub const MAX_MEMORIES: u32 = 100;
/// Maximum number of element segments in a module.
pub const MAX_ELEMENT_SEGMENTS: u32 = 100_000;
/// Maximum number of data segments in a module.
pub const MAX_DATA_SEGMENTS: u32 = 100_000;
/// Maximum number of parameters of a function type.
pub const MAX_PARAMS: u32 = 1_000;
/// Maximum number of results of a function type.
pub const MAX_RESULTS: u32 = 1_000;
/// Maximum number of locals (parameters included) of a function.
pub const MAX_LOCALS: u32 = 50_000;
/// Maximum size of a function body in bytes.
pub const MAX_FUNCTION_SIZE: u32 = 7_654_321;
/// Maximum number of entries in a `br_table`.
pub const MAX_BR_TABLE_TARGETS: u32 = 1_000_000 + 1;
/// Maximum length of an import/export name or custom section name in bytes.
pub const MAX_STRING_SIZE: u32 = 100_000;
/// Maximum number of elements in one element segment.
pub const MAX_TABLE_ELEMENTS: u32 = 10_000_000;

/// Wasm page size in bytes.
pub const WASM_PAGE_SIZE: u64 = 65_536;
/// Maximum number of pages of a 32-bit linear memory (4 GiB).
pub const MAX_MEMORY32_PAGES: u64 = 65_536;
/// Maximum number of elements of a 32-bit table.
pub const MAX_TABLE32_ELEMENTS: u64 = u32::MAX as u64;

/// Default maximum depth of the Wasm call stack (frames).
pub const DEFAULT_MAX_CALL_DEPTH: usize = 100_000;
/// Default maximum size of the value stack, in 64-bit slots (8 MiB).
pub const DEFAULT_MAX_VALUE_STACK_SLOTS: usize = 1 << 20;
