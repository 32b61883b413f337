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
//! Fd subscriptions: files are always ready (a file reports the bytes left
//! to read, `size - position`, saturating, for fd_read and 0 for fd_write,
//! as wasmtime does for regular files); stdio is ready at once unless it is
//! a host pipe ([`crate::pipe`]), which is ready when a read or write would
//! not wait. A subscription on an fd that is not open (or a directory, or
//! the wrong stdio direction) gives an event with `BADF` in its error
//! field; an unsupported clock id gives one with `INVAL`. Clocks: relative
//! timeouts count from the call's start. If no event is ready, the call
//! waits (see [`crate::wait`]: it blocks, or suspends and is retried — a
//! retry keeps the start time) until one is, then reports every event ready
//! at that moment. A deterministic clock never waits: it jumps to the
//! earliest deadline.
//! Ranges `in` (`48 * n`), `out` (`32 * n`) and `nevents` are checked
//! before anything is read or written (`FAULT`); `n == 0` is `INVAL`, and
//! so is an unknown tag.

use alloc::vec::Vec;

use wisp_interp::{Caller, Val};

use crate::abi;
use crate::ctx::{CLOCK_MONOTONIC, CLOCK_REALTIME, Clock, WasiCtx};
use crate::errno::Errno;
use crate::fdtable::{FIRST_FD, Kind, rights};
use crate::preview1::{CallResult, Fail, Get, guest, memory, u32_arg};
use crate::wait::{Blocking, Parked, Wait};

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

/// Lets `ns` nanoseconds of a deterministic clock pass, in whole steps
/// (a zero step cannot move and is not advanced).
fn advance(clock: &mut Clock, ns: u64) {
    if let Clock::Deterministic { step_ns, ticks, .. } = clock
        && *step_ns > 0
    {
        *ticks = ticks.saturating_add(ns.div_ceil(*step_ns));
    }
}

/// An fd subscription's readiness: `Ok(Some(nbytes))` ready now,
/// `Ok(None)` not yet (the pipe is pushed onto `waits`), or the errno of
/// its event.
#[cfg_attr(
    not(feature = "std"),
    expect(unused_variables, reason = "only pipes, which need std, wait")
)]
fn fd_event(
    ctx: &mut WasiCtx,
    read: bool,
    fd: u32,
    waits: &mut Vec<Wait>,
) -> Result<Option<u64>, Errno> {
    if fd < FIRST_FD {
        #[cfg(feature = "std")]
        {
            use crate::ctx::{OutputSink, StdinSource};
            let sink = match fd {
                1 if ctx.stdout.open => Some(&ctx.stdout.sink),
                2 if ctx.stderr.open => Some(&ctx.stderr.sink),
                _ => None,
            };
            match (fd, read, &ctx.stdin.source, sink) {
                (0, true, StdinSource::Pipe(r), _) if ctx.stdin.open => {
                    if r.is_ready() {
                        return Ok(Some(r.buffered() as u64));
                    }
                    waits.push(Wait::Readable(r.clone()));
                    return Ok(None);
                }
                (1 | 2, false, _, Some(OutputSink::Pipe(w))) => {
                    if w.is_ready() {
                        return Ok(Some(1));
                    }
                    waits.push(Wait::Writable(w.clone()));
                    return Ok(None);
                }
                _ => {}
            }
        }
        let ok = match (fd, read) {
            (0, true) => ctx.stdin.open,
            (1, false) => ctx.stdout.open,
            (2, false) => ctx.stderr.open,
            _ => false,
        };
        return if ok { Ok(Some(1)) } else { Err(Errno::Badf) };
    }
    let (e, fs) = ctx.fds.get_fs(fd)?;
    let Kind::File(fh) = e.kind else {
        return Err(Errno::Badf);
    };
    e.require(rights::POLL_FD_READWRITE)?;
    if !read {
        return Ok(Some(0));
    }
    let size = fs.file_stat(fh)?.size;
    let pos = fs.tell(fh)?;
    Ok(Some(size.saturating_sub(pos)))
}

/// The events ready now, or (when none is) what to wait for.
fn check(
    ctx: &mut WasiCtx,
    subs: &[(u64, Sub)],
    started: [u64; 2],
) -> Result<(Vec<Event>, Vec<Wait>), Errno> {
    let mut events = Vec::new();
    let mut waits = Vec::new();
    for (idx, &(userdata, ref sub)) in subs.iter().enumerate() {
        let event = |error, kind, nbytes| Event {
            idx,
            userdata,
            error,
            kind,
            nbytes,
        };
        match *sub {
            Sub::Fd { read, fd } => {
                let kind = if read { EVENT_FD_READ } else { EVENT_FD_WRITE };
                // A subscription on a bad fd fails the whole call, as wasmtime.
                if let Some(nbytes) = fd_event(ctx, read, fd, &mut waits)? {
                    events.push(event(Errno::Success, kind, nbytes));
                }
            }
            Sub::Clock {
                id,
                timeout,
                abstime,
            } => {
                // An unsupported clock fails the whole call, as wasmtime.
                let Some(&start) = started.get(id as usize) else {
                    return Err(Errno::Inval);
                };
                let deadline = if abstime {
                    timeout
                } else {
                    start.saturating_add(timeout)
                };
                let now = ctx.clock.peek(id)?;
                if now >= deadline {
                    events.push(event(Errno::Success, EVENT_CLOCK, 0));
                } else {
                    waits.push(Wait::Sleep {
                        clock: id,
                        deadline,
                        remaining_ns: deadline - now,
                    });
                }
            }
        }
    }
    Ok((events, waits))
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
    // A retry of a suspended call counts relative timeouts from when the
    // call first started.
    let args = [input, out, n, nevents];
    let started = match ctx.parked {
        Some(Parked::Poll { args: a, started }) if a == args => started,
        _ => [
            ctx.clock.peek(CLOCK_REALTIME)?,
            ctx.clock.peek(CLOCK_MONOTONIC)?,
        ],
    };
    let mut events = loop {
        let (events, mut waits) = check(ctx, &subs, started)?;
        if !events.is_empty() {
            break events;
        }
        let wait = if waits.len() == 1 {
            waits.remove(0)
        } else {
            Wait::Any(waits)
        };
        // A deterministic clock does not wait: it jumps to the deadline. So
        // does a virtual one when blocking (nothing else would move it).
        if !wait.ready_without_sleep()
            && let Some(ns) = wait.earliest_sleep_ns()
        {
            match &mut ctx.clock {
                Clock::Deterministic { .. } => {
                    advance(&mut ctx.clock, ns);
                    continue;
                }
                Clock::Virtual { clock, .. } if ctx.blocking == Blocking::Block => {
                    clock.advance_to(clock.now_ns().saturating_add(ns));
                    continue;
                }
                _ => {}
            }
        }
        match ctx.blocking {
            Blocking::Suspend => {
                ctx.parked = Some(Parked::Poll { args, started });
                return Err(Fail::Park(wait));
            }
            #[cfg(feature = "std")]
            Blocking::Block => wait.block(),
            // Without std nothing can block: only the deterministic clock
            // exists and it never waits, so this is not reached.
            #[cfg(not(feature = "std"))]
            Blocking::Block => return Err(Errno::Notsup.into()),
        }
    };
    ctx.parked = None;
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
