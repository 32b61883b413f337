//! libFuzzer target `suspend_resume`: a terminating wasm-smith module and its
//! calls → wisp unmetered, metered, and in small fuel slices agree bit for
//! bit (see `wisp_fuzz::suspend_resume`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = wisp_fuzz::suspend_resume(data) {
        panic!("{mismatch}");
    }
});
