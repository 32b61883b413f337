//! The fd table, preopens and the `fd_*`/`path_*` functions driven from
//! Wasm, over an in-memory preopen and a host temp-dir preopen (every
//! behavioural test runs against both).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use wisp_interp::Val;
use wisp_wasi::WasiCtx;
use wisp_wasi::fs::Sandbox;
use wisp_wasi::fs::mem::{MemFs, MemLimits};

const ALL: &[&str] = &[
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "path_open",
    "fd_close",
    "fd_read",
    "fd_write",
    "fd_seek",
    "fd_tell",
    "fd_pread",
    "fd_pwrite",
    "fd_filestat_get",
    "fd_fdstat_get",
    "path_filestat_get",
    "path_create_directory",
    "path_remove_directory",
    "path_unlink_file",
    "fd_readdir",
    "path_rename",
    "path_symlink",
    "path_readlink",
    "fd_sync",
    "fd_datasync",
    "fd_filestat_set_size",
    "fd_renumber",
    "fd_filestat_set_times",
    "path_filestat_set_times",
    "path_link",
    "fd_fdstat_set_flags",
];

const CREAT: i32 = 1;
const DIRECTORY: i32 = 2;
const EXCL: i32 = 4;
const RIGHTS_ALL: i64 = (1 << 30) - 1;
const RIGHT_FD_READ: i64 = 1 << 1;

fn mem_ctx() -> WasiCtx {
    let fs = MemFs::new(MemLimits::default(), Box::new(|| 100));
    WasiCtx::builder()
        .preopen("/sandbox", Box::new(Sandbox::new(fs)))
        .build()
        .unwrap()
}

fn host_dir(name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fd_path_{name}"));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("jail")).unwrap();
    std::fs::write(base.join("secret.txt"), b"secret").unwrap();
    base
}

fn host_ctx(name: &str) -> WasiCtx {
    WasiCtx::builder()
        .preopen_host_dir(host_dir(name).join("jail"), "/sandbox")
        .unwrap()
        .build()
        .unwrap()
}

/// Runs `body` against both backends.
fn both(name: &str, body: impl Fn(&mut Run)) {
    body(&mut Run::with(ALL, mem_ctx()));
    body(&mut Run::with(ALL, host_ctx(name)));
}

const PATH: u32 = 1000;
const PATH2: u32 = 1500;
const OUT: u32 = 200;
const IOV: u32 = 100;
const BUF: u32 = 2000;

fn put_path(r: &mut Run, at: u32, path: &[u8]) -> i32 {
    r.write(at, path);
    path.len() as i32
}

/// `path_open` beneath `dir`; (errno, new fd).
fn open(r: &mut Run, dir: i32, path: &str, oflags: i32, base: i64, fdflags: i32) -> (i32, u32) {
    let len = put_path(r, PATH, path.as_bytes());
    r.write(OUT, &[0xff; 4]);
    let e = r.errno(
        "path_open",
        &[
            Val::I32(dir),
            Val::I32(1),
            Val::I32(PATH as i32),
            Val::I32(len),
            Val::I32(oflags),
            Val::I64(base),
            Val::I64(RIGHTS_ALL),
            Val::I32(fdflags),
            Val::I32(OUT as i32),
        ],
    );
    (e, r.read_u32(OUT))
}

fn path_call(r: &mut Run, name: &str, dir: i32, path: &str) -> i32 {
    let len = put_path(r, PATH, path.as_bytes());
    r.errno32(name, &[dir, PATH as i32, len])
}

fn write(r: &mut Run, fd: u32, data: &[u8]) -> (i32, u32) {
    r.write(BUF, data);
    r.iovecs(IOV, &[(BUF, data.len() as u32)]);
    let e = r.errno32("fd_write", &[fd as i32, IOV as i32, 1, OUT as i32]);
    (e, r.read_u32(OUT))
}

fn read(r: &mut Run, fd: u32, len: u32) -> (i32, Vec<u8>) {
    r.iovecs(IOV, &[(BUF, len)]);
    let e = r.errno32("fd_read", &[fd as i32, IOV as i32, 1, OUT as i32]);
    let n = r.read_u32(OUT) as usize;
    (e, r.read(BUF, n))
}

