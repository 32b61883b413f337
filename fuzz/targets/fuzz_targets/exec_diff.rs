//! libFuzzer target `exec_diff`: a terminating wasm-smith module and its
//! calls → wisp and wasmi agree on results, traps, globals, memories and
//! tables (see `wisp_fuzz::exec_diff`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = wisp_fuzz::exec_diff(data) {
        panic!("{mismatch}");
    }
});
