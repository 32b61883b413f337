//! Process groups (HOST.md §2.7): named groups inside `pg.scope`s, local
//! to one host, after Erlang's `pg`.
//!
//! - A process may join many groups, and the same group several times
//!   (counted: it stays a member until it has left as often as it joined).
//! - A member that exits leaves every group: the first join of a pid sets
//!   a monitor, and a watcher thread removes the pid when its `Down`
//!   arrives. [`ProcessGroups::members`] also skips pids that have exited,
//!   so it is exact even before the watcher has caught up.
//! - [`ProcessGroups::broadcast`] is a best-effort send to each member.
//! - [`ProcessGroups::subscribe`] gives join/leave events of one group
//!   (`monitor_group`); a subscriber that falls more than
//!   [`MAX_PENDING_EVENTS`] behind misses events rather than growing a
//!   queue without bound.
//!
//! Groups are for fan-out and discovery; restarts belong to supervisors.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Select, Sender, TrySendError};

use crate::host::{Host, ProcessState};
use crate::pid::Pid;
use crate::relations::Down;
use crate::sched::lock;

/// Events a subscriber may have queued before later ones are dropped.
pub const MAX_PENDING_EVENTS: usize = 1024;

/// The longest scope or group name, in bytes.
pub const MAX_GROUP_NAME: usize = 256;

/// A change in a group's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupEvent {
    /// `pid` became a member (its first join).
    Joined { pid: Pid },
    /// `pid` is no longer a member (its last leave, or its exit).
    Left { pid: Pid },
}

/// Why a group operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PgError {
    #[error("unknown pg.scope {0}")]
    UnknownScope(String),
    #[error("invalid group name (1 to {MAX_GROUP_NAME} bytes)")]
    BadName,
    #[error("no such process: {0}")]
    NoProcess(Pid),
    #[error("{pid} is not a member of {scope}/{group}")]
    NotMember {
        scope: String,
        group: String,
        pid: Pid,
    },
}

type Key = (String, String);

#[derive(Debug, Default)]
struct State {
    /// Members of each group, with their join counts.
    groups: BTreeMap<Key, BTreeMap<Pid, u32>>,
    /// The groups of each member.
    of_pid: BTreeMap<Pid, BTreeSet<Key>>,
    subscribers: BTreeMap<Key, Vec<Sender<GroupEvent>>>,
}

impl State {
    fn tell(&mut self, key: &Key, event: &GroupEvent) {
        if let Some(subs) = self.subscribers.get_mut(key) {
            subs.retain(|s| match s.try_send(event.clone()) {
                Ok(()) | Err(TrySendError::Full(_)) => true,
                Err(TrySendError::Disconnected(_)) => false,
            });
        }
    }

    /// Removes `pid` from every group (it exited).
    fn forget(&mut self, pid: Pid) {
        for key in self.of_pid.remove(&pid).unwrap_or_default() {
            if let Some(members) = self.groups.get_mut(&key) {
                members.remove(&pid);
                if members.is_empty() {
                    self.groups.remove(&key);
                }
            }
            self.tell(&key, &GroupEvent::Left { pid });
        }
    }
}

#[derive(Debug)]
struct Inner {
    host: Host,
    scopes: BTreeSet<String>,
    state: Arc<Mutex<State>>,
    /// New members' monitors, to the watcher thread.
    watch: Sender<(Pid, Receiver<Down>)>,
}

/// The process groups of one host. Cheap to clone; the watcher thread
/// ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct ProcessGroups {
    inner: Arc<Inner>,
}

