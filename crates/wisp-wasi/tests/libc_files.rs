//! A real wasi-libc program (`tests/programs/files.c`, rebuilt by
//! `tests/programs/build.sh`) doing stdio file I/O, `mkdir`, `rename`,
//! `stat`, `opendir`/`readdir`, an escape attempt, `unlink` and `rmdir`
//! under a preopened `/data`, over the in-memory and the host backend.

mod common;

use common::{Host, linker};
use wisp_interp::{Config, Engine, Module, Store};
use wisp_wasi::WasiCtx;
use wisp_wasi::fs::Sandbox;
use wisp_wasi::fs::mem::{MemFs, MemLimits};

const WASM: &[u8] = include_bytes!("programs/files.wasm");
const EXPECTED: &str = "read: line 42\nsize: 8\nentry: .\nentry: ..\nentry: moved.txt\n\
                        escape: Operation not permitted\ndone\n";

fn run(ctx: WasiCtx) -> (Option<u32>, String) {
    let engine = Engine::new(&Config::default());
    let module = Module::new(&engine, WASM).unwrap();
    let mut store = Store::new(&engine, Host { wasi: ctx });
    let instance = linker(&engine).instantiate(&mut store, &module).unwrap();
    let start = instance.get_func(&store, "_start").unwrap();
    let r = start.call(&mut store, &[], &mut []);
    let code = match r {
        Ok(()) => Some(0),
        Err(_) => store.data().wasi.exit_code(),
    };
    let out = String::from_utf8(store.data_mut().wasi.take_stdout()).unwrap();
    (code, out)
}

#[test]
fn libc_program_over_memfs() {
    let fs = MemFs::new(MemLimits::default(), Box::new(|| 1));
    let ctx = WasiCtx::builder()
        .arg("files")
        .preopen("/data", Box::new(Sandbox::new(fs)))
        .build()
        .unwrap();
    assert_eq!(run(ctx), (Some(0), EXPECTED.to_string()));
}

#[test]
fn libc_program_over_host_dir() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("libc_files");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ctx = WasiCtx::builder()
        .arg("files")
        .preopen_host_dir(&dir, "/data")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(run(ctx), (Some(0), EXPECTED.to_string()));
    // The program cleaned up after itself on the real disk.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
