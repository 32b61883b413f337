//! Calls that wait: `poll_oneoff` on a clock or a pipe, `fd_read` on an
//! empty stdin pipe, `fd_write` on a full stdout pipe, `sched_yield` —
//! suspended with a [`Wait`] and retried ([`Blocking::Suspend`]), or
//! blocking the thread ([`Blocking::Block`]).

mod common;

use common::*;
use wisp_interp::{CallOutcome, ResumableCall, SuspendReason, Val};
use wisp_wasi::pipe::{PipeReader, PipeWriter, pipe};
use wisp_wasi::{Blocking, ClockSource, OutputSink, StdinSource, Wait, WasiCtx};

/// A guest that copies stdin to stdout until end of file, 5 bytes per
/// read (each written in full, looping on short writes), and returns the
/// number of reads.
const CAT: &str = r#"
  (module
    (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "cat") (result i32)
      (local $reads i32)
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 5))
      (block $eof
        (loop $more
          (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16))
            (then unreachable))
          (local.set $reads (i32.add (local.get $reads) (i32.const 1)))
          (br_if $eof (i32.eqz (i32.load (i32.const 16))))
          ;; Write all of it: a pipe may take less than asked.
          (i32.store (i32.const 8) (i32.const 100))
          (i32.store (i32.const 12) (i32.load (i32.const 16)))
          (loop $rest
            (if (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 20))
              (then unreachable))
            (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.load (i32.const 20))))
            (i32.store (i32.const 12) (i32.sub (i32.load (i32.const 12)) (i32.load (i32.const 20))))
            (br_if $rest (i32.load (i32.const 12))))
          (br $more)))
      (local.get $reads)))
"#;

fn suspending() -> wisp_wasi::WasiCtxBuilder {
    WasiCtx::builder().blocking(Blocking::Suspend)
}

fn start(run: &mut Run, name: &str, args: &[Val]) -> CallOutcome {
    let f = run.instance.get_func(&run.store, name).unwrap();
    f.call_resumable(&mut run.store, args).unwrap()
}

/// The suspended call and its [`Wait`].
fn suspended(outcome: CallOutcome) -> (ResumableCall, String) {
    let CallOutcome::Suspended(call) = outcome else {
        panic!("expected a suspension, got {outcome:?}");
    };
    let SuspendReason::Host { payload, .. } = call.reason() else {
        panic!("expected a host suspension");
    };
    let wait = payload
        .downcast_ref::<Wait>()
        .expect("the payload of a WASI suspension is a Wait");
    let what = format!("{wait:?}");
    (call, what)
}

fn complete(outcome: CallOutcome) -> Vec<Val> {
    match outcome {
        CallOutcome::Complete(r) => r,
        CallOutcome::Suspended(call) => panic!("expected completion, suspended: {call:?}"),
    }
}

#[test]
fn an_empty_stdin_pipe_suspends_the_reader_until_the_host_writes() {
    let (writer, reader): (PipeWriter, PipeReader) = pipe(64);
    let ctx = suspending()
        .stdin(StdinSource::Pipe(reader))
        .build()
        .unwrap();
    let mut run = Run::new(CAT, ctx);
    let (call, wait) = suspended(start(&mut run, "cat", &[]));
    assert!(wait.starts_with("Readable"), "{wait}");
    // Retrying with nothing written suspends again, nothing read.
    let (call, _) = suspended(call.retry(&mut run.store).unwrap());
    writer.write_all(b"hello, pipe").unwrap();
    let (call, _) = suspended(call.retry(&mut run.store).unwrap());
    assert_eq!(run.ctx().stdout(), b"hello, pipe");
    writer.write_all(b"!").unwrap();
    drop(writer);
    let reads = complete(call.retry(&mut run.store).unwrap());
    assert_eq!(run.ctx().take_stdout(), b"hello, pipe!");
    // 5 + 5 + 1 bytes, then "!", then end of file.
    assert_eq!(reads, vec![Val::I32(5)]);
}

