//! Bare mode: `wisp run [OPTIONS] FILE.wasm|FILE.wat [ARGS...]` on the
//! process host, without a registry (HOST.md §4.2).
//!
//! The module runs as a WASI command (`_start`, the file name and the
//! words after it as argv), or with `--invoke NAME` as a call of that
//! export with the words parsed by its parameter types. Every WASI profile
//! except `wisp:process` is granted; the filesystem is only what `--dir`
//! and `--dir-ro` mount. Limits are the flags over the built-in defaults.
//!
//! The module is decoded here first, to check the method and its
//! arguments with the CLI's own messages before anything is spawned.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use wisp_core::{ExternKind, FuncType, ValType};
use wisp_host::boot::host_limits;
use wisp_host::{
    Host, HostBuilder, ModuleSource, Mount, SpawnOpts, SpawnSpec, StdinSpec, Value, WasiSpec,
};
use wisp_interp::Config;

use crate::direct::parse_val;
use crate::flags::RunArgs;
use crate::foreground::{self, CliError, HostStdin, Output};
use crate::load::read_module;
use crate::wasi::{parse_env, parse_mount};

/// Runs `file` with `words` as bare mode says; the exit code.
pub(crate) fn execute(args: &RunArgs, file: &Path, words: &[OsString]) -> u8 {
    let out = Output {
        report: args.report.clone(),
        entry: Some(file.display().to_string()),
    };
    let stdin = HostStdin::new();
    match spec(args, file, words, StdinSpec::Pipe(stdin.reader.clone())) {
        Ok(Some(spec)) => foreground::run(builder(args), spec, stdin, &out),
        Ok(None) => crate::direct::execute(args.clone()),
        Err(e) => e.fail(&out),
    }
}

/// One worker (there is one process) unless `--workers` says otherwise.
fn builder(args: &RunArgs) -> HostBuilder {
    let mut b = Host::builder().workers(args.workers.map_or(1, |n| n as usize));
    if let Some(f) = args.slice_fuel {
        b = b.slice_fuel(f);
    }
    b
}

/// The spawn spec of a bare run; `None` for a module that lacks the
/// method but has a start function, which runs on the direct path: the
/// host needs the method before it instantiates, but the start function
/// must run (and may trap or exit) before a missing method is reported.
fn spec(
    args: &RunArgs,
    file: &Path,
    words: &[OsString],
    stdin: StdinSpec,
) -> Result<Option<SpawnSpec>, CliError> {
    for (given, flag) in [
        (args.exec.is_some(), "--exec"),
        (args.host.is_some(), "--host"),
        (args.root.is_some(), "--root"),
    ] {
        if given {
            return Err(CliError::usage(format!(
                "{flag} applies to registry mode only, not to a module file"
            )));
        }
    }
    let bytes = read_module(file).map_err(|e| CliError::coded(e.code, e.message))?;
    let decoded = wisp_decode::decode(&bytes, Config::default().get_features())
        .map_err(|e| CliError::coded("ModuleCompileError", format!("{}: {e}", file.display())))?;
    let name = args.invoke.as_deref().unwrap_or("_start");
    let method = decoded
        .exports
        .iter()
        .find(|e| e.name == name && e.kind == ExternKind::Func);
    if method.is_none() && decoded.start.is_some() {
        return Ok(None);
    }
    let ty = method
        .and_then(|e| decoded.func_type_index(e.index))
        .and_then(|t| decoded.types.get(t as usize))
        .ok_or_else(|| {
            CliError::setup(match &args.invoke {
                Some(_) => format!("no exported function named `{name}`"),
                None => "the module exports no `_start` function; choose one with --invoke NAME"
                    .to_string(),
            })
        })?;
    numeric_only(name, ty)?;
    let mut argv = vec![file.display().to_string()];
    let values = if args.invoke.is_some() {
        parse_args(name, ty.params(), words)?
    } else {
        check_arity(name, ty.params(), 0)?;
        for (i, word) in words.iter().enumerate() {
            argv.push(utf8(i, word)?.to_string());
        }
        Vec::new()
    };
    let mounts = args
        .dirs
        .iter()
        .map(|d| parse_mount(d, false))
        .chain(args.dirs_ro.iter().map(|d| parse_mount(d, true)))
        .map(|m| Mount {
            host: PathBuf::from(m.host),
            guest: m.guest,
            read_only: m.read_only,
        })
        .collect();
    let links = crate::modpath::resolve(&bytes, &args.module_paths)?;
    Ok(Some(SpawnSpec {
        links,
        module: ModuleSource::Bytes {
            bytes: bytes.into(),
            sha256: None,
        },
        method: name.to_string(),
        args: values,
        wasi: WasiSpec {
            args: argv,
            env: parse_env(&args.env).map_err(CliError::setup)?,
            mounts,
            stdin,
            granted: None,
        },
        limits: host_limits(&args.limits.to_limits().effective()),
        opts: SpawnOpts {
            name: Some(file.display().to_string()),
            ..SpawnOpts::default()
        },
    }))
}

/// The host passes and returns numbers only (HOST.md §1.4 step 5).
fn numeric_only(name: &str, ty: &FuncType) -> Result<(), CliError> {
    let numeric =
        |t: &ValType| matches!(t, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64);
    let bad = ty
        .params()
        .iter()
        .map(|t| ("param", t))
        .chain(ty.results().iter().map(|t| ("result", t)))
        .find(|(_, t)| !numeric(t));
    match bad {
        Some((which, t)) => Err(CliError::coded(
            "EntrypointError",
            format!("{name} has {t} {which}; only i32/i64/f32/f64 are supported"),
        )),
        None => Ok(()),
    }
}

fn check_arity(name: &str, params: &[ValType], given: usize) -> Result<(), CliError> {
    if given == params.len() {
        return Ok(());
    }
    let types: Vec<String> = params.iter().map(ToString::to_string).collect();
    let takes = match params.len() {
        0 => "no arguments".to_string(),
        1 => format!("1 argument ({})", types.join(", ")),
        n => format!("{n} arguments ({})", types.join(", ")),
    };
    let given = match given {
        1 => "1 was given".to_string(),
        n => format!("{n} were given"),
    };
    Err(CliError::setup(format!(
        "`{name}` takes {takes}, but {given}"
    )))
}

fn utf8(i: usize, word: &OsString) -> Result<&str, CliError> {
    word.to_str()
        .ok_or_else(|| CliError::setup(format!("argument {} is not valid UTF-8: {word:?}", i + 1)))
}

/// The words parsed by the parameter types (docs/cli.md).
fn parse_args(name: &str, params: &[ValType], words: &[OsString]) -> Result<Vec<Value>, CliError> {
    check_arity(name, params, words.len())?;
    params
        .iter()
        .zip(words)
        .enumerate()
        .map(|(i, (ty, word))| {
            let text = utf8(i, word)?;
            parse_val(*ty, text)
                .as_ref()
                .and_then(Value::from_val)
                .ok_or_else(|| {
                    CliError::setup(format!("argument {} (`{text}`) is not a valid {ty}", i + 1))
                })
        })
        .collect()
}
