//! The hostile-input suite: modules built to make an engine crash, hang or
//! allocate without bound, each with its exact expected outcome (which error,
//! which trap, or which result) and a checked bound on time and memory.
//!
//! - [`structure`]: deep nesting, huge `br_table`s, tall operand stacks, and
//!   translation cost on adversarial bodies;
//! - [`binary`]: malformed binaries (LEB128, sections, counts, locals) and
//!   duplicate exports, through [`Module::new`](wisp_interp::Module::new);
//! - [`resources`]: memories and tables at their maximum sizes, `grow` by huge
//!   deltas, addresses and offsets that overflow 32 bits;
//! - [`execution`]: deep recursion on a small native stack, and endless loops
//!   under fuel.
//!
//! # How the bounds are measured
//! Memory: this test binary installs a counting global allocator (current and
//! peak live bytes, process-wide). Every test holds the [`serial`] lock for
//! its whole run, so a measured region sees only its own allocations; the
//! allocator is the one place in the suite that needs `unsafe`.
//! Time: [`Instant`] around the measured work, against generous limits
//! ([`TIME_LIMIT`]): these are bounds that catch hangs and super-linear
//! blow-ups, not benchmarks. The resident set size of the process
//! (`/proc/self/statm`, Linux only) backs up the allocator where the claim is
//! "no memory for a declared but unused size".

mod binary;
mod execution;
mod resources;
mod structure;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, MemorySection, MemoryType,
    TableSection, TableType, TypeSection, ValType,
};
use wisp_interp::{Config, Engine, Error, Instance, Module, Store, TrapCode, Val};

// ----- The counting allocator ---------------------------------------------------

/// `System`, counting the bytes currently allocated and their peak.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn added(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn removed(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees carry over; the counters are only
// bookkeeping and never influence what is returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            added(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            added(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) };
        removed(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            added(new_size);
            removed(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ----- Measuring ----------------------------------------------------------------------

/// Serialises the suite's tests, so that the process-wide counters (and the
/// resident set size) measure one test at a time. Take it first in every test.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    // A failed test poisons the lock; the others must still run.
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Generous wall-clock bound for one measured step: it catches hangs and
/// super-linear blow-ups, not slowness.
pub const TIME_LIMIT: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(10)
} else {
    Duration::from_secs(3)
};

/// What one measured step used.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Peak of live heap bytes above what was live when the step started.
    pub peak_bytes: usize,
    pub elapsed: Duration,
}

/// Runs `f`, returning its result and what it used (see [`Usage`]).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    let peak_bytes = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (
        out,
        Usage {
            peak_bytes,
            elapsed,
        },
    )
}

/// Runs `f` and checks it stays within `TIME_LIMIT` and `max_bytes` of peak
/// heap growth; `what` names the step in failure messages.
#[track_caller]
pub fn bounded<T>(what: &str, max_bytes: usize, f: impl FnOnce() -> T) -> T {
    let (out, usage) = measure(f);
    check(what, usage, max_bytes);
    out
}

/// Checks a measured [`Usage`] against the time limit and `max_bytes`.
#[track_caller]
pub fn check(what: &str, usage: Usage, max_bytes: usize) {
    if std::env::var_os("WISP_HOSTILE_VERBOSE").is_some() {
        eprintln!(
            "{what}: {:?}, peak {} bytes",
            usage.elapsed, usage.peak_bytes
        );
    }
    assert!(
        usage.elapsed < TIME_LIMIT,
        "{what} took {:?} (limit {TIME_LIMIT:?})",
        usage.elapsed
    );
    assert!(
        usage.peak_bytes <= max_bytes,
        "{what} allocated up to {} bytes (limit {max_bytes})",
        usage.peak_bytes
    );
}

pub const KIB: usize = 1024;
pub const MIB: usize = 1024 * 1024;

/// The process's resident set size in bytes, where the platform tells.
pub fn resident_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

// ----- Building and running modules --------------------------------------------

