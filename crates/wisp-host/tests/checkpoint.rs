//! Checkpoints of host processes (HOST.md §7.7): suspend, checkpoint,
//! restore in another host, resume — the same result as a straight run.

use std::time::Duration;

use wisp_host::{
    DownReason, ExitReason, Host, HostRestoreError, Mount, ProcessState, RestoreOpts, SpawnSpec,
    Stream, Value,
};

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap()
}

/// Sums 1..=n in a global and a memory cell; returns a mix of both.
const SUM: &str = r#"(module
  (memory 1)
  (global $t (mut i64) (i64.const 0))
  (func (export "sum") (param $n i64) (result i64)
    (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (global.set $t (i64.add (global.get $t) (local.get $i)))
      (i64.store (i32.const 8) (i64.xor (i64.load (i32.const 8)) (local.get $i)))
      ;; Never zero after the first step, so a checkpoint always has a page.
      (i64.store (i32.const 16) (global.get $t))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (i64.add (i64.mul (global.get $t) (i64.const 3)) (i64.load (i32.const 8)))))"#;

fn wait_for(h: &Host, pid: wisp_host::Pid, state: ProcessState) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while h.info(pid).unwrap().state != state {
        assert!(std::time::Instant::now() < deadline, "{:?}", h.info(pid));
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Lets `pid` run at least `slices` slices of fuel, then suspends it.
fn suspend_after(h: &Host, pid: wisp_host::Pid, slices: u64) {
    while h.info(pid).unwrap().slices < slices {
        std::thread::yield_now();
    }
    h.suspend(pid).unwrap();
}

/// Restores `bytes` on a new one-worker host and lets it run.
fn restore_running(bytes: &[u8]) -> (Host, wisp_host::Pid) {
    let host = Host::builder().workers(1).build();
    let opts = RestoreOpts {
        resume: true,
        ..RestoreOpts::default()
    };
    let pid = host.restore(bytes, opts).unwrap();
    (host, pid)
}

#[test]
fn k8_a_checkpoint_restored_in_another_host_finishes_the_same() {
    let straight = {
        let h = Host::builder().workers(1).build();
        let pid = h
            .spawn(SpawnSpec::invoke(
                wasm(SUM),
                "sum",
                vec![Value::I64(3_000_000)],
            ))
            .unwrap();
        h.wait(pid).unwrap()
    };
    let a = Host::builder().workers(1).slice_fuel(100_000).build();
    let pid = a
        .spawn(SpawnSpec::invoke(
            wasm(SUM),
            "sum",
            vec![Value::I64(3_000_000)],
        ))
        .unwrap();
    let down = a.monitor(pid);
    suspend_after(&a, pid, 3);
    assert_eq!(a.info(pid).unwrap().state, ProcessState::Suspended);
    let bytes = a.checkpoint(pid).unwrap();

    let (b, moved) = restore_running(&bytes);
    a.migrated(pid, "host-b").unwrap();
    let d = down.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(matches!(
        &d.reason,
        DownReason::Exit(e) if e.reason == ExitReason::Migrated { to: "host-b".into() }
    ));
    let e = b.wait(moved).unwrap();
    assert_eq!(e.result, straight.result);
    // K1's fuel rule: the fuel of both parts adds up to the straight run's.
    assert_eq!(e.fuel_used, straight.fuel_used);
}

#[test]
fn k2_a_parked_sleep_wakes_after_the_time_that_was_left() {
    let sleep = r#"(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "run") (result i32)
        (i64.store (i32.const 0) (i64.const 1))
        (i32.store (i32.const 16) (i32.const 1))
        (i64.store (i32.const 24) (i64.const 1000000000))
        (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200))))"#;
    // Paused until the timer is set, so the sleeper parks first.
    let a = Host::builder().deterministic(1).paused(true).build();
    let pid = a
        .spawn(SpawnSpec::invoke(wasm(sleep), "run", vec![]))
        .unwrap();
    // At virtual 300 ms (the sleeper is parked until 1 s), suspend and
    // checkpoint it from a timer of the same host.
    let (tx, rx) = crossbeam_channel::bounded(1);
    let handle = a.clone();
    a.schedule(Duration::from_millis(300), move || {
        handle.suspend(pid).unwrap();
        let _ = tx.send(handle.checkpoint(pid));
    });
    a.start();
    let bytes = rx.recv_timeout(Duration::from_secs(30)).unwrap().unwrap();
    let b = Host::builder().deterministic(1).build();
    let moved = b
        .restore(
            &bytes,
            RestoreOpts {
                resume: true,
                ..RestoreOpts::default()
            },
        )
        .unwrap();
    let e = b.wait(moved).unwrap();
    assert_eq!(e.result, Some(vec![Value::I32(0)]));
    assert_eq!(b.virtual_now(), Some(Duration::from_millis(700)));
}

