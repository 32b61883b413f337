//! Seeded `decode`: the decoder never panics on damaged modules, and never
//! allocates more than `wisp_fuzz::targets::decode_alloc_bound` of the input
//! length (this test binary installs the counting allocator, so the bound is
//! really checked). See `wisp_fuzz::seeds` for the environment variables
//! (long mode: `WISP_FUZZ_SECONDS=3600`).

use wisp_core::Features;
use wisp_fuzz::alloc_count::{self, CountingAlloc};
#[cfg(feature = "testsuite")]
use wisp_fuzz::corpus::{WASM2_GROUPS, mutate, testsuite_modules};
use wisp_fuzz::seeds::{self, Settings, module_input, run};
use wisp_fuzz::targets::decode_alloc_bound;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Seeds in the fixed list (a tenth of them in debug builds).
const SEEDS: u64 = seeds::fixed(50_000);

#[test]
fn seeded_damaged_modules_decode_within_the_allocation_bound() {
    let report = run(
        "decode",
        &Settings::from_env(SEEDS),
        module_input,
        wisp_fuzz::decode,
    );
    report.assert_ok(1.0);
    assert!(alloc_count::installed());
}

/// Allocation of `decode(bytes)`, in bytes.
fn allocated(bytes: &[u8]) -> u64 {
    alloc_count::measure(|| drop(wisp_decode::decode(bytes, &Features::WASM2))).1
}

#[cfg(feature = "testsuite")]
#[test]
fn testsuite_modules_and_their_mutations_stay_within_the_bound() {
    let mut worst: (f64, String) = (0.0, String::new());
    let mut checked = 0;
    for group in WASM2_GROUPS {
        for (name, bytes) in testsuite_modules(group) {
            for m in 0..3u64 {
                let input = if m == 0 {
                    bytes.clone()
                } else {
                    mutate(&bytes, checked * 7 + m)
                };
                let used = allocated(&input);
                let bound = decode_alloc_bound(input.len());
                assert!(
                    used <= bound,
                    "{name} (mutation {m}): {used} bytes allocated for {} input bytes, bound {bound}",
                    input.len()
                );
                let ratio = used as f64 / input.len().max(1) as f64;
                if input.len() >= 64 && ratio > worst.0 {
                    worst = (
                        ratio,
                        format!("{name} (mutation {m}, {} bytes)", input.len()),
                    );
                }
                checked += 1;
            }
        }
    }
    println!(
        "{checked} testsuite inputs; largest allocation per input byte (inputs ≥ 64 bytes): {:.1} ({})",
        worst.0, worst.1
    );
    assert!(checked > 10_000);
}

/// Sections whose counts claim far more entries than the bytes could hold:
/// a decoder trusting the count would reserve gigabytes.
#[test]
fn huge_declared_counts_do_not_drive_allocation() {
    const HEADER: &[u8] = b"\0asm\x01\0\0\0";
    // count = 0xffff_ffff as LEB128.
    const HUGE: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0x0f];
    for id in [1u8, 2, 3, 4, 5, 6, 7, 9, 10, 11] {
        let mut body = HUGE.to_vec();
        body.extend([0u8; 32]);
        let mut bytes = HEADER.to_vec();
        bytes.push(id);
        bytes.push(body.len() as u8);
        bytes.extend(&body);
        let used = allocated(&bytes);
        assert!(
            used <= decode_alloc_bound(bytes.len()),
            "section {id}: {used} bytes allocated for a {}-byte module",
            bytes.len()
        );
        assert!(wisp_decode::decode(&bytes, &Features::WASM2).is_err());
    }
}
