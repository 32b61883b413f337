//! Module-level rules (spec "Validation › Modules"): types, imports,
//! function declarations, tables, memories, globals, exports, the start
//! function, element and data segments, and the data count.
//!
//! The result is the [`ModuleContext`] function bodies are validated against.
//! Checks run in section order so the first error reported is the first one
//! in the binary.

use alloc::collections::BTreeSet;
use alloc::format;

use wisp_core::limits::{MAX_MEMORY32_PAGES, MAX_TABLE32_ELEMENTS};
use wisp_core::{
    ExternKind, Features, FuncType, GlobalType, MemoryType, RefType, TableType, ValType,
};
use wisp_decode::{ConstExpr, ConstOp, DataMode, ElementItems, ElementMode, ImportDesc, Module};

use crate::const_expr::{ConstEnv, ConstValidator};
use crate::context::{ModuleContext, len_u32};
use crate::error::{Result, ValidationError};
use crate::features::{self, Proposal};

/// Checks the module-level rules and builds the context for function bodies.
pub fn validate_module(module: &Module, features: &Features) -> Result<ModuleContext> {
    let mut ctx = ModuleContext {
        features: *features,
        types: module.types.clone(),
        ..ModuleContext::default()
    };
    for ty in &module.types {
        check_func_type(features, ty, 0)?;
    }
    check_imports(&mut ctx, module)?;
    check_functions(&mut ctx, module)?;
    check_tables(&mut ctx, module)?;
    check_memories(&mut ctx, module)?;
    collect_declared(&mut ctx, module);
    let mut consts = ConstValidator::default();
    check_globals(&mut ctx, module, &mut consts)?;
    check_exports(&ctx, module)?;
    check_start(&ctx, module)?;
    check_elements(&mut ctx, module, &mut consts)?;
    check_data(&mut ctx, module, &mut consts)?;
    Ok(ctx)
}

/// Function types: value types enabled, and at most one result without multi-value.
fn check_func_type(features: &Features, ty: &FuncType, offset: usize) -> Result<()> {
    for &t in ty.params().iter().chain(ty.results()) {
        features::require_val_type(features, t, offset)?;
    }
    if ty.results().len() > 1 && !features.multi_value {
        return Err(ValidationError::new(
            "invalid result arity: multiple results need multi-value",
            offset,
        ));
    }
    Ok(())
}

fn check_type_index(ctx: &ModuleContext, index: u32, offset: usize) -> Result<()> {
    if (index as usize) < ctx.types.len() {
        Ok(())
    } else {
        Err(ValidationError::new(
            format!("unknown type {index}"),
            offset,
        ))
    }
}

fn check_imports(ctx: &mut ModuleContext, module: &Module) -> Result<()> {
    for import in &module.imports {
        let offset = import.offset;
        match &import.desc {
            ImportDesc::Func(type_index) => {
                check_type_index(ctx, *type_index, offset)?;
                ctx.funcs.push(*type_index);
                // At most `MAX_IMPORTS`: the decoder checked.
                ctx.num_imported_funcs = ctx.num_imported_funcs.saturating_add(1);
            }
            ImportDesc::Table(ty) => {
                check_table_type(&ctx.features, ty, offset)?;
                ctx.tables.push(*ty);
            }
            ImportDesc::Memory(ty) => {
                check_memory_type(ty, offset)?;
                ctx.memories.push(*ty);
            }
            ImportDesc::Global(ty) => {
                check_global_type(&ctx.features, ty, offset)?;
                if ty.is_mutable() {
                    features::require(
                        &ctx.features,
                        Proposal::MutableGlobal,
                        "importing a mutable global",
                        offset,
                    )?;
                }
                ctx.globals.push(*ty);
                ctx.num_imported_globals = ctx.num_imported_globals.saturating_add(1);
            }
            ImportDesc::Tag(_) => {
                return Err(ValidationError::new(
                    "tags not supported (exception handling is not part of WebAssembly 2.0)",
                    offset,
                ));
            }
        }
    }
    Ok(())
}

fn check_functions(ctx: &mut ModuleContext, module: &Module) -> Result<()> {
    // Defined functions have no offset of their own; point at their body when known.
    for (i, &type_index) in module.functions.iter().enumerate() {
        let offset = module.bodies.get(i).map_or(0, |b| b.code.start);
        check_type_index(ctx, type_index, offset)?;
        ctx.funcs.push(type_index);
    }
    if module.functions.len() != module.bodies.len() {
        return Err(ValidationError::malformed(
            "function and code section have inconsistent lengths",
            module.bodies.first().map_or(0, |b| b.code.start),
        ));
    }
    Ok(())
}

/// Limits `min..=max` must stay within `range` and be ordered.
fn check_limits(min: u64, max: Option<u64>, range: u64, what: &str, offset: usize) -> Result<()> {
    if min > range || max.is_some_and(|m| m > range) {
        return Err(ValidationError::new(what, offset));
    }
    if max.is_some_and(|m| min > m) {
        return Err(ValidationError::new(
            "size minimum must not be greater than maximum",
            offset,
        ));
    }
    Ok(())
}

