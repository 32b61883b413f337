//! The `wisp:process` import module (HOST.md §2.5): what a guest itself can
//! do with processes — know its pid, send and receive messages, link,
//! monitor, kill, trap links.
//!
//! ABI (core types only):
//! - `self() -> i64`
//! - `send(pid: i64, tag: i64, ptr: i32, len: i32) -> i32`: 0 sent,
//!   1 no such process, 2 mailbox full, 3 message too large, 4 a negative
//!   tag (those are for system events).
//! - `receive(tags_ptr: i32, ntags: i32, timeout_ms: i64, buf_ptr: i32,
//!   buf_cap: i32) -> i64`: takes the first message whose tag is one of the
//!   `ntags` i64 tags at `tags_ptr` (any message when `ntags` is 0),
//!   waiting at most `timeout_ms` (forever when negative; not at all when
//!   0). Returns `(len << 32) | status`: status 0 received — `len` bytes
//!   at `buf_ptr`: the sender's pid (i64, 0 for the host), the tag (i64),
//!   then the data; 1 timed out; 2 the buffer is too small — `len` is the
//!   size needed and the message stays queued.
//! - `link(pid: i64) -> i32`, `unlink(pid: i64) -> i32`: 0, or 1 if the
//!   process does not exist or has exited.
//! - `monitor(pid: i64) -> i64`: a reference; `demonitor(ref: i64) -> i32`.
//! - `kill(pid: i64, code: i32) -> i32`: 0, or 1 if not found.
//! - `set_trap_links(on: i32)`.
//! - `spawn(entry_ptr: i32, entry_len: i32, args_ptr: i32, args_len: i32,
//!   flags: i32) -> i64`: spawns registry entry `entry` (UTF-8) with
//!   `args_len / 8` little-endian i64 arguments; flags bit 0 links it to
//!   the caller, bit 1 monitors it (the `Down` arrives in the caller's
//!   mailbox). Returns its pid, or −1 when it could not be spawned (no such
//!   entry, a spawn error, or a host without a resolver).
//!
//! System events arrive as messages from pid 0 with negative tags (see
//! `crate::mailbox`); their data starts with the monitor reference (Down
//! only), then the pid (i64) and exit code (i32) of the process, then the
//! reason's name.
//!
//! `receive` waits by suspending the guest (the process parks and frees
//! its worker); its retry finds the message or the deadline, counting the
//! timeout from the first call.

use std::time::Duration;

use wisp_interp::{Caller, Extern, FuncType, HostError, LinkError, Linker, Trap, Val, ValType};

use crate::exit::{ExitReason, Killer};
use crate::pid::Pid;
use crate::process::ProcData;
use crate::relations::Watcher;
use crate::sched::lock;

/// The import module name.
pub const MODULE: &str = "wisp:process";

/// The most tags one `receive` may name.
const MAX_TAGS: u32 = 1024;

/// How a guest spawns a process by entry id (the host implements it).
pub(crate) trait Spawn: Send + Sync {
    fn spawn_entry(
        self: std::sync::Arc<Self>,
        entry: &str,
        args: Vec<crate::Value>,
        from: Pid,
        link: bool,
    ) -> Result<Pid, String>;
}

/// The longest entry id a guest may name.
const MAX_ENTRY: u32 = 1024;

/// The payload of a `receive` that waits.
#[derive(Debug)]
pub(crate) struct MailboxWait {
    pub(crate) timeout: Option<Duration>,
    /// The tags it takes (any when empty).
    pub(crate) tags: Vec<i64>,
}

fn trap(msg: &str) -> HostError {
    HostError::Trap(Trap::host(format!("wisp:process: {msg}")))
}

fn i64_at(args: &[Val], i: usize) -> Result<i64, HostError> {
    match args.get(i) {
        Some(Val::I64(v)) => Ok(*v),
        _ => Err(trap("argument of the wrong type")),
    }
}

fn i32_at(args: &[Val], i: usize) -> Result<i32, HostError> {
    match args.get(i) {
        Some(Val::I32(v)) => Ok(*v),
        _ => Err(trap("argument of the wrong type")),
    }
}

fn memory(caller: &Caller<'_, ProcData>) -> Result<wisp_interp::Memory, HostError> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(trap("the module exports no memory named `memory`")),
    }
}

fn read(caller: &mut Caller<'_, ProcData>, ptr: i32, len: u64) -> Result<Vec<u8>, HostError> {
    let m = memory(caller)?;
    // Checked before allocating, so the guest cannot make the host
    // allocate more than its own memory.
    let size = m.size(caller.store()).saturating_mul(65536);
    let end = u64::from(ptr as u32).saturating_add(len);
    if end > size {
        return Err(trap("a pointer outside memory"));
    }
    let mut buf = vec![0; usize::try_from(len).map_err(|_| trap("too large"))?];
    m.read(caller.store_mut(), u64::from(ptr as u32), &mut buf)
        .map_err(|_| trap("a pointer outside memory"))?;
    Ok(buf)
}

