//! `WasiCtx::save_state` / `restore_state`: open files come back at their
//! fds and positions beneath the same preopens; clocks and seeded random
//! streams continue; mismatched preopens and lost files are refused by
//! name; damaged state never panics and never reaches outside a preopen.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use wisp_wasi::{StateError, WasiCtx};

const NAMES: [&str; 6] = [
    "path_open",
    "fd_read",
    "fd_write",
    "fd_tell",
    "random_get",
    "clock_time_get",
];

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("wasi-state")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ctx(dir: &Path) -> WasiCtx {
    WasiCtx::builder()
        .preopen_host_dir(dir, "/data")
        .unwrap()
        .build()
        .unwrap()
}

/// Opens `name` beneath fd 3 with read and write rights; returns the fd.
fn open(r: &mut Run, name: &str, create: bool) -> u32 {
    r.write(1000, name.as_bytes());
    let rights = Val::I64((1 << 1) | (1 << 6) | (1 << 2) | (1 << 5));
    let oflags = if create { 1 } else { 0 };
    let args = [
        Val::I32(3),
        Val::I32(0),
        Val::I32(1000),
        Val::I32(name.len() as i32),
        Val::I32(oflags),
        rights,
        Val::I64(0),
        Val::I32(0),
        Val::I32(2000),
    ];
    assert_eq!(r.errno("path_open", &args), SUCCESS);
    r.read_u32(2000)
}

/// Reads `n` bytes from `fd`.
fn read(r: &mut Run, fd: u32, n: u32) -> Vec<u8> {
    r.iovecs(0, &[(100, n)]);
    assert_eq!(r.errno32("fd_read", &[fd as i32, 0, 1, 50]), SUCCESS);
    let got = r.read_u32(50);
    r.read(100, got as usize)
}

fn write(r: &mut Run, fd: u32, data: &[u8]) {
    r.write(100, data);
    r.iovecs(0, &[(100, data.len() as u32)]);
    assert_eq!(r.errno32("fd_write", &[fd as i32, 0, 1, 50]), SUCCESS);
}

use wisp_interp::Val;

#[test]
fn open_files_come_back_at_their_fds_and_positions() {
    let dir = temp_dir("positions");
    std::fs::write(dir.join("in.txt"), b"0123456789abcdef").unwrap();
    let mut first = Run::with(&NAMES, ctx(&dir));
    let input = open(&mut first, "in.txt", false);
    let out = open(&mut first, "out.txt", true);
    assert_eq!(read(&mut first, input, 6), b"012345");
    write(&mut first, out, b"first half;");
    let state = first.ctx().save_state().unwrap();
    drop(first);

    let mut second = Run::with(&NAMES, ctx(&dir));
    second.ctx().restore_state(&state).unwrap();
    assert_eq!(read(&mut second, input, 4), b"6789");
    write(&mut second, out, b"second half");
    assert_eq!(
        std::fs::read(dir.join("out.txt")).unwrap(),
        b"first half;second half"
    );
    // The next fd is the lowest free one after the restored ones.
    let again = open(&mut second, "in.txt", false);
    assert_eq!((input, out, again), (4, 5, 6));
}

#[test]
fn deterministic_clocks_and_seeded_random_continue() {
    let straight = {
        let mut r = Run::with(&NAMES, WasiCtx::builder().build().unwrap());
        for _ in 0..2 {
            assert_eq!(r.errno32("random_get", &[300, 16]), SUCCESS);
            assert_eq!(
                r.errno("clock_time_get", &[Val::I32(1), Val::I64(0), Val::I32(400)]),
                SUCCESS
            );
        }
        (r.read(300, 16), r.read_u64(400))
    };
    let mut first = Run::with(&NAMES, WasiCtx::builder().build().unwrap());
    assert_eq!(first.errno32("random_get", &[300, 16]), SUCCESS);
    assert_eq!(
        first.errno("clock_time_get", &[Val::I32(1), Val::I64(0), Val::I32(400)]),
        SUCCESS
    );
    let state = first.ctx().save_state().unwrap();
    let mut second = Run::with(&NAMES, WasiCtx::builder().build().unwrap());
    second.ctx().restore_state(&state).unwrap();
    assert_eq!(second.errno32("random_get", &[300, 16]), SUCCESS);
    assert_eq!(
        second.errno("clock_time_get", &[Val::I32(1), Val::I64(0), Val::I32(400)]),
        SUCCESS
    );
    assert_eq!((second.read(300, 16), second.read_u64(400)), straight);
}

