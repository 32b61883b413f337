//! `WasiCtx`: the per-instance WASI state, and `WasiCtxBuilder`, which makes it.
//!
//! The context owns what the guest can observe through preview1: its argv
//! and environment (stored already NUL-terminated, as the guest receives
//! them), the three stdio descriptors, a clock source, a random source and
//! the exit-status slot that `proc_exit` fills.
//!
//! Deterministic mode ([`ClockSource::Deterministic`] +
//! [`RandomSource::Seeded`]) makes every observable value a function of the
//! builder's inputs, so two runs of the same module print the same bytes.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

pub use crate::clock::ClockSource;
pub(crate) use crate::clock::{CLOCK_MONOTONIC, CLOCK_REALTIME, Clock};
use crate::errno::Errno;
use crate::fdtable::{FdTable, Preopen};
use crate::fs::Filesystem;
use crate::wait::{Blocking, Parked};

/// Where fd 0 reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StdinSource {
    /// End of file at once.
    Empty,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// The host process's stdin.
    #[cfg(feature = "std")]
    Inherit,
    /// The reading end of a [`crate::pipe`] the host writes into. An empty
    /// pipe makes `fd_read` wait (see [`crate::Blocking`]); end of file
    /// once every writer is gone.
    #[cfg(feature = "std")]
    Pipe(crate::pipe::PipeReader),
}

/// A destination for fd 1 or fd 2 that the embedder implements (the
/// process host's log streams).
pub trait OutputStream: Send + Sync + core::fmt::Debug {
    /// Takes `data` (one `fd_write` iovec); returns how many bytes it took
    /// (fewer than offered is a short write), or the errno to report.
    fn write(&self, data: &[u8]) -> Result<usize, Errno>;
}

/// Where fd 1 or fd 2 writes to.
#[derive(Debug, Clone)]
pub enum OutputSink {
    /// Append to an in-memory buffer the embedder reads
    /// ([`WasiCtx::stdout`], [`WasiCtx::take_stdout`]). At most `limit`
    /// bytes are kept: a write that does not fit is partial, and a write
    /// when the buffer is full fails with `NOSPC`.
    Capture { limit: usize },
    /// The host process's stdout (for fd 1) or stderr (for fd 2).
    #[cfg(feature = "std")]
    Inherit,
    /// The writing end of a [`crate::pipe`] the host reads from. A full
    /// pipe makes `fd_write` wait (see [`crate::Blocking`]); `PIPE` once
    /// the reader is gone.
    #[cfg(feature = "std")]
    Pipe(crate::pipe::PipeWriter),
    /// An embedder's stream.
    Stream(alloc::sync::Arc<dyn OutputStream>),
}

impl OutputSink {
    /// Capture without a limit.
    pub const CAPTURE: OutputSink = OutputSink::Capture { limit: usize::MAX };
}

/// Where `random_get` gets its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomSource {
    /// The OS generator, read from `/dev/urandom` (`IO` if it cannot be read).
    #[cfg(feature = "std")]
    Os,
    /// A SplitMix64 stream from this seed: reproducible, not cryptographic.
    Seeded(u64),
}

/// A context the builder refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("argument {index} contains a NUL byte")]
    NulInArg { index: usize },
    #[error("environment variable `{name}`: the name is empty or contains `=` or NUL")]
    BadEnvName { name: String },
    #[error("environment variable `{name}`: the value contains a NUL byte")]
    NulInEnvValue { name: String },
    #[error("{what} do not fit in the guest's 32-bit size")]
    TooLarge { what: &'static str },
    #[error("preopen `{guest_path}`: {errno}")]
    Preopen { guest_path: String, errno: Errno },
    #[error("too many preopens")]
    TooManyPreopens,
}

