//! The fd functions for fds 3 and up (files and directories of the
//! [`FdTable`](crate::fdtable::FdTable)), plus the dispatch that sends fds
//! 0–2 to [`crate::stdio`].
//!
//! Errnos as wasmtime (checked against it by `tests/libc_programs.rs`): an
//! fd that is not open is `BADF`; a file operation on a directory fd (or on
//! stdio, for the operations stdio lacks) is `BADF`, and so is `fd_readdir`
//! on a file. Rights are not enforced — wasmtime's preview1 has none: what
//! an fd may do follows from how it was opened (reading a file opened
//! without `FD_READ` is the backend's `BADF`), and `fd_fdstat_get` reports
//! the rights wasmtime reports (see [`reported_rights`]).
//!
//! Reads and writes move the first non-empty iovec only, as wasmtime does
//! (a short transfer the guest's libc already loops over). Guest buffers are
//! checked (`FAULT`) before any byte moves, and data moves through host
//! buffers of at most [`CHUNK`] bytes.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use wisp_interp::{Caller, HostError, Trap, Val};

use crate::abi;
use crate::errno::Errno;
use crate::fdtable::{FIRST_FD, Kind, rights};
use crate::fs::{FileHandle, FileType, Filestat, Filesystem, SeekFrom, fdflags};
use crate::preview1::{CallResult, Fail, Get, guest, memory, u32_arg, u64_arg};
use crate::stdio;

/// The most bytes moved per backend call.
pub(crate) const CHUNK: usize = 64 * 1024;

/// The trap for an argument outside its witx type — an enum value or a
/// flag bit witx does not define. wasmtime traps while decoding such an
/// argument, before it looks at anything else, and so does wisp.
#[cold]
pub(crate) fn invalid_arg(func: &str, what: &str, value: u32) -> Fail {
    Fail::Trap(HostError::Trap(Trap::host(format!(
        "wasi {func}: invalid {what} value {value:#x}"
    ))))
}

/// The mount and handle of file `fd` (`BADF` for anything else).
fn file<T>(caller: &mut Caller<'_, T>, get: Get<T>, fd: u32) -> Result<(usize, FileHandle), Errno> {
    let e = get(caller.data_mut()).fds.get(fd)?;
    let Kind::File(fh) = e.kind else {
        return Err(Errno::Badf);
    };
    Ok((e.mount, fh))
}

/// Every witx right wasmtime counts (`Rights::all()`: bits 0–29, up to
/// `SOCK_ACCEPT`).
const ALL_RIGHTS: u64 = (1 << 30) - 1;

/// What wasmtime's `fd_fdstat_get` reports for a preopened directory: a
/// fixed base (the path rights, `FD_READDIR` and the filestat rights) and
/// that plus the file rights as inheriting.
const PREOPEN_BASE: u64 = rights::PATH_CREATE_DIRECTORY
    | rights::PATH_CREATE_FILE
    | rights::PATH_LINK_SOURCE
    | rights::PATH_LINK_TARGET
    | rights::PATH_OPEN
    | rights::FD_READDIR
    | rights::PATH_READLINK
    | rights::PATH_RENAME_SOURCE
    | rights::PATH_RENAME_TARGET
    | rights::PATH_SYMLINK
    | rights::PATH_REMOVE_DIRECTORY
    | rights::PATH_UNLINK_FILE
    | rights::PATH_FILESTAT_GET
    | rights::PATH_FILESTAT_SET_TIMES
    | rights::FD_FILESTAT_GET
    | rights::FD_FILESTAT_SET_TIMES;
const PREOPEN_INHERITING: u64 = PREOPEN_BASE
    | rights::FD_DATASYNC
    | rights::FD_READ
    | rights::FD_SEEK
    | rights::FD_FDSTAT_SET_FLAGS
    | rights::FD_SYNC
    | rights::FD_TELL
    | rights::FD_WRITE
    | rights::FD_ADVISE
    | rights::FD_ALLOCATE
    | rights::FD_FILESTAT_GET
    | rights::FD_FILESTAT_SET_SIZE
    | rights::FD_FILESTAT_SET_TIMES
    | rights::POLL_FD_READWRITE;