fn check_table_type(features: &Features, ty: &TableType, offset: usize) -> Result<()> {
    if ty.table64 {
        return Err(ValidationError::new(
            "64-bit tables not supported (memory64 is not part of WebAssembly 2.0)",
            offset,
        ));
    }
    if ty.element != RefType::FuncRef {
        features::require(
            features,
            Proposal::ReferenceTypes,
            "externref table",
            offset,
        )?;
    }
    check_limits(
        ty.min,
        ty.max,
        MAX_TABLE32_ELEMENTS,
        "table size must be at most 2^32-1",
        offset,
    )
}

fn check_memory_type(ty: &MemoryType, offset: usize) -> Result<()> {
    if ty.memory64 {
        return Err(ValidationError::new(
            "64-bit memories not supported (memory64 is not part of WebAssembly 2.0)",
            offset,
        ));
    }
    if ty.shared {
        return Err(ValidationError::new(
            "shared memories not supported (threads is not part of WebAssembly 2.0)",
            offset,
        ));
    }
    if ty.page_size_log2.is_some() {
        return Err(ValidationError::new(
            "custom page sizes not supported (not part of WebAssembly 2.0)",
            offset,
        ));
    }
    check_limits(
        ty.min,
        ty.max,
        MAX_MEMORY32_PAGES,
        "memory size must be at most 65536 pages (4GiB)",
        offset,
    )
}

fn check_global_type(features: &Features, ty: &GlobalType, offset: usize) -> Result<()> {
    features::require_val_type(features, ty.content, offset)
}

fn check_tables(ctx: &mut ModuleContext, module: &Module) -> Result<()> {
    for table in &module.tables {
        check_table_type(&ctx.features, &table.ty, table.offset)?;
        if table.init.is_some() {
            return Err(ValidationError::new(
                "table initializers not supported (function-references is not part of WebAssembly 2.0)",
                table.offset,
            ));
        }
        ctx.tables.push(table.ty);
    }
    if ctx.tables.len() > 1 {
        let offset = module.tables.last().map_or(0, |t| t.offset);
        features::require(
            &ctx.features,
            Proposal::ReferenceTypes,
            "multiple tables",
            offset,
        )?;
    }
    Ok(())
}

fn check_memories(ctx: &mut ModuleContext, module: &Module) -> Result<()> {
    for memory in &module.memories {
        // Memory definitions carry no offset in the decoded module.
        check_memory_type(memory, 0)?;
        ctx.memories.push(*memory);
    }
    if ctx.memories.len() > 1 {
        let offset = module
            .imports
            .iter()
            .filter(|i| matches!(i.desc, ImportDesc::Memory(_)))
            .nth(1)
            .map_or(0, |i| i.offset);
        return Err(ValidationError::new("multiple memories", offset));
    }
    Ok(())
}

/// Builds `C.refs`: every function index named outside function bodies and
/// the start section (exports, element segments, global initializers and
/// segment offsets).
fn collect_declared(ctx: &mut ModuleContext, module: &Module) {
    fn declare_expr(ctx: &mut ModuleContext, expr: &ConstExpr) {
        for op in &expr.ops {
            if let ConstOp::RefFunc(func) = *op {
                ctx.declare(func);
            }
        }
    }
    for export in &module.exports {
        if export.kind == ExternKind::Func {
            ctx.declare(export.index);
        }
    }
    for global in &module.globals {
        declare_expr(ctx, &global.init);
    }
    for segment in &module.elements {
        if let ElementMode::Active { offset, .. } = &segment.mode {
            declare_expr(ctx, offset);
        }
        match &segment.items {
            ElementItems::Functions(funcs) => {
                for &func in funcs {
                    ctx.declare(func);
                }
            }
            ElementItems::Exprs(exprs) => {
                for expr in exprs {
                    declare_expr(ctx, expr);
                }
            }
        }
    }
    for segment in &module.data {
        if let DataMode::Active { offset, .. } = &segment.mode {
            declare_expr(ctx, offset);
        }
    }
}

fn check_globals(
    ctx: &mut ModuleContext,
    module: &Module,
    consts: &mut ConstValidator,
) -> Result<()> {
    for global in &module.globals {
        check_global_type(&ctx.features, &global.ty, global.offset)?;
        let env = const_env(ctx);
        consts.check(&env, &global.init, global.ty.content)?;
        ctx.globals.push(global.ty);
    }
    Ok(())
}

/// Constant expressions see only imported globals (the spec's `C'`).
fn const_env(ctx: &ModuleContext) -> ConstEnv<'_> {
    let imported = ctx.num_imported_globals as usize;
    ConstEnv {
        features: &ctx.features,
        globals: ctx.globals.get(..imported).unwrap_or(&[]),
        num_funcs: len_u32(ctx.funcs.len()),
    }
}