#[test]
fn other_preopens_and_lost_files_are_refused_by_name() {
    let dir = temp_dir("lost");
    std::fs::write(dir.join("gone.txt"), b"x").unwrap();
    let mut first = Run::with(&NAMES, ctx(&dir));
    open(&mut first, "gone.txt", false);
    let state = first.ctx().save_state().unwrap();

    let mut other = WasiCtx::builder()
        .preopen_host_dir(&dir, "/elsewhere")
        .unwrap()
        .build()
        .unwrap();
    assert!(matches!(
        other.restore_state(&state),
        Err(StateError::Mounts { .. })
    ));

    std::fs::remove_file(dir.join("gone.txt")).unwrap();
    let err = ctx(&dir).restore_state(&state).unwrap_err();
    assert!(
        matches!(&err, StateError::FdLost { fd: 4, path, .. } if path == "gone.txt"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("cannot reopen `gone.txt` beneath preopen `/data`")
    );
}

#[test]
fn damaged_state_never_panics_and_stays_inside_the_preopen() {
    let root = temp_dir("hostile");
    let inside = root.join("inside");
    std::fs::create_dir_all(inside.join("sub")).unwrap();
    std::fs::write(inside.join("sub").join("f.txt"), b"inside").unwrap();
    std::fs::write(root.join("secret.txt"), b"outside").unwrap();
    let mut first = Run::with(&NAMES, ctx(&inside));
    open(&mut first, "sub/f.txt", false);
    let state = first.ctx().save_state().unwrap();

    // Every truncation, and many single-byte changes, of a valid state.
    let mut seed: u64 = 1;
    let mut variants: Vec<Vec<u8>> = (0..state.len()).map(|n| state[..n].to_vec()).collect();
    for _ in 0..3000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut v = state.clone();
        let at = (seed >> 33) as usize % v.len();
        v[at] = (seed >> 17) as u8;
        variants.push(v);
    }
    // A path that climbs out, spelled as components.
    let mut climb = state.clone();
    let at = climb.windows(3).position(|w| w == b"sub").unwrap();
    climb[at..at + 3].copy_from_slice(b"../");
    variants.push(climb);
    for v in &variants {
        let mut c = ctx(&inside);
        if c.restore_state(v).is_ok() {
            // Whatever was restored lies beneath the preopen.
            let s = c.save_state().unwrap();
            assert!(!s.windows(6).any(|w| w == b"secret"));
        }
    }
    assert_eq!(std::fs::read(root.join("secret.txt")).unwrap(), b"outside");
}

#[test]
fn the_open_files_limit_is_mfile() {
    let dir = temp_dir("mfile");
    std::fs::write(dir.join("a.txt"), b"a").unwrap();
    let ctx = WasiCtx::builder()
        .preopen_host_dir(&dir, "/data")
        .unwrap()
        .max_open_files(2)
        .build()
        .unwrap();
    let mut r = Run::with(&NAMES, ctx);
    // The preopen is one of the two.
    let first = open(&mut r, "a.txt", false);
    r.write(1000, b"a.txt");
    let args = [3, 0, 1000, 5, 0]
        .map(Val::I32)
        .into_iter()
        .chain([Val::I64(2), Val::I64(0), Val::I32(0), Val::I32(2000)])
        .collect::<Vec<_>>();
    const MFILE: i32 = 33;
    assert_eq!(r.errno("path_open", &args), MFILE);
    // Closing one makes room again.
    let mut c = Run::with(&["fd_close", "path_open"], {
        WasiCtx::builder()
            .preopen_host_dir(&dir, "/data")
            .unwrap()
            .max_open_files(2)
            .build()
            .unwrap()
    });
    c.write(1000, b"a.txt");
    assert_eq!(c.errno("path_open", &args), SUCCESS);
    assert_eq!(c.errno("path_open", &args), MFILE);
    let fd = c.read_u32(2000) as i32;
    assert_eq!(c.errno32("fd_close", &[fd]), SUCCESS);
    assert_eq!(c.errno("path_open", &args), SUCCESS);
    assert!(first >= 4);
}
