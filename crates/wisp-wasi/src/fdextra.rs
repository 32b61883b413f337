//! The remaining fd functions that need no backend support: `fd_advise`,
//! `fd_allocate`, `fd_fdstat_set_rights`, and the four socket functions
//! (`sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`).
//!
//! wisp opens no sockets (there is no preopened listener and no way to
//! create one), so every socket function on an open fd is `NOTSOCK`, as
//! wasmtime answers for a non-socket fd, and `BADF` on an fd that is not
//! open.

use wisp_interp::{Caller, Val};

use crate::WasiCtx;
use crate::errno::Errno;
use crate::fdtable::{FIRST_FD, Kind, rights};
use crate::preview1::{CallResult, Get, u32_arg, u64_arg};

/// witx `advice`: `normal` … `noreuse` are 0 to 5.
const ADVICE_MAX: u32 = 5;

/// Whether `fd` is open (stdio or table).
fn is_open(ctx: &WasiCtx, fd: u32) -> bool {
    match fd {
        0 => ctx.stdin.open,
        1 => ctx.stdout.open,
        2 => ctx.stderr.open,
        _ => ctx.fds.get(fd).is_ok(),
    }
}

/// The regular-file entry of `fd` with `right` (`BADF` for directories,
/// stdio and closed fds, as wasmtime's `get_file`).
fn require_file(ctx: &WasiCtx, fd: u32, right: u64) -> Result<(), Errno> {
    if fd < FIRST_FD {
        return Err(Errno::Badf);
    }
    let e = ctx.fds.get(fd)?;
    if !matches!(e.kind, Kind::File(_)) {
        return Err(Errno::Badf);
    }
    e.require(right)
}

/// `fd_advise(fd, offset, len, advice)`: advice is only a hint, and no
/// backend uses it, so a valid call succeeds without effect. A bad advice
/// value is `INVAL` first (wasmtime rejects it while decoding arguments);
/// then the fd must be a file with `FD_ADVISE`; then `offset + len` must
/// fit in an `i64` file offset (`INVAL`, as `posix_fadvise`).
pub(crate) fn fd_advise<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, offset, len, advice) = (
        u32_arg(p, 0)?,
        u64_arg(p, 1)?,
        u64_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    if advice > ADVICE_MAX {
        return Err(Errno::Inval.into());
    }
    require_file(get(caller.data_mut()), fd, rights::FD_ADVISE)?;
    match offset.checked_add(len) {
        Some(end) if end <= i64::MAX as u64 => Ok(()),
        _ => Err(Errno::Inval.into()),
    }
}

/// `fd_allocate(fd, offset, len)`: wasmtime's preview1 checks that `fd` is
/// a file and then returns `NOTSUP` (the call was dropped from WASI); wisp
/// does the same.
pub(crate) fn fd_allocate<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    u64_arg(p, 1)?;
    u64_arg(p, 2)?;
    require_file(get(caller.data_mut()), fd, 0)?;
    Err(Errno::Notsup.into())
}

/// `fd_fdstat_set_rights(fd, base, inheriting)`: rights may only be
/// dropped; asking for a right the fd lacks is `NOTCAPABLE`. Stdio keeps
/// fixed rights (see `docs/wasi.md`): the same rights succeed, fewer are
/// `NOTSUP`.
pub(crate) fn fd_fdstat_set_rights<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, base, inheriting) = (u32_arg(p, 0)?, u64_arg(p, 1)?, u64_arg(p, 2)?);
    let ctx = get(caller.data_mut());
    if fd < FIRST_FD {
        if !is_open(ctx, fd) {
            return Err(Errno::Badf.into());
        }
        let have = if fd == 0 {
            rights::FD_READ
        } else {
            rights::FD_WRITE
        };
        if (base | inheriting) & !have != 0 {
            return Err(Errno::Notcapable.into());
        }
        if base != have || inheriting != have {
            return Err(Errno::Notsup.into());
        }
        return Ok(());
    }
    ctx.fds.set_rights(fd, base, inheriting)?;
    Ok(())
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

/// `sock_accept(fd, flags, result_fd)`.
pub(crate) fn sock_accept<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    not_a_socket(caller, get, p)
}

/// `sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen, ro_flags)`.
pub(crate) fn sock_recv<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    not_a_socket(caller, get, p)
}

/// `sock_send(fd, si_data, si_data_len, si_flags, so_datalen)`.
pub(crate) fn sock_send<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    not_a_socket(caller, get, p)
}

/// `sock_shutdown(fd, how)`.
pub(crate) fn sock_shutdown<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    not_a_socket(caller, get, p)
}
