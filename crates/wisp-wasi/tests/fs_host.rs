//! Host backend specifics: symlinks planted by the *host* (absolute, to
//! `/etc`, to `../secret.txt`, to the secret's absolute path, `..` loops)
//! are never followed out; a read-only host mount refuses every mutation;
//! nothing outside the preopen is read or touched (content and mtime of a
//! sentinel file checked).

use std::path::{Path, PathBuf};

use wisp_wasi::Errno;
use wisp_wasi::fs::host::HostFs;
use wisp_wasi::fs::readonly::ReadOnly;
use wisp_wasi::fs::{Dir, FileType, Filesystem, OpenOptions, Opened, Sandbox, SetTime};

const SECRET: &[u8] = b"host secret\n";

fn ro() -> OpenOptions {
    OpenOptions {
        read: true,
        follow: true,
        ..Default::default()
    }
}

fn setup(name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fs_host_{name}"));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("jail/sub")).unwrap();
    std::fs::write(base.join("secret.txt"), SECRET).unwrap();
    std::fs::write(base.join("jail/sub/in.txt"), b"inside").unwrap();
    let j = base.join("jail");
    std::os::unix::fs::symlink("/etc", j.join("etc")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", j.join("out")).unwrap();
    std::os::unix::fs::symlink(base.join("secret.txt"), j.join("abs")).unwrap();
    std::os::unix::fs::symlink("..", j.join("up")).unwrap();
    std::os::unix::fs::symlink("../..", j.join("sub/upup")).unwrap();
    std::os::unix::fs::symlink("sub/in.txt", j.join("good")).unwrap();
    base
}

/// Size, mtime and atime of the sentinel plus the outside listing (its
/// content is checked once, at the end, so this read does not move atime).
fn outside(base: &Path) -> String {
    let m = std::fs::metadata(base.join("secret.txt")).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(base)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    format!(
        "{}|{:?}|{:?}|{}",
        m.len(),
        m.modified().unwrap(),
        m.accessed().unwrap(),
        names.join(",")
    )
}

#[test]
fn host_planted_symlinks_do_not_escape() {
    let base = setup("planted");
    let before = outside(&base);
    let mut fs = Sandbox::new(HostFs::new(base.join("jail")).unwrap());
    let j = Dir::root();
    for p in [
        "etc",
        "etc/passwd",
        "etc/",
        "out",
        "abs",
        "up",
        "up/secret.txt",
        "up/jail/sub/in.txt",
        "sub/upup",
        "sub/upup/secret.txt",
    ] {
        assert_eq!(fs.open(&j, p, ro()).err(), Some(Errno::Perm), "open {p}");
        assert_eq!(
            fs.path_stat(&j, true, p).err(),
            Some(Errno::Perm),
            "stat {p}"
        );
    }
    let w = OpenOptions {
        write: true,
        trunc: true,
        create: true,
        ..ro()
    };
    for p in ["out", "abs", "etc/passwd", "up/secret.txt"] {
        assert_eq!(fs.open(&j, p, w).err(), Some(Errno::Perm), "write {p}");
    }
    assert_eq!(fs.create_directory(&j, "up/x").err(), Some(Errno::Perm));
    assert_eq!(fs.unlink_file(&j, "up/secret.txt").err(), Some(Errno::Perm));
    assert_eq!(
        fs.rename(&j, "good", &j, "up/moved").err(),
        Some(Errno::Perm)
    );
    assert_eq!(fs.link(&j, true, "abs", &j, "hl").err(), Some(Errno::Perm));
    assert_eq!(fs.link(&j, true, "out", &j, "hl").err(), Some(Errno::Perm));
    assert_eq!(
        fs.path_set_times(&j, true, "abs", SetTime::Now, SetTime::Now)
            .err(),
        Some(Errno::Perm)
    );
    // Not following: the links themselves are visible but not openable.
    assert_eq!(
        fs.open(
            &j,
            "abs",
            OpenOptions {
                read: true,
                ..Default::default()
            }
        )
        .err(),
        Some(Errno::Loop)
    );
    assert_eq!(
        fs.path_stat(&j, false, "etc").unwrap().filetype,
        FileType::SymbolicLink
    );
    assert_eq!(fs.readlink(&j, "out").unwrap(), "../secret.txt");
    // Removing a planted link removes only the link.
    fs.unlink_file(&j, "abs").unwrap();
    fs.unlink_file(&j, "etc").unwrap();
    // `sub/upup/jail/...` is out (`../..` from sub leaves the preopen).
    assert_eq!(
        fs.open(&j, "sub/upup/jail/good", ro()).err(),
        Some(Errno::Perm)
    );
    // A good in-jail link works.
    let Ok(Opened::File(f)) = fs.open(&j, "good", ro()) else {
        panic!("good link")
    };
    let mut buf = [0; 16];
    assert_eq!(fs.read(f, &mut buf), Ok(6));
    assert_eq!(&buf[..6], b"inside");
    fs.close(f).unwrap();

    assert_eq!(outside(&base), before);
    assert_eq!(std::fs::read(base.join("secret.txt")).unwrap(), SECRET);
    assert!(Path::new("/etc").exists());
}

/// Every file under `dir`: relative path, kind, size, mtime, content.
fn tree(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = format!("{prefix}{}", e.file_name().into_string().unwrap());
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        out.push(format!(
            "{name} {:?} {} {:?}",
            m.file_type(),
            m.len(),
            m.modified().unwrap()
        ));
        if m.is_dir() {
            tree(&e.path(), &format!("{name}/"), out);
        } else if m.is_file() {
            out.push(String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned());
        }
    }
}

