//! Checkpoints of host processes (HOST.md §6): a suspended process is
//! written as an interpreter checkpoint (memories, globals, tables, stack,
//! frames, the suspended call) plus three sections of the host's:
//!
//! - `HOSTP`: how the process was spawned (method and arguments, argv,
//!   environment, mounts, granted WASI functions, limits, name, link
//!   trapping) and what it used (fuel, slices), and whether its method had
//!   started;
//! - `WASIS`: the WASI context's state (`wisp_wasi::state`: open files by
//!   path and position beneath their preopens, clocks, randomness, a
//!   waiting call's progress);
//! - `MODULE`: the module's bytes, so a checkpoint restores anywhere.
//!
//! Restoring rebuilds the process in a host — this one or another (a
//! migration) — reopening its files beneath the same mounts. A process
//! parked in a waiting call (a sleep, an empty pipe, a `receive`) is
//! checkpointed with that call, which is retried on resume; a relative
//! sleep keeps its deadline in the guest's clock, so it wakes after the
//! time that was left, not after the whole timeout again. Links,
//! monitors, the mailbox and stdin pipes are not carried over.

use std::sync::Arc;
use std::time::Duration;

use wisp_interp::checkpoint::codec::{Reader, Writer};
use wisp_interp::checkpoint::{Image, RestoreError};

use crate::limits::{Limits, OnMemoryLimit, OnOutputLimit};
use crate::spec::{ModuleSource, Mount, SpawnOpts, SpawnSpec, StdinSpec, WasiSpec};
use crate::value::Value;

/// The host's process section.
pub(crate) const HOST_SECTION: &str = "HOSTP";
/// The WASI state section.
pub(crate) const WASI_SECTION: &str = "WASIS";
/// The module bytes section.
pub(crate) const MODULE_SECTION: &str = "MODULE";
/// The linked modules: their import module names and bytes.
pub(crate) const LINKS_SECTION: &str = "LINKS";

const HOSTP_VERSION: u32 = 1;

/// How a process was spawned, kept for its checkpoints.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub(crate) spec: SpawnSpec,
    pub(crate) module_bytes: Arc<[u8]>,
    /// The bytes of `spec.links`' modules, in order.
    pub(crate) link_bytes: Vec<Arc<[u8]>>,
}

/// Why a checkpoint could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("no such process: {0}")]
    NotFound(crate::Pid),
    #[error("process {0} is not suspended (suspend it first)")]
    NotSuspended(crate::Pid),
    #[error("cannot checkpoint: {0}")]
    Unserializable(String),
}

/// Why a checkpoint could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostRestoreError {
    #[error(transparent)]
    Image(#[from] RestoreError),
    #[error("checkpoint section {0} is missing")]
    Missing(&'static str),
    #[error("the guest's WASI state cannot be restored: {0}")]
    Wasi(#[from] wisp_wasi::StateError),
    #[error("{0}")]
    Spawn(#[from] crate::SpawnError),
}

/// How to restore.
#[derive(Clone, Default)]
pub struct RestoreOpts {
    /// Queue the process at once (otherwise it stays suspended until
    /// [`crate::Host::resume`]).
    pub resume: bool,
    /// Its stdin (pipes are not part of a checkpoint).
    pub stdin: StdinSpec,
    /// Lazy pages: the bytes given to `restore` are the checkpoint's
    /// control part (`wisp_interp::checkpoint::split_pages` /
    /// `read_control`) and every page is read from here when the process
    /// first touches it. `None`: the pages are in the bytes, read at once.
    pub pages: Option<Arc<dyn wisp_interp::checkpoint::PageStore>>,
}

impl std::fmt::Debug for RestoreOpts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreOpts")
            .field("resume", &self.resume)
            .field("stdin", &self.stdin)
            .field("lazy", &self.pages.is_some())
            .finish()
    }
}

/// What `HOSTP` holds besides the spec.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress {
    pub(crate) fuel_used: u64,
    pub(crate) slices: u64,
    pub(crate) started: bool,
}

