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

#[test]
fn clocks_random() {
    check(
        "clocks_random",
        &[
            // poll_oneoff (`poll.rs`, the lead's): wasmtime fails the whole
            // call when one subscription is bad; wisp reports the error in
            // that subscription's event (and then does not wait for the
            // clock). Subscriptions: fd 99 fd_read + monotonic +1ms;
            // process_cputime +1ms; clock id 99 +1ms.
            Known {
                part: Part::Stdout,
                wasmtime: "poll_oneoff(fd 99 read, +1ms): badf\n\
                           poll_oneoff(process_cputime +1ms): inval\n\
                           poll_oneoff(clock 99 +1ms): inval\n",
                wisp: "poll_oneoff(fd 99 read, +1ms): success\n  events: 1\n  \
                       userdata 30 type 1 error badf nbytes>0 no flags 0\n\
                       poll_oneoff(process_cputime +1ms): success\n  events: 1\n  \
                       userdata 40 type 0 error inval nbytes>0 no flags 0\n\
                       poll_oneoff(clock 99 +1ms): success\n  events: 1\n  \
                       userdata 41 type 0 error inval nbytes>0 no flags 0\n",
            },
        ],
    );
}

#[test]
fn clocks_random_bad_clock() {
    // clock_res_get(99, …) (`preview1.rs`, the lead's): wasmtime traps
    // ("Invalid enum value Clockid"), wisp returns INVAL, so the program
    // goes on to clock_time_get(99) (INVAL too) and exits 0.
    check(
        "clocks_random_bad_clock",
        &[
            Known {
                part: Part::Stdout,
                wasmtime: "",
                wisp: "clock_res_get(99): inval\nclock_time_get(99): inval\n",
            },
            Known {
                part: Part::Exit,
                wasmtime: "trap\n",
                wisp: "0\n",
            },
        ],
    );
}
