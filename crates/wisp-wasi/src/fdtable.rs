//! The descriptor table for fds 3 and up: preopened directories, and the
//! files and directories `path_open` opened beneath them. Fds 0–2 stay in
//! [`crate::ctx`] (stdio).
//!
//! Every preopen owns one [`Filesystem`] (a *mount*); the entries opened
//! through it name the mount by index, so all of them share it without
//! locking. Preopens get fds 3, 4, … in the order they were added; a new
//! entry takes the highest freed fd, else the next never used (wasmtime's
//! order). The table holds at most [`MAX_FDS`]
//! entries, so a guest cannot make it grow without bound (`NFILE`).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::errno::Errno;
use crate::fs::{Dir, FileHandle, Filesystem};

/// The most fds (3 and up) open at once.
pub const MAX_FDS: usize = 4096;

/// witx `rights` bits.
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;

    /// Every right a regular file can use.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
    /// Every right a directory can use.
    pub const DIR: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;
}

/// What an fd refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir(Dir),
    File(FileHandle),
}

/// One open fd (3 and up).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Index of the mount (the preopen's [`Filesystem`]).
    pub(crate) mount: usize,
    pub(crate) kind: Kind,
    /// The guest path, for preopens only.
    pub(crate) preopen: Option<String>,
    pub(crate) base: u64,
    pub(crate) inheriting: u64,
    pub(crate) fdflags: u16,
}

impl Entry {
    /// `NOTCAPABLE` unless every bit of `needed` is in the base rights.
    pub(crate) fn require(&self, needed: u64) -> Result<(), Errno> {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }
}

/// A preopen as given to the builder.
pub(crate) struct Preopen {
    pub(crate) guest_path: String,
    pub(crate) fs: Box<dyn Filesystem>,
}

impl core::fmt::Debug for Preopen {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Preopen")
            .field("guest_path", &self.guest_path)
            .finish_non_exhaustive()
    }
}

/// Fds 3 and up.
#[derive(Default)]
pub(crate) struct FdTable {
    mounts: Vec<Box<dyn Filesystem>>,
    /// The guest path each mount was preopened at.
    mount_paths: Vec<String>,
    /// `entries[i]` is fd `i + 3`.
    entries: Vec<Option<Entry>>,
    /// Fds (3 and up, preopens included) open at once at most, below
    /// [`MAX_FDS`] (`None`: [`MAX_FDS`]); past it `path_open` is `MFILE`.
    limit: Option<usize>,
}

impl core::fmt::Debug for FdTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FdTable")
            .field("mounts", &self.mounts.len())
            .field("entries", &self.entries)
            .finish()
    }
}

/// The first fd the table hands out.
pub(crate) const FIRST_FD: u32 = 3;

impl FdTable {
    /// A table with `preopens` at fds 3, 4, …
    pub(crate) fn new(preopens: Vec<Preopen>) -> Self {
        let mut t = FdTable::default();
        for (mount, p) in preopens.into_iter().enumerate() {
            t.mounts.push(p.fs);
            t.mount_paths.push(p.guest_path.clone());
            t.entries.push(Some(Entry {
                mount,
                kind: Kind::Dir(Dir::root()),
                preopen: Some(p.guest_path),
                base: rights::DIR,
                inheriting: rights::DIR | rights::FILE,
                fdflags: 0,
            }));
        }
        t
    }

    fn slot(fd: u32) -> Option<usize> {
        fd.checked_sub(FIRST_FD).map(|i| i as usize)
    }

    /// The entry of `fd` (`BADF` if not open).
    pub(crate) fn get(&self, fd: u32) -> Result<&Entry, Errno> {
        Self::slot(fd)
            .and_then(|i| self.entries.get(i))
            .and_then(Option::as_ref)
            .ok_or(Errno::Badf)
    }

    /// The entry of `fd` and its filesystem.
    pub(crate) fn get_fs(&mut self, fd: u32) -> Result<(Entry, &mut dyn Filesystem), Errno> {
        let e = self.get(fd)?.clone();
        let fs = self.mounts.get_mut(e.mount).ok_or(Errno::Badf)?;
        Ok((e, fs.as_mut()))
    }

    /// The filesystem of mount `mount`.
    pub(crate) fn mount(&mut self, mount: usize) -> Result<&mut dyn Filesystem, Errno> {
        Ok(self.mounts.get_mut(mount).ok_or(Errno::Badf)?.as_mut())
    }

    /// Sets the open-files limit (see [`FdTable`]'s `limit`).
    pub(crate) fn set_limit(&mut self, limit: Option<usize>) {
        self.limit = limit;
    }

    /// The guest path of each mount, in mount order.
    pub(crate) fn mount_paths(&self) -> &[String] {
        &self.mount_paths
    }

    /// Every open fd (3 and up) with its entry, in fd order.
    pub(crate) fn open_fds(&self) -> impl Iterator<Item = (u32, &Entry)> {
        (FIRST_FD..)
            .zip(&self.entries)
            .filter_map(|(fd, e)| Some((fd, e.as_ref()?)))
    }