#[test]
fn read_only_host_mount_changes_nothing() {
    let base = setup("readonly");
    let mut before = Vec::new();
    tree(&base, "", &mut before);
    let mut fs = Sandbox::new(ReadOnly::new(HostFs::new(base.join("jail")).unwrap()));
    let j = Dir::root();
    let perm = Some(Errno::Perm);
    for how in [
        OpenOptions {
            create: true,
            ..ro()
        },
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
    ] {
        for p in ["sub/in.txt", "good", "new.txt", "sub"] {
            assert_eq!(fs.open(&j, p, how).err(), perm, "{p} {how:?}");
        }
    }
    assert_eq!(fs.create_directory(&j, "newdir").err(), perm);
    assert_eq!(fs.remove_directory(&j, "sub").err(), perm);
    assert_eq!(fs.unlink_file(&j, "sub/in.txt").err(), perm);
    assert_eq!(fs.unlink_file(&j, "good").err(), perm);
    assert_eq!(fs.rename(&j, "sub/in.txt", &j, "moved").err(), perm);
    assert_eq!(fs.symlink("sub", &j, "s2").err(), perm);
    assert_eq!(fs.link(&j, false, "sub/in.txt", &j, "hl").err(), perm);
    assert_eq!(
        fs.path_set_times(&j, true, "good", SetTime::At(0), SetTime::At(0))
            .err(),
        perm
    );
    let Ok(Opened::File(f)) = fs.open(&j, "good", ro()) else {
        panic!("read-only open")
    };
    let mut buf = [0; 16];
    assert_eq!(fs.pread(f, &mut buf, 0), Ok(6));
    // Writing through a (necessarily read-only) handle is the handle's
    // BADF, as wasmtime; the mount's PERM stays for set_size and times.
    assert_eq!(fs.write(f, b"x").err(), Some(Errno::Badf));
    assert_eq!(fs.pwrite(f, b"x", 0).err(), Some(Errno::Badf));
    assert_eq!(fs.set_size(f, 0).err(), perm);
    assert_eq!(
        fs.file_set_times(f, SetTime::At(0), SetTime::At(0)).err(),
        perm
    );
    fs.close(f).unwrap();
    // Reads still work.
    let names: Vec<_> = fs
        .readdir(&j, 0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, [".", "..", "abs", "etc", "good", "out", "sub", "up"]);

    let mut after = Vec::new();
    tree(&base, "", &mut after);
    assert_eq!(before, after);
}

#[test]
fn host_errors_and_root() {
    let base = setup("errors");
    assert_eq!(HostFs::new(base.join("missing")).err(), Some(Errno::Noent));
    assert_eq!(
        HostFs::new(base.join("secret.txt")).err(),
        Some(Errno::Notdir)
    );
    let mut fs = Sandbox::new(HostFs::new(base.join("jail")).unwrap());
    let j = Dir::root();
    // `..` of the preopen is reported as the preopen itself.
    let entries = fs.readdir(&j, 0, 2).unwrap();
    assert_eq!(entries[0].ino, entries[1].ino);
    assert_eq!(entries[0].ino, fs.dir_stat(&j).unwrap().ino);
    // Directories cannot be opened for writing; files are not directories.
    let w = OpenOptions {
        write: true,
        ..ro()
    };
    assert_eq!(fs.open(&j, "sub", w).err(), Some(Errno::Isdir));
    let d = OpenOptions {
        directory: true,
        ..ro()
    };
    assert_eq!(fs.open(&j, "sub/in.txt", d).err(), Some(Errno::Notdir));
    assert_eq!(fs.open(&j, "sub/in.txt/x", ro()).err(), Some(Errno::Notdir));
}
