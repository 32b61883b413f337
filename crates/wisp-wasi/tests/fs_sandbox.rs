//! The sandbox and preview1 semantics, run identically against the
//! in-memory backend and a host temp directory. The guest's directory handle
//! is `jail`; `secret.txt` sits next to it, outside. Every escape attempt
//! must give the expected errno and leave `secret.txt` (content, mtime) and
//! the rest of the outside untouched.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wisp_wasi::Errno;
use wisp_wasi::fs::host::HostFs;
use wisp_wasi::fs::mem::{MemFs, MemLimits};
use wisp_wasi::fs::{
    Dir, FileHandle, FileType, Filesystem, OpenOptions, Opened, Sandbox, SeekFrom, SetTime,
};

const SECRET: &[u8] = b"top secret\n";

fn rw_create() -> OpenOptions {
    OpenOptions {
        create: true,
        read: true,
        write: true,
        follow: true,
        ..Default::default()
    }
}
fn ro() -> OpenOptions {
    OpenOptions {
        read: true,
        follow: true,
        ..Default::default()
    }
}
fn nofollow() -> OpenOptions {
    OpenOptions {
        read: true,
        ..Default::default()
    }
}

fn file(o: Result<Opened, Errno>) -> FileHandle {
    match o {
        Ok(Opened::File(f)) => f,
        other => panic!("expected a file, got {other:?}"),
    }
}
fn dir(o: Result<Opened, Errno>) -> Dir {
    match o {
        Ok(Opened::Dir(d)) => d,
        other => panic!("expected a dir, got {other:?}"),
    }
}
fn err<T: std::fmt::Debug>(r: Result<T, Errno>) -> Errno {
    match r {
        Err(e) => e,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// A world with a root (outside), `secret.txt` and `jail/`, plus the jail
/// handle; `outside()` snapshots what a guest must never change.
struct World {
    fs: Box<dyn Filesystem>,
    jail: Dir,
    snapshot: Box<dyn Fn() -> Vec<u8>>,
}

fn mem_world() -> World {
    let ticks = Arc::new(AtomicU64::new(1_000));
    let t = ticks.clone();
    let mem = MemFs::new(
        MemLimits::default(),
        Box::new(move || t.fetch_add(1, Ordering::SeqCst)),
    );
    let mut fs = Sandbox::new(mem);
    let root = Dir::root();
    let f = file(fs.open(&root, "secret.txt", rw_create()));
    assert_eq!(fs.write(f, SECRET), Ok(SECRET.len()));
    fs.close(f).unwrap();
    fs.create_directory(&root, "jail").unwrap();
    let jail = dir(fs.open(&root, "jail", ro()));
    // The mem world's "outside" is checked through a second, shared view
    // below: the test keeps the Sandbox and inspects it after each attempt.
    let fs: Box<dyn Filesystem> = Box::new(fs);
    World {
        fs,
        jail,
        snapshot: Box::new(Vec::new),
    }
}

fn host_world(name: &str) -> World {
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fs_sandbox_{name}"));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("jail")).unwrap();
    std::fs::write(base.join("secret.txt"), SECRET).unwrap();
    let fs = Sandbox::new(HostFs::new(base.join("jail")).unwrap());
    let b = base.clone();
    let snapshot = move || {
        let mut s = std::fs::read(b.join("secret.txt")).unwrap_or_default();
        let m = std::fs::metadata(b.join("secret.txt")).unwrap();
        s.extend(format!("|{:?}|{}", m.modified().unwrap(), m.len()).bytes());
        let mut names: Vec<_> = std::fs::read_dir(&b)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        s.extend(names.join(",").bytes());
        s
    };
    World {
        fs: Box::new(fs),
        jail: Dir::root(),
        snapshot: Box::new(snapshot),
    }
}

/// Mem: the outside is the root seen through the same filesystem.
fn mem_outside(fs: &mut dyn Filesystem) -> Vec<u8> {
    let root = Dir::root();
    let f = file(fs.open(&root, "secret.txt", ro()));
    let mut buf = vec![0; 64];
    let n = fs.read(f, &mut buf).unwrap();
    buf.truncate(n);
    let st = fs.file_stat(f).unwrap();
    fs.close(f).unwrap();
    let names: Vec<String> = fs
        .readdir(&root, 0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    buf.extend(format!("|{}|{}|{}", st.mtim, st.size, names.join(",")).bytes());
    buf
}

fn outside(w: &mut World, mem: bool) -> Vec<u8> {
    if mem {
        mem_outside(&mut *w.fs)
    } else {
        (w.snapshot)()
    }
}

fn escapes(mut w: World, mem: bool) {
    let before = outside(&mut w, mem);
    let j = w.jail.clone();
    let fs = &mut *w.fs;
    // Preparation inside the jail.
    fs.create_directory(&j, "a").unwrap();
    fs.create_directory(&j, "a/b").unwrap();
    let f = file(fs.open(&j, "inside.txt", rw_create()));
    fs.write(f, b"in").unwrap();
    fs.close(f).unwrap();

    // `..` chains and absolute paths.
    for p in [
        "..",
        "../secret.txt",
        "a/../../secret.txt",
        "a/b/../../../secret.txt",
        "./../secret.txt",
        "../../../../../../etc/passwd",
        "a/b/../../..",
    ] {
        assert_eq!(err(fs.open(&j, p, ro())), Errno::Perm, "open {p}");
        assert_eq!(err(fs.path_stat(&j, true, p)), Errno::Perm, "stat {p}");
    }
    for p in ["/etc/passwd", "/", "/secret.txt", "/inside.txt"] {
        assert_eq!(err(fs.open(&j, p, ro())), Errno::Perm, "open {p}");
    }
    assert_eq!(err(fs.open(&j, "", ro())), Errno::Noent);
    assert_eq!(err(fs.open(&j, "a\0b", ro())), Errno::Inval);

    // Writes through escapes.
    assert_eq!(err(fs.open(&j, "../secret.txt", rw_create())), Errno::Perm);
    let trunc = OpenOptions {
        trunc: true,
        write: true,
        ..rw_create()
    };
    assert_eq!(err(fs.open(&j, "a/../../secret.txt", trunc)), Errno::Perm);
    assert_eq!(err(fs.create_directory(&j, "../newdir")), Errno::Perm);
    assert_eq!(err(fs.unlink_file(&j, "../secret.txt")), Errno::Perm);
    assert_eq!(err(fs.remove_directory(&j, "../jail")), Errno::Perm);
    assert_eq!(
        err(fs.rename(&j, "inside.txt", &j, "../moved.txt")),
        Errno::Perm
    );
    assert_eq!(
        err(fs.rename(&j, "../secret.txt", &j, "stolen.txt")),
        Errno::Perm
    );
    assert_eq!(
        err(fs.link(&j, true, "../secret.txt", &j, "hl")),
        Errno::Perm
    );
    assert_eq!(
        err(fs.link(&j, false, "inside.txt", &j, "../hl")),
        Errno::Perm
    );
    assert_eq!(err(fs.symlink("x", &j, "../sl")), Errno::Perm);
    assert_eq!(
        err(fs.path_set_times(&j, true, "../secret.txt", SetTime::Now, SetTime::Now)),
        Errno::Perm
    );

    // Symlinks: absolute targets are refused at creation; relative ones
    // that climb out are refused when followed.
    assert_eq!(err(fs.symlink("/etc", &j, "etc")), Errno::Perm);
    assert_eq!(err(fs.symlink("/etc/passwd", &j, "pw")), Errno::Perm);
    fs.symlink("../secret.txt", &j, "out").unwrap();
    fs.symlink("..", &j, "a/up").unwrap();
    fs.symlink("up/../inside.txt", &j, "a/b/chain").unwrap();
    fs.symlink("../up/..", &j, "a/b/up2").unwrap();
    assert_eq!(err(fs.open(&j, "out", ro())), Errno::Perm);
    assert_eq!(err(fs.open(&j, "out", rw_create())), Errno::Perm);
    assert_eq!(err(fs.path_stat(&j, true, "out")), Errno::Perm);
    assert_eq!(err(fs.link(&j, true, "out", &j, "hl2")), Errno::Perm);
    assert_eq!(err(fs.open(&j, "a/up/../secret.txt", ro())), Errno::Perm);
    assert_eq!(err(fs.open(&j, "a/b/up2/secret.txt", ro())), Errno::Perm);
    // Not following: the link itself.
    assert_eq!(err(fs.open(&j, "out", nofollow())), Errno::Loop);
    assert_eq!(fs.readlink(&j, "out").unwrap(), "../secret.txt");
    assert_eq!(
        fs.path_stat(&j, false, "out").unwrap().filetype,
        FileType::SymbolicLink
    );
    // `a/up` is `..` from `a`: the jail itself, allowed.
    let via = file(fs.open(&j, "a/up/inside.txt", ro()));
    let mut buf = [0u8; 8];
    assert_eq!(fs.read(via, &mut buf), Ok(2));
    assert_eq!(&buf[..2], b"in");
    fs.close(via).unwrap();
    assert_eq!(err(fs.open(&j, "a/b/chain", ro())), Errno::Noent); // a/b/up missing
    // A handle on a subdirectory is its own capability: `..` above it fails
    // even though the target is inside the preopen.
    let a = dir(fs.open(&j, "a", ro()));
    assert_eq!(err(fs.open(&a, "../inside.txt", ro())), Errno::Perm);
    assert_eq!(err(fs.open(&a, "up/inside.txt", ro())), Errno::Perm);
    assert!(fs.open(&a, "b", ro()).is_ok());

    // Loops.
    fs.symlink("loop2", &j, "loop1").unwrap();
    fs.symlink("loop1", &j, "loop2").unwrap();
    fs.symlink("self", &j, "self").unwrap();
    fs.symlink("self/x", &j, "deep").unwrap();
    for p in ["loop1", "loop2", "self", "deep", "loop1/x"] {
        assert_eq!(err(fs.open(&j, p, ro())), Errno::Loop, "open {p}");
    }
    assert_eq!(err(fs.path_stat(&j, true, "self")), Errno::Loop);

    // A moved symlink keeps its relative target: from `a/` it now names
    // `jail/secret.txt` (missing); one more `..` is an escape again.
    fs.rename(&j, "out", &j, "a/out").unwrap();
    assert_eq!(err(fs.open(&j, "a/out", ro())), Errno::Noent);
    fs.symlink("../../secret.txt", &j, "a/out2").unwrap();
    assert_eq!(err(fs.open(&j, "a/out2", ro())), Errno::Perm);

    // A directory handle is re-checked on every use: renaming the directory
    // away and planting a `..` symlink under its old name gives NOENT, not
    // the parent of the jail.
    fs.create_directory(&j, "h").unwrap();
    let h = dir(fs.open(&j, "h", ro()));
    fs.rename(&j, "h", &j, "h2").unwrap();
    fs.symlink("..", &j, "h").unwrap();
    assert_eq!(err(fs.open(&h, "secret.txt", ro())), Errno::Noent);
    assert_eq!(err(fs.open(&h, "secret.txt", rw_create())), Errno::Noent);
    assert_eq!(err(fs.open(&h, "planted.txt", rw_create())), Errno::Noent);
    assert_eq!(err(fs.create_directory(&h, "planted")), Errno::Noent);
    assert_eq!(err(fs.readdir(&h, 0, 10)), Errno::Noent);
    assert_eq!(err(fs.dir_stat(&h)), Errno::Noent);
    assert_eq!(err(fs.path_stat(&h, false, "secret.txt")), Errno::Noent);
    fs.unlink_file(&j, "h").unwrap();
    fs.create_directory(&j, "h/").unwrap();
    assert!(
        fs.readdir(&h, 0, 10).is_ok(),
        "a directory at the path again"
    );

    let after = outside(&mut w, mem);
    assert_eq!(before, after, "the outside changed");
}

fn normal_ops(mut w: World) {
    let j = w.jail.clone();
    let fs = &mut *w.fs;
    // create / write / read / seek / tell / pread / pwrite
    let f = file(fs.open(&j, "f.txt", rw_create()));
    assert_eq!(fs.write(f, b"hello world"), Ok(11));
    assert_eq!(fs.tell(f), Ok(11));
    assert_eq!(fs.seek(f, SeekFrom::Start(6)), Ok(6));
    let mut buf = [0u8; 32];
    assert_eq!(fs.read(f, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"world");
    assert_eq!(fs.read(f, &mut buf), Ok(0));
    assert_eq!(fs.seek(f, SeekFrom::End(-5)), Ok(6));
    assert_eq!(fs.seek(f, SeekFrom::Current(-1)), Ok(5));
    assert_eq!(err(fs.seek(f, SeekFrom::Current(-6))), Errno::Inval);
    assert_eq!(fs.pwrite(f, b"W", 6), Ok(1));
    assert_eq!(fs.pread(f, &mut buf, 0), Ok(11));
    assert_eq!(&buf[..11], b"hello World");
    assert_eq!(fs.tell(f), Ok(5));
    assert_eq!(fs.file_stat(f).unwrap().size, 11);
    assert_eq!(fs.file_stat(f).unwrap().filetype, FileType::RegularFile);
    fs.set_size(f, 5).unwrap();
    assert_eq!(fs.pread(f, &mut buf, 0), Ok(5));
    fs.set_size(f, 7).unwrap();
    assert_eq!(fs.pread(f, &mut buf, 0), Ok(7));
    assert_eq!(&buf[..7], b"hello\0\0");
    fs.sync(f).unwrap();
    fs.file_set_times(f, SetTime::At(5_000_000_000), SetTime::At(7_000_000_000))
        .unwrap();
    let st = fs.file_stat(f).unwrap();
    assert_eq!((st.atim, st.mtim), (5_000_000_000, 7_000_000_000));
    fs.close(f).unwrap();
    assert_eq!(err(fs.close(f)), Errno::Badf);

    // Append mode.
    let app = OpenOptions {
        append: true,
        write: true,
        read: true,
        follow: true,
        ..Default::default()
    };
    let f = file(fs.open(&j, "f.txt", app));
    assert_eq!(fs.write(f, b"!"), Ok(1));
    assert_eq!(fs.pread(f, &mut buf, 0), Ok(8));
    assert_eq!(&buf[..8], b"hello\0\0!");
    fs.close(f).unwrap();

    // Open flags.
    let excl = OpenOptions {
        excl: true,
        ..rw_create()
    };
    assert_eq!(err(fs.open(&j, "f.txt", excl)), Errno::Exist);
    assert_eq!(err(fs.open(&j, "missing", ro())), Errno::Noent);
    assert_eq!(err(fs.open(&j, "missing/x", rw_create())), Errno::Noent);
    let d = OpenOptions {
        directory: true,
        ..ro()
    };
    assert_eq!(err(fs.open(&j, "f.txt", d)), Errno::Notdir);
    assert_eq!(err(fs.open(&j, "f.txt/x", ro())), Errno::Notdir);
    assert_eq!(err(fs.open(&j, "f.txt/", ro())), Errno::Notdir);
    let t = OpenOptions {
        trunc: true,
        write: true,
        read: true,
        follow: true,
        ..Default::default()
    };
    let f = file(fs.open(&j, "f.txt", t));
    assert_eq!(fs.file_stat(f).unwrap().size, 0);
    fs.close(f).unwrap();

    // Directories.
    fs.create_directory(&j, "d").unwrap();
    assert_eq!(err(fs.create_directory(&j, "d")), Errno::Exist);
    assert_eq!(err(fs.create_directory(&j, "f.txt")), Errno::Exist);
    assert_eq!(err(fs.open(&j, "d", rw_create())), Errno::Isdir);
    let dd = dir(fs.open(&j, "d/", d));
    let g = file(fs.open(&dd, "g", rw_create()));
    fs.write(g, b"gg").unwrap();
    fs.close(g).unwrap();
    assert_eq!(fs.path_stat(&j, true, "d/g").unwrap().size, 2);
    assert_eq!(fs.dir_stat(&dd).unwrap().filetype, FileType::Directory);
    assert_eq!(err(fs.remove_directory(&j, "d")), Errno::Notempty);
    assert_eq!(err(fs.remove_directory(&j, "f.txt")), Errno::Notdir);
    assert_eq!(err(fs.unlink_file(&j, "d")), Errno::Isdir);
    assert_eq!(err(fs.unlink_file(&j, "nope")), Errno::Noent);
    assert_eq!(err(fs.remove_directory(&j, ".")), Errno::Inval);

    // readdir: `.`, `..`, then sorted names, with cookies.
    fs.symlink("f.txt", &j, "s").unwrap();
    let all = fs.readdir(&j, 0, 100).unwrap();
    let names: Vec<_> = all
        .iter()
        .map(|e| (e.name.as_str(), e.filetype, e.next))
        .collect();
    assert_eq!(
        names,
        vec![
            (".", FileType::Directory, 1),
            ("..", FileType::Directory, 2),
            ("d", FileType::Directory, 3),
            ("f.txt", FileType::RegularFile, 4),
            ("s", FileType::SymbolicLink, 5),
        ]
    );
    assert_eq!(all[3].ino, fs.path_stat(&j, false, "f.txt").unwrap().ino);
    let tail = fs.readdir(&j, 3, 1).unwrap();
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0].name, "f.txt");
    assert!(fs.readdir(&j, 5, 10).unwrap().is_empty());
    assert!(fs.readdir(&j, u64::MAX, 10).unwrap().is_empty());

    // Symlinks inside work.
    let f = file(fs.open(&j, "s", ro()));
    fs.close(f).unwrap();
    fs.symlink("d", &j, "ds").unwrap();
    assert_eq!(fs.path_stat(&j, true, "ds/g").unwrap().size, 2);
    assert_eq!(err(fs.readlink(&j, "f.txt")), Errno::Inval);
    assert_eq!(err(fs.symlink("x", &j, "s")), Errno::Exist);

    // rename: file over file, dir into dir, kind mismatches.
    let f = file(fs.open(&j, "r1", rw_create()));
    fs.write(f, b"one").unwrap();
    fs.close(f).unwrap();
    fs.rename(&j, "r1", &dd, "r2").unwrap();
    assert_eq!(err(fs.path_stat(&j, true, "r1")), Errno::Noent);
    assert_eq!(fs.path_stat(&j, true, "d/r2").unwrap().size, 3);
    fs.rename(&j, "d/r2", &j, "f.txt").unwrap();
    assert_eq!(fs.path_stat(&j, true, "f.txt").unwrap().size, 3);
    fs.create_directory(&j, "e").unwrap();
    assert_eq!(err(fs.rename(&j, "f.txt", &j, "e")), Errno::Isdir);
    assert_eq!(err(fs.rename(&j, "e", &j, "f.txt")), Errno::Notdir);
    assert_eq!(err(fs.rename(&j, "e", &j, "d")), Errno::Notempty);
    assert_eq!(err(fs.rename(&j, "d", &j, "d/sub")), Errno::Inval);
    fs.rename(&j, "e", &j, "d/e").unwrap();
    assert_eq!(
        fs.path_stat(&j, true, "d/e").unwrap().filetype,
        FileType::Directory
    );
    assert_eq!(err(fs.rename(&j, "nope", &j, "x")), Errno::Noent);

    // Hard links share the inode.
    fs.link(&j, false, "f.txt", &j, "d/hard").unwrap();
    let a = fs.path_stat(&j, false, "f.txt").unwrap();
    let b = fs.path_stat(&j, false, "d/hard").unwrap();
    assert_eq!((a.ino, a.nlink), (b.ino, 2));
    assert_eq!(err(fs.link(&j, false, "d", &j, "dl")), Errno::Perm);
    assert_eq!(err(fs.link(&j, false, "f.txt", &j, "s")), Errno::Exist);
    fs.unlink_file(&j, "f.txt").unwrap();
    assert_eq!(fs.path_stat(&j, false, "d/hard").unwrap().nlink, 1);

    // unlink / rmdir.
    fs.unlink_file(&j, "s").unwrap();
    fs.unlink_file(&j, "ds").unwrap();
    fs.unlink_file(&j, "d/hard").unwrap();
    fs.unlink_file(&j, "d/g").unwrap();
    fs.remove_directory(&j, "d/e").unwrap();
    fs.remove_directory(&j, "d").unwrap();
    let left: Vec<_> = fs
        .readdir(&j, 2, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn mem_escapes() {
    escapes(mem_world(), true);
}

#[test]
fn host_escapes() {
    escapes(host_world("escapes"), false);
}

#[test]
fn mem_normal_ops() {
    normal_ops(mem_world());
}

#[test]
fn host_normal_ops() {
    normal_ops(host_world("normal"));
}
