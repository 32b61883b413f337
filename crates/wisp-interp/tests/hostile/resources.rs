//! Memories and tables at their maximum declared sizes, `memory.grow` and
//! `table.grow` by huge deltas, and addresses, offsets and segment offsets
//! that overflow 32 bits. Declared but unused sizes must cost no memory;
//! effective addresses must never wrap around.

use wisp_interp::{Error, Memory, MemoryType, RefType, Table, TableType, TrapCode, Val};

use super::*;

/// A module with one memory (`memory` is its limits, e.g. `65536` or `1 2`),
/// a passive data segment "hello", and accessors whose offsets reach past
/// 32 bits.
fn memory_module(memory: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
        (memory (export "mem") {memory})
        (data $d "hello")
        (func (export "load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
        (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
        (func (export "load8_u_off_max") (param i32) (result i32)
            (i32.load8_u offset=0xffffffff (local.get 0)))
        (func (export "load32_off_max") (param i32) (result i32)
            (i32.load offset=0xffffffff (local.get 0)))
        (func (export "load64_off_high") (param i32) (result i64)
            (i64.load offset=0xfffffff8 (local.get 0)))
        (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
        (func (export "store32_off_max") (param i32 i32)
            (i32.store offset=0xffffffff (local.get 0) (local.get 1)))
        (func (export "store64_off_high") (param i32 i32)
            (i64.store offset=0xfffffff8 (local.get 0) (i64.extend_i32_u (local.get 1))))
        ;; i32.add wraps (it is arithmetic); the access then has offset 0.
        (func (export "load32_add") (param i32 i32) (result i32)
            (i32.load (i32.add (local.get 0) (local.get 1))))
        (func (export "load32_minus_4") (param i32) (result i32)
            (i32.load (i32.add (local.get 0) (i32.const -4))))
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size))
        (func (export "fill") (param i32 i32 i32)
            (memory.fill (local.get 0) (local.get 1) (local.get 2)))
        (func (export "copy") (param i32 i32 i32)
            (memory.copy (local.get 0) (local.get 1) (local.get 2)))
        (func (export "init") (param i32 i32 i32)
            (memory.init $d (local.get 0) (local.get 1) (local.get 2))))"#
    ))
    .expect("valid WAT")
}

/// Arguments of the accessors: `i32`s given as `u32` bit patterns.
fn args(values: &[u32]) -> Vec<Val> {
    values.iter().map(|&v| Val::I32(v as i32)).collect()
}

/// Calls `name` and returns its one result.
#[track_caller]
fn value(store: &mut Store<()>, instance: Instance, name: &str, a: &[u32]) -> Val {
    let results = call(store, instance, name, &args(a))
        .unwrap_or_else(|e| panic!("{name}({a:x?}) failed: {e}"));
    results.first().copied().unwrap_or(Val::I32(0))
}

/// Calls `name` and expects the trap "out of bounds memory access".
#[track_caller]
fn out_of_bounds(store: &mut Store<()>, instance: Instance, name: &str, a: &[u32]) {
    let code = trap_code(call(store, instance, name, &args(a)));
    assert_eq!(code, TrapCode::MemoryOutOfBounds, "{name}({a:x?})");
}