fn seek(r: &mut Run, fd: u32, off: i64, whence: i32) -> (i32, u64) {
    let e = r.errno(
        "fd_seek",
        &[
            Val::I32(fd as i32),
            Val::I64(off),
            Val::I32(whence),
            Val::I32(OUT as i32),
        ],
    );
    (e, r.read_u64(OUT))
}

/// `path_filestat_get`: (errno, filetype, size).
fn path_stat(r: &mut Run, dir: i32, path: &str) -> (i32, u8, u64) {
    let len = put_path(r, PATH, path.as_bytes());
    let e = r.errno32("path_filestat_get", &[dir, 1, PATH as i32, len, OUT as i32]);
    (e, r.read(OUT + 16, 1)[0], r.read_u64(OUT + 32))
}

/// `fd_readdir` into `buf_len` bytes from `cookie`: (errno, raw bytes).
fn readdir(r: &mut Run, fd: i32, buf_len: u32, cookie: u64) -> (i32, Vec<u8>) {
    let e = r.errno(
        "fd_readdir",
        &[
            Val::I32(fd),
            Val::I32(BUF as i32),
            Val::I32(buf_len as i32),
            Val::I64(cookie as i64),
            Val::I32(OUT as i32),
        ],
    );
    let used = r.read_u32(OUT) as usize;
    (e, r.read(BUF, used))
}

/// Parses witx dirents: (next, namlen, d_type, name).
fn dirents(mut b: &[u8]) -> Vec<(u64, u32, u8, String)> {
    let mut out = Vec::new();
    while b.len() >= 24 {
        let next = u64::from_le_bytes(b[0..8].try_into().unwrap());
        let namlen = u32::from_le_bytes(b[16..20].try_into().unwrap());
        let ty = b[20];
        let end = (24 + namlen as usize).min(b.len());
        out.push((
            next,
            namlen,
            ty,
            String::from_utf8_lossy(&b[24..end]).into_owned(),
        ));
        b = &b[end..];
    }
    out
}

#[test]
fn prestat_names_the_preopen() {
    both("prestat", |r| {
        assert_eq!(r.errno32("fd_prestat_get", &[3, OUT as i32]), SUCCESS);
        assert_eq!(r.read(OUT, 1)[0], 0);
        assert_eq!(r.read_u32(OUT + 4), 8);
        assert_eq!(
            r.errno32("fd_prestat_dir_name", &[3, BUF as i32, 8]),
            SUCCESS
        );
        assert_eq!(r.read(BUF, 8), b"/sandbox");
        assert_eq!(
            r.errno32("fd_prestat_dir_name", &[3, BUF as i32, 7]),
            NAMETOOLONG
        );
        assert_eq!(r.errno32("fd_prestat_get", &[4, OUT as i32]), BADF);
        assert_eq!(r.errno32("fd_prestat_get", &[1, OUT as i32]), BADF);
        assert_eq!(r.errno32("fd_prestat_get", &[3, 65533]), FAULT);
        // A file opened beneath it is not a preopen.
        let (e, fd) = open(r, 3, "f", CREAT, RIGHTS_ALL, 0);
        assert_eq!((e, fd), (SUCCESS, 4));
        assert_eq!(r.errno32("fd_prestat_get", &[4, OUT as i32]), BADF);
        // fdstat of the preopen: a directory.
        assert_eq!(r.errno32("fd_fdstat_get", &[3, OUT as i32]), SUCCESS);
        assert_eq!(r.read(OUT, 1)[0], 3);
    });
}

