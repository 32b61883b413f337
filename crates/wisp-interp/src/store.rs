//! The store: owner of every runtime entity, addressed by index.
//!
//! Entities live in plain vectors inside [`StoreInner`]; the public handles
//! ([`crate::Func`], [`Global`], [`Memory`], [`Table`], [`crate::Instance`])
//! are indices into them. Entities are never removed, so a handle stays valid
//! for the store's lifetime. Handles carry no store identity: using a handle
//! with a store other than the one that created it is an embedder bug that
//! yields wrong entities, or panics when the index is past the store's
//! entities (as wasmtime and wasmi panic on a wrong-store handle); it is never
//! memory-unsafe. Imports are the exception: `Instance::new` reports an import
//! handle this store does not have as an `Error::Api`. Nothing a *module* does
//! can produce such a handle: those come only from the embedder.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use wisp_core::{FuncType, GlobalType, TableType};

use crate::config::Engine;
use crate::func::HostFunc;
use crate::instance::Extern;
use crate::limits::StoreLimits;
use crate::module::ModuleInner;

/// Owns all runtime state plus the embedder's data `T`.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    /// Host function closures, indexed by [`FuncEntity::Host::host_index`].
    pub(crate) host_funcs: Vec<Arc<HostFunc<T>>>,
    data: T,
}

impl<T> core::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("funcs", &self.inner.funcs.len())
            .field("instances", &self.inner.instances.len())
            .finish_non_exhaustive()
    }
}

/// The part of the store the executor works on; not generic over `T`.
#[derive(Debug)]
pub(crate) struct StoreInner {
    /// Unique among the stores of this process (snapshots check it).
    pub id: u64,
    pub engine: Engine,
    /// Interned function types; `FuncEntity::type_id` indexes here.
    pub types: Vec<FuncType>,
    pub type_ids: BTreeMap<FuncType, u32>,
    pub funcs: Vec<FuncEntity>,
    pub instances: Vec<InstanceEntity>,
    pub tables: Vec<TableEntity>,
    pub memories: Vec<wisp_memory::Memory>,
    pub globals: Vec<GlobalEntity>,
    pub elems: Vec<ElemEntity>,
    pub datas: Vec<DataEntity>,
    /// Remaining fuel (meaningful only when the engine consumes fuel).
    pub fuel: u64,
    /// Fuel consumed since the last `set_fuel`, for error messages.
    pub fuel_total: u64,
    /// The embedder's resource limits.
    pub limits: StoreLimits,
    /// Pages of all memories together (kept in step with every grow).
    pub memory_pages_total: u64,
    /// The size in pages of the last `memory.grow` the limits refused.
    pub memory_refused: Option<u64>,
    /// Every creation of entities, in order: replaying it in a new store
    /// allocates the same entities at the same addresses (checkpoints).
    pub creations: Vec<Creation>,
}

/// One creation of store entities, as [`StoreInner::creations`] records it.
#[derive(Debug, Clone)]
pub(crate) enum Creation {
    /// A module instance with its imports (`Instance::new`, `Linker::instantiate`).
    Instance {
        module: Arc<ModuleInner>,
        imports: Box<[Extern]>,
    },
    /// A host function; `name` is its linker definition, if it came from one.
    HostFunc {
        ty: FuncType,
        name: Option<(String, String)>,
    },
    /// `Memory::new`.
    Memory(wisp_core::MemoryType),
    /// `Table::new` with its raw initial element.
    Table(TableType, u64),
    /// `Global::new` with its raw initial value.
    Global(GlobalType, u64),
}

/// A function in the store.
#[derive(Debug)]
pub(crate) struct FuncEntity {
    /// Index into [`StoreInner::types`].
    pub type_id: u32,
    pub kind: FuncKind,
}

