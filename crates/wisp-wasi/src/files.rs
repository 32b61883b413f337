//! The fd functions for fds 3 and up (files and directories of the
//! [`FdTable`](crate::fdtable::FdTable)), plus the dispatch that sends fds
//! 0–2 to [`crate::stdio`].
//!
//! Errnos as wasmtime: an fd that is not open is `BADF`; a file operation
//! on a directory fd (or on stdio, for the operations stdio lacks) is
//! `BADF`; `fd_readdir` on a file is `NOTDIR`; a missing right is
//! `NOTCAPABLE`. Guest buffers are checked (`FAULT`) before any byte moves,
//! and data moves through host buffers of at most [`CHUNK`] bytes.

use alloc::vec;
use alloc::vec::Vec;

use wisp_interp::{Caller, Val};

use crate::abi;
use crate::errno::Errno;
use crate::fdtable::{FIRST_FD, Kind, rights};
use crate::fs::{FileHandle, FileType, Filestat, Filesystem, SeekFrom, fdflags};
use crate::preview1::{CallResult, Get, guest, memory, u32_arg, u64_arg};
use crate::stdio;

/// The most bytes moved per backend call.
pub(crate) const CHUNK: usize = 64 * 1024;

/// The mount and handle of file `fd`, checking `right`.
fn file<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    fd: u32,
    right: u64,
) -> Result<(usize, FileHandle), Errno> {
    let e = get(caller.data_mut()).fds.get(fd)?;
    let Kind::File(fh) = e.kind else {
        return Err(Errno::Badf);
    };
    e.require(right)?;
    Ok((e.mount, fh))
}

fn fs_of<'a, T: 'a>(
    caller: &'a mut Caller<'_, T>,
    get: Get<T>,
    mount: usize,
) -> Result<&'a mut dyn Filesystem, Errno> {
    get(caller.data_mut()).fds.mount(mount)
}

/// The 64-byte witx `filestat`.
pub(crate) fn filestat_bytes(st: &Filestat) -> [u8; 64] {
    let mut b = [0u8; 64];
    b[0..8].copy_from_slice(&st.dev.to_le_bytes());
    b[8..16].copy_from_slice(&st.ino.to_le_bytes());
    b[16] = st.filetype as u8;
    b[24..32].copy_from_slice(&st.nlink.to_le_bytes());
    b[32..40].copy_from_slice(&st.size.to_le_bytes());
    b[40..48].copy_from_slice(&st.atim.to_le_bytes());
    b[48..56].copy_from_slice(&st.mtim.to_le_bytes());
    b[56..64].copy_from_slice(&st.ctim.to_le_bytes());
    b
}

/// Where a transfer reads or writes: the file position, or an offset.
#[derive(Clone, Copy)]
enum At {
    Pos,
    Offset(u64),
}

/// The iovecs of a read/write call, checked, and the result pointer.
fn iovecs<T>(
    caller: &mut Caller<'_, T>,
    p: &[Val],
    out_arg: usize,
) -> Result<(Vec<abi::Iovec>, u32), crate::preview1::Fail> {
    let (iovs, count, out) = (u32_arg(p, 1)?, u32_arg(p, 2)?, u32_arg(p, out_arg)?);
    let m = memory(caller)?;
    let mut mem = guest(caller, m);
    let v = abi::read_iovecs(&mut mem, iovs, count)?;
    abi::check_range(&mut mem, out, 4)?;
    let total: u64 = v.iter().map(|i| u64::from(i.len)).sum();
    if total > u64::from(u32::MAX) {
        return Err(Errno::Inval.into());
    }
    Ok((v, out))
}

