//! The fd functions, for fds 0, 1 and 2 only: `fd_write`, `fd_read`,
//! `fd_fdstat_get`, `fd_close`, `fd_seek`, `fd_tell`.
//!
//! Semantics follow witx and wasmtime: any other fd, a closed fd, reading
//! fd 1/2 or writing fd 0 is `BADF`; the iovec array and every buffer it
//! names are checked (`FAULT`) before any byte moves; an `iovec` total above
//! `u32::MAX` is `INVAL`; a write stops at the first short write and
//! reports the bytes written so far (an error after some bytes were written
//! is reported as that partial count, as POSIX `writev` does).

use wisp_interp::{Caller, Val};

use crate::abi;
use crate::ctx::{Output, OutputSink, StdinSource, WasiCtx};
use crate::errno::Errno;
use crate::preview1::{CallResult, Fail, Get, guest, memory, u32_arg};
#[cfg(feature = "std")]
use crate::wait::Blocking;

/// The most bytes one `fd_read` of the host's stdin asks for, so a guest
/// with a huge buffer does not make the host allocate one.
#[cfg(feature = "std")]
const INHERIT_READ_MAX: u32 = 64 * 1024;
/// The most bytes one `fd_read` of a stdin pipe moves.
#[cfg(feature = "std")]
const PIPE_READ_MAX: u64 = 64 * 1024;

/// witx `filetype`.
const FILETYPE_UNKNOWN: u8 = 0;
#[cfg(feature = "std")]
const FILETYPE_CHARACTER_DEVICE: u8 = 2;
/// witx `rights` bits.
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;

fn output(ctx: &mut WasiCtx, fd: u32) -> Result<&mut Output, Errno> {
    let out = match fd {
        1 => &mut ctx.stdout,
        2 => &mut ctx.stderr,
        _ => return Err(Errno::Badf),
    };
    if out.open { Ok(out) } else { Err(Errno::Badf) }
}

/// Appends to a capture or writes to the host stream; `Ok(n)` may be short.
#[cfg_attr(
    not(feature = "std"),
    expect(
        unused_variables,
        reason = "`fd` picks the host stream, which needs std"
    )
)]
fn write_sink(out: &mut Output, fd: u32, data: &[u8]) -> Result<usize, Errno> {
    match &out.sink {
        OutputSink::Capture { limit } => {
            let room = limit.saturating_sub(out.captured.len());
            if room == 0 && !data.is_empty() {
                return Err(Errno::Nospc);
            }
            let n = room.min(data.len());
            out.captured.extend_from_slice(&data[..n]);
            Ok(n)
        }
        #[cfg(feature = "std")]
        OutputSink::Inherit => {
            use std::io::Write;
            let r = if fd == 1 {
                let mut s = std::io::stdout().lock();
                s.write(data).and_then(|n| s.flush().map(|()| n))
            } else {
                std::io::stderr().lock().write(data)
            };
            r.map_err(|_| Errno::Io)
        }
        OutputSink::Stream(stream) => stream.write(data),
        // A full pipe is `AGAIN` here; `fd_write` decides how to wait.
        #[cfg(feature = "std")]
        OutputSink::Pipe(w) => match w.try_write(data)? {
            crate::pipe::WriteOutcome::Written(n) => Ok(n),
            crate::pipe::WriteOutcome::Full => Err(Errno::Again),
        },
    }
}

/// How `fd_write` waits for room in a full output pipe.
#[cfg(feature = "std")]
fn wait_for_room(ctx: &mut WasiCtx, fd: u32) -> Result<(), Fail> {
    let blocking = ctx.blocking;
    let OutputSink::Pipe(w) = &output(ctx, fd)?.sink else {
        return Err(Errno::Again.into());
    };
    match blocking {
        Blocking::Block => {
            w.wait_writable(None);
            Ok(())
        }
        Blocking::Suspend => Err(Fail::Park(crate::Wait::Writable(w.clone()))),
    }
}

#[cfg(not(feature = "std"))]
fn wait_for_room(_ctx: &mut WasiCtx, _fd: u32) -> Result<(), Fail> {
    Err(Errno::Again.into())
}

