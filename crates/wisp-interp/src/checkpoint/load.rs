//! Restoring a checkpoint: checks the engine identity, replays the store's
//! creations, applies the saved state and pages, and rebuilds the suspended
//! call after checking every frame against the re-derived code.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use wisp_core::{FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType};

use super::codec::Reader;
use super::image::{sha256, tags};
use super::lazy::{IndexedPages, PageStore};
use super::save::{
    PAGE, REASON_FUEL, REASON_HOST, code, features_bits, features_from_bits, val_type_code,
};
use super::{Image, RestoreError, Restored};
use crate::exec::{ExecState, Frame};
use crate::func::{Func, ResumableCall, SuspendReason};
use crate::instance::Extern;
use crate::limits::{Resource, StoreLimits};
use crate::linker::Linker;
use crate::module::Module;
use crate::store::{Store, StoreInner};
use crate::{Engine, Global, Memory, Table, Val};

/// What `HEADR` says.
pub(super) struct Header {
    abi: u64,
    version: String,
    fuel: bool,
    canonicalize_nans: bool,
    features: u32,
    pub modules: Vec<[u8; 32]>,
}

fn required<'a>(image: &Image<'a>, tag: &'static str) -> Result<&'a [u8], RestoreError> {
    image.section(tag).ok_or(RestoreError::MissingSection(tag))
}

impl Header {
    /// An engine config that runs the code this checkpoint was taken with.
    pub(super) fn config(&self) -> crate::Config {
        let mut config = crate::Config::default();
        config
            .features(features_from_bits(self.features))
            .consume_fuel(self.fuel)
            .canonicalize_nans(self.canonicalize_nans);
        config
    }
}

