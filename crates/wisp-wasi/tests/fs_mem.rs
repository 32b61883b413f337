//! In-memory backend specifics: quotas (`NOSPC` before any allocation),
//! unlinked-but-open files, clock-driven timestamps, handle rights, and the
//! read-only view refusing every mutation without changing anything.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wisp_wasi::Errno;
use wisp_wasi::fs::mem::{MemFs, MemLimits};
use wisp_wasi::fs::readonly::ReadOnly;
use wisp_wasi::fs::{
    Backend, Dir, FileHandle, Filesystem, OpenOptions, Opened, Sandbox, SeekFrom, SetTime,
};

fn clock() -> (Arc<AtomicU64>, Box<dyn FnMut() -> u64 + Send>) {
    let t = Arc::new(AtomicU64::new(100));
    let c = t.clone();
    (t, Box::new(move || c.load(Ordering::SeqCst)))
}

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
fn file(o: Result<Opened, Errno>) -> FileHandle {
    match o {
        Ok(Opened::File(f)) => f,
        other => panic!("expected a file, got {other:?}"),
    }
}

#[test]
fn quota_is_enforced_before_allocating() {
    let (_, c) = clock();
    let mut fs = Sandbox::new(MemFs::new(
        MemLimits {
            max_bytes: 100,
            max_inodes: 5,
        },
        c,
    ));
    let root = Dir::root();
    let f = file(fs.open(&root, "f", rw_create()));
    assert_eq!(fs.backend().used_bytes(), 1); // the name
    assert_eq!(fs.write(f, &[7; 90]), Ok(90));
    assert_eq!(fs.write(f, &[7; 10]), Err(Errno::Nospc));
    assert_eq!(fs.pwrite(f, b"x", 1 << 40), Err(Errno::Nospc));
    assert_eq!(fs.pwrite(f, b"x", u64::MAX), Err(Errno::Fbig));
    assert_eq!(fs.set_size(f, 1 << 50), Err(Errno::Nospc));
    assert_eq!(fs.file_stat(f).unwrap().size, 90);
    assert_eq!(fs.write(f, &[7; 9]), Ok(9));
    assert_eq!(fs.backend().used_bytes(), 100);
    fs.set_size(f, 0).unwrap();
    assert_eq!(fs.backend().used_bytes(), 1);
    // Inode limit: root + f + 3 more.
    for n in ["a", "b", "c"] {
        fs.create_directory(&root, n).unwrap();
    }
    assert_eq!(fs.create_directory(&root, "d"), Err(Errno::Nospc));
    assert_eq!(fs.symlink("a", &root, "e"), Err(Errno::Nospc));
    fs.remove_directory(&root, "c").unwrap();
    fs.symlink("a", &root, "e").unwrap();
    // f, a, b, then e with its one-byte target (c was refunded).
    assert_eq!(fs.backend().used_bytes(), 1 + 2 + 2);
}

#[test]
fn unlinked_open_file_lives_until_closed() {
    let (_, c) = clock();
    let mut fs = Sandbox::new(MemFs::new(MemLimits::default(), c));
    let root = Dir::root();
    let f = file(fs.open(&root, "tmp", rw_create()));
    fs.write(f, b"data").unwrap();
    fs.unlink_file(&root, "tmp").unwrap();
    assert_eq!(fs.path_stat(&root, false, "tmp"), Err(Errno::Noent));
    assert_eq!(fs.file_stat(f).unwrap().nlink, 0);
    let mut buf = [0; 8];
    assert_eq!(fs.pread(f, &mut buf, 0), Ok(4));
    assert_eq!(&buf[..4], b"data");
    assert_eq!(fs.backend().used_bytes(), 4);
    fs.close(f).unwrap();
    assert_eq!(fs.backend().used_bytes(), 0);
}

