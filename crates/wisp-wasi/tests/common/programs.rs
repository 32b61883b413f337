//! The runner for the wasi-libc test programs in `tests/programs/`: reads
//! `runs.txt` (the same file `reference.py` reads to record wasmtime's
//! behaviour), runs one run under wisp with host-directory preopens on temp
//! copies of its data, and compares stdout, stderr, exit status and the
//! files left in the read-write preopens byte for byte with
//! `expected/NAME.*`.
//!
//! A difference wisp knows about and that another part of the crate must
//! fix is listed as a [`Known`] edit of the expected text, with a comment at
//! the call site; the edit must apply, so fixing the difference makes the
//! test fail until the entry is removed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use wisp_interp::{Config, Engine, Module, Store};
use wisp_wasi::{ClockSource, OutputSink, RandomSource, StdinSource, WasiCtx};

use super::{Host, linker};

/// The directory holding the programs, `runs.txt`, `data/` and `expected/`.
pub fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs")
}

/// One preopen of a run.
#[derive(Debug, Clone)]
pub struct Preopen {
    pub writable: bool,
    pub guest: String,
    /// A directory under `data/`, or `-` for an empty one.
    pub src: String,
}

/// One block of `runs.txt`.
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    pub name: String,
    pub wasm: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Option<String>,
    pub dirs: Vec<Preopen>,
    pub mkdirs: Vec<String>,
}

/// Parses `runs.txt` (see its header for the directives).
pub fn parse_runs(text: &str) -> Vec<RunSpec> {
    let mut runs: Vec<RunSpec> = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        if word == "run" {
            runs.push(RunSpec {
                name: rest.to_string(),
                ..RunSpec::default()
            });
            continue;
        }
        let run = runs.last_mut().expect("a directive before the first `run`");
        match word {
            "wasm" => run.wasm = rest.to_string(),
            "arg" => run.args.push(rest.to_string()),
            "env" => {
                let (n, v) = rest.split_once('=').expect("env NAME=VALUE");
                run.env.push((n.to_string(), v.to_string()));
            }
            "stdin" => run.stdin = Some(rest.to_string()),
            "ro" | "rw" => {
                let (guest, src) = rest.split_once(' ').expect("ro/rw GUEST SRC");
                run.dirs.push(Preopen {
                    writable: word == "rw",
                    guest: guest.to_string(),
                    src: src.to_string(),
                });
            }
            "mkdir" => run.mkdirs.push(rest.to_string()),
            other => panic!("runs.txt: unknown directive {other:?}"),
        }
    }
    runs
}

/// Every run in `runs.txt`.
pub fn all_runs() -> Vec<RunSpec> {
    let text = std::fs::read_to_string(programs_dir().join("runs.txt")).unwrap();
    parse_runs(&text)
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The exit status (`0` when `_start` returned) or `trap`, then `\n`.
    pub exit: Vec<u8>,
    /// [`snapshot`] of every read-write preopen, in order.
    pub files: Vec<u8>,
}

/// The recorded form of the tree at `root` shown as `guest`: the same bytes
/// `reference.py`'s `snapshot` writes (sorted by name bytes, depth first,
/// file contents after their header line).
pub fn snapshot(root: &Path, guest: &str) -> Vec<u8> {
    fn walk(host: &Path, rel: &str, out: &mut Vec<u8>) {
        let mut names: Vec<_> = std::fs::read_dir(host)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        for name in names {
            let h = host.join(&name);
            let r = format!("{rel}/{}", name.to_str().unwrap());
            let meta = std::fs::symlink_metadata(&h).unwrap();
            if meta.file_type().is_symlink() {
                let t = std::fs::read_link(&h).unwrap();
                out.extend(format!("link {r} -> {}\n", t.display()).bytes());
            } else if meta.is_dir() {
                out.extend(format!("dir {r}\n").bytes());
                walk(&h, &r, out);
            } else {
                let data = std::fs::read(&h).unwrap();
                out.extend(format!("file {r} {}\n", data.len()).bytes());
                out.extend(&data);
                out.push(b'\n');
            }
        }
    }
    let mut out = format!("mount {guest}\n").into_bytes();
    walk(root, guest, &mut out);
    out
}

