//! Regression inputs and minimal reproducers of what fuzzing found.
//!
//! - Every file under `fuzz/tests/regressions/<target>/` is run through that
//!   fuzz entry point and must pass. Put (minimised) crash artifacts there;
//!   name them after what they found. They replay exactly only while the
//!   generators (`corpus::exec_config` etc.) are unchanged, so also write the
//!   bug down as a minimal module below.
//! - Minimal reproducers: one `#[test]` per bug, with input, expected,
//!   actual and diagnosis; `#[ignore = "bug: …, fix pending"]` until fixed.
//!
//! Saved so far: five bugs of the reference, wasmi 2.0.0, that the oracle
//! must keep sidestepping (see `tests/reference_quirks.rs`):
//! `exec_diff/wasmi-select-fusion-seed-45` (wasmi returned other values than
//! wisp before the select rewrite), `exec_diff/wasmi-store-panic-seed-296`
//! (wasmi's translator panics), `exec_diff/wasmi-stale-operand-seed-1049861`
//! (wasmi leaves garbage in a global; wasmi 1.1 agrees with wisp),
//! `exec_diff/wasmi-memory-grow-recursion-seed-6246896` (wasmi's
//! `memory.grow` grows the native stack until it overflows a 2 MiB worker
//! thread, which aborts the campaign; the test thread here has 2 MiB too),
//! `exec_diff/wasmi-lazy-translation-abort-seed-6246951` (the store
//! translation panic, met during a call under lazy translation, cannot
//! unwind out of wasmi's handlers and aborts; the oracles now translate
//! eagerly). And one
//! wisp bug: `exec_diff/translate-local-chain-loop.bin` (libFuzzer timeout:
//! the translator's lazy-local chains, `translate/local_refs.rs`, indexed
//! their links by push order instead of stack height, which could form a
//! cycle, looping forever at block entry, or miss a lazy `local.get` before
//! `local.set`, reading the new value). Its minimal reproducer is
//! `wisp-interp/tests/exec/control.rs`
//! `every_lazy_local_below_temporaries_keeps_its_old_value`.

use std::path::Path;

use wisp_fuzz::alloc_count::CountingAlloc;

// So the `decode` inputs are checked against the allocation bound.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[test]
fn saved_inputs_pass_their_targets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, target) in wisp_fuzz::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(data) = std::fs::read(&path) else {
                continue;
            };
            checked += 1;
            if let Err(m) = target(&data) {
                failures.push(format!("{}: {m}", path.display()));
            }
        }
    }
    assert!(checked >= 3, "expected the saved inputs, found {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