/// Opens `data.txt` under `/d`, reads 100 bytes, waits for any message,
/// then reads 10 more bytes and writes them to stdout.
const READER: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 1000) "data.txt")
  (func (export "run") (result i32)
    (local $fd i32)
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 1000) (i32.const 8) (i32.const 0)
                    (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 2000))
      (then (return (i32.const -1))))
    (local.set $fd (i32.load (i32.const 2000)))
    (i32.store (i32.const 0) (i32.const 3000))
    (i32.store (i32.const 4) (i32.const 100))
    (drop (call $read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 5000) (i32.const 64)))
    (i32.store (i32.const 4) (i32.const 10))
    (drop (call $read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 16) (i32.const 3000))
    (i32.store (i32.const 20) (i32.load (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (i32.load (i32.const 8))))"#;

#[test]
fn k3_an_open_file_continues_at_its_offset_or_is_reported_lost() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("host-k3");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<u8> = (0..200u8).map(|i| b'a' + i % 26).collect();
    std::fs::write(dir.join("data.txt"), &data).unwrap();
    let mut spec = SpawnSpec::invoke(wasm(READER), "run", vec![]);
    spec.wasi.mounts.push(Mount {
        host: dir.clone(),
        guest: "/d".into(),
        read_only: true,
    });
    let a = Host::builder().workers(1).build();
    let pid = a.spawn(spec).unwrap();
    wait_for(&a, pid, ProcessState::Parked);
    a.suspend(pid).unwrap();
    let bytes = a.checkpoint(pid).unwrap();
    a.kill(pid, "moved").unwrap();

    let b = Host::builder().workers(1).build();
    let moved = b
        .restore(
            &bytes,
            RestoreOpts {
                resume: true,
                ..RestoreOpts::default()
            },
        )
        .unwrap();
    b.send(moved, 1, b"go".to_vec()).unwrap();
    let e = b.wait(moved).unwrap();
    assert_eq!(e.result, Some(vec![Value::I32(10)]));
    assert_eq!(b.output(moved, Stream::Stdout).unwrap(), &data[100..110]);

    std::fs::remove_file(dir.join("data.txt")).unwrap();
    let err = b.restore(&bytes, RestoreOpts::default()).unwrap_err();
    assert!(
        matches!(
            err,
            HostRestoreError::Wasi(wisp_wasi::StateError::FdLost { .. })
        ),
        "{err}"
    );
}

#[test]
fn k4_k5_damaged_checkpoints_are_refused() {
    let a = Host::builder().workers(1).build();
    let pid = a
        .spawn(SpawnSpec::invoke(
            wasm(SUM),
            "sum",
            vec![Value::I64(50_000_000)],
        ))
        .unwrap();
    // Let it write its memory (offset 16 is never zero again), so the
    // checkpoint carries a page.
    suspend_after(&a, pid, 2);
    let bytes = a.checkpoint(pid).unwrap();
    a.kill(pid, "done").unwrap();
    let b = Host::builder().workers(1).build();
    // The pages come last: a changed last byte breaks their hash.
    let mut pages = bytes.clone();
    *pages.last_mut().unwrap() ^= 1;
    let err = b.restore(&pages, RestoreOpts::default()).unwrap_err();
    assert!(err.to_string().contains("PAGES"), "{err}");
    // Major version 2 (the u16 after the 8-byte magic).
    let mut v2 = bytes.clone();
    v2[8..10].copy_from_slice(&2u16.to_le_bytes());
    let err = b.restore(&v2, RestoreOpts::default()).unwrap_err();
    assert!(err.to_string().contains("2.0"), "{err}");
    // Any other damage: an error, never a panic.
    for i in (0..bytes.len()).step_by(97) {
        let mut d = bytes.clone();
        d[i] ^= 0x5a;
        let _ = b.restore(&d, RestoreOpts::default());
    }
    assert!(
        b.restore(&bytes[..bytes.len() / 2], RestoreOpts::default())
            .is_err()
    );
}

