//! [`MemFs`]: an in-memory [`Backend`] — directories, regular files,
//! symlinks and hard links in an inode table, times from a caller-supplied
//! clock, and [`MemLimits`] so a guest cannot grow it without bound
//! (`NOSPC`). An unlinked file lives on while a handle to it is open.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Backend, FileHandle, FileOpen, FileType, Filestat, SeekFrom, SetTime};
use crate::errno::Errno;

/// Size limits of a [`MemFs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemLimits {
    /// Total bytes of file contents, symlink targets and entry names.
    pub max_bytes: u64,
    /// Number of inodes (the root included).
    pub max_inodes: u64,
}

impl Default for MemLimits {
    /// 64 MiB and 65 536 inodes.
    fn default() -> Self {
        MemLimits {
            max_bytes: 64 << 20,
            max_inodes: 1 << 16,
        }
    }
}

/// Device id reported for every node.
pub const MEM_DEV: u64 = 1;
const ROOT: u64 = 1;

#[derive(Debug)]
enum Node {
    File(Vec<u8>),
    Dir(BTreeMap<String, u64>),
    Symlink(String),
}

#[derive(Debug)]
struct Inode {
    node: Node,
    nlink: u64,
    atim: u64,
    mtim: u64,
    ctim: u64,
}

#[derive(Debug)]
struct OpenFile {
    ino: u64,
    pos: u64,
    read: bool,
    write: bool,
    append: bool,
}

/// The in-memory backend.
pub struct MemFs {
    inodes: BTreeMap<u64, Inode>,
    next_ino: u64,
    files: BTreeMap<u64, OpenFile>,
    next_fh: u64,
    limits: MemLimits,
    used: u64,
    clock: Box<dyn FnMut() -> u64 + Send>,
}

impl core::fmt::Debug for MemFs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemFs")
            .field("inodes", &self.inodes.len())
            .field("open_files", &self.files.len())
            .field("limits", &self.limits)
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

impl MemFs {
    /// An empty filesystem; `clock` returns nanoseconds since the epoch.
    pub fn new(limits: MemLimits, clock: Box<dyn FnMut() -> u64 + Send>) -> Self {
        let mut fs = MemFs {
            inodes: BTreeMap::new(),
            next_ino: ROOT + 1,
            files: BTreeMap::new(),
            next_fh: 0,
            limits,
            used: 0,
            clock,
        };
        let now = (fs.clock)();
        let root = Inode {
            node: Node::Dir(BTreeMap::new()),
            nlink: 2,
            atim: now,
            mtim: now,
            ctim: now,
        };
        fs.inodes.insert(ROOT, root);
        fs
    }

    /// Bytes charged against [`MemLimits::max_bytes`].
    pub fn used_bytes(&self) -> u64 {
        self.used
    }

    fn charge(&mut self, more: u64) -> Result<(), Errno> {
        let total = self.used.checked_add(more).ok_or(Errno::Nospc)?;
        if total > self.limits.max_bytes {
            return Err(Errno::Nospc);
        }
        self.used = total;
        Ok(())
    }

    fn refund(&mut self, less: u64) {
        self.used = self.used.saturating_sub(less);
    }

    fn inode(&self, ino: u64) -> Result<&Inode, Errno> {
        self.inodes.get(&ino).ok_or(Errno::Noent)
    }

    fn inode_mut(&mut self, ino: u64) -> Result<&mut Inode, Errno> {
        self.inodes.get_mut(&ino).ok_or(Errno::Noent)
    }

    /// Inode at a checked path (symlinks are not followed: the resolver
    /// never hands over a path through one).
    fn walk(&self, path: &[String]) -> Result<u64, Errno> {
        let mut ino = ROOT;
        for c in path {
            match &self.inode(ino)?.node {
                Node::Dir(entries) => ino = *entries.get(c).ok_or(Errno::Noent)?,
                _ => return Err(Errno::Notdir),
            }
        }
        Ok(ino)
    }

