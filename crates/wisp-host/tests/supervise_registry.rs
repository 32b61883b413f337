//! Supervision from a registry: services and supervisors started from
//! their entries in `requires` order, children spawned through
//! `boot::spawn_spec` at every start (P13: a required env variable gone at
//! restart), status, and the orderly stop in reverse order.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wisp_host::registry::{EntryId, OsEnv, Registry, format_sha256, sha256};
use wisp_host::supervise::{
    EventKind, LogSink, ServiceState, Supervision, SupervisorState, UnitKind, auto_start_order,
};
use wisp_host::{ExitReason, Host};

const HANG: Duration = Duration::from_secs(60);

/// Waits for any message, then traps.
const PARKED_THEN_TRAP: &str = r#"(module
  (import "wisp:process" "receive" (func $recv (param i32 i32 i64 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "run")
    (drop (call $recv (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 100) (i32.const 1000)))
    unreachable))"#;

/// `env.storage.os` values the test can change while things run.
#[derive(Debug, Default)]
struct TestEnv(Mutex<BTreeMap<String, String>>);

impl OsEnv for TestEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.lock().unwrap().get(name).cloned()
    }
}

fn id(s: &str) -> EntryId {
    s.parse().unwrap()
}

/// A registry in `dir`: the waiter module, and `entries` after the common
/// ones (host `t:processes`, fs `t:bin`, the os storage and `t:token`).
fn registry(dir: &Path, entries: &str) -> Arc<Registry> {
    let wasm = wat::parse_str(PARKED_THEN_TRAP).unwrap();
    std::fs::create_dir_all(dir.join("wasm")).unwrap();
    std::fs::write(dir.join("wasm/waiter.wasm"), &wasm).unwrap();
    let hash = format_sha256(&sha256(&wasm));
    let yaml = format!(
        r#"version: "1.0"
namespace: t
entries:
  - {{ name: processes, kind: process.host, host: {{ workers: 1 }} }}
  - {{ name: bin, kind: fs.directory, directory: ./wasm }}
  - {{ name: os, kind: env.storage.os }}
  - {{ name: token, kind: env.variable, variable: WISP_TEST_TOKEN, storage: os }}
  - name: waiter
    kind: process.wasm
    fs: bin
    path: /waiter.wasm
    hash: {hash}
    method: run
    imports: [wisp:process, wasi:cli]
    wasi:
      env: [{{ id: token, name: TOKEN, required: true }}]
{entries}"#
    );
    std::fs::write(dir.join("_index.yaml"), yaml).unwrap();
    Arc::new(Registry::load(dir).unwrap_or_else(|e| panic!("{e}")))
}

fn supervision(reg: Arc<Registry>, env: Arc<TestEnv>, host: &Host) -> Supervision {
    Supervision::builder(reg)
        .env(env)
        .host(id("t:processes"), host.clone())
        .log(LogSink::silent())
        .build()
}

fn det_host() -> Host {
    Host::builder().deterministic(3).slice_fuel(1000).build()
}

fn env_with_token() -> Arc<TestEnv> {
    let env = Arc::new(TestEnv::default());
    env.0
        .lock()
        .unwrap()
        .insert("WISP_TEST_TOKEN".into(), "x".into());
    env
}

#[test]
fn p13_a_child_whose_env_is_gone_at_restart_ends_the_supervisor() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(
        dir.path(),
        r#"  - name: pool
    kind: process.supervisor
    host: processes
    intensity: 1
    period: 60s
    children:
      - { id: w, process: waiter }
"#,
    );
    let env = env_with_token();
    let host = det_host();
    let sup = supervision(reg, env.clone(), &host);
    sup.start(&id("t:pool")).unwrap();
    let pool = sup.supervisor(&id("t:pool")).unwrap();
    let pid = pool.child_pid("w").expect("w runs");
    // The variable disappears; then the child traps and must restart.
    env.0.lock().unwrap().clear();
    host.send(pid, 1, vec![]).unwrap();
    let exit = pool.wait_exit(HANG).expect("the supervisor gives up");
    assert_eq!(
        exit.reason,
        ExitReason::Shutdown {
            reason: "reached_max_restart_intensity".into()
        }
    );
    assert!(exit.abnormal);
    assert_eq!(pool.restarts_total(), 1);
    let failed: Vec<String> = pool
        .events()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::StartFailed { error } => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(failed, ["required env variable t:token (TOKEN) is not set"]);
}

