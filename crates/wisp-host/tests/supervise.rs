//! Supervision (HOST.md §7.5, P8–P16): supervisors, services and process
//! groups on deterministic hosts, so restart and shutdown times are exact
//! virtual times. Real-time bounds below only catch hangs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wisp_host::registry::{ChildRestart, RestartPolicy, Shutdown, Strategy};
use wisp_host::supervise::{
    ChildConfig, ChildKind, Event, EventKind, GroupEvent, LogSink, PgError, ProcessGroups,
    ServiceConfig, ServiceHandle, ServiceState, SpecFactory, StartError, SuperviseOptions,
    SupervisorConfig, SupervisorHandle, SupervisorState,
};
use wisp_host::{ExitReason, Host, Pid, ProcessState, SpawnSpec, Value};

/// A bound against hangs only.
const HANG: Duration = Duration::from_secs(60);

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap()
}

/// Counts `n` down, then traps: a few slices of work, then `unreachable`.
const WORKER: &str = r#"(module (func (export "run") (param $n i32)
  (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
  unreachable))"#;

const TRAP: &str = r#"(module (func (export "run") unreachable))"#;

/// Waits for any message (a Cancel too), then returns.
const PARKED: &str = r#"(module
  (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "run")
    (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 100) (i32.const 1000)))))"#;

/// Waits for any message, then traps.
const PARKED_THEN_TRAP: &str = r#"(module
  (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "run")
    (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 100) (i32.const 1000)))
    unreachable))"#;

/// Receives every message and ignores it, forever: a Cancel is taken and
/// dropped. (A receive of tag 7 only would be the natural way to write
/// it, but the host re-wakes a receive whenever its mailbox is not empty,
/// so an unmatched Cancel would keep it spinning instead of parked.)
const IGNORES_CANCEL: &str = r#"(module
  (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "run")
    (loop $l
      (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 100) (i32.const 1000)))
      (br $l))))"#;

const EXIT0: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "run") (call $exit (i32.const 0))))"#;

fn spec(wat: &str) -> SpawnSpec {
    SpawnSpec::invoke(wasm(wat), "run", vec![])
}

fn fixed(wat: &str) -> SpecFactory {
    SpecFactory::fixed(spec(wat))
}

/// `first` for the first start, `then` for every later one.
fn once_then(first: SpawnSpec, then: SpawnSpec) -> SpecFactory {
    let n = AtomicUsize::new(0);
    SpecFactory::new(move || {
        Ok(if n.fetch_add(1, Ordering::SeqCst) == 0 {
            first.clone()
        } else {
            then.clone()
        })
    })
}

fn det_host() -> Host {
    Host::builder().deterministic(7).slice_fuel(1000).build()
}

/// Options whose log lines are kept.
fn logged() -> (SuperviseOptions, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = lines.clone();
    let opts = SuperviseOptions {
        log: LogSink::new(move |s| l.lock().unwrap().push(s.to_string())),
        seed: 1,
    };
    (opts, lines)
}

fn quiet() -> SuperviseOptions {
    SuperviseOptions {
        log: LogSink::silent(),
        seed: 1,
    }
}

/// The events about `child`, as short labels (`started`, `exited`,
/// `stopping`, `stopped`, `restart`, `removed`, `start_failed`).
fn labels(events: &[Event], child: &str) -> Vec<&'static str> {
    events
        .iter()
        .filter(|e| e.child.as_deref() == Some(child))
        .map(|e| label(&e.kind))
        .collect()
}

fn label(k: &EventKind) -> &'static str {
    match k {
        EventKind::Started { .. } => "started",
        EventKind::StartFailed { .. } => "start_failed",
        EventKind::Exited { .. } => "exited",
        EventKind::Stopping { .. } => "stopping",
        EventKind::Stopped { .. } => "stopped",
        EventKind::Restart { .. } => "restart",
        EventKind::Removed => "removed",
        EventKind::GaveUp { .. } => "gave_up",
    }
}

/// `(child, label)` of every event, in order.
fn timeline(events: &[Event]) -> Vec<(String, &'static str)> {
    events
        .iter()
        .map(|e| (e.child.clone().unwrap_or_default(), label(&e.kind)))
        .collect()
}