/// The rights wasmtime reports (base = inheriting) for an fd `path_open`
/// made: every right, without `FD_READ`/`FD_READDIR` when not readable and
/// `FD_WRITE` when not writable; a directory (always readable, never
/// writable) also lacks `FD_SEEK` and both `*_FILESTAT_SET_SIZE`. wisp
/// stores these in the fd and reports them; nothing checks them except
/// `poll_oneoff`'s `POLL_FD_READWRITE`, which every file has.
pub(crate) fn reported_rights(dir: bool, read: bool, write: bool) -> u64 {
    let mut r = ALL_RIGHTS;
    if dir {
        r &= !(rights::FD_SEEK
            | rights::FD_FILESTAT_SET_SIZE
            | rights::PATH_FILESTAT_SET_SIZE
            | rights::FD_WRITE);
    }
    if !read && !dir {
        r &= !(rights::FD_READ | rights::FD_READDIR);
    }
    if !write {
        r &= !rights::FD_WRITE;
    }
    r
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

/// The buffer a read/write call moves (the first non-empty iovec, as
/// wasmtime: one transfer per call; `None` when all are empty), checked,
/// and the result pointer.
fn iovec<T>(
    caller: &mut Caller<'_, T>,
    p: &[Val],
    out_arg: usize,
) -> Result<(Option<abi::Iovec>, u32), crate::preview1::Fail> {
    let (iovs, count, out) = (u32_arg(p, 1)?, u32_arg(p, 2)?, u32_arg(p, out_arg)?);
    let m = memory(caller)?;
    let mut mem = guest(caller, m);
    let v = abi::read_iovecs(&mut mem, iovs, count)?;
    abi::check_range(&mut mem, out, 4)?;
    Ok((v.into_iter().find(|i| i.len > 0), out))
}

fn read_file<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
    at: At,
    out_arg: usize,
) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let (mount, fh) = file(caller, get, fd)?;
    let (iov, out) = iovec(caller, p, out_arg)?;
    let m = memory(caller)?;
    let mut done: u32 = 0;
    let mut buf = Vec::new();
    if let Some(iov) = iov {
        while done < iov.len {
            let want = ((iov.len - done) as usize).min(CHUNK);
            buf.resize(want, 0);
            let fs = fs_of(caller, get, mount)?;
            let r = match at {
                At::Pos => fs.read(fh, &mut buf),
                At::Offset(o) => fs.pread(fh, &mut buf, o.saturating_add(u64::from(done))),
            };
            let n = match r {
                Ok(n) => n.min(want),
                Err(e) if done == 0 => return Err(e.into()),
                Err(_) => break,
            };
            abi::write_bytes(&mut guest(caller, m), iov.buf + done, &buf[..n])?;
            done += n as u32;
            if n < want {
                break;
            }
        }
    }
    abi::write_u32(&mut guest(caller, m), out, done)?;
    Ok(())
}

/// Writes at the position, or at `offset`; with `APPEND` both go to the
/// end of the file (Linux `pwrite` ignores the offset of an `O_APPEND` fd,
/// and wasmtime does the same) and only `fd_write` moves the position.
fn write_file<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
    at: At,
    out_arg: usize,
) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let (mount, fh) = file(caller, get, fd)?;
    let append = get(caller.data_mut()).fds.get(fd)?.fdflags & fdflags::APPEND != 0;
    let (iov, out) = iovec(caller, p, out_arg)?;
    let m = memory(caller)?;
    let at = match at {
        At::Pos if append => {
            // The guest is single-threaded, so nothing writes between the
            // seek and the writes below: this is `O_APPEND`.
            fs_of(caller, get, mount)?.seek(fh, SeekFrom::End(0))?;
            At::Pos
        }
        At::Offset(_) if append => At::Offset(fs_of(caller, get, mount)?.file_stat(fh)?.size),
        other => other,
    };
    let mut done: u32 = 0;
    if let Some(iov) = iov {
        while done < iov.len {
            let want = (iov.len - done).min(CHUNK as u32);
            let data = abi::read_bytes(&mut guest(caller, m), iov.buf + done, want)?;
            let fs = fs_of(caller, get, mount)?;
            let r = match at {
                At::Pos => fs.write(fh, &data),
                At::Offset(o) => fs.pwrite(fh, &data, o.saturating_add(u64::from(done))),
            };
            let n = match r {
                Ok(n) => n.min(data.len()),
                Err(e) if done == 0 => return Err(e.into()),
                Err(_) => break,
            };
            done += n as u32;
            if n < data.len() {
                break;
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
    positional_on_stdio(caller, get, p, 0)?;
    read_file(caller, get, p, At::Offset(off), 4)
}

/// `fd_pread` / `fd_pwrite` on fds 0–2, as wasmtime: a stream in the
/// direction of the call cannot be positioned (`SPIPE`: stdin for pread,
/// stdout and stderr for pwrite); the wrong direction or a closed fd is
/// `BADF`. `Ok` for fds 3 and up.
fn positional_on_stdio<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
    readable_fd: u32,
) -> Result<(), Fail> {
    let fd = u32_arg(p, 0)?;
    if fd >= FIRST_FD {
        return Ok(());
    }
    let same_direction = (fd == 0) == (readable_fd == 0);
    if same_direction && crate::fdextra::is_open(get(caller.data_mut()), fd) {
        Err(Errno::Spipe.into())
    } else {
        Err(Errno::Badf.into())
    }
}

/// `fd_pwrite(fd, iovs, iovs_len, offset, nwritten)`.
pub(crate) fn fd_pwrite<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let off = u64_arg(p, 3)?;
    positional_on_stdio(caller, get, p, 1)?;
    write_file(caller, get, p, At::Offset(off), 4)
}

