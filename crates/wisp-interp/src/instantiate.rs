//! Instantiation, as the spec's "Modules > Instantiation" section defines it:
//! check imports, allocate the instance's entities in the store, initialise
//! tables and memories from active segments, then run the start function.

// Nothing here may panic, whatever the module and the executor's state:
// clippy checks it (the handle-based API elsewhere panics only on an embedder's
// wrong-store handle; see `store.rs`).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use wisp_core::{ExternKind, TrapCode};
use wisp_decode::{ConstExpr, ConstOp, DataMode, ElementItems, ElementMode};

use crate::error::{Error, LinkError, Trap};
use crate::instance::{Extern, Instance};
use crate::limits::Resource;
use crate::module::{ExternType, Module, ModuleInner};
use crate::store::{
    Creation, DataEntity, ElemEntity, FuncEntity, FuncKind, GlobalEntity, InstanceEntity, Store,
    StoreInner, TableEntity,
};

/// Instantiates `module` with `imports` in the module's import order.
///
/// # Note
/// Every index this reads from the module was checked by validation, and
/// every store address it reads was allocated here; both are still accessed
/// with checks, and a miss is an internal [`Error::Limit`], never a panic.
/// A failure before the instance exists removes what was allocated for it,
/// so no store entity ever names a missing instance.
pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance, Error> {
    let (instance, start) = instantiate_without_start(store, module, imports)?;
    if let Some(start) = start {
        start.call(store, &[], &mut [])?;
    }
    Ok(instance)
}

/// [`instantiate`] up to (not including) running the start function,
/// which it returns.
pub(crate) fn instantiate_without_start<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<(Instance, Option<crate::Func>), Error> {
    let inner = &module.inner;
    let decoded = &inner.decoded;
    let s = &mut store.inner;
    let inst_index = allocate_instance(s, module, imports)?;
    let start = match decoded.start {
        Some(start) => {
            let instance = s.instances.get(inst_index as usize);
            let funcs = instance.map_or(&[][..], |i| &i.funcs[..]);
            Some(space(funcs, start.func, "function")?)
        }
        None => None,
    };
    // From here on the instance exists: segment initialisation may write
    // references to its functions into imported tables, and those stay
    // (as the spec says) even if a later segment traps.
    initialize_segments(s, inner, inst_index)?;
    Ok((Instance(inst_index), start.map(crate::Func::from_addr)))
}

/// Allocates an instance of `module` with `imports` and records the
/// creation, without initialising segments or running the start function
/// (a checkpoint restore replays this, then restores the state); on failure
/// the store is left as it was.
pub(crate) fn allocate_instance(
    s: &mut StoreInner,
    module: &Module,
    imports: &[Extern],
) -> Result<u32, Error> {
    let wanted = module.inner.decoded.imports.len();
    if imports.len() != wanted {
        return Err(Error::Api(format!(
            "module has {wanted} imports, but {} values were given",
            imports.len()
        )));
    }
    let metered = s.engine.config().get_consume_fuel();
    if module.inner.engine.config().get_consume_fuel() != metered {
        let (module_fuel, store_fuel) = if metered {
            ("off", "on")
        } else {
            ("on", "off")
        };
        return Err(Error::Api(format!(
            "module was compiled with fuel metering {module_fuel}, but the store's engine has it \
             {store_fuel}: compile the module with the store's engine"
        )));
    }
    let mark = Mark::of(s);
    let entity = match allocate(s, module, imports) {
        Ok(entity) => entity,
        Err(e) => {
            mark.roll_back(s);
            return Err(e);
        }
    };
    let inst_index = index_of(&s.instances, "instances")?;
    s.instances.push(entity);
    s.creations.push(Creation::Instance {
        module: module.inner.clone(),
        imports: imports.into(),
    });
    Ok(inst_index)
}

/// The lengths of the store's entity vectors before an instantiation, to
/// remove what it allocated if it fails before the instance exists.
struct Mark {
    funcs: usize,
    tables: usize,
    memories: usize,
    globals: usize,
    elems: usize,
    datas: usize,
}

impl Mark {
    fn of(s: &StoreInner) -> Self {
        Self {
            funcs: s.funcs.len(),
            tables: s.tables.len(),
            memories: s.memories.len(),
            globals: s.globals.len(),
            elems: s.elems.len(),
            datas: s.datas.len(),
        }
    }

