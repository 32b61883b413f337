//! The filesystem layer under the WASI `path_*` / `fd_*` functions.
//!
//! Two traits, so the capability sandbox is written (and proven) once:
//!
//! - [`Backend`]: the primitives of one storage (in-memory [`mem::MemFs`],
//!   host directory `host::HostFs`, or a [`readonly::ReadOnly`] view of
//!   either). A backend only ever sees *checked* paths: a list of normal
//!   components beneath its root, every directory of which the resolver has
//!   looked at with [`Backend::lstat`] and found to be a real directory (not
//!   a symlink). A backend never sees `..`, `.`, `/` or an absolute path.
//! - [`Filesystem`]: what the WASI functions call — preview1 semantics over
//!   directory handles ([`Dir`]) and file handles ([`FileHandle`]). It is
//!   implemented once, by [`Sandbox`], which resolves every guest path with
//!   [`path::resolve`] and then calls the backend.
//!
//! # Errno choices
//! Escapes (absolute path, `..` above the directory handle, a symlink whose
//! target is absolute or climbs out) are `PERM`, as wasmtime reports cap-std's
//! "a path led outside of the filesystem" (`ErrorCode::NotPermitted`). A
//! read-only mount refuses mutation with `PERM`, as wasmtime does for a
//! preopen without `DirPerms::MUTATE`. Symlink loops and more than
//! [`path::MAX_SYMLINK_EXPANSIONS`] expansions are `LOOP`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::errno::Errno;

#[cfg(feature = "std")]
pub mod host;
pub mod mem;
pub mod path;
pub mod readonly;
mod sandbox;

pub use sandbox::Sandbox;

/// preview1 `filetype` (the numbers are the witx values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FileType {
    /// witx `unknown`.
    Unknown = 0,
    /// witx `block_device`.
    BlockDevice = 1,
    /// witx `character_device`.
    CharacterDevice = 2,
    /// witx `directory`.
    Directory = 3,
    /// witx `regular_file`.
    RegularFile = 4,
    /// witx `socket_dgram`.
    SocketDgram = 5,
    /// witx `socket_stream`.
    SocketStream = 6,
    /// witx `symbolic_link`.
    SymbolicLink = 7,
}

/// preview1 `filestat`. Times are nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filestat {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Kind of node.
    pub filetype: FileType,
    /// Number of hard links.
    pub nlink: u64,
    /// Size in bytes (symlinks: length of the target).
    pub size: u64,
    /// Last access.
    pub atim: u64,
    /// Last data modification.
    pub mtim: u64,
    /// Last status change.
    pub ctim: u64,
}

/// One `fd_readdir` entry. `next` is the cookie that resumes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirent {
    /// Cookie of the following entry.
    pub next: u64,
    /// Inode number.
    pub ino: u64,
    /// Entry name.
    pub name: String,
    /// `d_type`.
    pub filetype: FileType,
}

/// How to set one timestamp (`fstflags`: `*_NOW`, explicit, or omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetTime {
    /// Leave unchanged.
    Omit,
    /// The backend's current time.
    Now,
    /// This time, in nanoseconds since the epoch.
    At(u64),
}

/// `fd_seek` whence with its offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekFrom {
    /// From the start.
    Start(u64),
    /// From the current position.
    Current(i64),
    /// From the end.
    End(i64),
}

/// preview1 `oflags` bits.
pub mod oflags {
    /// Create if missing.
    pub const CREAT: u16 = 1;
    /// Fail unless a directory.
    pub const DIRECTORY: u16 = 2;
    /// With `CREAT`: fail if it exists.
    pub const EXCL: u16 = 4;
    /// Truncate to size 0.
    pub const TRUNC: u16 = 8;
}

/// preview1 `fdflags` bits (only `APPEND` changes what a backend does).
pub mod fdflags {
    /// Writes go to the end.
    pub const APPEND: u16 = 1;
    /// Synchronised data writes (accepted, no effect).
    pub const DSYNC: u16 = 2;
    /// Non-blocking (accepted, no effect).
    pub const NONBLOCK: u16 = 4;
    /// Synchronised reads (accepted, no effect).
    pub const RSYNC: u16 = 8;
    /// Synchronised writes (accepted, no effect).
    pub const SYNC: u16 = 16;
}

/// preview1 `lookupflags`: follow a symlink in the last component.
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// Everything `path_open` decides, decoded from its flag words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenOptions {
    /// Follow a symlink in the last component (`lookupflags`).
    pub follow: bool,
    /// `oflags::CREAT`.
    pub create: bool,
    /// `oflags::DIRECTORY`.
    pub directory: bool,
    /// `oflags::EXCL`.
    pub excl: bool,
    /// `oflags::TRUNC`.
    pub trunc: bool,
    /// Read access (from the rights).
    pub read: bool,
    /// Write access (from the rights).
    pub write: bool,
    /// `fdflags::APPEND`.
    pub append: bool,
}

