//! The guest side of `wisp run` and `wisp resume`: every store holds a WASI
//! context with the host's stdio, clocks and randomness, the guest's argv
//! and the environment given by `--env`, and every linker provides
//! `wasi_snapshot_preview1` (a module that imports nothing from it is not
//! affected). A WASI command's `proc_exit(n)` ends the run with exit code
//! `n & 0xff`, as wasmtime does.

use wisp_interp::{Engine, Linker, Store};
use wisp_wasi::WasiCtx;

/// argv, environment and preopened directories of a guest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Guest {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) dirs: Vec<Mount>,
}

/// A host directory preopened for the guest (`--dir`, `--dir-ro`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    pub(crate) host: String,
    pub(crate) guest: String,
    pub(crate) read_only: bool,
}

/// Parses `HOST[::GUEST]` (the guest path defaults to the host path, as in
/// wasmtime).
pub(crate) fn parse_mount(flag: &str, read_only: bool) -> Mount {
    let (host, guest) = flag.split_once("::").unwrap_or((flag, flag));
    Mount {
        host: host.to_string(),
        guest: guest.to_string(),
        read_only,
    }
}

/// Where a guest's stdout and stderr go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stdio {
    /// The host's own stdin, stdout and stderr.
    Inherit,
    /// No stdin; stdout and stderr kept in the context (`wisp serve` sends
    /// them back to `wisp migrate`).
    Capture,
}

impl Guest {
    /// The WASI context of a run of this guest: host clocks and randomness,
    /// stdio as `stdio` says.
    pub(crate) fn context(&self, stdio: Stdio) -> Result<WasiCtx, String> {
        let builder = WasiCtx::builder().inherit_host();
        let builder = match stdio {
            Stdio::Inherit => builder,
            Stdio::Capture => builder
                .stdin(wisp_wasi::StdinSource::Empty)
                .stdout(wisp_wasi::OutputSink::CAPTURE)
                .stderr(wisp_wasi::OutputSink::CAPTURE),
        };
        let mut builder = builder.args(self.args.iter().cloned()).env_all(&self.env);
        for m in &self.dirs {
            let cannot =
                |e: wisp_wasi::BuildError| format!("cannot preopen {} as {}: {e}", m.host, m.guest);
            builder = if m.read_only {
                builder.preopen_host_dir_readonly(&m.host, &m.guest)
            } else {
                builder.preopen_host_dir(&m.host, &m.guest)
            }
            .map_err(cannot)?;
        }
        builder
            .build()
            .map_err(|e| format!("cannot set up WASI: {e}"))
    }
}

/// `env` for each pair, on a builder.
trait EnvAll {
    fn env_all(self, env: &[(String, String)]) -> Self;
}

impl EnvAll for wisp_wasi::WasiCtxBuilder {
    fn env_all(self, env: &[(String, String)]) -> Self {
        env.iter()
            .fold(self, |b, (k, v)| b.env(k.clone(), v.clone()))
    }
}

/// Parses `--env` values: `NAME=VALUE`, or `NAME` for the host's value (a
/// name the host does not have is an error, as in wasmtime).
pub(crate) fn parse_env(flags: &[String]) -> Result<Vec<(String, String)>, String> {
    flags
        .iter()
        .map(|flag| match flag.split_once('=') {
            Some((name, value)) => Ok((name.to_string(), value.to_string())),
            None => std::env::var(flag)
                .map(|value| (flag.clone(), value))
                .map_err(|_| format!("--env {flag}: the host has no variable `{flag}`")),
        })
        .collect()
}

/// A linker with WASI preview1.
pub(crate) fn linker(engine: &Engine) -> Result<Linker<WasiCtx>, String> {
    let mut linker = Linker::new(engine);
    wisp_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)
        .map_err(|e| format!("cannot set up WASI: {e}"))?;
    Ok(linker)
}

/// The exit status the guest gave with `proc_exit`, if it did.
pub(crate) fn exit_status(store: &Store<WasiCtx>) -> Option<u32> {
    store.data().exit_code()
}
