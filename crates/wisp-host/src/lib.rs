//! The wisp process host (docs/host.md).
//!
//! So far this crate holds the [`registry`]: the `_index.yaml` tree that
//! declares filesystems, env values, hosts, Wasm processes, services and
//! supervisors, loaded all-or-nothing with every config error reported at
//! once, and module files pinned by sha256 and compiled once per hash. The
//! process table, scheduler and supervision build on it.
//!
//! For the CLI: [`registry::Registry::load`] (boot and `wisp validate`),
//! [`registry::ConfigErrors::to_json`] (`validate --json`),
//! [`registry::Registry::commands`] (`wisp run list`),
//! [`registry::Registry::cli_host`] (`wisp run <name>`) and
//! [`registry::hash_file`] (`wisp hash`).
#![forbid(unsafe_code)]
// Nothing outside tests may panic on a hostile registry tree.
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

pub mod registry;