#[test]
fn end_to_end_open_write_seek_read_readdir_rename_unlink() {
    both("e2e", |r| {
        let (e, fd) = open(r, 3, "a.txt", CREAT, RIGHTS_ALL, 0);
        assert_eq!((e, fd), (SUCCESS, 4));
        assert_eq!(write(r, fd, b"hello world"), (SUCCESS, 11));
        assert_eq!(seek(r, fd, 6, 0), (SUCCESS, 6));
        assert_eq!(read(r, fd, 5), (SUCCESS, b"world".to_vec()));
        assert_eq!(read(r, fd, 5), (SUCCESS, vec![]));
        assert_eq!(r.errno32("fd_tell", &[fd as i32, OUT as i32]), SUCCESS);
        assert_eq!(r.read_u64(OUT), 11);
        assert_eq!(seek(r, fd, -5, 2), (SUCCESS, 6));
        assert_eq!(seek(r, fd, -1, 1), (SUCCESS, 5));
        assert_eq!(seek(r, fd, -1, 0).0, INVAL);
        // A whence outside witx traps (as wasmtime), even on stdio.
        for f in [fd, 1] {
            let args = [
                Val::I32(f as i32),
                Val::I64(0),
                Val::I32(3),
                Val::I32(OUT as i32),
            ];
            assert!(r.try_call("call_fd_seek", &args).is_err());
        }

        // pwrite / pread leave the position alone.
        r.write(BUF, b"J");
        r.iovecs(IOV, &[(BUF, 1)]);
        let args = |fd: u32, n: i32| {
            [
                Val::I32(fd as i32),
                Val::I32(IOV as i32),
                Val::I32(n),
                Val::I64(0),
                Val::I32(OUT as i32),
            ]
        };
        assert_eq!(r.errno("fd_pwrite", &args(fd, 1)), SUCCESS);
        assert_eq!(r.read_u32(OUT), 1);
        // Only the first non-empty iovec moves (as wasmtime).
        r.write(BUF + 10, b"..");
        r.iovecs(IOV, &[(BUF, 0), (BUF, 3), (BUF + 10, 2)]);
        assert_eq!(r.errno("fd_pread", &args(fd, 3)), SUCCESS);
        assert_eq!(r.read_u32(OUT), 3);
        assert_eq!(r.read(BUF, 3), b"Jel");
        assert_eq!(r.read(BUF + 10, 2), b"..");
        assert_eq!(r.errno32("fd_tell", &[fd as i32, OUT as i32]), SUCCESS);
        assert_eq!(r.read_u64(OUT), 5);

        // Stats.
        assert_eq!(
            r.errno32("fd_filestat_get", &[fd as i32, OUT as i32]),
            SUCCESS
        );
        assert_eq!(r.read(OUT + 16, 1)[0], 4);
        assert_eq!(r.read_u64(OUT + 24), 1);
        assert_eq!(r.read_u64(OUT + 32), 11);
        assert_eq!(
            r.errno("fd_filestat_set_size", &[Val::I32(fd as i32), Val::I64(5)]),
            SUCCESS
        );
        assert_eq!(path_stat(r, 3, "a.txt"), (SUCCESS, 4, 5));
        assert_eq!(
            r.errno32("fd_fdstat_get", &[fd as i32, OUT as i32]),
            SUCCESS
        );
        assert_eq!(r.read(OUT, 1)[0], 4);
        let base = r.read_u64(OUT + 8);
        assert_ne!(base & (1 << 1), 0, "FD_READ");
        assert_ne!(base & (1 << 6), 0, "FD_WRITE");
        // wasmtime's formula: every right (bits 0-29) on a read-write file.
        assert_eq!(base, (1 << 30) - 1);
        assert_eq!(r.read_u64(OUT + 16), base, "inheriting = base");
        assert_eq!(r.errno32("fd_sync", &[fd as i32]), SUCCESS);
        assert_eq!(r.errno32("fd_datasync", &[fd as i32]), SUCCESS);

        // readdir lists ".", "..", "a.txt" with cookies 1, 2, 3.
        let (e, raw) = readdir(r, 3, 512, 0);
        assert_eq!(e, SUCCESS);
        let ents = dirents(&raw);
        assert_eq!(raw.len(), 3 * 24 + 1 + 2 + 5);
        assert_eq!(
            ents,
            [
                (1, 1, 3, ".".to_string()),
                (2, 2, 3, "..".to_string()),
                (3, 5, 4, "a.txt".to_string())
            ]
        );
        // Resuming at cookie 2 gives the file only; a short buffer is cut.
        let (_, raw) = readdir(r, 3, 512, 2);
        assert_eq!(dirents(&raw), [(3, 5, 4, "a.txt".to_string())]);
        let (e, raw) = readdir(r, 3, 30, 0);
        assert_eq!((e, raw.len()), (SUCCESS, 30));
        let (_, raw) = readdir(r, 3, 512, 3);
        assert!(raw.is_empty());

        // Rename, then unlink.
        let l1 = put_path(r, PATH, b"a.txt");
        let l2 = put_path(r, PATH2, b"b.txt");
        assert_eq!(
            r.errno32("path_rename", &[3, PATH as i32, l1, 3, PATH2 as i32, l2]),
            SUCCESS
        );
        assert_eq!(path_stat(r, 3, "a.txt").0, NOENT);
        assert_eq!(path_stat(r, 3, "b.txt"), (SUCCESS, 4, 5));
        assert_eq!(r.errno32("fd_close", &[fd as i32]), SUCCESS);
        assert_eq!(r.errno32("fd_close", &[fd as i32]), BADF);
        assert_eq!(path_call(r, "path_unlink_file", 3, "b.txt"), SUCCESS);
        assert_eq!(path_stat(r, 3, "b.txt").0, NOENT);
        let (_, raw) = readdir(r, 3, 512, 0);
        assert_eq!(dirents(&raw).len(), 2);
    });
}

