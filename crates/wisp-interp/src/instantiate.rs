//! Instantiation, as the spec's "Modules > Instantiation" section defines it:
//! check imports, allocate the instance's entities in the store, initialise
//! tables and memories from active segments, then run the start function.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use wisp_core::{ExternKind, TrapCode};
use wisp_decode::{ConstExpr, ConstOp, DataMode, ElementItems, ElementMode};

use crate::error::{Error, LinkError, Trap};
use crate::instance::{Extern, Instance};
use crate::module::{ExternType, Module, ModuleInner};
use crate::store::{
    DataEntity, ElemEntity, FuncEntity, FuncKind, GlobalEntity, InstanceEntity, Store, StoreInner,
    TableEntity,
};

/// Instantiates `module` with `imports` in the module's import order.
pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance, Error> {
    let inner = &module.inner;
    let decoded = &inner.decoded;
    if imports.len() != decoded.imports.len() {
        return Err(Error::Api(format!(
            "module has {} imports, but {} values were given",
            decoded.imports.len(),
            imports.len()
        )));
    }
    let s = &mut store.inner;
    let inst_index = s.instances.len() as u32;
    let type_ids: Box<[u32]> = decoded.types.iter().map(|t| s.intern_type(t)).collect();

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
        s.funcs.push(FuncEntity {
            type_id: type_ids[type_index as usize],
            kind: FuncKind::Wasm {
                instance: inst_index,
                module: module.inner.clone(),
                defined_index: defined_index as u32,
            },
        });
        funcs.push(s.funcs.len() as u32 - 1);
    }
    for global in &decoded.globals {
        let value = eval_const(&global.init, s, &globals, &funcs);
        s.globals.push(GlobalEntity {
            ty: global.ty,
            value,
        });
        globals.push(s.globals.len() as u32 - 1);
    }
    for table in &decoded.tables {
        let init = match &table.init {
            Some(expr) => eval_const(expr, s, &globals, &funcs),
            None => 0,
        };
        let elements = crate::table::new_elements(table.ty.min, init)?;
        s.tables.push(TableEntity {
            ty: table.ty,
            elements,
        });
        tables.push(s.tables.len() as u32 - 1);
    }
    for mem in &decoded.memories {
        let memory = wisp_memory::Memory::new(mem.min, mem.max).map_err(|e| {
            Error::Limit(format!(
                "cannot allocate a memory of {} pages: {e}",
                mem.min
            ))
        })?;
        s.memories.push(memory);
        memories.push(s.memories.len() as u32 - 1);
    }
    let mut elems = Vec::with_capacity(decoded.elements.len());
    for seg in &decoded.elements {
        let items = match &seg.items {
            ElementItems::Functions(indices) => indices
                .iter()
                .map(|&f| funcs[f as usize] as u64 + 1)
                .collect(),
            ElementItems::Exprs(exprs) => exprs
                .iter()
                .map(|e| eval_const(e, s, &globals, &funcs))
                .collect(),
        };
        s.elems.push(ElemEntity { items });
        elems.push(s.elems.len() as u32 - 1);
    }
    let mut datas = Vec::with_capacity(decoded.data.len());
    for seg in &decoded.data {
        s.datas.push(DataEntity {
            bytes: decoded.bytes.clone(),
            range: seg.data.clone(),
        });
        datas.push(s.datas.len() as u32 - 1);
    }
    let mut exports = BTreeMap::new();
    for export in &decoded.exports {
        let i = export.index as usize;
        let value = match export.kind {
            ExternKind::Func => Extern::Func(crate::Func::from_addr(funcs[i])),
            ExternKind::Table => Extern::Table(crate::Table(tables[i])),
            ExternKind::Memory => Extern::Memory(crate::Memory(memories[i])),
            ExternKind::Global => Extern::Global(crate::Global(globals[i])),
            ExternKind::Tag => continue,
        };
        exports.insert(export.name.clone(), value);
    }

    s.instances.push(InstanceEntity {
        module: module.inner.clone(),
        type_ids,
        funcs: funcs.into_boxed_slice(),
        tables: tables.into_boxed_slice(),
        memories: memories.into_boxed_slice(),
        globals: globals.into_boxed_slice(),
        elems: elems.into_boxed_slice(),
        datas: datas.into_boxed_slice(),
        exports,
    });
    let instance = Instance(inst_index);
    initialize_segments(s, inner, inst_index)?;
    if let Some(start) = decoded.start {
        let func =
            crate::Func::from_addr(s.instances[inst_index as usize].funcs[start.func as usize]);
        func.call(store, &[], &mut [])?;
    }
    Ok(instance)
}

