//! The last preview1 functions: `fd_advise`, `fd_allocate`,
//! `fd_fdstat_set_rights`, the socket functions and `poll_oneoff`
//! (exact event bytes, deterministic clock advancing, faults).

mod common;

use common::*;
use wisp_interp::Val;
use wisp_wasi::fs::Sandbox;
use wisp_wasi::fs::mem::{MemFs, MemLimits};
use wisp_wasi::{ClockSource, OutputSink, StdinSource, WasiCtx};

const ALL: &[&str] = &[
    "path_open",
    "fd_write",
    "fd_seek",
    "fd_close",
    "fd_fdstat_get",
    "fd_advise",
    "fd_allocate",
    "fd_fdstat_set_rights",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
    "poll_oneoff",
    "clock_time_get",
];

const PREOPEN: i32 = 3;
const PATH: u32 = 0;
const OUT: u32 = 64;
const IOV: u32 = 100;
const BUF: u32 = 200;
const SUBS: u32 = 1024;
const EVENTS: u32 = 4096;
const NEVENTS: u32 = 8000;
const RIGHTS_ALL: i64 = (1 << 30) - 1;
const FD_READ: i64 = 1 << 1;
const FD_WRITE: i64 = 1 << 6;

fn ctx() -> WasiCtx {
    let fs = MemFs::new(MemLimits::default(), Box::new(|| 100));
    WasiCtx::builder()
        .preopen("/sandbox", Box::new(Sandbox::new(fs)))
        .stdin(StdinSource::Bytes(b"in".to_vec()))
        .stdout(OutputSink::CAPTURE)
        .stderr(OutputSink::CAPTURE)
        .clock(ClockSource::Deterministic {
            realtime_start_ns: 1_000_000,
            step_ns: 10,
        })
        .build()
        .unwrap()
}

/// Creates `name` with `data` and returns its fd (position at the end).
fn create(r: &mut Run, name: &str, data: &[u8]) -> i32 {
    r.write(PATH, name.as_bytes());
    let e = r.errno(
        "path_open",
        &[
            Val::I32(PREOPEN),
            Val::I32(0),
            Val::I32(PATH as i32),
            Val::I32(name.len() as i32),
            Val::I32(1), // CREAT
            Val::I64(RIGHTS_ALL),
            Val::I64(RIGHTS_ALL),
            Val::I32(0),
            Val::I32(OUT as i32),
        ],
    );
    assert_eq!(e, SUCCESS);
    let fd = r.read_u32(OUT) as i32;
    r.write(BUF, data);
    r.iovecs(IOV, &[(BUF, data.len() as u32)]);
    assert_eq!(
        r.errno32("fd_write", &[fd, IOV as i32, 1, OUT as i32]),
        SUCCESS
    );
    fd
}

fn seek(r: &mut Run, fd: i32, off: i64) {
    let e = r.errno(
        "fd_seek",
        &[
            Val::I32(fd),
            Val::I64(off),
            Val::I32(0),
            Val::I32(OUT as i32),
        ],
    );
    assert_eq!(e, SUCCESS);
}

fn advise(r: &mut Run, fd: i32, off: u64, len: u64, advice: i32) -> i32 {
    r.errno(
        "fd_advise",
        &[
            Val::I32(fd),
            Val::I64(off as i64),
            Val::I64(len as i64),
            Val::I32(advice),
        ],
    )
}

fn two64(r: &mut Run, name: &str, fd: i32, a: u64, b: u64) -> i32 {
    r.errno(
        name,
        &[Val::I32(fd), Val::I64(a as i64), Val::I64(b as i64)],
    )
}

/// (base, inheriting) rights of `fd`.
fn rights(r: &mut Run, fd: i32) -> (u64, u64) {
    assert_eq!(r.errno32("fd_fdstat_get", &[fd, OUT as i32]), SUCCESS);
    (r.read_u64(OUT + 8), r.read_u64(OUT + 16))
}

/// `fd_advise` with an advice value outside witx: a trap, whatever the fd.
fn advise_traps(r: &mut Run, fd: i32, advice: i32) -> bool {
    let args = [Val::I32(fd), Val::I64(0), Val::I64(0), Val::I32(advice)];
    r.try_call("call_fd_advise", &args).is_err()
}

