//! [`ReadOnly`]: a read-only view of any [`Backend`]. Every mutating
//! primitive, and opening a file for writing, creating or truncating, fails
//! with `PERM` before the inner backend is touched — wasmtime's answer
//! (`ErrorCode::NotPermitted`) for a preopen without `DirPerms::MUTATE`.
//! Writing through a handle is `BADF` instead: such a handle was opened
//! read-only, and wasmtime answers from the handle's mode.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Backend, FileHandle, FileOpen, FileType, Filestat, SeekFrom, SetTime};
use crate::errno::Errno;

/// The errno of every refused mutation.
pub const READ_ONLY: Errno = Errno::Perm;

/// A read-only view of `B`.
#[derive(Debug)]
pub struct ReadOnly<B> {
    inner: B,
}

impl<B: Backend> ReadOnly<B> {
    /// Wraps `inner`.
    pub fn new(inner: B) -> Self {
        ReadOnly { inner }
    }
    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }
}

impl<B: Backend> Backend for ReadOnly<B> {
    fn read_only(&self) -> bool {
        true
    }
    fn lstat(&mut self, path: &[String]) -> Result<Filestat, Errno> {
        self.inner.lstat(path)
    }
    fn readlink(&mut self, path: &[String]) -> Result<String, Errno> {
        self.inner.readlink(path)
    }
    fn readdir(&mut self, path: &[String]) -> Result<Vec<(String, u64, FileType)>, Errno> {
        self.inner.readdir(path)
    }
    fn open_file(&mut self, path: &[String], how: FileOpen) -> Result<FileHandle, Errno> {
        if how.write || how.create || how.trunc || how.append {
            return Err(READ_ONLY);
        }
        self.inner.open_file(path, how)
    }
    fn mkdir(&mut self, _: &[String]) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn rmdir(&mut self, _: &[String]) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn unlink(&mut self, _: &[String]) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn rename(&mut self, _: &[String], _: &[String]) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn symlink(&mut self, _: &str, _: &[String]) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn link(&mut self, _: &[String], _: &[String]) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn set_times(&mut self, _: &[String], _: SetTime, _: SetTime) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn read(&mut self, fh: FileHandle, buf: &mut [u8]) -> Result<usize, Errno> {
        self.inner.read(fh, buf)
    }
    /// A handle of a read-only mount is never writable: `BADF`, as for any
    /// handle opened without write access.
    fn write(&mut self, _: FileHandle, _: &[u8]) -> Result<usize, Errno> {
        Err(Errno::Badf)
    }
    fn pread(&mut self, fh: FileHandle, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.inner.pread(fh, buf, offset)
    }
    fn pwrite(&mut self, _: FileHandle, _: &[u8], _: u64) -> Result<usize, Errno> {
        Err(Errno::Badf)
    }
    fn seek(&mut self, fh: FileHandle, to: SeekFrom) -> Result<u64, Errno> {
        self.inner.seek(fh, to)
    }
    fn sync(&mut self, fh: FileHandle) -> Result<(), Errno> {
        self.inner.sync(fh)
    }
    fn set_size(&mut self, _: FileHandle, _: u64) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn fstat(&mut self, fh: FileHandle) -> Result<Filestat, Errno> {
        self.inner.fstat(fh)
    }
    fn fset_times(&mut self, _: FileHandle, _: SetTime, _: SetTime) -> Result<(), Errno> {
        Err(READ_ONLY)
    }
    fn close(&mut self, fh: FileHandle) -> Result<(), Errno> {
        self.inner.close(fh)
    }
}
