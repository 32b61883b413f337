//! The `spectest` host module, as the spec interpreter defines it
//! (`interpreter/host/spectest.ml`): print functions (no-ops here), four
//! immutable globals holding 666 / 666.6, a funcref table of 10..20 elements
//! and a memory of 1..2 pages.

use wisp_interp::{
    Error, FuncType, Global, GlobalType, Linker, Memory, MemoryType, Mutability, RefType, Store,
    Table, TableType, Val, ValType,
};

/// Defines every `spectest` export in `linker`, creating the entities in `store`.
pub fn define_spectest<T: 'static>(
    linker: &mut Linker<T>,
    store: &mut Store<T>,
) -> Result<(), Error> {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        linker.func_new("spectest", name, ty, |_caller, _params, _results| Ok(()))?;
    }

    let globals = [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::from(666.6f32)),
        ("global_f64", Val::from(666.6f64)),
    ];
    for (name, init) in globals {
        let ty = GlobalType {
            content: init.ty(),
            mutability: Mutability::Const,
        };
        let global = Global::new(store, ty, init)?;
        linker.define("spectest", name, global)?;
    }

    let table_ty = TableType {
        element: RefType::FuncRef,
        min: 10,
        max: Some(20),
        table64: false,
    };
    let table = Table::new(store, table_ty, Val::FuncRef(None))?;
    linker.define("spectest", "table", table)?;

    let memory_ty = MemoryType {
        min: 1,
        max: Some(2),
        memory64: false,
        shared: false,
        page_size_log2: None,
    };
    let memory = Memory::new(store, memory_ty)?;
    linker.define("spectest", "memory", memory)?;
    Ok(())
}
