//! [`HostFs`]: a host directory as a [`Backend`], through `std::fs` and
//! `std::os::unix`. Every host path is `root` joined with a checked
//! component list from the resolver (normal names only, every directory in
//! it seen by `symlink_metadata` as a real directory). The last component is
//! never followed: status uses `symlink_metadata`, opens add `O_NOFOLLOW`.
//!
//! # Limitation (TOCTOU)
//! The check and the use are separate system calls on path strings, not
//! `openat` on held directory descriptors (that needs `unsafe`/libc). A
//! *host* process that swaps a checked directory for a symlink between the
//! resolver's `lstat` and the operation can redirect it. Guests alone cannot
//! do this: every symlink a guest creates goes through the same resolver.
//! Share a host directory only with processes you trust not to race it.

use std::collections::BTreeMap;
use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::string::String;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::vec::Vec;

use super::{Backend, FileHandle, FileOpen, FileType, Filestat, SeekFrom, SetTime};
use crate::errno::Errno;

/// `O_NOFOLLOW` for this target (0 where unknown: only the `lstat` check
/// then guards the last component).
#[cfg(all(target_os = "linux", any(target_arch = "aarch64", target_arch = "arm")))]
const O_NOFOLLOW: i32 = 0o100000;
#[cfg(all(
    target_os = "linux",
    not(any(target_arch = "aarch64", target_arch = "arm"))
))]
const O_NOFOLLOW: i32 = 0o400000;
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
const O_NOFOLLOW: i32 = 0x100;
#[cfg(not(any(
    target_os = "linux",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd"
)))]
const O_NOFOLLOW: i32 = 0;

#[derive(Debug)]
struct Open {
    file: File,
    read: bool,
    write: bool,
}

/// A host directory backend.
#[derive(Debug)]
pub struct HostFs {
    root: PathBuf,
    files: BTreeMap<u64, Open>,
    next_fh: u64,
}

/// Maps a host I/O error to the errno wasmtime would return.
pub fn errno_of(e: &io::Error) -> Errno {
    #[cfg(target_os = "linux")]
    if let Some(code) = e.raw_os_error() {
        return match code {
            1 => Errno::Perm,
            2 => Errno::Noent,
            5 => Errno::Io,
            9 => Errno::Badf,
            13 => Errno::Acces,
            16 => Errno::Busy,
            17 => Errno::Exist,
            18 => Errno::Xdev,
            20 => Errno::Notdir,
            21 => Errno::Isdir,
            22 => Errno::Inval,
            27 => Errno::Fbig,
            28 => Errno::Nospc,
            30 => Errno::Rofs,
            31 => Errno::Mlink,
            36 => Errno::Nametoolong,
            39 => Errno::Notempty,
            40 => Errno::Loop,
            84 => Errno::Ilseq,
            95 => Errno::Notsup,
            122 => Errno::Dquot,
            _ => Errno::Io,
        };
    }
    match e.kind() {
        io::ErrorKind::NotFound => Errno::Noent,
        io::ErrorKind::PermissionDenied => Errno::Perm,
        io::ErrorKind::AlreadyExists => Errno::Exist,
        io::ErrorKind::InvalidInput => Errno::Inval,
        io::ErrorKind::NotADirectory => Errno::Notdir,
        io::ErrorKind::IsADirectory => Errno::Isdir,
        io::ErrorKind::DirectoryNotEmpty => Errno::Notempty,
        io::ErrorKind::StorageFull => Errno::Nospc,
        io::ErrorKind::Unsupported => Errno::Notsup,
        _ => Errno::Io,
    }
}

fn io<T>(r: io::Result<T>) -> Result<T, Errno> {
    r.map_err(|e| errno_of(&e))
}

fn nanos(secs: i64, nsec: i64) -> u64 {
    let s = u64::try_from(secs).unwrap_or(0);
    let n = u64::try_from(nsec).unwrap_or(0);
    s.saturating_mul(1_000_000_000).saturating_add(n)
}

