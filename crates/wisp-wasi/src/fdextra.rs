//! The remaining fd functions that need no backend support: `fd_advise`,
//! `fd_allocate`, `fd_fdstat_set_rights`, and the four socket functions
//! (`sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`). Each gives
//! the errno wasmtime gives (`tests/libc_programs.rs` compares them).
//!
//! wisp opens no sockets (there is no preopened listener and no way to
//! create one), so every socket function on an open fd is `NOTSOCK`, as
//! wasmtime answers for a non-socket fd, and `BADF` on an fd that is not
//! open.

use wisp_interp::{Caller, Val};

use crate::WasiCtx;
use crate::errno::Errno;
use crate::fdtable::{FIRST_FD, Kind};
use crate::files::{FDFLAGS_ALL, invalid_arg};
use crate::preview1::{CallResult, Get, u32_arg, u64_arg};

/// witx `advice`: `normal` … `noreuse` are 0 to 5.
const ADVICE_MAX: u32 = 5;

/// Whether `fd` is open (stdio or table).
pub(crate) fn is_open(ctx: &WasiCtx, fd: u32) -> bool {
    match fd {
        0 => ctx.stdin.open,
        1 => ctx.stdout.open,
        2 => ctx.stderr.open,
        _ => ctx.fds.get(fd).is_ok(),
    }
}

/// `Ok` for a regular-file fd; `BADF` for directories, stdio and closed
/// fds (as wasmtime's `get_file`).
fn require_file(ctx: &WasiCtx, fd: u32) -> Result<(), Errno> {
    if fd < FIRST_FD {
        return Err(Errno::Badf);
    }
    match ctx.fds.get(fd)?.kind {
        Kind::File(_) => Ok(()),
        Kind::Dir(_) => Err(Errno::Badf),
    }
}

/// `fd_advise(fd, offset, len, advice)`: advice is only a hint, and no
/// backend uses it, so a valid call succeeds without effect, whatever the
/// range (wasmtime passes it to `posix_fadvise`, which accepts any). An
/// advice value outside witx traps before anything else (as wasmtime, while
/// decoding arguments); then the fd must be a file.
pub(crate) fn fd_advise<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, advice) = (u32_arg(p, 0)?, u32_arg(p, 3)?);
    u64_arg(p, 1)?;
    u64_arg(p, 2)?;
    if advice > ADVICE_MAX {
        return Err(invalid_arg("fd_advise", "advice", advice));
    }
    require_file(get(caller.data_mut()), fd)?;
    Ok(())
}

/// `fd_allocate(fd, offset, len)`: wasmtime's preview1 checks that `fd` is
/// a file and then returns `NOTSUP` (the call was dropped from WASI); wisp
/// does the same.
pub(crate) fn fd_allocate<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    u64_arg(p, 1)?;
    u64_arg(p, 2)?;
    require_file(get(caller.data_mut()), fd)?;
    Err(Errno::Notsup.into())
}

/// `fd_fdstat_set_rights(fd, base, inheriting)`: wisp, like wasmtime's
/// preview1, has no rights to change: `NOTSUP` for an open file or
/// directory, `BADF` for stdio and fds that are not open (wasmtime's
/// `get_fd`).
pub(crate) fn fd_fdstat_set_rights<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let fd = u32_arg(p, 0)?;
    u64_arg(p, 1)?;
    u64_arg(p, 2)?;
    if fd < FIRST_FD {
        return Err(Errno::Badf.into());
    }
    get(caller.data_mut()).fds.get(fd)?;
    Err(Errno::Notsup.into())
}

/// `NOTSOCK` for an open fd, `BADF` otherwise.
fn not_a_socket<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    if is_open(get(caller.data_mut()), fd) {
        Err(Errno::Notsock.into())
    } else {
        Err(Errno::Badf.into())
    }
}

/// `sock_accept(fd, flags, result_fd)`: `fdflags` bits outside witx trap.
pub(crate) fn sock_accept<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let flags = u32_arg(p, 1)?;
    if flags & !FDFLAGS_ALL != 0 {
        return Err(invalid_arg("sock_accept", "fdflags", flags));
    }
    not_a_socket(caller, get, p)
}

/// `sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags)`:
/// `riflags` bits other than `RECV_PEEK | RECV_WAITALL` trap.
pub(crate) fn sock_recv<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let flags = u32_arg(p, 3)?;
    if flags & !3 != 0 {
        return Err(invalid_arg("sock_recv", "riflags", flags));
    }
    not_a_socket(caller, get, p)
}

/// `sock_send(fd, si_data, si_data_len, si_flags, so_datalen)`: `siflags`
/// is a plain integer in witx, so any value is accepted.
pub(crate) fn sock_send<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    not_a_socket(caller, get, p)
}

/// `sock_shutdown(fd, how)`: `sdflags` bits other than `RD | WR` trap.
pub(crate) fn sock_shutdown<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let how = u32_arg(p, 1)?;
    if how & !3 != 0 {
        return Err(invalid_arg("sock_shutdown", "sdflags", how));
    }
    not_a_socket(caller, get, p)
}
