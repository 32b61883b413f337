//! `wisp run --checkpoint-at-fuel N --checkpoint-out FILE` and
//! `wisp resume FILE`: a run stopped after N units of fuel is written to a
//! checkpoint file, and resumed later, in another process or on another
//! host, with the same output and exit code as an uninterrupted run.
//!
//! Besides the interpreter's sections, a CLI checkpoint carries two of its
//! own: `CLIRUN` (the fuel budget left and the invoked function's name) and
//! `MODULES` (the module bytes, so `wisp resume` needs nothing but the file;
//! `--module` supplies them instead when the file was written without).

use std::path::{Path, PathBuf};

use std::sync::Arc;

use wisp_interp::checkpoint::{Checkpoint, Image, PageStore, SECTION_HEADER_LEN, read_control};
use wisp_interp::{CallOutcome, Engine, Module, ResumableCall, Store};
use wisp_wasi::WasiCtx;

use crate::direct::{Ended, Failure, finish};
use crate::load::read_module_bytes;
use crate::migrate::FilePages;
use crate::wasi::{Guest, Stdio, linker};

/// The CLI's run parameters.
const RUN_SECTION: &str = "CLIRUN";
/// The guest's WASI state: open files and their positions, stdio, clocks
/// (`wisp_wasi::state`).
const WASI_SECTION: &str = "WASIS";
/// The bytes of every module.
const MODULES_SECTION: &str = "MODULES";

#[derive(Debug, clap::Args)]
pub(crate) struct ResumeArgs {
    /// Fuel for the rest of the run (default: what the original run had left).
    #[arg(long, value_name = "N")]
    pub(crate) fuel: Option<u64>,

    /// A module the checkpoint needs, when it does not carry its modules.
    #[arg(long = "module", value_name = "FILE")]
    pub(crate) modules: Vec<PathBuf>,

    /// Read memory pages from the file when the run first touches them,
    /// instead of all before it resumes.
    #[arg(long)]
    pub(crate) lazy: bool,

    /// The checkpoint file written by `wisp run --checkpoint-out`.
    #[arg(value_name = "CHECKPOINT")]
    pub(crate) checkpoint: PathBuf,
}

/// What `CLIRUN` holds.
pub(crate) struct RunInfo {
    /// Fuel left after the checkpoint (`u64::MAX`: no limit was given).
    pub(crate) budget: u64,
    pub(crate) invoke: String,
    /// The guest's argv and environment (its WASI context is rebuilt from
    /// them on the host's stdio when it resumes).
    pub(crate) guest: Guest,
}

/// `CLIRUN`: budget u64, then strings (u32 length + UTF-8): the invoked
/// name, the argument count (u32) and arguments, the variable count (u32)
/// and name/value pairs, the preopen count (u32) and host path, guest path,
/// read-only byte. (Open files are not saved yet: a resumed run gets its
/// preopens again, not the files it had open.)
fn encode_run(info: &RunInfo) -> Vec<u8> {
    fn text(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    let mut out = info.budget.to_le_bytes().to_vec();
    text(&mut out, &info.invoke);
    out.extend_from_slice(&(info.guest.args.len() as u32).to_le_bytes());
    for arg in &info.guest.args {
        text(&mut out, arg);
    }
    out.extend_from_slice(&(info.guest.env.len() as u32).to_le_bytes());
    for (name, value) in &info.guest.env {
        text(&mut out, name);
        text(&mut out, value);
    }
    out.extend_from_slice(&(info.guest.dirs.len() as u32).to_le_bytes());
    for m in &info.guest.dirs {
        text(&mut out, &m.host);
        text(&mut out, &m.guest);
        out.push(u8::from(m.read_only));
    }
    out
}

fn decode_run(mut bytes: &[u8]) -> Option<RunInfo> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, tail) = bytes.split_at_checked(n)?;
        *bytes = tail;
        Some(head)
    }
    fn u32_of(bytes: &mut &[u8]) -> Option<u32> {
        Some(u32::from_le_bytes(take(bytes, 4)?.try_into().ok()?))
    }
    fn text(bytes: &mut &[u8]) -> Option<String> {
        let n = u32_of(bytes)? as usize;
        String::from_utf8(take(bytes, n)?.to_vec()).ok()
    }
    let budget = u64::from_le_bytes(take(&mut bytes, 8)?.try_into().ok()?);
    let invoke = text(&mut bytes)?;
    let mut guest = Guest::default();
    for _ in 0..u32_of(&mut bytes)? {
        guest.args.push(text(&mut bytes)?);
    }
    for _ in 0..u32_of(&mut bytes)? {
        guest.env.push((text(&mut bytes)?, text(&mut bytes)?));
    }
    for _ in 0..u32_of(&mut bytes)? {
        let (host, guest_path) = (text(&mut bytes)?, text(&mut bytes)?);
        let read_only = *take(&mut bytes, 1)?.first()? != 0;
        guest.dirs.push(crate::wasi::Mount {
            host,
            guest: guest_path,
            read_only,
        });
    }
    bytes.is_empty().then_some(RunInfo {
        budget,
        invoke,
        guest,
    })
}