fn started_pids(events: &[Event], child: &str) -> Vec<Pid> {
    events
        .iter()
        .filter(|e| e.child.as_deref() == Some(child))
        .filter_map(|e| match e.kind {
            EventKind::Started { pid } => pid,
            _ => None,
        })
        .collect()
}

fn pair(c: &str, l: &'static str) -> (String, &'static str) {
    (c.to_string(), l)
}

#[test]
fn p8_one_for_one_restarts_until_the_intensity_is_reached() {
    let host = det_host();
    let (opts, lines) = logged();
    let worker = SpawnSpec::invoke(wasm(WORKER), "run", vec![Value::I32(600)]);
    let mut cfg = SupervisorConfig::new(
        "myns:pool",
        vec![
            ChildConfig::process("w1", SpecFactory::fixed(worker)),
            ChildConfig::process("w2", fixed(PARKED)),
        ],
    );
    cfg.intensity = 3;
    cfg.period = Duration::from_secs(60);
    let sup = SupervisorHandle::start(host.clone(), cfg, opts).unwrap();
    let exit = sup.wait_exit(HANG).expect("the supervisor gives up");
    assert_eq!(
        exit.reason,
        ExitReason::Shutdown {
            reason: "reached_max_restart_intensity".into()
        }
    );
    assert!(exit.abnormal);
    assert_eq!(sup.restarts_total(), 3);
    assert_eq!(sup.state(), SupervisorState::Exited);

    let events = sup.events();
    // w1 ran four times; w2 kept its one process until the end.
    let w1 = started_pids(&events, "w1");
    assert_eq!(w1.len(), 4, "{events:#?}");
    assert_eq!(started_pids(&events, "w2").len(), 1);
    assert_eq!(labels(&events, "w2"), ["started", "stopping", "stopped"]);
    // Each w1 ran several slices of work before its trap.
    for pid in &w1 {
        let info = host.info(*pid).unwrap();
        assert_eq!(info.state, ProcessState::Exited);
        assert!(info.slices >= 3, "{info:?}");
    }
    // The 4th failure: give up, then stop w2.
    let tail: Vec<_> = timeline(&events).into_iter().rev().take(4).collect();
    assert_eq!(
        tail,
        [
            pair("w2", "stopped"),
            pair("w2", "stopping"),
            pair("", "gave_up"),
            pair("w1", "exited"),
        ]
    );
    let lines = lines.lock().unwrap();
    assert_eq!(
        lines[0],
        "supervisor myns:pool: child w1 exited (trap: unreachable), restart 1/3 in 0s"
    );
    assert_eq!(
        lines[2],
        "supervisor myns:pool: child w1 exited (trap: unreachable), restart 3/3 in 0s"
    );
    assert!(
        lines[3].contains("4 restarts within 60s exceed intensity 3"),
        "{lines:?}"
    );
}

#[test]
fn p9_one_for_all_stops_the_others_and_starts_all_in_order() {
    let host = det_host();
    let mut cfg = SupervisorConfig::new(
        "t:all",
        vec![
            ChildConfig::process("w1", once_then(spec(TRAP), spec(PARKED))),
            ChildConfig::process("w2", fixed(PARKED)),
        ],
    );
    cfg.strategy = Strategy::OneForAll;
    cfg.intensity = 5;
    let sup = SupervisorHandle::start(host, cfg, quiet()).unwrap();
    let st = sup
        .wait_until(HANG, |s| {
            s.restarts_total == 1 && s.children.iter().all(|c| c.pid.is_some())
        })
        .expect("both children run again");
    let events = sup.events();
    let w2 = started_pids(&events, "w2");
    assert_eq!(w2.len(), 2);
    assert_ne!(w2[0], w2[1], "w2 got a new pid");
    assert_eq!(st.children[1].pid, Some(w2[1]));
    // After w1's exit: w2 stopped, then w1 and w2 started in list order.
    let after: Vec<_> = timeline(&events)
        .into_iter()
        .skip_while(|e| *e != pair("w1", "exited"))
        .filter(|(_, l)| *l != "restart")
        .collect();
    assert_eq!(
        after,
        [
            pair("w1", "exited"),
            pair("w2", "stopping"),
            pair("w2", "stopped"),
            pair("w1", "started"),
            pair("w2", "started"),
        ]
    );
    assert_eq!(sup.status().children[0].restarts, 1);
    assert_eq!(sup.status().children[1].restarts, 1);
    let exit = sup.stop();
    assert!(!exit.abnormal);
}

