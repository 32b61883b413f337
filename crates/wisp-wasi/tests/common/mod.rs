//! Shared harness for the WASI tests: builds a WAT module that wraps chosen
//! preview1 imports in exported functions (a host function must be called
//! from Wasm to see the caller's `memory`), instantiates it with a
//! `WasiCtx`, and reads guest memory back.
#![allow(dead_code, reason = "each test file uses a different subset")]

pub mod programs;

use wisp_interp::{Config, Engine, Error, Instance, Linker, Module, Store, Val};
use wisp_wasi::{WasiCtx, add_to_linker};

pub struct Host {
    pub wasi: WasiCtx,
}

pub fn get(h: &mut Host) -> &mut WasiCtx {
    &mut h.wasi
}

/// The core signature of each registered function: params, has an errno result.
fn signature(name: &str) -> (&'static str, bool) {
    match name {
        "args_get"
        | "args_sizes_get"
        | "environ_get"
        | "environ_sizes_get"
        | "clock_res_get"
        | "random_get"
        | "fd_fdstat_get"
        | "fd_prestat_get"
        | "fd_filestat_get"
        | "fd_renumber"
        | "fd_fdstat_set_flags"
        | "sock_shutdown" => ("i32 i32", true),
        "fd_advise" => ("i32 i64 i64 i32", true),
        "fd_allocate" | "fd_fdstat_set_rights" => ("i32 i64 i64", true),
        "sock_accept" => ("i32 i32 i32", true),
        "sock_recv" => ("i32 i32 i32 i32 i32 i32", true),
        "sock_send" => ("i32 i32 i32 i32 i32", true),
        "poll_oneoff" => ("i32 i32 i32 i32", true),
        "fd_prestat_dir_name"
        | "path_create_directory"
        | "path_remove_directory"
        | "path_unlink_file" => ("i32 i32 i32", true),
        "fd_pread" | "fd_pwrite" | "fd_readdir" => ("i32 i32 i32 i64 i32", true),
        "fd_sync" | "fd_datasync" => ("i32", true),
        "fd_filestat_set_size" => ("i32 i64", true),
        "path_open" => ("i32 i32 i32 i32 i32 i64 i64 i32 i32", true),
        "path_filestat_get" | "path_symlink" => ("i32 i32 i32 i32 i32", true),
        "path_rename" | "path_readlink" => ("i32 i32 i32 i32 i32 i32", true),
        "fd_filestat_set_times" => ("i32 i64 i64 i32", true),
        "path_filestat_set_times" => ("i32 i32 i32 i32 i64 i64 i32", true),
        "path_link" => ("i32 i32 i32 i32 i32 i32 i32", true),
        "clock_time_get" => ("i32 i64 i32", true),
        "proc_exit" => ("i32", false),
        "proc_raise" | "fd_close" => ("i32", true),
        "sched_yield" => ("", true),
        "fd_write" | "fd_read" => ("i32 i32 i32 i32", true),
        "fd_seek" => ("i32 i64 i32 i32", true),
        "fd_tell" => ("i32 i32", true),
        other => panic!("no signature for {other}"),
    }
}

/// A module importing `names`, exporting `call_<name>` wrappers, a 1-page
/// `memory` (or `pages` pages) and any `extra` fields.
pub fn wrapper_wat(names: &[&str], pages: u32, extra: &str) -> String {
    let mut s = String::from("(module\n");
    for n in names {
        let (params, errno) = signature(n);
        let result = if errno { "(result i32)" } else { "" };
        s += &format!(
            "  (import \"wasi_snapshot_preview1\" \"{n}\" (func ${n} (param {params}) {result}))\n"
        );
    }
    for n in names {
        let (params, errno) = signature(n);
        let result = if errno { "(result i32)" } else { "" };
        let gets: String = (0..params.split_whitespace().count())
            .map(|i| format!("local.get {i} "))
            .collect();
        s +=
            &format!("  (func (export \"call_{n}\") (param {params}) {result} {gets} call ${n})\n");
    }
    s += &format!("  (memory (export \"memory\") {pages})\n{extra})\n");
    s
}

