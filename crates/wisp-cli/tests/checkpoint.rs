//! `wisp run --checkpoint-at-fuel N --checkpoint-out FILE` then
//! `wisp resume FILE`, each in its own process: the output and exit code
//! equal an uninterrupted run's, including when the fuel budget runs out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wisp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .output()
        .expect("the wisp binary runs")
}

fn temp_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wisp-cli-checkpoint");
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir.join(name)
}

/// Sums 1..=n into a global and a memory histogram, then returns
/// `total * 31 + checksum(memory)`: the result depends on every store.
const SUM: &str = r#"(module
  (memory 2)
  (global $total (mut i64) (i64.const 0))
  (func $bump (param $i i32)
    (local $a i32)
    (local.set $a (i32.shl (i32.and (local.get $i) (i32.const 0x3fff)) (i32.const 3)))
    (i64.store (local.get $a)
      (i64.add (i64.load (local.get $a)) (i64.extend_i32_u (local.get $i)))))
  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $p i32) (local $h i64)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (global.set $total (i64.add (global.get $total) (i64.extend_i32_u (local.get $i))))
      (call $bump (local.get $i))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (loop $c
      (local.set $h (i64.add (i64.mul (local.get $h) (i64.const 131))
                             (i64.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $c (i32.lt_u (local.get $p) (i32.const 0x20000))))
    (i64.add (i64.mul (global.get $total) (i64.const 31)) (local.get $h))))"#;

/// Writes the module to a file of its own for each caller (tests run in
/// parallel, and a file being rewritten must not be read).
fn sum_module() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = temp_path(&format!("sum-{n}.wasm"));
    std::fs::write(&path, wat::parse_str(SUM).unwrap()).unwrap();
    path.display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_run_checkpointed_in_one_process_and_resumed_in_another_prints_the_same() {
    let m = sum_module();
    let straight = wisp(&["run", "--invoke", "sum", &m, "1000000"]);
    assert_eq!(
        straight.status.code(),
        Some(0),
        "{}",
        text(&straight.stderr)
    );

    for at in ["1", "500000", "5000000"] {
        let ckpt = temp_path(&format!("sum-{at}.ckpt")).display().to_string();
        let first = wisp(&[
            "run",
            "--checkpoint-at-fuel",
            at,
            "--checkpoint-out",
            &ckpt,
            "--invoke",
            "sum",
            &m,
            "1000000",
        ]);
        assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
        assert_eq!(text(&first.stdout), "", "nothing is printed before the end");
        assert!(
            text(&first.stderr).contains("wisp resume"),
            "{}",
            text(&first.stderr)
        );

        let resumed = wisp(&["resume", &ckpt]);
        assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
        assert_eq!(
            text(&resumed.stdout),
            text(&straight.stdout),
            "checkpoint at {at}"
        );
    }
}

#[test]
fn the_fuel_budget_spans_the_checkpoint() {
    let m = sum_module();
    let ckpt = temp_path("budget.ckpt").display().to_string();
    // 1,000,000 units are enough for 10,000 steps, not for 1,000,000.
    for (n, ok) in [("10000", true), ("1000000", false)] {
        let straight = wisp(&["run", "--fuel", "1000000", "--invoke", "sum", &m, n]);
        let first = wisp(&[
            "run",
            "--fuel",
            "1000000",
            "--checkpoint-at-fuel",
            "20000",
            "--checkpoint-out",
            &ckpt,
            "--invoke",
            "sum",
            &m,
            n,
        ]);
        assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
        let resumed = wisp(&["resume", &ckpt]);
        assert_eq!(straight.status.code(), Some(if ok { 0 } else { 134 }));
        assert_eq!(resumed.status.code(), straight.status.code());
        assert_eq!(text(&resumed.stdout), text(&straight.stdout));
        if !ok {
            assert!(
                text(&resumed.stderr).contains("out of fuel"),
                "{}",
                text(&resumed.stderr)
            );
        }
    }
}