fn opt(w: &mut Writer, v: Option<u64>) {
    w.opt_u64(v);
}

/// Encodes `HOSTP`.
pub(crate) fn encode(spec: &SpawnSpec, p: Progress) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(HOSTP_VERSION);
    w.bool(spec.opts.name.is_some());
    w.str(spec.opts.name.as_deref().unwrap_or_default());
    w.bool(spec.opts.trap_links);
    w.str(&spec.method);
    w.len(spec.args.len());
    for a in &spec.args {
        match a {
            Value::I32(v) => {
                w.u8(0);
                w.u64(*v as u32 as u64);
            }
            Value::I64(v) => {
                w.u8(1);
                w.u64(*v as u64);
            }
            Value::F32(b) => {
                w.u8(2);
                w.u64(u64::from(*b));
            }
            Value::F64(b) => {
                w.u8(3);
                w.u64(*b);
            }
            Value::Str(s) => {
                w.u8(4);
                w.str(s);
            }
            // The embedder's handle, kept as its number: it means something
            // only to an embedder that gives the same handles again.
            Value::ExternRef(h) => {
                w.u8(5);
                opt(&mut w, h.map(u64::from));
            }
        }
    }
    let wasi = &spec.wasi;
    w.len(wasi.args.len());
    wasi.args.iter().for_each(|a| w.str(a));
    w.len(wasi.env.len());
    for (k, v) in &wasi.env {
        w.str(k);
        w.str(v);
    }
    w.len(wasi.mounts.len());
    for m in &wasi.mounts {
        w.str(&m.host.display().to_string());
        w.str(&m.guest);
        w.bool(m.read_only);
    }
    w.bool(wasi.granted.is_some());
    let granted = wasi.granted.as_deref().unwrap_or_default();
    w.len(granted.len());
    granted.iter().for_each(|g| w.str(g));
    let l = &spec.limits;
    opt(&mut w, l.max_fuel);
    opt(
        &mut w,
        l.timeout
            .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
    );
    opt(&mut w, l.max_memory_pages);
    w.bool(l.on_memory_limit == OnMemoryLimit::Trap);
    opt(&mut w, l.max_table_elements);
    opt(&mut w, l.max_call_depth.map(|d| d as u64));
    opt(&mut w, l.max_output_bytes);
    w.bool(l.on_output_limit == OnOutputLimit::Fail);
    w.u64(l.max_mailbox_len as u64);
    w.u64(l.max_message_size as u64);
    opt(&mut w, l.max_open_files.map(|n| n as u64));
    w.u64(p.fuel_used);
    w.u64(p.slices);
    w.bool(p.started);
    w.bytes
}

