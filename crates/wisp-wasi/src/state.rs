//! The WASI part of a checkpoint: what a [`WasiCtx`] must carry over so
//! that a guest stopped mid-way finishes in another process (or on another
//! host) as if it had never stopped.
//!
//! [`WasiCtx::save_state`] writes, and [`WasiCtx::restore_state`] applies to
//! a context freshly built with the same preopens:
//!
//! - the fd table: every open fd ≥ 3 with its mount (preopen), the checked
//!   path beneath that mount, rights, fdflags, and — for files — the
//!   position and access mode. On restore, files are reopened beneath the
//!   same preopen by that path (never created or truncated) and seeked
//!   back; directories are looked up again. A path that no longer names
//!   what it named is [`StateError::FdLost`].
//! - stdio: which of fds 0–2 are open, and how far an in-memory stdin was
//!   read. Pipes and captured output are the embedder's: a restored guest
//!   gets the new context's.
//! - the exit status, the clocks (a deterministic clock's ticks; a real
//!   clock's monotonic reading, so monotonic time never goes backwards),
//!   a seeded random generator's state, and a suspended call's progress
//!   (a waiting `poll_oneoff` keeps its start time).
//!
//! Restoring reads untrusted bytes: every count is checked against the
//! bytes left before anything is allocated, every path component is
//! checked to be a normal name, and every path is resolved through the
//! sandbox again, so a crafted state cannot reach outside a preopen.

use alloc::string::String;
use alloc::vec::Vec;

use wisp_interp::checkpoint::RestoreError;
use wisp_interp::checkpoint::codec::{Reader, Writer};

use crate::ctx::{Clock, Random, WasiCtx};
use crate::errno::Errno;
use crate::fdtable::{Entry, FdTable, Kind, rights};
use crate::fs::{Dir, OpenOptions, Opened, SeekFrom, is_normal_name};
use crate::wait::Parked;

/// The format version [`WasiCtx::save_state`] writes.
pub const STATE_VERSION: u32 = 2;

/// The section name in error messages.
const SECTION: &str = "WASIS";

/// Why a WASI state could not be saved or restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("WASI state format {0} is not supported (this wisp reads {STATE_VERSION})")]
    Version(u32),
    #[error("WASI state is malformed: {0}")]
    Malformed(&'static str),
    /// Truncated or undecodable bytes.
    #[error(transparent)]
    Bytes(#[from] RestoreError),
    #[error(
        "the checkpoint was taken with preopens {saved:?} but the new context has {found:?}: \
         mount the same directories at the same guest paths, in the same order"
    )]
    Mounts {
        saved: Vec<String>,
        found: Vec<String>,
    },
    #[error(
        "the checkpoint's {what} differs from the new context's: build the context with the same \
         clock and random options"
    )]
    Mismatch { what: &'static str },
    #[error("fd {fd}: cannot reopen `{path}` beneath preopen `{preopen}`: {errno}")]
    FdLost {
        fd: u32,
        preopen: String,
        path: String,
        errno: Errno,
    },
    #[error("fd {fd}: cannot save it: {what}")]
    Unsaveable { fd: u32, what: String },
}

const NONE: u8 = 0;
const KIND_DIR: u8 = 0;
const KIND_FILE: u8 = 1;
#[cfg(feature = "std")]
const CLOCK_REAL: u8 = 0;
const CLOCK_DETERMINISTIC: u8 = 1;
const CLOCK_VIRTUAL: u8 = 2;
#[cfg(feature = "std")]
const RANDOM_OS: u8 = 0;
const RANDOM_SEEDED: u8 = 1;
const PARKED_YIELD: u8 = 1;
const PARKED_POLL: u8 = 2;

