//! The flags of `wisp run` (docs/cli.md), and the limit flags read into
//! the registry's [`Limits`] so that bare mode and registry mode layer them
//! the same way: a flag wins over the entry's `limits`, which wins over the
//! host's `default_limits` and the built-in defaults (HOST.md §1.7).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use wisp_host::registry::units::{parse_bytes, parse_duration};
use wisp_host::registry::{Limits, OnMemoryLimit, OnOutputLimit};

/// The default `--root` of registry mode.
pub(crate) const DEFAULT_ROOT: &str = "./src";

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RunArgs {
    /// Call this exported function instead of `_start` (bare mode).
    #[arg(long, value_name = "NAME", help_heading = "Bare mode")]
    pub(crate) invoke: Option<String>,

    /// Set an environment variable of the guest: NAME=VALUE, or NAME to pass
    /// the host's value (repeatable; bare mode).
    #[arg(long = "env", value_name = "NAME[=VALUE]", help_heading = "Bare mode")]
    pub(crate) env: Vec<String>,

    /// Preopen the host directory HOST for the guest as GUEST (default: the
    /// same path), read-write (repeatable; bare mode).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", help_heading = "Bare mode")]
    pub(crate) dirs: Vec<String>,

    /// Like --dir, read-only: every change is refused (repeatable).
    #[arg(
        long = "dir-ro",
        value_name = "HOST[::GUEST]",
        help_heading = "Bare mode"
    )]
    pub(crate) dirs_ro: Vec<String>,

    /// Look for modules the module imports (other than WASI and
    /// `wisp:process`) in DIR: import module `foo` is DIR/foo.wasm, or the
    /// one *.wasm file in DIR/foo/ (repeatable, searched in order).
    #[arg(long = "module-path", value_name = "DIR", help_heading = "Bare mode")]
    pub(crate) module_paths: Vec<PathBuf>,

    /// Stop after N units of fuel and write the suspended run to the file
    /// given by --checkpoint-out (resume it with `wisp resume FILE`).
    #[arg(
        long,
        value_name = "N",
        requires = "checkpoint_out",
        help_heading = "Bare mode"
    )]
    pub(crate) checkpoint_at_fuel: Option<u64>,

    /// Where --checkpoint-at-fuel writes the checkpoint.
    #[arg(
        long,
        value_name = "FILE",
        requires = "checkpoint_at_fuel",
        help_heading = "Bare mode"
    )]
    pub(crate) checkpoint_out: Option<PathBuf>,

    /// The registry's root directory [default: ./src] (registry mode).
    #[arg(long, value_name = "DIR", help_heading = "Registry mode")]
    pub(crate) root: Option<PathBuf>,

    /// Run this process entry (`ns:name`) instead of a command; the words
    /// after the options are its arguments.
    #[arg(long, value_name = "ENTRY", help_heading = "Registry mode")]
    pub(crate) exec: Option<String>,

    /// The process.host to run on, when the registry has several.
    #[arg(long, value_name = "HOST", help_heading = "Registry mode")]
    pub(crate) host: Option<String>,

    /// Serve mode (`wisp run` without a target): print the status table
    /// once every auto_start entry has started (SIGUSR1 prints it any
    /// time).
    #[arg(long, help_heading = "Registry mode")]
    pub(crate) status: bool,

    #[command(flatten)]
    pub(crate) limits: LimitArgs,

    /// Write the process's exit event as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,

    /// Worker threads of the process host.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) workers: Option<u32>,

    /// Fuel per scheduling slice.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) slice_fuel: Option<u64>,

    /// `list`, a command name, or a module (binary `.wasm` or text `.wat`);
    /// then the guest's arguments (argv[1..] of a WASI command, or the
    /// invoked function's parameters). None: serve mode.
    #[arg(
        value_name = "FILE",
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub(crate) module_and_args: Vec<OsString>,
}

/// The limit flags (HOST.md §4.2); each is unset unless given.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Limits")]
pub(crate) struct LimitArgs {
    /// Fuel for the whole run; the process exits `fuel_exhausted` after it.
    #[arg(long, value_name = "N")]
    pub(crate) fuel: Option<u64>,

    /// Wall-clock limit (`500ms`, `5s`, `2m`); the process exits `timeout`.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub(crate) timeout: Option<Duration>,