fn filetype_of(ft: fs::FileType) -> FileType {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_symlink() {
        FileType::SymbolicLink
    } else if ft.is_dir() {
        FileType::Directory
    } else if ft.is_file() {
        FileType::RegularFile
    } else if ft.is_block_device() {
        FileType::BlockDevice
    } else if ft.is_char_device() {
        FileType::CharacterDevice
    } else if ft.is_socket() {
        FileType::SocketStream
    } else {
        FileType::Unknown
    }
}

fn stat_of(m: &fs::Metadata) -> Filestat {
    Filestat {
        dev: m.dev(),
        ino: m.ino(),
        filetype: filetype_of(m.file_type()),
        nlink: m.nlink(),
        size: m.size(),
        atim: nanos(m.atime(), m.atime_nsec()),
        mtim: nanos(m.mtime(), m.mtime_nsec()),
        ctim: nanos(m.ctime(), m.ctime_nsec()),
    }
}

fn times(atim: SetTime, mtim: SetTime) -> FileTimes {
    let now = SystemTime::now();
    let at = |t: SetTime| match t {
        SetTime::Omit => None,
        SetTime::Now => Some(now),
        SetTime::At(ns) => UNIX_EPOCH.checked_add(Duration::from_nanos(ns)),
    };
    let mut ft = FileTimes::new();
    if let Some(t) = at(atim) {
        ft = ft.set_accessed(t);
    }
    if let Some(t) = at(mtim) {
        ft = ft.set_modified(t);
    }
    ft
}

impl HostFs {
    /// Exposes the host directory `root` (which must exist and be a
    /// directory: `NOTDIR` / the host error otherwise).
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, Errno> {
        let root = root.into();
        if !io(fs::metadata(&root))?.is_dir() {
            return Err(Errno::Notdir);
        }
        Ok(HostFs {
            root,
            files: BTreeMap::new(),
            next_fh: 0,
        })
    }

    /// The host path of a checked component list.
    fn host(&self, path: &[String]) -> Result<PathBuf, Errno> {
        let mut p = self.root.clone();
        for c in path {
            // Defence in depth: the resolver never produces these.
            if c.is_empty() || c == "." || c == ".." || c.contains('/') || c.contains('\0') {
                return Err(Errno::Perm);
            }
            p.push(c);
        }
        Ok(p)
    }

    fn file(&mut self, fh: FileHandle) -> Result<&mut Open, Errno> {
        self.files.get_mut(&fh.0).ok_or(Errno::Badf)
    }

    fn insert(&mut self, open: Open) -> FileHandle {
        let fh = self.next_fh;
        self.next_fh += 1;
        self.files.insert(fh, open);
        FileHandle(fh)
    }
}

impl Backend for HostFs {
    fn lstat(&mut self, path: &[String]) -> Result<Filestat, Errno> {
        Ok(stat_of(&io(fs::symlink_metadata(self.host(path)?))?))
    }

    fn readlink(&mut self, path: &[String]) -> Result<String, Errno> {
        let t = io(fs::read_link(self.host(path)?))?;
        t.into_os_string().into_string().map_err(|_| Errno::Ilseq)
    }

