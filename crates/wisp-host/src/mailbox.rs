//! Messages between processes (HOST.md §2.5): each process has a FIFO
//! mailbox with a length and message-size bound; `receive` takes the first
//! message whose tag is wanted, or parks the process until one arrives.
//!
//! Negative tags are system events: −1 `Down` (a monitored process
//! exited), −2 `LinkDown` (a linked process died and the receiver traps
//! links), −3 `Cancel` (asked to stop).

use std::collections::VecDeque;

use crate::pid::Pid;

/// Tag of a `Down` event.
pub const TAG_DOWN: i64 = -1;
/// Tag of a `LinkDown` event.
pub const TAG_LINK_DOWN: i64 = -2;
/// Tag of a `Cancel` event.
pub const TAG_CANCEL: i64 = -3;

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The sender (`None`: the host).
    pub from: Option<Pid>,
    pub tag: i64,
    pub data: Vec<u8>,
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("no such process: {0}")]
    NotFound(Pid),
    #[error("the mailbox of {0} is full")]
    MailboxFull(Pid),
    #[error("a message of {size} bytes is larger than the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
}

/// A process's mailbox.
#[derive(Debug)]
pub(crate) struct Mailbox {
    queue: VecDeque<Message>,
    max_len: usize,
    max_size: usize,
    /// The park token of a `receive` waiting for a message, and the tags
    /// it takes (any when empty): only such a message wakes it.
    pub(crate) waiting: Option<(u64, Vec<i64>)>,
}

impl Mailbox {
    pub(crate) fn new(max_len: usize, max_size: usize) -> Self {
        Mailbox {
            queue: VecDeque::new(),
            max_len,
            max_size,
            waiting: None,
        }
    }

    /// Queues `m` (system events ignore the length bound, so a full
    /// mailbox never loses a `Down`).
    pub(crate) fn push(&mut self, to: Pid, m: Message) -> Result<(), SendError> {
        if m.data.len() > self.max_size {
            return Err(SendError::TooLarge {
                size: m.data.len(),
                limit: self.max_size,
            });
        }
        if m.tag >= 0 && self.queue.len() >= self.max_len {
            return Err(SendError::MailboxFull(to));
        }
        self.queue.push_back(m);
        Ok(())
    }

    /// The index of the first message whose tag is in `tags` (any message
    /// when `tags` is empty).
    pub(crate) fn find(&self, tags: &[i64]) -> Option<usize> {
        self.queue
            .iter()
            .position(|m| tags.is_empty() || tags.contains(&m.tag))
    }

    pub(crate) fn get(&self, i: usize) -> Option<&Message> {
        self.queue.get(i)
    }

    pub(crate) fn take(&mut self, i: usize) -> Option<Message> {
        self.queue.remove(i)
    }

    /// Removes every `Down` event of monitor `monitor` (a demonitor).
    pub(crate) fn drop_down_of(&mut self, monitor: u64) {
        self.queue.retain(|m| {
            !(m.tag == TAG_DOWN && m.data.get(..8) == Some(&monitor.to_le_bytes()[..]))
        });
    }
}
