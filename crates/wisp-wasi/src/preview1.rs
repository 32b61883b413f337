//! Registration of the preview1 functions in a [`Linker`], the shared call
//! plumbing (argument decoding, the `memory` export, errno-or-trap), and the
//! non-fd functions: args, environ, clocks, random, proc, sched.
//!
//! Every function is registered with its exact witx core type, so a module
//! importing it with another type fails to link with a type mismatch.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;

use wisp_interp::{
    Caller, Extern, FuncType, HostError, LinkError, Linker, Memory, Trap, Val, ValType,
};

use crate::abi::{self, StoreMemory};
use crate::ctx::{self, CLOCK_MONOTONIC, CLOCK_REALTIME, Clock, WasiCtx};
use crate::errno::Errno;
use crate::wait::{Blocking, Parked, Wait};

/// How a host function finds the [`WasiCtx`] in the store data.
pub(crate) type Get<T> = fn(&mut T) -> &mut WasiCtx;

/// Why a WASI call did not succeed: an errno for the guest, or a trap.
#[derive(Debug)]
pub(crate) enum Fail {
    Errno(Errno),
    Trap(HostError),
    /// The call must wait and the context suspends instead of blocking:
    /// the guest is suspended with this payload (see [`crate::wait`]).
    Park(Wait),
}

impl From<Errno> for Fail {
    fn from(e: Errno) -> Self {
        Fail::Errno(e)
    }
}

pub(crate) type CallResult = Result<(), Fail>;

/// The body of an errno-returning function.
type Body<T> = fn(&mut Caller<'_, T>, Get<T>, &[Val]) -> CallResult;

/// Every function [`add_to_linker`] defines, in registration order.
pub const REGISTERED: [&str; 46] = [
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "random_get",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "fd_write",
    "fd_read",
    "fd_fdstat_get",
    "fd_close",
    "fd_seek",
    "fd_tell",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pread",
    "fd_pwrite",
    "fd_filestat_get",
    "fd_sync",
    "fd_datasync",
    "fd_filestat_set_size",
    "fd_renumber",
    "fd_readdir",
    "path_open",
    "path_filestat_get",
    "path_create_directory",
    "path_remove_directory",
    "path_unlink_file",
    "path_rename",
    "path_symlink",
    "path_readlink",
    "fd_filestat_set_times",
    "path_filestat_set_times",
    "path_link",
    "fd_fdstat_set_flags",
    "fd_advise",
    "fd_allocate",
    "fd_fdstat_set_rights",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
    "poll_oneoff",
];

/// The start of the trap message `proc_exit` traps with; the status follows
/// in decimal. See [`proc_exit_status`].
pub const PROC_EXIT_PREFIX: &str = "wasi proc_exit: exit status ";

/// The status of a trap raised by `proc_exit`, or `None` for any other trap.
///
/// The context's [`WasiCtx::exit_code`] says the same and is the primary way
/// to tell an exit from a trap; this helper serves embedders that only have
/// the error.
pub fn proc_exit_status(trap: &Trap) -> Option<u32> {
    match &trap.kind {
        wisp_interp::TrapKind::Host(m) => m.strip_prefix(PROC_EXIT_PREFIX)?.parse().ok(),
        wisp_interp::TrapKind::Code(_) => None,
    }
}

/// Defines the registered preview1 functions ([`REGISTERED`]) under
/// `wasi_snapshot_preview1` in `linker`. `get` reaches the [`WasiCtx`] in
/// the store data; it is a plain `fn` so that every closure stays
/// `Send + Sync + 'static` without bounds on `T` beyond `'static`.
///
/// Errors if `linker` already defines one of the names (and does not allow
/// shadowing).
pub fn add_to_linker<T: 'static>(linker: &mut Linker<T>, get: Get<T>) -> Result<(), LinkError> {
    add_to_linker_granting(linker, get, &|_| true)
}