fn encode_modules(modules: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in modules {
        out.extend_from_slice(&(m.len() as u64).to_le_bytes());
        out.extend_from_slice(m);
    }
    out
}

fn decode_modules(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_at_checked(8)?;
        let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
        let (module, rest) = rest.split_at_checked(len)?;
        out.push(module);
        bytes = rest;
    }
    Some(out)
}

/// The bytes of a checkpoint of `store` and `call`, with the CLI's sections.
pub(crate) fn checkpoint_bytes(
    store: &mut Store<WasiCtx>,
    call: &ResumableCall,
    info: &RunInfo,
    module_bytes: &[u8],
) -> Result<Vec<u8>, Failure> {
    let mut checkpoint =
        Checkpoint::capture(store, Some(call)).map_err(|e| Failure::Setup(e.to_string()))?;
    let wasi = store
        .data_mut()
        .save_state()
        .map_err(|e| Failure::Setup(format!("cannot checkpoint the guest's WASI state: {e}")))?;
    let sections = [
        (RUN_SECTION, encode_run(info)),
        (WASI_SECTION, wasi),
        (MODULES_SECTION, encode_modules(&[module_bytes])),
    ];
    for (tag, payload) in sections {
        checkpoint
            .add_section(tag, false, payload)
            .map_err(|e| Failure::Setup(e.to_string()))?;
    }
    Ok(checkpoint.to_bytes())
}

/// Writes a checkpoint to `path`.
pub(crate) fn write_checkpoint(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .map_err(|e| Failure::Setup(format!("cannot write {}: {e}", path.display())))
}

pub(crate) fn execute(args: ResumeArgs) -> u8 {
    crate::direct::report(resume_file(&args))
}

