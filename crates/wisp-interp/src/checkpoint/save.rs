//! Capturing a store and a suspended call into checkpoint sections.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use wisp_core::{
    Features, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType,
};

use super::CheckpointError;
use super::codec::Writer;
use super::image::{FLAG_HASHED_PER_PAGE, Section, encode_tag, sha256, tags};
use crate::func::{ResumableCall, SuspendReason};
use crate::instance::Extern;
use crate::module::ModuleInner;
use crate::store::{Creation, StoreInner};

/// Bytes of one memory page.
pub(super) const PAGE: usize = 65536;

/// The sections of a checkpoint of `store` and `call`.
pub(super) fn capture(
    store: &mut StoreInner,
    call: Option<&ResumableCall>,
) -> Result<Vec<Section>, CheckpointError> {
    // A memory restored lazily still has pages at its source: fetch them.
    for (addr, memory) in store.memories.iter_mut().enumerate() {
        memory.fetch_all().map_err(|e| {
            CheckpointError::Unserializable(format!(
                "memory {addr} has pages not yet restored that cannot be fetched: {e}"
            ))
        })?;
    }
    let store = &*store;
    check_no_externrefs(store)?;
    let modules = modules_of(store);
    let mut sections = Vec::new();
    sections.push(section(tags::HEADER, 0, header(store, &modules)));
    sections.push(section(tags::STORE, 0, store_state(store, &modules)?));
    if let Some(call) = call {
        sections.push(section(tags::EXEC, 0, exec_state(store, call)));
    }
    let (index, pages) = memory_pages(store);
    sections.push(section(tags::PAGE_INDEX, 0, index));
    sections.push(section(tags::PAGES, FLAG_HASHED_PER_PAGE, pages));
    Ok(sections)
}

fn section(tag: &str, flags: u32, payload: Vec<u8>) -> Section {
    Section {
        // The interpreter's own tags are valid by construction.
        tag: encode_tag(tag).unwrap_or([0; 8]),
        flags,
        payload,
    }
}

/// Refuses non-null `externref`s in tables and globals: they are the
/// embedder's handles and mean nothing to another process.
fn check_no_externrefs(store: &StoreInner) -> Result<(), CheckpointError> {
    for (addr, table) in store.tables.iter().enumerate() {
        if table.ty.element == RefType::ExternRef && table.elements.iter().any(|&r| r != 0) {
            return Err(CheckpointError::Unserializable(format!(
                "externref in table {addr}"
            )));
        }
    }
    for (addr, global) in store.globals.iter().enumerate() {
        if global.ty.content == ValType::EXTERNREF && global.value != 0 {
            return Err(CheckpointError::Unserializable(format!(
                "externref in global {addr}"
            )));
        }
    }
    Ok(())
}

/// The distinct modules instantiated in `store`, in order of first use.
fn modules_of(store: &StoreInner) -> Vec<Arc<ModuleInner>> {
    let mut modules: Vec<Arc<ModuleInner>> = Vec::new();
    for creation in &store.creations {
        if let Creation::Instance { module, .. } = creation
            && !modules.iter().any(|m| Arc::ptr_eq(m, module))
        {
            modules.push(module.clone());
        }
    }
    modules
}

fn module_index(modules: &[Arc<ModuleInner>], module: &Arc<ModuleInner>) -> u32 {
    modules
        .iter()
        .position(|m| Arc::ptr_eq(m, module))
        .unwrap_or(0) as u32
}

/// `HEADR`: the engine identity and the modules by hash.
fn header(store: &StoreInner, modules: &[Arc<ModuleInner>]) -> Vec<u8> {
    let mut w = Writer::default();
    w.u64(super::INTERP_ABI);
    w.str(env!("CARGO_PKG_VERSION"));
    let config = store.engine.config();
    w.bool(config.get_consume_fuel());
    w.bool(config.get_canonicalize_nans());
    w.u32(features_bits(config.get_features()));
    w.len(modules.len());
    for module in modules {
        w.raw(&sha256(&module.decoded.bytes));
        w.u64(module.decoded.bytes.len() as u64);
    }
    w.bytes
}

/// The enabled proposals as bits, in the order of [`Features`]' fields.
pub(super) fn features_bits(f: &Features) -> u32 {
    [
        f.mutable_global,
        f.saturating_float_to_int,
        f.sign_extension,
        f.multi_value,
        f.bulk_memory,
        f.reference_types,
        f.extended_const,
    ]
    .iter()
    .enumerate()
    .fold(0, |bits, (i, &on)| bits | (u32::from(on) << i))
}

/// The proposals `bits` ([`features_bits`]) enable.
pub(super) fn features_from_bits(bits: u32) -> Features {
    let on = |i: u32| bits & (1 << i) != 0;
    Features {
        mutable_global: on(0),
        saturating_float_to_int: on(1),
        sign_extension: on(2),
        multi_value: on(3),
        bulk_memory: on(4),
        reference_types: on(5),
        extended_const: on(6),
    }
}

pub(super) fn val_type_code(ty: ValType) -> u8 {
    match ty {
        ValType::I32 => 0x7f,
        ValType::I64 => 0x7e,
        ValType::F32 => 0x7d,
        ValType::F64 => 0x7c,
        ValType::Ref(RefType::FuncRef) => 0x70,
        ValType::Ref(RefType::ExternRef) => 0x6f,
    }
}

fn func_type(w: &mut Writer, ty: &FuncType) {
    w.len(ty.params().len());
    for &p in ty.params() {
        w.u8(val_type_code(p));
    }
    w.len(ty.results().len());
    for &r in ty.results() {
        w.u8(val_type_code(r));
    }
}