fn read_file<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
    at: At,
    out_arg: usize,
) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let (mount, fh) = file(caller, get, fd, rights::FD_READ)?;
    let (iovs, out) = iovecs(caller, p, out_arg)?;
    let m = memory(caller)?;
    let mut done: u32 = 0;
    let mut buf = Vec::new();
    'outer: for iov in iovs {
        let mut off = 0u32;
        while off < iov.len {
            let want = ((iov.len - off) as usize).min(CHUNK);
            buf.resize(want, 0);
            let fs = fs_of(caller, get, mount)?;
            let r = match at {
                At::Pos => fs.read(fh, &mut buf),
                At::Offset(o) => fs.pread(fh, &mut buf, o.saturating_add(u64::from(done))),
            };
            let n = match r {
                Ok(n) => n.min(want),
                Err(e) if done == 0 => return Err(e.into()),
                Err(_) => break 'outer,
            };
            abi::write_bytes(&mut guest(caller, m), iov.buf + off, &buf[..n])?;
            done += n as u32;
            off += n as u32;
            if n < want {
                break 'outer;
            }
        }
    }
    abi::write_u32(&mut guest(caller, m), out, done)?;
    Ok(())
}

fn write_file<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
    at: At,
    out_arg: usize,
) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let (mount, fh) = file(caller, get, fd, rights::FD_WRITE)?;
    let append = get(caller.data_mut()).fds.get(fd)?.fdflags & fdflags::APPEND != 0;
    let (iovs, out) = iovecs(caller, p, out_arg)?;
    let m = memory(caller)?;
    if append && matches!(at, At::Pos) {
        // The guest is single-threaded, so nothing writes between the seek
        // and the writes below: this is `O_APPEND`.
        fs_of(caller, get, mount)?.seek(fh, SeekFrom::End(0))?;
    }
    let mut done: u32 = 0;
    'outer: for iov in iovs {
        let mut off = 0u32;
        while off < iov.len {
            let want = (iov.len - off).min(CHUNK as u32);
            let data = abi::read_bytes(&mut guest(caller, m), iov.buf + off, want)?;
            let fs = fs_of(caller, get, mount)?;
            let r = match at {
                At::Pos => fs.write(fh, &data),
                At::Offset(o) => fs.pwrite(fh, &data, o.saturating_add(u64::from(done))),
            };
            let n = match r {
                Ok(n) => n.min(data.len()),
                Err(e) if done == 0 => return Err(e.into()),
                Err(_) => break 'outer,
            };
            done += n as u32;
            off += n as u32;
            if n < data.len() {
                break 'outer;
            }
        }
    }
    abi::write_u32(&mut guest(caller, m), out, done)?;
    Ok(())
}

pub(crate) fn fd_read<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    if u32_arg(p, 0)? < FIRST_FD {
        return stdio::fd_read(caller, get, p);
    }
    read_file(caller, get, p, At::Pos, 3)
}

pub(crate) fn fd_write<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    if u32_arg(p, 0)? < FIRST_FD {
        return stdio::fd_write(caller, get, p);
    }
    write_file(caller, get, p, At::Pos, 3)
}

/// `fd_pread(fd, iovs, iovs_len, offset, nread)`.
pub(crate) fn fd_pread<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let off = u64_arg(p, 3)?;
    read_file(caller, get, p, At::Offset(off), 4)
}

/// `fd_pwrite(fd, iovs, iovs_len, offset, nwritten)`.
pub(crate) fn fd_pwrite<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let off = u64_arg(p, 3)?;
    write_file(caller, get, p, At::Offset(off), 4)
}

/// `fd_seek(fd, offset, whence, newoffset)`: `INVAL` for a bad whence or a
/// negative absolute offset.
pub(crate) fn fd_seek<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    if fd < FIRST_FD {
        return stdio::fd_seek(caller, get, p);
    }
    let (offset, whence, out) = (u64_arg(p, 1)? as i64, u32_arg(p, 2)?, u32_arg(p, 3)?);
    let right = if whence == 1 && offset == 0 {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    let (mount, fh) = file(caller, get, fd, right)?;
    let to = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(Errno::Inval.into()),
    };
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 8)?;
    let pos = fs_of(caller, get, mount)?.seek(fh, to)?;
    abi::write_u64(&mut guest(caller, m), out, pos)?;
    Ok(())
}

pub(crate) fn fd_tell<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, out) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    if fd < FIRST_FD {
        return stdio::fd_tell(caller, get, p);
    }
    let (mount, fh) = file(caller, get, fd, rights::FD_TELL)?;
    let m = memory(caller)?;
    abi::check_range(&mut guest(caller, m), out, 8)?;
    let pos = fs_of(caller, get, mount)?.tell(fh)?;
    abi::write_u64(&mut guest(caller, m), out, pos)?;
    Ok(())
}