pub(super) fn header(image: &Image<'_>) -> Result<Header, RestoreError> {
    let mut r = Reader::new(required(image, tags::HEADER)?, tags::HEADER);
    let abi = r.u64()?;
    let version = r.str()?;
    let fuel = r.bool()?;
    let canonicalize_nans = r.bool()?;
    let features = r.u32()?;
    let count = r.count(40)?;
    let mut modules = Vec::with_capacity(count);
    for _ in 0..count {
        modules.push(r.array::<32>()?);
        let _len = r.u64()?;
    }
    r.finish()?;
    Ok(Header {
        abi,
        version,
        fuel,
        canonicalize_nans,
        features,
        modules,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that `engine` runs the same code the checkpoint was taken with,
/// and finds each module among `supplied`.
fn check_engine(
    header: &Header,
    engine: &Engine,
    supplied: &[Module],
) -> Result<Vec<Module>, RestoreError> {
    if header.abi != super::INTERP_ABI {
        return Err(RestoreError::Incompatible(format!(
            "it was taken by wisp {} with translator fingerprint {:016x}; this is wisp {} \
             with {:016x} (checkpoints resume only on a build with the same translator)",
            header.version,
            header.abi,
            env!("CARGO_PKG_VERSION"),
            super::INTERP_ABI
        )));
    }
    let config = engine.config();
    let features = features_bits(config.get_features());
    let mismatch = |what: &str, saved: &dyn core::fmt::Debug, here: &dyn core::fmt::Debug| {
        RestoreError::Incompatible(format!(
            "{what} was {saved:?} when it was taken and is {here:?} in this engine"
        ))
    };
    if header.fuel != config.get_consume_fuel() {
        return Err(mismatch(
            "fuel metering",
            &header.fuel,
            &config.get_consume_fuel(),
        ));
    }
    if header.canonicalize_nans != config.get_canonicalize_nans() {
        return Err(mismatch(
            "NaN canonicalization",
            &header.canonicalize_nans,
            &config.get_canonicalize_nans(),
        ));
    }
    if header.features != features {
        return Err(mismatch(
            "the feature set",
            &features_from_bits(header.features),
            config.get_features(),
        ));
    }
    let hashes: Vec<[u8; 32]> = supplied.iter().map(Module::sha256).collect();
    header
        .modules
        .iter()
        .map(|wanted| {
            let found = hashes
                .iter()
                .position(|h| h == wanted)
                .and_then(|i| supplied.get(i))
                .ok_or_else(|| RestoreError::ModuleUnavailable(hex(wanted)))?;
            if found.engine().config() != config {
                return Err(RestoreError::Incompatible(format!(
                    "module sha256:{} was compiled by an engine with another config",
                    hex(wanted)
                )));
            }
            Ok(found.clone())
        })
        .collect()
}

fn val_type(r: &Reader<'_>, code: u8) -> Result<ValType, RestoreError> {
    [
        ValType::I32,
        ValType::I64,
        ValType::F32,
        ValType::F64,
        ValType::FUNCREF,
        ValType::EXTERNREF,
    ]
    .into_iter()
    .find(|&t| val_type_code(t) == code)
    .ok_or_else(|| r.malformed(format!("0x{code:02x} is not a value type")))
}

fn read_val_type(r: &mut Reader<'_>) -> Result<ValType, RestoreError> {
    let code = r.u8()?;
    val_type(r, code)
}

fn read_func_type(r: &mut Reader<'_>) -> Result<FuncType, RestoreError> {
    let n = r.count(1)?;
    let params = (0..n)
        .map(|_| read_val_type(r))
        .collect::<Result<Vec<_>, _>>()?;
    let n = r.count(1)?;
    let results = (0..n)
        .map(|_| read_val_type(r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FuncType::new(params, results))
}

fn read_ref_type(r: &mut Reader<'_>) -> Result<RefType, RestoreError> {
    match read_val_type(r)? {
        ValType::Ref(t) => Ok(t),
        other => Err(r.malformed(format!("{other} is not a reference type"))),
    }
}

/// A raw value of type `ty` that this store can hold: a function reference
/// names a function of the store, an externref is null (checkpoints hold
/// none), an i32/f32 is zero-extended.
fn check_raw(r: &Reader<'_>, s: &StoreInner, raw: u64, ty: ValType) -> Result<Val, RestoreError> {
    let ok = match ty {
        ValType::I32 | ValType::F32 => raw <= u64::from(u32::MAX),
        ValType::Ref(RefType::FuncRef) => raw <= s.funcs.len() as u64,
        ValType::Ref(RefType::ExternRef) => raw == 0,
        _ => true,
    };
    if !ok {
        return Err(r.malformed(format!("{raw:#x} is not a valid {ty} here")));
    }
    Ok(Val::from_raw(raw, ty))
}

fn rebuild(e: crate::Error) -> RestoreError {
    RestoreError::Rebuild(format!("{e}"))
}

/// Replays one creation into `store`.
fn replay<T>(
    r: &mut Reader<'_>,
    store: &mut Store<T>,
    modules: &[Module],
    linker: &Linker<T>,
) -> Result<(), RestoreError> {
    match r.u8()? {
        code::INSTANCE => {
            let module = r.u32()?;
            let module = modules
                .get(module as usize)
                .ok_or_else(|| r.malformed(format!("module #{module} is not in the header")))?;
            let n = r.count(5)?;
            let mut imports = Vec::with_capacity(n);
            for _ in 0..n {
                let (kind, addr) = (r.u8()?, r.u32()?);
                imports.push(match kind {
                    code::FUNC => Extern::Func(Func::from_addr(addr)),
                    code::TABLE => Extern::Table(Table(addr)),
                    code::MEMORY => Extern::Memory(Memory(addr)),
                    code::GLOBAL => Extern::Global(Global(addr)),
                    _ => return Err(r.malformed(format!("{kind} is not an import kind"))),
                });
            }
            crate::instantiate::allocate_instance(&mut store.inner, module, &imports)
                .map_err(rebuild)?;
        }
        code::HOST_FUNC => {
            let ty = read_func_type(r)?;
            let (module, name) = (r.str()?, r.str()?);
            let missing = || RestoreError::HostFuncMissing {
                module: module.clone(),
                name: name.clone(),
            };
            let (defined, f) = linker.host_func(&module, &name).ok_or_else(missing)?;
            if *defined != ty {
                return Err(missing());
            }
            let f = alloc::sync::Arc::clone(f);
            Func::new_arc(store, ty, f, Some((module, name)));
        }
        code::HOST_MEMORY => {
            let ty = MemoryType {
                min: r.u64()?,
                max: r.opt_u64()?,
                memory64: false,
                shared: false,
                page_size_log2: None,
            };
            Memory::new(store, ty).map_err(rebuild)?;
        }
        code::HOST_TABLE => {
            let element = read_ref_type(r)?;
            let ty = TableType {
                element,
                min: r.u64()?,
                max: r.opt_u64()?,
                table64: false,
            };
            let raw = r.u64()?;
            let init = check_raw(r, &store.inner, raw, ValType::Ref(element))?;
            Table::new(store, ty, init).map_err(rebuild)?;
        }
        code::HOST_GLOBAL => {
            let content = read_val_type(r)?;
            let mutability = if r.bool()? {
                Mutability::Var
            } else {
                Mutability::Const
            };
            let raw = r.u64()?;
            let init = check_raw(r, &store.inner, raw, content)?;
            Global::new(
                store,
                GlobalType {
                    content,
                    mutability,
                },
                init,
            )
            .map_err(rebuild)?;
        }
        other => return Err(r.malformed(format!("{other} is not a creation kind"))),
    }
    Ok(())
}

/// Reads a count that must equal the store's `actual` count of `what`.
fn same_count(r: &mut Reader<'_>, actual: usize, what: &str) -> Result<(), RestoreError> {
    let n = r.u32()? as usize;
    if n != actual {
        return Err(r.malformed(format!(
            "{n} {what} saved, but replaying the store made {actual}"
        )));
    }
    Ok(())
}

/// Applies the saved state of every entity (after the creations).
fn apply_state(r: &mut Reader<'_>, s: &mut StoreInner) -> Result<(), RestoreError> {
    same_count(r, s.globals.len(), "globals")?;
    for addr in 0..s.globals.len() {
        let ty = s.globals[addr].ty.content;
        let raw = r.u64()?;
        check_raw(r, s, raw, ty)?;
        s.globals[addr].value = raw;
    }
    same_count(r, s.tables.len(), "tables")?;
    for addr in 0..s.tables.len() {
        let len = r.count(8)?;
        let elements = r.u64s(len)?;
        let ty = ValType::Ref(s.tables[addr].ty.element);
        for &raw in &elements {
            check_raw(r, s, raw, ty)?;
        }
        let table = &mut s.tables[addr];
        let within_max = table.ty.max.is_none_or(|max| len as u64 <= max);
        if len < table.elements.len() || !within_max || len as u64 > u64::from(u32::MAX) {
            return Err(r.malformed(format!(
                "table {addr} cannot have {len} elements (it has {}, maximum {:?})",
                table.elements.len(),
                table.ty.max
            )));
        }
        table.elements = elements;
    }
    same_count(r, s.memories.len(), "memories")?;
    for addr in 0..s.memories.len() {
        let pages = r.u64()?;
        let memory = &mut s.memories[addr];
        let delta = pages.checked_sub(memory.size_pages());
        if delta.and_then(|d| memory.grow(d)).is_none() {
            return Err(r.malformed(format!(
                "memory {addr} of {pages} pages does not fit its type"
            )));
        }
    }
    same_count(r, s.elems.len(), "element segments")?;
    for elem in s.elems.iter_mut() {
        if r.bool()? {
            elem.items = Vec::new();
        }
    }
    same_count(r, s.datas.len(), "data segments")?;
    for data in s.datas.iter_mut() {
        if r.bool()? {
            data.range = data.range.start..data.range.start;
        }
    }
    s.recount_memory_pages();
    Ok(())
}

/// One `PGIDX` entry.
struct StoredPage {
    memory: u32,
    page: u32,
    offset: u64,
    hash: [u8; 32],
}

/// Reads `PGIDX`, checking each entry names an existing page.
fn page_index(image: &Image<'_>, s: &StoreInner) -> Result<Vec<StoredPage>, RestoreError> {
    let mut r = Reader::new(required(image, tags::PAGE_INDEX)?, tags::PAGE_INDEX);
    let count = r.count(48)?;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let entry = StoredPage {
            memory: r.u32()?,
            page: r.u32()?,
            offset: r.u64()?,
            hash: r.array::<32>()?,
        };
        let exists = s
            .memories
            .get(entry.memory as usize)
            .is_some_and(|m| u64::from(entry.page) < m.size_pages());
        if !exists {
            return Err(r.malformed(format!(
                "page {} of memory {} does not exist",
                entry.page, entry.memory
            )));
        }
        entries.push(entry);
    }
    r.finish()?;
    Ok(entries)
}

/// Writes the stored pages into the store's memories, checking each
/// page's sha256.
fn apply_pages(
    image: &Image<'_>,
    s: &mut StoreInner,
    entries: &[StoredPage],
) -> Result<(), RestoreError> {
    let pages = required(image, tags::PAGES)?;
    for entry in entries {
        let bytes: &wisp_memory::PageBytes = usize::try_from(entry.offset)
            .ok()
            .and_then(|o| pages.get(o..o.checked_add(PAGE)?))
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| RestoreError::Malformed {
                section: tags::PAGES,
                what: format!("no page at offset {}", entry.offset),
            })?;
        if sha256(bytes) != entry.hash {
            return Err(RestoreError::Corrupt(format!(
                "{} (page {})",
                tags::PAGES,
                entry.page
            )));
        }
        if let Some(memory) = s.memories.get_mut(entry.memory as usize) {
            memory
                .write_page(u64::from(entry.page), bytes)
                .map_err(|e| RestoreError::Rebuild(format!("memory {}: {e}", entry.memory)))?;
        }
    }
    Ok(())
}

/// Makes every memory with stored pages lazy: its pages come from `store`
/// on first touch.
fn install_lazy_pages(
    s: &mut StoreInner,
    entries: &[StoredPage],
    store: &Arc<dyn PageStore>,
) -> Result<(), RestoreError> {
    let mut by_memory: BTreeMap<u32, BTreeMap<u64, (u64, [u8; 32])>> = BTreeMap::new();
    for e in entries {
        by_memory
            .entry(e.memory)
            .or_default()
            .insert(u64::from(e.page), (e.offset, e.hash));
    }
    for (addr, pages) in by_memory {
        let Some(memory) = s.memories.get_mut(addr as usize) else {
            continue;
        };
        let pending: Vec<u64> = pages.keys().copied().collect();
        let source = IndexedPages {
            store: Arc::clone(store),
            entries: pages,
        };
        *memory = wisp_memory::Memory::new_lazy(
            memory.size_pages(),
            memory.max_pages(),
            pending,
            Box::new(source),
        )
        .map_err(|e| RestoreError::Rebuild(format!("memory {addr}: {e}")))?;
    }
    Ok(())
}

/// Rebuilds the suspended call of `EXECS`, checking it against the store.
fn exec_state(bytes: &[u8], s: &StoreInner) -> Result<ResumableCall, RestoreError> {
    let mut r = Reader::new(bytes, tags::EXEC);
    let func = r.u32()?;
    let reason = match r.u8()? {
        REASON_FUEL => SuspendReason::OutOfFuel { required: r.u64()? },
        REASON_HOST => SuspendReason::Host {
            func: Func::from_addr(r.u32()?),
            payload: Box::new(()),
        },
        other => return Err(r.malformed(format!("{other} is not a suspension reason"))),
    };
    let host_slot = r.opt_u64()?;
    let len = r.count(8)?;
    let stack = r.u64s(len)?;
    let n = r.count(12)?;
    let mut frames = Vec::with_capacity(n);
    for _ in 0..n {
        let (func, pc, fp) = (r.u32()?, r.u32()?, r.u32()?);
        let frame = Frame::of_func(s, func, pc, fp).ok_or_else(|| RestoreError::Malformed {
            section: tags::EXEC,
            what: "a frame of something that is not a Wasm function".into(),
        })?;
        frames.push(frame);
    }
    r.finish()?;
    let state = ExecState { stack, frames };
    let host_slot = host_slot.map(|slot| slot as usize);
    crate::exec::check_resumable(s, &state, host_slot).map_err(|what| RestoreError::Malformed {
        section: tags::EXEC,
        what: what.into(),
    })?;
    let is_host = |addr: u32| {
        s.funcs
            .get(addr as usize)
            .is_some_and(|f| matches!(f.kind, crate::store::FuncKind::Host { .. }))
    };
    let valid = func < s.funcs.len() as u32
        && match &reason {
            SuspendReason::Host { func, .. } => is_host(func.addr()),
            SuspendReason::OutOfFuel { .. } => !state.frames.is_empty(),
        };
    if !valid {
        return Err(RestoreError::Malformed {
            section: tags::EXEC,
            what: "the suspended call names functions the store does not have".into(),
        });
    }
    Ok(ResumableCall {
        state,
        reason,
        func: Func::from_addr(func),
        host_slot,
    })
}

pub(super) fn restore<T>(
    image: &Image<'_>,
    engine: &Engine,
    supplied: &[Module],
    linker: &Linker<T>,
    data: T,
    pages: Option<Arc<dyn PageStore>>,
) -> Result<Restored<T>, RestoreError> {
    let header = header(image)?;
    let modules = check_engine(&header, engine, supplied)?;
    let mut store = Store::new(engine, data);

    let mut r = Reader::new(required(image, tags::STORE)?, tags::STORE);
    let mut limits = StoreLimits::default();
    for resource in Resource::ALL {
        limits = limits.with(resource, r.u64()?);
    }
    let (fuel, fuel_total) = (r.u64()?, r.u64()?);
    let creations = r.count(1)?;
    for _ in 0..creations {
        replay(&mut r, &mut store, &modules, linker)?;
    }
    apply_state(&mut r, &mut store.inner)?;
    r.finish()?;
    let entries = page_index(image, &store.inner)?;
    match &pages {
        None => apply_pages(image, &mut store.inner, &entries)?,
        Some(source) => install_lazy_pages(&mut store.inner, &entries, source)?,
    }
    store.inner.limits = limits;
    store.inner.fuel = fuel;
    store.inner.fuel_total = fuel_total;
    let call = match image.section(tags::EXEC) {
        Some(bytes) => Some(exec_state(bytes, &store.inner)?),
        None => None,
    };
    let instances = (0..store.inner.instances.len() as u32)
        .map(crate::Instance)
        .collect();
    Ok(Restored {
        store,
        instances,
        call,
    })
}
