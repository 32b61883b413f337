//! `Store::snapshot` / `Store::reset`: the fuzzing loop's reset. After a
//! reset, memories, globals, tables and segment drop state are exactly as
//! they were, whatever the run in between did.

use wisp_interp::{Engine, Instance, Module, Store, Val};

use super::call;

const MODULE: &str = r#"
  (module
    (memory (export "mem") 4 16)
    (global $g (export "g") (mut i32) (i32.const 7))
    (table $t (export "t") 4 funcref)
    (func $f (result i32) (i32.const 42))
    (elem $e func $f)
    (data $d "hello")
    (func (export "mess") (param $x i32)
      (i32.store (i32.const 100) (local.get $x))
      (i32.store (i32.const 0x30000) (local.get $x))
      (global.set $g (local.get $x))
      (table.init $t $e (i32.const 1) (i32.const 0) (i32.const 1))
      (elem.drop $e)
      (memory.init $d (i32.const 200) (i32.const 0) (i32.const 5))
      (data.drop $d)
      (drop (memory.grow (i32.const 2)))
      (drop (table.grow $t (ref.null func) (i32.const 3))))
    (func (export "probe") (result i32 i32 i32 i32 i32)
      (i32.load (i32.const 100))
      (global.get $g)
      (memory.size)
      (table.size $t)
      (i32.load8_u (i32.const 200)))
    (func (export "init_again")
      (memory.init $d (i32.const 300) (i32.const 0) (i32.const 5))))
"#;

fn setup() -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(MODULE).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

fn probe(store: &mut Store<()>, instance: Instance) -> Vec<Val> {
    call(store, instance, "probe", &[]).unwrap()
}

#[test]
fn reset_undoes_everything_a_run_did() {
    let (mut store, instance) = setup();
    let fresh = probe(&mut store, instance);
    assert_eq!(
        fresh,
        [
            Val::I32(0),
            Val::I32(7),
            Val::I32(4),
            Val::I32(4),
            Val::I32(0)
        ]
    );
    let snapshot = store.snapshot().unwrap();
    for round in 1..=50 {
        call(&mut store, instance, "mess", &[Val::I32(round)]).unwrap();
        assert_eq!(
            probe(&mut store, instance),
            [
                Val::I32(round),
                Val::I32(round),
                Val::I32(6),
                Val::I32(7),
                Val::I32(104)
            ]
        );
        store.reset(&snapshot).unwrap();
        assert_eq!(probe(&mut store, instance), fresh, "round {round}");
        // The dropped data segment is back: memory.init works again.
        call(&mut store, instance, "init_again", &[]).unwrap();
        store.reset(&snapshot).unwrap();
        let mem = instance.get_memory(&store, "mem").unwrap();
        let mut bytes = [0u8; 5];
        mem.read(&mut store, 300, &mut bytes).unwrap();
        assert_eq!(bytes, [0; 5]);
        let table = instance.get_table(&store, "t").unwrap();
        assert_eq!(table.get(&store, 1), Some(Val::FuncRef(None)));
    }
}

#[test]
fn reset_refuses_foreign_snapshots_and_new_entities() {
    let (mut store, instance) = setup();
    let snapshot = store.snapshot().unwrap();
    let (mut other, _) = setup();
    assert!(other.reset(&snapshot).is_err());

    let engine = store.engine().clone();
    let module = Module::new(&engine, &wat::parse_str("(module)").unwrap()).unwrap();
    Instance::new(&mut store, &module, &[]).unwrap();
    let e = store.reset(&snapshot).unwrap_err();
    assert!(e.to_string().contains("new snapshot"), "{e}");
    let _ = instance;
}

#[test]
fn a_reset_only_touches_the_pages_written_since() {
    let (mut store, instance) = setup();
    let mem = instance.get_memory(&store, "mem").unwrap();
    mem.write(&mut store, 0, &[1; 4 * 65536]).unwrap();
    let snapshot = store.snapshot().unwrap();
    assert_eq!(snapshot.resident_pages(), 4);
    // The memory runs flat (every page resident) until the first reset,
    // which makes it paged; from then on resets are proportional to the
    // pages written.
    assert_eq!(mem.resident_pages(&store), 4);
    call(&mut store, instance, "mess", &[Val::I32(9)]).unwrap();
    assert_eq!(mem.resident_pages(&store), 6);
    store.reset(&snapshot).unwrap();
    call(&mut store, instance, "mess", &[Val::I32(9)]).unwrap();
    // `mess` wrote pages 0 and 3 (copies of the snapshot's) and grew by 2.
    assert_eq!(mem.resident_pages(&store), 4);
    store.reset(&snapshot).unwrap();
    assert_eq!(mem.size(&store), 4);
    let mut bytes = vec![0u8; 4 * 65536];
    mem.read(&mut store, 0, &mut bytes).unwrap();
    assert!(bytes.iter().all(|&b| b == 1));
}