    /// Parent directory inode and last name of a non-root path.
    fn parent<'p>(&self, path: &'p [String]) -> Result<(u64, &'p str), Errno> {
        let (name, up) = path.split_last().ok_or(Errno::Busy)?;
        let dir = self.walk(up)?;
        match self.inode(dir)?.node {
            Node::Dir(_) => Ok((dir, name)),
            _ => Err(Errno::Notdir),
        }
    }

    fn entries_mut(&mut self, dir: u64) -> Result<&mut BTreeMap<String, u64>, Errno> {
        match &mut self.inode_mut(dir)?.node {
            Node::Dir(e) => Ok(e),
            _ => Err(Errno::Notdir),
        }
    }

    fn touch_dir(&mut self, dir: u64) {
        let now = (self.clock)();
        if let Some(i) = self.inodes.get_mut(&dir) {
            i.mtim = now;
            i.ctim = now;
        }
    }

    /// Adds a new inode linked as `name` in `dir`, charging the quota.
    fn add(&mut self, dir: u64, name: &str, node: Node) -> Result<u64, Errno> {
        if self.inodes.len() as u64 >= self.limits.max_inodes {
            return Err(Errno::Nospc);
        }
        let cost = name.len() as u64
            + match &node {
                Node::Symlink(t) => t.len() as u64,
                _ => 0,
            };
        if self.entries_mut(dir)?.contains_key(name) {
            return Err(Errno::Exist);
        }
        self.charge(cost)?;
        let now = (self.clock)();
        let nlink = if matches!(node, Node::Dir(_)) { 2 } else { 1 };
        let ino = self.next_ino;
        self.next_ino += 1;
        self.inodes.insert(
            ino,
            Inode {
                node,
                nlink,
                atim: now,
                mtim: now,
                ctim: now,
            },
        );
        self.entries_mut(dir)?.insert(name.to_string(), ino);
        self.touch_dir(dir);
        Ok(ino)
    }

    /// Drops one link of `ino`; frees it when no link and no handle remain.
    fn drop_link(&mut self, ino: u64) {
        let open = self.files.values().any(|f| f.ino == ino);
        let now = (self.clock)();
        let Some(i) = self.inodes.get_mut(&ino) else {
            return;
        };
        i.nlink = i.nlink.saturating_sub(1);
        i.ctim = now;
        let dead = i.nlink == 0 || matches!(i.node, Node::Dir(_));
        if dead && !open {
            self.free(ino);
        }
    }

    fn free(&mut self, ino: u64) {
        if let Some(i) = self.inodes.remove(&ino) {
            let bytes = match i.node {
                Node::File(d) => d.len() as u64,
                Node::Symlink(t) => t.len() as u64,
                Node::Dir(_) => 0,
            };
            self.refund(bytes);
        }
    }

    fn stat_of(&self, ino: u64) -> Result<Filestat, Errno> {
        let i = self.inode(ino)?;
        let (filetype, size) = match &i.node {
            Node::File(d) => (FileType::RegularFile, d.len() as u64),
            Node::Dir(e) => (FileType::Directory, e.len() as u64),
            Node::Symlink(t) => (FileType::SymbolicLink, t.len() as u64),
        };
        Ok(Filestat {
            dev: MEM_DEV,
            ino,
            filetype,
            nlink: i.nlink,
            size,
            atim: i.atim,
            mtim: i.mtim,
            ctim: i.ctim,
        })
    }

    fn open(&self, fh: FileHandle) -> Result<&OpenFile, Errno> {
        self.files.get(&fh.0).ok_or(Errno::Badf)
    }

    fn data(&self, ino: u64) -> Result<&Vec<u8>, Errno> {
        match &self.inode(ino)?.node {
            Node::File(d) => Ok(d),
            _ => Err(Errno::Isdir),
        }
    }

    /// Resizes file `ino` to `size`, charging growth first.
    fn resize(&mut self, ino: u64, size: u64) -> Result<(), Errno> {
        let old = self.data(ino)?.len() as u64;
        let new = usize::try_from(size).map_err(|_| Errno::Fbig)?;
        if size > old {
            self.charge(size - old)?;
        } else {
            self.refund(old - size);
        }
        if let Node::File(d) = &mut self.inode_mut(ino)?.node {
            d.resize(new, 0);
        }
        Ok(())
    }

    fn read_at(&mut self, ino: u64, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let now = (self.clock)();
        let data = self.data(ino)?;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        self.inode_mut(ino)?.atim = now;
        Ok(n)
    }

    fn write_at(&mut self, ino: u64, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let end = offset.checked_add(buf.len() as u64).ok_or(Errno::Fbig)?;
        if end > i64::MAX as u64 {
            return Err(Errno::Fbig);
        }
        if end > self.data(ino)?.len() as u64 {
            self.resize(ino, end)?;
        }
        let now = (self.clock)();
        let i = self.inode_mut(ino)?;
        if let Node::File(d) = &mut i.node {
            let start = usize::try_from(offset).map_err(|_| Errno::Fbig)?;
            d[start..start + buf.len()].copy_from_slice(buf);
        }
        i.mtim = now;
        i.ctim = now;
        Ok(buf.len())
    }

    fn apply_times(&mut self, ino: u64, atim: SetTime, mtim: SetTime) -> Result<(), Errno> {
        let now = (self.clock)();
        let i = self.inode_mut(ino)?;
        let pick = |t: SetTime, old: u64| match t {
            SetTime::Omit => old,
            SetTime::Now => now,
            SetTime::At(v) => v,
        };
        i.atim = pick(atim, i.atim);
        i.mtim = pick(mtim, i.mtim);
        i.ctim = now;
        Ok(())
    }
}