impl OpenOptions {
    /// Decodes the preview1 words. `read`/`write` come from the rights the
    /// caller derived (`fd_read` / `fd_write` in `fs_rights_base`).
    pub fn from_wasi(lookup: u32, oflags: u16, fdflags: u16, read: bool, write: bool) -> Self {
        OpenOptions {
            follow: lookup & LOOKUP_SYMLINK_FOLLOW != 0,
            create: oflags & oflags::CREAT != 0,
            directory: oflags & oflags::DIRECTORY != 0,
            excl: oflags & oflags::EXCL != 0,
            trunc: oflags & oflags::TRUNC != 0,
            read,
            write,
            append: fdflags & fdflags::APPEND != 0,
        }
    }
}

/// What a backend is asked to do when opening a regular file (already
/// resolved; the last component is known not to be a symlink or directory,
/// or to be missing when `create`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileOpen {
    /// Create when missing.
    pub create: bool,
    /// Fail with `EXIST` when present.
    pub excl: bool,
    /// Truncate.
    pub trunc: bool,
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Append mode.
    pub append: bool,
}

/// A directory handle: the checked component path beneath the backend root.
/// It names a location, so a directory renamed while open is not followed
/// (see `docs/wasi.md`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dir {
    path: Vec<String>,
}

impl Dir {
    /// The backend root (the preopen).
    pub fn root() -> Self {
        Dir { path: Vec::new() }
    }
    /// The checked components beneath the root.
    pub fn components(&self) -> &[String] {
        &self.path
    }
    /// A directory handle for `components`, if each one is a normal name
    /// (not empty, `.` or `..`, without `/` or NUL). The caller still has
    /// to check that the path names a directory ([`Filesystem::dir_stat`]
    /// does: every component is looked at and must be a real directory).
    pub fn from_components(components: Vec<String>) -> Option<Self> {
        components
            .iter()
            .all(|c| is_normal_name(c))
            .then_some(Dir { path: components })
    }
}

/// A path component a backend may see: not empty, `.` or `..`, and
/// without `/` or NUL.
pub fn is_normal_name(c: &str) -> bool {
    !c.is_empty() && c != "." && c != ".." && !c.contains(['/', '\0'])
}

/// An open regular file of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileHandle(pub u64);

/// What `path_open` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A directory.
    Dir(Dir),
    /// A regular file.
    File(FileHandle),
}

/// The storage primitives. Every `path` is a checked component list beneath
/// the root (see the module docs); an empty list is the root itself. No
/// primitive follows a symlink in the last component.
pub trait Backend: Send {
    /// A read-only backend: the sandbox refuses every mutation with `PERM`
    /// before looking at the path (as wasmtime checks `DirPerms` first).
    fn read_only(&self) -> bool {
        false
    }
    /// Status of the node at `path`, not following a final symlink.
    fn lstat(&mut self, path: &[String]) -> Result<Filestat, Errno>;
    /// Target of the symlink at `path` (`INVAL` if not a symlink).
    fn readlink(&mut self, path: &[String]) -> Result<String, Errno>;
    /// Entries of the directory at `path`, without `.`/`..`, sorted by name.
    fn readdir(&mut self, path: &[String]) -> Result<Vec<(String, u64, FileType)>, Errno>;
    /// Opens (or creates) the regular file at `path`.
    fn open_file(&mut self, path: &[String], how: FileOpen) -> Result<FileHandle, Errno>;
    /// Creates a directory (`EXIST` if present).
    fn mkdir(&mut self, path: &[String]) -> Result<(), Errno>;
    /// Removes an empty directory.
    fn rmdir(&mut self, path: &[String]) -> Result<(), Errno>;
    /// Removes a non-directory.
    fn unlink(&mut self, path: &[String]) -> Result<(), Errno>;
    /// Renames; the sandbox has checked the kind rules.
    fn rename(&mut self, from: &[String], to: &[String]) -> Result<(), Errno>;
    /// Creates a symlink at `path` holding `target` (checked relative).
    fn symlink(&mut self, target: &str, path: &[String]) -> Result<(), Errno>;
    /// Creates a hard link `to` for the non-directory at `from`.
    fn link(&mut self, from: &[String], to: &[String]) -> Result<(), Errno>;
    /// Sets the times of the node at `path` (not following a final symlink).
    fn set_times(&mut self, path: &[String], atim: SetTime, mtim: SetTime) -> Result<(), Errno>;
    /// Reads at the file position, advancing it.
    fn read(&mut self, fh: FileHandle, buf: &mut [u8]) -> Result<usize, Errno>;
    /// Writes at the position (or the end in append mode), advancing it.
    fn write(&mut self, fh: FileHandle, buf: &[u8]) -> Result<usize, Errno>;
    /// Reads at `offset`; the position is unchanged.
    fn pread(&mut self, fh: FileHandle, buf: &mut [u8], offset: u64) -> Result<usize, Errno>;
    /// Writes at `offset`; the position is unchanged.
    fn pwrite(&mut self, fh: FileHandle, buf: &[u8], offset: u64) -> Result<usize, Errno>;
    /// Moves the position; returns the new one.
    fn seek(&mut self, fh: FileHandle, to: SeekFrom) -> Result<u64, Errno>;
    /// Flushes to stable storage.
    fn sync(&mut self, fh: FileHandle) -> Result<(), Errno>;
    /// Truncates or extends.
    fn set_size(&mut self, fh: FileHandle, size: u64) -> Result<(), Errno>;
    /// Status of an open file.
    fn fstat(&mut self, fh: FileHandle) -> Result<Filestat, Errno>;
    /// Sets the times of an open file.
    fn fset_times(&mut self, fh: FileHandle, atim: SetTime, mtim: SetTime) -> Result<(), Errno>;
    /// Closes the handle (`BADF` if unknown).
    fn close(&mut self, fh: FileHandle) -> Result<(), Errno>;
}

