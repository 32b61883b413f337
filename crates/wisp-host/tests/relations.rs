//! Monitors, links, messages and cancel (HOST.md §7.5, P1–P7), from Rust
//! and from guests through `wisp:process`.

use std::time::Duration;

use wisp_host::{
    DownReason, ExitReason, Host, Limits, Pid, SendError, SpawnOpts, SpawnSpec, Stream, Value,
};

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap()
}

const COMPUTE: &str = r#"(module
  (func (export "compute") (param i32 i32) (result i32)
    (i32.mul (local.get 0) (local.get 1))))"#;

const LOOP: &str = r#"(module (func (export "run") (loop (br 0))))"#;

const TRAP: &str = r#"(module (func (export "run") unreachable))"#;

/// Receives one message with a tag in its first parameter (or any tag when
/// it is -100), waiting at most the second parameter in ms; returns the
/// received tag, or -1000 - status when nothing was received. Writes the
/// message data to stdout.
const RECEIVER: &str = r#"(module
  (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (param $tag i64) (param $ms i64) (result i64)
    (local $r i64) (local $n i32)
    (i64.store (i32.const 0) (local.get $tag))
    (local.set $r (call $recv
      (i32.const 0)
      (select (i32.const 0) (i32.const 1) (i64.eq (local.get $tag) (i64.const -100)))
      (local.get $ms) (i32.const 100) (i32.const 1000)))
    (if (i64.ne (i64.and (local.get $r) (i64.const 0xffffffff)) (i64.const 0))
      (then (return (i64.sub (i64.const -1000) (i64.and (local.get $r) (i64.const 0xffffffff))))))
    (local.set $n (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
    (i32.store (i32.const 8) (i32.const 116))
    (i32.store (i32.const 12) (i32.sub (local.get $n) (i32.const 16)))
    (drop (call $w (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))
    (i64.load (i32.const 108))))"#;

fn paused() -> Host {
    Host::builder()
        .workers(2)
        .slice_fuel(10_000)
        .paused(true)
        .build()
}

fn spawn(h: &Host, wat: &str, method: &str, args: Vec<Value>) -> Pid {
    h.spawn(SpawnSpec::invoke(wasm(wat), method, args)).unwrap()
}

#[test]
fn p1_a_monitor_sees_a_normal_exit() {
    let h = Host::builder().workers(2).build();
    let (pid, down) = h
        .spawn_monitored(SpawnSpec::invoke(
            wasm(COMPUTE),
            "compute",
            vec![Value::I32(6), Value::I32(7)],
        ))
        .unwrap();
    let d = down.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(d.pid, pid);
    assert!(matches!(&d.reason, DownReason::Exit(e) if e.reason == ExitReason::Normal));
    assert_eq!(h.wait(pid).unwrap().result, Some(vec![Value::I32(42)]));
}

#[test]
fn p2_monitoring_an_exited_process_is_noproc_at_once() {
    let h = Host::builder().workers(1).build();
    let pid = spawn(&h, COMPUTE, "compute", vec![Value::I32(1), Value::I32(2)]);
    h.wait(pid).unwrap();
    let d = h.monitor(pid).try_recv().unwrap();
    assert_eq!(d.reason, DownReason::NoProc);
    let d = h.monitor(Pid(999_999)).try_recv().unwrap();
    assert_eq!(d.reason, DownReason::NoProc);
}

#[test]
fn p3_an_abnormal_exit_kills_the_linked_process() {
    let h = paused();
    let a = spawn(&h, LOOP, "run", vec![]);
    let b = spawn(&h, TRAP, "run", vec![]);
    h.link(a, b).unwrap();
    let watch_a = h.monitor(a);
    h.start();
    let d = watch_a.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(
        matches!(&d.reason, DownReason::Exit(e) if e.reason == ExitReason::LinkDown { from: b }),
        "{d:?}"
    );
    assert_eq!(h.wait(a).unwrap().exit_code, 137);
}

#[test]
fn p4_a_process_that_traps_links_gets_a_message_instead() {
    let h = paused();
    let mut spec = SpawnSpec::invoke(
        wasm(RECEIVER),
        "run",
        vec![Value::I64(-100), Value::I64(-1)],
    );
    spec.opts = SpawnOpts {
        trap_links: true,
        ..SpawnOpts::default()
    };
    let a = h.spawn(spec).unwrap();
    let b = spawn(&h, TRAP, "run", vec![]);
    h.link(a, b).unwrap();
    h.start();
    let e = h.wait(a).unwrap();
    assert_eq!(e.reason, ExitReason::Normal);
    assert_eq!(e.result, Some(vec![Value::I64(-2)]));
    // The data: b's pid, its exit code 134, and the reason's name.
    let out = h.output(a, Stream::Stdout).unwrap();
    assert_eq!(&out[..8], &b.0.to_le_bytes());
    assert_eq!(&out[8..12], &134i32.to_le_bytes());
    assert_eq!(&out[12..], b"trap");
}

#[test]
fn p5_a_normal_exit_does_not_propagate() {
    let h = paused();
    let a = spawn(&h, LOOP, "run", vec![]);
    let b = spawn(&h, COMPUTE, "compute", vec![Value::I32(1), Value::I32(2)]);
    h.link(a, b).unwrap();
    h.start();
    h.wait(b).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        h.wait_timeout(a, Duration::from_millis(1))
            .unwrap()
            .is_none()
    );
    h.kill(a, "test over").unwrap();
}

#[test]
fn p6_a_receiver_wakes_on_a_message_and_times_out_without_one() {
    let h = Host::builder().workers(1).build();
    let a = spawn(&h, RECEIVER, "run", vec![Value::I64(7), Value::I64(5_000)]);
    // A message with another tag does not wake it for good.
    h.send(a, 3, b"other".to_vec()).unwrap();
    h.send(a, 7, b"hi".to_vec()).unwrap();
    let e = h.wait(a).unwrap();
    assert_eq!(e.result, Some(vec![Value::I64(7)]), "{e:?}");
    assert_eq!(h.output(a, Stream::Stdout).unwrap(), b"hi");

    let b = spawn(&h, RECEIVER, "run", vec![Value::I64(7), Value::I64(0)]);
    assert_eq!(h.wait(b).unwrap().result, Some(vec![Value::I64(-1001)]));
}

#[test]
fn p6_a_receive_timeout_runs_in_virtual_time() {
    let h = Host::builder().deterministic(3).build();
    let a = spawn(&h, RECEIVER, "run", vec![Value::I64(7), Value::I64(250)]);
    assert_eq!(h.wait(a).unwrap().result, Some(vec![Value::I64(-1001)]));
    assert_eq!(h.virtual_now(), Some(Duration::from_millis(250)));
}

#[test]
fn p7_a_full_mailbox_refuses_more() {
    let h = Host::builder().workers(1).build();
    let mut spec = SpawnSpec::invoke(wasm(LOOP), "run", vec![]);
    spec.limits = Limits {
        max_mailbox_len: 2,
        ..Limits::default()
    };
    let a = h.spawn(spec).unwrap();
    h.send(a, 1, vec![]).unwrap();
    h.send(a, 2, vec![]).unwrap();
    assert_eq!(h.send(a, 3, vec![]), Err(SendError::MailboxFull(a)));
    h.kill(a, "test over").unwrap();
    h.wait(a).unwrap();
    assert_eq!(h.send(a, 4, vec![]), Err(SendError::NotFound(a)));
}

#[test]
fn cancel_asks_a_wisp_process_guest_first_and_kills_others() {
    let h = Host::builder().workers(2).build();
    let a = spawn(&h, RECEIVER, "run", vec![Value::I64(-3), Value::I64(-1)]);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while h.info(a).unwrap().state != wisp_host::ProcessState::Parked {
        assert!(std::time::Instant::now() < deadline, "{:?}", h.info(a));
        std::thread::yield_now();
    }
    h.cancel(a, "please stop", Duration::from_secs(60)).unwrap();
    let e = h.wait(a).unwrap();
    assert_eq!(e.result, Some(vec![Value::I64(-3)]));
    assert_eq!(h.output(a, Stream::Stdout).unwrap(), b"please stop");

    let b = spawn(&h, LOOP, "run", vec![]);
    h.cancel(b, "stop", Duration::from_secs(60)).unwrap();
    assert!(matches!(
        h.wait(b).unwrap().reason,
        ExitReason::Killed { ref reason, .. } if reason == "cancelled"
    ));
}

#[test]
fn a_guest_monitors_and_kills_another() {
    // Monitors the pid given, kills it, then receives the Down (tag -1).
    let killer = r#"(module
      (import "wisp:process" "monitor" (func $mon (param i64) (result i64)))
      (import "wisp:process" "kill" (func $kill (param i64 i32) (result i32)))
      (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
      (memory (export "memory") 1)
      (func (export "run") (param $victim i64) (result i64)
        (drop (call $mon (local.get $victim)))
        (drop (call $kill (local.get $victim) (i32.const 9)))
        (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 100) (i32.const 100)))
        ;; tag, then the victim's pid after the monitor reference
        (i64.add (i64.mul (i64.load (i32.const 108)) (i64.const 1000))
                 (i64.load (i32.const 124)))))"#;
    let h = Host::builder().workers(2).build();
    let victim = spawn(&h, LOOP, "run", vec![]);
    let k = spawn(&h, killer, "run", vec![Value::I64(victim.0 as i64)]);
    let e = h.wait(k).unwrap();
    assert_eq!(e.result, Some(vec![Value::I64(-1000 + victim.0 as i64)]));
    let v = h.wait(victim).unwrap();
    assert!(matches!(v.reason, ExitReason::Killed { by: wisp_host::Killer::Pid(p), .. } if p == k));
}