#[test]
fn times_come_from_the_clock() {
    let (t, c) = clock();
    let mut fs = Sandbox::new(MemFs::new(MemLimits::default(), c));
    let root = Dir::root();
    t.store(200, Ordering::SeqCst);
    let f = file(fs.open(&root, "f", rw_create()));
    let st = fs.file_stat(f).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (200, 200, 200));
    assert_eq!(fs.dir_stat(&root).unwrap().mtim, 200);
    t.store(300, Ordering::SeqCst);
    fs.write(f, b"x").unwrap();
    let st = fs.file_stat(f).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (200, 300, 300));
    t.store(400, Ordering::SeqCst);
    fs.seek(f, SeekFrom::Start(0)).unwrap();
    fs.read(f, &mut [0; 1]).unwrap();
    assert_eq!(fs.file_stat(f).unwrap().atim, 400);
    t.store(500, Ordering::SeqCst);
    fs.path_set_times(&root, true, "f", SetTime::At(1), SetTime::Now)
        .unwrap();
    let st = fs.file_stat(f).unwrap();
    assert_eq!((st.atim, st.mtim, st.ctim), (1, 500, 500));
    fs.file_set_times(f, SetTime::Omit, SetTime::At(9)).unwrap();
    let st = fs.file_stat(f).unwrap();
    assert_eq!((st.atim, st.mtim), (1, 9));
}

#[test]
fn handle_rights_are_checked() {
    let (_, c) = clock();
    let mut fs = Sandbox::new(MemFs::new(MemLimits::default(), c));
    let root = Dir::root();
    let w = file(fs.open(
        &root,
        "f",
        OpenOptions {
            read: false,
            ..rw_create()
        },
    ));
    assert_eq!(fs.read(w, &mut [0; 4]), Err(Errno::Badf));
    assert_eq!(fs.write(w, b"abc"), Ok(3));
    let r = file(fs.open(&root, "f", ro()));
    assert_eq!(fs.write(r, b"x"), Err(Errno::Badf));
    // `ftruncate` of a read-only fd is EINVAL on Linux (and in wasmtime).
    assert_eq!(fs.set_size(r, 0), Err(Errno::Inval));
    assert_eq!(fs.read(FileHandle(999), &mut [0; 1]), Err(Errno::Badf));
}

/// Everything observable through the API, for "nothing changed" checks.
fn snapshot(fs: &mut dyn Filesystem, dir: &Dir, prefix: &str, out: &mut Vec<String>) {
    for e in fs.readdir(dir, 2, usize::MAX).unwrap() {
        let path = format!("{prefix}{}", e.name);
        let st = fs.path_stat(&Dir::root(), false, &path).unwrap();
        out.push(format!(
            "{path} {:?} {} {} {} {}",
            st.filetype, st.size, st.nlink, st.mtim, st.atim
        ));
        match fs.open(
            &Dir::root(),
            &path,
            OpenOptions {
                read: true,
                ..Default::default()
            },
        ) {
            Ok(Opened::File(f)) => {
                let mut buf = vec![0; 64];
                let n = fs.pread(f, &mut buf, 0).unwrap();
                out.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                fs.close(f).unwrap();
            }
            Ok(Opened::Dir(d)) => snapshot(fs, &d, &format!("{path}/"), out),
            Err(e) => out.push(format!("{e:?}")),
        }
    }
}

