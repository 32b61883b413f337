//! What one process may use (HOST.md §1.7, §3.4), and what happens when it
//! reaches a limit.

use std::time::Duration;

/// What `memory.grow` does past [`Limits::max_memory_pages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnMemoryLimit {
    /// `memory.grow` returns −1 and the guest goes on (as wasmtime).
    #[default]
    FailGrow,
    /// The process exits with `MemoryLimit`.
    Trap,
}

/// What a write past [`Limits::max_output_bytes`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnOutputLimit {
    /// The output is cut at the limit (the write is short, then `NOSPC`)
    /// and the exit event says it was truncated.
    #[default]
    Truncate,
    /// The process exits with `OutputLimit`.
    Fail,
}

/// The limits of one process. `None` is "no limit" (for memory and tables:
/// what the module itself declares).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Total fuel (instructions); the process exits `FuelExhausted` after it.
    pub max_fuel: Option<u64>,
    /// Wall time from spawn; the process exits `Timeout` after it.
    pub timeout: Option<Duration>,
    /// Pages per memory (64 KiB each).
    pub max_memory_pages: Option<u64>,
    pub on_memory_limit: OnMemoryLimit,
    /// Elements per table.
    pub max_table_elements: Option<u64>,
    /// Nested calls.
    pub max_call_depth: Option<usize>,
    /// Bytes per output stream (stdout and stderr each).
    pub max_output_bytes: Option<u64>,
    pub on_output_limit: OnOutputLimit,
    /// Fds (3 and up, preopens included) open at once; `path_open` past
    /// it is `MFILE`.
    pub max_open_files: Option<usize>,
    /// Messages queued in the mailbox (system events are not counted).
    pub max_mailbox_len: usize,
    /// Bytes of one message's data.
    pub max_message_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_fuel: None,
            timeout: None,
            max_memory_pages: None,
            on_memory_limit: OnMemoryLimit::FailGrow,
            max_table_elements: Some(10_000_000),
            max_call_depth: None,
            max_output_bytes: None,
            on_output_limit: OnOutputLimit::Truncate,
            max_open_files: None,
            max_mailbox_len: 1024,
            max_message_size: 1 << 20,
        }
    }
}
