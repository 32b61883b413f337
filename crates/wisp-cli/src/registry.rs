//! Registry mode of `wisp run` (HOST.md §4.1): `wisp run list`,
//! `wisp run <name> [ARGS...]` and `wisp run --exec ns:entry [ARGS...]`.
//!
//! Boot is all-or-nothing: the registry under `--root` is loaded and
//! checked whole (every config error is printed, exit 1). A command's
//! entry then runs as the foreground process on the CLI's process host
//! (`Registry::cli_host`): the registry's `process.host` settings, with
//! `--workers` / `--slice-fuel` over them, and the limit flags over the
//! entry's `limits` and the host's `default_limits` (`wisp_host::boot`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use wisp_host::boot::{self, BootOptions};
use wisp_host::registry::{ConfigErrors, EntryId, ProcessEnv, Registry, Spec};
use wisp_host::{StdinSpec, Value};

use crate::flags::{DEFAULT_ROOT, RunArgs};
use crate::foreground::{self, CliError, HostStdin, Output};
use crate::report;
use crate::{EXIT_ERROR, EXIT_USAGE};

/// What a registry-mode `wisp run` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `wisp run <name>`.
    Command(String),
    /// `wisp run --exec ns:entry`.
    Entry(String),
}

/// Whether `word` (the first word after the options) names a command
/// rather than a module file: command names match `[a-z][a-z0-9-]*`
/// (docs/host.md §1.9), so a file is anything with a `.`, a `/` or another
/// character outside that set (`./greet` runs the file `greet`).
pub(crate) fn is_command_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The registry root of `args`.
fn root(args: &RunArgs) -> PathBuf {
    args.root
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_ROOT))
}

/// Loads the registry at `root`, printing every error (and warning).
pub(crate) fn load(root: &Path) -> Result<Registry, u8> {
    load_or_errors(root).map_err(|errors| {
        eprintln!("{errors}");
        EXIT_ERROR
    })
}

/// Loads the registry at `root`, printing its warnings.
pub(crate) fn load_or_errors(root: &Path) -> Result<Registry, ConfigErrors> {
    let reg = Registry::load(root)?;
    for w in reg.warnings() {
        let line = w.to_string();
        let line = line.strip_prefix("error").unwrap_or(&line);
        eprintln!("warning{line}");
    }
    Ok(reg)
}

/// Prints config errors and writes them as a `spawn_error` report: the
/// first error's code and message, and all of them under `errors`.
fn boot_failed(errors: &ConfigErrors, out: &Output) -> u8 {
    eprintln!("{errors}");
    let (code, message) = errors
        .iter()
        .next()
        .map_or(("ConfigError", String::new()), |e| {
            (e.code.as_str(), e.to_string())
        });
    let mut r = report::spawn_error_report(out.entry.as_deref(), code, &message);
    r["detail"]["errors"] =
        serde_json::from_str(&errors.to_json()).unwrap_or(serde_json::Value::Null);
    out.write_report(&r).unwrap_or(EXIT_ERROR)
}