#[test]
fn damaged_checkpoints_are_refused_with_a_message() {
    let m = sum_module();
    let ckpt = temp_path("damaged.ckpt");
    let ckpt_s = ckpt.display().to_string();
    let first = wisp(&[
        "run",
        "--checkpoint-at-fuel",
        "1000",
        "--checkpoint-out",
        &ckpt_s,
        "--invoke",
        "sum",
        &m,
        "100000",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let mut bytes = std::fs::read(&ckpt).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&ckpt, &bytes).unwrap();
    let o = wisp(&["resume", &ckpt_s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("corrupt"), "{}", text(&o.stderr));

    std::fs::write(&ckpt, &bytes[..100]).unwrap();
    let o = wisp(&["resume", &ckpt_s]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("truncated"), "{}", text(&o.stderr));
}

/// Writes a checkpoint of `sum(n)` taken after `at` units of fuel.
fn checkpoint_of_sum(name: &str, at: &str, n: &str) -> String {
    let m = sum_module();
    let ckpt = temp_path(name).display().to_string();
    let first = wisp(&[
        "run",
        "--checkpoint-at-fuel",
        at,
        "--checkpoint-out",
        &ckpt,
        "--invoke",
        "sum",
        &m,
        n,
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    ckpt
}

#[test]
fn a_lazy_resume_prints_the_same() {
    let m = sum_module();
    let straight = wisp(&["run", "--invoke", "sum", &m, "300000"]);
    let ckpt = checkpoint_of_sum("lazy.ckpt", "100000", "300000");
    let resumed = wisp(&["resume", "--lazy", &ckpt]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
    assert_eq!(text(&resumed.stdout), text(&straight.stdout));
}

#[test]
fn a_checkpoint_migrates_over_loopback_tcp() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let m = sum_module();
    let straight = wisp(&["run", "--invoke", "sum", &m, "300000"]);
    let ckpt = checkpoint_of_sum("migrate.ckpt", "100000", "300000");

    let mut server = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(["serve", "--listen", "127.0.0.1:0", "--once"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("wisp serve starts");
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let first = lines.next().expect("serve says where it listens").unwrap();
    let addr = first
        .strip_prefix("wisp: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();

    let migrated = wisp(&["migrate", "--to", &addr, &ckpt]);
    assert_eq!(
        migrated.status.code(),
        Some(0),
        "{}",
        text(&migrated.stderr)
    );
    assert_eq!(text(&migrated.stdout), text(&straight.stdout));
    assert_eq!(server.wait().unwrap().code(), Some(0));

    // Nobody listening: a clear error.
    let refused = wisp(&["migrate", "--to", &addr, &ckpt]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("cannot connect"),
        "{}",
        text(&refused.stderr)
    );
}

/// `tests/programs/digest.c`: reads `/in/data.txt` with buffered stdio and
/// `pread`, writes `/out/digests.txt` and appends to `/out/log.txt`.
const DIGEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/digest.wasm");

/// A fresh `in` (with the input file) and empty `out` directory under `name`.
fn digest_dirs(name: &str) -> (PathBuf, PathBuf) {
    let root = temp_path(name);
    let _ = std::fs::remove_dir_all(&root);
    let (input, output) = (root.join("in"), root.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&output).unwrap();
    let mut data = String::new();
    let mut seed: u32 = 7;
    for i in 0..1000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let len = (seed >> 16) % 61;
        let word: String = (0..len)
            .map(|k| (b'a' + ((seed >> (k % 16)) % 10) as u8) as char)
            .collect();
        data += &format!("row {i} {word}\n");
    }
    std::fs::write(input.join("data.txt"), data).unwrap();
    (input, output)
}

fn digest_run(input: &Path, output: &Path, extra: &[&str]) -> Output {
    let (i, o) = (
        format!("{}::/in", input.display()),
        format!("{}::/out", output.display()),
    );
    let mut args = vec!["run", "--dir-ro", &i, "--dir", &o];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[DIGEST, "/in", "/out"]);
    wisp(&args)
}

fn read_dir_sorted(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_wasi_program_with_open_files_resumes_in_another_process_with_the_same_output() {
    let (input, output) = digest_dirs("digest-straight");
    let straight = digest_run(&input, &output, &[]);
    assert_eq!(
        straight.status.code(),
        Some(0),
        "{}",
        text(&straight.stderr)
    );
    assert!(text(&straight.stdout).contains("lines 1000 "));
    let expected_files = read_dir_sorted(&output);
    assert_eq!(expected_files.len(), 2);

    // The whole run takes between 10 and 20 million units of fuel; every
    // point below stops it with its input and both outputs open.
    for at in ["1000000", "4000000", "9000000", "12000000"] {
        let (input, output) = digest_dirs(&format!("digest-{at}"));
        let ckpt = temp_path(&format!("digest-{at}.ckpt"))
            .display()
            .to_string();
        let first = digest_run(
            &input,
            &output,
            &["--checkpoint-at-fuel", at, "--checkpoint-out", &ckpt],
        );
        assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
        assert!(text(&first.stderr).contains("wisp resume"), "at {at}");
        let resumed = wisp(&["resume", &ckpt]);
        assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
        assert_eq!(
            text(&first.stdout) + &text(&resumed.stdout),
            text(&straight.stdout),
            "checkpoint at {at}"
        );
        assert_eq!(
            read_dir_sorted(&output),
            expected_files,
            "checkpoint at {at}"
        );
    }
}

#[test]
fn a_file_that_cannot_be_reopened_refuses_the_resume_by_name() {
    let (input, output) = digest_dirs("digest-lost");
    let ckpt = temp_path("digest-lost.ckpt").display().to_string();
    let first = digest_run(
        &input,
        &output,
        &["--checkpoint-at-fuel", "4000000", "--checkpoint-out", &ckpt],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    std::fs::remove_file(input.join("data.txt")).unwrap();
    let resumed = wisp(&["resume", &ckpt]);
    assert_eq!(resumed.status.code(), Some(1));
    let err = text(&resumed.stderr);
    assert!(
        err.contains("cannot reopen `data.txt` beneath preopen `/in`"),
        "{err}"
    );
}