impl Backend for MemFs {
    fn lstat(&mut self, path: &[String]) -> Result<Filestat, Errno> {
        let ino = self.walk(path)?;
        self.stat_of(ino)
    }

    fn readlink(&mut self, path: &[String]) -> Result<String, Errno> {
        match &self.inode(self.walk(path)?)?.node {
            Node::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::Inval),
        }
    }

    fn readdir(&mut self, path: &[String]) -> Result<Vec<(String, u64, FileType)>, Errno> {
        let ino = self.walk(path)?;
        let Node::Dir(entries) = &self.inode(ino)?.node else {
            return Err(Errno::Notdir);
        };
        let mut out = Vec::with_capacity(entries.len());
        for (name, &child) in entries {
            out.push((name.clone(), child, self.stat_of(child)?.filetype));
        }
        Ok(out)
    }

    fn open_file(&mut self, path: &[String], how: FileOpen) -> Result<FileHandle, Errno> {
        let (dir, name) = self.parent(path)?;
        let existing = match &self.inode(dir)?.node {
            Node::Dir(e) => e.get(name).copied(),
            _ => return Err(Errno::Notdir),
        };
        let ino = match existing {
            Some(_) if how.create && how.excl => return Err(Errno::Exist),
            Some(ino) => {
                match self.inode(ino)?.node {
                    Node::File(_) => {}
                    Node::Dir(_) => return Err(Errno::Isdir),
                    Node::Symlink(_) => return Err(Errno::Loop),
                }
                if how.trunc {
                    self.resize(ino, 0)?;
                    let now = (self.clock)();
                    let i = self.inode_mut(ino)?;
                    i.mtim = now;
                    i.ctim = now;
                }
                ino
            }
            None if how.create => self.add(dir, name, Node::File(Vec::new()))?,
            None => return Err(Errno::Noent),
        };
        let fh = self.next_fh;
        self.next_fh += 1;
        let of = OpenFile {
            ino,
            pos: 0,
            read: how.read,
            write: how.write,
            append: how.append,
        };
        self.files.insert(fh, of);
        Ok(FileHandle(fh))
    }

    fn mkdir(&mut self, path: &[String]) -> Result<(), Errno> {
        let (dir, name) = self.parent(path)?;
        self.add(dir, name, Node::Dir(BTreeMap::new()))?;
        self.inode_mut(dir)?.nlink += 1;
        Ok(())
    }

    fn rmdir(&mut self, path: &[String]) -> Result<(), Errno> {
        let (dir, name) = self.parent(path)?;
        let ino = self.walk(path)?;
        match &self.inode(ino)?.node {
            Node::Dir(e) if !e.is_empty() => return Err(Errno::Notempty),
            Node::Dir(_) => {}
            _ => return Err(Errno::Notdir),
        }
        self.entries_mut(dir)?.remove(name);
        self.refund(name.len() as u64);
        let d = self.inode_mut(dir)?;
        d.nlink = d.nlink.saturating_sub(1);
        self.touch_dir(dir);
        self.drop_link(ino);
        Ok(())
    }

    fn unlink(&mut self, path: &[String]) -> Result<(), Errno> {
        let (dir, name) = self.parent(path)?;
        let ino = self.walk(path)?;
        if matches!(self.inode(ino)?.node, Node::Dir(_)) {
            return Err(Errno::Isdir);
        }
        self.entries_mut(dir)?.remove(name);
        self.refund(name.len() as u64);
        self.touch_dir(dir);
        self.drop_link(ino);
        Ok(())
    }

    fn rename(&mut self, from: &[String], to: &[String]) -> Result<(), Errno> {
        let (sdir, sname) = self.parent(from)?;
        let (ddir, dname) = self.parent(to)?;
        let ino = self.walk(from)?;
        let is_dir = matches!(self.inode(ino)?.node, Node::Dir(_));
        let replaced = match &self.inode(ddir)?.node {
            Node::Dir(e) => e.get(dname).copied(),
            _ => return Err(Errno::Notdir),
        };
        if replaced.is_none() {
            self.charge(dname.len() as u64)?;
        }
        self.entries_mut(sdir)?.remove(sname);
        self.refund(sname.len() as u64);
        self.entries_mut(ddir)?.insert(dname.to_string(), ino);
        if let Some(old) = replaced {
            if matches!(self.inode(old)?.node, Node::Dir(_)) {
                let d = self.inode_mut(ddir)?;
                d.nlink = d.nlink.saturating_sub(1);
            }
            self.drop_link(old);
        }
        if is_dir && sdir != ddir {
            let s = self.inode_mut(sdir)?;
            s.nlink = s.nlink.saturating_sub(1);
            self.inode_mut(ddir)?.nlink += 1;
        }
        self.touch_dir(sdir);
        self.touch_dir(ddir);
        Ok(())
    }

    fn symlink(&mut self, target: &str, path: &[String]) -> Result<(), Errno> {
        let (dir, name) = self.parent(path)?;
        self.add(dir, name, Node::Symlink(target.to_string()))?;
        Ok(())
    }

    fn link(&mut self, from: &[String], to: &[String]) -> Result<(), Errno> {
        let ino = self.walk(from)?;
        if matches!(self.inode(ino)?.node, Node::Dir(_)) {
            return Err(Errno::Perm);
        }
        let (dir, name) = self.parent(to)?;
        if self.entries_mut(dir)?.contains_key(name) {
            return Err(Errno::Exist);
        }
        self.charge(name.len() as u64)?;
        self.entries_mut(dir)?.insert(name.to_string(), ino);
        let now = (self.clock)();
        let i = self.inode_mut(ino)?;
        i.nlink += 1;
        i.ctim = now;
        self.touch_dir(dir);
        Ok(())
    }

    fn set_times(&mut self, path: &[String], atim: SetTime, mtim: SetTime) -> Result<(), Errno> {
        let ino = self.walk(path)?;
        self.apply_times(ino, atim, mtim)
    }

    fn read(&mut self, fh: FileHandle, buf: &mut [u8]) -> Result<usize, Errno> {
        let f = self.open(fh)?;
        if !f.read {
            return Err(Errno::Badf);
        }
        let (ino, pos) = (f.ino, f.pos);
        let n = self.read_at(ino, buf, pos)?;
        if let Some(f) = self.files.get_mut(&fh.0) {
            f.pos = pos + n as u64;
        }
        Ok(n)
    }

    fn write(&mut self, fh: FileHandle, buf: &[u8]) -> Result<usize, Errno> {
        let f = self.open(fh)?;
        if !f.write {
            return Err(Errno::Badf);
        }
        let ino = f.ino;
        let pos = if f.append {
            self.data(ino)?.len() as u64
        } else {
            f.pos
        };
        let n = self.write_at(ino, buf, pos)?;
        if let Some(f) = self.files.get_mut(&fh.0) {
            f.pos = pos + n as u64;
        }
        Ok(n)
    }

    fn pread(&mut self, fh: FileHandle, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let f = self.open(fh)?;
        if !f.read {
            return Err(Errno::Badf);
        }
        let ino = f.ino;
        self.read_at(ino, buf, offset)
    }

    fn pwrite(&mut self, fh: FileHandle, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let f = self.open(fh)?;
        if !f.write {
            return Err(Errno::Badf);
        }
        let ino = f.ino;
        self.write_at(ino, buf, offset)
    }

    fn seek(&mut self, fh: FileHandle, to: SeekFrom) -> Result<u64, Errno> {
        let f = self.open(fh)?;
        let len = self.data(f.ino)?.len() as u64;
        let new = match to {
            SeekFrom::Start(o) => Some(o),
            SeekFrom::Current(d) => f.pos.checked_add_signed(d),
            SeekFrom::End(d) => len.checked_add_signed(d),
        };
        let new = new.filter(|&n| n <= i64::MAX as u64).ok_or(Errno::Inval)?;
        if let Some(f) = self.files.get_mut(&fh.0) {
            f.pos = new;
        }
        Ok(new)
    }

    fn sync(&mut self, fh: FileHandle) -> Result<(), Errno> {
        self.open(fh).map(|_| ())
    }

    fn set_size(&mut self, fh: FileHandle, size: u64) -> Result<(), Errno> {
        let f = self.open(fh)?;
        if !f.write {
            // `ftruncate` of an fd not open for writing: EINVAL (Linux).
            return Err(Errno::Inval);
        }
        if size > i64::MAX as u64 {
            return Err(Errno::Fbig);
        }
        let ino = f.ino;
        self.resize(ino, size)?;
        self.apply_times(ino, SetTime::Omit, SetTime::Now)
    }

    fn fstat(&mut self, fh: FileHandle) -> Result<Filestat, Errno> {
        let ino = self.open(fh)?.ino;
        self.stat_of(ino)
    }

    fn fset_times(&mut self, fh: FileHandle, atim: SetTime, mtim: SetTime) -> Result<(), Errno> {
        let ino = self.open(fh)?.ino;
        self.apply_times(ino, atim, mtim)
    }

    fn close(&mut self, fh: FileHandle) -> Result<(), Errno> {
        let f = self.files.remove(&fh.0).ok_or(Errno::Badf)?;
        let still_open = self.files.values().any(|o| o.ino == f.ino);
        let unlinked = self.inodes.get(&f.ino).is_some_and(|i| i.nlink == 0);
        if unlinked && !still_open {
            self.free(f.ino);
        }
        Ok(())
    }
}