    fn roll_back(self, s: &mut StoreInner) {
        s.funcs.truncate(self.funcs);
        s.tables.truncate(self.tables);
        s.memories.truncate(self.memories);
        s.globals.truncate(self.globals);
        s.elems.truncate(self.elems);
        s.datas.truncate(self.datas);
        s.recount_memory_pages();
    }
}

/// Checks the imports and allocates the instance's functions, globals,
/// tables, memories and segments; returns the instance, not yet in the store.
fn allocate(
    s: &mut StoreInner,
    module: &Module,
    imports: &[Extern],
) -> Result<InstanceEntity, Error> {
    let inner = &module.inner;
    let decoded = &inner.decoded;
    let inst_index = index_of(&s.instances, "instances")?;
    let (tables_before, tables_new) = (s.tables.len() as u64, decoded.tables.len() as u64);
    s.limits
        .check(Resource::Instances, u64::from(inst_index).saturating_add(1))?;
    s.limits
        .check(Resource::Tables, tables_before.saturating_add(tables_new))?;
    let type_ids: Box<[u32]> = decoded.types.iter().map(|t| s.intern_type(t)).collect();

    // Validated counts, bounded by `wisp_core::limits`.
    let mut funcs = Vec::with_capacity(decoded.num_funcs() as usize);
    let mut tables = Vec::with_capacity(decoded.num_tables() as usize);
    let mut memories = Vec::with_capacity(decoded.num_memories() as usize);
    let mut globals = Vec::with_capacity(decoded.num_globals() as usize);
    for (import, value) in decoded.imports.iter().zip(imports) {
        check_import(s, inner, import, value)?;
        match *value {
            Extern::Func(f) => funcs.push(f.addr()),
            Extern::Table(t) => tables.push(t.0),
            Extern::Memory(m) => memories.push(m.0),
            Extern::Global(g) => globals.push(g.0),
        }
    }

    for (defined_index, &type_index) in decoded.functions.iter().enumerate() {
        let entity = FuncEntity {
            type_id: space(&type_ids, type_index, "type")?,
            kind: FuncKind::Wasm {
                instance: inst_index,
                module: module.inner.clone(),
                defined_index: u32::try_from(defined_index).map_err(|_| broken("function"))?,
            },
        };
        funcs.push(push(&mut s.funcs, entity, "functions")?);
    }
    for global in &decoded.globals {
        let value = eval_const(&global.init, s, &globals, &funcs)?;
        let entity = GlobalEntity {
            ty: global.ty,
            value,
        };
        globals.push(push(&mut s.globals, entity, "globals")?);
    }
    for table in &decoded.tables {
        let init = match &table.init {
            Some(expr) => eval_const(expr, s, &globals, &funcs)?,
            None => 0,
        };
        let entity = TableEntity {
            ty: table.ty,
            elements: crate::table::new_elements(&s.limits, table.ty.min, init)?,
        };
        tables.push(push(&mut s.tables, entity, "tables")?);
    }
    for mem in &decoded.memories {
        memories.push(s.new_memory(mem)?);
    }
    let mut elems = Vec::with_capacity(decoded.elements.len());
    for seg in &decoded.elements {
        let items = match &seg.items {
            ElementItems::Functions(indices) => indices
                .iter()
                .map(|&f| space(&funcs, f, "function").map(func_ref))
                .collect::<Result<_, _>>()?,
            ElementItems::Exprs(exprs) => exprs
                .iter()
                .map(|e| eval_const(e, s, &globals, &funcs))
                .collect::<Result<_, _>>()?,
        };
        elems.push(push(
            &mut s.elems,
            ElemEntity { items },
            "element segments",
        )?);
    }
    let mut datas = Vec::with_capacity(decoded.data.len());
    for seg in &decoded.data {
        let entity = DataEntity {
            bytes: decoded.bytes.clone(),
            range: seg.data.clone(),
        };
        datas.push(push(&mut s.datas, entity, "data segments")?);
    }
    let mut exports = BTreeMap::new();
    for export in &decoded.exports {
        let i = export.index;
        let value = match export.kind {
            ExternKind::Func => Extern::Func(crate::Func::from_addr(space(&funcs, i, "function")?)),
            ExternKind::Table => Extern::Table(crate::Table(space(&tables, i, "table")?)),
            ExternKind::Memory => Extern::Memory(crate::Memory(space(&memories, i, "memory")?)),
            ExternKind::Global => Extern::Global(crate::Global(space(&globals, i, "global")?)),
            ExternKind::Tag => continue,
        };
        exports.insert(export.name.clone(), value);
    }

    Ok(InstanceEntity {
        module: module.inner.clone(),
        type_ids,
        funcs: funcs.into_boxed_slice(),
        tables: tables.into_boxed_slice(),
        memories: memories.into_boxed_slice(),
        globals: globals.into_boxed_slice(),
        elems: elems.into_boxed_slice(),
        datas: datas.into_boxed_slice(),
        exports,
    })
}