#[test]
fn path_errors() {
    both("errors", |r| {
        assert_eq!(open(r, 3, "../x", CREAT, RIGHTS_ALL, 0).0, PERM);
        assert_eq!(open(r, 3, "/etc/passwd", 0, RIGHTS_ALL, 0).0, PERM);
        assert_eq!(open(r, 3, "missing", 0, RIGHTS_ALL, 0).0, NOENT);
        assert_eq!(open(r, 3, "f", CREAT, RIGHTS_ALL, 0), (SUCCESS, 4));
        assert_eq!(open(r, 3, "f", CREAT | EXCL, RIGHTS_ALL, 0).0, EXIST);
        assert_eq!(open(r, 3, "f", DIRECTORY, RIGHT_FD_READ, 0).0, NOTDIR);
        assert_eq!(path_call(r, "path_create_directory", 3, "d"), SUCCESS);
        assert_eq!(path_call(r, "path_create_directory", 3, "d"), EXIST);
        assert_eq!(path_call(r, "path_create_directory", 3, "../d"), PERM);
        assert_eq!(open(r, 3, "d", 0, RIGHTS_ALL, 0).0, ISDIR);
        let (e, dfd) = open(r, 3, "d", DIRECTORY, RIGHT_FD_READ | (1 << 14), 0);
        assert_eq!((e, dfd), (SUCCESS, 5));
        // Files and directories are not interchangeable.
        assert_eq!(read(r, 5, 4).0, BADF);
        assert_eq!(read(r, 3, 4).0, BADF);
        assert_eq!(readdir(r, 4, 64, 0).0, BADF);
        assert_eq!(open(r, 4, "x", CREAT, RIGHTS_ALL, 0).0, NOTDIR);
        assert_eq!(path_call(r, "path_unlink_file", 3, "d"), ISDIR);
        assert_eq!(path_call(r, "path_remove_directory", 3, "f"), NOTDIR);
        // Path calls on a file fd: BADF, except path_open's NOTDIR.
        assert_eq!(path_call(r, "path_create_directory", 4, "x"), BADF);
        // Rights are not enforced (wasmtime has none): the subdirectory fd
        // opened with only FD_READ | FD_READDIR still creates files.
        assert_eq!(open(r, 5, "g", CREAT, RIGHTS_ALL, 0), (SUCCESS, 6));
        assert_eq!(readdir(r, 5, 64, 0).0, SUCCESS);
        // Not empty, then empty.
        assert_eq!(path_call(r, "path_remove_directory", 3, "d"), NOTEMPTY);
        assert_eq!(path_call(r, "path_unlink_file", 3, "d/g"), SUCCESS);
        assert_eq!(path_call(r, "path_remove_directory", 3, "d"), SUCCESS);
        // Bad fds, bad pointers, bad strings.
        assert_eq!(path_call(r, "path_create_directory", 99, "x"), BADF);
        assert_eq!(path_call(r, "path_create_directory", 1, "x"), BADF);
        assert_eq!(r.errno32("path_create_directory", &[3, 65530, 10]), FAULT);
        let len = put_path(r, PATH, b"\xff\xfe");
        assert_eq!(
            r.errno32("path_create_directory", &[3, PATH as i32, len]),
            ILSEQ
        );
        assert_eq!(write(r, 99, b"x").0, BADF);
        assert_eq!(r.errno32("fd_filestat_get", &[4, 65530]), FAULT);
        // A file opened read-only refuses writes (BADF) and truncation
        // (INVAL, as Linux `ftruncate`), as wasmtime.
        let (e, ro) = open(r, 3, "f", 0, RIGHT_FD_READ, 0);
        assert_eq!(e, SUCCESS);
        assert_eq!(write(r, ro, b"x").0, BADF);
        assert_eq!(
            r.errno("fd_filestat_set_size", &[Val::I32(ro as i32), Val::I64(0)]),
            INVAL
        );
    });
}