#[test]
fn p10_rest_for_one_restarts_the_failed_child_and_those_after_it() {
    let host = det_host();
    let mut cfg = SupervisorConfig::new(
        "t:rest",
        vec![
            ChildConfig::process("a", fixed(PARKED)),
            ChildConfig::process("b", once_then(spec(TRAP), spec(PARKED))),
            ChildConfig::process("c", fixed(PARKED)),
        ],
    );
    cfg.strategy = Strategy::RestForOne;
    cfg.intensity = 5;
    let sup = SupervisorHandle::start(host, cfg, quiet()).unwrap();
    sup.wait_until(HANG, |s| {
        s.restarts_total == 1 && s.children.iter().all(|c| c.pid.is_some())
    })
    .expect("b and c run again");
    let events = sup.events();
    assert_eq!(started_pids(&events, "a").len(), 1, "a keeps its pid");
    assert_eq!(labels(&events, "a"), ["started"]);
    let after: Vec<_> = timeline(&events)
        .into_iter()
        .skip_while(|e| *e != pair("b", "exited"))
        .filter(|(_, l)| *l != "restart")
        .collect();
    assert_eq!(
        after,
        [
            pair("b", "exited"),
            pair("c", "stopping"),
            pair("c", "stopped"),
            pair("b", "started"),
            pair("c", "started"),
        ]
    );
    sup.stop();
}

#[test]
fn p11_transient_children_restart_only_after_an_abnormal_exit() {
    let host = det_host();
    let mut cfg = SupervisorConfig::new(
        "t:transient",
        vec![
            ChildConfig::process("done", fixed(EXIT0)).restart(ChildRestart::Transient),
            ChildConfig::process("crash", once_then(spec(TRAP), spec(PARKED)))
                .restart(ChildRestart::Transient),
            ChildConfig::process("keep", fixed(PARKED)),
        ],
    );
    cfg.intensity = 5;
    let sup = SupervisorHandle::start(host, cfg, quiet()).unwrap();
    let st = sup
        .wait_until(HANG, |s| {
            s.restarts_total == 1
                && s.children[0].pid.is_none()
                && s.children[1].pid.is_some()
                && sup
                    .events()
                    .iter()
                    .any(|e| e.child.as_deref() == Some("done") && label(&e.kind) == "exited")
        })
        .expect("crash restarted, done not");
    let events = sup.events();
    assert_eq!(labels(&events, "done"), ["started", "exited"]);
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::Exited {
            reason: ExitReason::Exit { code: 0 },
            abnormal: false,
            ..
        }
    )));
    assert_eq!(
        labels(&events, "crash"),
        ["started", "exited", "restart", "started"]
    );
    assert_eq!(st.children[0].restarts, 0);
    assert_eq!(st.children[1].restarts, 1);
    // "done" stays in the list (transient), just not running.
    assert_eq!(st.children.len(), 3);
    sup.stop();
}

#[test]
fn p12_a_temporary_child_is_removed_not_restarted() {
    let host = det_host();
    let cfg = SupervisorConfig::new(
        "t:temp",
        vec![
            ChildConfig::process("once", fixed(TRAP)).restart(ChildRestart::Temporary),
            ChildConfig::process("keep", fixed(PARKED)),
        ],
    );
    let sup = SupervisorHandle::start(host, cfg, quiet()).unwrap();
    let st = sup
        .wait_until(HANG, |s| s.children.len() == 1)
        .expect("the temporary child leaves the list");
    assert_eq!(st.children[0].id, "keep");
    assert_eq!(st.restarts_total, 0);
    assert_eq!(
        labels(&sup.events(), "once"),
        ["started", "exited", "removed"]
    );
    assert_eq!(sup.state(), SupervisorState::Running);
    sup.stop();
}