/// Builds a [`WasiCtx`]. Defaults: no args, no env, empty stdin, captured
/// stdout/stderr, deterministic clock starting at 0 with step 1 ns, random
/// seeded with 0 — i.e. fully deterministic unless asked otherwise.
#[derive(Debug)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: StdinSource,
    stdout: OutputSink,
    stderr: OutputSink,
    clock: ClockSource,
    random: RandomSource,
    blocking: Blocking,
    max_open_files: Option<usize>,
    preopens: Vec<Preopen>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            env: Vec::new(),
            stdin: StdinSource::Empty,
            stdout: OutputSink::CAPTURE,
            stderr: OutputSink::CAPTURE,
            clock: ClockSource::Deterministic {
                realtime_start_ns: 0,
                step_ns: 1,
            },
            random: RandomSource::Seeded(0),
            blocking: Blocking::Block,
            max_open_files: None,
            preopens: Vec::new(),
        }
    }

    /// At most `n` fds (3 and up, preopens included) open at once:
    /// `path_open` past it is `MFILE` (the process limit), as the hard
    /// bound [`crate::fdtable::MAX_FDS`] gives `NFILE`.
    pub fn max_open_files(mut self, n: usize) -> Self {
        self.max_open_files = Some(n);
        self
    }

    /// Whether calls that wait block the thread (the default) or suspend
    /// the guest for the embedder to retry (see [`crate::wait`]).
    pub fn blocking(mut self, blocking: Blocking) -> Self {
        self.blocking = blocking;
        self
    }

    /// Preopens `fs` as directory `guest_path`: the guest sees it as fd 3
    /// for the first preopen, 4 for the second, and so on.
    pub fn preopen(mut self, guest_path: impl Into<String>, fs: Box<dyn Filesystem>) -> Self {
        self.preopens.push(Preopen {
            guest_path: guest_path.into(),
            fs,
        });
        self
    }

    /// Preopens the host directory `host` (read-write) as `guest_path`.
    #[cfg(feature = "std")]
    pub fn preopen_host_dir(
        self,
        host: impl Into<std::path::PathBuf>,
        guest_path: impl Into<String>,
    ) -> Result<Self, BuildError> {
        let guest_path = guest_path.into();
        match crate::fs::host::HostFs::new(host) {
            Ok(h) => Ok(self.preopen(guest_path, Box::new(crate::fs::Sandbox::new(h)))),
            Err(errno) => Err(BuildError::Preopen { guest_path, errno }),
        }
    }

    /// Preopens the host directory `host` read-only as `guest_path`: every
    /// mutation is `PERM`.
    #[cfg(feature = "std")]
    pub fn preopen_host_dir_readonly(
        self,
        host: impl Into<std::path::PathBuf>,
        guest_path: impl Into<String>,
    ) -> Result<Self, BuildError> {
        let guest_path = guest_path.into();
        match crate::fs::host::HostFs::new(host) {
            Ok(h) => {
                let ro = crate::fs::readonly::ReadOnly::new(h);
                Ok(self.preopen(guest_path, Box::new(crate::fs::Sandbox::new(ro))))
            }
            Err(errno) => Err(BuildError::Preopen { guest_path, errno }),
        }
    }

    /// Appends one argument (the first is conventionally the program name).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Appends an environment variable `name=value` (order is kept).
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    pub fn stdin(mut self, stdin: StdinSource) -> Self {
        self.stdin = stdin;
        self
    }

    pub fn stdout(mut self, sink: OutputSink) -> Self {
        self.stdout = sink;
        self
    }

    pub fn stderr(mut self, sink: OutputSink) -> Self {
        self.stderr = sink;
        self
    }

    pub fn clock(mut self, clock: ClockSource) -> Self {
        self.clock = clock;
        self
    }

    pub fn random(mut self, random: RandomSource) -> Self {
        self.random = random;
        self
    }

    /// Inherited stdio, real clocks and OS randomness, as `wasmtime run` gives.
    #[cfg(feature = "std")]
    pub fn inherit_host(self) -> Self {
        self.stdin(StdinSource::Inherit)
            .stdout(OutputSink::Inherit)
            .stderr(OutputSink::Inherit)
            .clock(ClockSource::Real)
            .random(RandomSource::Os)
    }

    /// Checks the strings and builds the context.
    pub fn build(self) -> Result<WasiCtx, BuildError> {
        let mut args = Vec::with_capacity(self.args.len());
        for (index, a) in self.args.into_iter().enumerate() {
            if a.as_bytes().contains(&0) {
                return Err(BuildError::NulInArg { index });
            }
            let mut bytes = a.into_bytes();
            bytes.push(0);
            args.push(bytes);
        }
        let mut env = Vec::with_capacity(self.env.len());
        for (name, value) in self.env {
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                return Err(BuildError::BadEnvName { name });
            }
            if value.contains('\0') {
                return Err(BuildError::NulInEnvValue { name });
            }
            let mut bytes = Vec::with_capacity(name.len() + value.len() + 2);
            bytes.extend_from_slice(name.as_bytes());
            bytes.push(b'=');
            bytes.extend_from_slice(value.as_bytes());
            bytes.push(0);
            env.push(bytes);
        }
        sizes(&args).ok_or(BuildError::TooLarge { what: "arguments" })?;
        sizes(&env).ok_or(BuildError::TooLarge {
            what: "environment variables",
        })?;
        for p in &self.preopens {
            if p.guest_path.contains('\0') {
                return Err(BuildError::Preopen {
                    guest_path: p.guest_path.clone(),
                    errno: Errno::Inval,
                });
            }
        }
        if self.preopens.len() > crate::fdtable::MAX_FDS {
            return Err(BuildError::TooManyPreopens);
        }
        let mut fds = FdTable::new(self.preopens);
        fds.set_limit(self.max_open_files);
        Ok(WasiCtx {
            fds,
            args,
            env,
            stdin: Stdin {
                source: self.stdin,
                pos: 0,
                open: true,
            },
            stdout: Output::new(self.stdout),
            stderr: Output::new(self.stderr),
            clock: Clock::new(self.clock),
            random: Random::new(self.random),
            exit_code: None,
            blocking: self.blocking,
            parked: None,
        })
    }
}

