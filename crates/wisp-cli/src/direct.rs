//! The direct path of `wisp run --checkpoint-at-fuel N --checkpoint-out
//! FILE`: the module runs on a store of its own on this thread, not on the
//! process host (which cannot checkpoint yet), with WASI preview1 available
//! (`wasi.rs`), as a WASI command (`_start`, the words after the file as
//! argv[1..], `proc_exit(n)` as the exit code) or, with `--invoke NAME`, as
//! a call of one export with the words parsed by its parameter types. The
//! run stops after N units of fuel and is saved to FILE for `wisp resume`
//! (`checkpoint.rs`). The results/failure printing here is shared with
//! `wisp resume` and `wisp serve`; the argument parsing and result format
//! with bare mode (`bare.rs`).

use std::ffi::OsString;
use std::path::PathBuf;

use wisp_interp::{CallOutcome, Config, Engine, Error, Func, Module, Store, Val, ValType};
use wisp_wasi::WasiCtx;

use crate::checkpoint::{RunInfo, checkpoint_bytes, write_checkpoint};
use crate::flags::RunArgs;
use crate::load::read_module_bytes;
use crate::wasi::{Guest, Stdio, exit_status, linker, parse_env, parse_mount};
use crate::{EXIT_ERROR, EXIT_TRAP};

/// How a run ended without failing.
#[derive(Debug)]
pub(crate) enum Ended {
    /// The called function returned these results (printed one per line).
    Returned(Vec<Val>),
    /// The guest called `proc_exit` with this status.
    Exited(u32),
    /// The run was saved to a checkpoint (nothing is printed).
    Checkpointed,
}

/// Why a run stopped, mapped to an exit code by [`report`].
pub(crate) enum Failure {
    /// The module could not be loaded, compiled, instantiated or called.
    Setup(String),
    /// The guest trapped or ran out of fuel.
    Guest(String),
}

impl Failure {
    /// The failure with `context` in front of its message.
    pub(crate) fn context(self, context: &str) -> Failure {
        match self {
            Failure::Setup(m) => Failure::Setup(format!("{context}: {m}")),
            Failure::Guest(m) => Failure::Guest(m),
        }
    }
}

pub(crate) fn execute(args: RunArgs) -> u8 {
    let path = args.report.clone();
    let entry = args
        .module_and_args
        .first()
        .map(|f| PathBuf::from(f).display().to_string());
    let outcome = run(args);
    let written = match &path {
        Some(path) => crate::report::write(path, &outcome_report(entry.as_deref(), &outcome)),
        None => Ok(()),
    };
    let code = report(outcome);
    match written {
        Ok(()) => code,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    }
}

/// The `--report` of a run on the direct path: `suspended` for a
/// checkpoint; the reason is told from the message for a failure.
fn outcome_report(entry: Option<&str>, outcome: &Result<Ended, Failure>) -> serde_json::Value {
    use serde_json::json;

    use crate::report::other_report;
    match outcome {
        Ok(Ended::Checkpointed) => other_report(entry, "suspended", json!({}), None, None, 0),
        Ok(Ended::Exited(status)) => {
            let code = *status as i32;
            other_report(
                entry,
                "exit",
                json!({ "code": code }),
                None,
                None,
                code & 0xff,
            )
        }
        Ok(Ended::Returned(vals)) => {
            let results = vals
                .iter()
                .filter_map(wisp_host::Value::from_val)
                .map(|v| crate::report::value(&v))
                .collect();
            other_report(entry, "normal", json!({}), None, Some(results), 0)
        }
        Err(Failure::Guest(m)) => {
            let reason = if m.starts_with("out of fuel") {
                "fuel_exhausted"
            } else {
                "trap"
            };
            other_report(
                entry,
                reason,
                json!({}),
                Some(m),
                None,
                i32::from(EXIT_TRAP),
            )
        }
        Err(Failure::Setup(m)) => other_report(
            entry,
            "spawn_error",
            json!({ "message": m }),
            Some(m),
            None,
            1,
        ),
    }
}

