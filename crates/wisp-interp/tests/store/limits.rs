//! `StoreLimits`: instantiation fails with a typed error naming the limit and
//! the numbers; `memory.grow`/`table.grow` return -1 when a limit denies them;
//! untouched memory is not allocated.

use wisp_interp::{Error, Instance, LimitError, Memory, MemoryType, Resource, StoreLimits, Val};

use super::*;

const GROWER: &str = r#"
    (module
      (memory (export "mem") 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size)))"#;

fn memory_type(min: u64) -> MemoryType {
    MemoryType {
        min,
        max: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    }
}

fn limit_error(result: Result<Instance, Error>) -> LimitError {
    match result {
        Err(Error::ResourceLimit(e)) => e,
        Err(e) => panic!("expected a resource-limit error, got: {e}"),
        Ok(_) => panic!("expected a resource-limit error, instantiation succeeded"),
    }
}

#[test]
fn an_initial_memory_over_the_limit_fails_instantiation_naming_the_limit() {
    let (engine, mut store) = store_with(StoreLimits::default().memory_pages(16));
    let m = module(&engine, "(module (memory 17))");
    let e = limit_error(Instance::new(&mut store, &m, &[]));
    assert_eq!(
        e,
        LimitError {
            resource: Resource::MemoryPages,
            requested: 17,
            limit: 16
        }
    );
    let message = e.to_string();
    assert!(
        message.contains("17") && message.contains("16") && message.contains("memory_pages"),
        "{message}"
    );
    // At the limit is fine.
    Instance::new(&mut store, &module(&engine, "(module (memory 16))"), &[]).unwrap();
}

#[test]
fn memory_grow_returns_minus_one_when_a_limit_denies_it() {
    let (engine, mut store) = store_with(StoreLimits::default().memory_pages(4));
    let m = module(&engine, GROWER);
    let i = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(
        call(&mut store, i, "grow", &[Val::I32(3)]).unwrap(),
        [Val::I32(1)]
    );
    assert_eq!(
        call(&mut store, i, "grow", &[Val::I32(1)]).unwrap(),
        [Val::I32(-1)]
    );
    assert_eq!(
        call(&mut store, i, "grow", &[Val::I32(0)]).unwrap(),
        [Val::I32(4)]
    );
    assert_eq!(call(&mut store, i, "size", &[]).unwrap(), [Val::I32(4)]);
    // The embedder API obeys the same limit.
    let mem = i.get_memory(&store, "mem").unwrap();
    assert!(mem.grow(&mut store, 1).is_err());
    assert_eq!(mem.size(&store), 4);
}

#[test]
fn the_total_over_all_memories_is_enforced_across_instances() {
    let (engine, mut store) = store_with(StoreLimits::default().total_memory_pages(5));
    let m = module(&engine, GROWER);
    let a = Instance::new(&mut store, &m, &[]).unwrap();
    let b = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(
        call(&mut store, a, "grow", &[Val::I32(2)]).unwrap(),
        [Val::I32(1)]
    );
    // 3 + 1 pages in use: b may take one more page, not two.
    assert_eq!(
        call(&mut store, b, "grow", &[Val::I32(2)]).unwrap(),
        [Val::I32(-1)]
    );
    assert_eq!(
        call(&mut store, b, "grow", &[Val::I32(1)]).unwrap(),
        [Val::I32(1)]
    );
    // A third instance's initial page is over the total.
    let e = limit_error(Instance::new(&mut store, &m, &[]));
    assert_eq!(
        (e.resource, e.requested, e.limit),
        (Resource::TotalMemoryPages, 6, 5)
    );
    // The failed instantiation gave its pages back: a host memory of 0 pages
    // fits, one of 1 page does not.
    Memory::new(&mut store, memory_type(0)).unwrap();
    assert!(matches!(
        Memory::new(&mut store, memory_type(1)),
        Err(Error::ResourceLimit(_))
    ));
}