#[test]
fn a_guest_spawns_an_entry_and_monitors_it() {
    let compute = wasm(COMPUTE);
    let h = Host::builder()
        .workers(2)
        .resolver(move |entry, args| match entry {
            "myns:compute" => Ok(SpawnSpec::invoke(compute.clone(), "compute", args)),
            other => Err(format!("no entry {other}")),
        })
        .build();
    let parent = r#"(module
      (import "wisp:process" "spawn" (func $spawn (param i32 i32 i32 i32 i32) (result i64)))
      (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
      (memory (export "memory") 1)
      (data (i32.const 0) "myns:compute")
      (data (i32.const 16) "myns:nothing")
      (func (export "run") (result i64)
        (local $child i64)
        (i64.store (i32.const 32) (i64.const 6))
        (i64.store (i32.const 40) (i64.const 7))
        ;; An unknown entry: -1.
        (if (i64.ne (call $spawn (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 16) (i32.const 0))
                    (i64.const -1))
          (then unreachable))
        (local.set $child (call $spawn (i32.const 0) (i32.const 12) (i32.const 32) (i32.const 16) (i32.const 2)))
        (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 100) (i32.const 100)))
        ;; The Down's tag is -1 and it names the child.
        (if (i64.ne (i64.load (i32.const 108)) (i64.const -1)) (then unreachable))
        (if (i64.ne (i64.load (i32.const 124)) (local.get $child)) (then unreachable))
        (local.get $child)))"#;
    let p = spawn(&h, parent, "run", vec![]);
    let e = h.wait(p).unwrap();
    let Some([Value::I64(child)]) = e.result.as_deref() else {
        panic!("{e:?}")
    };
    let c = h.wait(Pid(*child as u64)).unwrap();
    assert_eq!(c.result, Some(vec![Value::I32(42)]));
}