#[test]
fn advise_and_allocate() {
    let mut r = Run::with(ALL, ctx());
    let fd = create(&mut r, "f", b"hello");
    for advice in 0..=5 {
        assert_eq!(advise(&mut r, fd, 0, 100, advice), SUCCESS);
    }
    // Bad advice traps before the fd is looked at (as wasmtime).
    assert!(advise_traps(&mut r, fd, 6));
    assert!(advise_traps(&mut r, fd, -1));
    assert!(advise_traps(&mut r, 99, 6));
    // Any range is accepted (posix_fadvise does, and wasmtime passes it on).
    assert_eq!(advise(&mut r, fd, i64::MAX as u64, 1, 0), SUCCESS);
    assert_eq!(advise(&mut r, fd, u64::MAX, u64::MAX, 0), SUCCESS);
    // Directories, stdio and closed fds are BADF.
    for bad in [PREOPEN, 0, 1, 2, 99] {
        assert_eq!(advise(&mut r, bad, 0, 1, 0), BADF, "fd {bad}");
        assert_eq!(two64(&mut r, "fd_allocate", bad, 0, 1), BADF, "fd {bad}");
    }
    // fd_allocate on a file: NOTSUP, as wasmtime's preview1.
    assert_eq!(two64(&mut r, "fd_allocate", fd, 0, 100), NOTSUP);
}

#[test]
fn set_rights_is_notsup() {
    // As wasmtime's preview1: there are no rights to change. Open files and
    // directories are NOTSUP (and keep the rights fd_fdstat_get reports);
    // stdio and fds that are not open are BADF.
    let mut r = Run::with(ALL, ctx());
    let fd = create(&mut r, "f", b"x");
    let (base, inh) = rights(&mut r, fd);
    assert_eq!((base, inh), ((1 << 30) - 1, (1 << 30) - 1));
    let dropped = base & !(FD_WRITE as u64);
    for f in [fd, PREOPEN] {
        assert_eq!(two64(&mut r, "fd_fdstat_set_rights", f, dropped, 0), NOTSUP);
        assert_eq!(two64(&mut r, "fd_fdstat_set_rights", f, 0, 0), NOTSUP);
    }
    assert_eq!(rights(&mut r, fd), (base, inh));
    // Writing still works: nothing was dropped.
    r.write(BUF, b"y");
    r.iovecs(IOV, &[(BUF, 1)]);
    assert_eq!(
        r.errno32("fd_write", &[fd, IOV as i32, 1, OUT as i32]),
        SUCCESS
    );
    // A preopen reports wasmtime's fixed rights.
    assert_eq!(rights(&mut r, PREOPEN), (0x7b7_fe00, 0xff7_ffff));
    let (rd, wr) = (FD_READ as u64, FD_WRITE as u64);
    for stdio in [0, 1, 2] {
        assert_eq!(two64(&mut r, "fd_fdstat_set_rights", stdio, rd, rd), BADF);
        assert_eq!(two64(&mut r, "fd_fdstat_set_rights", stdio, wr, wr), BADF);
    }
    assert_eq!(two64(&mut r, "fd_fdstat_set_rights", 99, 0, 0), BADF);
}

#[test]
fn sockets_do_not_exist() {
    let mut r = Run::with(ALL, ctx());
    let fd = create(&mut r, "f", b"x");
    for open in [0, 1, 2, PREOPEN, fd] {
        assert_eq!(r.errno32("sock_accept", &[open, 0, OUT as i32]), NOTSOCK);
        assert_eq!(
            r.errno32(
                "sock_recv",
                &[open, IOV as i32, 1, 0, OUT as i32, OUT as i32 + 4]
            ),
            NOTSOCK
        );
        assert_eq!(
            r.errno32("sock_send", &[open, IOV as i32, 1, 0, OUT as i32]),
            NOTSOCK
        );
        assert_eq!(r.errno32("sock_shutdown", &[open, 3]), NOTSOCK);
    }
    for closed in [99, -1] {
        assert_eq!(r.errno32("sock_accept", &[closed, 0, OUT as i32]), BADF);
        assert_eq!(r.errno32("sock_recv", &[closed, 0, 0, 0, 0, 0]), BADF);
        assert_eq!(r.errno32("sock_send", &[closed, 0, 0, 0, 0]), BADF);
        assert_eq!(r.errno32("sock_shutdown", &[closed, 1]), BADF);
    }
}

/// A clock subscription.
fn clock_sub(userdata: u64, id: u32, timeout: u64, abstime: bool) -> [u8; 48] {
    let mut s = [0u8; 48];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = 0;
    s[16..20].copy_from_slice(&id.to_le_bytes());
    s[24..32].copy_from_slice(&timeout.to_le_bytes());
    s[32..40].copy_from_slice(&1u64.to_le_bytes());
    s[40..42].copy_from_slice(&u16::from(abstime).to_le_bytes());
    s
}