/// The store address at `index` of one of an instance's index spaces.
fn space(addrs: &[u32], index: u32, what: &str) -> Result<u32, Error> {
    addrs
        .get(index as usize)
        .copied()
        .ok_or_else(|| broken(what))
}

/// The raw reference to the function at store address `addr` (see `value.rs`).
fn func_ref(addr: u32) -> u64 {
    u64::from(addr) + 1
}

/// The address the next entity pushed to `entities` gets.
fn index_of<E>(entities: &[E], what: &str) -> Result<u32, Error> {
    u32::try_from(entities.len()).map_err(|_| store_full(what))
}

/// Appends `entity` to a store vector and returns its address.
fn push<E>(entities: &mut Vec<E>, entity: E, what: &str) -> Result<u32, Error> {
    let addr = index_of(entities, what)?;
    entities.push(entity);
    Ok(addr)
}

#[cold]
fn store_full(what: &str) -> Error {
    Error::Limit(format!("the store holds 2^32 {what} already"))
}

/// A module index out of range, or a constant expression that is not
/// constant: impossible after validation.
#[cold]
fn broken(what: &str) -> Error {
    Error::Limit(format!(
        "internal error: a validated module refers to a missing {what}"
    ))
}

/// Copies active element and data segments into their table or memory and
/// drops them (and declared element segments), in module order.
fn initialize_segments(s: &mut StoreInner, module: &ModuleInner, inst: u32) -> Result<(), Error> {
    let decoded = &module.decoded;
    let instance = s
        .instances
        .get(inst as usize)
        .ok_or_else(|| broken("instance"))?;
    // The instance's index spaces, copied out so the store can be written.
    let (globals, funcs) = (instance.globals.clone(), instance.funcs.clone());
    let (tables, memories) = (instance.tables.clone(), instance.memories.clone());
    let (elems, datas) = (instance.elems.clone(), instance.datas.clone());
    for (seg, &elem_addr) in decoded.elements.iter().zip(elems.iter()) {
        match &seg.mode {
            ElementMode::Passive => continue,
            ElementMode::Declared => {}
            ElementMode::Active { table, offset } => {
                let offset = eval_const(offset, s, &globals, &funcs)? as u32;
                let table_addr = space(&tables, *table, "table")?;
                let StoreInner {
                    elems: store_elems,
                    tables: store_tables,
                    ..
                } = &mut *s;
                let items = &store_elems
                    .get(elem_addr as usize)
                    .ok_or_else(|| broken("element segment"))?
                    .items;
                let elements = &mut store_tables
                    .get_mut(table_addr as usize)
                    .ok_or_else(|| broken("table"))?
                    .elements;
                let start = offset as usize;
                let target = start
                    .checked_add(items.len())
                    .and_then(|end| elements.get_mut(start..end))
                    .ok_or_else(|| trap_in(module, TrapCode::TableOutOfBounds))?;
                target.copy_from_slice(items);
            }
        }
        if let Some(e) = s.elems.get_mut(elem_addr as usize) {
            e.items = Vec::new();
        }
    }
    for (seg, &data_addr) in decoded.data.iter().zip(datas.iter()) {
        let DataMode::Active { memory, offset } = &seg.mode else {
            continue;
        };
        let offset = eval_const(offset, s, &globals, &funcs)? as u32;
        let mem_addr = space(&memories, *memory, "memory")?;
        let StoreInner {
            datas: store_datas,
            memories: store_memories,
            ..
        } = &mut *s;
        let data = store_datas
            .get_mut(data_addr as usize)
            .ok_or_else(|| broken("data segment"))?;
        store_memories
            .get_mut(mem_addr as usize)
            .ok_or_else(|| broken("memory"))?
            .write(u64::from(offset), data.bytes())
            .map_err(|_| trap_in(module, TrapCode::MemoryOutOfBounds))?;
        data.range = data.range.start..data.range.start;
    }
    Ok(())
}

