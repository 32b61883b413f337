//! `--report FILE.json`: how a run ended, as JSON, so scripts and tests
//! check the reason without parsing human-readable output (HOST.md §4.2).
//!
//! Every report has the same keys:
//!
//! ```json
//! {"pid": 1, "entry": "myns:compute_worker", "reason": "fuel_exhausted",
//!  "detail": {"used": 1000000, "limit": 1000000}, "error": "fuel exhausted (1000000/1000000)",
//!  "result": null, "exit_code": 134, "fuel_used": 1000000, "wall_ms": 12, "slices": 10,
//!  "stdout_truncated": false, "stderr_truncated": false}
//! ```
//!
//! `reason` is the exit reason's name (`normal`, `exit`, `trap`,
//! `fuel_exhausted`, `timeout`, `memory_limit`, `output_limit`, `killed`,
//! `link_down`, `shutdown`, `migrated`, `host_error`), or `spawn_error`
//! when no process started, or `suspended` for a checkpoint. `detail` holds
//! the reason's fields; `error` is the one-line description of an abnormal
//! end (`null` otherwise); `result` is the method's results for `normal`.

use std::path::Path;

use serde_json::{Value as Json, json};
use wisp_host::{ExitEvent, ExitReason, Value};

/// The report of a process that ran.
pub(crate) fn exit_report(e: &ExitEvent) -> Json {
    json!({
        // Pids start at 1; 0 marks a process that ended inside spawn.
        "pid": (e.pid.0 != 0).then_some(e.pid.0),
        "entry": e.entry,
        "reason": e.reason.name(),
        "detail": detail(&e.reason),
        "error": (!e.reason.is_normal()).then(|| e.reason.to_string()),
        "result": e.result.as_ref().map(|r| r.iter().map(value).collect::<Vec<_>>()),
        "exit_code": e.exit_code,
        "fuel_used": e.fuel_used,
        "wall_ms": e.wall_ms,
        "slices": e.slices,
        "stdout_truncated": e.stdout_truncated,
        "stderr_truncated": e.stderr_truncated,
    })
}

/// The report of a process that could not start (exit code 1).
pub(crate) fn spawn_error_report(entry: Option<&str>, code: &str, message: &str) -> Json {
    other_report(
        entry,
        "spawn_error",
        json!({ "code": code, "message": message }),
        Some(message),
        None,
        1,
    )
}

/// A report for an end the host did not produce (a checkpoint, or a run
/// on the direct path).
pub(crate) fn other_report(
    entry: Option<&str>,
    reason: &str,
    detail: Json,
    error: Option<&str>,
    result: Option<Vec<Json>>,
    exit_code: i32,
) -> Json {
    json!({
        "pid": null,
        "entry": entry,
        "reason": reason,
        "detail": detail,
        "error": error,
        "result": result,
        "exit_code": exit_code,
        "fuel_used": null,
        "wall_ms": null,
        "slices": null,
        "stdout_truncated": false,
        "stderr_truncated": false,
    })
}

/// Writes `report` to `path` (pretty-printed, with a final newline).
pub(crate) fn write(path: &Path, report: &Json) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(report)
        .map_err(|e| format!("cannot encode the report: {e}"))?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("cannot write the report {}: {e}", path.display()))
}

/// A result value: integers and finite floats as numbers; NaN and the
/// infinities as the strings `"NaN"`, `"inf"`, `"-inf"` (JSON has no such
/// numbers).
pub(crate) fn value(v: &Value) -> Json {
    let float = |f: f64, text: String| {
        if f.is_finite() { json!(f) } else { json!(text) }
    };
    match v {
        Value::I32(x) => json!(x),
        Value::I64(x) => json!(x),
        Value::F32(b) => {
            let f = f32::from_bits(*b);
            float(f64::from(f), f.to_string())
        }
        Value::F64(b) => {
            let f = f64::from_bits(*b);
            float(f, f.to_string())
        }
        Value::Str(s) => json!(s),
        Value::ExternRef(h) => json!({ "externref": h }),
    }
}

