//! `wisp wast [--fuel N] FILE...`: run spec scripts and print, per file, one
//! line per failing directive and a `PASS`/`FAIL` line, then a last line
//! `N passed, M failed` counting directives over all files.

use std::path::PathBuf;

use wisp_wast::{RunOptions, run_file};

use crate::{EXIT_ERROR, EXIT_USAGE};

#[derive(Debug, clap::Args)]
pub(crate) struct WastArgs {
    /// Give every call and instantiation N units of fuel (guards against
    /// runaway loops; off by default).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,

    /// The scripts to run.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

pub(crate) fn execute(args: &WastArgs) -> u8 {
    let opts = RunOptions {
        fuel: args.fuel,
        ..RunOptions::default()
    };
    let (mut passed, mut failed) = (0, 0);
    let mut script_errors = false;
    for file in &args.files {
        let report = run_file(file, &opts);
        if let Some(e) = &report.script_error {
            println!("error: {e}");
            script_errors = true;
        }
        for failure in &report.failures {
            println!("{failure}");
        }
        println!("{}", report.summary_line());
        passed += report.passed;
        failed += report.failed;
    }
    println!("{passed} passed, {failed} failed");
    if script_errors {
        EXIT_USAGE
    } else if failed > 0 {
        EXIT_ERROR
    } else {
        0
    }
}
