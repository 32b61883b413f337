//! wisp-bench: measures wisp against peer engines on checked-in workloads.
//!
//! - [`workloads`]: the registry of workload modules (C sources compiled to
//!   Wasm by `workloads/build.sh`) and their reference checksums.
//! - [`engines`]: one uniform "compile once, instantiate, call `run`" view of
//!   each engine (wisp, wisp with fuel, wasmi, wasmi with fuel, wasm3,
//!   makepad-stitch, tinywasm, wasmtime), with panics contained.
//! - [`measure`]: the execution loop, medians, memory marks, and the checksum
//!   cross-checks.
//! - [`setup`]: compile times per compilation mode, instantiation times and
//!   memory per idle instance.
//! - [`heap`]: the counting global allocator and the resident-set readings.
//! - [`large`]: the large module for the compile-throughput figures.
//! - [`tables`] and [`report`]: the markdown tables, machine information and
//!   the whole `docs/benchmarks.md` page.
//! - [`state`]: snapshot, reset and checkpoint costs on a 256 MiB memory.
//! - [`sleepers`]: 10 000 processes sleeping in `poll_oneoff` on a 2-worker
//!   process host (wall time, parked count, OS threads).
//!
//! The binary (`src/main.rs`) is argument parsing around these, and installs
//! [`heap::CountingAlloc`] as its global allocator.
// `heap` is the one module allowed `unsafe` (a `GlobalAlloc` impl).
#![deny(unsafe_code)]

pub mod engines;
pub mod heap;
pub mod large;
pub mod measure;
pub mod report;
pub mod setup;
pub mod sleepers;
pub mod state;
pub mod tables;
pub mod workloads;
