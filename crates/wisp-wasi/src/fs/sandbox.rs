//! [`Sandbox`]: the one [`Filesystem`] implementation. It resolves every
//! guest path with [`path::resolve`](super::path::resolve), applies the
//! preview1 rules for the kind of the target (the errno Linux / wasmtime
//! give), and only then calls a [`Backend`] primitive with a checked path.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::path::{Resolved, check_dir, resolve};
use super::{
    Backend, Dir, Dirent, FileHandle, FileOpen, FileType, Filestat, Filesystem, OpenOptions,
    Opened, SeekFrom, SetTime,
};
use crate::errno::Errno;

/// A backend behind the path sandbox.
#[derive(Debug)]
pub struct Sandbox<B> {
    backend: B,
    /// The checked path each open file was opened at (for checkpoints).
    paths: BTreeMap<FileHandle, Vec<String>>,
}

impl<B: Backend> Sandbox<B> {
    /// Puts `backend` behind the sandbox; its root is [`Dir::root`].
    pub fn new(backend: B) -> Self {
        Sandbox {
            backend,
            paths: BTreeMap::new(),
        }
    }
    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }
    /// The backend, mutably.
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    fn writable(&self) -> Result<(), Errno> {
        if self.backend.read_only() {
            Err(Errno::Perm)
        } else {
            Ok(())
        }
    }

    fn resolve(&mut self, dir: &Dir, path: &str, follow: bool) -> Result<Resolved, Errno> {
        resolve(&mut self.backend, &dir.path, path, follow)
    }

    /// Resolves a path that must name an existing node.
    fn existing(
        &mut self,
        dir: &Dir,
        path: &str,
        follow: bool,
    ) -> Result<(Vec<String>, Filestat), Errno> {
        let r = self.resolve(dir, path, follow)?;
        match r.stat {
            Some(st) => Ok((r.full(), st)),
            None => Err(Errno::Noent),
        }
    }

    /// Opens the file at checked `path` and remembers where it was.
    fn open_file_at(&mut self, path: Vec<String>, how: FileOpen) -> Result<Opened, Errno> {
        let fh = self.backend.open_file(&path, how)?;
        self.paths.insert(fh, path);
        Ok(Opened::File(fh))
    }

    /// `to` is `from` or lies beneath it.
    fn is_within(from: &[String], to: &[String]) -> bool {
        to.len() >= from.len() && to[..from.len()] == *from
    }
}

impl<B: Backend> Filesystem for Sandbox<B> {
    fn read_only(&self) -> bool {
        self.backend.read_only()
    }

    fn open(&mut self, dir: &Dir, path: &str, how: OpenOptions) -> Result<Opened, Errno> {
        if how.write || how.create || how.trunc || how.append {
            self.writable()?;
        }
        let r = self.resolve(dir, path, how.follow)?;
        let file = FileOpen {
            create: how.create,
            excl: how.excl,
            trunc: how.trunc,
            read: how.read,
            write: how.write,
            append: how.append,
        };
        match (r.name.is_some(), r.stat) {
            (_, Some(st)) => {
                if how.create && how.excl {
                    return Err(Errno::Exist);
                }
                match st.filetype {
                    FileType::Directory => {
                        if how.write || how.trunc || how.append || how.create {
                            return Err(Errno::Isdir);
                        }
                        Ok(Opened::Dir(Dir { path: r.full() }))
                    }
                    // Only reached when not following: O_NOFOLLOW's ELOOP.
                    FileType::SymbolicLink => Err(Errno::Loop),
                    _ if how.directory => Err(Errno::Notdir),
                    _ => {
                        let file = FileOpen {
                            create: false,
                            excl: false,
                            ..file
                        };
                        self.open_file_at(r.full(), file)
                    }
                }
            }
            (true, None) => {
                if !how.create {
                    return Err(Errno::Noent);
                }
                if how.directory {
                    return Err(Errno::Inval);
                }
                if r.trailing_slash {
                    return Err(Errno::Isdir);
                }
                self.open_file_at(r.full(), file)
            }
            (false, None) => Err(Errno::Noent),
        }
    }

