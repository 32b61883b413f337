//! `poll_oneoff(in, out, nsubscriptions, nevents)`.
//!
//! Layouts (witx, little-endian):
//! - `subscription`, 48 bytes: `userdata` u64 @0, tag u8 @8 (0 clock,
//!   1 fd_read, 2 fd_write), then the union body @16. Clock: `id` u32 @16,
//!   `timeout` u64 @24, `precision` u64 @32, `flags` u16 @40 (bit 0
//!   `ABSTIME`). fd_read/fd_write: `fd` u32 @16.
//! - `event`, 32 bytes: `userdata` u64 @0, `error` u16 @8, `type` u8 @10,
//!   `nbytes` u64 @16, `flags` u16 @24.
//!
//! Every fd subscription is ready at once (wisp's stdio and files never
//! block): stdio reports `nbytes` 1; a file reports the bytes left to read
//! (`size - position`, saturating) for fd_read and 0 for fd_write, as
//! wasmtime does for regular files. A subscription on an fd that is not
//! open (or a directory, or the wrong stdio direction) gives an event with
//! `BADF` in its error field; an unsupported clock id gives one with
//! `INVAL`. Clocks: if no event is ready, the call waits for the earliest
//! deadline (the real clock sleeps; the deterministic clock is advanced to
//! it instead) and reports every clock whose deadline has then passed.
//! Ranges `in` (`48 * n`), `out` (`32 * n`) and `nevents` are checked
//! before anything is read or written (`FAULT`); `n == 0` is `INVAL`, and
//! so is an unknown tag.

use alloc::vec::Vec;

use wisp_interp::{Caller, Val};

use crate::abi;
use crate::ctx::{CLOCK_MONOTONIC, CLOCK_REALTIME, Clock, WasiCtx};
use crate::errno::Errno;
use crate::fdtable::{FIRST_FD, Kind, rights};
use crate::preview1::{CallResult, Get, guest, memory, u32_arg};

const SUB_SIZE: u64 = 48;
const EVENT_SIZE: u64 = 32;
const EVENT_CLOCK: u8 = 0;
const EVENT_FD_READ: u8 = 1;
const EVENT_FD_WRITE: u8 = 2;
const ABSTIME: u16 = 1;

/// One decoded subscription.
enum Sub {
    Clock {
        id: u32,
        timeout: u64,
        abstime: bool,
    },
    Fd {
        read: bool,
        fd: u32,
    },
}

