//! `process.host`, `process.service` and `process.supervisor` (docs/host.md
//! §1.9, §2.6), and the `lifecycle` block they share.

use std::time::Duration;

use super::super::limits::{self, Limits};
use super::super::model::{
    Child, ChildRestart, ChildTarget, Kind, Lifecycle, ProcessHost, RestartPolicy, Service,
    Shutdown, Strategy, Supervisor,
};
use super::super::yaml::Node;
use super::{KindCx, read_input};

/// What `requires` may name: anything with a start order.
const STARTABLE: &[Kind] = &[
    Kind::ProcessService,
    Kind::ProcessSupervisor,
    Kind::ProcessHost,
];

pub(super) fn process_host(k: &mut KindCx<'_, '_, '_>) -> Option<ProcessHost> {
    let mut h = ProcessHost {
        workers: None,
        slice_fuel: ProcessHost::DEFAULT_SLICE_FUEL,
        queue_size: ProcessHost::DEFAULT_QUEUE_SIZE,
        max_processes: ProcessHost::DEFAULT_MAX_PROCESSES,
        default_limits: Limits::default(),
        auto_start: false,
    };
    if let Some(n) = k.f.get("host")
        && let Some(f) = k.cx.fields(
            n,
            "host",
            &["workers", "slice_fuel", "queue_size", "max_processes"],
        )
    {
        let max32 = u64::from(u32::MAX);
        if let Some(n) = f.get("workers") {
            h.workers =
                k.cx.positive(n, "host.workers", 4096)
                    .and_then(|v| u32::try_from(v).ok());
        }
        if let Some(n) = f.get("slice_fuel") {
            h.slice_fuel =
                k.cx.positive(n, "host.slice_fuel", u64::MAX)
                    .unwrap_or(h.slice_fuel);
        }
        if let Some(n) = f.get("queue_size") {
            let v =
                k.cx.positive(n, "host.queue_size", max32)
                    .and_then(|v| u32::try_from(v).ok());
            h.queue_size = v.unwrap_or(h.queue_size);
        }
        if let Some(n) = f.get("max_processes") {
            h.max_processes =
                k.cx.positive(n, "host.max_processes", u64::MAX)
                    .unwrap_or(h.max_processes);
        }
    }
    if let Some(n) = k.f.get("default_limits") {
        h.default_limits = limits::read(k.cx, n, "default_limits");
    }
    if let Some(n) = k.f.get("lifecycle") {
        h.auto_start = lifecycle(k, n, &["auto_start"]).auto_start;
    }
    Some(h)
}

pub(super) fn service(k: &mut KindCx<'_, '_, '_>) -> Option<Service> {
    let process = k.required_ref("process", &[Kind::ProcessWasm]);
    let host = k.required_ref("host", &[Kind::ProcessHost]);
    let input =
        k.f.get("input")
            .map(|n| read_input(k.cx, n, "input"))
            .unwrap_or_default();
    let lifecycle = match k.f.get("lifecycle") {
        Some(n) => lifecycle(
            k,
            n,
            &[
                "auto_start",
                "start_timeout",
                "stop_timeout",
                "stable_threshold",
                "requires",
                "restart",
            ],
        ),
        None => Lifecycle::default(),
    };
    Some(Service {
        process: process?,
        host: host?,
        input,
        lifecycle,
    })
}