pub(crate) fn fd_close<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    if fd < FIRST_FD {
        return stdio::fd_close(caller, get, p);
    }
    get(caller.data_mut()).fds.close(fd)?;
    Ok(())
}

/// `fd_fdstat_get(fd, out)`: filetype, fdflags, rights.
pub(crate) fn fd_fdstat_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, out) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    if fd < FIRST_FD {
        return stdio::fd_fdstat_get(caller, get, p);
    }
    let (e, fs) = get(caller.data_mut()).fds.get_fs(fd)?;
    let filetype = match e.kind {
        Kind::Dir(_) => FileType::Directory,
        Kind::File(fh) => fs.file_stat(fh)?.filetype,
    };
    let mut b = [0u8; 24];
    b[0] = filetype as u8;
    b[2..4].copy_from_slice(&e.fdflags.to_le_bytes());
    b[8..16].copy_from_slice(&e.base.to_le_bytes());
    b[16..24].copy_from_slice(&e.inheriting.to_le_bytes());
    let m = memory(caller)?;
    abi::write_bytes(&mut guest(caller, m), out, &b)?;
    Ok(())
}

/// `fd_fdstat_set_flags(fd, flags)`, as wasmtime: files only (`BADF` for
/// directories and stdio); `APPEND` and `NONBLOCK` may change, `DSYNC`,
/// `RSYNC`, `SYNC` or unknown bits are `INVAL`.
pub(crate) fn fd_fdstat_set_flags<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, raw) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    file(caller, get, fd, rights::FD_FDSTAT_SET_FLAGS)?;
    let allowed = u32::from(fdflags::APPEND | fdflags::NONBLOCK);
    if raw & !allowed != 0 {
        return Err(Errno::Inval.into());
    }
    get(caller.data_mut()).fds.set_fdflags(fd, raw as u16)?;
    Ok(())
}

/// `fd_filestat_get(fd, out)`. Stdio fds report their filetype and zeros,
/// as wasmtime does.
pub(crate) fn fd_filestat_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, out) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let st = if fd < FIRST_FD {
        let filetype = stdio::filetype(get(caller.data_mut()), fd)?;
        Filestat {
            dev: 0,
            ino: 0,
            filetype,
            nlink: 0,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        }
    } else {
        let (e, fs) = get(caller.data_mut()).fds.get_fs(fd)?;
        e.require(rights::FD_FILESTAT_GET)?;
        match &e.kind {
            Kind::Dir(d) => fs.dir_stat(d)?,
            Kind::File(fh) => fs.file_stat(*fh)?,
        }
    };
    let m = memory(caller)?;
    abi::write_bytes(&mut guest(caller, m), out, &filestat_bytes(&st))?;
    Ok(())
}

/// `fd_filestat_set_times(fd, atim, mtim, fst_flags)`: files and
/// directories (the directory itself, as `"."` beneath it).
pub(crate) fn fd_filestat_set_times<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let (atim, mtim, fst) = (u64_arg(p, 1)?, u64_arg(p, 2)?, u32_arg(p, 3)?);
    let (a, m) = crate::paths::set_times(atim, mtim, fst)?;
    let (e, fs) = get(caller.data_mut()).fds.get_fs(fd)?;
    e.require(rights::FD_FILESTAT_SET_TIMES)?;
    match &e.kind {
        Kind::File(fh) => fs.file_set_times(*fh, a, m)?,
        Kind::Dir(d) => fs.path_set_times(d, true, ".", a, m)?,
    }
    Ok(())
}

fn sync<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val], right: u64) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let (e, fs) = get(caller.data_mut()).fds.get_fs(fd)?;
    e.require(right)?;
    match e.kind {
        Kind::File(fh) => fs.sync(fh)?,
        // Directory entries are written through by every backend.
        Kind::Dir(_) => {}
    }
    Ok(())
}

pub(crate) fn fd_sync<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    sync(caller, get, p, rights::FD_SYNC)
}

pub(crate) fn fd_datasync<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    // A directory has no data to sync: BADF, as Linux `fdatasync` on a
    // directory opened read-only gives.
    file(caller, get, fd, rights::FD_DATASYNC)?;
    sync(caller, get, p, rights::FD_DATASYNC)
}