    /// Pages (64 KiB) each memory may have.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536),
          conflicts_with = "max_memory")]
    pub(crate) max_memory_pages: Option<u32>,

    /// The same limit as a size (`64MiB`), a whole number of 64 KiB pages.
    #[arg(long, value_name = "SIZE", value_parser = memory_size)]
    pub(crate) max_memory: Option<u32>,

    /// Elements each table may have.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_table_elements: Option<u32>,

    /// Nested calls before the guest traps with "call stack exhausted".
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_call_depth: Option<u32>,

    /// Bytes each of stdout and stderr may carry (`1MiB`).
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub(crate) max_output: Option<u64>,

    /// What `memory.grow` past the limit does: fail-grow (returns -1) or trap.
    #[arg(long, value_name = "MODE", value_parser = ["fail-grow", "trap"])]
    pub(crate) on_memory_limit: Option<String>,

    /// What output past --max-output does: truncate (dropped, flagged in the
    /// report) or fail (the process exits `output_limit`).
    #[arg(long, value_name = "MODE", value_parser = ["truncate", "fail"])]
    pub(crate) on_output_limit: Option<String>,

    /// Refuse a module that imports a WASI function no granted profile
    /// covers (registry mode; bare mode grants every profile).
    #[arg(long)]
    pub(crate) strict_imports: bool,
}

impl LimitArgs {
    /// The flags as registry limits (unset where not given).
    pub(crate) fn to_limits(&self) -> Limits {
        Limits {
            max_fuel: self.fuel,
            max_execution: self.timeout,
            max_memory_pages: self.max_memory_pages.or(self.max_memory),
            on_memory_limit: self.on_memory_limit.as_deref().map(|m| match m {
                "trap" => OnMemoryLimit::Trap,
                _ => OnMemoryLimit::FailGrow,
            }),
            max_table_elements: self.max_table_elements,
            max_call_depth: self.max_call_depth,
            max_output_bytes: self.max_output,
            on_output_limit: self.on_output_limit.as_deref().map(|m| match m {
                "fail" => OnOutputLimit::Fail,
                _ => OnOutputLimit::Truncate,
            }),
            strict_imports: self.strict_imports.then_some(true),
            ..Limits::default()
        }
    }

    /// The flags given, by name, for "not with --checkpoint-at-fuel".
    pub(crate) fn host_only_flags(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut flag = |set: bool, name| {
            if set {
                v.push(name);
            }
        };
        flag(self.timeout.is_some(), "--timeout");
        flag(self.max_memory_pages.is_some(), "--max-memory-pages");
        flag(self.max_memory.is_some(), "--max-memory");
        flag(self.max_table_elements.is_some(), "--max-table-elements");
        flag(self.max_call_depth.is_some(), "--max-call-depth");
        flag(self.max_output.is_some(), "--max-output");
        flag(self.on_memory_limit.is_some(), "--on-memory-limit");
        flag(self.on_output_limit.is_some(), "--on-output-limit");
        flag(self.strict_imports, "--strict-imports");
        v
    }
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

/// `64MiB` as pages; a size that is not a whole number of pages, or more
/// than 4 GiB, is refused.
fn memory_size(text: &str) -> Result<u32, String> {
    let bytes = parse_bytes(text)?;
    let page = wisp_core::limits::WASM_PAGE_SIZE;
    if bytes % page != 0 {
        return Err(format!("{text} is not a whole number of 64KiB pages"));
    }
    match u32::try_from(bytes / page) {
        Ok(pages @ 1..=65536) => Ok(pages),
        _ => Err(format!("{text} must be between 64KiB and 4GiB")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_are_pages() {
        assert_eq!(memory_size("64MiB"), Ok(1024));
        assert_eq!(memory_size("65536"), Ok(1));
        assert!(memory_size("100").is_err());
        assert!(memory_size("0").is_err());
        assert!(memory_size("8GiB").is_err());
    }

    #[test]
    fn flags_become_limits() {
        let l = LimitArgs {
            fuel: Some(5),
            max_memory: Some(16),
            on_memory_limit: Some("trap".into()),
            on_output_limit: Some("fail".into()),
            strict_imports: true,
            ..LimitArgs::default()
        }
        .to_limits();
        assert_eq!(l.max_fuel, Some(5));
        assert_eq!(l.max_memory_pages, Some(16));
        assert_eq!(l.on_memory_limit, Some(OnMemoryLimit::Trap));
        assert_eq!(l.on_output_limit, Some(OnOutputLimit::Fail));
        assert_eq!(l.strict_imports, Some(true));
        assert_eq!(l.max_call_depth, None);
        assert_eq!(LimitArgs::default().to_limits(), Limits::default());
    }
}