/// One event to write.
struct Event {
    /// The subscription's index: events are written in subscription order.
    idx: usize,
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn decode(raw: &[u8]) -> Result<Vec<(u64, Sub)>, Errno> {
    let mut subs = Vec::with_capacity(raw.len() / SUB_SIZE as usize);
    for s in raw.chunks_exact(SUB_SIZE as usize) {
        let sub = match s[8] {
            EVENT_CLOCK => Sub::Clock {
                id: u32_at(s, 16),
                timeout: u64_at(s, 24),
                abstime: u16_at(s, 40) & ABSTIME != 0,
            },
            EVENT_FD_READ => Sub::Fd {
                read: true,
                fd: u32_at(s, 16),
            },
            EVENT_FD_WRITE => Sub::Fd {
                read: false,
                fd: u32_at(s, 16),
            },
            _ => return Err(Errno::Inval),
        };
        subs.push((u64_at(s, 0), sub));
    }
    Ok(subs)
}

/// Lets `ns` nanoseconds pass: sleeps, or advances the tick counter by
/// enough whole steps (a zero step cannot move and is not advanced).
fn wait(clock: &mut Clock, ns: u64) {
    match clock {
        #[cfg(feature = "std")]
        Clock::Real { .. } => std::thread::sleep(core::time::Duration::from_nanos(ns)),
        Clock::Deterministic { step_ns, ticks, .. } => {
            if *step_ns > 0 {
                *ticks = ticks.saturating_add(ns.div_ceil(*step_ns));
            }
        }
    }
}

/// The event of an fd subscription, ready now.
fn fd_event(ctx: &mut WasiCtx, read: bool, fd: u32) -> Result<u64, Errno> {
    if fd < FIRST_FD {
        let ok = match (fd, read) {
            (0, true) => ctx.stdin.open,
            (1, false) => ctx.stdout.open,
            (2, false) => ctx.stderr.open,
            _ => false,
        };
        return if ok { Ok(1) } else { Err(Errno::Badf) };
    }
    let (e, fs) = ctx.fds.get_fs(fd)?;
    let Kind::File(fh) = e.kind else {
        return Err(Errno::Badf);
    };
    e.require(rights::POLL_FD_READWRITE)?;
    if !read {
        return Ok(0);
    }
    let size = fs.file_stat(fh)?.size;
    let pos = fs.tell(fh)?;
    Ok(size.saturating_sub(pos))
}

pub(crate) fn poll_oneoff<T>(caller: &mut Caller<'_, T>, get: Get<T>, p: &[Val]) -> CallResult {
    let (input, out, n, nevents) = (
        u32_arg(p, 0)?,
        u32_arg(p, 1)?,
        u32_arg(p, 2)?,
        u32_arg(p, 3)?,
    );
    if n == 0 {
        return Err(Errno::Inval.into());
    }
    let m = memory(caller)?;
    let raw = {
        let mut mem = guest(caller, m);
        abi::check_range(&mut mem, input, u64::from(n) * SUB_SIZE)?;
        abi::check_range(&mut mem, out, u64::from(n) * EVENT_SIZE)?;
        abi::check_range(&mut mem, nevents, 4)?;
        // In range, so at most the memory size: the allocation is bounded.
        let len = u32::try_from(u64::from(n) * SUB_SIZE).map_err(|_| Errno::Fault)?;
        abi::read_bytes(&mut mem, input, len)?
    };
    let subs = decode(&raw)?;
    let ctx = get(caller.data_mut());
    let mut events = Vec::new();
    // (index into subs, nanoseconds until the deadline)
    let mut clocks = Vec::new();
    for (i, (userdata, sub)) in subs.iter().enumerate() {
        match *sub {
            Sub::Fd { read, fd } => {
                let (error, nbytes) = match fd_event(ctx, read, fd) {
                    Ok(nb) => (Errno::Success, nb),
                    Err(e) => (e, 0),
                };
                let kind = if read { EVENT_FD_READ } else { EVENT_FD_WRITE };
                events.push(Event {
                    idx: i,
                    userdata: *userdata,
                    error,
                    kind,
                    nbytes,
                });
            }
            Sub::Clock {
                id,
                timeout,
                abstime,
            } => {
                if id != CLOCK_REALTIME && id != CLOCK_MONOTONIC {
                    events.push(Event {
                        idx: i,
                        userdata: *userdata,
                        error: Errno::Inval,
                        kind: EVENT_CLOCK,
                        nbytes: 0,
                    });
                    continue;
                }
                let left = if abstime {
                    timeout.saturating_sub(ctx.clock.peek(id)?)
                } else {
                    timeout
                };
                clocks.push((i, left));
            }
        }
    }
    let waited = if events.is_empty() {
        let earliest = clocks.iter().map(|&(_, l)| l).min().unwrap_or(0);
        wait(&mut ctx.clock, earliest);
        earliest
    } else {
        0
    };
    for (i, left) in clocks {
        if left <= waited {
            let userdata = subs.get(i).map_or(0, |s| s.0);
            events.push(Event {
                idx: i,
                userdata,
                error: Errno::Success,
                kind: EVENT_CLOCK,
                nbytes: 0,
            });
        }
    }
    events.sort_by_key(|e| e.idx);
    let mut bytes = Vec::with_capacity(events.len() * EVENT_SIZE as usize);
    for e in &events {
        let mut b = [0u8; EVENT_SIZE as usize];
        b[0..8].copy_from_slice(&e.userdata.to_le_bytes());
        b[8..10].copy_from_slice(&e.error.raw().to_le_bytes());
        b[10] = e.kind;
        b[16..24].copy_from_slice(&e.nbytes.to_le_bytes());
        bytes.extend_from_slice(&b);
    }
    let mut mem = guest(caller, m);
    abi::write_bytes(&mut mem, out, &bytes)?;
    abi::write_u32(&mut mem, nevents, events.len() as u32)?;
    Ok(())
}
