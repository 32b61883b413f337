//! Store resource limits: how much memory, table space and how many entities
//! one [`crate::Store`] may hold, in the spirit of wasmtime's `StoreLimits`.
//!
//! Limits apply with the spec's semantics:
//! - instantiation (and `Memory::new`/`Table::new`) fails with
//!   [`Error::ResourceLimit`](crate::Error::ResourceLimit) when an initial
//!   size or an entity count would be over a limit;
//! - `memory.grow` and `table.grow` return -1 when the new size would be over
//!   a limit, exactly as when the declared maximum is reached.
//!
//! Memory is accounted in 64 KiB pages of *size* (what `memory.size`
//! reports), the figure a guest controls. Resident RAM is at most that and
//! usually far less: pages are allocated only when first written
//! (`wisp-memory`).
//!
//! Call depth and value-stack size are engine settings
//! ([`crate::Config::max_call_depth`], [`crate::Config::max_value_stack_slots`]);
//! fuel is the store's budget ([`crate::Store::set_fuel`]).

use core::fmt;

/// A resource a [`StoreLimits`] bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Pages of one linear memory.
    MemoryPages,
    /// Pages of all linear memories of the store together.
    TotalMemoryPages,
    /// Elements of one table.
    TableElements,
    /// Module instances in the store.
    Instances,
    /// Tables in the store.
    Tables,
    /// Linear memories in the store.
    Memories,
}

impl Resource {
    /// Every resource, in a fixed order (the order checkpoints store limits in).
    pub const ALL: [Resource; 6] = [
        Resource::MemoryPages,
        Resource::TotalMemoryPages,
        Resource::TableElements,
        Resource::Instances,
        Resource::Tables,
        Resource::Memories,
    ];

    /// The [`StoreLimits`] setter that controls this resource.
    pub fn setting(self) -> &'static str {
        match self {
            Resource::MemoryPages => "memory_pages",
            Resource::TotalMemoryPages => "total_memory_pages",
            Resource::TableElements => "table_elements",
            Resource::Instances => "instances",
            Resource::Tables => "tables",
            Resource::Memories => "memories",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::MemoryPages => "pages in one memory",
            Resource::TotalMemoryPages => "pages in all memories of the store",
            Resource::TableElements => "elements in one table",
            Resource::Instances => "instances in the store",
            Resource::Tables => "tables in the store",
            Resource::Memories => "memories in the store",
        })
    }
}

/// A request over a [`StoreLimits`] limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "resource limit exceeded: {requested} {resource} requested, the limit is {limit} \
     (raise it with StoreLimits::{setting})",
    setting = resource.setting()
)]
pub struct LimitError {
    pub resource: Resource,
    pub requested: u64,
    pub limit: u64,
}

/// Most elements a table may hold unless the embedder says otherwise.
///
/// Table elements are allocated eagerly (8 bytes each), so without a limit
/// a tiny module declaring a table of 2^32 - 1 elements would make the host
/// allocate 32 GiB. 10 million elements is 80 MiB.
pub const DEFAULT_TABLE_ELEMENTS: u64 = 10_000_000;

/// Resource limits of one store. The default bounds only table elements
/// ([`DEFAULT_TABLE_ELEMENTS`]); everything else is limited by the spec's
/// own bounds (65536 pages per 32-bit memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    memory_pages: u64,
    total_memory_pages: u64,
    table_elements: u64,
    instances: u64,
    tables: u64,
    memories: u64,
    trap_on_memory_limit: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            memory_pages: u64::MAX,
            total_memory_pages: u64::MAX,
            table_elements: DEFAULT_TABLE_ELEMENTS,
            instances: u64::MAX,
            tables: u64::MAX,
            memories: u64::MAX,
            trap_on_memory_limit: false,
        }
    }
}

impl StoreLimits {
    /// Most pages (64 KiB) one memory may have.
    pub fn memory_pages(self, pages: u64) -> Self {
        self.with(Resource::MemoryPages, pages)
    }

    /// Most pages all memories of the store may have together.
    pub fn total_memory_pages(self, pages: u64) -> Self {
        self.with(Resource::TotalMemoryPages, pages)
    }

    /// Most elements one table may have.
    pub fn table_elements(self, elements: u64) -> Self {
        self.with(Resource::TableElements, elements)
    }

    /// Most module instances the store may hold.
    pub fn instances(self, count: u64) -> Self {
        self.with(Resource::Instances, count)
    }

    /// Most tables the store may hold.
    pub fn tables(self, count: u64) -> Self {
        self.with(Resource::Tables, count)
    }

    /// Most memories the store may hold.
    pub fn memories(self, count: u64) -> Self {
        self.with(Resource::Memories, count)
    }

    /// Sets the limit on `resource`.
    pub fn with(mut self, resource: Resource, limit: u64) -> Self {
        *match resource {
            Resource::MemoryPages => &mut self.memory_pages,
            Resource::TotalMemoryPages => &mut self.total_memory_pages,
            Resource::TableElements => &mut self.table_elements,
            Resource::Instances => &mut self.instances,
            Resource::Tables => &mut self.tables,
            Resource::Memories => &mut self.memories,
        } = limit;
        self
    }

    /// The limit on `resource`.
    pub fn get(&self, resource: Resource) -> u64 {
        match resource {
            Resource::MemoryPages => self.memory_pages,
            Resource::TotalMemoryPages => self.total_memory_pages,
            Resource::TableElements => self.table_elements,
            Resource::Instances => self.instances,
            Resource::Tables => self.tables,
            Resource::Memories => self.memories,
        }
    }

    /// Checks that `requested` of `resource` is within its limit.
    pub fn check(&self, resource: Resource, requested: u64) -> Result<(), LimitError> {
        let limit = self.get(resource);
        if requested > limit {
            return Err(LimitError {
                resource,
                requested,
                limit,
            });
        }
        Ok(())
    }

    /// Checks a memory of `pages` pages joining a store whose memories
    /// already have `total_before` pages.
    pub(crate) fn check_new_memory(&self, pages: u64, total_before: u64) -> Result<(), LimitError> {
        self.check(Resource::MemoryPages, pages)?;
        self.check(
            Resource::TotalMemoryPages,
            total_before.saturating_add(pages),
        )
    }

    /// Whether a memory may grow to `new_pages` when the store's memories
    /// would then hold `new_total` pages.
    #[inline]
    /// Makes `memory.grow` past a page limit trap with
    /// [`wisp_core::TrapCode::MemoryLimit`] instead of returning -1 (a
    /// grow refused by the module's own maximum still returns -1). Not
    /// kept in checkpoints.
    pub fn trap_on_memory_limit(mut self, on: bool) -> Self {
        self.trap_on_memory_limit = on;
        self
    }

    /// Whether a grow past a page limit traps.
    pub fn traps_on_memory_limit(&self) -> bool {
        self.trap_on_memory_limit
    }

    pub(crate) fn allows_memory(&self, new_pages: u64, new_total: u64) -> bool {
        new_pages <= self.memory_pages && new_total <= self.total_memory_pages
    }
}