pub(super) fn supervisor(k: &mut KindCx<'_, '_, '_>) -> Option<Supervisor> {
    let host = k.required_ref("host", &[Kind::ProcessHost]);
    let strategy = match k.f.get("strategy") {
        Some(n) => match k.cx.choice(
            n,
            "strategy",
            "strategy",
            &["one_for_one", "one_for_all", "rest_for_one"],
        ) {
            Some("one_for_all") => Strategy::OneForAll,
            Some("rest_for_one") => Strategy::RestForOne,
            _ => Strategy::OneForOne,
        },
        None => Strategy::OneForOne,
    };
    let intensity = match k.f.get("intensity") {
        Some(n) => {
            k.cx.natural(n, "intensity", u64::from(u32::MAX))
                .and_then(|v| u32::try_from(v).ok())
        }
        None => Some(1),
    };
    let period = duration_or(k, "period", Duration::from_secs(5));
    let restart_delay = duration_or(k, "restart_delay", Duration::ZERO);
    let children = match k.f.get("children") {
        Some(n) => children(k, n),
        None => Vec::new(),
    };
    let lifecycle = match k.f.get("lifecycle") {
        Some(n) => lifecycle(
            k,
            n,
            &["auto_start", "start_timeout", "stop_timeout", "requires"],
        ),
        None => Lifecycle::default(),
    };
    if period.is_zero() {
        let pos = k.f.get("period").map_or(k.f.pos, |n| n.pos);
        k.cx.invalid(pos, "period", "period must be > 0");
    }
    Some(Supervisor {
        host: host?,
        strategy,
        intensity: intensity?,
        period,
        restart_delay,
        children,
        lifecycle,
    })
}

fn duration_or(k: &mut KindCx<'_, '_, '_>, key: &str, default: Duration) -> Duration {
    match k.f.get(key) {
        Some(n) => k.cx.duration(n, key, false).unwrap_or(default),
        None => default,
    }
}

fn children(k: &mut KindCx<'_, '_, '_>, node: &Node) -> Vec<Child> {
    let mut out: Vec<Child> = Vec::new();
    let Some(items) = k.cx.list(node, "children") else {
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let here = format!("children[{i}]");
        let known = [
            "id",
            "process",
            "supervisor",
            "input",
            "restart",
            "shutdown",
        ];
        let Some(f) = k.cx.fields(item, &here, &known) else {
            continue;
        };
        let sub = |key: &str| format!("{here}.{key}");
        let id = match f.get("id") {
            Some(n) => k.cx.string(n, &sub("id")).map(|s| (s, n.pos)),
            None => {
                k.cx.invalid(f.pos, &sub("id"), format!("{} is required", sub("id")));
                None
            }
        };
        let target = match (f.get("process"), f.get("supervisor")) {
            (Some(n), None) => k
                .reference(n, &sub("process"), &[Kind::ProcessWasm])
                .map(ChildTarget::Process),
            (None, Some(n)) => k
                .reference(n, &sub("supervisor"), &[Kind::ProcessSupervisor])
                .map(ChildTarget::Supervisor),
            (Some(_), Some(_)) => {
                k.cx.invalid(
                    f.pos,
                    &here,
                    format!("{here}: set either process or supervisor, not both"),
                );
                None
            }
            (None, None) => {
                k.cx.invalid(
                    f.pos,
                    &here,
                    format!("{here}: process or supervisor is required"),
                );
                None
            }
        };
        let input = f
            .get("input")
            .map(|n| read_input(k.cx, n, &sub("input")))
            .unwrap_or_default();
        let restart = match f.get("restart") {
            Some(n) => match k.cx.choice(
                n,
                &sub("restart"),
                "restart type",
                &["permanent", "transient", "temporary"],
            ) {
                Some("transient") => ChildRestart::Transient,
                Some("temporary") => ChildRestart::Temporary,
                _ => ChildRestart::Permanent,
            },
            None => ChildRestart::Permanent,
        };
        let shutdown = match f.get("shutdown") {
            Some(n) => shutdown(
                k,
                n,
                &sub("shutdown"),
                matches!(target, Some(ChildTarget::Process(_))),
            ),
            None => Shutdown::Timeout(Duration::from_secs(5)),
        };
        let (Some((id, pos)), Some(target)) = (id, target) else {
            continue;
        };
        if out.iter().any(|c| c.id == id) {
            k.cx.invalid(
                pos,
                &sub("id"),
                format!("child id \"{id}\" is used twice in this supervisor"),
            );
            continue;
        }
        out.push(Child {
            id,
            target,
            input,
            restart,
            shutdown,
        });
    }
    out
}

