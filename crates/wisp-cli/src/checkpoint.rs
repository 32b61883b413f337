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

use wisp_interp::checkpoint::{Checkpoint, Image, PageStore, read_control};
use wisp_interp::{CallOutcome, Engine, Linker, Module, ResumableCall, Store, Val};

use crate::load::read_module_bytes;
use crate::migrate::FilePages;
use crate::run::{Failure, classify};

/// The CLI's run parameters.
const RUN_SECTION: &str = "CLIRUN";
/// The bytes of every module.
const MODULES_SECTION: &str = "MODULES";
/// Bytes of a section header (tag, flags, length, sha256).
const PAGES_HEADER_LEN: u64 = 52;

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
}

fn encode_run(info: &RunInfo) -> Vec<u8> {
    let mut out = info.budget.to_le_bytes().to_vec();
    out.extend_from_slice(info.invoke.as_bytes());
    out
}

fn decode_run(bytes: &[u8]) -> Option<RunInfo> {
    let (budget, name) = bytes.split_at_checked(8)?;
    Some(RunInfo {
        budget: u64::from_le_bytes(budget.try_into().ok()?),
        invoke: String::from_utf8(name.to_vec()).ok()?,
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
    store: &mut Store<()>,
    call: &ResumableCall,
    info: &RunInfo,
    module_bytes: &[u8],
) -> Result<Vec<u8>, Failure> {
    let mut checkpoint =
        Checkpoint::capture(store, Some(call)).map_err(|e| Failure::Setup(e.to_string()))?;
    let sections = [
        (RUN_SECTION, encode_run(info)),
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
    crate::run::report(resume_file(&args))
}

fn resume_file(args: &ResumeArgs) -> Result<Vec<Val>, Failure> {
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
        let base = control.len() as u64 + PAGES_HEADER_LEN;
        let pages = Arc::new(FilePages::new(file, base));
        resume_control(&control, Pages::Lazy(pages), &extra, args.fuel)
    } else {
        let bytes = std::fs::read(path).map_err(cannot_read)?;
        resume_control(&bytes, Pages::Eager, &extra, args.fuel)
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
) -> Result<Vec<Val>, Failure> {
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
    let linker = Linker::new(&engine);
    let understood = [RUN_SECTION, MODULES_SECTION];
    let restored = match pages {
        Pages::Eager => image.restore(&engine, &modules, &linker, (), &understood),
        Pages::Lazy(pages) => {
            image.restore_lazy(&engine, &modules, &linker, (), &understood, pages)
        }
    }
    .map_err(|e| setup(&e))?;
    let mut store = restored.store;
    let call = restored
        .call
        .ok_or_else(|| Failure::Setup("the checkpoint holds no suspended call".into()))?;
    let budget = fuel.unwrap_or(info.budget);
    store.set_fuel(budget).map_err(|e| setup(&e))?;
    match call.resume(&mut store, &[]) {
        Ok(CallOutcome::Complete(results)) => Ok(results),
        Ok(CallOutcome::Suspended(_)) => Err(Failure::Guest(format!(
            "out of fuel ({budget} more units after the checkpoint were not enough)"
        ))),
        Err(e) => Err(classify(&format!("cannot resume `{}`", info.invoke), e)),
    }
}
