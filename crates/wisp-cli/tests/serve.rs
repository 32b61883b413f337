//! `wisp run` without a target: serve mode (HOST.md §4.1, X2). The binary
//! boots a registry, starts its `auto_start` services in `requires` order,
//! and on SIGINT / SIGTERM stops them in reverse order and exits 130 /
//! 143; SIGUSR1 and `--status` print the status table.
//!
//! Timeouts here only catch hangs; nothing depends on how fast it runs.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::sync::mpsc::Receiver;

const HANG: Duration = Duration::from_secs(60);

/// Waits for any message (a Cancel too), then returns.
const WAITER: &str = r#"(module
  (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "run")
    (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 100) (i32.const 1000)))))"#;

/// A registry in a fresh directory: the waiter module, a host, and
/// `entries`.
fn registry(name: &str, entries: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    let wasm = wat::parse_str(WAITER).unwrap();
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    std::fs::write(dir.join("wasm/waiter.wasm"), &wasm).unwrap();
    let yaml = format!(
        r#"version: "1.0"
namespace: t
entries:
  - {{ name: processes, kind: process.host, host: {{ workers: 1 }} }}
  - {{ name: bin, kind: fs.directory, directory: ./wasm }}
  - name: waiter
    kind: process.wasm
    fs: bin
    path: /waiter.wasm
    hash: {}
    method: run
    imports: [wisp:process]
{entries}"#,
        common::sha256_of(&wasm)
    );
    std::fs::write(dir.join("_index.yaml"), yaml).unwrap();
    dir
}

/// Three services whose dependency order (zdb, mid, app) is not their
/// name order.
const CHAIN: &str = r#"  - { name: app, kind: process.service, process: waiter, host: processes, lifecycle: { auto_start: true, requires: [mid] } }
  - { name: mid, kind: process.service, process: waiter, host: processes, lifecycle: { auto_start: true, requires: [zdb] } }
  - { name: zdb, kind: process.service, process: waiter, host: processes, lifecycle: { auto_start: true } }
"#;

/// A running `wisp run` in serve mode, its output read on threads.
struct Served {
    child: Child,
    stderr: Receiver<String>,
    stderr_seen: Arc<Mutex<Vec<String>>>,
    stdout: Arc<Mutex<String>>,
}

impl Served {
    fn start(root: &Path, extra: &[&str]) -> Served {
        Served::start_in(root, extra, None)
    }

    fn start_in(root: &Path, extra: &[&str], cwd: Option<&Path>) -> Served {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wisp"));
        c.arg("run").arg("--root").arg(root).args(extra);
        if let Some(dir) = cwd {
            c.current_dir(dir);
        }
        let mut child = c
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wisp starts");
        let (tx, rx) = std::sync::mpsc::channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let err = child.stderr.take().unwrap();
        let s = seen.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                s.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(line.clone());
                let _ = tx.send(line);
            }
        });
        let stdout = Arc::new(Mutex::new(String::new()));
        let mut out = child.stdout.take().unwrap();
        let o = stdout.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = out.read(&mut buf) {
                o.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Served {
            child,
            stderr: rx,
            stderr_seen: seen,
            stdout,
        }
    }

    /// Waits for a stderr line containing `text`.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + HANG;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => panic!(
                    "no stderr line with {text:?}; so far: {:#?}",
                    self.stderr_seen.lock().unwrap()
                ),
            }
        }
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// Waits for the exit (kills it after [`HANG`]); the exit code and
    /// every stderr line.
    fn finish(&mut self) -> (Option<i32>, Vec<String>) {
        let deadline = Instant::now() + HANG;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "wisp did not exit; stderr: {:#?}",
                    self.stderr_seen.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Let the reader thread take the last lines.
        let _ = self.stderr.recv_timeout(Duration::from_millis(200));
        while self.stderr.try_recv().is_ok() {}
        let lines = self.stderr_seen.lock().unwrap().clone();
        (status.code(), lines)
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }
}

impl Drop for Served {
    /// A test that failed half-way leaves no `wisp` running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The entries named by `prefix` lines, in order (`wisp: stopping t:app`).
fn named(lines: &[String], prefix: &str) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(str::to_string)
        .collect()
}

#[test]
fn x2_sigint_stops_services_in_reverse_dependency_order() {
    let root = registry("x2", CHAIN);
    let mut served = Served::start(&root, &[]);
    served.wait_for("wisp: serving 4 entries");
    served.signal("INT");
    let (code, lines) = served.finish();
    assert_eq!(code, Some(130), "{lines:#?}");
    assert_eq!(
        named(&lines, "wisp: started "),
        ["t:processes", "t:zdb", "t:mid", "t:app"]
    );
    assert_eq!(
        named(&lines, "wisp: stopping "),
        ["t:app", "t:mid", "t:zdb", "t:processes"]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("wisp: stopped t:app (service, stopped)")),
        "{lines:#?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("wisp: stopped"));
}