fn detail(r: &ExitReason) -> Json {
    match r {
        ExitReason::Normal => json!({}),
        ExitReason::Exit { code } => json!({ "code": code }),
        ExitReason::Trap(t) => json!({
            "code": t.code,
            "message": t.message,
            "func": t.func,
            "func_name": t.func_name,
            "offset": t.offset,
            "backtrace": t.backtrace.iter()
                .map(|(func, name)| json!({ "func": func, "name": name }))
                .collect::<Vec<_>>(),
        }),
        ExitReason::FuelExhausted { used, limit } => json!({ "used": used, "limit": limit }),
        ExitReason::Timeout {
            elapsed_ms,
            limit_ms,
        } => json!({ "elapsed_ms": elapsed_ms, "limit_ms": limit_ms }),
        ExitReason::MemoryLimit {
            requested_pages,
            limit,
        } => json!({ "requested": requested_pages, "limit": limit }),
        ExitReason::OutputLimit { stream, limit } => {
            json!({ "stream": stream.to_string(), "limit": limit })
        }
        ExitReason::Killed { by, reason } => json!({ "by": by.to_string(), "reason": reason }),
        ExitReason::LinkDown { from } => json!({ "from": from.0 }),
        ExitReason::Shutdown { reason } => json!({ "reason": reason }),
        ExitReason::Migrated { to } => json!({ "to": to }),
        ExitReason::HostError { message } => json!({ "message": message }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wisp_host::{Pid, TrapInfo};

    fn event(reason: ExitReason, result: Option<Vec<Value>>) -> ExitEvent {
        ExitEvent {
            pid: Pid(7),
            entry: Some("myns:x".into()),
            exit_code: reason.exit_code(),
            reason,
            result,
            fuel_used: 10,
            wall_ms: 1,
            slices: 2,
            stdout_truncated: true,
            stderr_truncated: false,
        }
    }

    #[test]
    fn normal_exit_with_results() {
        let r = exit_report(&event(
            ExitReason::Normal,
            Some(vec![
                Value::I32(42),
                Value::I64(-1),
                Value::F64(1.5f64.to_bits()),
                Value::F32(f32::NAN.to_bits()),
            ]),
        ));
        assert_eq!(r["reason"], "normal");
        assert_eq!(r["result"], json!([42, -1, 1.5, "NaN"]));
        assert_eq!(r["error"], Json::Null);
        assert_eq!(
            (r["exit_code"].as_i64(), r["pid"].as_u64()),
            (Some(0), Some(7))
        );
        assert_eq!(r["stdout_truncated"], true);
        assert_eq!(r["entry"], "myns:x");
    }

    #[test]
    fn abnormal_exits_carry_their_fields() {
        let r = exit_report(&event(
            ExitReason::FuelExhausted {
                used: 100,
                limit: 100,
            },
            None,
        ));
        assert_eq!(r["reason"], "fuel_exhausted");
        assert_eq!(r["detail"], json!({"used": 100, "limit": 100}));
        assert_eq!(r["error"], "fuel exhausted (100/100)");
        assert_eq!(r["exit_code"], 134);
        assert_eq!(r["result"], Json::Null);

        let trap = TrapInfo {
            code: "Unreachable".into(),
            message: "unreachable".into(),
            func: Some(1),
            func_name: Some("f".into()),
            offset: Some(42),
            backtrace: vec![(1, Some("f".into())), (0, None)],
        };
        let r = exit_report(&event(ExitReason::Trap(trap), None));
        assert_eq!(r["detail"]["code"], "Unreachable");
        assert_eq!(r["detail"]["func_name"], "f");
        assert_eq!(
            r["detail"]["backtrace"][1],
            json!({"func": 0, "name": null})
        );

        let r = exit_report(&event(ExitReason::Exit { code: 3 }, None));
        assert_eq!(
            (r["reason"].as_str(), r["detail"]["code"].as_i64()),
            (Some("exit"), Some(3))
        );
    }

    #[test]
    fn spawn_errors_have_the_same_keys() {
        let a = spawn_error_report(Some("myns:x"), "HashMismatch", "expected …");
        let b = exit_report(&event(ExitReason::Normal, None));
        let keys = |j: &Json| j.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
        assert_eq!(keys(&a), keys(&b));
        assert_eq!(a["detail"]["code"], "HashMismatch");
        assert_eq!(a["exit_code"], 1);
    }
}