#[test]
fn a_memory_of_65536_pages_costs_only_its_page_table() {
    let _serial = serial();
    let bytes = memory_module("65536");
    let module = compile(&bytes).expect("4 GiB is the largest valid memory");
    let rss_before = resident_bytes();
    // Two 8-byte entries per page (read and write pointers): 1 MiB of page
    // table, never 4 GiB.
    let (mut store, instance) = bounded("instantiate 4 GiB", 2 * MIB, || instantiate(&module))
        .expect("a 4 GiB memory instantiates without allocating it");
    if let (Some(before), Some(after)) = (rss_before, resident_bytes()) {
        assert!(
            after.saturating_sub(before) < 16 * MIB,
            "resident set grew by {} bytes",
            after - before
        );
    }
    let s = &mut store;
    assert_eq!(value(s, instance, "size", &[]), Val::I32(65536));

    // The last byte exists; the last 4-byte word is the last in bounds.
    value(s, instance, "store8", &[0xffff_ffff, 7]);
    assert_eq!(value(s, instance, "load8_u", &[0xffff_ffff]), Val::I32(7));
    assert_eq!(
        value(s, instance, "load32", &[0xffff_fffc]),
        Val::I32(0x0700_0000)
    );
    out_of_bounds(s, instance, "load32", &[0xffff_fffd]);

    // offset + address is computed in 33 bits: 0xffffffff + 1 is 2^32, out
    // of bounds, never address 0 (which is in bounds here).
    assert_eq!(value(s, instance, "load8_u_off_max", &[0]), Val::I32(7));
    out_of_bounds(s, instance, "load8_u_off_max", &[1]);
    out_of_bounds(s, instance, "load32_off_max", &[1]);
    out_of_bounds(s, instance, "load32_off_max", &[0]);
    assert_eq!(
        value(s, instance, "load64_off_high", &[0]),
        Val::I64(0x0700_0000_0000_0000)
    );
    out_of_bounds(s, instance, "load64_off_high", &[8]);
    out_of_bounds(s, instance, "load64_off_high", &[1]);
    out_of_bounds(s, instance, "store32_off_max", &[1, 0xdead]);
    assert_eq!(
        value(s, instance, "load32", &[0]),
        Val::I32(0),
        "no wrapped store"
    );
    // i32.add itself wraps: 2 - 4 is 0xfffffffe, whose 4 bytes are out of bounds.
    out_of_bounds(s, instance, "load32_minus_4", &[2]);
    assert_eq!(value(s, instance, "load32_minus_4", &[4]), Val::I32(0));

    // Bulk operations over (almost) the whole 4 GiB of untouched pages: a
    // zero fill and a copy of zero pages onto zero pages allocate nothing.
    bounded("fill 4 GiB with zeros", 64 * KIB, || {
        call(s, instance, "fill", &args(&[0, 0, 0xffff_ffff])).expect("in bounds")
    });
    assert_eq!(value(s, instance, "load8_u", &[0xffff_ffff]), Val::I32(7));
    bounded("copy 2 GiB of zero pages", 64 * KIB, || {
        call(s, instance, "copy", &args(&[0x8000_0000, 0, 0x8000_0000])).expect("in bounds")
    });
    // The memory cannot grow past 4 GiB.
    assert_eq!(value(s, instance, "grow", &[1]), Val::I32(-1));
    assert_eq!(value(s, instance, "size", &[]), Val::I32(65536));
    if let (Some(before), Some(after)) = (rss_before, resident_bytes()) {
        assert!(
            after.saturating_sub(before) < 32 * MIB,
            "resident set grew by {} bytes",
            after - before
        );
    }
}

#[test]
fn memory_grow_by_huge_deltas() {
    let _serial = serial();
    let module = compile(&memory_module("1")).expect("compiles");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    let s = &mut store;
    bounded("huge memory.grow", 64 * KIB, || {
        assert_eq!(value(s, instance, "grow", &[0xffff_ffff]), Val::I32(-1));
        assert_eq!(value(s, instance, "grow", &[0x8000_0000]), Val::I32(-1));
        assert_eq!(value(s, instance, "grow", &[65536]), Val::I32(-1));
    });
    // Growing to exactly 4 GiB succeeds and only extends the page table
    // (1 MiB: two pointers per page).
    bounded("grow to 4 GiB", 2 * MIB, || {
        assert_eq!(value(s, instance, "grow", &[65535]), Val::I32(1));
    });
    assert_eq!(value(s, instance, "size", &[]), Val::I32(65536));
    assert_eq!(value(s, instance, "grow", &[1]), Val::I32(-1));
    assert_eq!(value(s, instance, "grow", &[0]), Val::I32(65536));
    value(s, instance, "store8", &[0xffff_ffff, 1]);
    assert_eq!(value(s, instance, "load8_u", &[0xffff_ffff]), Val::I32(1));

    // A declared maximum is a hard limit.
    let module = compile(&memory_module("1 2")).expect("compiles");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    let s = &mut store;
    assert_eq!(value(s, instance, "grow", &[2]), Val::I32(-1));
    assert_eq!(value(s, instance, "grow", &[1]), Val::I32(1));
    assert_eq!(value(s, instance, "grow", &[1]), Val::I32(-1));

    // The embedder API refuses the same sizes, with an error.
    let memory = Memory::new(
        &mut store,
        MemoryType {
            min: 1,
            max: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        },
    )
    .expect("a one-page memory");
    assert!(memory.grow(&mut store, u64::MAX).is_err());
    assert!(memory.grow(&mut store, 65536).is_err());
    assert_eq!(memory.grow(&mut store, 65535).ok(), Some(1));
}

