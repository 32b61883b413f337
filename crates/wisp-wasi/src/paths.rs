//! The `path_*` functions: each resolves a guest path beneath a directory
//! fd of the [`FdTable`](crate::fdtable::FdTable) through that preopen's
//! [`Filesystem`](crate::fs::Filesystem), which does the sandboxing.
//!
//! Errnos as wasmtime (checked against it by `tests/libc_programs.rs`): an
//! fd that is not a directory is `BADF` (`NOTDIR` for a file in
//! `path_open` only), a path that is not UTF-8 is `ILSEQ`. Rights are not
//! checked (wasmtime's preview1 has none; see `files.rs`). Two fds of
//! different preopens in one rename or link are `XDEV` (`PERM` if either
//! is read-only): wasmtime hands such a call to the host, which succeeds
//! when both host directories share a filesystem — wisp keeps its mounts
//! apart. Every guest pointer is checked before anything changes on the
//! filesystem.

use alloc::string::String;

use wisp_interp::{Caller, Val};

use crate::abi;
use crate::errno::Errno;
use crate::fdtable::{Entry, FIRST_FD, Kind, rights};
use crate::files::{FDFLAGS_ALL, filestat_bytes, invalid_arg, reported_rights};
use crate::fs::{Dir, OpenOptions, Opened, SetTime};
use crate::preview1::{CallResult, Fail, Get, guest, memory, u32_arg, u64_arg};

/// The entry and directory of dir fd `fd`; anything else is `BADF`.
fn dir<T>(caller: &mut Caller<'_, T>, get: Get<T>, fd: u32) -> Result<(Entry, Dir), Errno> {
    let e = get(caller.data_mut()).fds.get(fd)?;
    let Kind::Dir(d) = &e.kind else {
        return Err(Errno::Badf);
    };
    Ok((e.clone(), d.clone()))
}

/// Whether `lookupflags` asks to follow a final symlink; a bit outside
/// witx traps (as wasmtime).
fn lookup_flags(func: &str, flags: u32) -> Result<bool, Fail> {
    if flags & !crate::fs::LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(invalid_arg(func, "lookupflags", flags));
    }
    Ok(flags != 0)
}

/// The guest string at `(ptr, len)`: `FAULT` out of bounds, `ILSEQ` if it
/// is not UTF-8.
fn path_arg<T>(caller: &mut Caller<'_, T>, ptr: u32, len: u32) -> Result<String, Fail> {
    let m = memory(caller)?;
    let bytes = abi::read_bytes(&mut guest(caller, m), ptr, len)?;
    Ok(String::from_utf8(bytes).map_err(|_| Errno::Ilseq)?)
}

