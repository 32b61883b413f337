//! libFuzzer target `decode`: arbitrary bytes → `wisp_decode::decode` never
//! panics and allocates at most `wisp_fuzz::targets::decode_alloc_bound`
//! bytes (checked through the counting allocator installed here).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wisp_fuzz::alloc_count::CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = wisp_fuzz::decode(data) {
        panic!("{mismatch}");
    }
});