#[test]
fn sigterm_exits_143() {
    let root = registry("term", CHAIN);
    let mut served = Served::start(&root, &[]);
    served.wait_for("wisp: serving");
    served.signal("TERM");
    let (code, lines) = served.finish();
    assert_eq!(code, Some(143), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l == "wisp: SIGTERM: stopping in reverse start order")
    );
}

#[test]
fn status_prints_what_runs_at_boot_and_on_sigusr1() {
    let root = registry(
        "status",
        &format!(
            "{CHAIN}  - name: pool
    kind: process.supervisor
    host: processes
    lifecycle: {{ auto_start: true }}
    children:
      - {{ id: w1, process: waiter }}
"
        ),
    );
    let mut served = Served::start(&root, &["--status"]);
    served.wait_for("wisp: serving 5 entries");
    let deadline = Instant::now() + HANG;
    while !served.stdout().contains("processes live") {
        assert!(Instant::now() < deadline, "no status: {}", served.stdout());
        std::thread::sleep(Duration::from_millis(20));
    }
    let first = served.stdout();
    let lines: Vec<&str> = first.lines().collect();
    assert!(lines[0].starts_with("ENTRY"), "{first}");
    let row = |entry: &str| {
        lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(entry))
            .unwrap_or_else(|| panic!("no row {entry}: {first}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("t:app")[1..3], ["process.service", "running"]);
    assert_eq!(row("t:pool")[1..3], ["process.supervisor", "running"]);
    assert_eq!(row("w1")[1..3], ["process", "running"]);
    assert!(first.contains("t:processes: 4 processes live"), "{first}");
    // SIGUSR1: the table again.
    served.signal("USR1");
    while served.stdout().matches("ENTRY").count() < 2 {
        assert!(Instant::now() < deadline, "no second status");
        std::thread::sleep(Duration::from_millis(20));
    }
    served.signal("INT");
    let (code, lines) = served.finish();
    assert_eq!(code, Some(130), "{lines:#?}");
    assert_eq!(
        named(&lines, "wisp: stopping "),
        ["t:pool", "t:app", "t:mid", "t:zdb", "t:processes"]
    );
}

#[test]
fn a_supervisor_that_cannot_start_fails_the_boot() {
    let root = registry(
        "bootfail",
        r#"  - { name: os, kind: env.storage.os }
  - { name: token, kind: env.variable, variable: WISP_SERVE_TEST_UNSET, storage: os }
  - name: needs_env
    kind: process.wasm
    fs: bin
    path: /waiter.wasm
    hash: HASH
    method: run
    imports: [wisp:process, wasi:cli]
    wasi:
      env: [{ id: token, name: TOKEN, required: true }]
  - { name: ok, kind: process.service, process: waiter, host: processes, lifecycle: { auto_start: true } }
  - name: pool
    kind: process.supervisor
    host: processes
    lifecycle: { auto_start: true, requires: [ok] }
    children:
      - { id: w, process: needs_env }
"#,
    );
    // The placeholder takes the same module's hash.
    let index = root.join("_index.yaml");
    let text = std::fs::read_to_string(&index).unwrap();
    let hash = common::sha256_of(&wat::parse_str(WAITER).unwrap());
    std::fs::write(&index, text.replace("HASH", &hash)).unwrap();
    let mut served = Served::start(&root, &[]);
    let (code, lines) = served.finish();
    assert_eq!(code, Some(1), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with(
            "error[EnvMissing]: t:pool: child w: required env variable t:token (TOKEN) is not set"
        )),
        "{lines:#?}"
    );
    // What had started is stopped again.
    assert_eq!(named(&lines, "wisp: stopping "), ["t:ok", "t:processes"]);
}

#[test]
fn serve_mode_flags_are_checked() {
    let root = registry("flags", CHAIN);
    let root = root.display().to_string();
    for args in [
        vec!["run", "--root", &root, "--status", "list"],
        vec!["run", "--root", &root, "--invoke", "f"],
        vec!["run", "--root", &root, "--report", "r.json"],
    ] {
        let o = common::wisp(&args);
        common::assert_code(&o, 2);
    }
    let o = common::wisp(&["run", "--root", "/nonexistent/wisp/root"]);
    common::assert_code(&o, 1);
}

#[test]
fn the_supervised_example_restarts_its_worker() {
    let workspace = PathBuf::from(common::MANIFEST).join("../..");
    let mut served = Served::start_in(Path::new("examples/supervised"), &[], Some(&workspace));
    // The first restart may come before boot is over.
    let restart = served.wait_for("restart 1/");
    assert!(
        restart.contains("child worker exited (trap: unreachable)"),
        "{restart}"
    );
    served.signal("INT");
    let (code, lines) = served.finish();
    assert_eq!(code, Some(130), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("wisp: serving 3 entries"))
    );
    assert_eq!(
        named(&lines, "wisp: stopping "),
        ["demo:flaky", "demo:pool", "demo:processes"]
    );
}