#[test]
fn lowest_free_fd_and_renumber() {
    both("renumber", |r| {
        assert_eq!(open(r, 3, "a", CREAT, RIGHTS_ALL, 0), (SUCCESS, 4));
        assert_eq!(open(r, 3, "b", CREAT, RIGHTS_ALL, 0), (SUCCESS, 5));
        assert_eq!(write(r, 4, b"AAA"), (SUCCESS, 3));
        assert_eq!(r.errno32("fd_close", &[4]), SUCCESS);
        assert_eq!(open(r, 3, "a", 0, RIGHTS_ALL, 0), (SUCCESS, 4));
        // 4 moves onto 5; 5 (file b) is closed.
        assert_eq!(r.errno32("fd_renumber", &[4, 5]), SUCCESS);
        assert_eq!(read(r, 4, 3).0, BADF);
        assert_eq!(read(r, 5, 3), (SUCCESS, b"AAA".to_vec()));
        assert_eq!(r.errno32("fd_renumber", &[4, 5]), BADF);
        assert_eq!(r.errno32("fd_renumber", &[5, 9]), BADF);
        assert_eq!(r.errno32("fd_renumber", &[5, 1]), NOTSUP);
        assert_eq!(open(r, 3, "c", CREAT, RIGHTS_ALL, 0), (SUCCESS, 4));
        // Stdio still works through the dispatch.
        assert_eq!(write(r, 1, b"out"), (SUCCESS, 3));
    });
}

#[test]
fn symlink_and_readlink() {
    both("symlink", |r| {
        assert_eq!(open(r, 3, "t", CREAT, RIGHTS_ALL, 0), (SUCCESS, 4));
        let tl = put_path(r, PATH2, b"t");
        let l = put_path(r, PATH, b"link");
        assert_eq!(
            r.errno32("path_symlink", &[PATH2 as i32, tl, 3, PATH as i32, l]),
            SUCCESS
        );
        assert_eq!(
            r.errno32(
                "path_readlink",
                &[3, PATH as i32, l, BUF as i32, 64, OUT as i32]
            ),
            SUCCESS
        );
        assert_eq!(r.read_u32(OUT), 1);
        assert_eq!(r.read(BUF, 1), b"t");
        assert_eq!(
            r.errno32(
                "path_readlink",
                &[3, PATH as i32, l, BUF as i32, 0, OUT as i32]
            ),
            SUCCESS
        );
        assert_eq!(r.read_u32(OUT), 0);
        // Following the link reaches the file; not following sees the link.
        assert_eq!(path_stat(r, 3, "link").1, 4);
        let e = r.errno32("path_filestat_get", &[3, 0, PATH as i32, l, OUT as i32]);
        assert_eq!((e, r.read(OUT + 16, 1)[0]), (SUCCESS, 7));
        // Absolute targets are refused; a climbing one is stored but
        // cannot be followed out.
        let tl = put_path(r, PATH2, b"/etc/passwd");
        let l = put_path(r, PATH, b"abs");
        let e = r.errno32("path_symlink", &[PATH2 as i32, tl, 3, PATH as i32, l]);
        assert_eq!(e, PERM);
        let tl = put_path(r, PATH2, b"../secret.txt");
        let l = put_path(r, PATH, b"bad");
        let e = r.errno32("path_symlink", &[PATH2 as i32, tl, 3, PATH as i32, l]);
        assert_eq!(e, SUCCESS);
        assert_eq!(open(r, 3, "bad", 0, RIGHT_FD_READ, 0).0, PERM);
        assert_eq!(path_call(r, "path_create_directory", 3, "link"), EXIST);
        let l = put_path(r, PATH, b"t");
        assert_eq!(
            r.errno32(
                "path_readlink",
                &[3, PATH as i32, l, BUF as i32, 64, OUT as i32]
            ),
            INVAL
        );
    });
}