pub(crate) fn fd_filestat_set_size<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, size) = (u32_arg(p, 0)?, u64_arg(p, 1)?);
    let (mount, fh) = file(caller, get, fd, rights::FD_FILESTAT_SET_SIZE)?;
    fs_of(caller, get, mount)?.set_size(fh, size)?;
    Ok(())
}

/// `fd_renumber(from, to)`. Only fds 3 and up: renumbering stdio is
/// `NOTSUP` (see `docs/wasi.md`).
pub(crate) fn fd_renumber<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (from, to) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    if from < FIRST_FD || to < FIRST_FD {
        return Err(Errno::Notsup.into());
    }
    get(caller.data_mut()).fds.renumber(from, to)?;
    Ok(())
}

/// `fd_prestat_get(fd, out)`: `{ tag: u8 = 0 (dir), name_len: u32 @4 }`.
pub(crate) fn fd_prestat_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, out) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let e = get(caller.data_mut()).fds.get(fd)?;
    let name = e.preopen.as_ref().ok_or(Errno::Badf)?;
    let len = u32::try_from(name.len()).map_err(|_| Errno::Nametoolong)?;
    let mut b = [0u8; 8];
    b[4..8].copy_from_slice(&len.to_le_bytes());
    let m = memory(caller)?;
    abi::write_bytes(&mut guest(caller, m), out, &b)?;
    Ok(())
}

/// `fd_prestat_dir_name(fd, buf, len)`: the name without a NUL;
/// `NAMETOOLONG` if `len` is smaller than it.
pub(crate) fn fd_prestat_dir_name<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, buf, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let e = get(caller.data_mut()).fds.get(fd)?;
    let name = e.preopen.clone().ok_or(Errno::Badf)?;
    if (len as usize) < name.len() {
        return Err(Errno::Nametoolong.into());
    }
    let m = memory(caller)?;
    abi::write_bytes(&mut guest(caller, m), buf, name.as_bytes())?;
    Ok(())
}

/// The witx `dirent` header size (`d_next` u64, `d_ino` u64, `d_namlen`
/// u32, `d_type` u8, padded to 24).
const DIRENT_SIZE: usize = 24;

/// `fd_readdir(fd, buf, buf_len, cookie, bufused)`: entries from `cookie`
/// on, each a 24-byte header then the name; the last one is cut at
/// `buf_len`, so `bufused == buf_len` tells the guest there may be more.
pub(crate) fn fd_readdir<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, buf, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let (cookie, used) = (u64_arg(p, 3)?, u32_arg(p, 4)?);
    let e = get(caller.data_mut()).fds.get(fd)?.clone();
    let Kind::Dir(dir) = &e.kind else {
        return Err(Errno::Notdir.into());
    };
    e.require(rights::FD_READDIR)?;
    let dir = dir.clone();
    let m = memory(caller)?;
    {
        let mut mem = guest(caller, m);
        abi::check_range(&mut mem, buf, u64::from(len))?;
        abi::check_range(&mut mem, used, 4)?;
    }
    // Every entry takes at least a header, so this many always fill `len`.
    let max = len as usize / DIRENT_SIZE + 1;
    let fs = fs_of(caller, get, e.mount)?;
    let entries = fs.readdir(&dir, cookie, max)?;
    let mut out = Vec::with_capacity((len as usize).min(CHUNK));
    for d in entries {
        if out.len() >= len as usize {
            break;
        }
        let namlen = u32::try_from(d.name.len()).map_err(|_| Errno::Nametoolong)?;
        let mut h = vec![0u8; DIRENT_SIZE];
        h[0..8].copy_from_slice(&d.next.to_le_bytes());
        h[8..16].copy_from_slice(&d.ino.to_le_bytes());
        h[16..20].copy_from_slice(&namlen.to_le_bytes());
        h[20] = d.filetype as u8;
        out.extend_from_slice(&h);
        out.extend_from_slice(d.name.as_bytes());
    }
    out.truncate(len as usize);
    let mut mem = guest(caller, m);
    abi::write_bytes(&mut mem, buf, &out)?;
    abi::write_u32(&mut mem, used, out.len() as u32)?;
    Ok(())
}