#[test]
fn linked_modules_serve_imports_and_travel_in_checkpoints() {
    let lib = wasm(
        r#"(module (global $n (mut i64) (i64.const 0))
             (func (export "bump") (param i64) (result i64)
               (global.set $n (i64.add (global.get $n) (local.get 0)))
               (global.get $n)))"#,
    );
    let main = wasm(
        r#"(module (import "mathlib" "bump" (func $bump (param i64) (result i64)))
             (func (export "run") (param $n i64) (result i64) (local $i i64) (local $r i64)
               (loop $l
                 (local.set $r (call $bump (local.get $i)))
                 (local.set $i (i64.add (local.get $i) (i64.const 1)))
                 (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
               (local.get $r)))"#,
    );
    let spec = |n: i64| {
        let mut s = SpawnSpec::invoke(main.clone(), "run", vec![Value::I64(n)]);
        s.links.push(wisp_host::LinkedModule {
            name: "mathlib".into(),
            module: wisp_host::ModuleSource::Bytes {
                bytes: lib.clone().into(),
                sha256: None,
            },
        });
        s
    };
    let sum_below = |n: i64| Some(vec![Value::I64((n - 1) * n / 2)]);
    let a = Host::builder().workers(1).slice_fuel(50_000).build();
    let pid = a.spawn(spec(200_000)).unwrap();
    assert_eq!(a.wait(pid).unwrap().result, sum_below(200_000));
    // Without the link the import is unknown.
    let mut bare = spec(200_000);
    bare.links.clear();
    assert_eq!(a.spawn(bare).unwrap_err().code(), "UnknownImport");
    // Mid-way through, moved to another host: the linked module's state
    // (its global) comes along. Long enough (hundreds of slices) that the
    // suspend always lands before the end, even on a loaded machine.
    let pid = a.spawn(spec(2_000_000)).unwrap();
    suspend_after(&a, pid, 3);
    let bytes = a.checkpoint(pid).unwrap();
    let (b, moved) = restore_running(&bytes);
    assert_eq!(b.wait(moved).unwrap().result, sum_below(2_000_000));
}

/// Counts the pages a lazy restore reads.
struct Counting {
    pages: Vec<u8>,
    reads: std::sync::atomic::AtomicUsize,
}

impl wisp_interp::checkpoint::PageStore for Counting {
    fn read_page(&self, offset: u64, out: &mut [u8; 65536]) -> Result<(), String> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.pages.read_page(offset, out)
    }
}