pub(crate) fn fd_write<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, iovs, count, nwritten) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    output(get(caller.data_mut()), fd)?;
    let m = memory(caller)?;
    let iovecs = {
        let mut mem = guest(caller, m);
        let iovecs = abi::read_iovecs(&mut mem, iovs, count)?;
        abi::check_range(&mut mem, nwritten, 4)?;
        iovecs
    };
    let total: u64 = iovecs.iter().map(|v| u64::from(v.len)).sum();
    if total > u64::from(u32::MAX) {
        return Err(Errno::Inval.into());
    }
    let mut written: u32 = 0;
    // Only the first non-empty iovec is written, as wasmtime does (a
    // gathering write may be short; callers loop).
    for iov in iovecs.iter().filter(|v| v.len > 0).take(1) {
        let data = abi::read_bytes(&mut guest(caller, m), iov.buf, iov.len)?;
        let outcome = loop {
            let ctx = get(caller.data_mut());
            match write_sink(output(ctx, fd)?, fd, &data) {
                // A full pipe before anything was written: wait for room
                // (a suspended call has written nothing, so its retry
                // starts over safely).
                Err(Errno::Again) if written == 0 => wait_for_room(ctx, fd)?,
                other => break other,
            }
        };
        match outcome {
            Ok(n) => {
                // `n <= iov.len` and the total fits in a u32 (checked above).
                written += n as u32;
                if n < data.len() {
                    break;
                }
            }
            Err(e) if written == 0 => return Err(e.into()),
            Err(_) => break,
        }
    }
    abi::write_u32(&mut guest(caller, m), nwritten, written)?;
    Ok(())
}

pub(crate) fn fd_read<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, iovs, count, nread) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    if fd != 0 || !get(caller.data_mut()).stdin.open {
        return Err(Errno::Badf.into());
    }
    let m = memory(caller)?;
    let iovecs = {
        let mut mem = guest(caller, m);
        let iovecs = abi::read_iovecs(&mut mem, iovs, count)?;
        abi::check_range(&mut mem, nread, 4)?;
        iovecs
    };
    let total: u64 = iovecs.iter().map(|v| u64::from(v.len)).sum();
    if total > u64::from(u32::MAX) {
        return Err(Errno::Inval.into());
    }
    #[cfg(feature = "std")]
    if let StdinSource::Pipe(reader) = &get(caller.data_mut()).stdin.source {
        let reader = reader.clone();
        let data = read_pipe(get(caller.data_mut()), &reader, total)?;
        let mut mem = guest(caller, m);
        let mut rest = data.as_slice();
        for iov in &iovecs {
            let n = rest.len().min(iov.len as usize);
            abi::write_bytes(&mut mem, iov.buf, &rest[..n])?;
            rest = &rest[n..];
        }
        abi::write_u32(&mut mem, nread, data.len() as u32)?;
        return Ok(());
    }
    let mut read: u32 = 0;
    for iov in iovecs.iter().filter(|v| v.len > 0) {
        let stdin = &mut get(caller.data_mut()).stdin;
        let chunk = match &stdin.source {
            StdinSource::Empty => break,
            #[cfg(feature = "std")]
            StdinSource::Pipe(_) => break,
            StdinSource::Bytes(bytes) => {
                let rest = bytes.get(stdin.pos..).unwrap_or_default();
                let n = rest.len().min(iov.len as usize);
                let chunk = rest[..n].to_vec();
                stdin.pos += n;
                chunk
            }
            #[cfg(feature = "std")]
            StdinSource::Inherit => {
                use std::io::Read;
                let mut buf = alloc::vec![0u8; iov.len.min(INHERIT_READ_MAX) as usize];
                match std::io::stdin().lock().read(&mut buf) {
                    Ok(n) => buf.truncate(n),
                    Err(_) if read == 0 => return Err(Errno::Io.into()),
                    Err(_) => break,
                }
                // One host read per call: a short read must not block again.
                abi::write_bytes(&mut guest(caller, m), iov.buf, &buf)?;
                read += buf.len() as u32;
                break;
            }
        };
        abi::write_bytes(&mut guest(caller, m), iov.buf, &chunk)?;
        read += chunk.len() as u32;
        if chunk.len() < iov.len as usize {
            break;
        }
    }
    abi::write_u32(&mut guest(caller, m), nread, read)?;
    Ok(())
}