/// `path_open(fd, dirflags, path, path_len, oflags, rights_base,
/// rights_inheriting, fdflags, opened_fd)`.
pub(crate) fn path_open<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, dirflags, ptr, len) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    // The inheriting rights are ignored, as wasmtime ignores them.
    let (oflags_raw, base) = (u32_arg(p, 4)?, u64_arg(p, 5)?);
    u64_arg(p, 6)?;
    let (fdflags_raw, out) = (u32_arg(p, 7)?, u32_arg(p, 8)?);
    // Bits outside witx trap, as wasmtime (which fails decoding them).
    lookup_flags("path_open", dirflags)?;
    if oflags_raw & !0xf != 0 {
        return Err(invalid_arg("path_open", "oflags", oflags_raw));
    }
    if fdflags_raw & !FDFLAGS_ALL != 0 {
        return Err(invalid_arg("path_open", "fdflags", fdflags_raw));
    }
    let (oflags, fdflags) = (oflags_raw as u16, fdflags_raw as u16);
    let (e, d) = match dir(caller, get, fd) {
        Ok(found) => found,
        // A file where a directory is needed: `NOTDIR` here (as wasmtime).
        Err(Errno::Badf) if fd >= FIRST_FD && get(caller.data_mut()).fds.get(fd).is_ok() => {
            return Err(Errno::Notdir.into());
        }
        Err(err) => return Err(err.into()),
    };
    let path = path_arg(caller, ptr, len)?;
    // wasmtime's filesystem layer offers no synchronised I/O: `NOTSUP`
    // before the path is looked at.
    use crate::fs::fdflags::{DSYNC, RSYNC, SYNC};
    if fdflags & (DSYNC | RSYNC | SYNC) != 0 {
        return Err(Errno::Notsup.into());
    }
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 4)?;
    // The access mode comes from `FD_READ` / `FD_WRITE` in the requested
    // rights; with neither the file is opened for reading (as wasmtime).
    let write = base & rights::FD_WRITE != 0;
    let read = base & rights::FD_READ != 0 || !write;
    let mut how = OpenOptions::from_wasi(dirflags, oflags, fdflags, read, write);
    // `APPEND` lives in the fd's flags, not in the backend handle, so that
    // `fd_fdstat_set_flags` can change it: `fd_write` seeks to the end first.
    how.append = false;
    let table = &mut get(caller.data_mut()).fds;
    let opened = table.mount(e.mount)?.open(&d, &path, how)?;
    let (kind, reported) = match opened {
        Opened::Dir(d) => (Kind::Dir(d), reported_rights(true, true, false)),
        Opened::File(f) => (Kind::File(f), reported_rights(false, read, write)),
    };
    let entry = Entry {
        mount: e.mount,
        kind: kind.clone(),
        preopen: None,
        base: reported,
        inheriting: reported,
        fdflags,
    };
    let new_fd = match table.insert(entry) {
        Ok(n) => n,
        Err(err) => {
            if let Kind::File(f) = kind {
                // The open failed as a whole; the close result adds nothing.
                let _ = table.mount(e.mount)?.close(f);
            }
            return Err(err.into());
        }
    };
    abi::write_u32(&mut guest(caller, m), out, new_fd)?;
    Ok(())
}

/// `path_filestat_get(fd, flags, path, path_len, out)`.
pub(crate) fn path_filestat_get<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, flags, ptr, len, out) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
        u32_arg(p, 4)?,
    );
    let follow = lookup_flags("path_filestat_get", flags)?;
    let (e, d) = dir(caller, get, fd)?;
    let path = path_arg(caller, ptr, len)?;
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 64)?;
    let st = get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .path_stat(&d, follow, &path)?;
    abi::write_bytes(&mut guest(caller, m), out, &filestat_bytes(&st))?;
    Ok(())
}

/// The shared shape of `(fd, path, path_len)` functions.
fn simple<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
    op: fn(&mut dyn crate::fs::Filesystem, &Dir, &str) -> Result<(), Errno>,
) -> CallResult {
    let (fd, ptr, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let (e, d) = dir(caller, get, fd)?;
    let path = path_arg(caller, ptr, len)?;
    op(get(caller.data_mut()).fds.mount(e.mount)?, &d, &path)?;
    Ok(())
}

pub(crate) fn path_create_directory<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    simple(caller, get, p, |fs, d, path| fs.create_directory(d, path))
}

pub(crate) fn path_remove_directory<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    simple(caller, get, p, |fs, d, path| fs.remove_directory(d, path))
}

pub(crate) fn path_unlink_file<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    simple(caller, get, p, |fs, d, path| fs.unlink_file(d, path))
}

/// `path_rename(fd, old, old_len, new_fd, new, new_len)`.
pub(crate) fn path_rename<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, optr, olen) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let (nfd, nptr, nlen) = (u32_arg(p, 3)?, u32_arg(p, 4)?, u32_arg(p, 5)?);
    let (e, from_dir) = dir(caller, get, fd)?;
    let (ne, to_dir) = dir(caller, get, nfd)?;
    let from = path_arg(caller, optr, olen)?;
    let to = path_arg(caller, nptr, nlen)?;
    across_mounts(get(caller.data_mut()), &e, &ne)?;
    get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .rename(&from_dir, &from, &to_dir, &to)?;
    Ok(())
}

/// A rename or link between two preopens: `PERM` if either is read-only
/// (wasmtime checks the mutation permission first), `XDEV` otherwise.
fn across_mounts(ctx: &mut crate::WasiCtx, a: &Entry, b: &Entry) -> Result<(), Errno> {
    if a.mount == b.mount {
        return Ok(());
    }
    if ctx.fds.mount(a.mount)?.read_only() || ctx.fds.mount(b.mount)?.read_only() {
        return Err(Errno::Perm);
    }
    Err(Errno::Xdev)
}

