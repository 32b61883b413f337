//! Whether two [`Execution`]s of the same plan agree.
//!
//! Across engines the comparison is *canonical*: NaNs compare equal to any
//! NaN of the same type (their bits are a spec freedom), trap codes are
//! coarsened to what both engines distinguish ([`Outcome::canonical`]), and a
//! stack overflow on either side ends the comparison as inconclusive (the
//! depth at which the call stack is exhausted is an implementation limit, and
//! everything after it may legitimately differ). Between two runs of wisp the
//! comparison is *exact*: the same engine must reproduce the same bits.

use super::plan::Plan;
use super::value::{Execution, Outcome};

/// How strictly two executions must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compare {
    /// Canonical (across engines) rather than exact (wisp with itself).
    pub canonical: bool,
    /// Also require equal fuel consumption per call where both recorded it.
    pub fuel: bool,
}

impl Compare {
    /// Two different engines.
    pub const ACROSS_ENGINES: Compare = Compare {
        canonical: true,
        fuel: false,
    };
    /// Two runs of wisp; `fuel` when both were metered.
    pub const fn exact(fuel: bool) -> Compare {
        Compare {
            canonical: false,
            fuel,
        }
    }
}

/// The first point where two executions differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What differs (e.g. "call 3: f2(i32:1)", "global g0").
    pub at: String,
    /// The left execution's side, printed.
    pub left: String,
    /// The right execution's side, printed.
    pub right: String,
}

fn differ(at: impl Into<String>, left: impl ToString, right: impl ToString) -> Difference {
    Difference {
        at: at.into(),
        left: left.to_string(),
        right: right.to_string(),
    }
}

/// The export names of a list of exported state.
fn names<T>(v: &[(String, T)]) -> Vec<&str> {
    v.iter().map(|(n, _)| n.as_str()).collect()
}