fn check_exports(ctx: &ModuleContext, module: &Module) -> Result<()> {
    let mut names = BTreeSet::new();
    for export in &module.exports {
        let offset = export.offset;
        let index = export.index;
        let (exists, what) = match export.kind {
            ExternKind::Func => ((index as usize) < ctx.funcs.len(), "function"),
            ExternKind::Table => ((index as usize) < ctx.tables.len(), "table"),
            ExternKind::Memory => ((index as usize) < ctx.memories.len(), "memory"),
            ExternKind::Global => ((index as usize) < ctx.globals.len(), "global"),
            ExternKind::Tag => {
                return Err(ValidationError::new(
                    "tags not supported (exception handling is not part of WebAssembly 2.0)",
                    offset,
                ));
            }
        };
        if !exists {
            return Err(ValidationError::new(
                format!("unknown {what} {index}"),
                offset,
            ));
        }
        if export.kind == ExternKind::Global
            && ctx
                .globals
                .get(index as usize)
                .is_some_and(GlobalType::is_mutable)
        {
            features::require(
                &ctx.features,
                Proposal::MutableGlobal,
                "exporting a mutable global",
                offset,
            )?;
        }
        if !names.insert(export.name.as_str()) {
            return Err(ValidationError::new(
                format!("duplicate export name {:?}", export.name),
                offset,
            ));
        }
    }
    Ok(())
}

fn check_start(ctx: &ModuleContext, module: &Module) -> Result<()> {
    let Some(start) = module.start else {
        return Ok(());
    };
    let Some(ty) = ctx.func_type(start.func) else {
        return Err(ValidationError::new(
            format!("unknown function {}", start.func),
            start.offset,
        ));
    };
    if !ty.params().is_empty() || !ty.results().is_empty() {
        return Err(ValidationError::new(
            format!("start function must have type [] -> [], found {ty}"),
            start.offset,
        ));
    }
    Ok(())
}

fn check_elements(
    ctx: &mut ModuleContext,
    module: &Module,
    consts: &mut ConstValidator,
) -> Result<()> {
    for segment in &module.elements {
        let offset = segment.offset;
        let ty = segment.ty;
        if ty != RefType::FuncRef {
            features::require(
                &ctx.features,
                Proposal::ReferenceTypes,
                "externref segment",
                offset,
            )?;
        }
        match &segment.mode {
            ElementMode::Active {
                table,
                offset: expr,
            } => {
                let Some(table_ty) = ctx.tables.get(*table as usize) else {
                    return Err(ValidationError::new(
                        format!("unknown table {table}"),
                        offset,
                    ));
                };
                let table_elem = table_ty.element;
                consts.check(&const_env(ctx), expr, ValType::I32)?;
                if table_elem != ty {
                    return Err(ValidationError::new(
                        format!("type mismatch: {ty} segment for a {table_elem} table"),
                        offset,
                    ));
                }
            }
            ElementMode::Passive => {
                features::require(
                    &ctx.features,
                    Proposal::BulkMemory,
                    "passive element segment",
                    offset,
                )?;
            }
            ElementMode::Declared => {
                features::require(
                    &ctx.features,
                    Proposal::ReferenceTypes,
                    "declarative element segment",
                    offset,
                )?;
            }
        }
        match &segment.items {
            ElementItems::Functions(funcs) => {
                if ty != RefType::FuncRef {
                    return Err(ValidationError::new(
                        format!("type mismatch: function indices in a {ty} segment"),
                        offset,
                    ));
                }
                let num_funcs = ctx.funcs.len();
                if let Some(&func) = funcs.iter().find(|&&f| f as usize >= num_funcs) {
                    return Err(ValidationError::new(
                        format!("unknown function {func}"),
                        offset,
                    ));
                }
            }
            ElementItems::Exprs(exprs) => {
                let env = const_env(ctx);
                for expr in exprs {
                    consts.check(&env, expr, ValType::Ref(ty))?;
                }
            }
        }
        ctx.elements.push(ty);
    }
    Ok(())
}

fn check_data(ctx: &mut ModuleContext, module: &Module, consts: &mut ConstValidator) -> Result<()> {
    for segment in &module.data {
        match &segment.mode {
            DataMode::Active { memory, offset } => {
                if *memory as usize >= ctx.memories.len() {
                    return Err(ValidationError::new(
                        format!("unknown memory {memory}"),
                        segment.offset,
                    ));
                }
                consts.check(&const_env(ctx), offset, ValType::I32)?;
            }
            DataMode::Passive => {
                features::require(
                    &ctx.features,
                    Proposal::BulkMemory,
                    "passive data segment",
                    segment.offset,
                )?;
            }
        }
    }
    if let Some(count) = module.data_count {
        features::require(&ctx.features, Proposal::BulkMemory, "data count section", 0)?;
        if count as usize != module.data.len() {
            return Err(ValidationError::malformed(
                "data count and data section have inconsistent lengths",
                module.data.first().map_or(0, |d| d.offset),
            ));
        }
    }
    ctx.data_count = module.data_count;
    Ok(())
}