fn shutdown(k: &mut KindCx<'_, '_, '_>, node: &Node, path: &str, process_child: bool) -> Shutdown {
    let default = Shutdown::Timeout(Duration::from_secs(5));
    let Some(text) = k.cx.string(node, path) else {
        return default;
    };
    match text.as_str() {
        "brutal_kill" => Shutdown::BrutalKill,
        "infinity" if process_child => {
            k.cx.invalid(
                node.pos,
                path,
                "shutdown: infinity is only allowed for supervisor children",
            );
            default
        }
        "infinity" => Shutdown::Infinity,
        _ => match k.cx.duration(node, path, false) {
            Some(d) => Shutdown::Timeout(d),
            None => default,
        },
    }
}

fn lifecycle(k: &mut KindCx<'_, '_, '_>, node: &Node, known: &[&str]) -> Lifecycle {
    let mut l = Lifecycle::default();
    let Some(f) = k.cx.fields(node, "lifecycle", known) else {
        return l;
    };
    if let Some(n) = f.get("auto_start") {
        l.auto_start = k.cx.boolean(n, "lifecycle.auto_start").unwrap_or(false);
    }
    for (key, slot) in [
        ("start_timeout", &mut l.start_timeout),
        ("stop_timeout", &mut l.stop_timeout),
        ("stable_threshold", &mut l.stable_threshold),
    ] {
        if let Some(n) = f.get(key)
            && let Some(d) = k.cx.duration(n, &f.sub(key), false)
        {
            *slot = d;
        }
    }
    if let Some(n) = f.get("requires")
        && let Some(items) = k.cx.list(n, "lifecycle.requires")
    {
        for (i, item) in items.iter().enumerate() {
            if let Some(id) = k.reference(item, &format!("lifecycle.requires[{i}]"), STARTABLE) {
                l.requires.push(id);
            }
        }
    }
    if let Some(n) = f.get("restart") {
        l.restart = restart_policy(k, n);
    }
    l
}

fn restart_policy(k: &mut KindCx<'_, '_, '_>, node: &Node) -> RestartPolicy {
    let mut r = RestartPolicy::default();
    let known = [
        "initial_delay",
        "max_delay",
        "backoff_factor",
        "jitter",
        "max_attempts",
    ];
    let Some(f) = k.cx.fields(node, "lifecycle.restart", &known) else {
        return r;
    };
    if let Some(n) = f.get("initial_delay")
        && let Some(d) = k.cx.duration(n, "lifecycle.restart.initial_delay", false)
    {
        r.initial_delay = d;
    }
    if let Some(n) = f.get("max_delay")
        && let Some(d) = k.cx.duration(n, "lifecycle.restart.max_delay", false)
    {
        r.max_delay = d;
    }
    if let Some(n) = f.get("backoff_factor")
        && let Some(v) = k.cx.number(n, "lifecycle.restart.backoff_factor")
    {
        if v < 1.0 {
            k.cx.invalid(
                n.pos,
                "lifecycle.restart.backoff_factor",
                "lifecycle.restart.backoff_factor must be >= 1",
            );
        } else {
            r.backoff_factor = v;
        }
    }
    if let Some(n) = f.get("jitter")
        && let Some(v) = k.cx.number(n, "lifecycle.restart.jitter")
    {
        if (0.0..=1.0).contains(&v) {
            r.jitter = v;
        } else {
            k.cx.invalid(
                n.pos,
                "lifecycle.restart.jitter",
                "lifecycle.restart.jitter must be between 0 and 1",
            );
        }
    }
    if let Some(n) = f.get("max_attempts") {
        let v =
            k.cx.natural(n, "lifecycle.restart.max_attempts", u64::from(u32::MAX));
        r.max_attempts = v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    }
    if r.max_delay < r.initial_delay {
        k.cx.invalid(
            f.pos,
            "lifecycle.restart.max_delay",
            "lifecycle.restart.max_delay must be >= initial_delay",
        );
    }
    r
}
