//! `proc_exit`, `proc_raise`, `sched_yield`, and linking: unregistered
//! functions and wrong signatures fail to link.

mod common;

use common::*;
use wisp_interp::{Config, Engine, Error, LinkError, Linker};
use wisp_wasi::{WasiCtx, add_to_linker, proc_exit_status};

const EXIT: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 7)) unreachable)
  (func (export "crash") unreachable))"#;

#[test]
fn proc_exit_records_the_code_and_traps_recognisably() {
    let mut r = Run::new(EXIT, WasiCtx::builder().build().unwrap());
    assert_eq!(r.ctx().exit_code(), None);
    let err = r.try_call("_start", &[]).unwrap_err();
    let Error::Trap(trap) = &err else {
        panic!("expected a trap, got {err}")
    };
    assert_eq!(proc_exit_status(trap), Some(7));
    assert_eq!(r.ctx().exit_code(), Some(7));
}

#[test]
fn an_ordinary_trap_is_not_an_exit() {
    let mut r = Run::new(EXIT, WasiCtx::builder().build().unwrap());
    let Error::Trap(trap) = r.try_call("crash", &[]).unwrap_err() else {
        panic!("expected a trap")
    };
    assert_eq!(proc_exit_status(&trap), None);
    assert_eq!(r.ctx().exit_code(), None);
}

#[test]
fn raise_is_notsup_and_yield_succeeds() {
    let mut r = Run::with(
        &["proc_raise", "sched_yield"],
        WasiCtx::builder().build().unwrap(),
    );
    assert_eq!(r.errno32("proc_raise", &[6]), NOTSUP);
    assert_eq!(r.errno32("sched_yield", &[]), SUCCESS);
}

#[test]
fn unregistered_functions_are_unknown_imports() {
    // Every preview1 function is registered; `sock_open` is not preview1.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "sock_open"
        (func (param i32 i32 i32) (result i32))))"#;
    let Err(Error::Link(LinkError::UnknownImport { module, name })) =
        try_instantiate(wat, WasiCtx::builder().build().unwrap())
    else {
        panic!("expected an unknown import")
    };
    assert_eq!(
        (module.as_str(), name.as_str()),
        ("wasi_snapshot_preview1", "sock_open")
    );
}

#[test]
fn wrong_signature_does_not_link() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32))))"#;
    assert!(matches!(
        try_instantiate(wat, WasiCtx::builder().build().unwrap()),
        Err(Error::Link(LinkError::IncompatibleImportType { .. }))
    ));
}

#[test]
fn registering_twice_is_a_duplicate() {
    let engine = Engine::new(&Config::default());
    let mut linker: Linker<Host> = Linker::new(&engine);
    add_to_linker(&mut linker, get).unwrap();
    assert!(matches!(
        add_to_linker(&mut linker, get),
        Err(LinkError::Duplicate { .. })
    ));
    // Every name in REGISTERED is defined.
    let mut store = wisp_interp::Store::new(
        &engine,
        Host {
            wasi: WasiCtx::builder().build().unwrap(),
        },
    );
    for name in wisp_wasi::REGISTERED {
        assert!(
            linker.get(&mut store, wisp_wasi::MODULE, name).is_some(),
            "{name}"
        );
    }
}

#[test]
fn a_non_capturing_closure_is_an_accessor() {
    let engine = Engine::new(&Config::default());
    let mut linker: Linker<Host> = Linker::new(&engine);
    add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
}
