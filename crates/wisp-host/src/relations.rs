//! Monitors and links (HOST.md §2.5), and what a process's exit tells them.
//!
//! A monitor is one-way: the watcher gets exactly one [`Down`] when the
//! target exits (at once, `NoProc`, if it already has). A link is two-way:
//! when either side exits abnormally the other is killed with `LinkDown`,
//! unless it traps links — then it gets a `LinkDown` message (tag −2)
//! instead. Normal exits do not propagate.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::exit::{ExitEvent, ExitReason};
use crate::mailbox::{Message, TAG_DOWN, TAG_LINK_DOWN};
use crate::pid::Pid;
use crate::sched::{Shared, Slot, lock};

/// Why a monitored process is down.
#[derive(Debug, Clone, PartialEq)]
pub enum DownReason {
    /// It exited, with this event.
    Exit(Box<ExitEvent>),
    /// It did not exist (or had already exited) when the monitor was set.
    NoProc,
}

/// What a monitor receives once.
#[derive(Debug, Clone, PartialEq)]
pub struct Down {
    pub pid: Pid,
    /// The monitor's reference.
    pub monitor: u64,
    pub reason: DownReason,
}

/// Who a monitor tells.
#[derive(Debug)]
pub(crate) enum Watcher {
    /// A channel of the embedder.
    Channel(crossbeam_channel::Sender<Down>),
    /// A process's mailbox (tag −1).
    Process(Pid),
}

/// A process's monitors and links.
#[derive(Debug, Default)]
pub(crate) struct Relations {
    pub(crate) links: BTreeSet<Pid>,
    pub(crate) trap_links: bool,
    pub(crate) monitors: Vec<(u64, Watcher)>,
    /// Set at close: later monitors get `NoProc`, later links fail.
    pub(crate) exited: bool,
}

/// The bytes of a system event about `pid`: its pid (8 bytes, LE), its
/// exit code (4 bytes, LE), then the reason's name (`normal`, `trap`, …;
/// `noproc` for a monitor of a missing process).
pub(crate) fn event_data(prefix: Option<u64>, pid: Pid, code: i32, name: &str) -> Vec<u8> {
    let mut d = Vec::with_capacity(28 + name.len());
    if let Some(p) = prefix {
        d.extend_from_slice(&p.to_le_bytes());
    }
    d.extend_from_slice(&pid.0.to_le_bytes());
    d.extend_from_slice(&code.to_le_bytes());
    d.extend_from_slice(name.as_bytes());
    d
}

impl Shared {
    /// The slot of `pid`, if the host knows it.
    pub(crate) fn slot(&self, pid: Pid) -> Option<Arc<Slot>> {
        lock(&self.table).get(&pid).cloned()
    }

    /// Tells `watcher` that `pid` is down.
    fn tell(&self, watcher: Watcher, down: Down) {
        match watcher {
            Watcher::Channel(tx) => {
                let _ = tx.send(down);
            }
            Watcher::Process(w) => {
                let (code, name) = match &down.reason {
                    DownReason::Exit(e) => (e.exit_code, e.reason.name()),
                    DownReason::NoProc => (0, "noproc"),
                };
                if let Some(slot) = self.slot(w) {
                    let data = event_data(Some(down.monitor), down.pid, code, name);
                    let _ = self.deliver(&slot, None, TAG_DOWN, data);
                }
            }
        }
    }

    /// Sets a monitor of `target` for `watcher`; its reference.
    pub(crate) fn monitor(&self, target: Pid, watcher: Watcher) -> u64 {
        let id = self
            .next_monitor
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dead = Down {
            pid: target,
            monitor: id,
            reason: DownReason::NoProc,
        };
        match self.slot(target) {
            Some(slot) => {
                let mut rel = lock(&slot.relations);
                if rel.exited {
                    drop(rel);
                    self.tell(watcher, dead);
                } else {
                    rel.monitors.push((id, watcher));
                }
            }
            None => self.tell(watcher, dead),
        }
        id
    }

    /// Removes monitor `id` of `target` (and a `Down` of it already queued
    /// in `watcher`'s mailbox).
    pub(crate) fn demonitor(&self, target: Pid, id: u64, watcher: Option<Pid>) {
        if let Some(slot) = self.slot(target) {
            lock(&slot.relations).monitors.retain(|(m, _)| *m != id);
        }
        if let Some(w) = watcher.and_then(|w| self.slot(w)) {
            lock(&w.mailbox).drop_down_of(id);
        }
    }

    /// Links `a` and `b`; false if either does not exist or has exited.
    pub(crate) fn link(&self, a: Pid, b: Pid) -> bool {
        if a == b {
            return self.slot(a).is_some();
        }
        let (Some(sa), Some(sb)) = (self.slot(a), self.slot(b)) else {
            return false;
        };
        // Lock in pid order, so two links made at once cannot deadlock.
        let (first, second) = if a < b { (&sa, &sb) } else { (&sb, &sa) };
        let mut r1 = lock(&first.relations);
        let mut r2 = lock(&second.relations);
        if r1.exited || r2.exited {
            return false;
        }
        r1.links.insert(second.pid);
        r2.links.insert(first.pid);
        true
    }

    /// Removes the link between `a` and `b`, if there is one.
    pub(crate) fn unlink(&self, a: Pid, b: Pid) {
        for (x, y) in [(a, b), (b, a)] {
            if let Some(s) = self.slot(x) {
                lock(&s.relations).links.remove(&y);
            }
        }
    }

    /// At close: tells the monitors, then the links, about `event`.
    pub(crate) fn propagate(&self, slot: &Arc<Slot>, event: &ExitEvent) {
        let (monitors, links) = {
            let mut rel = lock(&slot.relations);
            rel.exited = true;
            (
                std::mem::take(&mut rel.monitors),
                std::mem::take(&mut rel.links),
            )
        };
        for (id, watcher) in monitors {
            self.tell(
                watcher,
                Down {
                    pid: slot.pid,
                    monitor: id,
                    reason: DownReason::Exit(Box::new(event.clone())),
                },
            );
        }
        for other in links {
            let Some(o) = self.slot(other) else { continue };
            let trap = {
                let mut rel = lock(&o.relations);
                rel.links.remove(&slot.pid);
                rel.trap_links
            };
            if event.reason.is_normal() {
                continue;
            }
            if trap {
                let data = event_data(None, slot.pid, event.exit_code, event.reason.name());
                let _ = self.deliver(&o, Some(slot.pid), TAG_LINK_DOWN, data);
            } else {
                self.kill(&o, ExitReason::LinkDown { from: slot.pid });
            }
        }
    }

    /// Puts a message in `to`'s mailbox and wakes it if it waits in
    /// `receive`.
    pub(crate) fn deliver(
        &self,
        to: &Arc<Slot>,
        from: Option<Pid>,
        tag: i64,
        data: Vec<u8>,
    ) -> Result<(), crate::mailbox::SendError> {
        if lock(&to.relations).exited {
            return Err(crate::mailbox::SendError::NotFound(to.pid));
        }
        let waiting = {
            let mut mb = lock(&to.mailbox);
            mb.push(to.pid, Message { from, tag, data })?;
            let wanted = mb
                .waiting
                .as_ref()
                .is_some_and(|(_, tags)| tags.is_empty() || tags.contains(&tag));
            if wanted {
                mb.waiting.take().map(|(token, _)| token)
            } else {
                None
            }
        };
        if let Some(token) = waiting {
            self.wake(to, token);
        }
        Ok(())
    }
}