/// Copies the tree `from` to `to` (which must not exist), keeping symlinks.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ft.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Runs `spec` under wisp: real clocks and OS randomness (as wasmtime),
/// captured stdio, host-directory preopens on fresh temp copies.
pub fn execute(spec: &RunSpec) -> Outcome {
    let dir = programs_dir();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("libc_programs_{}", spec.name));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let mut hosts = Vec::new();
    for (i, d) in spec.dirs.iter().enumerate() {
        let host = tmp.join(format!("mount{i}"));
        if d.src == "-" {
            std::fs::create_dir(&host).unwrap();
        } else {
            copy_tree(&dir.join("data").join(&d.src), &host);
        }
        hosts.push(host);
    }
    for m in &spec.mkdirs {
        let (d, host) = spec
            .dirs
            .iter()
            .zip(&hosts)
            .find(|(d, _)| m.starts_with(&format!("{}/", d.guest)))
            .unwrap_or_else(|| panic!("mkdir {m}: no preopen holds it"));
        std::fs::create_dir_all(host.join(&m[d.guest.len() + 1..])).unwrap();
    }
    let before: Vec<Option<Vec<u8>>> = spec
        .dirs
        .iter()
        .zip(&hosts)
        .map(|(d, h)| (!d.writable).then(|| snapshot(h, &d.guest)))
        .collect();

    let mut b = WasiCtx::builder()
        .args(spec.args.iter().cloned())
        .stdout(OutputSink::CAPTURE)
        .stderr(OutputSink::CAPTURE)
        .clock(ClockSource::Real)
        .random(RandomSource::Os);
    for (n, v) in &spec.env {
        b = b.env(n.clone(), v.clone());
    }
    if let Some(f) = &spec.stdin {
        b = b.stdin(StdinSource::Bytes(std::fs::read(dir.join(f)).unwrap()));
    }
    for (d, host) in spec.dirs.iter().zip(&hosts) {
        b = if d.writable {
            b.preopen_host_dir(host, d.guest.clone()).unwrap()
        } else {
            b.preopen_host_dir_readonly(host, d.guest.clone()).unwrap()
        };
    }
    let ctx = b.build().unwrap();

    let wasm = std::fs::read(dir.join(format!("{}.wasm", spec.wasm))).unwrap();
    let engine = Engine::new(&Config::default());
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, Host { wasi: ctx });
    let instance = linker(&engine).instantiate(&mut store, &module).unwrap();
    let start = instance.get_func(&store, "_start").unwrap();
    let exit = match start.call(&mut store, &[], &mut []) {
        Ok(()) => "0".to_string(),
        Err(e) => match store.data().wasi.exit_code() {
            Some(code) => code.to_string(),
            None => {
                eprintln!("{}: trap: {e}", spec.name);
                "trap".to_string()
            }
        },
    };
    let stdout = store.data_mut().wasi.take_stdout();
    let stderr = store.data_mut().wasi.take_stderr();
    drop(store);

    let mut files = Vec::new();
    for ((d, host), before) in spec.dirs.iter().zip(&hosts).zip(before) {
        match before {
            Some(b) => assert_eq!(
                String::from_utf8_lossy(&snapshot(host, &d.guest)),
                String::from_utf8_lossy(&b),
                "{}: read-only preopen {} changed",
                spec.name,
                d.guest
            ),
            None => files.extend(snapshot(host, &d.guest)),
        }
    }
    Outcome {
        stdout,
        stderr,
        exit: format!("{exit}\n").into_bytes(),
        files,
    }
}

/// Which recorded file a [`Known`] difference edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Stdout,
    Stderr,
    Exit,
    Files,
}

/// A known difference: in the recorded wasmtime `part`, the text `wasmtime`
/// reads `wisp` under wisp today. Each names the function and who fixes it.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    pub part: Part,
    pub wasmtime: &'static str,
    pub wisp: &'static str,
}

/// The recorded wasmtime outcome of run `name`.
pub fn expected(name: &str) -> Outcome {
    let base = programs_dir().join("expected");
    let read = |ext: &str| {
        std::fs::read(base.join(format!("{name}.{ext}")))
            .unwrap_or_else(|e| panic!("expected/{name}.{ext}: {e} (run reference.py)"))
    };
    Outcome {
        stdout: read("stdout"),
        stderr: read("stderr"),
        exit: read("exit"),
        files: read("files"),
    }
}

/// Replaces the one occurrence of `from` in `text` by `to`; panics if
/// `from` does not occur exactly once (a stale known difference).
fn edit_once(text: &[u8], from: &str, to: &str, what: &str) -> Vec<u8> {
    let s = String::from_utf8_lossy(text).into_owned();
    assert_eq!(
        s.matches(from).count(),
        1,
        "{what}: known difference {from:?} must occur exactly once in the recording"
    );
    s.replacen(from, to, 1).into_bytes()
}

/// Runs `name` under wisp and asserts it does what wasmtime recorded,
/// apart from the `known` differences (which must all still be there).
pub fn check(name: &str, known: &[Known]) {
    let spec = all_runs()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no run {name} in runs.txt"));
    let mut want = expected(name);
    for k in known {
        let what = format!("{name} {:?}", k.part);
        let slot = match k.part {
            Part::Stdout => &mut want.stdout,
            Part::Stderr => &mut want.stderr,
            Part::Exit => &mut want.exit,
            Part::Files => &mut want.files,
        };
        *slot = edit_once(slot, k.wasmtime, k.wisp, &what);
    }
    let got = execute(&spec);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut report = String::new();
    for (part, g, w) in [
        ("stdout", &got.stdout, &want.stdout),
        ("stderr", &got.stderr, &want.stderr),
        ("exit", &got.exit, &want.exit),
        ("files", &got.files, &want.files),
    ] {
        if g != w {
            let _ = writeln!(report, "--- {part} (- wasmtime recorded, + wisp)");
            report += &line_diff(&text(w), &text(g));
        }
    }
    assert!(
        report.is_empty(),
        "{name}: wisp differs from wasmtime\n{report}"
    );
}

/// A line diff of `a` (`-`) against `b` (`+`), by longest common
/// subsequence; common lines are shown with two spaces.
fn line_diff(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_inclusive('\n').collect(),
        b.split_inclusive('\n').collect(),
    );
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    let line = |out: &mut String, mark: &str, l: &str| {
        out.push_str(mark);
        out.push_str(l);
        if !l.ends_with('\n') {
            out.push_str("\\ (no newline at end)\n");
        }
    };
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            line(&mut out, "  ", a[i]);
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            line(&mut out, "+ ", b[j]);
            j += 1;
        } else {
            line(&mut out, "- ", a[i]);
            i += 1;
        }
    }
    out
}