impl ProcessGroups {
    /// Groups on `host` in the given scopes (the ids of `pg.scope`
    /// entries, e.g. `myns:workers`).
    pub fn new(host: Host, scopes: impl IntoIterator<Item = String>) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        let state = Arc::new(Mutex::new(State::default()));
        let watcher_state = state.clone();
        // Without the watcher, members() still skips exited pids.
        let _ = std::thread::Builder::new()
            .name("wisp-pg".into())
            .spawn(move || watch(&rx, &watcher_state));
        ProcessGroups {
            inner: Arc::new(Inner {
                host,
                scopes: scopes.into_iter().collect(),
                state,
                watch: tx,
            }),
        }
    }

    /// The scopes it knows.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.inner.scopes.iter().map(String::as_str)
    }

    fn key(&self, scope: &str, group: &str) -> Result<Key, PgError> {
        if !self.inner.scopes.contains(scope) {
            return Err(PgError::UnknownScope(scope.into()));
        }
        if group.is_empty() || group.len() > MAX_GROUP_NAME {
            return Err(PgError::BadName);
        }
        Ok((scope.into(), group.into()))
    }

    fn alive(&self, pid: Pid) -> bool {
        self.inner
            .host
            .info(pid)
            .is_some_and(|i| i.state != ProcessState::Exited)
    }

    /// Adds `pid` to `scope`/`group` (once more, if it is a member).
    pub fn join(&self, scope: &str, group: &str, pid: Pid) -> Result<(), PgError> {
        let key = self.key(scope, group)?;
        if !self.alive(pid) {
            return Err(PgError::NoProcess(pid));
        }
        let mut st = lock(&self.inner.state);
        let first_group = !st.of_pid.contains_key(&pid);
        let count = st
            .groups
            .entry(key.clone())
            .or_default()
            .entry(pid)
            .or_insert(0);
        *count = count.saturating_add(1);
        let joined = *count == 1;
        st.of_pid.entry(pid).or_default().insert(key.clone());
        if joined {
            st.tell(&key, &GroupEvent::Joined { pid });
        }
        drop(st);
        if first_group {
            // An exit between the check and here gives a Down at once.
            let _ = self.inner.watch.send((pid, self.inner.host.monitor(pid)));
        }
        Ok(())
    }

    /// Undoes one join of `pid`.
    pub fn leave(&self, scope: &str, group: &str, pid: Pid) -> Result<(), PgError> {
        let key = self.key(scope, group)?;
        let mut st = lock(&self.inner.state);
        let not_member = || PgError::NotMember {
            scope: scope.into(),
            group: group.into(),
            pid,
        };
        let members = st.groups.get_mut(&key).ok_or_else(not_member)?;
        let count = members.get_mut(&pid).ok_or_else(not_member)?;
        *count -= 1;
        if *count > 0 {
            return Ok(());
        }
        members.remove(&pid);
        if members.is_empty() {
            st.groups.remove(&key);
        }
        if let Some(keys) = st.of_pid.get_mut(&pid) {
            keys.remove(&key);
            if keys.is_empty() {
                st.of_pid.remove(&pid);
            }
        }
        st.tell(&key, &GroupEvent::Left { pid });
        Ok(())
    }

    /// The live members of `scope`/`group`, by pid.
    pub fn members(&self, scope: &str, group: &str) -> Result<Vec<Pid>, PgError> {
        let key = self.key(scope, group)?;
        let pids: Vec<Pid> = lock(&self.inner.state)
            .groups
            .get(&key)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default();
        Ok(pids.into_iter().filter(|p| self.alive(*p)).collect())
    }

    /// Sends `data` with `tag` to every member (best effort); how many
    /// mailboxes took it.
    pub fn broadcast(
        &self,
        scope: &str,
        group: &str,
        tag: i64,
        data: &[u8],
    ) -> Result<usize, PgError> {
        let members = self.members(scope, group)?;
        Ok(members
            .into_iter()
            .filter(|p| self.inner.host.send(*p, tag, data.to_vec()).is_ok())
            .count())
    }

    /// Join/leave events of `scope`/`group` from now on.
    pub fn subscribe(&self, scope: &str, group: &str) -> Result<Receiver<GroupEvent>, PgError> {
        let key = self.key(scope, group)?;
        let (tx, rx) = crossbeam_channel::bounded(MAX_PENDING_EVENTS);
        lock(&self.inner.state)
            .subscribers
            .entry(key)
            .or_default()
            .push(tx);
        Ok(rx)
    }
}

/// The watcher thread: removes each member from every group when its
/// `Down` arrives; ends when the last [`ProcessGroups`] is dropped.
fn watch(new: &Receiver<(Pid, Receiver<Down>)>, state: &Mutex<State>) {
    let mut watched: Vec<(Pid, Receiver<Down>)> = Vec::new();
    loop {
        let (index, got_new) = {
            let mut sel = Select::new();
            let i_new = sel.recv(new);
            for (_, rx) in &watched {
                sel.recv(rx);
            }
            let op = sel.select();
            let index = op.index();
            if index == i_new {
                match op.recv(new) {
                    Ok(item) => (index, Some(item)),
                    Err(_) => return,
                }
            } else {
                let rx = watched.get(index - 1).map(|(_, rx)| rx);
                if let Some(rx) = rx {
                    let _ = op.recv(rx);
                }
                (index, None)
            }
        };
        match got_new {
            Some(item) => watched.push(item),
            None => {
                if index >= 1 && index - 1 < watched.len() {
                    let (pid, _) = watched.swap_remove(index - 1);
                    lock(state).forget(pid);
                }
            }
        }
    }
}