    fn readdir(&mut self, path: &[String]) -> Result<Vec<(String, u64, FileType)>, Errno> {
        use std::os::unix::fs::DirEntryExt;
        let mut out = Vec::new();
        for e in io(fs::read_dir(self.host(path)?))? {
            let e = io(e)?;
            // Names that are not UTF-8 cannot be named by a guest path.
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            out.push((name, e.ino(), filetype_of(io(e.file_type())?)));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn open_file(&mut self, path: &[String], how: FileOpen) -> Result<FileHandle, Errno> {
        let p = self.host(path)?;
        let mut o = OpenOptions::new();
        // A file opened with no access is still opened for reading (stat).
        o.read(how.read || !how.write)
            .write(how.write && !how.append)
            .append(how.append)
            .truncate(how.trunc)
            .custom_flags(O_NOFOLLOW);
        if how.create && how.excl {
            o.create_new(true);
        } else if how.create {
            o.create(true);
        }
        if (how.trunc || how.create) && !how.write && !how.append {
            // std refuses create/truncate without write access.
            o.write(true);
        }
        let file = io(o.open(p))?;
        if !io(file.metadata())?.is_file() {
            return Err(Errno::Isdir);
        }
        Ok(self.insert(Open {
            file,
            read: how.read,
            write: how.write || how.append,
        }))
    }

    fn mkdir(&mut self, path: &[String]) -> Result<(), Errno> {
        io(fs::create_dir(self.host(path)?))
    }
    fn rmdir(&mut self, path: &[String]) -> Result<(), Errno> {
        io(fs::remove_dir(self.host(path)?))
    }
    fn unlink(&mut self, path: &[String]) -> Result<(), Errno> {
        io(fs::remove_file(self.host(path)?))
    }
    fn rename(&mut self, from: &[String], to: &[String]) -> Result<(), Errno> {
        io(fs::rename(self.host(from)?, self.host(to)?))
    }
    fn symlink(&mut self, target: &str, path: &[String]) -> Result<(), Errno> {
        io(std::os::unix::fs::symlink(target, self.host(path)?))
    }
    fn link(&mut self, from: &[String], to: &[String]) -> Result<(), Errno> {
        io(fs::hard_link(self.host(from)?, self.host(to)?))
    }

    fn set_times(&mut self, path: &[String], atim: SetTime, mtim: SetTime) -> Result<(), Errno> {
        let p = self.host(path)?;
        if io(fs::symlink_metadata(&p))?.file_type().is_symlink() {
            // Setting a symlink's own times needs `utimensat`; not in std.
            return Err(Errno::Notsup);
        }
        let f = io(OpenOptions::new()
            .read(true)
            .custom_flags(O_NOFOLLOW)
            .open(p))?;
        io(f.set_times(times(atim, mtim)))
    }

    fn read(&mut self, fh: FileHandle, buf: &mut [u8]) -> Result<usize, Errno> {
        let f = self.file(fh)?;
        if !f.read {
            return Err(Errno::Badf);
        }
        io(f.file.read(buf))
    }
    fn write(&mut self, fh: FileHandle, buf: &[u8]) -> Result<usize, Errno> {
        let f = self.file(fh)?;
        if !f.write {
            return Err(Errno::Badf);
        }
        io(f.file.write(buf))
    }
    fn pread(&mut self, fh: FileHandle, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let f = self.file(fh)?;
        if !f.read {
            return Err(Errno::Badf);
        }
        io(f.file.read_at(buf, offset))
    }
    fn pwrite(&mut self, fh: FileHandle, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let f = self.file(fh)?;
        if !f.write {
            return Err(Errno::Badf);
        }
        io(f.file.write_at(buf, offset))
    }
    fn seek(&mut self, fh: FileHandle, to: SeekFrom) -> Result<u64, Errno> {
        let to = match to {
            SeekFrom::Start(o) => io::SeekFrom::Start(o),
            SeekFrom::Current(d) => io::SeekFrom::Current(d),
            SeekFrom::End(d) => io::SeekFrom::End(d),
        };
        io(self.file(fh)?.file.seek(to))
    }
    fn sync(&mut self, fh: FileHandle) -> Result<(), Errno> {
        io(self.file(fh)?.file.sync_all())
    }
    fn set_size(&mut self, fh: FileHandle, size: u64) -> Result<(), Errno> {
        let f = self.file(fh)?;
        if !f.write {
            // `ftruncate` of an fd not open for writing: EINVAL (Linux).
            return Err(Errno::Inval);
        }
        io(f.file.set_len(size))
    }
    fn fstat(&mut self, fh: FileHandle) -> Result<Filestat, Errno> {
        Ok(stat_of(&io(self.file(fh)?.file.metadata())?))
    }
    fn fset_times(&mut self, fh: FileHandle, atim: SetTime, mtim: SetTime) -> Result<(), Errno> {
        io(self.file(fh)?.file.set_times(times(atim, mtim)))
    }
    fn close(&mut self, fh: FileHandle) -> Result<(), Errno> {
        self.files.remove(&fh.0).map(drop).ok_or(Errno::Badf)
    }
}

impl HostFs {
    /// The host root directory.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }
}