#[derive(Debug)]
pub(crate) enum FuncKind {
    /// A function defined by a module instance.
    Wasm {
        /// The instance the function belongs to (index into `instances`).
        instance: u32,
        module: Arc<ModuleInner>,
        /// Index among the module's *defined* functions.
        defined_index: u32,
    },
    /// A host function (index into `Store::host_funcs`).
    Host { host_index: u32 },
}

/// A module instance's index spaces, resolved to store addresses.
#[derive(Debug)]
pub(crate) struct InstanceEntity {
    pub module: Arc<ModuleInner>,
    /// Module type index → store type id.
    pub type_ids: Box<[u32]>,
    pub funcs: Box<[u32]>,
    pub tables: Box<[u32]>,
    pub memories: Box<[u32]>,
    pub globals: Box<[u32]>,
    pub elems: Box<[u32]>,
    pub datas: Box<[u32]>,
    pub exports: BTreeMap<String, Extern>,
}

/// A table: its type and raw reference slots (see `value.rs` for the encoding).
#[derive(Debug)]
pub(crate) struct TableEntity {
    pub ty: TableType,
    pub elements: Vec<u64>,
}

/// A global: its type and raw value.
#[derive(Debug)]
pub(crate) struct GlobalEntity {
    pub ty: GlobalType,
    pub value: u64,
}

/// An element segment instance (raw references); `items` is emptied by
/// `elem.drop`. Its reference type was checked by validation and is not needed
/// at run time.
#[derive(Debug)]
pub(crate) struct ElemEntity {
    pub items: Vec<u64>,
}

/// A data segment instance: a range of the module's bytes, emptied by `data.drop`.
#[derive(Debug)]
pub(crate) struct DataEntity {
    pub bytes: Arc<[u8]>,
    pub range: core::ops::Range<usize>,
}

impl DataEntity {
    /// The segment's bytes (its range lies within the module's bytes: it
    /// comes from the decoder).
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(self.range.clone()).unwrap_or(&[])
    }
}

impl StoreInner {
    /// Interns a function type, returning its store type id.
    pub fn intern_type(&mut self, ty: &FuncType) -> u32 {
        if let Some(&id) = self.type_ids.get(ty) {
            return id;
        }
        let id = self.types.len() as u32;
        self.types.push(ty.clone());
        self.type_ids.insert(ty.clone(), id);
        id
    }

    pub fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize].type_id as usize]
    }

    /// Recomputes [`StoreInner::memory_pages_total`] from the memories
    /// (after entities were removed or restored).
    pub fn recount_memory_pages(&mut self) {
        self.memory_pages_total = self.memories.iter().map(|m| m.size_pages()).sum();
    }

    /// Creates a memory within the store's limits, accounting its pages.
    pub fn new_memory(&mut self, ty: &wisp_core::MemoryType) -> Result<u32, crate::Error> {
        self.limits
            .check(crate::Resource::Memories, self.memories.len() as u64 + 1)?;
        self.limits
            .check_new_memory(ty.min, self.memory_pages_total)?;
        let memory = if self.engine.config().get_flat_memories() {
            wisp_memory::Memory::new(ty.min, ty.max)
        } else {
            wisp_memory::Memory::new_paged(ty.min, ty.max)
        };
        let memory = memory.map_err(|e| {
            crate::Error::Api(alloc::format!(
                "cannot create a memory of {} pages: {e}",
                ty.min
            ))
        })?;
        let addr = u32::try_from(self.memories.len())
            .map_err(|_| crate::Error::Api("too many memories in the store".into()))?;
        self.memories.push(memory);
        self.memory_pages_total += ty.min;
        Ok(addr)
    }

    /// Creates a memory for the embedder (`Memory::new`), recording it.
    pub fn new_host_memory(&mut self, ty: &wisp_core::MemoryType) -> Result<u32, crate::Error> {
        let addr = self.new_memory(ty)?;
        self.creations.push(Creation::Memory(*ty));
        self.memory_pages_total += ty.min;
        Ok(addr)
    }

    /// Grows memory `addr` by `delta` pages within the store's limits, as
    /// `memory.grow` does: the old size, or `None`.
    pub fn grow_memory(&mut self, addr: u32, delta: u64) -> Option<u64> {
        let memory = self.memories.get_mut(addr as usize)?;
        grow_memory(memory, delta, &self.limits, &mut self.memory_pages_total).ok()
    }
}