/// Decodes `HOSTP` into the spec (with `module` as its module) and the
/// progress.
pub(crate) fn decode(
    bytes: &[u8],
    module: Arc<[u8]>,
    stdin: StdinSpec,
) -> Result<(SpawnSpec, Progress), RestoreError> {
    let mut r = Reader::new(bytes, "HOSTP");
    let version = r.u32()?;
    if version != HOSTP_VERSION {
        return Err(r.malformed(format!("version {version} (this host reads 1)")));
    }
    let has_name = r.bool()?;
    let name = r.str()?;
    let trap_links = r.bool()?;
    let method = r.str()?;
    let n = r.count(2)?;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        args.push(match r.u8()? {
            0 => Value::I32(r.u64()? as u32 as i32),
            1 => Value::I64(r.u64()? as i64),
            2 => Value::F32(r.u64()? as u32),
            3 => Value::F64(r.u64()?),
            4 => Value::Str(r.str()?),
            5 => Value::ExternRef(match r.opt_u64()? {
                Some(h) => Some(u32::try_from(h).map_err(|_| r.malformed("externref handle"))?),
                None => None,
            }),
            k => return Err(r.malformed(format!("argument kind {k}"))),
        });
    }
    let strings = |r: &mut Reader<'_>| -> Result<Vec<String>, RestoreError> {
        let n = r.count(4)?;
        (0..n).map(|_| r.str()).collect()
    };
    let argv = strings(&mut r)?;
    let n = r.count(8)?;
    let mut env = Vec::with_capacity(n);
    for _ in 0..n {
        env.push((r.str()?, r.str()?));
    }
    let n = r.count(9)?;
    let mut mounts = Vec::with_capacity(n);
    for _ in 0..n {
        mounts.push(Mount {
            host: r.str()?.into(),
            guest: r.str()?,
            read_only: r.bool()?,
        });
    }
    let has_granted = r.bool()?;
    let granted = strings(&mut r)?;
    let limits = Limits {
        max_fuel: r.opt_u64()?,
        timeout: r.opt_u64()?.map(Duration::from_millis),
        max_memory_pages: r.opt_u64()?,
        on_memory_limit: if r.bool()? {
            OnMemoryLimit::Trap
        } else {
            OnMemoryLimit::FailGrow
        },
        max_table_elements: r.opt_u64()?,
        max_call_depth: r
            .opt_u64()?
            .map(|d| usize::try_from(d).unwrap_or(usize::MAX)),
        max_output_bytes: r.opt_u64()?,
        on_output_limit: if r.bool()? {
            OnOutputLimit::Fail
        } else {
            OnOutputLimit::Truncate
        },
        max_mailbox_len: usize::try_from(r.u64()?).unwrap_or(usize::MAX),
        max_message_size: usize::try_from(r.u64()?).unwrap_or(usize::MAX),
        max_open_files: r
            .opt_u64()?
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    };
    let progress = Progress {
        fuel_used: r.u64()?,
        slices: r.u64()?,
        started: r.bool()?,
    };
    r.finish()?;
    let spec = SpawnSpec {
        links: Vec::new(),
        module: ModuleSource::Bytes {
            bytes: module,
            sha256: None,
        },
        method,
        args,
        wasi: WasiSpec {
            args: argv,
            env,
            mounts,
            stdin,
            granted: has_granted.then_some(granted),
        },
        limits,
        opts: SpawnOpts {
            name: has_name.then_some(name),
            link_to: None,
            trap_links,
        },
    };
    Ok((spec, progress))
}

/// The sections a host restore reads itself.
pub(crate) const UNDERSTOOD: [&str; 4] =
    [HOST_SECTION, WASI_SECTION, MODULE_SECTION, LINKS_SECTION];

/// Encodes `LINKS`: count, then (import module name, module bytes).
pub(crate) fn encode_links(spec: &SpawnSpec, bytes: &[Arc<[u8]>]) -> Vec<u8> {
    let mut w = Writer::default();
    w.len(spec.links.len());
    for (l, b) in spec.links.iter().zip(bytes) {
        w.str(&l.name);
        w.bytes(b);
    }
    w.bytes
}

/// Decodes `LINKS` into linked modules.
pub(crate) fn decode_links(bytes: &[u8]) -> Result<Vec<crate::spec::LinkedModule>, RestoreError> {
    let mut r = Reader::new(bytes, "LINKS");
    let n = r.count(8)?;
    let mut links = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.str()?;
        let module = r.bytes()?;
        links.push(crate::spec::LinkedModule {
            name,
            module: ModuleSource::Bytes {
                bytes: Arc::from(module),
                sha256: None,
            },
        });
    }
    r.finish()?;
    Ok(links)
}

/// The module bytes of an image.
pub(crate) fn module_of(image: &Image<'_>) -> Result<Arc<[u8]>, HostRestoreError> {
    image
        .section(MODULE_SECTION)
        .map(Arc::from)
        .ok_or(HostRestoreError::Missing(MODULE_SECTION))
}