/// Prints a run's results or its failure, returning the exit code.
pub(crate) fn report(outcome: Result<Ended, Failure>) -> u8 {
    let (code, stdout, stderr) = render(outcome);
    print!("{stdout}");
    eprint!("{stderr}");
    code
}

/// A run's exit code, stdout and stderr (`wisp serve` sends them back to
/// `wisp migrate`).
pub(crate) fn render(outcome: Result<Ended, Failure>) -> (u8, String, String) {
    match outcome {
        Ok(Ended::Exited(status)) => ((status & 0xff) as u8, String::new(), String::new()),
        Ok(Ended::Checkpointed) => (0, String::new(), String::new()),
        Ok(Ended::Returned(results)) => {
            let stdout = results
                .iter()
                .map(|r| format!("{}\n", format_val(r)))
                .collect();
            (0, stdout, String::new())
        }
        Err(Failure::Setup(m)) => (EXIT_ERROR, String::new(), format!("error: {m}\n")),
        Err(Failure::Guest(m)) => (EXIT_TRAP, String::new(), format!("error: {m}\n")),
    }
}

/// Sorts an engine error into a guest failure (trap, fuel) or a setup failure.
pub(crate) fn classify(context: &str, e: Error) -> Failure {
    match e {
        Error::Trap(t) => Failure::Guest(format!("wasm trap: {t}")),
        e @ Error::OutOfFuel { .. } => Failure::Guest(e.to_string()),
        e => Failure::Setup(format!("{context}: {e}")),
    }
}

/// How a call ended: results, `proc_exit`, or a failure.
pub(crate) fn finish(
    store: &Store<WasiCtx>,
    outcome: Result<Vec<Val>, Error>,
    context: &str,
) -> Result<Ended, Failure> {
    match outcome {
        Ok(results) => Ok(Ended::Returned(results)),
        Err(e) => match exit_status(store) {
            Some(status) => Ok(Ended::Exited(status)),
            None => Err(classify(context, e)),
        },
    }
}

fn run(args: RunArgs) -> Result<Ended, Failure> {
    let mut words = args.module_and_args.into_iter();
    let file = PathBuf::from(words.next().unwrap_or_default());
    let fn_args: Vec<OsString> = words.collect();
    // A WASI command sees the file name and the words as its argv.
    let command = args.invoke.is_none();
    let mut guest = Guest {
        args: vec![file.display().to_string()],
        env: parse_env(&args.env).map_err(Failure::Setup)?,
        dirs: (args.dirs.iter().map(|d| parse_mount(d, false)))
            .chain(args.dirs_ro.iter().map(|d| parse_mount(d, true)))
            .collect(),
    };
    if command {
        for (i, word) in fn_args.iter().enumerate() {
            let word = word.to_str().ok_or_else(|| {
                Failure::Setup(format!("argument {} is not valid UTF-8: {word:?}", i + 1))
            })?;
            guest.args.push(word.to_string());
        }
    }

    let bytes = read_module_bytes(&file).map_err(Failure::Setup)?;
    let mut config = Config::default();
    config.consume_fuel(args.limits.fuel.is_some() || args.checkpoint_at_fuel.is_some());
    let engine = Engine::new(&config);
    let module = Module::new(&engine, &bytes)
        .map_err(|e| Failure::Setup(format!("{}: {e}", file.display())))?;

    let ctx = guest.context(Stdio::Inherit).map_err(Failure::Setup)?;
    let mut store = Store::new(&engine, ctx);
    // With a checkpoint, the first stretch ends at the checkpoint (or the
    // whole budget, if that is smaller).
    let budget = args.limits.fuel.unwrap_or(u64::MAX);
    let first = budget.min(args.checkpoint_at_fuel.unwrap_or(u64::MAX));
    if config.get_consume_fuel() {
        store
            .set_fuel(first)
            .map_err(|e| Failure::Setup(e.to_string()))?;
    }
    // WASI preview1 is the only import source: anything else fails to link.
    let linker = linker(&engine).map_err(Failure::Setup)?;
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(instance) => instance,
        Err(e) => {
            // A start function may `proc_exit`.
            let context = format!("cannot instantiate {}", file.display());
            return finish(&store, Err(e), &context);
        }
    };

    let func = match &args.invoke {
        Some(name) => instance
            .get_func(&store, name)
            .ok_or_else(|| Failure::Setup(format!("no exported function named `{name}`")))?,
        None => instance.get_func(&store, "_start").ok_or_else(|| {
            Failure::Setup(
                "the module exports no `_start` function; choose one with --invoke NAME".into(),
            )
        })?,
    };
    let name = args.invoke.as_deref().unwrap_or("_start");
    let words: &[OsString] = if command { &[] } else { &fn_args };
    let params = parse_args(&store, func, name, words).map_err(Failure::Setup)?;
    let context = format!("cannot call `{name}`");
    let call = match func.call_resumable(&mut store, &params) {
        Ok(CallOutcome::Complete(results)) => return finish(&store, Ok(results), &context),
        Ok(CallOutcome::Suspended(call)) => call,
        Err(e) => return finish(&store, Err(e), &context),
    };
    let (Some(at), Some(path)) = (args.checkpoint_at_fuel, &args.checkpoint_out) else {
        return Err(Failure::Guest(format!("out of fuel ({first}/{first})")));
    };
    if at >= budget {
        return Err(Failure::Guest(format!("out of fuel ({budget}/{budget})")));
    }
    let info = RunInfo {
        budget: if args.limits.fuel.is_some() {
            budget - at
        } else {
            u64::MAX
        },
        invoke: name.to_string(),
        guest,
    };
    let image = checkpoint_bytes(&mut store, &call, &info, &bytes)?;
    write_checkpoint(path, &image)?;
    eprintln!(
        "wisp: checkpoint after {at} units of fuel written to {} ({} bytes); \
         continue with `wisp resume {}`",
        path.display(),
        image.len(),
        path.display()
    );
    Ok(Ended::Checkpointed)
}