#[test]
fn a_blocking_reader_waits_for_another_thread() {
    let (writer, reader) = pipe(4);
    let ctx = WasiCtx::builder()
        .stdin(StdinSource::Pipe(reader))
        .build()
        .unwrap();
    let mut run = Run::new(CAT, ctx);
    let feeder = std::thread::spawn(move || {
        for chunk in [&b"slow "[..], b"and ", b"steady"] {
            std::thread::sleep(std::time::Duration::from_millis(5));
            writer.write_all(chunk).unwrap();
        }
    });
    let f = run.instance.get_func(&run.store, "cat").unwrap();
    let mut results = [Val::I32(0)];
    f.call(&mut run.store, &[], &mut results).unwrap();
    feeder.join().unwrap();
    assert_eq!(run.ctx().take_stdout(), b"slow and steady");
}

#[test]
fn a_full_stdout_pipe_suspends_the_writer_until_the_host_reads() {
    let (in_w, in_r) = pipe(64);
    let (out_w, out_r) = pipe(4);
    let ctx = suspending()
        .stdin(StdinSource::Pipe(in_r))
        .stdout(OutputSink::Pipe(out_w))
        .build()
        .unwrap();
    let mut run = Run::new(CAT, ctx);
    in_w.write_all(b"0123456789").unwrap();
    drop(in_w);
    let mut outcome = start(&mut run, "cat", &[]);
    let mut out = Vec::new();
    let mut writable_waits = 0;
    loop {
        match outcome {
            CallOutcome::Complete(_) => break,
            CallOutcome::Suspended(call) => {
                let (call, wait) = suspended(CallOutcome::Suspended(call));
                assert!(wait.starts_with("Writable"), "{wait}");
                writable_waits += 1;
                let mut buf = [0u8; 3];
                if let wisp_wasi::pipe::ReadOutcome::Data(n) = out_r.try_read(&mut buf) {
                    out.extend_from_slice(&buf[..n]);
                }
                outcome = call.retry(&mut run.store).unwrap();
            }
        }
    }
    drop(run);
    out.extend(out_r.read_to_end());
    assert_eq!(out, b"0123456789");
    assert!(writable_waits >= 2);
}

#[test]
fn writing_to_a_pipe_without_reader_is_epipe() {
    let (out_w, out_r) = pipe(4);
    drop(out_r);
    let ctx = suspending()
        .stdout(OutputSink::Pipe(out_w))
        .build()
        .unwrap();
    let mut run = Run::with(&["fd_write"], ctx);
    run.write(100, b"x");
    run.iovecs(0, &[(100, 1)]);
    const PIPE: i32 = 64;
    assert_eq!(run.errno32("fd_write", &[1, 0, 1, 50]), PIPE);
}

#[test]
fn sched_yield_suspends_once_then_completes() {
    let mut run = Run::with(&["sched_yield"], suspending().build().unwrap());
    let (call, wait) = suspended(start(&mut run, "call_sched_yield", &[]));
    assert_eq!(wait, "Yield");
    assert_eq!(
        complete(call.retry(&mut run.store).unwrap()),
        vec![Val::I32(SUCCESS)]
    );
    // Blocking mode: a plain call.
    let mut run = Run::with(&["sched_yield"], WasiCtx::builder().build().unwrap());
    assert_eq!(run.errno32("sched_yield", &[]), SUCCESS);
}

/// One clock subscription at 0: relative `timeout_ns` on the monotonic clock.
fn sleep_subscription(run: &mut Run, timeout_ns: u64) {
    let mut sub = [0u8; 48];
    sub[0..8].copy_from_slice(&77u64.to_le_bytes());
    sub[8] = 0; // clock
    sub[16..20].copy_from_slice(&1u32.to_le_bytes()); // monotonic
    sub[24..32].copy_from_slice(&timeout_ns.to_le_bytes());
    run.write(0, &sub);
}