#[test]
fn p13_a_service_keeps_retrying_a_start_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(
        dir.path(),
        r#"  - name: svc
    kind: process.service
    process: waiter
    host: processes
    lifecycle:
      restart: { initial_delay: 1s, jitter: 0, max_attempts: 2 }
"#,
    );
    let env = Arc::new(TestEnv::default());
    let host = det_host();
    let sup = supervision(reg, env, &host);
    sup.start(&id("t:svc")).unwrap();
    let svc = sup.service(&id("t:svc")).unwrap();
    let st = svc
        .wait_until(HANG, |s| s.state == ServiceState::Exited)
        .expect("the service gives up");
    assert_eq!(st.reason.as_deref(), Some("max_attempts_reached"));
    let failures = svc
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::StartFailed { .. }))
        .count();
    assert_eq!(failures, 3);
    assert!(host.list().is_empty(), "no process ever started");
}

const ORDERED: &str = r#"  - name: a
    kind: process.service
    process: waiter
    host: processes
    lifecycle: { auto_start: true }
  - name: b
    kind: process.service
    process: waiter
    host: processes
    lifecycle: { auto_start: true, requires: [a] }
  - name: c
    kind: process.service
    process: waiter
    host: processes
    lifecycle: { auto_start: true, requires: [b, pool] }
  - name: pool
    kind: process.supervisor
    host: processes
    children:
      - { id: inner, supervisor: inner, shutdown: infinity }
  - name: inner
    kind: process.supervisor
    host: processes
    lifecycle: { auto_start: true }
    children:
      - { id: w, process: waiter }
  - { name: lonely, kind: process.service, process: waiter, host: processes }
"#;

#[test]
fn auto_start_follows_requires_and_stop_all_reverses_it() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path(), ORDERED);
    let order: Vec<String> = auto_start_order(&reg)
        .iter()
        .map(ToString::to_string)
        .collect();
    // The host first (the services need it), `pool` because `c` requires
    // it; `inner` is pool's child, `lonely` does not auto-start.
    assert_eq!(order, ["t:processes", "t:a", "t:b", "t:pool", "t:c"]);

    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = lines.clone();
    let host = det_host();
    let sup = Supervision::builder(reg)
        .env(env_with_token())
        .host(id("t:processes"), host.clone())
        .log(LogSink::new(move |s| l.lock().unwrap().push(s.to_string())))
        .build();
    let started: Vec<String> = sup
        .start_auto()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(started, order);
    assert!(matches!(
        sup.start(&id("t:a")),
        Err(wisp_host::supervise::SuperviseError::AlreadyStarted(_))
    ));

    let status = sup.status();
    assert_eq!(status.len(), 5);
    assert_eq!(status[0].kind, UnitKind::Host);
    for s in &status[1..] {
        assert_eq!(s.state, "running", "{s:?}");
    }
    let pool = sup.supervisor(&id("t:pool")).unwrap();
    let inner = pool.status().children[0].supervisor.clone().unwrap();
    assert_eq!(inner.state(), SupervisorState::Running);
    // 3 services + inner's w.
    assert_eq!(host.metrics().active, 4);

    let stopped: Vec<String> = sup.stop_all().iter().map(ToString::to_string).collect();
    assert_eq!(stopped, ["t:c", "t:pool", "t:b", "t:a", "t:processes"]);
    let lines = lines.lock().unwrap();
    let stops: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("stopping "))
        .collect();
    assert_eq!(stops, ["t:c", "t:pool", "t:b", "t:a", "t:processes"]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("stopped t:c (service, stopped)")),
        "{lines:?}"
    );
    assert_eq!(host.metrics().active, 0);
    assert_eq!(inner.wait_exit(HANG).map(|e| e.abnormal), Some(false));
}

#[test]
fn starting_an_entry_starts_what_it_requires() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path(), ORDERED);
    let host = det_host();
    let sup = supervision(reg, env_with_token(), &host);
    sup.start(&id("t:b")).unwrap();
    let started: Vec<String> = sup.started().iter().map(ToString::to_string).collect();
    assert_eq!(started, ["t:processes", "t:a", "t:b"]);
    assert!(matches!(
        sup.start(&id("t:waiter")),
        Err(wisp_host::supervise::SuperviseError::NotStartable { .. })
    ));
    assert!(sup.stop(&id("t:b")));
    assert!(!sup.stop(&id("t:b")));
    sup.stop_all();
}

#[test]
fn process_groups_use_the_registry_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path(), "  - { name: workers, kind: pg.scope }\n");
    let host = det_host();
    let sup = supervision(reg, env_with_token(), &host);
    let pg = sup.groups(&id("t:processes")).unwrap();
    assert_eq!(pg.scopes().collect::<Vec<_>>(), ["t:workers"]);
}