    /// Closes every fd, keeping the mounts (before a restore puts the
    /// checkpointed fds back with [`FdTable::put`]).
    pub(crate) fn close_all(&mut self) {
        let fds: Vec<u32> = self.open_fds().map(|(fd, _)| fd).collect();
        for fd in fds {
            // A backend close error leaves nothing to undo.
            let _ = self.close(fd);
        }
        self.entries.clear();
    }

    /// Puts `entry` at exactly `fd` (`BADF` if it is taken or not a table
    /// fd, `NFILE` past the table's bound).
    pub(crate) fn put(&mut self, fd: u32, entry: Entry) -> Result<(), Errno> {
        let i = Self::slot(fd).ok_or(Errno::Badf)?;
        if i >= MAX_FDS {
            return Err(Errno::Nfile);
        }
        while self.entries.len() <= i {
            self.entries.push(None);
        }
        if self.entries[i].is_some() {
            return Err(Errno::Badf);
        }
        self.entries[i] = Some(entry);
        Ok(())
    }

    /// Replaces the fdflags of `fd` (`BADF` if not open).
    pub(crate) fn set_fdflags(&mut self, fd: u32, flags: u16) -> Result<(), Errno> {
        let e = Self::slot(fd)
            .and_then(|i| self.entries.get_mut(i))
            .and_then(Option::as_mut)
            .ok_or(Errno::Badf)?;
        e.fdflags = flags;
        Ok(())
    }

    /// Puts `entry` at the highest freed fd, or else one above every fd
    /// handed out so far (`NFILE` when full) — wasmtime's order, so that a
    /// program sees the same fd numbers as there.
    pub(crate) fn insert(&mut self, entry: Entry) -> Result<u32, Errno> {
        if let Some(limit) = self.limit
            && self.entries.iter().flatten().count() >= limit
        {
            return Err(Errno::Mfile);
        }
        let i = match self.entries.iter().rposition(Option::is_none) {
            Some(i) => i,
            None if self.entries.len() < MAX_FDS => {
                self.entries.push(None);
                self.entries.len() - 1
            }
            None => return Err(Errno::Nfile),
        };
        self.entries[i] = Some(entry);
        u32::try_from(i)
            .ok()
            .and_then(|i| i.checked_add(FIRST_FD))
            .ok_or(Errno::Nfile)
    }

    /// Removes `fd` from the table, returning its entry (`BADF` if not open).
    pub(crate) fn remove(&mut self, fd: u32) -> Result<Entry, Errno> {
        let e = Self::slot(fd)
            .and_then(|i| self.entries.get_mut(i))
            .and_then(Option::take)
            .ok_or(Errno::Badf)?;
        // Freed slots stay (even at the end): `insert` reuses the highest.
        Ok(e)
    }

    /// Closes `fd`: closes the backend file (directories need nothing).
    pub(crate) fn close(&mut self, fd: u32) -> Result<(), Errno> {
        let e = self.remove(fd)?;
        if let Kind::File(fh) = e.kind {
            self.mount(e.mount)?.close(fh)?;
        }
        Ok(())
    }

    /// `fd_renumber(from, to)`: closes `to`, moves `from` there.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from == to {
            return Ok(());
        }
        self.close(to)?;
        let e = self.remove(from)?;
        let i = Self::slot(to).ok_or(Errno::Badf)?;
        while self.entries.len() <= i {
            self.entries.push(None);
        }
        self.entries[i] = Some(e);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u64) -> Entry {
        Entry {
            mount: 0,
            kind: Kind::File(FileHandle(n)),
            preopen: None,
            base: rights::FILE,
            inheriting: 0,
            fdflags: 0,
        }
    }

    #[test]
    fn highest_freed_fd_first_and_bound() {
        let mut t = FdTable::default();
        assert_eq!(t.insert(entry(0)), Ok(3));
        assert_eq!(t.insert(entry(1)), Ok(4));
        assert_eq!(t.insert(entry(2)), Ok(5));
        assert_eq!(t.remove(4).map(|e| e.kind), Ok(Kind::File(FileHandle(1))));
        assert_eq!(t.remove(4).map(|e| e.kind), Err(Errno::Badf));
        assert_eq!(t.remove(5).map(|e| e.mount), Ok(0));
        // Freed 4 and 5: the highest comes back first, then 4, then new 6.
        assert_eq!(t.insert(entry(3)), Ok(5));
        assert_eq!(t.insert(entry(3)), Ok(4));
        assert_eq!(t.insert(entry(3)), Ok(6));
        assert_eq!(t.get(2).map(|e| e.mount), Err(Errno::Badf));
        assert_eq!(t.get(u32::MAX).map(|e| e.mount), Err(Errno::Badf));
        for _ in 4..MAX_FDS {
            t.insert(entry(9)).unwrap();
        }
        assert_eq!(t.insert(entry(9)), Err(Errno::Nfile));
        assert_eq!(t.entries.len(), MAX_FDS);
    }

    #[test]
    fn rights_are_checked() {
        let e = entry(0);
        assert_eq!(e.require(rights::FD_READ | rights::FD_WRITE), Ok(()));
        assert_eq!(e.require(rights::PATH_OPEN), Err(Errno::Notcapable));
    }
}
