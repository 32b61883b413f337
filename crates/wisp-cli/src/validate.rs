//! `wisp validate`: with a FILE, decode and validate one module; without,
//! load and check the whole registry under `--root` (HOST.md §1, every load
//! check, nothing run). Prints nothing for a valid module, `ok: …` for a
//! valid registry, and every error otherwise (exit 1); with `--json`, the
//! errors as a JSON array (`[]` when valid) of
//! `{file, line, column, entry, kind, field, code, message}`.

use std::path::{Path, PathBuf};

use wisp_interp::{Config, Engine, Module};

use crate::EXIT_ERROR;
use crate::flags::DEFAULT_ROOT;
use crate::load::read_module;

#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// A module (binary `.wasm`, or text `.wat`); without it, the registry.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    /// The registry's root directory [default: ./src].
    #[arg(long, value_name = "DIR", conflicts_with = "file")]
    root: Option<PathBuf>,

    /// Print the errors as a JSON array on stdout.
    #[arg(long)]
    json: bool,
}

pub(crate) fn execute(args: &ValidateArgs) -> u8 {
    match &args.file {
        Some(file) => module(file, args.json),
        None => registry(
            args.root.as_deref().unwrap_or(Path::new(DEFAULT_ROOT)),
            args.json,
        ),
    }
}

fn module(file: &Path, json: bool) -> u8 {
    let problem = match read_module(file) {
        Ok(bytes) => {
            let engine = Engine::new(&Config::default());
            match Module::validate(&engine, &bytes) {
                Ok(()) => None,
                Err(e) => Some(("ModuleCompileError", format!("{}: {e}", file.display()))),
            }
        }
        Err(e) => Some((e.code, e.message)),
    };
    if json {
        let errors: Vec<serde_json::Value> = problem
            .iter()
            .map(|(code, message)| {
                serde_json::json!({
                    "file": file.display().to_string(), "line": null, "column": null,
                    "entry": null, "kind": null, "field": null,
                    "code": code, "message": message,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(errors));
    } else if let Some((_, message)) = &problem {
        eprintln!("error: {message}");
    }
    if problem.is_some() { EXIT_ERROR } else { 0 }
}

fn registry(root: &Path, json: bool) -> u8 {
    match crate::registry::load_or_errors(root) {
        Ok(reg) => {
            if json {
                println!("[]");
            } else {
                let n = reg.entries().count();
                println!(
                    "ok: {}: {n} entr{}, {} module{}",
                    root.display(),
                    if n == 1 { "y" } else { "ies" },
                    reg.module_count(),
                    if reg.module_count() == 1 { "" } else { "s" }
                );
            }
            0
        }
        Err(errors) => {
            if json {
                println!("{}", errors.to_json());
            } else {
                eprintln!("{errors}");
            }
            EXIT_ERROR
        }
    }
}