    fn read(&mut self, fh: FileHandle, buf: &mut [u8]) -> Result<usize, Errno> {
        self.backend.read(fh, buf)
    }
    // No `writable()` check for writes through a handle: a read-only mount
    // never opens a handle for writing, so the handle's own `BADF` is the
    // answer (as wasmtime, which checks the descriptor's mode).
    fn write(&mut self, fh: FileHandle, buf: &[u8]) -> Result<usize, Errno> {
        self.backend.write(fh, buf)
    }
    fn pread(&mut self, fh: FileHandle, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.backend.pread(fh, buf, offset)
    }
    fn pwrite(&mut self, fh: FileHandle, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.backend.pwrite(fh, buf, offset)
    }
    fn seek(&mut self, fh: FileHandle, to: SeekFrom) -> Result<u64, Errno> {
        self.backend.seek(fh, to)
    }
    fn tell(&mut self, fh: FileHandle) -> Result<u64, Errno> {
        self.backend.seek(fh, SeekFrom::Current(0))
    }
    fn sync(&mut self, fh: FileHandle) -> Result<(), Errno> {
        self.backend.sync(fh)
    }
    fn set_size(&mut self, fh: FileHandle, size: u64) -> Result<(), Errno> {
        self.writable()?;
        self.backend.set_size(fh, size)
    }
    fn file_stat(&mut self, fh: FileHandle) -> Result<Filestat, Errno> {
        self.backend.fstat(fh)
    }
    fn file_set_times(
        &mut self,
        fh: FileHandle,
        atim: SetTime,
        mtim: SetTime,
    ) -> Result<(), Errno> {
        self.writable()?;
        self.backend.fset_times(fh, atim, mtim)
    }
    fn close(&mut self, fh: FileHandle) -> Result<(), Errno> {
        self.paths.remove(&fh);
        self.backend.close(fh)
    }

    fn file_path(&self, fh: FileHandle) -> Option<&[String]> {
        self.paths.get(&fh).map(Vec::as_slice)
    }

    fn dir_stat(&mut self, dir: &Dir) -> Result<Filestat, Errno> {
        check_dir(&mut self.backend, &dir.path)
    }

    fn readdir(&mut self, dir: &Dir, cookie: u64, max: usize) -> Result<Vec<Dirent>, Errno> {
        let me = check_dir(&mut self.backend, &dir.path)?;
        // `..` of the preopen root is reported as the root itself: the
        // guest learns nothing about what lies outside.
        let parent_ino = match dir.path.split_last() {
            Some((_, up)) => self.backend.lstat(up)?.ino,
            None => me.ino,
        };
        let entries = self.backend.readdir(&dir.path)?;
        let total = entries.len() as u64 + 2;
        let mut out = Vec::new();
        let mut pos = cookie;
        while pos < total && out.len() < max {
            let (name, ino, filetype) = match pos {
                0 => (String::from("."), me.ino, FileType::Directory),
                1 => (String::from(".."), parent_ino, FileType::Directory),
                n => {
                    let i = usize::try_from(n - 2).map_err(|_| Errno::Inval)?;
                    match entries.get(i) {
                        Some(e) => e.clone(),
                        None => break,
                    }
                }
            };
            pos += 1;
            out.push(Dirent {
                next: pos,
                ino,
                name,
                filetype,
            });
        }
        Ok(out)
    }

    fn create_directory(&mut self, dir: &Dir, path: &str) -> Result<(), Errno> {
        self.writable()?;
        let r = self.resolve(dir, path, false)?;
        if r.stat.is_some() {
            return Err(Errno::Exist);
        }
        self.backend.mkdir(&r.full())
    }

    fn remove_directory(&mut self, dir: &Dir, path: &str) -> Result<(), Errno> {
        self.writable()?;
        let r = self.resolve(dir, path, false)?;
        if r.name.is_none() || r.trailing_slash {
            // `rmdir(".")` is EINVAL on Linux; wasmtime (cap-std) also
            // refuses a trailing `/` with EINVAL.
            return Err(Errno::Inval);
        }
        match r.stat {
            None => Err(Errno::Noent),
            Some(st) if st.filetype != FileType::Directory => Err(Errno::Notdir),
            Some(_) => self.backend.rmdir(&r.full()),
        }
    }