/// Parses the words after the file by `func`'s parameter types.
fn parse_args(
    store: &Store<WasiCtx>,
    func: Func,
    name: &str,
    words: &[OsString],
) -> Result<Vec<Val>, String> {
    let ty = func.ty(store);
    let params = ty.params();
    if words.len() != params.len() {
        let types: Vec<String> = params.iter().map(ToString::to_string).collect();
        let takes = match params.len() {
            0 => "no arguments".to_string(),
            1 => format!("1 argument ({})", types.join(", ")),
            n => format!("{n} arguments ({})", types.join(", ")),
        };
        let given = match words.len() {
            1 => "1 was given".to_string(),
            n => format!("{n} were given"),
        };
        return Err(format!("`{name}` takes {takes}, but {given}"));
    }
    params
        .iter()
        .zip(words)
        .enumerate()
        .map(|(i, (ty, word))| {
            let text = word
                .to_str()
                .ok_or_else(|| format!("argument {} is not valid UTF-8: {word:?}", i + 1))?;
            parse_val(*ty, text)
                .ok_or_else(|| format!("argument {} (`{text}`) is not a valid {ty}", i + 1))
        })
        .collect()
}

/// Parses one argument: integers in decimal (negative allowed, and the
/// unsigned range too) or `0x` hex; floats in decimal incl. `nan`, `inf`,
/// `-inf`; references only as `null`.
pub(crate) fn parse_val(ty: ValType, text: &str) -> Option<Val> {
    match ty {
        ValType::I32 => parse_int(
            text,
            |s, radix| i32::from_str_radix(s, radix).ok(),
            |s, radix| u32::from_str_radix(s, radix).ok().map(|u| u as i32),
        )
        .map(Val::I32),
        ValType::I64 => parse_int(
            text,
            |s, radix| i64::from_str_radix(s, radix).ok(),
            |s, radix| u64::from_str_radix(s, radix).ok().map(|u| u as i64),
        )
        .map(Val::I64),
        ValType::F32 => text.parse::<f32>().ok().map(Val::from),
        ValType::F64 => text.parse::<f64>().ok().map(Val::from),
        ValType::Ref(_) if text == "null" => Some(Val::default_for(ty)),
        ValType::Ref(_) => None,
    }
}