fn sleep_deadline(wait: &str) -> u64 {
    let at = wait.find("deadline: ").unwrap() + "deadline: ".len();
    wait[at..]
        .split(',')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_sleep_suspends_with_one_deadline_that_retries_keep() {
    let ctx = suspending().clock(ClockSource::Real).build().unwrap();
    let mut run = Run::with(&["poll_oneoff"], ctx);
    sleep_subscription(&mut run, 30_000_000);
    let args = [0, 100, 1, 200].map(Val::I32);
    let (call, first) = suspended(start(&mut run, "call_poll_oneoff", &args));
    assert!(first.starts_with("Sleep { clock: 1"), "{first}");
    // Retried early, it suspends again with the same deadline: the relative
    // timeout counts from the first call, not from the retry.
    std::thread::sleep(std::time::Duration::from_millis(2));
    let (call, second) = suspended(call.retry(&mut run.store).unwrap());
    assert_eq!(sleep_deadline(&first), sleep_deadline(&second));
    std::thread::sleep(std::time::Duration::from_millis(30));
    let r = complete(call.retry(&mut run.store).unwrap());
    assert_eq!(r, vec![Val::I32(SUCCESS)]);
    assert_eq!(run.read_u32(200), 1);
    assert_eq!(run.read_u64(100), 77);
    // The next call is a new one: it gets a new deadline.
    let (_, third) = suspended(start(&mut run, "call_poll_oneoff", &args));
    assert!(sleep_deadline(&third) > sleep_deadline(&first));
}

#[test]
fn a_deterministic_clock_never_suspends_a_sleep() {
    let ctx = suspending().build().unwrap();
    let mut run = Run::with(&["poll_oneoff"], ctx);
    sleep_subscription(&mut run, 1_000_000_000);
    assert_eq!(run.errno32("poll_oneoff", &[0, 100, 1, 200]), SUCCESS);
    assert_eq!(run.read_u32(200), 1);
}

#[test]
fn poll_waits_on_a_stdin_pipe_or_a_clock_whichever_is_first() {
    let (writer, reader) = pipe(16);
    let ctx = suspending()
        .clock(ClockSource::Real)
        .stdin(StdinSource::Pipe(reader))
        .build()
        .unwrap();
    let mut run = Run::with(&["poll_oneoff"], ctx);
    // Subscription 0: fd_read on stdin; subscription 1: a 10 s sleep.
    let mut subs = [0u8; 96];
    subs[0..8].copy_from_slice(&1u64.to_le_bytes());
    subs[8] = 1;
    subs[48..56].copy_from_slice(&2u64.to_le_bytes());
    subs[56] = 0;
    subs[64..68].copy_from_slice(&1u32.to_le_bytes());
    subs[72..80].copy_from_slice(&10_000_000_000u64.to_le_bytes());
    run.write(0, &subs);
    let args = [0, 200, 2, 300].map(Val::I32);
    let (call, wait) = suspended(start(&mut run, "call_poll_oneoff", &args));
    assert!(wait.starts_with("Any([Readable"), "{wait}");
    writer.write_all(b"xyz").unwrap();
    assert_eq!(
        complete(call.retry(&mut run.store).unwrap()),
        vec![Val::I32(SUCCESS)]
    );
    // One event: userdata 1, fd_read, 3 bytes ready.
    assert_eq!(run.read_u32(300), 1);
    assert_eq!(run.read_u64(200), 1);
    assert_eq!(run.read(210, 1), [1]);
    assert_eq!(run.read_u64(216), 3);
}

#[test]
fn a_virtual_clock_sleep_waits_for_the_embedder_to_move_the_clock() {
    let clock = wisp_wasi::VirtualClock::new();
    let ctx = suspending()
        .clock(ClockSource::Virtual {
            clock: clock.clone(),
            realtime_start_ns: 0,
        })
        .build()
        .unwrap();
    let mut run = Run::with(&["poll_oneoff"], ctx);
    sleep_subscription(&mut run, 1_000_000_000);
    let args = [0, 100, 1, 200].map(Val::I32);
    let (call, wait) = suspended(start(&mut run, "call_poll_oneoff", &args));
    assert!(wait.contains("remaining_ns: 1000000000"), "{wait}");
    clock.advance_to(300_000_000);
    let (call, wait) = suspended(call.retry(&mut run.store).unwrap());
    assert!(wait.contains("remaining_ns: 700000000"), "{wait}");
    clock.advance_to(1_000_000_000);
    assert_eq!(
        complete(call.retry(&mut run.store).unwrap()),
        vec![Val::I32(SUCCESS)]
    );

    // Blocking on a virtual clock moves it to the deadline itself.
    let clock = wisp_wasi::VirtualClock::new();
    let ctx = WasiCtx::builder()
        .clock(ClockSource::Virtual {
            clock: clock.clone(),
            realtime_start_ns: 0,
        })
        .build()
        .unwrap();
    let mut run = Run::with(&["poll_oneoff"], ctx);
    sleep_subscription(&mut run, 5_000);
    assert_eq!(run.errno32("poll_oneoff", &[0, 100, 1, 200]), SUCCESS);
    assert_eq!(clock.now_ns(), 5_000);
}