/// `(count, total bytes)` of NUL-terminated strings, if both fit in a `u32`
/// and the pointer array (4 bytes each) does too.
pub(crate) fn sizes(strings: &[Vec<u8>]) -> Option<(u32, u32)> {
    let count = u32::try_from(strings.len()).ok()?;
    count.checked_mul(4)?;
    let mut total: u32 = 0;
    for s in strings {
        total = total.checked_add(u32::try_from(s.len()).ok()?)?;
    }
    Some((count, total))
}

/// Fd 0's state.
#[derive(Debug)]
pub(crate) struct Stdin {
    pub(crate) source: StdinSource,
    pub(crate) pos: usize,
    /// `false` once the guest closed fd 0.
    pub(crate) open: bool,
}

/// Fd 1's or fd 2's state.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) sink: OutputSink,
    pub(crate) captured: Vec<u8>,
    /// `false` once the guest closed the fd (captured bytes stay readable).
    pub(crate) open: bool,
}

impl Output {
    fn new(sink: OutputSink) -> Self {
        Self {
            sink,
            captured: Vec::new(),
            open: true,
        }
    }
}

#[derive(Debug)]
pub(crate) enum Random {
    #[cfg(feature = "std")]
    Os,
    Seeded {
        state: u64,
    },
}

impl Random {
    fn new(source: RandomSource) -> Self {
        match source {
            #[cfg(feature = "std")]
            RandomSource::Os => Random::Os,
            RandomSource::Seeded(seed) => Random::Seeded { state: seed },
        }
    }