/// LEB128 encoding of `v`, appended to `out`.
pub fn leb(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A section: id, LEB128 size, contents.
pub fn section(id: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    leb(contents.len() as u64, &mut out);
    out.extend_from_slice(contents);
    out
}

/// The module header followed by `sections`.
pub fn raw_module(sections: &[&[u8]]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for s in sections {
        out.extend_from_slice(s);
    }
    out
}

/// A module with one function exported as `run`, of type `params -> results`
/// with `body` (which must end with `end`), and optionally a memory
/// (exported as `mem`) and a table of funcref (exported as `table`).
#[derive(Debug, Default)]
pub struct OneFunc<'a> {
    pub params: &'a [ValType],
    pub results: &'a [ValType],
    pub body: Option<Function>,
    pub memory: Option<MemoryType>,
    pub table: Option<TableType>,
}

impl OneFunc<'_> {
    pub fn build(self) -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        let mut types = TypeSection::new();
        types
            .ty()
            .function(self.params.iter().copied(), self.results.iter().copied());
        module.section(&types);
        let mut funcs = FunctionSection::new();
        funcs.function(0);
        module.section(&funcs);
        if let Some(t) = self.table {
            let mut tables = TableSection::new();
            tables.table(t);
            module.section(&tables);
        }
        if let Some(m) = self.memory {
            let mut memories = MemorySection::new();
            memories.memory(m);
            module.section(&memories);
        }
        let mut exports = ExportSection::new();
        exports.export("run", ExportKind::Func, 0);
        if self.memory.is_some() {
            exports.export("mem", ExportKind::Memory, 0);
        }
        if self.table.is_some() {
            exports.export("table", ExportKind::Table, 0);
        }
        module.section(&exports);
        let mut code = CodeSection::new();
        code.function(&self.body.unwrap_or_else(|| {
            let mut f = Function::new([]);
            f.raw([0x0b]);
            f
        }));
        module.section(&code);
        module.finish()
    }
}

/// A 32-bit memory type with `min` pages and an optional maximum.
pub fn memory_type(min: u64, max: Option<u64>) -> MemoryType {
    MemoryType {
        minimum: min,
        maximum: max,
        memory64: false,
        shared: false,
        page_size_log2: None,
    }
}

/// A funcref table type.
pub fn table_type(min: u64, max: Option<u64>) -> TableType {
    TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: min,
        maximum: max,
        shared: false,
    }
}

/// Compiles `bytes` with `config`.
pub fn compile_with(config: &Config, bytes: &[u8]) -> Result<Module, Error> {
    Module::new(&Engine::new(config), bytes)
}

/// Compiles `bytes` with the default config.
pub fn compile(bytes: &[u8]) -> Result<Module, Error> {
    compile_with(&Config::default(), bytes)
}

/// Instantiates `module` (no imports) in a fresh store.
pub fn instantiate(module: &Module) -> Result<(Store<()>, Instance), Error> {
    let mut store = Store::new(module.engine(), ());
    let instance = Instance::new(&mut store, module, &[])?;
    Ok((store, instance))
}

/// Calls export `name`, returning its results.
pub fn call(
    store: &mut Store<()>,
    instance: Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    let func = instance
        .get_func(store, name)
        .ok_or_else(|| Error::Api(format!("no export {name}")))?;
    let mut results = vec![Val::I32(0); func.ty(store).results().len()];
    func.call(store, args, &mut results)?;
    Ok(results)
}

/// The message of a binary rejected as malformed: by the decoder, or by
/// the validator while reading a function body (panics on any other outcome).
#[track_caller]
pub fn malformed(bytes: &[u8]) -> String {
    match compile(bytes) {
        Err(Error::Decode(e)) => e.message,
        Err(Error::Validate(e)) if e.malformed => e.message,
        other => panic!("expected a malformed module, got {other:?}"),
    }
}

/// The validation error message of a rejected module (panics on any other outcome).
#[track_caller]
pub fn invalid(bytes: &[u8]) -> String {
    match compile(bytes) {
        Err(Error::Validate(e)) if !e.malformed => e.message,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The trap code of a call's error (panics on any other outcome).
#[track_caller]
pub fn trap_code(result: Result<Vec<Val>, Error>) -> TrapCode {
    match result {
        Err(Error::Trap(trap)) => trap
            .code()
            .unwrap_or_else(|| panic!("expected a spec trap, got {trap}")),
        other => panic!("expected a trap, got {other:?}"),
    }
}