impl WasiCtx {
    /// The context's state, for a checkpoint (see the module docs).
    pub fn save_state(&mut self) -> Result<Vec<u8>, StateError> {
        let mut w = Writer::default();
        w.u32(STATE_VERSION);
        match self.exit_code {
            Some(code) => {
                w.u8(1);
                w.u32(code);
            }
            None => w.u8(NONE),
        }
        w.bool(self.stdin.open);
        w.u64(self.stdin.pos as u64);
        w.bool(self.stdout.open);
        w.bool(self.stderr.open);
        match &self.clock {
            #[cfg(feature = "std")]
            Clock::Real { .. } => {
                w.u8(CLOCK_REAL);
                w.u64(self.clock.peek(crate::ctx::CLOCK_MONOTONIC).unwrap_or(0));
            }
            Clock::Deterministic { ticks, .. } => {
                w.u8(CLOCK_DETERMINISTIC);
                w.u64(*ticks);
            }
            Clock::Virtual { .. } => {
                w.u8(CLOCK_VIRTUAL);
                w.u64(self.clock.peek(crate::ctx::CLOCK_MONOTONIC).unwrap_or(0));
            }
        }
        match &self.random {
            #[cfg(feature = "std")]
            Random::Os => w.u8(RANDOM_OS),
            Random::Seeded { state } => {
                w.u8(RANDOM_SEEDED);
                w.u64(*state);
            }
        }
        match self.parked {
            None => w.u8(NONE),
            Some(Parked::Yield) => w.u8(PARKED_YIELD),
            Some(Parked::Poll { args, started }) => {
                w.u8(PARKED_POLL);
                args.iter().for_each(|&a| w.u32(a));
                started.iter().for_each(|&s| w.u64(s));
            }
        }
        save_fds(&mut self.fds, &mut w)?;
        Ok(w.bytes)
    }

    /// Applies a state from [`WasiCtx::save_state`] to this context, which
    /// must have been built with the same preopens (in the same order) and
    /// the same kind of clock and random source. Fds the context opened
    /// itself are closed first. On error the fd table may be partly
    /// restored: build a new context before trying again.
    pub fn restore_state(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        let mut r = Reader::new(bytes, SECTION);
        let version = r.u32()?;
        if version != STATE_VERSION {
            return Err(StateError::Version(version));
        }
        let exit_code = match r.u8()? {
            NONE => None,
            _ => Some(r.u32()?),
        };
        let stdin_open = r.bool()?;
        let stdin_pos = usize::try_from(r.u64()?).map_err(|_| malformed("stdin position"))?;
        let (stdout_open, stderr_open) = (r.bool()?, r.bool()?);
        let clock_kind = r.u8()?;
        let clock_value = r.u64()?;
        match (&mut self.clock, clock_kind) {
            #[cfg(feature = "std")]
            (Clock::Real { start, offset_ns }, CLOCK_REAL) => {
                *start = std::time::Instant::now();
                *offset_ns = clock_value;
            }
            (Clock::Deterministic { ticks, .. }, CLOCK_DETERMINISTIC) => *ticks = clock_value,
            (
                Clock::Virtual {
                    clock, offset_ns, ..
                },
                CLOCK_VIRTUAL,
            ) => *offset_ns = clock_value.wrapping_sub(clock.now_ns()),
            _ => return Err(StateError::Mismatch { what: "clock" }),
        }
        match (&mut self.random, r.u8()?) {
            #[cfg(feature = "std")]
            (Random::Os, RANDOM_OS) => {}
            (Random::Seeded { state }, RANDOM_SEEDED) => *state = r.u64()?,
            _ => {
                return Err(StateError::Mismatch {
                    what: "random source",
                });
            }
        }
        let parked = match r.u8()? {
            NONE => None,
            PARKED_YIELD => Some(Parked::Yield),
            PARKED_POLL => Some(Parked::Poll {
                args: [r.u32()?, r.u32()?, r.u32()?, r.u32()?],
                started: [r.u64()?, r.u64()?],
            }),
            _ => return Err(malformed("suspended call")),
        };
        restore_fds(&mut self.fds, &mut r)?;
        r.finish()?;
        self.exit_code = exit_code;
        self.stdin.open = stdin_open;
        self.stdin.pos = stdin_pos;
        self.stdout.open = stdout_open;
        self.stderr.open = stderr_open;
        self.parked = parked;
        Ok(())
    }
}