/// [`add_to_linker`], where only the functions `granted` accepts do their
/// work: every other one is still defined (so a module importing it links)
/// but only returns `NOTCAPABLE` (76) — `proc_exit` traps instead, as it
/// has no errno. The process host grants functions by import profile.
pub fn add_to_linker_granting<T: 'static>(
    linker: &mut Linker<T>,
    get: Get<T>,
    granted: &dyn Fn(&str) -> bool,
) -> Result<(), LinkError> {
    use ValType::{I32, I64};
    let exit_granted = granted("proc_exit");
    errno_fn(linker, get, granted, "args_get", &[I32, I32], args_get)?;
    errno_fn(
        linker,
        get,
        granted,
        "args_sizes_get",
        &[I32, I32],
        args_sizes_get,
    )?;
    errno_fn(
        linker,
        get,
        granted,
        "environ_get",
        &[I32, I32],
        environ_get,
    )?;
    errno_fn(
        linker,
        get,
        granted,
        "environ_sizes_get",
        &[I32, I32],
        environ_sizes_get,
    )?;
    errno_fn(
        linker,
        get,
        granted,
        "clock_res_get",
        &[I32, I32],
        clock_res_get,
    )?;
    errno_fn(
        linker,
        get,
        granted,
        "clock_time_get",
        &[I32, I64, I32],
        clock_time_get,
    )?;
    errno_fn(linker, get, granted, "random_get", &[I32, I32], random_get)?;
    linker.func_new(
        crate::MODULE,
        "proc_exit",
        FuncType::new([I32], []),
        move |mut caller, params, _results| {
            if !exit_granted {
                return Err(HostError::Trap(Trap::host(
                    "wasi proc_exit: not granted to this process (needs imports: wasi:cli)",
                )));
            }
            let code = match u32_arg(params, 0) {
                Ok(c) => c,
                Err(Fail::Trap(t)) => return Err(t),
                Err(Fail::Errno(_) | Fail::Park(_)) => return Err(bad_args("proc_exit")),
            };
            // wasmtime refuses statuses a Unix shell could not tell from a
            // signal: the call traps instead of exiting.
            if code >= 126 {
                return Err(HostError::Trap(Trap::host(format!(
                    "wasi proc_exit: exit with invalid exit status {code} outside of [0..126)"
                ))));
            }
            get(caller.data_mut()).exit_code = Some(code);
            Err(HostError::Trap(Trap::host(format!(
                "{PROC_EXIT_PREFIX}{code}"
            ))))
        },
    )?;
    errno_fn(linker, get, granted, "proc_raise", &[I32], proc_raise)?;
    errno_fn(linker, get, granted, "sched_yield", &[], sched_yield)?;
    use crate::{fdextra as x, files as f, paths as pa};
    let i = I32;
    let table: [(&str, &[ValType], Body<T>); 36] = [
        ("fd_write", &[i, i, i, i], f::fd_write),
        ("fd_read", &[i, i, i, i], f::fd_read),
        ("fd_fdstat_get", &[i, i], f::fd_fdstat_get),
        ("fd_close", &[i], f::fd_close),
        ("fd_seek", &[i, I64, i, i], f::fd_seek),
        ("fd_tell", &[i, i], f::fd_tell),
        ("fd_prestat_get", &[i, i], f::fd_prestat_get),
        ("fd_prestat_dir_name", &[i, i, i], f::fd_prestat_dir_name),
        ("fd_pread", &[i, i, i, I64, i], f::fd_pread),
        ("fd_pwrite", &[i, i, i, I64, i], f::fd_pwrite),
        ("fd_filestat_get", &[i, i], f::fd_filestat_get),
        ("fd_sync", &[i], f::fd_sync),
        ("fd_datasync", &[i], f::fd_datasync),
        ("fd_filestat_set_size", &[i, I64], f::fd_filestat_set_size),
        ("fd_renumber", &[i, i], f::fd_renumber),
        ("fd_readdir", &[i, i, i, I64, i], f::fd_readdir),
        ("path_open", &[i, i, i, i, i, I64, I64, i, i], pa::path_open),
        ("path_filestat_get", &[i, i, i, i, i], pa::path_filestat_get),
        (
            "path_create_directory",
            &[i, i, i],
            pa::path_create_directory,
        ),
        (
            "path_remove_directory",
            &[i, i, i],
            pa::path_remove_directory,
        ),
        ("path_unlink_file", &[i, i, i], pa::path_unlink_file),
        ("path_rename", &[i, i, i, i, i, i], pa::path_rename),
        ("path_symlink", &[i, i, i, i, i], pa::path_symlink),
        ("path_readlink", &[i, i, i, i, i, i], pa::path_readlink),
        (
            "fd_filestat_set_times",
            &[i, I64, I64, i],
            f::fd_filestat_set_times,
        ),
        (
            "path_filestat_set_times",
            &[i, i, i, i, I64, I64, i],
            pa::path_filestat_set_times,
        ),
        ("path_link", &[i, i, i, i, i, i, i], pa::path_link),
        ("fd_fdstat_set_flags", &[i, i], f::fd_fdstat_set_flags),
        ("fd_advise", &[i, I64, I64, i], x::fd_advise),
        ("fd_allocate", &[i, I64, I64], x::fd_allocate),
        (
            "fd_fdstat_set_rights",
            &[i, I64, I64],
            x::fd_fdstat_set_rights,
        ),
        ("sock_accept", &[i, i, i], x::sock_accept),
        ("sock_recv", &[i, i, i, i, i, i], x::sock_recv),
        ("sock_send", &[i, i, i, i, i], x::sock_send),
        ("sock_shutdown", &[i, i], x::sock_shutdown),
        ("poll_oneoff", &[i, i, i, i], crate::poll::poll_oneoff),
    ];
    for (name, params, body) in table {
        errno_fn(linker, get, granted, name, params, body)?;
    }
    Ok(())
}