#[test]
fn read_only_host_dir_refuses_mutation() {
    let base = host_dir("readonly");
    std::fs::write(base.join("jail/keep.txt"), b"keep").unwrap();
    let ctx = WasiCtx::builder()
        .preopen_host_dir_readonly(base.join("jail"), "/ro")
        .unwrap()
        .build()
        .unwrap();
    let mut r = Run::with(ALL, ctx);
    assert_eq!(path_call(&mut r, "path_create_directory", 3, "d"), PERM);
    assert_eq!(open(&mut r, 3, "n", CREAT, RIGHTS_ALL, 0).0, PERM);
    assert_eq!(path_call(&mut r, "path_unlink_file", 3, "keep.txt"), PERM);
    let (e, fd) = open(&mut r, 3, "keep.txt", 0, RIGHT_FD_READ, 0);
    assert_eq!(e, SUCCESS);
    assert_eq!(read(&mut r, fd, 10), (SUCCESS, b"keep".to_vec()));
    assert_eq!(std::fs::read(base.join("jail/keep.txt")).unwrap(), b"keep");
    assert!(!base.join("jail/d").exists());
}

#[test]
fn missing_host_dir_is_a_build_error() {
    let base = host_dir("missing");
    assert!(matches!(
        WasiCtx::builder().preopen_host_dir(base.join("nope"), "/x"),
        Err(wisp_wasi::BuildError::Preopen { .. })
    ));
}