/// `wisp run list`: `NAME  ENTRY  DESCRIPTION`, sorted by name.
pub(crate) fn list(args: &RunArgs, extra: &[OsString]) -> u8 {
    if !extra.is_empty() {
        eprintln!("error: `wisp run list` takes no arguments");
        return EXIT_USAGE;
    }
    let reg = match load(&root(args)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let rows: Vec<[String; 3]> = reg
        .commands()
        .into_iter()
        .map(|r| [r.name, r.entry.to_string(), r.description])
        .collect();
    print!("{}", table(&["NAME", "ENTRY", "DESCRIPTION"], &rows));
    0
}

/// Columns separated by two spaces, padded to the widest cell; no
/// trailing spaces.
fn table(header: &[&str; 3], rows: &[[String; 3]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(String::from);
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `wisp run <name>` / `wisp run --exec ns:entry`: the entry as the
/// foreground process; the exit code.
pub(crate) fn execute(args: &RunArgs, target: &Target, words: &[OsString]) -> u8 {
    let mut out = Output {
        report: args.report.clone(),
        entry: None,
    };
    for (given, flag) in [
        (args.invoke.is_some(), "--invoke"),
        (!args.env.is_empty(), "--env"),
        (!args.dirs.is_empty(), "--dir"),
        (!args.dirs_ro.is_empty(), "--dir-ro"),
    ] {
        if given {
            return CliError::usage(format!(
                "{flag} applies to bare mode only (wisp run [OPTIONS] FILE.wasm); \
                 a registry entry sets it in its `wasi:` block"
            ))
            .fail(&out);
        }
    }
    let reg = match load_or_errors(&root(args)) {
        Ok(r) => r,
        Err(errors) => return boot_failed(&errors, &out),
    };
    let id = match resolve(&reg, target) {
        Ok(id) => id,
        Err(e) => return e.fail(&out),
    };
    out.entry = Some(id.to_string());
    let host_id = match reg.cli_host(args.host.as_deref()) {
        Ok(h) => h.clone(),
        Err(e) => return CliError::setup(e.to_string()).fail(&out),
    };
    let Some(Spec::ProcessHost(host)) = reg.get(&host_id).map(|e| &e.spec) else {
        return CliError::setup(format!("{host_id} is not a process.host entry")).fail(&out);
    };
    let mut builder = boot::host_builder(host);
    if let Some(n) = args.workers {
        builder = builder.workers(n as usize);
    }
    if let Some(f) = args.slice_fuel {
        builder = builder.slice_fuel(f);
    }
    let mut values = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        match w.to_str() {
            Some(s) => values.push(Value::Str(s.to_string())),
            None => {
                return CliError::setup(format!("argument {} is not valid UTF-8: {w:?}", i + 1))
                    .fail(&out);
            }
        }
    }
    let stdin = HostStdin::new();
    let opts = BootOptions {
        args: values,
        limits: args.limits.to_limits(),
        host: Some(host_id.clone()),
        stdin: StdinSpec::Pipe(stdin.reader.clone()),
    };
    let spec = boot::spawn_spec(&reg, &id, &opts, &ProcessEnv);
    // Guests spawn other entries of the same registry.
    let builder = builder.resolver(boot::resolver(std::sync::Arc::new(reg), Some(host_id)));
    match spec {
        Ok(spec) => foreground::run(builder, spec, stdin, &out),
        Err(e) => CliError::coded(e.code(), e.to_string()).fail(&out),
    }
}

/// The wasm entry a target names; unknown names are usage errors.
fn resolve(reg: &Registry, target: &Target) -> Result<EntryId, CliError> {
    let entry = match target {
        Target::Command(name) => reg.command(name).ok_or_else(|| {
            CliError::usage(format!("unknown command \"{name}\" (see: wisp run list)"))
        })?,
        Target::Entry(text) => {
            let id: EntryId = text
                .parse()
                .map_err(|e| CliError::usage(format!("--exec {text}: {e} (expected ns:name)")))?;
            reg.get(&id)
                .ok_or_else(|| CliError::usage(format!("--exec {id}: no such entry")))?
        }
    };
    match entry.spec.wasm() {
        Some(_) => Ok(entry.id.clone()),
        None => Err(CliError::usage(format!(
            "{} is {}, not a process.wasm or function.wasm entry",
            entry.id,
            entry.kind()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_and_files() {
        for name in ["greet", "compute", "a-b-1", "list"] {
            assert!(is_command_name(name), "{name}");
        }
        for file in [
            "greet.wasm",
            "./greet",
            "m.WAT",
            "Greet",
            "1x",
            "",
            "a_b",
            "/abs/x",
        ] {
            assert!(!is_command_name(file), "{file}");
        }
    }

    #[test]
    fn tables_pad_columns_without_trailing_spaces() {
        let rows = [
            [
                "compute".into(),
                "myns:compute_worker".into(),
                "Multiply".into(),
            ],
            ["greet".into(), "myns:greet".into(), String::new()],
        ];
        assert_eq!(
            table(&["NAME", "ENTRY", "DESCRIPTION"], &rows),
            "NAME     ENTRY                DESCRIPTION\n\
             compute  myns:compute_worker  Multiply\n\
             greet    myns:greet\n"
        );
    }
}
