//! The wasi-libc programs in `tests/programs/` (one per function family,
//! rebuilt by `build.sh`), run under wisp and compared byte for byte with
//! what wasmtime did (`expected/`, recorded by `reference.py`): stdout,
//! stderr, exit status and the files left in read-write preopens.
//!
//! Differences that another part of the crate must fix are listed per run
//! as [`Known`] edits of the recording, each with a comment naming the call,
//! both results and the owner; the test fails once the difference is gone,
//! so the entry gets removed with the fix.

mod common;

use common::programs::{Known, Part, check};

#[test]
fn files() {
    check("files", &[]);
}

#[test]
fn args_env() {
    check("args_env", &[]);
}

#[test]
fn args_env_fault() {
    // `args_sizes_get` with a result pointer outside memory: wasmtime traps
    // ("Pointer out of bounds"), wisp returns FAULT (every guest-pointer
    // error in wisp is an errno; `abi.rs` / `preview1.rs`, the lead's).
    check(
        "args_env_fault",
        &[
            Known {
                part: Part::Stdout,
                wasmtime: "getenv(MISSING): (null)\n",
                wisp: "getenv(MISSING): (null)\nargs_sizes_get(bad ptr): fault\n",
            },
            Known {
                part: Part::Exit,
                wasmtime: "trap\n",
                wisp: "0\n",
            },
        ],
    );
}
