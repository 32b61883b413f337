//! `wisp serve --listen ADDR` and `wisp migrate --to ADDR FILE`: moving a
//! checkpointed run to another host over TCP, and the page sources of lazy
//! restores (`wisp resume --lazy`, and the receiving end of a migration).
//!
//! The sender sends the checkpoint file as it is; its `PAGES` section comes
//! last. The receiver reads up to the pages (the control state), restores
//! with lazy pages and resumes at once: a page is read from the connection
//! when the guest first touches it (pages arrive in index order; reaching a
//! later page keeps the ones before it for later), so a large process runs
//! before its memory has crossed the network. At the end the receiver drains
//! the rest and sends back the run's exit code, stdout and stderr, which
//! `wisp migrate` prints as its own.
//!
//! Wire format (integers little-endian):
//!
//! ```text
//! sender → receiver: "WISPMIG1" | checkpoint bytes
//! receiver → sender: exit code u8 | stdout_len u32 | stdout | stderr_len u32 | stderr
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use wisp_interp::checkpoint::{PageStore, read_control};

use crate::EXIT_ERROR;
use crate::checkpoint::{Captured, Pages, resume_control};
use crate::direct::{Ended, Failure, render};
use crate::wasi::Stdio;

/// What a migration connection starts with.
const MAGIC: &[u8; 8] = b"WISPMIG1";
/// Bytes of a memory page.
const PAGE: usize = 65536;

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on, e.g. `127.0.0.1:7070` (port 0 picks a free
    /// port; the address is printed on stderr either way).
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: String,

    /// Serve one migration, then exit with its exit code.
    #[arg(long)]
    pub(crate) once: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MigrateArgs {
    /// The address of the receiving `wisp serve`.
    #[arg(long, value_name = "ADDR")]
    pub(crate) to: String,

    /// The checkpoint written by `wisp run --checkpoint-out`.
    #[arg(value_name = "CHECKPOINT")]
    pub(crate) checkpoint: PathBuf,
}

/// Pages read from a checkpoint file at their offsets.
pub(crate) struct FilePages {
    file: File,
    /// Where the `PAGES` payload starts in the file.
    base: u64,
}

impl FilePages {
    pub(crate) fn new(file: File, base: u64) -> Self {
        Self { file, base }
    }
}

impl PageStore for FilePages {
    fn read_page(&self, offset: u64, out: &mut [u8; PAGE]) -> Result<(), String> {
        let at = self
            .base
            .checked_add(offset)
            .ok_or_else(|| format!("page offset {offset} overflows"))?;
        self.file
            .read_exact_at(out, at)
            .map_err(|e| format!("reading the page at offset {offset} of the checkpoint: {e}"))
    }
}

/// Pages arriving in order on a stream.
pub(crate) struct StreamPages {
    state: Mutex<StreamState>,
}

struct StreamState {
    stream: Box<dyn Read + Send>,
    /// Bytes of the `PAGES` payload read so far, and in total.
    received: u64,
    total: u64,
    /// Pages read past while looking for a later one, by offset.
    early: HashMap<u64, Box<[u8; PAGE]>>,
}

impl StreamPages {
    pub(crate) fn new(stream: Box<dyn Read + Send>, total: u64) -> Self {
        Self {
            state: Mutex::new(StreamState {
                stream,
                received: 0,
                total,
                early: HashMap::new(),
            }),
        }
    }

    /// Reads and discards whatever the sender has not sent yet.
    pub(crate) fn drain(&self) -> std::io::Result<()> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        let left = state.total - state.received;
        std::io::copy(&mut (&mut state.stream).take(left), &mut std::io::sink())?;
        state.received = state.total;
        Ok(())
    }
}

impl PageStore for StreamPages {
    fn read_page(&self, offset: u64, out: &mut [u8; PAGE]) -> Result<(), String> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| "the page stream broke".to_string())?;
        if let Some(page) = state.early.remove(&offset) {
            out.copy_from_slice(&page[..]);
            return Ok(());
        }
        if offset < state.received || offset.saturating_add(PAGE as u64) > state.total {
            return Err(format!("the page at offset {offset} is not in the stream"));
        }
        // Keep the pages before the wanted one for later.
        while state.received < offset {
            let mut page = Box::new([0u8; PAGE]);
            let at = state.received;
            state
                .stream
                .read_exact(&mut page[..])
                .map_err(|e| format!("receiving pages: {e}"))?;
            state.received += PAGE as u64;
            state.early.insert(at, page);
        }
        state
            .stream
            .read_exact(out)
            .map_err(|e| format!("receiving pages: {e}"))?;
        state.received += PAGE as u64;
        Ok(())
    }
}