/// Defines `name` with `params` and one `i32` (errno) result.
fn errno_fn<T: 'static>(
    linker: &mut Linker<T>,
    get: Get<T>,
    granted: &dyn Fn(&str) -> bool,
    name: &str,
    params: &[ValType],
    body: Body<T>,
) -> Result<(), LinkError> {
    let ty = FuncType::new(params.iter().copied(), [ValType::I32]);
    let granted = granted(name);
    linker.func_new(crate::MODULE, name, ty, move |mut caller, args, results| {
        let outcome = if granted {
            body(&mut caller, get, args)
        } else {
            Err(Fail::Errno(Errno::Notcapable))
        };
        let errno = match outcome {
            Ok(()) => Errno::Success,
            Err(Fail::Errno(e)) => e,
            Err(Fail::Trap(t)) => return Err(t),
            Err(Fail::Park(wait)) => return Err(HostError::Suspend(Box::new(wait))),
        };
        if let Some(r) = results.first_mut() {
            *r = Val::I32(i32::from(errno.raw()));
        }
        Ok(())
    })?;
    Ok(())
}

fn bad_args(name: &str) -> HostError {
    HostError::Trap(Trap::host(format!(
        "wasi {name}: called with arguments of the wrong type"
    )))
}

/// Parameter `i` as the `u32` the witx ABI means by an `i32`.
pub(crate) fn u32_arg(params: &[Val], i: usize) -> Result<u32, Fail> {
    match params.get(i) {
        Some(Val::I32(v)) => Ok(*v as u32),
        _ => Err(Fail::Trap(bad_args("call"))),
    }
}

/// Parameter `i` as a `u64`.
pub(crate) fn u64_arg(params: &[Val], i: usize) -> Result<u64, Fail> {
    match params.get(i) {
        Some(Val::I64(v)) => Ok(*v as u64),
        _ => Err(Fail::Trap(bad_args("call"))),
    }
}

/// The caller's exported `memory`. A module that imports WASI functions
/// taking pointers but exports no memory breaks the ABI: that traps.
pub(crate) fn memory<T>(caller: &Caller<'_, T>) -> Result<Memory, Fail> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(Fail::Trap(HostError::Trap(Trap::host(
            "wasi: the calling module does not export a memory named `memory`",
        )))),
    }
}

/// The guest memory view for one step of a call.
pub(crate) fn guest<'a, T>(caller: &'a mut Caller<'_, T>, m: Memory) -> StoreMemory<'a, T> {
    StoreMemory {
        store: caller.store_mut(),
        memory: m,
    }
}

// ---------------------------------------------------------------------------
// args / environ

fn args_sizes_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let sizes = ctx::sizes(&get(caller.data_mut()).args);
    sizes_get(caller, sizes, p)
}

fn environ_sizes_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let sizes = ctx::sizes(&get(caller.data_mut()).env);
    sizes_get(caller, sizes, p)
}

/// Writes `(count, buffer size)` to the two result pointers.
fn sizes_get<T>(caller: &mut Caller<'_, T>, sizes: Option<(u32, u32)>, p: &[Val]) -> CallResult {
    let (count_ptr, size_ptr) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    // The builder guarantees the sizes fit; `Overflow` is never expected.
    let (count, size) = sizes.ok_or(Errno::Overflow)?;
    let m = memory(caller)?;
    let mut mem = guest(caller, m);
    abi::check_range(&mut mem, count_ptr, 4)?;
    abi::check_range(&mut mem, size_ptr, 4)?;
    abi::write_u32(&mut mem, count_ptr, count)?;
    abi::write_u32(&mut mem, size_ptr, size)?;
    Ok(())
}

fn args_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (ptrs, buf) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let m = memory(caller)?;
    let (ptr_bytes, str_bytes) = string_table(&get(caller.data_mut()).args, buf);
    write_table(&mut guest(caller, m), ptrs, &ptr_bytes, buf, &str_bytes)
}