/// Copies active element and data segments into their table or memory and
/// drops them (and declared element segments), in module order.
fn initialize_segments(s: &mut StoreInner, module: &ModuleInner, inst: u32) -> Result<(), Error> {
    let decoded = &module.decoded;
    for (i, seg) in decoded.elements.iter().enumerate() {
        let elem_addr = s.instances[inst as usize].elems[i] as usize;
        match &seg.mode {
            ElementMode::Passive => continue,
            ElementMode::Declared => {}
            ElementMode::Active { table, offset } => {
                let instance = &s.instances[inst as usize];
                let offset = eval_const(offset, s, &instance.globals, &instance.funcs) as u32;
                let table_addr = instance.tables[*table as usize] as usize;
                let items = &s.elems[elem_addr].items;
                let elements = &mut s.tables[table_addr].elements;
                let start = offset as usize;
                let end = start
                    .checked_add(items.len())
                    .filter(|&e| e <= elements.len())
                    .ok_or_else(|| trap_in(module, TrapCode::TableOutOfBounds))?;
                elements[start..end].copy_from_slice(items);
            }
        }
        s.elems[elem_addr].items = Vec::new();
    }
    for (i, seg) in decoded.data.iter().enumerate() {
        let DataMode::Active { memory, offset } = &seg.mode else {
            continue;
        };
        let instance = &s.instances[inst as usize];
        let offset = eval_const(offset, s, &instance.globals, &instance.funcs) as u32;
        let mem_addr = instance.memories[*memory as usize] as usize;
        let data_addr = instance.datas[i] as usize;
        let bytes = s.datas[data_addr].bytes();
        s.memories[mem_addr]
            .write(u64::from(offset), bytes)
            .map_err(|_| trap_in(module, TrapCode::MemoryOutOfBounds))?;
        let data = &mut s.datas[data_addr];
        data.range = data.range.start..data.range.start;
    }
    Ok(())
}

#[cold]
fn trap_in(_module: &ModuleInner, code: TrapCode) -> Error {
    Error::Trap(Trap::new(code))
}

/// Evaluates a validated constant expression to a raw slot value.
pub(crate) fn eval_const(expr: &ConstExpr, s: &StoreInner, globals: &[u32], funcs: &[u32]) -> u64 {
    let mut stack: Vec<u64> = Vec::with_capacity(2);
    for op in &expr.ops {
        let value = match *op {
            ConstOp::I32Const(v) => v as u32 as u64,
            ConstOp::I64Const(v) => v as u64,
            ConstOp::F32Const(bits) => bits as u64,
            ConstOp::F64Const(bits) => bits,
            ConstOp::RefNull(_) => 0,
            ConstOp::RefFunc(f) => funcs[f as usize] as u64 + 1,
            ConstOp::GlobalGet(g) => s.globals[globals[g as usize] as usize].value,
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let (b, a) = (
                    stack.pop().unwrap_or(0) as u32,
                    stack.pop().unwrap_or(0) as u32,
                );
                let r = match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                };
                r as u64
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let (b, a) = (stack.pop().unwrap_or(0), stack.pop().unwrap_or(0));
                match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }
            }
            // Rejected by validation; unreachable for a compiled module.
            ConstOp::NonConstant { .. } => 0,
        };
        stack.push(value);
    }
    stack.pop().unwrap_or(0)
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
    let found = extern_type(s, value);
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

/// The current type of a store entity (tables and memories report their current size as minimum).
pub(crate) fn extern_type(s: &StoreInner, value: &Extern) -> ExternType {
    match *value {
        Extern::Func(f) => ExternType::Func(s.func_type(f.addr()).clone()),
        Extern::Table(t) => {
            let table = &s.tables[t.0 as usize];
            ExternType::Table(wisp_core::TableType {
                min: table.elements.len() as u64,
                ..table.ty
            })
        }
        Extern::Memory(m) => {
            let mem = &s.memories[m.0 as usize];
            ExternType::Memory(wisp_core::MemoryType {
                min: mem.size_pages(),
                max: mem.max_pages(),
                memory64: false,
                shared: false,
                page_size_log2: None,
            })
        }
        Extern::Global(g) => ExternType::Global(s.globals[g.0 as usize].ty),
    }
}
