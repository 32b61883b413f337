//! `args_*` and `environ_*`: sizes, the exact pointer arrays and
//! NUL-terminated strings written, and `FAULT` without partial writes.

mod common;

use common::*;
use wisp_wasi::WasiCtx;

const NAMES: [&str; 4] = [
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
];

fn run() -> Run {
    let ctx = WasiCtx::builder()
        .args(["prog", "a b", "\u{fc}"])
        .env("HOME", "/x")
        .env("A", "b=c")
        .build()
        .unwrap();
    Run::with(&NAMES, ctx)
}

#[test]
fn args_sizes_and_exact_bytes() {
    let mut r = run();
    assert_eq!(r.errno32("args_sizes_get", &[0, 4]), SUCCESS);
    // "prog\0" 5 + "a b\0" 4 + "ü\0" 3 bytes of UTF-8.
    assert_eq!((r.read_u32(0), r.read_u32(4)), (3, 12));

    assert_eq!(r.errno32("args_get", &[100, 200]), SUCCESS);
    assert_eq!(
        r.read(100, 12),
        [200u32, 205, 209].map(u32::to_le_bytes).concat()
    );
    assert_eq!(r.read(200, 13), b"prog\0a b\0\xc3\xbc\0\0");
}

#[test]
fn environ_sizes_and_exact_bytes() {
    let mut r = run();
    assert_eq!(r.errno32("environ_sizes_get", &[8, 12]), SUCCESS);
    assert_eq!((r.read_u32(8), r.read_u32(12)), (2, 14));
    assert_eq!(r.errno32("environ_get", &[300, 1000]), SUCCESS);
    assert_eq!(
        r.read(300, 8),
        [1000u32, 1008].map(u32::to_le_bytes).concat()
    );
    assert_eq!(r.read(1000, 15), b"HOME=/x\0A=b=c\0\0");
}

#[test]
fn empty_args_and_env() {
    let mut r = Run::with(&NAMES, WasiCtx::builder().build().unwrap());
    r.write(0, &[0xff; 16]);
    assert_eq!(r.errno32("args_sizes_get", &[0, 4]), SUCCESS);
    assert_eq!(r.errno32("environ_sizes_get", &[8, 12]), SUCCESS);
    assert_eq!(r.read(0, 16), [0u8; 16]);
    // Nothing to write: even pointers at the very end of memory succeed.
    assert_eq!(r.errno32("args_get", &[65536, 65536]), SUCCESS);
}

#[test]
fn bad_pointers_fault_without_writing() {
    let mut r = run();
    // The pointer array (12 bytes) does not fit.
    assert_eq!(r.errno32("args_get", &[65530, 200]), FAULT);
    // The strings (12 bytes) do not fit: the pointer array is not written either.
    assert_eq!(r.errno32("args_get", &[100, 65530]), FAULT);
    assert_eq!(r.read(100, 12), [0u8; 12]);
    assert_eq!(r.errno32("args_get", &[-1, 0]), FAULT);
    assert_eq!(r.errno32("args_sizes_get", &[65533, 0]), FAULT);
    assert_eq!(r.errno32("args_sizes_get", &[0, 65533]), FAULT);
    assert_eq!(
        r.read_u32(0),
        0,
        "the count is not written when the size faults"
    );
    assert_eq!(r.errno32("environ_get", &[300, 65536 - 13]), FAULT);
    assert_eq!(r.errno32("environ_sizes_get", &[-4, 0]), FAULT);
}

#[test]
fn module_without_memory_traps() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $f (param i32 i32) (result i32)))
      (func (export "go") (result i32) i32.const 0 i32.const 4 call $f))"#;
    let mut r = Run::new(wat, WasiCtx::builder().build().unwrap());
    let err = r.try_call("go", &[]).unwrap_err();
    assert!(
        err.to_string().contains("does not export a memory"),
        "{err}"
    );
}