/// The filesystem the WASI functions call: preview1 semantics, every path
/// resolved beneath the given directory handle. Object safe.
pub trait Filesystem: Send {
    /// Every mutation is refused with `PERM` (a read-only mount).
    fn read_only(&self) -> bool {
        false
    }
    /// `path_open`.
    fn open(&mut self, dir: &Dir, path: &str, how: OpenOptions) -> Result<Opened, Errno>;
    /// `fd_read` on a file.
    fn read(&mut self, fh: FileHandle, buf: &mut [u8]) -> Result<usize, Errno>;
    /// `fd_write` on a file.
    fn write(&mut self, fh: FileHandle, buf: &[u8]) -> Result<usize, Errno>;
    /// `fd_pread`.
    fn pread(&mut self, fh: FileHandle, buf: &mut [u8], offset: u64) -> Result<usize, Errno>;
    /// `fd_pwrite`.
    fn pwrite(&mut self, fh: FileHandle, buf: &[u8], offset: u64) -> Result<usize, Errno>;
    /// `fd_seek`.
    fn seek(&mut self, fh: FileHandle, to: SeekFrom) -> Result<u64, Errno>;
    /// `fd_tell`.
    fn tell(&mut self, fh: FileHandle) -> Result<u64, Errno>;
    /// `fd_sync` / `fd_datasync`.
    fn sync(&mut self, fh: FileHandle) -> Result<(), Errno>;
    /// `fd_filestat_set_size`.
    fn set_size(&mut self, fh: FileHandle, size: u64) -> Result<(), Errno>;
    /// `fd_filestat_get` on a file.
    fn file_stat(&mut self, fh: FileHandle) -> Result<Filestat, Errno>;
    /// `fd_filestat_set_times` on a file.
    fn file_set_times(&mut self, fh: FileHandle, atim: SetTime, mtim: SetTime)
    -> Result<(), Errno>;
    /// `fd_close` on a file.
    fn close(&mut self, fh: FileHandle) -> Result<(), Errno>;
    /// The checked path `fh` was opened at (a file renamed since keeps its
    /// old path here; a checkpoint then cannot reopen it).
    fn file_path(&self, fh: FileHandle) -> Option<&[String]>;
    /// `fd_filestat_get` on a directory.
    fn dir_stat(&mut self, dir: &Dir) -> Result<Filestat, Errno>;
    /// `fd_readdir`: at most `max` entries from `cookie` on, `.` and `..`
    /// first. Cookies are positions in the sorted listing.
    fn readdir(&mut self, dir: &Dir, cookie: u64, max: usize) -> Result<Vec<Dirent>, Errno>;
    /// `path_create_directory`.
    fn create_directory(&mut self, dir: &Dir, path: &str) -> Result<(), Errno>;
    /// `path_remove_directory`.
    fn remove_directory(&mut self, dir: &Dir, path: &str) -> Result<(), Errno>;
    /// `path_unlink_file`.
    fn unlink_file(&mut self, dir: &Dir, path: &str) -> Result<(), Errno>;
    /// `path_rename`.
    fn rename(&mut self, from_dir: &Dir, from: &str, to_dir: &Dir, to: &str) -> Result<(), Errno>;
    /// `path_symlink`: `target` is stored, it must be relative.
    fn symlink(&mut self, target: &str, dir: &Dir, path: &str) -> Result<(), Errno>;
    /// `path_readlink`.
    fn readlink(&mut self, dir: &Dir, path: &str) -> Result<String, Errno>;
    /// `path_link`.
    fn link(
        &mut self,
        from_dir: &Dir,
        follow: bool,
        from: &str,
        to_dir: &Dir,
        to: &str,
    ) -> Result<(), Errno>;
    /// `path_filestat_get`.
    fn path_stat(&mut self, dir: &Dir, follow: bool, path: &str) -> Result<Filestat, Errno>;
    /// `path_filestat_set_times`.
    fn path_set_times(
        &mut self,
        dir: &Dir,
        follow: bool,
        path: &str,
        atim: SetTime,
        mtim: SetTime,
    ) -> Result<(), Errno>;
}
