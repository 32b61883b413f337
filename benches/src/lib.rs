//! wisp-bench: measures wisp against wasmi on checked-in workloads.
//!
//! - [`workloads`]: the registry of workload modules (C sources compiled to
//!   Wasm by `workloads/build.sh`) and their reference checksums.
//! - [`engines`]: one uniform "instantiate once, call `run` many times" view of
//!   each engine configuration, with wisp's panics contained.
//! - [`measure`]: the timing loop, medians, and the checksum cross-checks.
//! - [`report`]: machine information and the markdown report written to
//!   `docs/benchmarks.md`.
//! - [`state`]: snapshot, reset and checkpoint costs on a 256 MiB memory.
//! - [`sleepers`]: 10 000 processes sleeping in `poll_oneoff` on a 2-worker
//!   process host (wall time, parked count, OS threads).
//!
//! The binary (`src/main.rs`) is only argument parsing around these.
#![forbid(unsafe_code)]

pub mod engines;
pub mod measure;
pub mod report;
pub mod sleepers;
pub mod state;
pub mod workloads;
