//! `wisp validate FILE`: decode and validate, print nothing on success, or
//! the error (with its byte offset) and exit 1.

use std::path::PathBuf;

use wisp_interp::{Config, Engine, Module};

use crate::EXIT_ERROR;
use crate::load::read_module_bytes;

#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// The module: binary `.wasm`, or text `.wat`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub(crate) fn execute(args: &ValidateArgs) -> u8 {
    let bytes = match read_module_bytes(&args.file) {
        Ok(b) => b,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_ERROR;
        }
    };
    let engine = Engine::new(&Config::default());
    match Module::validate(&engine, &bytes) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            EXIT_ERROR
        }
    }
}
