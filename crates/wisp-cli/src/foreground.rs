//! The foreground process of `wisp run` (bare and registry mode): spawn it
//! on a process host that echoes its output, pump the host's stdin into
//! it, wait for its exit event, print its results, a one-line summary of
//! an abnormal end, and the `--report`, and turn the event into the exit
//! code (HOST.md §4.3).
//!
//! Errors before the process starts are [`CliError`]s: `error[Code]: …`
//! for the host's typed errors, `error: …` for the CLI's own, each with
//! its exit code (1, or 2 for usage errors).

use std::io::Read;
use std::path::PathBuf;

use wisp_host::{ExitEvent, ExitReason, HostBuilder, SpawnSpec, StdinSpec};
use wisp_wasi::pipe::{DEFAULT_CAPACITY, PipeReader, PipeWriter};

use crate::report;
use crate::{EXIT_ERROR, EXIT_INTERNAL, EXIT_TRAP, EXIT_USAGE};

/// A failure before the guest runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CliError {
    /// The host's error code, printed as `error[Code]`.
    pub(crate) code: Option<&'static str>,
    pub(crate) message: String,
    pub(crate) exit: u8,
}

impl CliError {
    /// A usage error (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: None,
            message: message.into(),
            exit: EXIT_USAGE,
        }
    }

    /// The guest cannot start, for a reason of the CLI's own (exit 1).
    pub(crate) fn setup(message: impl Into<String>) -> CliError {
        CliError {
            code: None,
            message: message.into(),
            exit: EXIT_ERROR,
        }
    }

    /// The guest cannot start: a typed host error (exit 1).
    pub(crate) fn coded(code: &'static str, message: impl Into<String>) -> CliError {
        CliError {
            code: Some(code),
            message: message.into(),
            exit: EXIT_ERROR,
        }
    }

    /// Prints the error, writes the report if asked, and gives the exit code.
    pub(crate) fn fail(self, out: &Output) -> u8 {
        match self.code {
            Some(code) => eprintln!("error[{code}]: {}", self.message),
            None => eprintln!("error: {}", self.message),
        }
        let mut r = report::spawn_error_report(
            out.entry.as_deref(),
            self.code.unwrap_or("Usage"),
            &self.message,
        );
        r["exit_code"] = self.exit.into();
        out.write_report(&r).unwrap_or(self.exit)
    }
}

/// Where a run's report goes, and the entry it names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Output {
    pub(crate) report: Option<PathBuf>,
    pub(crate) entry: Option<String>,
}

impl Output {
    /// Writes the report if one was asked for; `Some(1)` if that failed.
    pub(crate) fn write_report(&self, r: &serde_json::Value) -> Option<u8> {
        let path = self.report.as_ref()?;
        match report::write(path, r) {
            Ok(()) => None,
            Err(e) => {
                eprintln!("error: {e}");
                Some(EXIT_ERROR)
            }
        }
    }
}

/// A pipe for the guest's stdin, and its writing end until it is pumped.
#[derive(Debug)]
pub(crate) struct HostStdin {
    writer: PipeWriter,
    pub(crate) reader: PipeReader,
}

impl HostStdin {
    pub(crate) fn new() -> HostStdin {
        let (writer, reader) = wisp_wasi::pipe::pipe(DEFAULT_CAPACITY);
        HostStdin { writer, reader }
    }

    /// Copies the host's stdin into the pipe on a thread of its own; end
    /// of file (or a guest that is gone) closes the pipe. The thread may
    /// stay blocked in a read until `wisp` exits.
    fn pump(self) {
        let HostStdin { writer, reader } = self;
        drop(reader);
        let _ = std::thread::Builder::new()
            .name("wisp-stdin".into())
            .spawn(move || {
                let mut buf = vec![0u8; DEFAULT_CAPACITY];
                let mut stdin = std::io::stdin().lock();
                loop {
                    match stdin.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            if writer.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            });
    }
}

/// Runs `spec` as the foreground process of a host built from `builder`
/// and returns the exit code. `stdin` is pumped only if the spec reads it.
pub(crate) fn run(builder: HostBuilder, spec: SpawnSpec, stdin: HostStdin, out: &Output) -> u8 {
    let output_limit = spec.limits.max_output_bytes;
    let reads_stdin = matches!(spec.wasi.stdin, StdinSpec::Pipe(_));
    let host = builder.echo_output(true).build();
    let pid = match host.spawn(spec) {
        Ok(pid) => pid,
        Err(e) => return CliError::coded(e.code(), e.to_string()).fail(out),
    };
    if reads_stdin {
        stdin.pump();
    } else {
        drop(stdin);
    }
    let event = match host.wait(pid) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INTERNAL;
        }
    };
    finish(&event, output_limit, out)
}

/// Prints the results or the summary of `e`, writes the report, and gives
/// the exit code.
fn finish(e: &ExitEvent, output_limit: Option<u64>, out: &Output) -> u8 {
    if let Some(results) = &e.result {
        for v in results {
            println!("{v}");
        }
    }
    match &e.reason {
        ExitReason::Normal => {}
        ExitReason::Exit { code } => {
            if code & 0xff != *code {
                eprintln!(
                    "wisp: warning: exit status {code} does not fit an exit code; exiting with {}",
                    code & 0xff
                );
            }
        }
        reason => {
            eprintln!("wisp: process exited: {reason}");
            if let ExitReason::Trap(t) = reason
                && !t.backtrace.is_empty()
            {
                eprint!("{}", backtrace(&t.backtrace));
            }
        }
    }
    for (stream, truncated) in [
        ("stdout", e.stdout_truncated),
        ("stderr", e.stderr_truncated),
    ] {
        if truncated {
            let limit =
                output_limit.map_or_else(|| "its limit".to_string(), |l| format!("{l} bytes"));
            eprintln!("wisp: {stream} was truncated at {limit} (--max-output)");
        }
    }
    let code = u8::try_from(e.exit_code & 0xff).unwrap_or(EXIT_TRAP);
    out.write_report(&report::exit_report(e)).unwrap_or(code)
}

/// The backtrace lines, innermost first; a frame repeated (recursion) is
/// printed once with its count.
fn backtrace(frames: &[(u32, Option<String>)]) -> String {
    let mut out = String::from("wasm backtrace:\n");
    let mut i = 0;
    while let Some(frame) = frames.get(i) {
        let repeats = frames[i..].iter().take_while(|f| *f == frame).count();
        let name = match &frame.1 {
            Some(n) => n.clone(),
            None => format!("<wasm function {}>", frame.0),
        };
        out.push_str(&format!("  {i}: {name}\n"));
        if repeats > 1 {
            out.push_str(&format!("     ... {} more frames of {name}\n", repeats - 1));
        }
        i += repeats;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backtraces_fold_recursion() {
        let frames = [
            (2, Some("r".to_string())),
            (2, Some("r".to_string())),
            (0, None),
        ];
        assert_eq!(
            backtrace(&frames),
            "wasm backtrace:\n  0: r\n     ... 1 more frames of r\n  2: <wasm function 0>\n"
        );
    }
}