#[test]
fn times_and_links() {
    both("times", |r| {
        assert_eq!(open(r, 3, "t", CREAT, RIGHTS_ALL, 0), (SUCCESS, 4));
        let set = |r: &mut Run, fd: i32, a: i64, m: i64, flags: i32| {
            r.errno(
                "fd_filestat_set_times",
                &[Val::I32(fd), Val::I64(a), Val::I64(m), Val::I32(flags)],
            )
        };
        // ATIM | MTIM explicit.
        assert_eq!(set(r, 4, 5_000, 7_000, 1 | 4), SUCCESS);
        assert_eq!(path_stat(r, 3, "t").0, SUCCESS);
        assert_eq!((r.read_u64(OUT + 40), r.read_u64(OUT + 48)), (5_000, 7_000));
        // Only MTIM: atim stays.
        assert_eq!(set(r, 4, 1, 9_000, 4), SUCCESS);
        path_stat(r, 3, "t");
        assert_eq!((r.read_u64(OUT + 40), r.read_u64(OUT + 48)), (5_000, 9_000));
        assert_eq!(set(r, 4, 0, 0, 1 | 2), INVAL);
        // An fstflags bit outside witx traps (as wasmtime).
        let args = [Val::I32(4), Val::I64(0), Val::I64(0), Val::I32(16)];
        assert!(r.try_call("call_fd_filestat_set_times", &args).is_err());
        assert_eq!(set(r, 99, 0, 0, 1), BADF);
        // By path, and on the directory fd itself.
        let l = put_path(r, PATH, b"t");
        let e = r.errno(
            "path_filestat_set_times",
            &[
                Val::I32(3),
                Val::I32(1),
                Val::I32(PATH as i32),
                Val::I32(l),
                Val::I64(11_000),
                Val::I64(12_000),
                Val::I32(1 | 4),
            ],
        );
        assert_eq!(e, SUCCESS);
        path_stat(r, 3, "t");
        assert_eq!(
            (r.read_u64(OUT + 40), r.read_u64(OUT + 48)),
            (11_000, 12_000)
        );
        assert_eq!(set(r, 3, 0, 13_000, 4), SUCCESS);
        assert_eq!(r.errno32("fd_filestat_get", &[3, OUT as i32]), SUCCESS);
        assert_eq!(r.read_u64(OUT + 48), 13_000);

        // Hard link: both names, nlink 2, same data.
        let l1 = put_path(r, PATH, b"t");
        let l2 = put_path(r, PATH2, b"t2");
        let link =
            |r: &mut Run| r.errno32("path_link", &[3, 0, PATH as i32, l1, 3, PATH2 as i32, l2]);
        assert_eq!(link(r), SUCCESS);
        assert_eq!(link(r), EXIST);
        assert_eq!(path_stat(r, 3, "t2"), (SUCCESS, 4, 0));
        assert_eq!(r.read_u64(OUT + 24), 2);
        assert_eq!(write(r, 4, b"shared"), (SUCCESS, 6));
        let (e, fd2) = open(r, 3, "t2", 0, RIGHTS_ALL, 0);
        assert_eq!(e, SUCCESS);
        assert_eq!(read(r, fd2, 16), (SUCCESS, b"shared".to_vec()));
        let l3 = put_path(r, PATH2, b"../t3");
        assert_eq!(
            r.errno32("path_link", &[3, 0, PATH as i32, l1, 3, PATH2 as i32, l3]),
            PERM
        );
    });
}

#[test]
fn append_flag_and_set_flags() {
    both("append", |r| {
        const APPEND: i32 = 1;
        assert_eq!(open(r, 3, "log", CREAT, RIGHTS_ALL, APPEND), (SUCCESS, 4));
        assert_eq!(write(r, 4, b"abc"), (SUCCESS, 3));
        assert_eq!(seek(r, 4, 0, 0), (SUCCESS, 0));
        assert_eq!(write(r, 4, b"de"), (SUCCESS, 2));
        assert_eq!(r.errno32("fd_fdstat_get", &[4, OUT as i32]), SUCCESS);
        assert_eq!(r.read(OUT + 2, 2), [1, 0]);
        // Clearing APPEND makes writes positional again.
        assert_eq!(r.errno32("fd_fdstat_set_flags", &[4, 0]), SUCCESS);
        assert_eq!(seek(r, 4, 0, 0), (SUCCESS, 0));
        assert_eq!(write(r, 4, b"X"), (SUCCESS, 1));
        assert_eq!(seek(r, 4, 0, 0), (SUCCESS, 0));
        assert_eq!(read(r, 4, 16), (SUCCESS, b"Xbcde".to_vec()));
        // And setting it again appends.
        assert_eq!(r.errno32("fd_fdstat_set_flags", &[4, APPEND]), SUCCESS);
        assert_eq!(seek(r, 4, 0, 0), (SUCCESS, 0));
        assert_eq!(write(r, 4, b"!"), (SUCCESS, 1));
        assert_eq!(path_stat(r, 3, "log"), (SUCCESS, 4, 6));
        assert_eq!(r.errno32("fd_fdstat_set_flags", &[4, 16]), INVAL);
        // A bit outside witx traps (as wasmtime), before the fd is looked at.
        for f in [4, 42] {
            let args = [Val::I32(f), Val::I32(64)];
            assert!(r.try_call("call_fd_fdstat_set_flags", &args).is_err());
        }
        assert_eq!(r.errno32("fd_fdstat_set_flags", &[3, 0]), BADF);
        assert_eq!(r.errno32("fd_fdstat_set_flags", &[1, 0]), BADF);
        assert_eq!(r.errno32("fd_fdstat_set_flags", &[42, 0]), BADF);
    });
}