pub(crate) fn serve(args: ServeArgs) -> u8 {
    let listener = match TcpListener::bind(&args.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return EXIT_ERROR;
        }
    };
    match listener.local_addr() {
        Ok(addr) => eprintln!("wisp: listening on {addr}"),
        Err(e) => eprintln!("wisp: listening ({e})"),
    }
    for connection in listener.incoming() {
        let code = match connection {
            Ok(stream) => receive(stream),
            Err(e) => {
                eprintln!("error: accepting a connection: {e}");
                EXIT_ERROR
            }
        };
        if args.once {
            return code;
        }
    }
    0
}

/// Receives one migration, runs it, and replies; returns the exit code.
fn receive(stream: TcpStream) -> u8 {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let reply = match stream.try_clone() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {peer}: {e}");
            return EXIT_ERROR;
        }
    };
    let mut captured = Captured::default();
    let outcome = run_received(stream, &mut captured);
    let (code, stdout, stderr) = render(outcome);
    // The guest's own output comes before wisp's lines about the run.
    let stdout = String::from_utf8_lossy(&captured.stdout).into_owned() + &stdout;
    let stderr = String::from_utf8_lossy(&captured.stderr).into_owned() + &stderr;
    eprintln!("wisp: migration from {peer} finished with exit code {code}");
    let mut w = BufWriter::new(reply);
    let sent = w
        .write_all(&[code])
        .and_then(|()| w.write_all(&(stdout.len() as u32).to_le_bytes()))
        .and_then(|()| w.write_all(stdout.as_bytes()))
        .and_then(|()| w.write_all(&(stderr.len() as u32).to_le_bytes()))
        .and_then(|()| w.write_all(stderr.as_bytes()))
        .and_then(|()| w.flush());
    if let Err(e) = sent {
        eprintln!("error: replying to {peer}: {e}");
    }
    code
}

fn run_received(stream: TcpStream, captured: &mut Captured) -> Result<Ended, Failure> {
    let mut reader = BufReader::new(stream);
    let mut magic = [0u8; 8];
    reader
        .read_exact(&mut magic)
        .map_err(|e| Failure::Setup(format!("receiving: {e}")))?;
    if &magic != MAGIC {
        return Err(Failure::Setup("the peer is not `wisp migrate`".into()));
    }
    let (control, pages_len) =
        read_control(&mut reader).map_err(|e| Failure::Setup(e.to_string()))?;
    let pages = Arc::new(StreamPages::new(Box::new(reader), pages_len));
    let (outcome, output) = resume_control(
        &control,
        Pages::Lazy(pages.clone()),
        &[],
        None,
        Stdio::Capture,
    );
    *captured = output;
    pages
        .drain()
        .map_err(|e| Failure::Setup(format!("receiving the remaining pages: {e}")))?;
    outcome
}

pub(crate) fn migrate(args: MigrateArgs) -> u8 {
    match send(&args) {
        Ok((code, stdout, stderr)) => {
            print!("{stdout}");
            eprint!("{stderr}");
            code
        }
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

/// Sends the checkpoint and returns the receiver's exit code and output.
fn send(args: &MigrateArgs) -> Result<(u8, String, String), String> {
    let path = &args.checkpoint;
    let mut file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let stream =
        TcpStream::connect(&args.to).map_err(|e| format!("cannot connect to {}: {e}", args.to))?;
    let mut w = BufWriter::new(stream.try_clone().map_err(|e| e.to_string())?);
    w.write_all(MAGIC)
        .and_then(|()| std::io::copy(&mut file, &mut w).map(|_| ()))
        .and_then(|()| w.flush())
        .map_err(|e| format!("sending to {}: {e}", args.to))?;
    let mut r = BufReader::new(stream);
    let read_text = |r: &mut BufReader<TcpStream>| -> std::io::Result<String> {
        let mut len = [0u8; 4];
        r.read_exact(&mut len)?;
        let mut text = Vec::new();
        r.take(u64::from(u32::from_le_bytes(len)))
            .read_to_end(&mut text)?;
        Ok(String::from_utf8_lossy(&text).into_owned())
    };
    let mut code = [0u8; 1];
    let reply = r
        .read_exact(&mut code)
        .and_then(|()| Ok((read_text(&mut r)?, read_text(&mut r)?)))
        .map_err(|e| format!("reading the reply of {}: {e}", args.to))?;
    Ok((code[0], reply.0, reply.1))
}