#[test]
fn p14_service_backoff_times_are_exact_on_the_virtual_clock() {
    let host = det_host();
    let (opts, lines) = logged();
    let mut cfg = ServiceConfig::new("myns:svc", fixed(TRAP));
    cfg.restart = RestartPolicy {
        initial_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(90),
        backoff_factor: 2.0,
        jitter: 0.0,
        max_attempts: 3,
    };
    let svc = ServiceHandle::start(host.clone(), cfg, opts).unwrap();
    let st = svc
        .wait_until(HANG, |s| s.state == ServiceState::Exited)
        .expect("the service gives up");
    assert_eq!(st.reason.as_deref(), Some("max_attempts_reached"));
    assert_eq!(st.attempts, 4);
    assert_eq!(st.restarts_total, 3);
    let starts: Vec<Duration> = svc
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Started { .. }))
        .map(|e| e.at)
        .collect();
    assert_eq!(starts.len(), 4);
    let gaps: Vec<Duration> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(
        gaps,
        [100, 200, 400].map(Duration::from_millis),
        "starts at {starts:?}"
    );
    let lines = lines.lock().unwrap();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[0].starts_with("service myns:svc: process <"),
        "{lines:?}"
    );
    assert!(lines[0].ends_with("exited (trap: unreachable), restart 1/3 in 100ms"));
    assert!(lines[2].ends_with("restart 3/3 in 400ms"));
    assert!(lines[3].ends_with("3 restart(s) used up: max_attempts_reached"));
    // Stopping an exited service is immediate.
    assert_eq!(svc.stop().state, ServiceState::Exited);
}

#[test]
fn a_stable_run_resets_the_attempt_counter() {
    let host = det_host();
    let mut cfg = ServiceConfig::new("t:stable", fixed(PARKED_THEN_TRAP));
    cfg.stable_threshold = Duration::from_secs(5);
    cfg.restart = RestartPolicy {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(1),
        backoff_factor: 2.0,
        jitter: 0.0,
        max_attempts: 1,
    };
    let svc = ServiceHandle::start(host.clone(), cfg, quiet()).unwrap();
    let poke = |n: u64| {
        let st = svc
            .wait_until(HANG, |s| {
                s.state == ServiceState::Running && s.restarts_total == n
            })
            .unwrap();
        host.send(st.pid.unwrap(), 1, vec![]).unwrap();
    };
    // A quick failure: attempt 1 of 1.
    poke(0);
    let st = svc
        .wait_until(HANG, |s| {
            s.restarts_total == 1 && s.state == ServiceState::Running
        })
        .unwrap();
    assert_eq!(st.attempts, 1);
    // Let it run past the threshold (a timer moves the virtual clock),
    // then fail: the counter starts again instead of giving up.
    let (tx, rx) = crossbeam_channel::bounded(1);
    host.schedule(Duration::from_secs(6), move || {
        let _ = tx.send(());
    });
    rx.recv_timeout(HANG).unwrap();
    host.send(st.pid.unwrap(), 1, vec![]).unwrap();
    let st = svc
        .wait_until(HANG, |s| {
            s.restarts_total == 2 && s.state == ServiceState::Running
        })
        .expect("restarted again, not exited");
    assert_eq!(st.attempts, 1);
    assert_eq!(svc.stop().state, ServiceState::Stopped);
}