fn save_fds(fds: &mut FdTable, w: &mut Writer) -> Result<(), StateError> {
    let mounts = fds.mount_paths().to_vec();
    w.u32(mounts.len() as u32);
    mounts.iter().for_each(|m| w.str(m));
    let open: Vec<(u32, Entry)> = fds.open_fds().map(|(fd, e)| (fd, e.clone())).collect();
    w.u32(open.len() as u32);
    for (fd, e) in open {
        w.u32(fd);
        w.u32(e.mount as u32);
        match &e.kind {
            Kind::Dir(_) => w.u8(KIND_DIR),
            Kind::File(_) => w.u8(KIND_FILE),
        }
        match &e.preopen {
            Some(p) => {
                w.u8(1);
                w.str(p);
            }
            None => w.u8(NONE),
        }
        w.u64(e.base);
        w.u64(e.inheriting);
        w.u32(u32::from(e.fdflags));
        let fs = fds.mount(e.mount).map_err(|errno| StateError::Unsaveable {
            fd,
            what: alloc::format!("{errno}"),
        })?;
        match e.kind {
            Kind::Dir(dir) => write_path(w, dir.components()),
            Kind::File(fh) => {
                let path = fs.file_path(fh).ok_or_else(|| StateError::Unsaveable {
                    fd,
                    what: "the file's path is unknown".into(),
                })?;
                write_path(w, path);
                let pos = fs.tell(fh).map_err(|errno| StateError::Unsaveable {
                    fd,
                    what: alloc::format!("its position: {errno}"),
                })?;
                w.u64(pos);
            }
        }
    }
    Ok(())
}

fn restore_fds(fds: &mut FdTable, r: &mut Reader<'_>) -> Result<(), StateError> {
    let n = r.count(4)?;
    let mut saved = Vec::with_capacity(n);
    for _ in 0..n {
        saved.push(r.str()?);
    }
    if saved != fds.mount_paths() {
        return Err(StateError::Mounts {
            saved,
            found: fds.mount_paths().to_vec(),
        });
    }
    fds.close_all();
    // fd, mount, kind, preopen flag, rights, flags, path count: 36 bytes.
    let n = r.count(36)?;
    for _ in 0..n {
        let fd = r.u32()?;
        let mount = r.u32()? as usize;
        let kind = r.u8()?;
        let preopen = match r.u8()? {
            NONE => None,
            _ => Some(r.str()?),
        };
        let (base, inheriting) = (r.u64()?, r.u64()?);
        let fdflags = u16::try_from(r.u32()?).map_err(|_| malformed("fdflags"))?;
        let path = read_path(r)?;
        let preopen_path = saved.get(mount).ok_or(malformed("mount index"))?.clone();
        let lost = |errno| StateError::FdLost {
            fd,
            preopen: preopen_path.clone(),
            path: path.join("/"),
            errno,
        };
        let fs = fds.mount(mount).map_err(lost)?;
        let kind = match kind {
            KIND_DIR => {
                let dir = Dir::from_components(path.clone()).ok_or(malformed("path"))?;
                fs.dir_stat(&dir).map_err(lost)?;
                Kind::Dir(dir)
            }
            KIND_FILE => {
                let pos = r.u64()?;
                if path.is_empty() || !path.iter().all(|c| is_normal_name(c)) {
                    return Err(malformed("path"));
                }
                let how = OpenOptions {
                    read: base & rights::FD_READ != 0,
                    write: base & rights::FD_WRITE != 0,
                    ..OpenOptions::default()
                };
                let Opened::File(fh) = fs.open(&Dir::root(), &path.join("/"), how).map_err(lost)?
                else {
                    return Err(lost(Errno::Isdir));
                };
                fs.seek(fh, SeekFrom::Start(pos)).map_err(lost)?;
                Kind::File(fh)
            }
            _ => return Err(malformed("fd kind")),
        };
        let entry = Entry {
            mount,
            kind,
            preopen,
            base,
            inheriting,
            fdflags,
        };
        fds.put(fd, entry)
            .map_err(|_| malformed("an fd that is taken or out of range"))?;
    }
    Ok(())
}

fn malformed(what: &'static str) -> StateError {
    StateError::Malformed(what)
}

/// Writes a checked component path: count, then the components.
fn write_path(w: &mut Writer, components: &[String]) {
    w.len(components.len());
    components.iter().for_each(|c| w.str(c));
}

/// Reads a path written by [`write_path`].
fn read_path(r: &mut Reader<'_>) -> Result<Vec<String>, StateError> {
    let n = r.count(4)?;
    let mut path = Vec::with_capacity(n);
    for _ in 0..n {
        path.push(r.str()?);
    }
    Ok(path)
}