/// Why a grow did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrowRefused {
    /// The module's maximum, the address space or the allocator said no.
    Failed,
    /// The store's limits said no to a memory of `requested` pages.
    Limit { requested: u64 },
}

/// Grows `memory` by `delta` pages unless its new size or the store's new
/// total (`total`, updated on success) would be over `limits`.
#[inline]
pub(crate) fn grow_memory(
    memory: &mut wisp_memory::Memory,
    delta: u64,
    limits: &StoreLimits,
    total: &mut u64,
) -> Result<u64, GrowRefused> {
    let new_pages = memory
        .size_pages()
        .checked_add(delta)
        .ok_or(GrowRefused::Failed)?;
    let new_total = total.checked_add(delta).ok_or(GrowRefused::Failed)?;
    if !limits.allows_memory(new_pages, new_total) {
        return Err(GrowRefused::Limit {
            requested: new_pages,
        });
    }
    let old = memory.grow(delta).ok_or(GrowRefused::Failed)?;
    *total = new_total;
    Ok(old)
}

/// A new store id (pointer-sized atomics exist wherever `Arc` does).
fn next_store_id() -> u64 {
    static NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed) as u64
}

impl<T> Store<T> {
    /// Creates an empty store holding `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        Self {
            inner: StoreInner {
                id: next_store_id(),
                engine: engine.clone(),
                types: Vec::new(),
                type_ids: BTreeMap::new(),
                funcs: Vec::new(),
                instances: Vec::new(),
                tables: Vec::new(),
                memories: Vec::new(),
                globals: Vec::new(),
                elems: Vec::new(),
                datas: Vec::new(),
                fuel: 0,
                fuel_total: 0,
                limits: StoreLimits::default(),
                memory_pages_total: 0,
                memory_refused: None,
                creations: Vec::new(),
            },
            host_funcs: Vec::new(),
            data,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn data(&self) -> &T {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    pub fn into_data(self) -> T {
        self.data
    }

    /// Sets the remaining fuel. Errors when the engine does not consume fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), crate::Error> {
        if !self.inner.engine.config().get_consume_fuel() {
            return Err(crate::Error::FuelDisabled);
        }
        self.inner.fuel = fuel;
        self.inner.fuel_total = fuel;
        Ok(())
    }

    /// Adds fuel to what remains.
    pub fn add_fuel(&mut self, fuel: u64) -> Result<(), crate::Error> {
        if !self.inner.engine.config().get_consume_fuel() {
            return Err(crate::Error::FuelDisabled);
        }
        self.inner.fuel = self.inner.fuel.saturating_add(fuel);
        self.inner.fuel_total = self.inner.fuel_total.saturating_add(fuel);
        Ok(())
    }

    /// Sets the store's resource limits. They apply to entities created and
    /// grown from now on; existing ones keep their sizes.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
    }

    /// The store's resource limits.
    pub fn limits(&self) -> &StoreLimits {
        &self.inner.limits
    }

    /// The remaining fuel. Errors when the engine does not consume fuel.
    /// The size in pages a `memory.grow` asked for when the store's limits
    /// last refused one (`None` if none was refused).
    pub fn memory_limit_refusal(&self) -> Option<u64> {
        self.inner.memory_refused
    }

    pub fn get_fuel(&self) -> Result<u64, crate::Error> {
        if !self.inner.engine.config().get_consume_fuel() {
            return Err(crate::Error::FuelDisabled);
        }
        Ok(self.inner.fuel)
    }
}