/// An fd_read (`read`) or fd_write subscription.
fn fd_sub(userdata: u64, read: bool, fd: u32) -> [u8; 48] {
    let mut s = [0u8; 48];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = if read { 1 } else { 2 };
    s[16..20].copy_from_slice(&fd.to_le_bytes());
    s
}

/// The expected 32 event bytes.
fn event(userdata: u64, error: u16, kind: u8, nbytes: u64) -> Vec<u8> {
    let mut e = vec![0u8; 32];
    e[0..8].copy_from_slice(&userdata.to_le_bytes());
    e[8..10].copy_from_slice(&error.to_le_bytes());
    e[10] = kind;
    e[16..24].copy_from_slice(&nbytes.to_le_bytes());
    e
}

/// Runs poll_oneoff over `subs`; (errno, event bytes written).
fn poll(r: &mut Run, subs: &[[u8; 48]]) -> (i32, Vec<u8>) {
    let bytes: Vec<u8> = subs.concat();
    r.write(SUBS, &bytes);
    r.write(NEVENTS, &[0xff; 4]);
    let e = r.errno32(
        "poll_oneoff",
        &[
            SUBS as i32,
            EVENTS as i32,
            subs.len() as i32,
            NEVENTS as i32,
        ],
    );
    let n = r.read_u32(NEVENTS);
    if e != SUCCESS {
        assert_eq!(n, 0xffff_ffff, "nevents written on error");
        return (e, Vec::new());
    }
    (e, r.read(EVENTS, n as usize * 32))
}

/// Monotonic time now, without the read advancing the clock for the
/// assertions (each read advances it by one step of 10 ns).
fn mono(r: &mut Run) -> u64 {
    let e = r.errno(
        "clock_time_get",
        &[Val::I32(1), Val::I64(0), Val::I32(OUT as i32)],
    );
    assert_eq!(e, SUCCESS);
    r.read_u64(OUT)
}

#[test]
fn poll_fd_events_are_ready_at_once() {
    let mut r = Run::with(ALL, ctx());
    let fd = create(&mut r, "f", b"0123456789") as u32;
    seek(&mut r, fd as i32, 3);
    let (e, ev) = poll(
        &mut r,
        &[
            fd_sub(1, true, 0),
            fd_sub(2, false, 1),
            fd_sub(3, false, 2),
            fd_sub(4, true, fd),
            fd_sub(5, false, fd),
            // A clock far in the future is not reported while fds are ready.
            clock_sub(10, 1, 1_000_000, false),
        ],
    );
    assert_eq!(e, SUCCESS);
    let expected: Vec<u8> = [
        event(1, 0, 1, 1),
        event(2, 0, 2, 1),
        event(3, 0, 2, 1),
        event(4, 0, 1, 7),
        event(5, 0, 2, 0),
    ]
    .concat();
    assert_eq!(ev, expected);
    // Stdio in the wrong direction, a closed fd or a directory fails the
    // whole call with BADF (as wasmtime), even beside a good subscription.
    for bad in [
        fd_sub(6, true, 1),
        fd_sub(7, false, 0),
        fd_sub(8, true, 99),
        fd_sub(9, true, PREOPEN as u32),
    ] {
        assert_eq!(poll(&mut r, &[fd_sub(1, true, 0), bad]).0, BADF);
    }
    // The clock was not advanced: one read from 0 gives 0.
    assert_eq!(mono(&mut r), 0);
    // Past the end of the file: nothing left to read.
    seek(&mut r, fd as i32, 50);
    let (_, ev) = poll(&mut r, &[fd_sub(4, true, fd)]);
    assert_eq!(ev, event(4, 0, 1, 0));
}

