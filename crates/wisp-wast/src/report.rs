//! What a script run produces: per-file counts, the failing directives with
//! their source location, and the script-level errors (unreadable or
//! unparsable file) that stop a script before any directive runs.

use core::fmt;

/// A position in a `.wast` file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name as given to the runner.
    pub file: String,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One directive that did not do what the script asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Where the directive starts.
    pub location: Location,
    /// The directive's keyword, e.g. `assert_return` or `module`.
    pub directive: &'static str,
    /// What the script expected, e.g. `[i32:4]` or `trap "unreachable"`.
    pub expected: String,
    /// What happened instead, e.g. `[i32:3]` or `engine panicked: ...`.
    pub got: String,
}

impl fmt::Display for Failure {
    /// `file:line: directive: expected …, got …` (the column is left out, as
    /// compilers and the spec interpreter print script positions by line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: expected {}, got {}",
            self.location.file, self.location.line, self.directive, self.expected, self.got
        )
    }
}

/// A problem with the script itself rather than with one directive.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// The file could not be read (or is not UTF-8).
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a well-formed `.wast` script. The message carries the
    /// position and a source snippet, as rendered by the `wast` crate.
    #[error("{0}")]
    Parse(String),
    /// The engine could not provide what every script needs (the `spectest`
    /// module), so no directive could run.
    #[error("cannot set up the script environment: {0}")]
    Setup(String),
}

/// The outcome of running one script.
#[derive(Debug, Default)]
pub struct Report {
    /// The file name as given to the runner.
    pub file: String,
    /// Directives that did what the script asserts.
    pub passed: usize,
    /// Directives that did not; one entry each in `failures`.
    pub failed: usize,
    /// Every failing directive, in script order.
    pub failures: Vec<Failure>,
    /// `assert_invalid` directives that passed because the module was already
    /// rejected by the decoder, not by the validator. These count as passes.
    pub invalid_rejected_at_decode: usize,
    /// Directives not run because the caller asked to skip their line.
    pub skipped: usize,
    /// Set when the script could not be read or parsed; it then counts as one
    /// failed directive (no directive ran).
    pub script_error: Option<ScriptError>,
}

impl Report {
    /// A report for a file that has not run yet.
    pub fn new(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            ..Self::default()
        }
    }

    /// A report for a script that could not be read or parsed.
    pub fn from_script_error(file: impl Into<String>, error: ScriptError) -> Self {
        Self {
            file: file.into(),
            failed: 1,
            script_error: Some(error),
            ..Self::default()
        }
    }

    /// Number of directives run (or 1 for a script error).
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }

    /// Whether every directive passed and the script was readable.
    pub fn is_pass(&self) -> bool {
        self.failed == 0 && self.script_error.is_none()
    }

    pub(crate) fn pass(&mut self) {
        self.passed += 1;
    }

    pub(crate) fn fail(&mut self, failure: Failure) {
        self.failed += 1;
        self.failures.push(failure);
    }

    /// The one-line summary: `PASS <file> (N directives)` or
    /// `FAIL <file> (M of N failed)`.
    pub fn summary_line(&self) -> String {
        let skipped = match self.skipped {
            0 => String::new(),
            n => format!(", {n} skipped"),
        };
        if self.is_pass() {
            format!("PASS {} ({} directives{skipped})", self.file, self.total())
        } else {
            format!(
                "FAIL {} ({} of {} failed{skipped})",
                self.file,
                self.failed,
                self.total()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_display_uses_line_only() {
        let f = Failure {
            location: Location {
                file: "a.wast".into(),
                line: 7,
                col: 3,
            },
            directive: "assert_return",
            expected: "[i32:4]".into(),
            got: "[i32:3]".into(),
        };
        assert_eq!(
            f.to_string(),
            "a.wast:7: assert_return: expected [i32:4], got [i32:3]"
        );
    }

    #[test]
    fn summary_lines() {
        let mut r = Report::new("x.wast");
        r.pass();
        r.pass();
        assert_eq!(r.summary_line(), "PASS x.wast (2 directives)");
        r.fail(Failure {
            location: Location {
                file: "x.wast".into(),
                line: 1,
                col: 1,
            },
            directive: "invoke",
            expected: "success".into(),
            got: "trap".into(),
        });
        assert_eq!(r.summary_line(), "FAIL x.wast (1 of 3 failed)");
        r.skipped = 2;
        assert_eq!(r.summary_line(), "FAIL x.wast (1 of 3 failed, 2 skipped)");
        let e = Report::from_script_error("y.wast", ScriptError::Parse("bad".into()));
        assert!(!e.is_pass());
        assert_eq!(e.total(), 1);
    }
}
