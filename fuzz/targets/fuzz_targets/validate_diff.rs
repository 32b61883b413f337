//! libFuzzer target `validate_diff`: the input as a module and a wasm-smith
//! module made from it → wisp and `wasmparser::Validator` agree on
//! accept/reject (see `wisp_fuzz::validate_diff`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = wisp_fuzz::validate_diff(data) {
        panic!("{mismatch}");
    }
});