fn resume_file(args: &ResumeArgs) -> Result<Ended, Failure> {
    let path = &args.checkpoint;
    let cannot_read =
        |e: std::io::Error| Failure::Setup(format!("cannot read {}: {e}", path.display()));
    let extra = args
        .modules
        .iter()
        .map(|p| read_module_bytes(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Setup)?;
    let outcome = if args.lazy {
        // Read up to the pages; they are read from the file when touched.
        let mut file = std::fs::File::open(path).map_err(cannot_read)?;
        let (control, _) = read_control(&mut std::io::BufReader::new(&mut file))
            .map_err(|e| Failure::Setup(e.to_string()))?;
        let base = (control.len() + SECTION_HEADER_LEN) as u64;
        let pages = Arc::new(FilePages::new(file, base));
        resume_control(
            &control,
            Pages::Lazy(pages),
            &extra,
            args.fuel,
            Stdio::Inherit,
        )
        .0
    } else {
        let bytes = std::fs::read(path).map_err(cannot_read)?;
        resume_control(&bytes, Pages::Eager, &extra, args.fuel, Stdio::Inherit).0
    };
    outcome.map_err(|f| f.context(&format!("{}", path.display())))
}

/// Where a restore gets memory pages.
pub(crate) enum Pages {
    /// From the image's `PAGES` section, all at once.
    Eager,
    /// From a page store, each when the guest first touches it.
    Lazy(Arc<dyn PageStore>),
}

/// Restores a CLI checkpoint (for lazy pages, its control part) and runs it
/// to the end.
pub(crate) fn resume_control(
    bytes: &[u8],
    pages: Pages,
    extra_modules: &[Vec<u8>],
    fuel: Option<u64>,
    stdio: Stdio,
) -> (Result<Ended, Failure>, Captured) {
    let mut captured = Captured::default();
    let outcome = resume_in(bytes, pages, extra_modules, fuel, stdio, &mut captured);
    (outcome, captured)
}

/// What a guest wrote with [`Stdio::Capture`].
#[derive(Debug, Default)]
pub(crate) struct Captured {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
}

fn resume_in(
    bytes: &[u8],
    pages: Pages,
    extra_modules: &[Vec<u8>],
    fuel: Option<u64>,
    stdio: Stdio,
    captured: &mut Captured,
) -> Result<Ended, Failure> {
    let setup = |e: &dyn std::fmt::Display| Failure::Setup(e.to_string());
    let image = Image::parse(bytes).map_err(|e| setup(&e))?;
    let info = image
        .section(RUN_SECTION)
        .and_then(decode_run)
        .ok_or_else(|| Failure::Setup("not a checkpoint written by `wisp run`".into()))?;
    let embedded = match image.section(MODULES_SECTION) {
        Some(b) => decode_modules(b)
            .ok_or_else(|| Failure::Setup("the MODULES section is malformed".into()))?,
        None => Vec::new(),
    };
    let engine = Engine::new(&image.config().map_err(|e| setup(&e))?);
    let modules = embedded
        .into_iter()
        .chain(extra_modules.iter().map(Vec::as_slice))
        .map(|m| Module::new(&engine, m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| setup(&format!("cannot compile a module of the checkpoint: {e}")))?;
    let linker = linker(&engine).map_err(Failure::Setup)?;
    let ctx = info.guest.context(stdio).map_err(Failure::Setup)?;
    let understood = [RUN_SECTION, WASI_SECTION, MODULES_SECTION];
    let restored = match pages {
        Pages::Eager => image.restore(&engine, &modules, &linker, ctx, &understood),
        Pages::Lazy(pages) => {
            image.restore_lazy(&engine, &modules, &linker, ctx, &understood, pages)
        }
    }
    .map_err(|e| setup(&e))?;
    let mut store = restored.store;
    if let Some(state) = image.section(WASI_SECTION) {
        store
            .data_mut()
            .restore_state(state)
            .map_err(|e| setup(&format!("cannot restore the guest's WASI state: {e}")))?;
    }
    let call = restored
        .call
        .ok_or_else(|| Failure::Setup("the checkpoint holds no suspended call".into()))?;
    let budget = fuel.unwrap_or(info.budget);
    store.set_fuel(budget).map_err(|e| setup(&e))?;
    let context = format!("cannot resume `{}`", info.invoke);
    let outcome = match call.resume(&mut store, &[]) {
        Ok(CallOutcome::Complete(results)) => finish(&store, Ok(results), &context),
        Ok(CallOutcome::Suspended(_)) => Err(Failure::Guest(format!(
            "out of fuel ({budget} more units after the checkpoint were not enough)"
        ))),
        Err(e) => finish(&store, Err(e), &context),
    };
    captured.stdout = store.data_mut().take_stdout();
    captured.stderr = store.data_mut().take_stderr();
    outcome
}