#[test]
fn read_only_view_refuses_every_mutation() {
    let (t, c) = clock();
    let mut mem = MemFs::new(MemLimits::default(), c);
    {
        // Populate through the writable backend, then hand it over.
        let root: Vec<String> = Vec::new();
        let p = |s: &str| -> Vec<String> { s.split('/').map(String::from).collect() };
        mem.mkdir(&p("d")).unwrap();
        let f = mem
            .open_file(
                &p("d/f"),
                wisp_wasi::fs::FileOpen {
                    create: true,
                    write: true,
                    ..Default::default()
                },
            )
            .unwrap();
        mem.write(f, b"content").unwrap();
        mem.close(f).unwrap();
        mem.symlink("d/f", &p("s")).unwrap();
        assert_eq!(mem.readdir(&root).unwrap().len(), 2);
    }
    let mut fs = Sandbox::new(ReadOnly::new(mem));
    let root = Dir::root();
    let mut before = Vec::new();
    snapshot(&mut fs, &root, "", &mut before);
    t.store(10_000, Ordering::SeqCst);

    let perm = Errno::Perm;
    for how in [
        rw_create(),
        OpenOptions {
            write: true,
            ..ro()
        },
        OpenOptions {
            trunc: true,
            ..ro()
        },
        OpenOptions {
            append: true,
            ..ro()
        },
        OpenOptions {
            create: true,
            excl: true,
            ..ro()
        },
    ] {
        for path in ["d/f", "new", "s", "d"] {
            assert_eq!(
                fs.open(&root, path, how).err(),
                Some(perm),
                "{path} {how:?}"
            );
        }
    }
    assert_eq!(fs.create_directory(&root, "x").err(), Some(perm));
    assert_eq!(fs.create_directory(&root, "d").err(), Some(perm));
    assert_eq!(fs.remove_directory(&root, "d").err(), Some(perm));
    assert_eq!(fs.unlink_file(&root, "d/f").err(), Some(perm));
    assert_eq!(fs.unlink_file(&root, "s").err(), Some(perm));
    assert_eq!(fs.rename(&root, "d/f", &root, "g").err(), Some(perm));
    assert_eq!(fs.symlink("d", &root, "t").err(), Some(perm));
    assert_eq!(fs.link(&root, false, "d/f", &root, "h").err(), Some(perm));
    assert_eq!(
        fs.path_set_times(&root, true, "d/f", SetTime::Now, SetTime::Now)
            .err(),
        Some(perm)
    );
    // An existing file opened read-only: reading works, writing does not.
    let f = file(fs.open(&root, "s", ro()));
    let mut buf = [0; 16];
    assert_eq!(fs.read(f, &mut buf), Ok(7));
    assert_eq!(&buf[..7], b"content");
    // Writes through the (read-only) handle are its BADF, as wasmtime.
    assert_eq!(fs.write(f, b"x").err(), Some(Errno::Badf));
    assert_eq!(fs.pwrite(f, b"x", 0).err(), Some(Errno::Badf));
    assert_eq!(fs.set_size(f, 0).err(), Some(perm));
    assert_eq!(
        fs.file_set_times(f, SetTime::Now, SetTime::Now).err(),
        Some(perm)
    );
    fs.close(f).unwrap();

    let mut after = Vec::new();
    snapshot(&mut fs, &root, "", &mut after);
    // Reading updated `atim` of d/f; compare everything else.
    let strip = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|l| l.rsplit_once(' ').map_or(l.clone(), |(a, _)| a.to_string()))
            .collect()
    };
    assert_eq!(strip(&before), strip(&after));
    assert!(before.iter().any(|l| l == "content"), "{before:?}");
    assert_eq!(before.len(), 5, "{before:?}");
}

#[test]
fn open_options_decode_the_wasi_words() {
    use wisp_wasi::fs::{LOOKUP_SYMLINK_FOLLOW, fdflags, oflags};
    let o = OpenOptions::from_wasi(
        LOOKUP_SYMLINK_FOLLOW,
        oflags::CREAT | oflags::EXCL,
        fdflags::APPEND | fdflags::SYNC,
        false,
        true,
    );
    let want = OpenOptions {
        follow: true,
        create: true,
        excl: true,
        append: true,
        write: true,
        ..Default::default()
    };
    assert_eq!(o, want);
    let o = OpenOptions::from_wasi(0, oflags::DIRECTORY | oflags::TRUNC, 0, true, false);
    let want = OpenOptions {
        directory: true,
        trunc: true,
        read: true,
        ..Default::default()
    };
    assert_eq!(o, want);
}