#[test]
fn a_selective_receive_parks_past_unwanted_messages() {
    let h = Host::builder().deterministic(4).paused(true).build();
    let a = spawn(&h, RECEIVER, "run", vec![Value::I64(7), Value::I64(250)]);
    h.send(a, 3, b"not this one".to_vec()).unwrap();
    h.start();
    let e = h.wait(a).unwrap();
    assert_eq!(e.result, Some(vec![Value::I64(-1001)]));
    assert_eq!(h.virtual_now(), Some(Duration::from_millis(250)));
    // It parked once and woke once for the timeout: no spinning.
    assert!(e.slices <= 2, "{} slices", e.slices);
}

#[test]
fn cancelled_timers_do_not_move_the_virtual_clock() {
    let h = Host::builder().deterministic(5).paused(true).build();
    let never = h.schedule(Duration::from_secs(10), || panic!("cancelled"));
    never.cancel();
    // A guest that stops at once on Cancel: the 60 s grace timer goes
    // with it.
    let a = spawn(&h, RECEIVER, "run", vec![Value::I64(-3), Value::I64(-1)]);
    h.start();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while h.info(a).unwrap().state != wisp_host::ProcessState::Parked {
        assert!(std::time::Instant::now() < deadline);
        std::thread::yield_now();
    }
    h.cancel(a, "stop", Duration::from_secs(60)).unwrap();
    assert_eq!(h.wait(a).unwrap().result, Some(vec![Value::I64(-3)]));
    // A sleeper of 100 ms afterwards: the clock only reaches its deadline.
    let b = spawn(&h, RECEIVER, "run", vec![Value::I64(7), Value::I64(100)]);
    assert_eq!(h.wait(b).unwrap().result, Some(vec![Value::I64(-1001)]));
    assert_eq!(h.virtual_now(), Some(Duration::from_millis(100)));
}