    fn unlink_file(&mut self, dir: &Dir, path: &str) -> Result<(), Errno> {
        self.writable()?;
        let r = self.resolve(dir, path, false)?;
        match r.stat {
            None => Err(Errno::Noent),
            Some(st) if st.filetype == FileType::Directory => Err(Errno::Isdir),
            Some(_) if r.trailing_slash => Err(Errno::Notdir),
            Some(_) => self.backend.unlink(&r.full()),
        }
    }

    fn rename(&mut self, from_dir: &Dir, from: &str, to_dir: &Dir, to: &str) -> Result<(), Errno> {
        self.writable()?;
        let src = self.resolve(from_dir, from, false)?;
        let dst = self.resolve(to_dir, to, false)?;
        if src.name.is_none() || dst.name.is_none() {
            return Err(Errno::Busy);
        }
        let Some(sst) = src.stat else {
            return Err(Errno::Noent);
        };
        let (sp, dp) = (src.full(), dst.full());
        if sp == dp {
            return Ok(());
        }
        let src_dir = sst.filetype == FileType::Directory;
        if !src_dir && (src.trailing_slash || dst.trailing_slash) {
            return Err(Errno::Notdir);
        }
        if src_dir && Self::is_within(&sp, &dp) {
            return Err(Errno::Inval);
        }
        if let Some(dst_st) = dst.stat {
            let dst_dir = dst_st.filetype == FileType::Directory;
            if src_dir && !dst_dir {
                return Err(Errno::Notdir);
            }
            if !src_dir && dst_dir {
                return Err(Errno::Isdir);
            }
            if src_dir && !self.backend.readdir(&dp)?.is_empty() {
                return Err(Errno::Notempty);
            }
        }
        self.backend.rename(&sp, &dp)
    }

    fn symlink(&mut self, target: &str, dir: &Dir, path: &str) -> Result<(), Errno> {
        self.writable()?;
        if target.is_empty() {
            return Err(Errno::Noent);
        }
        if target.contains('\0') {
            return Err(Errno::Inval);
        }
        // An absolute target could never be followed inside the sandbox, and
        // on a host backend it would plant an escape for other programs.
        if target.starts_with('/') {
            return Err(Errno::Perm);
        }
        let r = self.resolve(dir, path, false)?;
        if r.stat.is_some() {
            return Err(Errno::Exist);
        }
        if r.trailing_slash {
            return Err(Errno::Noent);
        }
        self.backend.symlink(target, &r.full())
    }

    fn readlink(&mut self, dir: &Dir, path: &str) -> Result<String, Errno> {
        let (p, st) = self.existing(dir, path, false)?;
        if st.filetype != FileType::SymbolicLink {
            return Err(Errno::Inval);
        }
        self.backend.readlink(&p)
    }

    fn link(
        &mut self,
        from_dir: &Dir,
        follow: bool,
        from: &str,
        to_dir: &Dir,
        to: &str,
    ) -> Result<(), Errno> {
        self.writable()?;
        let (sp, sst) = self.existing(from_dir, from, follow)?;
        if sst.filetype == FileType::Directory {
            return Err(Errno::Perm);
        }
        let dst = self.resolve(to_dir, to, false)?;
        if dst.stat.is_some() {
            return Err(Errno::Exist);
        }
        if dst.trailing_slash {
            return Err(Errno::Noent);
        }
        self.backend.link(&sp, &dst.full())
    }

    fn path_stat(&mut self, dir: &Dir, follow: bool, path: &str) -> Result<Filestat, Errno> {
        Ok(self.existing(dir, path, follow)?.1)
    }

    fn path_set_times(
        &mut self,
        dir: &Dir,
        follow: bool,
        path: &str,
        atim: SetTime,
        mtim: SetTime,
    ) -> Result<(), Errno> {
        self.writable()?;
        let (p, _) = self.existing(dir, path, follow)?;
        self.backend.set_times(&p, atim, mtim)
    }
}
