//! Every bound the registry loader puts on untrusted input, in one place.
//!
//! Registry files are written by people, but a root directory can hold
//! anything; these keep a hostile or broken tree from exhausting memory or
//! time. Each is far above what a real registry needs.

/// The largest `_index.yaml` read (1 MiB); larger files are an error.
pub const MAX_INDEX_FILE_BYTES: u64 = 1 << 20;

/// The most `_index.yaml` files one root may hold.
pub const MAX_INDEX_FILES: usize = 10_000;

/// The deepest directory level the loader descends to below the root.
pub const MAX_DIR_DEPTH: usize = 32;

/// The most directory entries (files and folders) the walk looks at.
pub const MAX_DIR_ENTRIES: usize = 1_000_000;

/// Parser events per file (every scalar, start and end counts one).
pub const MAX_YAML_EVENTS: usize = 200_000;

/// Nodes (scalars, lists, mappings) per file.
pub const MAX_YAML_NODES: usize = 100_000;

/// Aliases and anchors per file.
pub const MAX_YAML_ALIASES: usize = 1_000;

/// Nesting depth of lists and mappings (also bounds alias replay nesting).
pub const MAX_YAML_DEPTH: usize = 32;

/// Events replayed through aliases per file: what stops a "billion laughs"
/// file, whose few aliases each expand to millions of nodes.
pub const MAX_ALIAS_REPLAYED_EVENTS: usize = 50_000;

/// The largest `.wasm` module read (256 MiB).
pub const MAX_MODULE_FILE_BYTES: u64 = 256 << 20;

/// The largest `env.storage.file` read (1 MiB).
pub const MAX_ENV_FILE_BYTES: u64 = 1 << 20;
