//! The `path_*` functions: each resolves a guest path beneath a directory
//! fd of the [`FdTable`](crate::fdtable::FdTable) through that preopen's
//! [`Filesystem`](crate::fs::Filesystem), which does the sandboxing.
//!
//! Errnos as wasmtime: an fd that is not open is `BADF`, a file fd where a
//! directory is needed is `NOTDIR`, a missing right is `NOTCAPABLE`, a path
//! that is not UTF-8 is `ILSEQ`, two fds of different preopens in one
//! rename are `XDEV`. Every guest pointer is checked before anything
//! changes on the filesystem.

use alloc::string::String;

use wisp_interp::{Caller, Val};

use crate::abi;
use crate::errno::Errno;
use crate::fdtable::{Entry, Kind, rights};
use crate::files::filestat_bytes;
use crate::fs::{Dir, OpenOptions, Opened, SetTime, oflags};
use crate::preview1::{CallResult, Fail, Get, guest, memory, u32_arg, u64_arg};

/// The mount and directory of dir fd `fd`, checking `right`.
fn dir<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    fd: u32,
    right: u64,
) -> Result<(Entry, Dir), Errno> {
    let e = get(caller.data_mut()).fds.get(fd)?;
    let Kind::Dir(d) = &e.kind else {
        return Err(Errno::Notdir);
    };
    e.require(right)?;
    Ok((e.clone(), d.clone()))
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
    let (oflags_raw, base, inheriting) = (u32_arg(p, 4)?, u64_arg(p, 5)?, u64_arg(p, 6)?);
    let (fdflags_raw, out) = (u32_arg(p, 7)?, u32_arg(p, 8)?);
    let oflags = u16::try_from(oflags_raw).map_err(|_| Errno::Inval)?;
    let fdflags = u16::try_from(fdflags_raw).map_err(|_| Errno::Inval)?;
    if oflags & !0xf != 0 || fdflags & !0x1f != 0 {
        return Err(Errno::Inval.into());
    }
    let mut need = rights::PATH_OPEN;
    if oflags & oflags::CREAT != 0 {
        need |= rights::PATH_CREATE_FILE;
    }
    if oflags & oflags::TRUNC != 0 {
        need |= rights::PATH_FILESTAT_SET_SIZE;
    }
    let (e, d) = dir(caller, get, fd, need)?;
    let path = path_arg(caller, ptr, len)?;
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 4)?;
    let mut how = OpenOptions::from_wasi(
        dirflags,
        oflags,
        fdflags,
        base & rights::FD_READ != 0,
        base & rights::FD_WRITE != 0,
    );
    // `APPEND` lives in the fd's flags, not in the backend handle, so that
    // `fd_fdstat_set_flags` can change it: `fd_write` seeks to the end first.
    how.append = false;
    let table = &mut get(caller.data_mut()).fds;
    let opened = table.mount(e.mount)?.open(&d, &path, how)?;
    let (kind, applicable) = match opened {
        Opened::Dir(d) => (Kind::Dir(d), rights::DIR),
        Opened::File(f) => (Kind::File(f), rights::FILE),
    };
    let entry = Entry {
        mount: e.mount,
        kind: kind.clone(),
        preopen: None,
        base: base & e.inheriting & applicable,
        inheriting: inheriting & e.inheriting,
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
    let (e, d) = dir(caller, get, fd, rights::PATH_FILESTAT_GET)?;
    let path = path_arg(caller, ptr, len)?;
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 64)?;
    let follow = flags & crate::fs::LOOKUP_SYMLINK_FOLLOW != 0;
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
    right: u64,
    op: fn(&mut dyn crate::fs::Filesystem, &Dir, &str) -> Result<(), Errno>,
) -> CallResult {
    let (fd, ptr, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let (e, d) = dir(caller, get, fd, right)?;
    let path = path_arg(caller, ptr, len)?;
    op(get(caller.data_mut()).fds.mount(e.mount)?, &d, &path)?;
    Ok(())
}

pub(crate) fn path_create_directory<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    simple(
        caller,
        get,
        p,
        rights::PATH_CREATE_DIRECTORY,
        |fs, d, path| fs.create_directory(d, path),
    )
}

pub(crate) fn path_remove_directory<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    simple(
        caller,
        get,
        p,
        rights::PATH_REMOVE_DIRECTORY,
        |fs, d, path| fs.remove_directory(d, path),
    )
}

pub(crate) fn path_unlink_file<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    simple(caller, get, p, rights::PATH_UNLINK_FILE, |fs, d, path| {
        fs.unlink_file(d, path)
    })
}

/// `path_rename(fd, old, old_len, new_fd, new, new_len)`.
pub(crate) fn path_rename<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, optr, olen) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let (nfd, nptr, nlen) = (u32_arg(p, 3)?, u32_arg(p, 4)?, u32_arg(p, 5)?);
    let (e, from_dir) = dir(caller, get, fd, rights::PATH_RENAME_SOURCE)?;
    let (ne, to_dir) = dir(caller, get, nfd, rights::PATH_RENAME_TARGET)?;
    let from = path_arg(caller, optr, olen)?;
    let to = path_arg(caller, nptr, nlen)?;
    if e.mount != ne.mount {
        return Err(Errno::Xdev.into());
    }
    get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .rename(&from_dir, &from, &to_dir, &to)?;
    Ok(())
}

/// `path_symlink(target, target_len, fd, path, path_len)`.
pub(crate) fn path_symlink<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (tptr, tlen) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let (fd, ptr, len) = (u32_arg(p, 2)?, u32_arg(p, 3)?, u32_arg(p, 4)?);
    let (e, d) = dir(caller, get, fd, rights::PATH_SYMLINK)?;
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
    let (e, d) = dir(caller, get, fd, rights::PATH_READLINK)?;
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

/// witx `fstflags` → (atim, mtim). Both `X` and `X_NOW`, or unknown bits,
/// are `INVAL`.
pub(crate) fn set_times(atim: u64, mtim: u64, flags: u32) -> Result<(SetTime, SetTime), Errno> {
    const ATIM: u32 = 1;
    const ATIM_NOW: u32 = 2;
    const MTIM: u32 = 4;
    const MTIM_NOW: u32 = 8;
    if flags & !0xf != 0 {
        return Err(Errno::Inval);
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
    let (a, m) = set_times(atim, mtim, fst)?;
    let (e, d) = dir(caller, get, fd, rights::PATH_FILESTAT_SET_TIMES)?;
    let path = path_arg(caller, ptr, len)?;
    let follow = flags & crate::fs::LOOKUP_SYMLINK_FOLLOW != 0;
    get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .path_set_times(&d, follow, &path, a, m)?;
    Ok(())
}

/// `path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path,
/// new_len)`: both directories of one preopen (`XDEV` otherwise).
pub(crate) fn path_link<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, flags, optr, olen) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    let (nfd, nptr, nlen) = (u32_arg(p, 4)?, u32_arg(p, 5)?, u32_arg(p, 6)?);
    let (e, from_dir) = dir(caller, get, fd, rights::PATH_LINK_SOURCE)?;
    let (ne, to_dir) = dir(caller, get, nfd, rights::PATH_LINK_TARGET)?;
    let from = path_arg(caller, optr, olen)?;
    let to = path_arg(caller, nptr, nlen)?;
    if e.mount != ne.mount {
        return Err(Errno::Xdev.into());
    }
    let follow = flags & crate::fs::LOOKUP_SYMLINK_FOLLOW != 0;
    get(caller.data_mut())
        .fds
        .mount(e.mount)?
        .link(&from_dir, follow, &from, &to_dir, &to)?;
    Ok(())
}