#[test]
fn tables_are_limited_at_creation_and_on_grow() {
    let (engine, mut store) = store_with(StoreLimits::default().table_elements(10));
    let e = limit_error(Instance::new(
        &mut store,
        &module(&engine, "(module (table 11 funcref))"),
        &[],
    ));
    assert_eq!(
        (e.resource, e.requested, e.limit),
        (Resource::TableElements, 11, 10)
    );
    let m = module(
        &engine,
        r#"(module (table 4 funcref)
             (func (export "grow") (param i32) (result i32)
               (table.grow (ref.null func) (local.get 0))))"#,
    );
    let i = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(
        call(&mut store, i, "grow", &[Val::I32(7)]).unwrap(),
        [Val::I32(-1)]
    );
    assert_eq!(
        call(&mut store, i, "grow", &[Val::I32(6)]).unwrap(),
        [Val::I32(4)]
    );
    assert_eq!(
        call(&mut store, i, "grow", &[Val::I32(0)]).unwrap(),
        [Val::I32(10)]
    );
}

#[test]
fn the_default_table_limit_refuses_a_huge_declared_table_without_allocating() {
    let (engine, mut store) = store_with(StoreLimits::default());
    let e = limit_error(Instance::new(
        &mut store,
        &module(&engine, "(module (table 4294967295 funcref))"),
        &[],
    ));
    assert_eq!(e.resource, Resource::TableElements);
    assert_eq!(e.requested, 4294967295);
}

#[test]
fn instance_table_and_memory_counts_are_limited() {
    let (engine, mut store) = store_with(StoreLimits::default().instances(2));
    let m = module(&engine, "(module)");
    Instance::new(&mut store, &m, &[]).unwrap();
    Instance::new(&mut store, &m, &[]).unwrap();
    let e = limit_error(Instance::new(&mut store, &m, &[]));
    assert_eq!(
        (e.resource, e.requested, e.limit),
        (Resource::Instances, 3, 2)
    );

    let (engine, mut store) = store_with(StoreLimits::default().memories(1).tables(1));
    let m = module(&engine, "(module (memory 0) (table 0 funcref))");
    Instance::new(&mut store, &m, &[]).unwrap();
    let e = limit_error(Instance::new(&mut store, &m, &[]));
    assert!(matches!(e.resource, Resource::Tables | Resource::Memories));
    assert_eq!((e.requested, e.limit), (2, 1));
}

#[test]
fn memories_start_flat_unless_configured_paged() {
    let wat = r#"(module (memory (export "mem") 4)
        (func (export "touch") (i32.store (i32.const 70000) (i32.const 1))))"#;
    for flat in [true, false] {
        let mut config = wisp_interp::Config::default();
        config.flat_memories(flat);
        let engine = wisp_interp::Engine::new(&config);
        let mut store = wisp_interp::Store::new(&engine, ());
        let i = Instance::new(&mut store, &module(&engine, wat), &[]).unwrap();
        let mem = i.get_memory(&store, "mem").unwrap();
        // A flat memory is one buffer: every page is resident from the start.
        assert_eq!(mem.resident_pages(&store), if flat { 4 } else { 0 });
        call(&mut store, i, "touch", &[]).unwrap();
        assert_eq!(mem.resident_pages(&store), if flat { 4 } else { 1 });
    }
}

#[test]
fn memory_declared_but_never_touched_is_not_allocated() {
    let (engine, mut store) = store_with(StoreLimits::default());
    // 4 GiB declared, 2 GiB initial (too large to start flat): only the
    // page table exists.
    let m = module(
        &engine,
        r#"(module (memory (export "mem") 32768 65536)
             (func (export "touch") (i32.store (i32.const 70000) (i32.const 1))))"#,
    );
    let i = Instance::new(&mut store, &m, &[]).unwrap();
    let mem = i.get_memory(&store, "mem").unwrap();
    assert_eq!(mem.size(&store), 32768);
    assert_eq!(mem.resident_pages(&store), 0);
    call(&mut store, i, "touch", &[]).unwrap();
    assert_eq!(
        mem.resident_pages(&store),
        1,
        "one written page, one allocation"
    );
}