/// `path_symlink(target, target_len, fd, path, path_len)`.
pub(crate) fn path_symlink<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (tptr, tlen) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let (fd, ptr, len) = (u32_arg(p, 2)?, u32_arg(p, 3)?, u32_arg(p, 4)?);
    let (e, d) = dir(caller, get, fd)?;
    let target = path_arg(caller, tptr, tlen)?;
    let path = path_arg(caller, ptr, len)?;
    get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .symlink(&target, &d, &path)?;
    Ok(())
}

/// `path_readlink(fd, path, path_len, buf, buf_len, bufused)`: the target
/// is cut at `buf_len` (no NUL), as POSIX `readlink` does.
pub(crate) fn path_readlink<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, ptr, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let (buf, buf_len, used) = (u32_arg(p, 3)?, u32_arg(p, 4)?, u32_arg(p, 5)?);
    let (e, d) = dir(caller, get, fd)?;
    let path = path_arg(caller, ptr, len)?;
    let m = memory(caller)?;
    {
        let mut mem = guest(caller, m);
        abi::check_range(&mut mem, buf, u64::from(buf_len))?;
        abi::check_range(&mut mem, used, 4)?;
    }
    let target = get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .readlink(&d, &path)?;
    let bytes = target.as_bytes();
    let n = bytes.len().min(buf_len as usize);
    let mut mem = guest(caller, m);
    abi::write_bytes(&mut mem, buf, &bytes[..n])?;
    abi::write_u32(&mut mem, used, n as u32)?;
    Ok(())
}

/// witx `fstflags` → (atim, mtim). Both `X` and `X_NOW` are `INVAL`; a
/// bit outside witx traps (as wasmtime).
pub(crate) fn set_times(
    func: &str,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> Result<(SetTime, SetTime), Fail> {
    const ATIM: u32 = 1;
    const ATIM_NOW: u32 = 2;
    const MTIM: u32 = 4;
    const MTIM_NOW: u32 = 8;
    if flags & !0xf != 0 {
        return Err(invalid_arg(func, "fstflags", flags));
    }
    let one = |at: u32, now: u32, t: u64| match (flags & at != 0, flags & now != 0) {
        (true, true) => Err(Errno::Inval),
        (true, false) => Ok(SetTime::At(t)),
        (false, true) => Ok(SetTime::Now),
        (false, false) => Ok(SetTime::Omit),
    };
    Ok((one(ATIM, ATIM_NOW, atim)?, one(MTIM, MTIM_NOW, mtim)?))
}

/// `path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fst_flags)`.
pub(crate) fn path_filestat_set_times<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, flags, ptr, len) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    let (atim, mtim, fst) = (u64_arg(p, 4)?, u64_arg(p, 5)?, u32_arg(p, 6)?);
    let follow = lookup_flags("path_filestat_set_times", flags)?;
    let (a, m) = set_times("path_filestat_set_times", atim, mtim, fst)?;
    let (e, d) = dir(caller, get, fd)?;
    let path = path_arg(caller, ptr, len)?;
    get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .path_set_times(&d, follow, &path, a, m)?;
    Ok(())
}

/// `path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path,
/// new_len)`: both directories of one preopen (`XDEV` otherwise); following
/// a final symlink (`old_flags` bit 0) is `INVAL`, as wasmtime.
pub(crate) fn path_link<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, flags, optr, olen) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    let (nfd, nptr, nlen) = (u32_arg(p, 4)?, u32_arg(p, 5)?, u32_arg(p, 6)?);
    let follow = lookup_flags("path_link", flags)?;
    let (e, from_dir) = dir(caller, get, fd)?;
    let (ne, to_dir) = dir(caller, get, nfd)?;
    let from = path_arg(caller, optr, olen)?;
    let to = path_arg(caller, nptr, nlen)?;
    // wasmtime refuses to follow a symlink here (`linkat` with
    // `AT_SYMLINK_FOLLOW` is not offered by its filesystem layer).
    if follow {
        return Err(Errno::Inval.into());
    }
    across_mounts(get(caller.data_mut()), &e, &ne)?;
    get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .link(&from_dir, false, &from, &to_dir, &to)?;
    Ok(())
}
