//! `wisp run` with no target: serve mode (HOST.md §4.1). Boots the
//! registry under `--root`, starts every `auto_start` host, service and
//! supervisor in `requires` order (`wisp_host::supervise::Supervision`),
//! then waits for a signal:
//!
//! - SIGINT / SIGTERM: stop everything in reverse order (each service by
//!   its `stop_timeout`, each supervisor's children by their `shutdown`),
//!   then exit 130 / 143;
//! - SIGUSR1: print the status table (what runs, states, restarts, process
//!   counts) to stdout; `--status` prints it once boot is done.
//!
//! Lines about starts, restarts and stops go to stderr as `wisp: …`; the
//! processes' own output is echoed to the terminal.

use std::io::Write as _;
use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
use signal_hook::iterator::Signals;
use wisp_host::supervise::{EntryStatus, LogSink, Supervision, UnitKind};

use crate::flags::{DEFAULT_ROOT, RunArgs};
use crate::foreground::{CliError, Output};
use crate::{EXIT_ERROR, EXIT_INTERNAL};

/// Exit code after SIGINT (128 + 2).
pub(crate) const EXIT_SIGINT: u8 = 130;
/// Exit code after SIGTERM (128 + 15).
pub(crate) const EXIT_SIGTERM: u8 = 143;

pub(crate) fn execute(args: &RunArgs) -> u8 {
    for (given, flag) in [
        (args.invoke.is_some(), "--invoke"),
        (!args.env.is_empty(), "--env"),
        (!args.dirs.is_empty(), "--dir"),
        (!args.dirs_ro.is_empty(), "--dir-ro"),
        (args.report.is_some(), "--report"),
    ] {
        if given {
            return CliError::usage(format!(
                "{flag} does not apply to `wisp run` without a target (serve mode)"
            ))
            .fail(&Output::default());
        }
    }
    // Before boot, so that a signal during boot is kept for after it.
    let mut signals = match Signals::new([SIGINT, SIGTERM, SIGUSR1]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot handle signals: {e}");
            return EXIT_INTERNAL;
        }
    };
    let root = args.root.clone().unwrap_or_else(|| DEFAULT_ROOT.into());
    let reg = match crate::registry::load(&root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut builder = Supervision::builder(Arc::new(reg))
        .echo_output(true)
        .limits(args.limits.to_limits())
        .log(LogSink::new(|line| eprintln!("wisp: {line}")));
    if let Some(n) = args.workers {
        builder = builder.workers(n as usize);
    }
    if let Some(f) = args.slice_fuel {
        builder = builder.slice_fuel(f);
    }
    let sup = builder.build();
    let started = match sup.start_auto() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code());
            sup.stop_all();
            return EXIT_ERROR;
        }
    };
    if started.is_empty() {
        eprintln!("wisp: no auto_start entries under {}", root.display());
    }
    eprintln!(
        "wisp: serving {} entries from {} (SIGINT or SIGTERM stops, SIGUSR1 prints the status)",
        started.len(),
        root.display()
    );
    if args.status {
        print_status(&sup);
    }
    let mut code = EXIT_SIGINT;
    for signal in signals.forever() {
        match signal {
            SIGUSR1 => print_status(&sup),
            SIGTERM => {
                code = EXIT_SIGTERM;
                break;
            }
            _ => break,
        }
    }
    let name = if code == EXIT_SIGTERM {
        "SIGTERM"
    } else {
        "SIGINT"
    };
    eprintln!("wisp: {name}: stopping in reverse start order");
    sup.stop_all();
    eprintln!("wisp: stopped");
    code
}

/// The status table on stdout.
fn print_status(sup: &Supervision) {
    let text = status_table(&sup.status());
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// `ENTRY  KIND  STATE  PID  RESTARTS`, a supervisor's children indented
/// under it, then one line of process counts per host.
pub(crate) fn status_table(all: &[EntryStatus]) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "ENTRY".into(),
        "KIND".into(),
        "STATE".into(),
        "PID".into(),
        "RESTARTS".into(),
    ]];
    let pid = |p: Option<wisp_host::Pid>| p.map_or("-".to_string(), |p| p.0.to_string());
    let mut hosts = Vec::new();
    for e in all {
        rows.push([
            e.id.to_string(),
            e.kind.as_str().into(),
            e.state.clone(),
            pid(e.pid),
            if e.kind == UnitKind::Host {
                "-".into()
            } else {
                e.restarts.to_string()
            },
        ]);
        for c in &e.children {
            let (kind, state) = match &c.supervisor {
                Some(s) => ("supervisor", s.state().as_str().to_string()),
                None if c.pid.is_some() => ("process", "running".into()),
                None => ("process", "down".into()),
            };
            rows.push([
                format!("  {}", c.id),
                kind.into(),
                state,
                pid(c.pid),
                c.restarts.to_string(),
            ]);
        }
        if let Some(m) = &e.metrics {
            hosts.push(format!(
                "{}: {} processes live (running {}, runnable {}, parked {}), {} spawned, {} exited\n",
                e.id, m.active, m.running, m.runnable, m.parked, m.spawned_total, m.exited_total
            ));
        }
    }
    let mut widths = [0usize; 5];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for h in hosts {
        out.push_str(&h);
    }
    out
}