fn write(caller: &mut Caller<'_, ProcData>, ptr: i32, data: &[u8]) -> Result<(), HostError> {
    let m = memory(caller)?;
    m.write(caller.store_mut(), u64::from(ptr as u32), data)
        .map_err(|_| trap("a pointer outside memory"))
}

/// Defines `wisp:process` in `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<ProcData>) -> Result<(), LinkError> {
    use ValType::{I32, I64};
    linker.func_new(MODULE, "self", FuncType::new([], [I64]), |c, _, r| {
        r[0] = Val::I64(c.data().pid.0 as i64);
        Ok(())
    })?;
    linker.func_new(
        MODULE,
        "send",
        FuncType::new([I64, I64, I32, I32], [I32]),
        |mut c, a, r| {
            let (to, tag) = (Pid(i64_at(a, 0)? as u64), i64_at(a, 1)?);
            if tag < 0 {
                r[0] = Val::I32(4);
                return Ok(());
            }
            let data = read(&mut c, i32_at(a, 2)?, u64::from(i32_at(a, 3)? as u32))?;
            let me = c.data().pid;
            let Some(shared) = c.data().shared.upgrade() else {
                return Err(trap("the host is gone"));
            };
            use crate::mailbox::SendError;
            let status = match shared.slot(to) {
                None => 1,
                Some(slot) => match shared.deliver(&slot, Some(me), tag, data) {
                    Ok(()) => 0,
                    Err(SendError::NotFound(_)) => 1,
                    Err(SendError::MailboxFull(_)) => 2,
                    Err(SendError::TooLarge { .. }) => 3,
                },
            };
            r[0] = Val::I32(status);
            Ok(())
        },
    )?;
    linker.func_new(
        MODULE,
        "receive",
        FuncType::new([I32, I32, I64, I32, I32], [I64]),
        receive,
    )?;
    linker.func_new(MODULE, "link", FuncType::new([I64], [I32]), |c, a, r| {
        let other = Pid(i64_at(a, 0)? as u64);
        let ok = c
            .data()
            .shared
            .upgrade()
            .is_some_and(|s| s.link(c.data().pid, other));
        r[0] = Val::I32(if ok { 0 } else { 1 });
        Ok(())
    })?;
    linker.func_new(MODULE, "unlink", FuncType::new([I64], [I32]), |c, a, r| {
        let other = Pid(i64_at(a, 0)? as u64);
        if let Some(s) = c.data().shared.upgrade() {
            s.unlink(c.data().pid, other);
        }
        r[0] = Val::I32(0);
        Ok(())
    })?;
    linker.func_new(
        MODULE,
        "monitor",
        FuncType::new([I64], [I64]),
        |mut c, a, r| {
            let target = Pid(i64_at(a, 0)? as u64);
            let me = c.data().pid;
            let Some(s) = c.data().shared.upgrade() else {
                return Err(trap("the host is gone"));
            };
            let id = s.monitor(target, Watcher::Process(me));
            c.data_mut().monitors.insert(id, target);
            r[0] = Val::I64(id as i64);
            Ok(())
        },
    )?;
    linker.func_new(
        MODULE,
        "demonitor",
        FuncType::new([I64], [I32]),
        |mut c, a, r| {
            let id = i64_at(a, 0)? as u64;
            let me = c.data().pid;
            let target = c.data_mut().monitors.remove(&id);
            match (target, c.data().shared.upgrade()) {
                (Some(t), Some(s)) => {
                    s.demonitor(t, id, Some(me));
                    r[0] = Val::I32(0);
                }
                _ => r[0] = Val::I32(1),
            }
            Ok(())
        },
    )?;
    linker.func_new(
        MODULE,
        "kill",
        FuncType::new([I64, I32], [I32]),
        |c, a, r| {
            let target = Pid(i64_at(a, 0)? as u64);
            let code = i32_at(a, 1)?;
            let me = c.data().pid;
            let found = c.data().shared.upgrade().and_then(|s| {
                let slot = s.slot(target)?;
                if lock(&slot.relations).exited {
                    return None;
                }
                s.kill(
                    &slot,
                    ExitReason::Killed {
                        by: Killer::Pid(me),
                        reason: format!("killed with code {code}"),
                    },
                );
                Some(())
            });
            r[0] = Val::I32(if found.is_some() { 0 } else { 1 });
            Ok(())
        },
    )?;
    linker.func_new(
        MODULE,
        "spawn",
        FuncType::new([I32, I32, I32, I32, I32], [I64]),
        spawn,
    )?;
    linker.func_new(
        MODULE,
        "set_trap_links",
        FuncType::new([I32], []),
        |c, a, _| {
            let on = i32_at(a, 0)? != 0;
            if let Some(slot) = c.data().shared.upgrade().and_then(|s| s.slot(c.data().pid)) {
                lock(&slot.relations).trap_links = on;
            }
            Ok(())
        },
    )?;
    Ok(())
}