pub struct Run {
    pub store: Store<Host>,
    pub instance: Instance,
}

pub fn linker(engine: &Engine) -> Linker<Host> {
    let mut linker = Linker::new(engine);
    add_to_linker(&mut linker, get).unwrap();
    linker
}

/// Instantiates `wat`, or returns the instantiation error.
pub fn try_instantiate(wat: &str, ctx: WasiCtx) -> Result<Run, Error> {
    let engine = Engine::new(&Config::default());
    let wasm = wat::parse_str(wat).unwrap();
    let module = Module::new(&engine, &wasm)?;
    let mut store = Store::new(&engine, Host { wasi: ctx });
    let instance = linker(&engine).instantiate(&mut store, &module)?;
    Ok(Run { store, instance })
}

impl Run {
    pub fn new(wat: &str, ctx: WasiCtx) -> Run {
        try_instantiate(wat, ctx).unwrap()
    }

    /// A module wrapping `names` with one page of memory.
    pub fn with(names: &[&str], ctx: WasiCtx) -> Run {
        Run::new(&wrapper_wat(names, 1, ""), ctx)
    }

    pub fn ctx(&mut self) -> &mut WasiCtx {
        &mut self.store.data_mut().wasi
    }

    /// Calls export `name`; the results, or the error.
    pub fn try_call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let f = self.instance.get_func(&self.store, name).unwrap();
        let n = f.ty(&self.store).results().len();
        let mut results = vec![Val::I32(0); n];
        f.call(&mut self.store, args, &mut results)?;
        Ok(results)
    }

    /// Calls `call_<name>` and returns its errno.
    pub fn errno(&mut self, name: &str, args: &[Val]) -> i32 {
        match self.try_call(&format!("call_{name}"), args).unwrap()[..] {
            [Val::I32(e)] => e,
            ref other => panic!("unexpected results {other:?}"),
        }
    }

    /// `errno` with all-`i32` arguments.
    pub fn errno32(&mut self, name: &str, args: &[i32]) -> i32 {
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        self.errno(name, &args)
    }

    pub fn read(&mut self, addr: u32, len: usize) -> Vec<u8> {
        let m = self.instance.get_memory(&self.store, "memory").unwrap();
        let mut buf = vec![0; len];
        m.read(&mut self.store, u64::from(addr), &mut buf).unwrap();
        buf
    }

    pub fn read_u32(&mut self, addr: u32) -> u32 {
        u32::from_le_bytes(self.read(addr, 4).try_into().unwrap())
    }

    pub fn read_u64(&mut self, addr: u32) -> u64 {
        u64::from_le_bytes(self.read(addr, 8).try_into().unwrap())
    }

    pub fn write(&mut self, addr: u32, data: &[u8]) {
        let m = self.instance.get_memory(&self.store, "memory").unwrap();
        m.write(&mut self.store, u64::from(addr), data).unwrap();
    }

    /// Writes an iovec array at `at`.
    pub fn iovecs(&mut self, at: u32, iovs: &[(u32, u32)]) {
        let bytes: Vec<u8> = iovs
            .iter()
            .flat_map(|&(p, l)| p.to_le_bytes().into_iter().chain(l.to_le_bytes()))
            .collect();
        self.write(at, &bytes);
    }
}

pub const SUCCESS: i32 = 0;
pub const BADF: i32 = 8;
pub const FAULT: i32 = 21;
pub const INVAL: i32 = 28;
pub const EXIST: i32 = 20;
pub const ILSEQ: i32 = 25;
pub const ISDIR: i32 = 31;
pub const NAMETOOLONG: i32 = 37;
pub const NOENT: i32 = 44;
pub const NOTDIR: i32 = 54;
pub const NOTEMPTY: i32 = 55;
pub const PERM: i32 = 63;
pub const XDEV: i32 = 75;
pub const NOTCAPABLE: i32 = 76;
pub const NOSPC: i32 = 51;
pub const NOTSUP: i32 = 58;
pub const NOTSOCK: i32 = 57;