#[test]
fn offsets_that_overflow_32_bits_in_a_small_memory() {
    let _serial = serial();
    let module = compile(&memory_module("1")).expect("compiles");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    let s = &mut store;
    value(s, instance, "store8", &[0, 0x5a]);
    for (name, a) in [
        ("load8_u_off_max", &[0][..]),
        ("load32_off_max", &[1]),
        ("load32_off_max", &[0xffff_ffff]),
        ("load64_off_high", &[8]),
        ("load64_off_high", &[0xffff_ffff]),
        ("store32_off_max", &[1, 1]),
        ("store64_off_high", &[8, 1]),
        ("load32", &[65533]),
        ("load32", &[0xffff_ffff]),
    ] {
        out_of_bounds(s, instance, name, a);
    }
    // Nothing was written by the failed stores (a wrap would hit address 0).
    assert_eq!(value(s, instance, "load32", &[0]), Val::I32(0x5a));
    assert_eq!(value(s, instance, "load32", &[65532]), Val::I32(0));
    // i32.add wraps: 1 + 0xffffffff is address 0.
    assert_eq!(
        value(s, instance, "load32_add", &[1, 0xffff_ffff]),
        Val::I32(0x5a)
    );
    assert_eq!(value(s, instance, "load32_minus_4", &[4]), Val::I32(0x5a));

    // Bulk ranges: `start + length` must not wrap either, and a failed bulk
    // operation writes nothing.
    for (name, a) in [
        ("fill", [0xffff_ffff, 1, 2]),
        ("fill", [65537, 1, 0]),
        ("fill", [1, 1, 0xffff_ffff]),
        ("copy", [0, 0xffff_ffff, 2]),
        ("copy", [0xffff_ffff, 0, 2]),
        ("copy", [65535, 0, 2]),
        ("init", [0, 0xffff_ffff, 2]),
        ("init", [65535, 0, 2]),
        ("init", [0, 5, 1]),
    ] {
        out_of_bounds(s, instance, name, &a);
    }
    assert_eq!(value(s, instance, "load8_u", &[65535]), Val::I32(0));
    assert_eq!(value(s, instance, "load8_u", &[1]), Val::I32(0));
    // The empty ranges at the very end are in bounds.
    call(s, instance, "fill", &args(&[65536, 1, 0])).expect("empty fill at the end");
    call(s, instance, "init", &args(&[65536, 5, 0])).expect("empty init at the end");
    call(s, instance, "init", &args(&[65531, 0, 5])).expect("init up to the end");
    assert_eq!(
        value(s, instance, "load8_u", &[65535]),
        Val::I32(i32::from(b'o'))
    );
}

#[test]
fn memory_limits_beyond_4_gib_are_invalid() {
    let _serial = serial();
    let over = "memory size must be at most 65536 pages (4GiB)";
    assert_eq!(
        invalid(&wat::parse_str("(module (memory 65537))").unwrap()),
        over
    );
    assert_eq!(
        invalid(&wat::parse_str("(module (memory 0 65537))").unwrap()),
        over
    );
    assert_eq!(
        invalid(&wat::parse_str("(module (memory 0xffffffff))").unwrap()),
        over
    );
    assert_eq!(
        invalid(&wat::parse_str("(module (memory 2 1))").unwrap()),
        "size minimum must not be greater than maximum"
    );
}

/// A module with a funcref table of the given limits, and `grow`/`size`.
fn table_module(limits: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
        (table $t (export "table") {limits} funcref)
        (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
        (func (export "size") (result i32) (table.size $t)))"#
    ))
    .expect("valid WAT")
}

#[test]
fn a_table_of_2_pow_32_minus_1_elements_is_a_resource_error() {
    let _serial = serial();
    // Valid (the spec allows 2^32 - 1 elements), but tables are allocated
    // eagerly: instantiation fails with a resource error instead of
    // allocating 32 GiB (or aborting).
    for min in [u64::from(u32::MAX), 10_000_001] {
        let module = compile(&table_module(&min.to_string())).expect("valid");
        let outcome = bounded("instantiate a huge table", 64 * KIB, || {
            instantiate(&module)
        });
        match outcome {
            Err(Error::ResourceLimit(e)) => assert_eq!(
                e.to_string(),
                format!(
                    "resource limit exceeded: {min} elements in one table requested, \
                     the limit is 10000000 (raise it with StoreLimits::table_elements)"
                )
            ),
            other => panic!("table of {min}: expected a limit error, got {other:?}"),
        }
    }
    // The embedder API says the same.
    let mut store = Store::new(&Engine::default(), ());
    let ty = TableType {
        element: RefType::FuncRef,
        min: u64::from(u32::MAX),
        max: None,
        table64: false,
    };
    let made = bounded("Table::new of 2^32 - 1", 64 * KIB, || {
        Table::new(&mut store, ty, Val::FuncRef(None))
    });
    assert!(matches!(made, Err(Error::ResourceLimit(_))), "{made:?}");

    // Below the limit, a large table is allocated as declared.
    let module = compile(&table_module("1000000")).expect("valid");
    let (mut store, instance) = bounded("a table of 1M elements", 9 * MIB, || instantiate(&module))
        .expect("a million elements fit");
    assert_eq!(
        value(&mut store, instance, "size", &[]),
        Val::I32(1_000_000)
    );
}