/// Reads at most `want` bytes (capped at [`PIPE_READ_MAX`]) from a stdin
/// pipe: what is buffered, nothing at end of file, or — when empty — waits
/// as the context's [`Blocking`] says.
#[cfg(feature = "std")]
fn read_pipe(
    ctx: &mut WasiCtx,
    reader: &crate::pipe::PipeReader,
    want: u64,
) -> Result<alloc::vec::Vec<u8>, Fail> {
    use crate::pipe::ReadOutcome;
    let mut buf = alloc::vec![0u8; want.min(PIPE_READ_MAX) as usize];
    if buf.is_empty() {
        return Ok(buf);
    }
    loop {
        match reader.try_read(&mut buf) {
            ReadOutcome::Data(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            ReadOutcome::Eof => return Ok(alloc::vec::Vec::new()),
            ReadOutcome::Empty => match ctx.blocking {
                Blocking::Block => {
                    reader.wait_readable(None);
                }
                Blocking::Suspend => {
                    return Err(Fail::Park(crate::Wait::Readable(reader.clone())));
                }
            },
        }
    }
}

pub(crate) fn fd_fdstat_get<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (fd, out) = (u32_arg(p, 0)?, u32_arg(p, 1)?);
    let ctx = get(caller.data_mut());
    let (filetype, rights) = match fd {
        0 if ctx.stdin.open => (stdin_filetype(&ctx.stdin.source), RIGHT_FD_READ),
        1 | 2 => (output_filetype(&output(ctx, fd)?.sink, fd), RIGHT_FD_WRITE),
        _ => return Err(Errno::Badf.into()),
    };
    // fdstat: filetype u8 @0, fdflags u16 @2, rights_base u64 @8,
    // rights_inheriting u64 @16; 24 bytes. wasmtime gives stdio no flags
    // and inheriting rights equal to the base rights.
    let mut bytes = [0u8; 24];
    bytes[0] = filetype;
    bytes[8..16].copy_from_slice(&rights.to_le_bytes());
    bytes[16..24].copy_from_slice(&rights.to_le_bytes());
    let m = memory(caller)?;
    abi::write_bytes(&mut guest(caller, m), out, &bytes)?;
    Ok(())
}

/// The filetype of open stdio fd `fd` (`BADF` if closed or not stdio).
pub(crate) fn filetype(ctx: &mut WasiCtx, fd: u32) -> Result<crate::fs::FileType, Errno> {
    use crate::fs::FileType;
    let raw = match fd {
        0 if ctx.stdin.open => stdin_filetype(&ctx.stdin.source),
        1 | 2 => output_filetype(&output(ctx, fd)?.sink, fd),
        _ => return Err(Errno::Badf),
    };
    Ok(if raw == FILETYPE_UNKNOWN {
        FileType::Unknown
    } else {
        FileType::CharacterDevice
    })
}

/// A terminal is a character device; anything else (pipes, captures) is
/// `unknown`, as wasmtime reports.
fn stdin_filetype(source: &StdinSource) -> u8 {
    match source {
        #[cfg(feature = "std")]
        StdinSource::Inherit => is_tty(&std::io::stdin()),
        _ => FILETYPE_UNKNOWN,
    }
}

#[cfg_attr(
    not(feature = "std"),
    expect(
        unused_variables,
        reason = "`fd` picks the host stream, which needs std"
    )
)]
fn output_filetype(sink: &OutputSink, fd: u32) -> u8 {
    match sink {
        #[cfg(feature = "std")]
        OutputSink::Inherit if fd == 1 => is_tty(&std::io::stdout()),
        #[cfg(feature = "std")]
        OutputSink::Inherit => is_tty(&std::io::stderr()),
        _ => FILETYPE_UNKNOWN,
    }
}

#[cfg(feature = "std")]
fn is_tty(s: &impl std::io::IsTerminal) -> u8 {
    if s.is_terminal() {
        FILETYPE_CHARACTER_DEVICE
    } else {
        FILETYPE_UNKNOWN
    }
}

/// Closes fd 0, 1 or 2; later calls on it are `BADF`. Captured bytes stay
/// readable by the embedder.
pub(crate) fn fd_close<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let ctx = get(caller.data_mut());
    let open = match fd {
        0 => &mut ctx.stdin.open,
        1 => &mut ctx.stdout.open,
        2 => &mut ctx.stderr.open,
        _ => return Err(Errno::Badf.into()),
    };
    if !*open {
        return Err(Errno::Badf.into());
    }
    *open = false;
    Ok(())
}

/// Whether stdio fd `fd` is open (`None`: not a stdio fd).
fn stdio_open(ctx: &crate::WasiCtx, fd: u32) -> Option<bool> {
    match fd {
        0 => Some(ctx.stdin.open),
        1 => Some(ctx.stdout.open),
        2 => Some(ctx.stderr.open),
        _ => None,
    }
}

/// `fd_seek(fd, offset, whence, newoffset_ptr)`: stdin, stdout and stderr
/// are streams (a terminal or a pipe), which cannot seek: `SPIPE`, as the
/// host's `lseek` and wasmtime say; an invalid `whence` is `INVAL` first.
pub(crate) fn fd_seek<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    let whence = u32_arg(p, 2)?;
    match stdio_open(get(caller.data_mut()), fd) {
        Some(true) if whence > 2 => Err(Errno::Inval.into()),
        Some(true) => Err(Errno::Spipe.into()),
        _ => Err(Errno::Badf.into()),
    }
}

/// `fd_tell(fd, offset_ptr)`: a stream has no position: `SPIPE`.
pub(crate) fn fd_tell<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let fd = u32_arg(p, 0)?;
    match stdio_open(get(caller.data_mut()), fd) {
        Some(true) => Err(Errno::Spipe.into()),
        _ => Err(Errno::Badf.into()),
    }
}