    /// Fills `buf`.
    pub(crate) fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        match self {
            #[cfg(feature = "std")]
            Random::Os => {
                use std::io::Read;
                std::fs::File::open("/dev/urandom")
                    .and_then(|mut f| f.read_exact(buf))
                    .map_err(|_| Errno::Io)
            }
            Random::Seeded { state } => {
                for chunk in buf.chunks_mut(8) {
                    let word = splitmix64(state).to_le_bytes();
                    chunk.copy_from_slice(&word[..chunk.len()]);
                }
                Ok(())
            }
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): advances `state` by the golden
/// gamma and returns the mixed value. Any seed, including 0, is fine.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The WASI state of one guest. Reach it from a store's data through the
/// accessor given to [`crate::add_to_linker`].
#[derive(Debug)]
pub struct WasiCtx {
    /// NUL-terminated argv strings.
    pub(crate) args: Vec<Vec<u8>>,
    /// NUL-terminated `NAME=VALUE` strings.
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) stdin: Stdin,
    pub(crate) stdout: Output,
    pub(crate) stderr: Output,
    pub(crate) clock: Clock,
    pub(crate) random: Random,
    pub(crate) exit_code: Option<u32>,
    /// Fds 3 and up.
    pub(crate) fds: FdTable,
    pub(crate) blocking: Blocking,
    /// The waiting call a retry will complete, if one is suspended.
    pub(crate) parked: Option<Parked>,
}

impl WasiCtx {
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// The code the guest passed to `proc_exit`, once it has called it.
    pub fn exit_code(&self) -> Option<u32> {
        self.exit_code
    }

    /// Bytes captured from fd 1 so far (empty when fd 1 is inherited); they
    /// stay readable after the guest closes fd 1.
    pub fn stdout(&self) -> &[u8] {
        &self.stdout.captured
    }

    /// Bytes captured from fd 2 so far.
    pub fn stderr(&self) -> &[u8] {
        &self.stderr.captured
    }

    /// Takes the captured fd 1 bytes, leaving the buffer empty.
    pub fn take_stdout(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.stdout.captured)
    }

    /// Takes the captured fd 2 bytes, leaving the buffer empty.
    pub fn take_stderr(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.stderr.captured)
    }

    /// How calls that wait behave (set by [`WasiCtxBuilder::blocking`]).
    pub fn blocking_mode(&self) -> Blocking {
        self.blocking
    }

    /// Forgets a suspended call's progress, for an embedder that abandons
    /// the suspended call instead of retrying it.
    pub fn abandon_wait(&mut self) {
        self.parked = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_rejects_bad_strings() {
        assert_eq!(
            WasiCtx::builder().arg("a").arg("b\0").build().unwrap_err(),
            BuildError::NulInArg { index: 1 }
        );
        assert!(matches!(
            WasiCtx::builder().env("A=B", "c").build(),
            Err(BuildError::BadEnvName { .. })
        ));
        assert!(matches!(
            WasiCtx::builder().env("", "c").build(),
            Err(BuildError::BadEnvName { .. })
        ));
        assert!(matches!(
            WasiCtx::builder().env("A", "c\0").build(),
            Err(BuildError::NulInEnvValue { .. })
        ));
        let ctx = WasiCtx::builder().arg("x").env("K", "v=w").build().unwrap();
        assert_eq!(ctx.args, [b"x\0".to_vec()]);
        assert_eq!(ctx.env, [b"K=v=w\0".to_vec()]);
    }

    #[test]
    fn splitmix_is_reproducible_and_nonconstant() {
        let mut a = Random::new(RandomSource::Seeded(7));
        let mut b = Random::new(RandomSource::Seeded(7));
        let (mut x, mut y) = ([0u8; 13], [0u8; 13]);
        a.fill(&mut x).unwrap();
        b.fill(&mut y).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, [0u8; 13]);
        let mut c = Random::new(RandomSource::Seeded(8));
        c.fill(&mut y).unwrap();
        assert_ne!(x, y);
    }
}
