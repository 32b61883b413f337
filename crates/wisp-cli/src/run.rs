//! `wisp run [--invoke NAME] [--fuel N] FILE [ARG...]`: instantiate a module
//! with no imports, call one export with arguments parsed by its parameter
//! types, and print each result on its own line as wasmtime does.
//!
//! Options come before the file, as in wasmtime; every word after the file
//! is an argument of the invoked function, even one starting with `-`.

use std::ffi::OsString;
use std::path::PathBuf;

use wisp_interp::{Config, Engine, Error, Func, Linker, Module, Store, Val, ValType};

use crate::load::read_module_bytes;
use crate::{EXIT_ERROR, EXIT_TRAP};

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Call this exported function instead of `_start`.
    #[arg(long, value_name = "NAME")]
    pub(crate) invoke: Option<String>,

    /// Meter execution: stop with "out of fuel" (exit 134) after N units.
    #[arg(long, value_name = "N")]
    pub(crate) fuel: Option<u64>,

    /// The module (binary `.wasm`, or text `.wat`), then the function's arguments.
    #[arg(
        value_name = "FILE",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub(crate) module_and_args: Vec<OsString>,
}

/// Why a run stopped, mapped to an exit code by [`execute`].
enum Failure {
    /// The module could not be loaded, compiled, instantiated or called.
    Setup(String),
    /// The guest trapped or ran out of fuel.
    Guest(String),
}

pub(crate) fn execute(args: RunArgs) -> u8 {
    match run(args) {
        Ok(results) => {
            for r in &results {
                println!("{}", format_val(r));
            }
            0
        }
        Err(Failure::Setup(m)) => {
            eprintln!("error: {m}");
            EXIT_ERROR
        }
        Err(Failure::Guest(m)) => {
            eprintln!("error: {m}");
            EXIT_TRAP
        }
    }
}

/// Sorts an engine error into a guest failure (trap, fuel) or a setup failure.
fn classify(context: &str, e: Error) -> Failure {
    match e {
        Error::Trap(t) => Failure::Guest(format!("wasm trap: {t}")),
        e @ Error::OutOfFuel { .. } => Failure::Guest(e.to_string()),
        e => Failure::Setup(format!("{context}: {e}")),
    }
}

fn run(args: RunArgs) -> Result<Vec<Val>, Failure> {
    let mut words = args.module_and_args.into_iter();
    let file = PathBuf::from(words.next().unwrap_or_default());
    let fn_args: Vec<OsString> = words.collect();

    let bytes = read_module_bytes(&file).map_err(Failure::Setup)?;
    let mut config = Config::default();
    config.consume_fuel(args.fuel.is_some());
    let engine = Engine::new(&config);
    let module = Module::new(&engine, &bytes)
        .map_err(|e| Failure::Setup(format!("{}: {e}", file.display())))?;

    let mut store = Store::new(&engine, ());
    if let Some(fuel) = args.fuel {
        store
            .set_fuel(fuel)
            .map_err(|e| Failure::Setup(e.to_string()))?;
    }
    // No host functions are provided: a module with imports fails to link here.
    let linker = Linker::new(&engine);
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| classify(&format!("cannot instantiate {}", file.display()), e))?;

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
    let params = parse_args(&store, func, name, &fn_args).map_err(Failure::Setup)?;
    let ty = func.ty(&store);
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    func.call(&mut store, &params, &mut results)
        .map_err(|e| classify(&format!("cannot call `{name}`"), e))?;
    Ok(results)
}

/// Parses the words after the file by `func`'s parameter types.
fn parse_args(
    store: &Store<()>,
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