/// Compares `left` and `right`, two executions of `plan`; returns how many
/// calls were compared when they agree.
pub fn compare(
    left: &Execution,
    right: &Execution,
    plan: &Plan,
    how: Compare,
) -> Result<usize, Difference> {
    let norm = |o: &Outcome| {
        if how.canonical {
            o.canonical()
        } else {
            o.clone()
        }
    };
    match (&left.instantiation, &right.instantiation) {
        (Ok(()), Ok(())) => {}
        (Err(a), Err(b)) if norm(a).agrees_with(&norm(b)) => return Ok(0),
        (a, b) => {
            let show = |r: &Result<(), Outcome>| match r {
                Ok(()) => "instantiated".to_string(),
                Err(o) => o.to_string(),
            };
            return Err(differ("instantiation", show(a), show(b)));
        }
    }
    if left.calls.len() != right.calls.len() {
        return Err(differ(
            "number of calls",
            left.calls.len(),
            right.calls.len(),
        ));
    }
    for (i, (l, r)) in left.calls.iter().zip(&right.calls).enumerate() {
        let at = || match plan.calls.get(i) {
            Some(c) => format!("call {i}: `{}`{:?}", c.export, c.args),
            None => format!("call {i}"),
        };
        let overflow = |o: &Outcome| *o == Outcome::Trapped(wisp_core::TrapCode::StackOverflow);
        if how.canonical && (overflow(&l.outcome) || overflow(&r.outcome)) {
            return Ok(i);
        }
        if !norm(&l.outcome).agrees_with(&norm(&r.outcome)) {
            return Err(differ(at(), &l.outcome, &r.outcome));
        }
        if how.fuel
            && let (Some(a), Some(b)) = (l.fuel, r.fuel)
            && a != b
        {
            return Err(differ(
                format!("{}: fuel consumed", at()),
                format!("{a} (after {})", l.outcome),
                format!("{b} (after {})", r.outcome),
            ));
        }
    }
    let calls = left.calls.len();

    if names(&left.globals) != names(&right.globals) {
        return Err(differ(
            "exported globals",
            format!("{:?}", names(&left.globals)),
            format!("{:?}", names(&right.globals)),
        ));
    }
    for ((name, a), (_, b)) in left.globals.iter().zip(&right.globals) {
        let (a, b) = if how.canonical {
            (a.canonical(), b.canonical())
        } else {
            (a.clone(), b.clone())
        };
        if a != b {
            return Err(differ(format!("global `{name}`"), a, b));
        }
    }

    if names(&left.memories) != names(&right.memories) {
        return Err(differ(
            "exported memories",
            format!("{:?}", names(&left.memories)),
            format!("{:?}", names(&right.memories)),
        ));
    }
    for ((name, a), (_, b)) in left.memories.iter().zip(&right.memories) {
        if a.pages() != b.pages() {
            return Err(differ(
                format!("memory `{name}` size in pages"),
                a.pages(),
                b.pages(),
            ));
        }
        if let Some(p) = (0..a.pages()).find(|&p| a.page_hashes[p] != b.page_hashes[p]) {
            return Err(differ(
                format!("memory `{name}` contents of page {p}"),
                format!("hash {:#018x}", a.page_hashes[p]),
                format!("hash {:#018x}", b.page_hashes[p]),
            ));
        }
    }

    if names(&left.tables) != names(&right.tables) {
        return Err(differ(
            "exported tables",
            format!("{:?}", names(&left.tables)),
            format!("{:?}", names(&right.tables)),
        ));
    }
    for ((name, a), (_, b)) in left.tables.iter().zip(&right.tables) {
        if a.len() != b.len() {
            return Err(differ(format!("table `{name}` size"), a.len(), b.len()));
        }
        if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
            return Err(differ(format!("table `{name}` element {i}"), &a[i], &b[i]));
        }
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::value::{CallRecord, MemoryDigest, Value};
    use wisp_core::TrapCode;

    fn run(outcomes: Vec<Outcome>) -> Execution {
        Execution {
            inconclusive: None,
            instantiation: Ok(()),
            calls: outcomes
                .into_iter()
                .map(|outcome| CallRecord {
                    outcome,
                    fuel: Some(5),
                })
                .collect(),
            globals: vec![("g".into(), Value::F64(0x7ff8_0000_0000_0001))],
            memories: vec![("m".into(), MemoryDigest::of_bytes(&[0; 65536]))],
            tables: vec![],
        }
    }

    #[test]
    fn canonical_comparison_forgives_nan_bits_exact_does_not() {
        let a = run(vec![Outcome::Returned(vec![Value::F32(0x7fc0_0000)])]);
        let mut b = run(vec![Outcome::Returned(vec![Value::F32(0xffc0_0000)])]);
        b.globals[0].1 = Value::F64(0x7ff8_0000_0000_0000);
        let plan = Plan::default();
        assert_eq!(compare(&a, &b, &plan, Compare::ACROSS_ENGINES), Ok(1));
        let d = compare(&a, &b, &plan, Compare::exact(true)).unwrap_err();
        assert_eq!(d.at, "call 0");
    }

    #[test]
    fn differences_in_traps_memory_and_fuel_are_found() {
        let plan = Plan::default();
        let a = run(vec![Outcome::Trapped(TrapCode::MemoryOutOfBounds)]);
        let b = run(vec![Outcome::Trapped(TrapCode::Unreachable)]);
        assert!(compare(&a, &b, &plan, Compare::ACROSS_ENGINES).is_err());

        let mut c = run(vec![Outcome::Trapped(TrapCode::MemoryOutOfBounds)]);
        let mut bytes = vec![0; 65536];
        bytes[9] = 1;
        c.memories[0].1 = MemoryDigest::of_bytes(&bytes);
        let d = compare(&a, &c, &plan, Compare::ACROSS_ENGINES).unwrap_err();
        assert_eq!(d.at, "memory `m` contents of page 0");

        let mut e = run(vec![Outcome::Trapped(TrapCode::MemoryOutOfBounds)]);
        e.calls[0].fuel = Some(6);
        assert!(compare(&a, &e, &plan, Compare::exact(false)).is_ok());
        assert!(compare(&a, &e, &plan, Compare::exact(true)).is_err());
    }

    #[test]
    fn stack_overflow_ends_a_cross_engine_comparison() {
        let plan = Plan::default();
        let a = run(vec![
            Outcome::Returned(vec![]),
            Outcome::Trapped(TrapCode::StackOverflow),
            Outcome::Returned(vec![Value::I32(1)]),
        ]);
        let mut b = run(vec![
            Outcome::Returned(vec![]),
            Outcome::Returned(vec![]),
            Outcome::Returned(vec![Value::I32(2)]),
        ]);
        b.globals[0].1 = Value::I32(0);
        assert_eq!(compare(&a, &b, &plan, Compare::ACROSS_ENGINES), Ok(1));
        assert!(compare(&a, &b, &plan, Compare::exact(false)).is_err());
    }

    #[test]
    fn instantiation_failures_must_match() {
        let plan = Plan::default();
        let ok = run(vec![]);
        let trapped = Execution::failed(Outcome::Trapped(TrapCode::MemoryOutOfBounds));
        assert!(compare(&ok, &trapped, &plan, Compare::ACROSS_ENGINES).is_err());
        assert_eq!(
            compare(&trapped, &trapped.clone(), &plan, Compare::ACROSS_ENGINES),
            Ok(0)
        );
        let other = Execution::failed(Outcome::Trapped(TrapCode::TableOutOfBounds));
        assert!(compare(&trapped, &other, &plan, Compare::ACROSS_ENGINES).is_err());
    }
}
