//! Runs WebAssembly spec scripts (`.wast`) against the wisp interpreter.
//!
//! A script is parsed with the `wast` crate, then every directive runs in
//! order against one [`wisp_interp::Engine`] and one store shared by all the
//! script's modules (as `register` requires), with the spec interpreter's
//! `spectest` module available for import. The result is a [`Report`]:
//! pass/fail counts and, for each failing directive, its `file:line:col`,
//! its keyword, what was expected and what happened.
//!
//! Judging rules (spec conventions, strict where the spec is):
//! - `assert_return`: numbers compare by bits; `nan:canonical` and
//!   `nan:arithmetic` follow the spec's definitions ([`values`]).
//! - `assert_trap` / `assert_exhaustion`: the call (or instantiation) must
//!   trap with a message that contains the expected text.
//! - `assert_invalid`: the module must fail validation; a decoder rejection
//!   also passes but is counted in [`Report::invalid_rejected_at_decode`].
//! - `assert_malformed`: the module must fail decoding, fail validation with
//!   an error flagged `malformed`, or (for `module quote`) fail to parse as text.
//! - `assert_unlinkable`: instantiation must fail with a link error.
//! - Directives wisp does not implement (threads, exceptions, stack
//!   switching, custom-section assertions, components) count as failures
//!   "unsupported directive".
//!
//! ```no_run
//! let report = wisp_wast::run_file("i32.wast".as_ref(), &wisp_wast::RunOptions::default());
//! println!("{}", report.summary_line());
//! ```

#![forbid(unsafe_code)]

mod report;
mod runner;
mod spectest;
pub mod values;

use std::path::Path;

pub use report::{Failure, Location, Report, ScriptError};
pub use spectest::define_spectest;
pub use wisp_interp::{Config, Features};

/// How scripts are run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The engine configuration (proposals, stack limits). Fuel metering is
    /// switched on automatically when [`RunOptions::fuel`] is set.
    pub config: Config,
    /// Fuel given afresh to every call and every instantiation (a safety net
    /// against runaway loops); `None` runs unmetered.
    pub fuel: Option<u64>,
    /// Directives starting on these 1-based lines are not run; they are
    /// counted in [`Report::skipped`] instead of passing or failing. Meant
    /// for the few testsuite entries that use features beyond Wasm 2.0.
    pub skip_lines: Vec<usize>,
}

/// Runs the script in `source`; `file` names it in the report.
pub fn run_source(file: &str, source: &str, opts: &RunOptions) -> Report {
    let mut lexer = wast::lexer::Lexer::new(source);
    // The spec tests use bidirectional-text characters inside strings on purpose.
    lexer.allow_confusing_unicode(true);
    let buf = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(buf) => buf,
        Err(e) => return parse_failure(file, source, e),
    };
    let script = match wast::parser::parse::<wast::Wast<'_>>(&buf) {
        Ok(script) => script,
        Err(e) => return parse_failure(file, source, e),
    };
    let mut report = Report::new(file);
    let mut runner = match runner::Runner::new(opts, &mut report, source) {
        Ok(r) => r,
        Err(message) => return Report::from_script_error(file, ScriptError::Setup(message)),
    };
    for directive in script.directives {
        runner.run_directive(directive);
    }
    report
}

/// Reads and runs the script at `path`; the report names it as given.
pub fn run_file(path: &Path, opts: &RunOptions) -> Report {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(source) => run_source(&file, &source, opts),
        Err(source) => {
            Report::from_script_error(file.clone(), ScriptError::Read { path: file, source })
        }
    }
}

fn parse_failure(file: &str, source: &str, mut e: wast::Error) -> Report {
    e.set_path(Path::new(file));
    e.set_text(source);
    Report::from_script_error(file, ScriptError::Parse(e.to_string()))
}
