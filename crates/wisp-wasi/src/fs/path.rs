//! Guest path resolution beneath a directory handle: the sandbox.
//!
//! The walk is done component by component with two backend primitives,
//! [`Backend::lstat`] and [`Backend::readlink`], so it is the same for every
//! backend:
//!
//! - an empty path is `NOENT`; a path starting with `/` is `PERM`; a NUL
//!   byte is `INVAL`;
//! - `.` and empty components (`a//b`) are skipped;
//! - `..` pops one directory of the walk; popping past the starting
//!   directory handle is `PERM` (like cap-std, the handle itself is the
//!   capability, not only the preopen);
//! - a symlink met before the last component, or at the last one when
//!   following, is replaced by its target, which is walked from the
//!   symlink's directory; an absolute target is `PERM`, an empty one `NOENT`,
//!   and more than [`MAX_SYMLINK_EXPANSIONS`] expansions `LOOP`;
//! - a non-directory before the last component is `NOTDIR`.
//!
//! The result is a checked path: every directory in it was seen by `lstat`
//! as a real directory beneath the root.

use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Backend, FileType, Filestat};
use crate::errno::Errno;

/// Symlink expansions allowed in one resolution (Linux `MAXSYMLINKS`, also
/// cap-std's limit).
pub const MAX_SYMLINK_EXPANSIONS: u32 = 40;

/// Longest guest path accepted (`NAMETOOLONG` above), bounding the work.
pub const MAX_PATH_LEN: usize = 4096;

/// Where a path led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The checked directory containing the target (or the target itself
    /// when `name` is `None`).
    pub parent: Vec<String>,
    /// The last component; `None` when the path names `parent` itself
    /// (`.`, `a/..`).
    pub name: Option<String>,
    /// Status of the target (not following a final symlink unless asked);
    /// `None` when the last component does not exist.
    pub stat: Option<Filestat>,
    /// The path ended in `/` (the target must be a directory).
    pub trailing_slash: bool,
}

impl Resolved {
    /// The full checked path of the target.
    pub fn full(&self) -> Vec<String> {
        let mut p = self.parent.clone();
        if let Some(n) = &self.name {
            p.push(n.clone());
        }
        p
    }
}

/// Splits a guest path (or symlink target) into components, after the
/// absolute / NUL checks. Returns the components and whether it ended in `/`.
fn split(path: &str) -> Result<(Vec<String>, bool), Errno> {
    if path.is_empty() {
        return Err(Errno::Noent);
    }
    if path.len() > MAX_PATH_LEN {
        return Err(Errno::Nametoolong);
    }
    if path.contains('\0') {
        return Err(Errno::Inval);
    }
    if path.starts_with('/') {
        return Err(Errno::Perm);
    }
    let comps = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(ToString::to_string)
        .collect();
    Ok((comps, path.ends_with('/') || path.ends_with("/.")))
}

/// Re-checks a directory handle's path: every prefix must still be a real
/// directory. A handle is a path, so without this a guest could rename the
/// directory away and put a symlink (say to `..`) in its place, and a host
/// backend would follow it. A handle whose path no longer names a
/// directory is `NOENT`.
pub fn check_dir<B: Backend + ?Sized>(backend: &mut B, base: &[String]) -> Result<Filestat, Errno> {
    let mut stat = backend.lstat(&[])?;
    for i in 1..=base.len() {
        if stat.filetype != FileType::Directory {
            return Err(Errno::Noent);
        }
        stat = match backend.lstat(&base[..i]) {
            Err(Errno::Notdir) => return Err(Errno::Noent),
            other => other?,
        };
    }
    if stat.filetype != FileType::Directory {
        return Err(Errno::Noent);
    }
    Ok(stat)
}

/// Resolves `path` beneath the directory handle path `base` (re-checked
/// with [`check_dir`] first).
pub fn resolve<B: Backend + ?Sized>(
    backend: &mut B,
    base: &[String],
    path: &str,
    follow_last: bool,
) -> Result<Resolved, Errno> {
    let (comps, trailing_slash) = split(path)?;
    check_dir(backend, base)?;
    let mut queue: VecDeque<String> = comps.into();
    // Directories entered beneath `base`.
    let mut rel: Vec<String> = Vec::new();
    let mut expansions = 0u32;
    let full = |rel: &[String], name: &str| {
        let mut p = base.to_vec();
        p.extend_from_slice(rel);
        p.push(name.to_string());
        p
    };
    while let Some(c) = queue.pop_front() {
        if c == ".." {
            if rel.pop().is_none() {
                return Err(Errno::Perm);
            }
            continue;
        }
        let is_last = queue.is_empty();
        let here = full(&rel, &c);
        let stat = match backend.lstat(&here) {
            Ok(s) => s,
            Err(Errno::Noent) if is_last => {
                let mut parent = base.to_vec();
                parent.extend(rel);
                return Ok(Resolved {
                    parent,
                    name: Some(c),
                    stat: None,
                    trailing_slash,
                });
            }
            Err(e) => return Err(e),
        };
        match stat.filetype {
            FileType::SymbolicLink if !is_last || follow_last || trailing_slash => {
                expansions += 1;
                if expansions > MAX_SYMLINK_EXPANSIONS {
                    return Err(Errno::Loop);
                }
                let target = backend.readlink(&here)?;
                let (tcomps, _) = split(&target)?;
                if queue.len().saturating_add(tcomps.len()) > MAX_PATH_LEN {
                    return Err(Errno::Nametoolong);
                }
                for t in tcomps.into_iter().rev() {
                    queue.push_front(t);
                }
            }
            FileType::Directory if !is_last => rel.push(c),
            _ if !is_last => return Err(Errno::Notdir),
            _ => {
                if trailing_slash && stat.filetype != FileType::Directory {
                    return Err(Errno::Notdir);
                }
                let mut parent = base.to_vec();
                parent.extend(rel);
                return Ok(Resolved {
                    parent,
                    name: Some(c),
                    stat: Some(stat),
                    trailing_slash,
                });
            }
        }
    }
    // The path named a directory of the walk itself (`.`, `a/..`, or a
    // symlink that expanded to one).
    let mut parent = base.to_vec();
    parent.extend(rel);
    let stat = backend.lstat(&parent)?;
    Ok(Resolved {
        parent,
        name: None,
        stat: Some(stat),
        trailing_slash,
    })
}