#[cold]
fn trap_in(_module: &ModuleInner, code: TrapCode) -> Error {
    Error::Trap(Trap::new(code))
}

/// Evaluates a validated constant expression to a raw slot value.
pub(crate) fn eval_const(
    expr: &ConstExpr,
    s: &StoreInner,
    globals: &[u32],
    funcs: &[u32],
) -> Result<u64, Error> {
    let mut stack: Vec<u64> = Vec::with_capacity(2);
    for op in &expr.ops {
        let value = match *op {
            ConstOp::I32Const(v) => v as u32 as u64,
            ConstOp::I64Const(v) => v as u64,
            ConstOp::F32Const(bits) => bits as u64,
            ConstOp::F64Const(bits) => bits,
            ConstOp::RefNull(_) => 0,
            ConstOp::RefFunc(f) => func_ref(space(funcs, f, "function")?),
            ConstOp::GlobalGet(g) => {
                s.globals
                    .get(space(globals, g, "global")? as usize)
                    .ok_or_else(|| broken("global"))?
                    .value
            }
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let (b, a) = pop2(&mut stack)?;
                let (a, b) = (a as u32, b as u32);
                let r = match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                };
                r as u64
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let (b, a) = pop2(&mut stack)?;
                match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }
            }
            ConstOp::NonConstant { .. } => return Err(broken("constant instruction")),
        };
        stack.push(value);
    }
    stack.pop().ok_or_else(|| broken("constant operand"))
}

/// Pops the two operands of a binary constant instruction, top first.
fn pop2(stack: &mut Vec<u64>) -> Result<(u64, u64), Error> {
    match (stack.pop(), stack.pop()) {
        (Some(b), Some(a)) => Ok((b, a)),
        _ => Err(broken("constant operand")),
    }
}

/// Checks that `value` satisfies the import's type (the spec's "import matching").
fn check_import(
    s: &StoreInner,
    module: &ModuleInner,
    import: &wisp_decode::Import,
    value: &Extern,
) -> Result<(), Error> {
    let Some(expected) = module.import_type(&import.desc) else {
        return Err(Error::Api(format!(
            "import `{}::{}` of kind {} is not supported",
            import.module,
            import.name,
            import.desc.kind()
        )));
    };
    let Some(found) = extern_type(s, value) else {
        return Err(Error::Api(format!(
            "the value given for import `{}::{}` does not belong to this store",
            import.module, import.name
        )));
    };
    let ok = match (&expected, &found) {
        (ExternType::Func(a), ExternType::Func(b)) => a == b,
        (ExternType::Table(a), ExternType::Table(b)) => {
            a.element == b.element && limits_match(a.min, a.max, b.min, b.max)
        }
        (ExternType::Memory(a), ExternType::Memory(b)) => limits_match(a.min, a.max, b.min, b.max),
        (ExternType::Global(a), ExternType::Global(b)) => a == b,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(LinkError::IncompatibleImportType {
        module: import.module.clone(),
        name: import.name.clone(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
    .into())
}

/// Limits subtyping: the provided limits `[min2, max2]` must lie within `[min1, max1]`.
fn limits_match(min1: u64, max1: Option<u64>, min2: u64, max2: Option<u64>) -> bool {
    min2 >= min1
        && match (max1, max2) {
            (None, _) => true,
            (Some(m1), Some(m2)) => m2 <= m1,
            (Some(_), None) => false,
        }
}

/// The current type of a store entity (tables and memories report their
/// current size as minimum); `None` for a handle this store does not have.
pub(crate) fn extern_type(s: &StoreInner, value: &Extern) -> Option<ExternType> {
    Some(match *value {
        Extern::Func(f) => {
            let entity = s.funcs.get(f.addr() as usize)?;
            ExternType::Func(s.types.get(entity.type_id as usize)?.clone())
        }
        Extern::Table(t) => {
            let table = s.tables.get(t.0 as usize)?;
            ExternType::Table(wisp_core::TableType {
                min: table.elements.len() as u64,
                ..table.ty
            })
        }
        Extern::Memory(m) => {
            let mem = s.memories.get(m.0 as usize)?;
            ExternType::Memory(wisp_core::MemoryType {
                min: mem.size_pages(),
                max: mem.max_pages(),
                memory64: false,
                shared: false,
                page_size_log2: None,
            })
        }
        Extern::Global(g) => ExternType::Global(s.globals.get(g.0 as usize)?.ty),
    })
}