fn environ_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (ptrs, buf) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let m = memory(caller)?;
    let (ptr_bytes, str_bytes) = string_table(&get(caller.data_mut()).env, buf);
    write_table(&mut guest(caller, m), ptrs, &ptr_bytes, buf, &str_bytes)
}

/// The pointer array (little-endian `u32`s; wrapping is harmless because
/// the string range is checked before anything is written) and the
/// concatenated NUL-terminated strings.
fn string_table(strings: &[Vec<u8>], buf: u32) -> (Vec<u8>, Vec<u8>) {
    let mut ptrs = Vec::with_capacity(strings.len() * 4);
    let mut bytes = Vec::new();
    for s in strings {
        let at = buf.wrapping_add(bytes.len() as u32);
        ptrs.extend_from_slice(&at.to_le_bytes());
        bytes.extend_from_slice(s);
    }
    (ptrs, bytes)
}

fn write_table(
    mem: &mut impl abi::GuestMemory,
    ptrs: u32,
    ptr_bytes: &[u8],
    buf: u32,
    str_bytes: &[u8],
) -> CallResult {
    abi::check_range(mem, ptrs, ptr_bytes.len() as u64)?;
    abi::check_range(mem, buf, str_bytes.len() as u64)?;
    abi::write_bytes(mem, ptrs, ptr_bytes)?;
    abi::write_bytes(mem, buf, str_bytes)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// clocks

/// witx `clockid` (realtime and monotonic are in `ctx`).
const CLOCK_PROCESS_CPUTIME: u32 = 2;
const CLOCK_THREAD_CPUTIME: u32 = 3;

/// `BADF` for the CPU-time clocks (what wasmtime returns: it does not
/// support them); an id outside the witx enum traps, as wasmtime (which
/// fails decoding the argument).
fn check_clock(func: &str, id: u32) -> Result<(), Fail> {
    match id {
        CLOCK_REALTIME | CLOCK_MONOTONIC => Ok(()),
        CLOCK_PROCESS_CPUTIME | CLOCK_THREAD_CPUTIME => Err(Errno::Badf.into()),
        _ => Err(crate::files::invalid_arg(func, "clockid", id)),
    }
}

fn clock_res_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (id, out) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    check_clock("clock_res_get", id)?;
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 8)?;
    let res = match &get(caller.data_mut()).clock {
        #[cfg(feature = "std")]
        Clock::Real { .. } => 1,
        Clock::Virtual { .. } => 1,
        Clock::Deterministic { step_ns, .. } => (*step_ns).max(1),
    };
    abi::write_u64(&mut guest(caller, m), out, res)?;
    Ok(())
}

/// `precision` is ignored, as wasmtime ignores it.
fn clock_time_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (id, _precision, out) = (u32_arg(p, 0)?, u64_arg(p, 1)?, u32_arg(p, 2)?);
    check_clock("clock_time_get", id)?;
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 8)?;
    let now = get(caller.data_mut()).clock.now(id)?;
    abi::write_u64(&mut guest(caller, m), out, now)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// random, proc, sched

/// Bytes generated and written per step, so a large request never needs a
/// host buffer of its size.
const RANDOM_CHUNK: u32 = 4096;

fn random_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (buf, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), buf, u64::from(len))?;
    let mut chunk = [0u8; RANDOM_CHUNK as usize];
    let mut done = 0u32;
    while done < len {
        let n = (len - done).min(RANDOM_CHUNK);
        let part = &mut chunk[..n as usize];
        get(caller.data_mut()).random.fill(part)?;
        abi::write_bytes(&mut guest(caller, m), buf + done, part)?;
        done += n;
    }
    Ok(())
}

/// Signals are not supported: `NOTSUP` (see `docs/wasi.md` for why an errno
/// and not wasmtime's trap).
fn proc_raise<T>(_caller: &mut Caller<'_, T>, _get: Get<T>, p: &[Val]) -> CallResult {
    u32_arg(p, 0)?;
    Err(Errno::Notsup.into())
}

/// Blocking: gives the thread up once (`std`) or does nothing. Suspending:
/// suspends once with [`Wait::Yield`], and completes when retried.
fn sched_yield<T>(caller: &mut Caller<'_, T>, get: Get<T>, _p: &[Val]) -> CallResult {
    let ctx = get(caller.data_mut());
    match ctx.blocking {
        Blocking::Block => {
            #[cfg(feature = "std")]
            std::thread::yield_now();
            Ok(())
        }
        Blocking::Suspend if ctx.parked == Some(Parked::Yield) => {
            ctx.parked = None;
            Ok(())
        }
        Blocking::Suspend => {
            ctx.parked = Some(Parked::Yield);
            Err(Fail::Park(Wait::Yield))
        }
    }
}
