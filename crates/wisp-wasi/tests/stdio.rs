//! `fd_write`, `fd_read`, `fd_fdstat_get`, `fd_close`, `fd_seek` and
//! `fd_tell` on fds 0–2: captured output, iovec handling, partial writes,
//! streams that cannot seek, `BADF`, `FAULT`, `INVAL`, `SPIPE`.

mod common;

use common::*;
use wisp_interp::Val;
use wisp_wasi::{OutputSink, StdinSource, WasiCtx};

const NAMES: [&str; 6] = [
    "fd_write",
    "fd_read",
    "fd_fdstat_get",
    "fd_close",
    "fd_seek",
    "fd_tell",
];

/// `ESPIPE`: the fd is a stream.
const SPIPE: i32 = 70;

fn run(ctx: WasiCtx) -> Run {
    Run::with(&NAMES, ctx)
}

fn captured() -> WasiCtx {
    WasiCtx::builder().build().unwrap()
}

/// Puts "hello" at 100 and " world" at 200, and two iovecs naming them at 0.
fn hello(r: &mut Run) {
    r.write(100, b"hello");
    r.write(200, b" world");
    r.iovecs(0, &[(100, 5), (200, 6)]);
}

#[test]
fn write_takes_the_first_non_empty_iovec_into_captured_stdout_and_stderr() {
    let mut r = run(captured());
    hello(&mut r);
    // As wasmtime: one call writes the first non-empty iovec only; the
    // caller loops for the rest (libc's writev does).
    assert_eq!(r.errno32("fd_write", &[1, 0, 2, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 5);
    assert_eq!(r.errno32("fd_write", &[1, 8, 1, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 6);
    assert_eq!(r.errno32("fd_write", &[2, 0, 1, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 5);
    // Zero iovecs, and zero-length iovecs, write nothing and succeed.
    r.iovecs(16, &[(100, 0)]);
    assert_eq!(r.errno32("fd_write", &[1, 16, 1, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 0);
    assert_eq!(r.errno32("fd_write", &[1, 0, 0, 50]), SUCCESS);
    assert_eq!(r.ctx().stdout(), b"hello world");
    assert_eq!(r.ctx().stderr(), b"hello");
    assert_eq!(r.ctx().take_stdout(), b"hello world");
    assert_eq!(r.ctx().stdout(), b"");
}

#[test]
fn write_errors() {
    let mut r = run(captured());
    hello(&mut r);
    // stdin is not writable; fds beyond 2 do not exist.
    assert_eq!(r.errno32("fd_write", &[0, 0, 2, 50]), BADF);
    assert_eq!(r.errno32("fd_write", &[3, 0, 2, 50]), BADF);
    assert_eq!(r.errno32("fd_write", &[-1, 0, 2, 50]), BADF);
    // The iovec array does not fit; a huge count faults without allocating.
    assert_eq!(r.errno32("fd_write", &[1, 65532, 1, 50]), FAULT);
    assert_eq!(r.errno32("fd_write", &[1, 0, i32::MAX, 50]), FAULT);
    // The second buffer is out of bounds: nothing is written, not even the first.
    r.iovecs(16, &[(100, 5), (65535, 2)]);
    assert_eq!(r.errno32("fd_write", &[1, 16, 2, 50]), FAULT);
    // `nwritten` out of bounds: checked before any byte is written.
    assert_eq!(r.errno32("fd_write", &[1, 0, 2, 65533]), FAULT);
    assert_eq!(r.ctx().stdout(), b"");
}

#[test]
fn write_total_over_u32_is_inval() {
    // 65536 pages (4 GiB) are declared but never touched, so cost nothing.
    let wat = wrapper_wat(&NAMES, 65536, "");
    let mut r = Run::new(&wat, captured());
    r.iovecs(0, &[(0, 0x8000_0000), (0, 0x8000_0000)]);
    assert_eq!(r.errno32("fd_write", &[1, 0, 2, 50]), INVAL);
    assert_eq!(r.ctx().stdout(), b"");
}

#[test]
fn capture_limit_gives_partial_writes_then_nospc() {
    let ctx = WasiCtx::builder()
        .stdout(OutputSink::Capture { limit: 7 })
        .build()
        .unwrap();
    let mut r = run(ctx);
    hello(&mut r);
    assert_eq!(r.errno32("fd_write", &[1, 0, 2, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 5);
    assert_eq!(r.errno32("fd_write", &[1, 8, 1, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 2, "the write stops at the limit");
    assert_eq!(r.ctx().stdout(), b"hello w");
    r.write(50, &[0xaa; 4]);
    assert_eq!(r.errno32("fd_write", &[1, 0, 2, 50]), NOSPC);
    assert_eq!(r.read(50, 4), [0xaa; 4], "nwritten is not written on error");
}

#[test]
fn read_scatters_stdin_bytes_then_eof() {
    let ctx = WasiCtx::builder()
        .stdin(StdinSource::Bytes(b"abcdef".to_vec()))
        .build()
        .unwrap();
    let mut r = run(ctx);
    r.iovecs(0, &[(100, 4), (200, 4)]);
    assert_eq!(r.errno32("fd_read", &[0, 0, 2, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 6);
    assert_eq!(r.read(100, 5), b"abcd\0");
    assert_eq!(r.read(200, 3), b"ef\0");
    assert_eq!(r.errno32("fd_read", &[0, 0, 2, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 0, "end of file");
}

#[test]
fn read_from_empty_stdin_is_eof() {
    let mut r = run(captured());
    r.iovecs(0, &[(100, 4)]);
    r.write(50, &[9; 4]);
    assert_eq!(r.errno32("fd_read", &[0, 0, 1, 50]), SUCCESS);
    assert_eq!(r.read_u32(50), 0);
}

#[test]
fn read_errors() {
    let ctx = WasiCtx::builder()
        .stdin(StdinSource::Bytes(b"abc".to_vec()))
        .build()
        .unwrap();
    let mut r = run(ctx);
    r.iovecs(0, &[(100, 4)]);
    assert_eq!(r.errno32("fd_read", &[1, 0, 1, 50]), BADF);
    assert_eq!(r.errno32("fd_read", &[2, 0, 1, 50]), BADF);
    assert_eq!(r.errno32("fd_read", &[7, 0, 1, 50]), BADF);
    r.iovecs(16, &[(65534, 4)]);
    assert_eq!(r.errno32("fd_read", &[0, 16, 1, 50]), FAULT);
    assert_eq!(r.errno32("fd_read", &[0, 0, 1, 65534]), FAULT);
    // Nothing was consumed by the failed calls.
    assert_eq!(r.errno32("fd_read", &[0, 0, 1, 50]), SUCCESS);
    assert_eq!(r.read(100, 3), b"abc");
}

#[test]
fn fdstat_of_stdio() {
    let mut r = run(captured());
    r.write(0, &[0xee; 24]);
    assert_eq!(r.errno32("fd_fdstat_get", &[0, 0]), SUCCESS);
    let mut want = [0u8; 24];
    want[8] = 1 << 1; // rights_base = FD_READ
    want[16] = 1 << 1; // rights_inheriting = FD_READ
    assert_eq!(r.read(0, 24), want, "filetype unknown, no flags");
    assert_eq!(r.errno32("fd_fdstat_get", &[1, 32]), SUCCESS);
    let mut want = [0u8; 24];
    want[8] = 1 << 6; // FD_WRITE
    want[16] = 1 << 6;
    assert_eq!(r.read(32, 24), want);
    assert_eq!(r.errno32("fd_fdstat_get", &[2, 64]), SUCCESS);
    assert_eq!(r.read(64, 24), want);
    assert_eq!(r.errno32("fd_fdstat_get", &[3, 0]), BADF);
    assert_eq!(r.errno32("fd_fdstat_get", &[1, 65536 - 23]), FAULT);
}

#[test]
fn close_makes_the_fd_badf() {
    let mut r = run(captured());
    hello(&mut r);
    assert_eq!(r.errno32("fd_write", &[1, 0, 1, 50]), SUCCESS);
    assert_eq!(r.errno32("fd_close", &[1]), SUCCESS);
    assert_eq!(r.errno32("fd_close", &[1]), BADF);
    assert_eq!(r.errno32("fd_write", &[1, 0, 1, 50]), BADF);
    assert_eq!(r.errno32("fd_fdstat_get", &[1, 0]), BADF);
    // stderr and stdin are unaffected until closed.
    assert_eq!(r.errno32("fd_write", &[2, 0, 1, 50]), SUCCESS);
    assert_eq!(r.errno32("fd_close", &[0]), SUCCESS);
    assert_eq!(r.errno32("fd_read", &[0, 0, 1, 50]), BADF);
    assert_eq!(r.errno32("fd_close", &[3]), BADF);
    // What was captured before the close is still there.
    assert_eq!(r.ctx().stdout(), b"hello");
}

#[test]
fn stdio_streams_cannot_seek() {
    let mut r = run(captured());
    let seek = |r: &mut Run, fd: i32, offset: i64, whence: i32| {
        r.errno(
            "fd_seek",
            &[
                Val::I32(fd),
                Val::I64(offset),
                Val::I32(whence),
                Val::I32(40),
            ],
        )
    };
    for fd in 0..3 {
        assert_eq!(seek(&mut r, fd, 0, 0), SPIPE, "fd {fd}");
        assert_eq!(seek(&mut r, fd, 5, 1), SPIPE, "fd {fd}");
        // A whence outside witx traps first (as wasmtime; `files::fd_seek`).
        let bad = [Val::I32(fd), Val::I64(0), Val::I32(3), Val::I32(40)];
        assert!(
            r.try_call("call_fd_seek", &bad).is_err(),
            "fd {fd}: bad whence"
        );
        assert_eq!(r.errno32("fd_tell", &[fd, 40]), SPIPE, "fd {fd}");
    }
    assert_eq!(seek(&mut r, 3, 0, 0), BADF);
    assert_eq!(r.errno32("fd_tell", &[3, 40]), BADF);
    assert_eq!(r.errno32("fd_close", &[1]), SUCCESS);
    assert_eq!(seek(&mut r, 1, 0, 0), BADF);
    assert_eq!(r.errno32("fd_tell", &[1, 40]), BADF);
    // Nothing was written to the result pointer.
    assert_eq!(r.read_u64(40), 0);
}
