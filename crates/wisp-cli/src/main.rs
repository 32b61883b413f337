//! The `wisp` command-line tool: argument parsing and output formatting.
//! Each subcommand lives in its own module and calls into `wisp-host`
//! (`run`: bare mode and registry mode on the process host; `validate`,
//! `inspect`, `hash`), `wisp-interp` (the checkpoint path of `run`,
//! `resume`, `serve`) or `wisp-wast` (`wast`). Exit codes follow
//! `docs/cli.md`: 0 success, 1 the guest could not be started, 2 usage
//! error, 134 trap or fuel exhausted (128 + SIGABRT, like wasmtime), 124
//! timeout, 137 killed, 70 internal error.

#![forbid(unsafe_code)]

mod bare;
mod checkpoint;
mod direct;
mod flags;
mod foreground;
mod inspect;
mod load;
mod migrate;
mod modpath;
mod registry;
mod report;
mod run;
mod serve_mode;
mod validate;
mod wasi;
mod wast;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A WebAssembly 2.0 interpreter.
#[derive(Debug, Parser)]
#[command(name = "wisp", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a module (`_start`, or the export named by --invoke), a registry
    /// command, or a registry entry (--exec); `wisp run list` lists commands;
    /// `wisp run` alone serves the registry's auto_start services until
    /// SIGINT/SIGTERM.
    #[command(override_usage = "wisp run [OPTIONS] <FILE> [ARG]...\n       \
                                wisp run [OPTIONS] <COMMAND> [ARG]...\n       \
                                wisp run [OPTIONS] --exec <ENTRY> [ARG]...\n       \
                                wisp run [--root DIR] list\n       \
                                wisp run [OPTIONS] [--root DIR] [--status]")]
    Run(Box<flags::RunArgs>),
    /// Resume a run saved by `wisp run --checkpoint-at-fuel N --checkpoint-out FILE`.
    Resume(checkpoint::ResumeArgs),
    /// Accept checkpoints from `wisp migrate` over TCP and resume them.
    Serve(migrate::ServeArgs),
    /// Send a checkpoint to a `wisp serve` and print the run's output there.
    Migrate(migrate::MigrateArgs),
    /// Check a module (FILE), or every entry of the registry under --root.
    Validate(validate::ValidateArgs),
    /// Show a module's hash, imports, exports, memories, tables, globals.
    Inspect(inspect::InspectArgs),
    /// Print a file's `sha256:<hex>`, as a registry's `hash:` pins it.
    Hash(inspect::HashArgs),
    /// Run WebAssembly spec scripts (`.wast`).
    Wast(wast::WastArgs),
}

/// Exit code for a trap or exhausted fuel: 128 + SIGABRT, as wasmtime uses.
pub(crate) const EXIT_TRAP: u8 = 134;
/// Exit code when the module cannot be read, compiled, linked or called.
pub(crate) const EXIT_ERROR: u8 = 1;
/// Exit code for usage errors (clap uses it for bad flags too).
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code for an internal failure of the host.
pub(crate) const EXIT_INTERNAL: u8 = 70;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run::execute(*args),
        Command::Resume(args) => checkpoint::execute(args),
        Command::Serve(args) => migrate::serve(args),
        Command::Migrate(args) => migrate::migrate(args),
        Command::Validate(args) => validate::execute(&args),
        Command::Inspect(args) => inspect::execute(&args),
        Command::Hash(args) => inspect::hash(&args),
        Command::Wast(args) => wast::execute(&args),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn run_args(argv: &[&str]) -> flags::RunArgs {
        match Cli::try_parse_from(argv).map(|c| c.command) {
            Ok(Command::Run(args)) => *args,
            other => panic!("expected a run command, got {other:?}"),
        }
    }

    #[test]
    fn run_words_after_the_file_belong_to_the_function() {
        let args = run_args(&["wisp", "run", "--invoke", "add", "m.wasm", "-3", "5"]);
        assert_eq!(args.invoke.as_deref(), Some("add"));
        assert_eq!(args.module_and_args, ["m.wasm", "-3", "5"]);

        let args = run_args(&["wisp", "run", "--fuel", "7", "m.wasm", "--fuel", "5", "-x"]);
        assert_eq!(args.limits.fuel, Some(7));
        assert_eq!(args.module_and_args, ["m.wasm", "--fuel", "5", "-x"]);
    }

    #[test]
    fn run_without_a_target_is_serve_mode() {
        let args = run_args(&["wisp", "run", "--root", "src", "--status"]);
        assert!(args.module_and_args.is_empty());
        assert!(args.status);
        assert!(args.exec.is_none());
    }

    #[test]
    fn usage_errors() {
        for argv in [
            &["wisp", "run", "--fuel", "lots", "m.wasm"][..],
            &["wisp", "frobnicate"],
            &["wisp", "wast"],
            &["wisp", "hash"],
            &["wisp", "run", "--timeout", "5", "m.wasm"],
            &["wisp", "run", "--max-memory", "100", "m.wasm"],
            &["wisp", "run", "--on-memory-limit", "explode", "m.wasm"],
        ] {
            let err = Cli::try_parse_from(argv).expect_err("must be rejected");
            assert_eq!(err.exit_code(), i32::from(EXIT_USAGE), "{argv:?}");
        }
    }
}