#[test]
fn k6_a_lazy_restore_reads_only_the_pages_touched() {
    // Fills 1024 pages (64 MiB), waits for a message, then sums 3 of them.
    let big = r#"(module
      (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
      (memory (export "memory") 1024)
      (func (export "run") (result i64)
        (local $p i32)
        (loop $fill
          (i64.store (local.get $p) (i64.extend_i32_u (i32.add (local.get $p) (i32.const 1))))
          (local.set $p (i32.add (local.get $p) (i32.const 65536)))
          (br_if $fill (i32.lt_u (local.get $p) (i32.const 0x4000000))))
        (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 64) (i32.const 64)))
        (i64.add (i64.add (i64.load (i32.const 0x10000)) (i64.load (i32.const 0x2000000)))
                 (i64.load (i32.const 0x3ff0000)))))"#;
    let a = Host::builder().workers(1).build();
    let pid = a
        .spawn(SpawnSpec::invoke(wasm(big), "run", vec![]))
        .unwrap();
    wait_for(&a, pid, ProcessState::Parked);
    a.suspend(pid).unwrap();
    let bytes = a.checkpoint(pid).unwrap();
    a.kill(pid, "moved").unwrap();

    let expected = Some(vec![Value::I64(0x10001 + 0x2000001 + 0x3ff0001)]);
    let run = |b: &Host, moved| {
        b.send(moved, 1, vec![]).unwrap();
        b.wait(moved).unwrap().result
    };
    let eager = Host::builder().workers(1).build();
    let resume = RestoreOpts {
        resume: true,
        ..RestoreOpts::default()
    };
    let moved = eager.restore(&bytes, resume.clone()).unwrap();
    assert_eq!(run(&eager, moved), expected);

    let (control, pages) = wisp_interp::checkpoint::split_pages(&bytes).unwrap();
    let store = std::sync::Arc::new(Counting {
        pages: pages.to_vec(),
        reads: 0.into(),
    });
    let lazy = Host::builder().workers(1).build();
    let moved = lazy
        .restore(
            &control,
            RestoreOpts {
                pages: Some(store.clone()),
                ..resume
            },
        )
        .unwrap();
    assert_eq!(run(&lazy, moved), expected);
    let reads = store.reads.load(std::sync::atomic::Ordering::SeqCst);
    assert!((3..1024).contains(&reads), "{reads} page reads");
}

/// A guest that stores what `env.handle` gives it in table 0 (or, with
/// `in_global`, in a mutable global) and then spins until killed.
fn holder(in_global: bool) -> Vec<u8> {
    let store = if in_global {
        "(global.set $g (call $handle))"
    } else {
        "(table.set $t (i32.const 0) (call $handle))"
    };
    wasm(&format!(
        r#"(module
  (import "env" "handle" (func $handle (result externref)))
  (table $t 1 externref)
  (global $g (mut externref) (ref.null extern))
  (func (export "run")
    {store}
    (loop $spin (br $spin))))"#
    ))
}

/// `builder` with host function `env.handle`, which returns `handle`.
fn with_handle(builder: wisp_host::HostBuilder, handle: Option<u32>) -> Host {
    use wisp_interp::{FuncType, ValType};
    builder
        .import(
            "env",
            "handle",
            FuncType::new([], [ValType::EXTERNREF]),
            move |_| Ok(vec![Value::ExternRef(handle)]),
        )
        .build()
}

/// Checkpoints `holder(in_global)` on a host whose `env.handle` returns
/// `handle`.
fn checkpoint_holder(
    handle: Option<u32>,
    in_global: bool,
) -> Result<Vec<u8>, wisp_host::CheckpointError> {
    let h = with_handle(Host::builder().workers(1).slice_fuel(10_000), handle);
    let pid = h
        .spawn(SpawnSpec::invoke(holder(in_global), "run", vec![]))
        .unwrap();
    suspend_after(&h, pid, 2);
    let result = h.checkpoint(pid);
    h.kill(pid, "done").unwrap();
    result
}

#[test]
fn k7_an_externref_in_a_table_or_global_refuses_the_checkpoint() {
    use wisp_host::CheckpointError::Unserializable;
    assert_eq!(
        checkpoint_holder(Some(7), false).unwrap_err(),
        Unserializable("externref in table 0".into())
    );
    assert_eq!(
        checkpoint_holder(Some(0), true).unwrap_err(),
        Unserializable("externref in global 0".into())
    );
    // A null reference is plain data: both checkpoint and restore.
    for in_global in [false, true] {
        let bytes = checkpoint_holder(None, in_global).unwrap();
        let b = with_handle(Host::builder().workers(1), None);
        let pid = b.restore(&bytes, RestoreOpts::default()).unwrap();
        assert_eq!(b.info(pid).unwrap().state, ProcessState::Suspended);
    }
}
