//! `wisp run`: picks the mode from the first word after the options
//! (docs/cli.md).
//!
//! - `--checkpoint-at-fuel` → the direct path (`direct.rs`), which can
//!   checkpoint; the process host cannot yet.
//! - `--exec ns:entry` → registry mode, that entry (`registry.rs`).
//! - `list` → registry mode, the command table.
//! - a command name (`[a-z][a-z0-9-]*`) → registry mode, that command.
//! - anything else is a module file → bare mode on the host (`bare.rs`).
//! - nothing → serve mode: every `auto_start` entry of the registry runs
//!   until SIGINT/SIGTERM (`serve_mode.rs`).

use std::path::PathBuf;

use crate::flags::RunArgs;
use crate::foreground::{CliError, Output};
use crate::registry::{Target, is_command_name};
use crate::{bare, direct, registry, serve_mode};

pub(crate) fn execute(args: RunArgs) -> u8 {
    if args.checkpoint_at_fuel.is_some() {
        return checkpoint(args);
    }
    let words = &args.module_and_args;
    if let Some(entry) = &args.exec {
        return registry::execute(&args, &Target::Entry(entry.clone()), words);
    }
    let Some((first, rest)) = words.split_first() else {
        return serve_mode::execute(&args);
    };
    if args.status {
        return CliError::usage("--status applies to `wisp run` without a target (serve mode)")
            .fail(&Output::default());
    }
    match first.to_str() {
        Some("list") => registry::list(&args, rest),
        Some(name) if is_command_name(name) => {
            registry::execute(&args, &Target::Command(name.to_string()), rest)
        }
        _ => bare::execute(&args, &PathBuf::from(first), rest),
    }
}

/// The direct path, which knows none of the host's flags.
fn checkpoint(args: RunArgs) -> u8 {
    let mut refused = args.limits.host_only_flags();
    for (given, flag) in [
        (args.exec.is_some(), "--exec"),
        (args.root.is_some(), "--root"),
        (args.host.is_some(), "--host"),
        (args.workers.is_some(), "--workers"),
        (args.slice_fuel.is_some(), "--slice-fuel"),
    ] {
        if given {
            refused.push(flag);
        }
    }
    if let Some(flag) = refused.first() {
        return CliError::usage(format!(
            "{flag} cannot be used with --checkpoint-at-fuel (the run does not go through the process host)"
        ))
        .fail(&Output::default());
    }
    direct::execute(args)
}