/// `fd_seek(fd, offset, whence, newoffset)`: a whence outside witx traps;
/// a position that would be negative is `INVAL`.
pub(crate) fn fd_seek<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let whence = u32_arg(p, 2)?;
    if whence > 2 {
        return Err(invalid_arg("fd_seek", "whence", whence));
    }
    if fd < FIRST_FD {
        return stdio::fd_seek(caller, get, p);
    }
    let (offset, whence, out) = (u64_arg(p, 1)? as i64, u32_arg(p, 2)?, u32_arg(p, 3)?);
    let (mount, fh) = file(caller, get, fd)?;
    let to = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        1 => SeekFrom::Current(offset),
        _ => SeekFrom::End(offset),
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
    let (mount, fh) = file(caller, get, fd)?;
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
    let (base, inheriting) = match e.preopen {
        Some(_) => (PREOPEN_BASE, PREOPEN_INHERITING),
        None => (e.base, e.inheriting),
    };
    let mut b = [0u8; 24];
    b[0] = filetype as u8;
    b[2..4].copy_from_slice(&e.fdflags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inheriting.to_le_bytes());
    let m = memory(caller)?;
    abi::write_bytes(&mut guest(caller, m), out, &b)?;
    Ok(())
}

/// Every witx `fdflags` bit.
pub(crate) const FDFLAGS_ALL: u32 = 0x1f;

/// `fd_fdstat_set_flags(fd, flags)`, as wasmtime: a bit outside witx traps;
/// files only (`BADF` for directories and stdio); `APPEND` and `NONBLOCK`
/// may change, `DSYNC`, `RSYNC` or `SYNC` are `INVAL`.
pub(crate) fn fd_fdstat_set_flags<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, raw) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    if raw & !FDFLAGS_ALL != 0 {
        return Err(invalid_arg("fd_fdstat_set_flags", "fdflags", raw));
    }
    file(caller, get, fd)?;
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
    let (a, m) = crate::paths::set_times("fd_filestat_set_times", atim, mtim, fst)?;
    let (e, fs) = get(caller.data_mut()).fds.get_fs(fd)?;
    match &e.kind {
        Kind::File(fh) => fs.file_set_times(*fh, a, m)?,
        Kind::Dir(d) => fs.path_set_times(d, true, ".", a, m)?,
    }
    Ok(())
}

/// `fd_sync` and `fd_datasync`: files only (`BADF` for directories and
/// stdio, as wasmtime's `get_file`); both flush the whole file.
fn sync<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let (mount, fh) = file(caller, get, fd)?;
    fs_of(caller, get, mount)?.sync(fh)?;
    Ok(())
}

pub(crate) fn fd_sync<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    sync(caller, get, p)
}

pub(crate) fn fd_datasync<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    sync(caller, get, p)
}

pub(crate) fn fd_filestat_set_size<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, size) = (u32_arg(p, 0)?, u64_arg(p, 1)?);
    let (mount, fh) = file(caller, get, fd)?;
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
/// `NAMETOOLONG` if `len` is smaller than it. An open fd that is not a
/// preopen is `NOTDIR` (wasmtime keeps this legacy answer; an fd that is
/// not open, stdio included once closed, is `BADF`).
pub(crate) fn fd_prestat_dir_name<T>(
    caller: &mut Caller<'_, T>,
    get: Get<T>,
    p: &[Val],
) -> CallResult {
    let (fd, buf, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let ctx = get(caller.data_mut());
    if fd < FIRST_FD {
        return Err(if crate::fdextra::is_open(ctx, fd) {
            Errno::Notdir
        } else {
            Errno::Badf
        }
        .into());
    }
    let e = ctx.fds.get(fd)?;
    let name = e.preopen.clone().ok_or(Errno::Notdir)?;
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
/// Anything but a directory is `BADF` (wasmtime's `get_dir_fd`).
pub(crate) fn fd_readdir<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, buf, len) = (u32_arg(p, 0)?, u32_arg(p, 1)?, u32_arg(p, 2)?);
    let (cookie, used) = (u64_arg(p, 3)?, u32_arg(p, 4)?);
    let e = get(caller.data_mut()).fds.get(fd)?.clone();
    let Kind::Dir(dir) = &e.kind else {
        return Err(Errno::Badf.into());
    };
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