fn memory_type(w: &mut Writer, ty: &MemoryType) {
    w.u64(ty.min);
    w.opt_u64(ty.max);
}

fn table_type(w: &mut Writer, ty: &TableType) {
    w.u8(val_type_code(ValType::Ref(ty.element)));
    w.u64(ty.min);
    w.opt_u64(ty.max);
}

fn global_type(w: &mut Writer, ty: &GlobalType) {
    w.u8(val_type_code(ty.content));
    w.bool(ty.mutability == Mutability::Var);
}

/// Kind codes of [`Extern`]s and of creations.
pub(super) mod code {
    pub const FUNC: u8 = 0;
    pub const TABLE: u8 = 1;
    pub const MEMORY: u8 = 2;
    pub const GLOBAL: u8 = 3;

    pub const INSTANCE: u8 = 0;
    pub const HOST_FUNC: u8 = 1;
    pub const HOST_MEMORY: u8 = 2;
    pub const HOST_TABLE: u8 = 3;
    pub const HOST_GLOBAL: u8 = 4;
}

fn extern_ref(w: &mut Writer, value: &Extern) {
    let (kind, addr) = match *value {
        Extern::Func(f) => (code::FUNC, f.addr()),
        Extern::Table(t) => (code::TABLE, t.0),
        Extern::Memory(m) => (code::MEMORY, m.0),
        Extern::Global(g) => (code::GLOBAL, g.0),
    };
    w.u8(kind);
    w.u32(addr);
}

/// `STORE`: limits, fuel, the creations to replay, then the mutable state
/// of every entity.
fn store_state(
    store: &StoreInner,
    modules: &[Arc<ModuleInner>],
) -> Result<Vec<u8>, CheckpointError> {
    let mut w = Writer::default();
    let limits = &store.limits;
    for resource in crate::limits::Resource::ALL {
        w.u64(limits.get(resource));
    }
    w.u64(store.fuel);
    w.u64(store.fuel_total);

    w.len(store.creations.len());
    for (n, creation) in store.creations.iter().enumerate() {
        match creation {
            Creation::Instance { module, imports } => {
                w.u8(code::INSTANCE);
                w.u32(module_index(modules, module));
                w.len(imports.len());
                for import in imports.iter() {
                    extern_ref(&mut w, import);
                }
            }
            Creation::HostFunc { ty, name } => {
                let Some((module, name)) = name else {
                    return Err(CheckpointError::Unserializable(format!(
                        "host function #{n} of type {ty} was created with Func::new, not \
                         defined through a Linker, so a restore could not find it again"
                    )));
                };
                w.u8(code::HOST_FUNC);
                func_type(&mut w, ty);
                w.str(module);
                w.str(name);
            }
            Creation::Memory(ty) => {
                w.u8(code::HOST_MEMORY);
                memory_type(&mut w, ty);
            }
            Creation::Table(ty, init) => {
                w.u8(code::HOST_TABLE);
                table_type(&mut w, ty);
                w.u64(*init);
            }
            Creation::Global(ty, init) => {
                w.u8(code::HOST_GLOBAL);
                global_type(&mut w, ty);
                w.u64(*init);
            }
        }
    }

    w.len(store.globals.len());
    for global in &store.globals {
        w.u64(global.value);
    }
    w.len(store.tables.len());
    for table in &store.tables {
        w.len(table.elements.len());
        for &element in &table.elements {
            w.u64(element);
        }
    }
    w.len(store.memories.len());
    for memory in &store.memories {
        w.u64(memory.size_pages());
    }
    w.len(store.elems.len());
    for elem in &store.elems {
        w.bool(elem.items.is_empty());
    }
    w.len(store.datas.len());
    for data in &store.datas {
        w.bool(data.range.is_empty());
    }
    Ok(w.bytes)
}

/// Codes of [`SuspendReason`]s.
pub(super) const REASON_FUEL: u8 = 0;
pub(super) const REASON_HOST: u8 = 1;

/// `EXECS`: the suspended call.
fn exec_state(store: &StoreInner, call: &ResumableCall) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(call.func.addr());
    match &call.reason {
        SuspendReason::OutOfFuel { required } => {
            w.u8(REASON_FUEL);
            w.u64(*required);
        }
        SuspendReason::Host { func, .. } => {
            w.u8(REASON_HOST);
            w.u32(func.addr());
        }
    }
    w.opt_u64(call.host_slot.map(|s| s as u64));
    let state = &call.state;
    // Only the part of the value stack that frames use (it grows by doubling).
    let used = state.used_stack_len(store);
    w.len(used);
    for &slot in state.stack.iter().take(used) {
        w.u64(slot);
    }
    w.len(state.frames.len());
    for frame in &state.frames {
        w.u32(frame.func_addr(store).unwrap_or(u32::MAX));
        w.u32(frame.pc);
        w.u32(frame.fp);
    }
    w.bytes
}

/// `PGIDX` and `PAGES`: every memory page that is not all zeros, with its
/// sha256; pages that are all zeros are not stored.
fn memory_pages(store: &StoreInner) -> (Vec<u8>, Vec<u8>) {
    let mut index = Writer::default();
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    for (addr, memory) in store.memories.iter().enumerate() {
        for page in memory.resident_page_indices() {
            let Some(bytes) = memory.resident_page(page) else {
                continue;
            };
            if wisp_memory::is_zero_page(bytes) {
                continue;
            }
            entries.push((addr as u32, page as u32, pages.len() as u64, sha256(bytes)));
            pages.extend_from_slice(bytes);
        }
    }
    index.len(entries.len());
    for (memory, page, offset, hash) in entries {
        index.u32(memory);
        index.u32(page);
        index.u64(offset);
        index.raw(&hash);
    }
    (index.bytes, pages)
}