fn parse_int<T>(
    text: &str,
    signed: impl Fn(&str, u32) -> Option<T>,
    unsigned: impl Fn(&str, u32) -> Option<T>,
) -> Option<T> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let hex = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X"));
    match (negative, hex) {
        (false, None) => signed(text, 10).or_else(|| unsigned(text, 10)),
        (true, None) => signed(text, 10),
        (false, Some(digits)) => unsigned(digits, 16),
        (true, Some(digits)) => signed(&format!("-{digits}"), 16),
    }
}

/// Formats a result as wasmtime does: integers in decimal, floats with Rust's
/// shortest round-trip `Display` (`1.5`, `1`, `-0`, `inf`, `NaN`), references
/// as `<funcref>`, `<null funcref>`, `<externref>`, `<null externref>`.
pub(crate) fn format_val(val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::FuncRef(None) => "<null funcref>".into(),
        Val::FuncRef(Some(_)) => "<funcref>".into(),
        Val::ExternRef(None) => "<null externref>".into(),
        Val::ExternRef(Some(_)) => "<externref>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_val(ValType::I32, "-3"), Some(Val::I32(-3)));
        assert_eq!(parse_val(ValType::I32, "4294967295"), Some(Val::I32(-1)));
        assert_eq!(parse_val(ValType::I32, "0x10"), Some(Val::I32(16)));
        assert_eq!(parse_val(ValType::I32, "0xffffffff"), Some(Val::I32(-1)));
        assert_eq!(parse_val(ValType::I32, "-0x10"), Some(Val::I32(-16)));
        assert_eq!(parse_val(ValType::I32, "4294967296"), None);
        assert_eq!(parse_val(ValType::I32, "-2147483649"), None);
        assert_eq!(parse_val(ValType::I32, "1.5"), None);
        assert_eq!(
            parse_val(ValType::I64, "-9223372036854775808"),
            Some(Val::I64(i64::MIN))
        );
        assert_eq!(
            parse_val(ValType::I64, "18446744073709551615"),
            Some(Val::I64(-1))
        );
    }

    #[test]
    fn floats() {
        assert_eq!(
            parse_val(ValType::F32, "1.5"),
            Some(Val::F32(1.5f32.to_bits()))
        );
        assert_eq!(
            parse_val(ValType::F64, "-inf"),
            Some(Val::F64(f64::NEG_INFINITY.to_bits()))
        );
        assert_eq!(
            parse_val(ValType::F64, "inf"),
            Some(Val::F64(f64::INFINITY.to_bits()))
        );
        let Some(Val::F32(nan)) = parse_val(ValType::F32, "nan") else {
            panic!("nan must parse")
        };
        assert!(f32::from_bits(nan).is_nan());
        assert_eq!(parse_val(ValType::F32, "x"), None);
    }

    #[test]
    fn references() {
        assert_eq!(
            parse_val(ValType::FUNCREF, "null"),
            Some(Val::FuncRef(None))
        );
        assert_eq!(parse_val(ValType::EXTERNREF, "1"), None);
    }

    #[test]
    fn output_matches_wasmtime() {
        assert_eq!(format_val(&Val::I32(-3)), "-3");
        assert_eq!(format_val(&Val::I64(1 << 40)), "1099511627776");
        assert_eq!(format_val(&Val::F32(1.5f32.to_bits())), "1.5");
        assert_eq!(format_val(&Val::F64(1.0f64.to_bits())), "1");
        assert_eq!(format_val(&Val::F64((-0.0f64).to_bits())), "-0");
        assert_eq!(format_val(&Val::F32(f32::NAN.to_bits())), "NaN");
        assert_eq!(format_val(&Val::F64(f64::NEG_INFINITY.to_bits())), "-inf");
        assert_eq!(format_val(&Val::F64(0.1f64.to_bits())), "0.1");
        assert_eq!(format_val(&Val::FuncRef(None)), "<null funcref>");
    }
}
