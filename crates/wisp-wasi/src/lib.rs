//! WASI preview1 (`wasi_snapshot_preview1`) for the wisp interpreter.
//!
//! WASI plugs into [`wisp_interp::Linker`] as ordinary host functions;
//! `wisp-interp` knows nothing about WASI. The embedder keeps a [`WasiCtx`]
//! inside its store data `T` and gives [`add_to_linker`] a plain
//! `fn(&mut T) -> &mut WasiCtx` to reach it.
//!
//! - [`errno`]: the witx `errno` values.
//! - [`abi`]: bounds-checked guest-memory helpers (`FAULT` on bad pointers).
//! - [`ctx`]: [`WasiCtx`] and [`WasiCtxBuilder`] (args, env, stdio, clocks,
//!   randomness, exit status).
//! - [`fdtable`]: fds 3 and up (preopens and what `path_open` opened).
//! - [`fs`]: the sandboxed filesystem layer and its backends.
//! - [`state`]: the context's part of a checkpoint (fd table, stdio,
//!   clocks, random state), saved and reopened beneath the same preopens.
//! - [`wait`]: calls that wait block the thread or suspend the guest;
//!   [`pipe`] (std): byte pipes between the host and the guest's stdio.
//! - `preview1` / `stdio` / `files` / `paths` / `fdextra` / `poll`: all 46
//!   preview1 functions (see [`REGISTERED`] and `docs/wasi.md`).
//!
//! # Errno or trap
//! A function returns an errno to the guest for every condition witx
//! describes (bad fd, bad pointer, bad argument). It traps only when the
//! module breaks the ABI itself (no exported `memory`), and in `proc_exit`.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod abi;
pub mod clock;
pub mod ctx;
pub mod errno;
mod fdextra;
pub mod fdtable;
mod files;
pub mod fs;
mod paths;
#[cfg(feature = "std")]
pub mod pipe;
mod poll;
mod preview1;
pub mod state;
mod stdio;
pub mod wait;

pub use clock::VirtualClock;
pub use ctx::{
    BuildError, ClockSource, OutputSink, OutputStream, RandomSource, StdinSource, WasiCtx,
    WasiCtxBuilder,
};
pub use errno::Errno;
pub use preview1::{
    PROC_EXIT_PREFIX, REGISTERED, add_to_linker, add_to_linker_granting, proc_exit_status,
};
pub use state::StateError;
pub use wait::{Blocking, Wait};

/// The import module name of WASI preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";