#[test]
fn poll_clocks_advance_the_deterministic_clock() {
    let mut r = Run::with(ALL, ctx());
    // Relative: the earliest (25 ns) fires; the clock advances by whole
    // steps (3 × 10 ns); the later one (1000 ns) does not fire.
    let (e, ev) = poll(
        &mut r,
        &[clock_sub(7, 1, 1000, false), clock_sub(8, 0, 25, false)],
    );
    assert_eq!(e, SUCCESS);
    assert_eq!(ev, event(8, 0, 0, 0));
    assert_eq!(mono(&mut r), 30);
    // Two equal deadlines both fire, in subscription order.
    let (_, ev) = poll(
        &mut r,
        &[clock_sub(1, 1, 100, false), clock_sub(2, 1, 100, false)],
    );
    assert_eq!(ev, [event(1, 0, 0, 0), event(2, 0, 0, 0)].concat());
    // 40 (after one read) + 100 = 140.
    assert_eq!(mono(&mut r), 140);
    // Absolute monotonic: now is 150, so it waits 350 ns to reach 500.
    let (_, ev) = poll(&mut r, &[clock_sub(3, 1, 500, true)]);
    assert_eq!(ev, event(3, 0, 0, 0));
    assert_eq!(mono(&mut r), 500);
    // A deadline in the past fires without advancing.
    let (_, ev) = poll(&mut r, &[clock_sub(4, 1, 5, true)]);
    assert_eq!(ev, event(4, 0, 0, 0));
    assert_eq!(mono(&mut r), 510);
    // Absolute realtime: realtime = 1_000_000 + mono (now 520).
    let (_, ev) = poll(&mut r, &[clock_sub(5, 0, 1_001_000, true)]);
    assert_eq!(ev, event(5, 0, 0, 0));
    assert_eq!(mono(&mut r), 1000);
    // Timeout zero fires without advancing.
    let (_, ev) = poll(&mut r, &[clock_sub(6, 1, 0, false)]);
    assert_eq!(ev, event(6, 0, 0, 0));
    assert_eq!(mono(&mut r), 1010);
    // CPU-time and unknown clocks fail the whole call with INVAL (as
    // wasmtime); nothing waits.
    for id in [2, 7] {
        let (e, _) = poll(
            &mut r,
            &[clock_sub(9, id, 1, false), clock_sub(11, 1, 1 << 40, false)],
        );
        assert_eq!(e, INVAL);
    }
    assert_eq!(mono(&mut r), 1020);
}

#[test]
fn poll_errors_write_nothing() {
    let mut r = Run::with(ALL, ctx());
    let sub = clock_sub(1, 1, 0, false);
    // No subscriptions.
    assert_eq!(poll(&mut r, &[]).0, INVAL);
    // Unknown tag.
    let mut bad = fd_sub(1, true, 0);
    bad[8] = 3;
    assert_eq!(poll(&mut r, &[sub, bad]).0, INVAL);
    r.write(EVENTS, &[0xaa; 32]);
    let call = |r: &mut Run, input: i32, out: i32, n: i32, nev: i32| {
        r.errno32("poll_oneoff", &[input, out, n, nev])
    };
    r.write(SUBS, &sub);
    r.write(NEVENTS, &[0xff; 4]);
    // `in`, `out` or `nevents` out of bounds: FAULT, nothing written.
    assert_eq!(
        call(&mut r, 65536 - 47, EVENTS as i32, 1, NEVENTS as i32),
        FAULT
    );
    assert_eq!(
        call(&mut r, SUBS as i32, 65536 - 31, 1, NEVENTS as i32),
        FAULT
    );
    assert_eq!(
        call(&mut r, SUBS as i32, EVENTS as i32, 1, 65536 - 3),
        FAULT
    );
    assert_eq!(
        call(&mut r, SUBS as i32, EVENTS as i32, i32::MAX, NEVENTS as i32),
        FAULT
    );
    assert_eq!(r.read(EVENTS, 32), vec![0xaa; 32]);
    assert_eq!(r.read_u32(NEVENTS), 0xffff_ffff);
    // The edges are fine.
    assert_eq!(call(&mut r, SUBS as i32, 65536 - 32, 1, 65536 - 4), SUCCESS);
    assert_eq!(r.read_u32(65536 - 4), 1);
}

#[test]
fn poll_sleeps_with_the_real_clock() {
    let ctx = WasiCtx::builder().clock(ClockSource::Real).build().unwrap();
    let mut r = Run::with(ALL, ctx);
    let start = std::time::Instant::now();
    // 20 ms relative on monotonic, and a 10 s one that must not fire.
    let (e, ev) = poll(
        &mut r,
        &[
            clock_sub(1, 1, 10_000_000_000, false),
            clock_sub(2, 1, 20_000_000, false),
        ],
    );
    assert_eq!(e, SUCCESS);
    assert_eq!(ev, event(2, 0, 0, 0));
    let took = start.elapsed();
    assert!(took >= std::time::Duration::from_millis(20), "{took:?}");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    // An absolute realtime deadline in the past fires at once.
    let (_, ev) = poll(&mut r, &[clock_sub(3, 0, 1, true)]);
    assert_eq!(ev, event(3, 0, 0, 0));
}