#[test]
fn table_grow_by_huge_deltas() {
    let _serial = serial();
    let module = compile(&table_module("0 0xffffffff")).expect("valid");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    let s = &mut store;
    bounded("huge table.grow", 64 * KIB, || {
        assert_eq!(value(s, instance, "grow", &[0xffff_ffff]), Val::I32(-1));
        assert_eq!(value(s, instance, "grow", &[0x8000_0000]), Val::I32(-1));
        // Beyond the per-table limit, whatever the declared maximum.
        assert_eq!(value(s, instance, "grow", &[10_000_001]), Val::I32(-1));
    });
    assert_eq!(value(s, instance, "grow", &[1000]), Val::I32(0));
    assert_eq!(value(s, instance, "size", &[]), Val::I32(1000));

    let module = compile(&table_module("1 2")).expect("valid");
    let (mut store, instance) = instantiate(&module).expect("instantiates");
    let s = &mut store;
    assert_eq!(value(s, instance, "grow", &[2]), Val::I32(-1));
    assert_eq!(value(s, instance, "grow", &[1]), Val::I32(1));
    assert_eq!(value(s, instance, "grow", &[1]), Val::I32(-1));

    // The embedder API refuses huge deltas with an error, allocating nothing.
    let table = instance.get_table(&store, "table").expect("exported");
    let grown = bounded("Table::grow by 2^64 - 1", 64 * KIB, || {
        table.grow(&mut store, u64::MAX, Val::FuncRef(None))
    });
    assert!(grown.is_err());
}

#[test]
fn segment_offsets_past_the_end() {
    let _serial = serial();
    let cases = [
        (
            r#"(module (memory 1) (data (i32.const -1) "ab"))"#,
            TrapCode::MemoryOutOfBounds,
        ),
        (
            r#"(module (memory 1) (data (i32.const 65535) "ab"))"#,
            TrapCode::MemoryOutOfBounds,
        ),
        (
            r#"(module (memory 1) (data (i32.const 65537) ""))"#,
            TrapCode::MemoryOutOfBounds,
        ),
        (
            r#"(module (table 10 funcref) (func $f) (elem (i32.const -1) $f $f))"#,
            TrapCode::TableOutOfBounds,
        ),
        (
            r#"(module (table 10 funcref) (func $f) (elem (i32.const 9) $f $f))"#,
            TrapCode::TableOutOfBounds,
        ),
    ];
    for (wat, expected) in cases {
        let module = compile(&wat::parse_str(wat).expect("valid WAT")).expect("valid module");
        // The bound covers the module's memory (one flat page) and little else.
        match bounded(wat, 64 * KIB + 64 * KIB, || instantiate(&module)) {
            Err(Error::Trap(trap)) => assert_eq!(trap.code(), Some(expected), "{wat}"),
            other => panic!("{wat}: expected {expected}, got {other:?}"),
        }
    }
    // Empty segments exactly at the end are in bounds.
    for wat in [
        r#"(module (memory 1) (data (i32.const 65536) ""))"#,
        r#"(module (table 10 funcref) (elem (i32.const 10) func))"#,
    ] {
        let module = compile(&wat::parse_str(wat).expect("valid WAT")).expect("valid module");
        instantiate(&module).unwrap_or_else(|e| panic!("{wat}: {e}"));
    }
}

#[test]
fn a_failed_instantiation_leaves_the_store_as_it_was() {
    let _serial = serial();
    // Functions, globals, a memory and segments are allocated before the
    // huge table fails: all of them are removed again.
    let bytes = wat::parse_str(
        r#"(module
        (func $f) (func $g)
        (global funcref (ref.func $f))
        (memory 1)
        (table 10 funcref)
        (table 0xffffffff funcref)
        (elem declare func $g)
        (data "x"))"#,
    )
    .expect("valid WAT");
    let module = compile(&bytes).expect("valid");
    let mut store = Store::new(module.engine(), ());
    let before = format!("{store:?}");
    let outcome = Instance::new(&mut store, &module, &[]);
    assert!(
        matches!(outcome, Err(Error::ResourceLimit(_))),
        "{outcome:?}"
    );
    assert_eq!(format!("{store:?}"), before);

    // An import from another store is an error, not an out-of-range access.
    let mut other = Store::new(module.engine(), ());
    let ty = wisp_interp::GlobalType {
        content: wisp_interp::ValType::I32,
        mutability: wisp_interp::Mutability::Const,
    };
    let mut foreign = None;
    for _ in 0..5 {
        foreign = Some(wisp_interp::Global::new(&mut other, ty, Val::I32(1)).expect("a global"));
    }
    let importer = compile(&wat::parse_str(r#"(module (import "m" "g" (global i32)))"#).unwrap())
        .expect("valid");
    let mut store = Store::new(importer.engine(), ());
    let foreign = wisp_interp::Extern::Global(foreign.expect("made"));
    let outcome = Instance::new(&mut store, &importer, &[foreign]);
    assert!(matches!(outcome, Err(Error::Api(_))), "{outcome:?}");
}
