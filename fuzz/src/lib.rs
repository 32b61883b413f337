//! Fuzzing and differential-testing library for wisp.
//!
//! Every fuzz check lives here; the cargo-fuzz targets (`fuzz/targets/`), the
//! stable file runner (`wisp-fuzz-run`) and the seeded tests (`fuzz/tests/`)
//! are thin callers of the same four entry points ([`targets`]):
//!
//! | target           | input                    | checks                                                    |
//! |------------------|--------------------------|-----------------------------------------------------------|
//! | `decode`         | raw bytes                | the decoder never panics and allocates ≤ a bound linear in the input |
//! | `validate_diff`  | raw bytes + a wasm-smith module | wisp accepts exactly what `wasmparser::Validator` accepts |
//! | `exec_diff`      | a wasm-smith module + call arguments | wisp and wasmi agree on results, traps, globals, memories, tables |
//! | `suspend_resume` | a wasm-smith module + call arguments + a fuel slice | unmetered, metered and sliced runs of wisp agree bit for bit |
//!
//! Modules:
//! - [`corpus`]: testsuite modules, wasm-smith configurations and modules,
//!   a seeded PRNG and deterministic mutations;
//! - [`oracle`]: the validation oracles (wisp and wasmparser);
//! - [`rewrite`]: module rewrites (exporting the termination fuel global);
//! - [`exec`]: the execution [`exec::Oracle`] trait, its wisp and wasmi
//!   implementations, call plans and the comparison of executions;
//! - [`targets`]: the fuzz entry points and the [`Mismatch`] they report;
//! - [`seeds`]: the seeded driver behind the tests, with its long mode;
//! - [`alloc_count`]: a counting global allocator for the decode bound.
#![deny(unsafe_code)]

pub mod alloc_count;
pub mod corpus;
pub mod exec;
pub mod oracle;
pub mod rewrite;
pub mod seeds;
pub mod targets;

pub use targets::{
    Mismatch, Stats, TARGETS, Target, decode, exec_diff, suspend_resume, validate_diff,
};