#[test]
fn p15_a_timed_shutdown_kills_after_its_grace_and_brutal_kill_at_once() {
    let host = det_host();
    let cfg = SupervisorConfig::new(
        "t:shutdown",
        vec![
            ChildConfig::process("slow", fixed(IGNORES_CANCEL))
                .shutdown(Shutdown::Timeout(Duration::from_secs(2))),
            ChildConfig::process("brutal", fixed(IGNORES_CANCEL)).shutdown(Shutdown::BrutalKill),
        ],
    );
    let sup = SupervisorHandle::start(host.clone(), cfg, quiet()).unwrap();
    let exit = sup.stop();
    assert_eq!(
        exit.reason,
        ExitReason::Shutdown {
            reason: "shutdown".into()
        }
    );
    let events = sup.events();
    // Reverse order: brutal first, then slow.
    let order: Vec<_> = timeline(&events)
        .into_iter()
        .filter(|(_, l)| *l == "stopping" || *l == "stopped")
        .collect();
    assert_eq!(
        order,
        [
            pair("brutal", "stopping"),
            pair("brutal", "stopped"),
            pair("slow", "stopping"),
            pair("slow", "stopped"),
        ]
    );
    let at = |child: &str, l: &str| {
        events
            .iter()
            .find(|e| e.child.as_deref() == Some(child) && label(&e.kind) == l)
            .unwrap()
            .clone()
    };
    let (b0, b1) = (at("brutal", "stopping"), at("brutal", "stopped"));
    assert_eq!(b1.at, b0.at, "brutal_kill takes no time");
    let (s0, s1) = (at("slow", "stopping"), at("slow", "stopped"));
    assert_eq!(
        s1.at - s0.at,
        Duration::from_secs(2),
        "killed after its grace"
    );
    assert!(matches!(
        s1.kind,
        EventKind::Stopped {
            reason: ExitReason::Killed { .. },
            ..
        }
    ));
    assert!(matches!(
        b1.kind,
        EventKind::Stopped {
            reason: ExitReason::Killed { .. },
            ..
        }
    ));
}

#[test]
fn p16_process_groups_fan_out_and_forget_exited_members() {
    let host = Host::builder().workers(1).slice_fuel(1000).build();
    let pg = ProcessGroups::new(host.clone(), ["test:scope".to_string()]);
    let events = pg.subscribe("test:scope", "workers").unwrap();
    let pids: Vec<Pid> = (0..3).map(|_| host.spawn(spec(PARKED)).unwrap()).collect();
    for p in &pids {
        pg.join("test:scope", "workers", *p).unwrap();
    }
    // A second join is counted: one leave keeps it a member.
    pg.join("test:scope", "workers", pids[0]).unwrap();
    pg.leave("test:scope", "workers", pids[0]).unwrap();
    assert_eq!(pg.members("test:scope", "workers").unwrap(), pids);

    // One member exits (any message ends PARKED).
    host.send(pids[1], 1, b"bye".to_vec()).unwrap();
    host.wait(pids[1]).unwrap();
    assert_eq!(
        pg.members("test:scope", "workers").unwrap(),
        [pids[0], pids[2]]
    );
    assert_eq!(pg.broadcast("test:scope", "workers", 5, b"hi").unwrap(), 2);
    for p in [pids[0], pids[2]] {
        assert_eq!(host.wait(p).unwrap().reason, ExitReason::Normal);
    }
    // The watcher removed the exited member: joins, then leaves.
    let mut seen = Vec::new();
    while seen.len() < 6 {
        seen.push(events.recv_timeout(HANG).expect("join/leave events"));
    }
    assert_eq!(
        &seen[..3],
        pids.iter()
            .map(|&pid| GroupEvent::Joined { pid })
            .collect::<Vec<_>>()
            .as_slice()
    );
    assert!(seen[3..].contains(&GroupEvent::Left { pid: pids[1] }));
    assert_eq!(pg.members("test:scope", "workers").unwrap(), []);
    // Errors.
    assert_eq!(
        pg.join("nope:scope", "g", pids[0]),
        Err(PgError::UnknownScope("nope:scope".into()))
    );
    assert_eq!(
        pg.join("test:scope", "workers", pids[0]),
        Err(PgError::NoProcess(pids[0]))
    );
    assert!(matches!(
        pg.leave("test:scope", "workers", pids[0]),
        Err(PgError::NotMember { .. })
    ));
    assert_eq!(pg.join("test:scope", "", pids[0]), Err(PgError::BadName));
}