/// `spawn(entry_ptr, entry_len, args_ptr, args_len, flags) -> i64`.
fn spawn(mut c: Caller<'_, ProcData>, a: &[Val], r: &mut [Val]) -> Result<(), HostError> {
    let (entry_ptr, entry_len) = (i32_at(a, 0)?, i32_at(a, 1)? as u32);
    let (args_ptr, args_len) = (i32_at(a, 2)?, i32_at(a, 3)? as u32);
    let flags = i32_at(a, 4)?;
    if entry_len > MAX_ENTRY || args_len % 8 != 0 || args_len > 8 * 1024 {
        r[0] = Val::I64(-1);
        return Ok(());
    }
    let entry = read(&mut c, entry_ptr, u64::from(entry_len))?;
    let raw = read(&mut c, args_ptr, u64::from(args_len))?;
    let args = raw
        .chunks_exact(8)
        .map(|b| {
            crate::Value::I64(i64::from_le_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ]))
        })
        .collect();
    let me = c.data().pid;
    let Some(shared) = c.data().shared.upgrade() else {
        return Err(trap("the host is gone"));
    };
    let spawner = shared.spawner.get().and_then(std::sync::Weak::upgrade);
    let spawned = match (std::str::from_utf8(&entry), spawner) {
        (Ok(entry), Some(s)) => s.spawn_entry(entry, args, me, flags & 1 != 0).ok(),
        _ => None,
    };
    r[0] = Val::I64(match spawned {
        Some(pid) => {
            if flags & 2 != 0 {
                let id = shared.monitor(pid, Watcher::Process(me));
                c.data_mut().monitors.insert(id, pid);
            }
            pid.0 as i64
        }
        None => -1,
    });
    Ok(())
}

/// `receive(tags_ptr, ntags, timeout_ms, buf_ptr, buf_cap) -> i64`.
fn receive(mut c: Caller<'_, ProcData>, a: &[Val], r: &mut [Val]) -> Result<(), HostError> {
    let (tags_ptr, ntags) = (i32_at(a, 0)?, i32_at(a, 1)? as u32);
    let timeout_ms = i64_at(a, 2)?;
    let (buf_ptr, buf_cap) = (i32_at(a, 3)?, i32_at(a, 4)? as u32);
    if ntags > MAX_TAGS {
        return Err(trap("more than 1024 tags"));
    }
    let raw = read(&mut c, tags_ptr, u64::from(ntags) * 8)?;
    let tags: Vec<i64> = raw
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .collect();
    let key = [
        i64::from(tags_ptr),
        i64::from(ntags),
        timeout_ms,
        i64::from(buf_ptr),
        i64::from(buf_cap),
    ];
    let now = c.data().clock.now_ns();
    let started = match c.data().receiving {
        Some((k, s)) if k == key => s,
        _ => now,
    };
    let Some(slot) = c.data().shared.upgrade().and_then(|s| s.slot(c.data().pid)) else {
        return Err(trap("the host is gone"));
    };
    let taken = {
        let mut mb = lock(&slot.mailbox);
        match mb.find(&tags) {
            Some(i) => {
                let need = mb.get(i).map_or(0, |m| 16 + m.data.len() as u64);
                if need > u64::from(buf_cap) {
                    c.data_mut().receiving = None;
                    r[0] = Val::I64(((need << 32) | 2) as i64);
                    return Ok(());
                }
                mb.take(i)
            }
            None => None,
        }
    };
    if let Some(m) = taken {
        let mut bytes = Vec::with_capacity(16 + m.data.len());
        bytes.extend_from_slice(&m.from.map_or(0, |p| p.0).to_le_bytes());
        bytes.extend_from_slice(&m.tag.to_le_bytes());
        bytes.extend_from_slice(&m.data);
        write(&mut c, buf_ptr, &bytes)?;
        c.data_mut().receiving = None;
        r[0] = Val::I64(((bytes.len() as u64) << 32) as i64);
        return Ok(());
    }
    let waited = now.saturating_sub(started);
    let timeout = u64::try_from(timeout_ms)
        .ok()
        .map(|ms| ms.saturating_mul(1_000_000));
    match timeout {
        Some(t) if waited >= t => {
            c.data_mut().receiving = None;
            r[0] = Val::I64(1);
            Ok(())
        }
        _ => {
            c.data_mut().receiving = Some((key, started));
            Err(HostError::Suspend(Box::new(MailboxWait {
                timeout: timeout.map(|t| Duration::from_nanos(t - waited)),
                tags,
            })))
        }
    }
}