#[test]
fn a_failed_init_stops_the_started_children_and_fails_the_start() {
    let host = det_host();
    let bad = SpecFactory::new(|| Err(StartError::Config("no spec".into())));
    let cfg = SupervisorConfig::new(
        "t:init",
        vec![
            ChildConfig::process("a", fixed(PARKED)),
            ChildConfig::process("b", fixed(PARKED)),
            ChildConfig::process("c", bad),
        ],
    );
    let err = SupervisorHandle::start(host.clone(), cfg, quiet()).unwrap_err();
    assert!(
        matches!(&err, StartError::Child { child, .. } if child == "c"),
        "{err}"
    );
    assert_eq!(err.to_string(), "child c: no spec");
    let all = host.list();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|p| p.state == ProcessState::Exited));
    // b (started last) stopped first.
    assert!(all[1].pid > all[0].pid);
}

#[test]
fn bad_configs_are_refused() {
    let host = det_host();
    let dup = SupervisorConfig::new(
        "t:dup",
        vec![
            ChildConfig::process("x", fixed(PARKED)),
            ChildConfig::process("x", fixed(PARKED)),
        ],
    );
    let e = SupervisorHandle::start(host.clone(), dup, quiet()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "supervisor t:dup: child id \"x\" is used twice"
    );
    let inf = SupervisorConfig::new(
        "t:inf",
        vec![ChildConfig::process("x", fixed(PARKED)).shutdown(Shutdown::Infinity)],
    );
    let e = SupervisorHandle::start(host.clone(), inf, quiet()).unwrap_err();
    assert!(e.to_string().contains("infinity is only allowed"), "{e}");
    assert!(host.list().is_empty());
}

#[test]
fn a_nested_supervisor_that_gives_up_escalates_to_its_parent() {
    let host = det_host();
    let mut inner = SupervisorConfig::new(
        "t:inner",
        vec![ChildConfig::process(
            "w",
            once_then(spec(TRAP), spec(PARKED)),
        )],
    );
    inner.intensity = 0;
    let mut outer = SupervisorConfig::new(
        "t:outer",
        vec![
            ChildConfig::process("first", fixed(PARKED)),
            ChildConfig {
                id: "inner".into(),
                kind: ChildKind::Supervisor {
                    host: host.clone(),
                    config: Box::new(inner),
                },
                restart: ChildRestart::Permanent,
                shutdown: Shutdown::Infinity,
            },
        ],
    );
    outer.intensity = 5;
    let sup = SupervisorHandle::start(host, outer, quiet()).unwrap();
    let st = sup
        .wait_until(HANG, |s| {
            s.restarts_total == 1 && s.children[1].supervisor.is_some()
        })
        .expect("the parent restarts the inner supervisor");
    let events = sup.events();
    assert!(events.iter().any(|e| e.child.as_deref() == Some("inner")
        && matches!(&e.kind, EventKind::Exited { reason: ExitReason::Shutdown { reason }, abnormal: true, .. }
            if reason == "reached_max_restart_intensity")));
    assert_eq!(labels(&events, "first"), ["started"]);
    let inner = st.children[1].supervisor.clone().unwrap();
    let inner_st = inner
        .wait_until(HANG, |s| s.children[0].pid.is_some())
        .unwrap();
    assert_eq!(inner_st.state, SupervisorState::Running);
    // Stopping the parent stops the nested one (shutdown: infinity).
    sup.stop();
    assert!(!inner.wait_exit(HANG).unwrap().abnormal);
}

#[test]
fn a_restart_delay_pauses_on_the_host_clock() {
    let host = det_host();
    let (opts, lines) = logged();
    let mut cfg = SupervisorConfig::new(
        "t:delay",
        vec![ChildConfig::process(
            "w",
            once_then(spec(TRAP), spec(PARKED)),
        )],
    );
    cfg.restart_delay = Duration::from_secs(5);
    let sup = SupervisorHandle::start(host, cfg, opts).unwrap();
    sup.wait_until(HANG, |s| {
        s.restarts_total == 1 && s.children[0].pid.is_some()
    })
    .unwrap();
    let events = sup.events();
    let starts: Vec<Duration> = events
        .iter()
        .filter(|e| label(&e.kind) == "started")
        .map(|e| e.at)
        .collect();
    assert_eq!(starts[1] - starts[0], Duration::from_secs(5));
    assert_eq!(
        lines.lock().unwrap()[0],
        "supervisor t:delay: child w exited (trap: unreachable), restart 1/1 in 5s"
    );
    sup.stop();
}
