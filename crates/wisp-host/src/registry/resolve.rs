//! Checks across entries, once every file is read: references exist and
//! name the right kind, command names are unique and not reserved, and
//! `requires`, nested supervisors and `link` have no cycles.

use std::collections::BTreeMap;

use super::error::{ConfigError, ErrorCode, Pos};
use super::id::EntryId;
use super::kinds::Parsed;
use super::model::{ChildTarget, Kind, Spec};

/// Command names `wisp run` keeps for itself.
pub const RESERVED_COMMANDS: &[&str] = &["list", "help"];

fn error_at(p: &Parsed, pos: Pos, field: &str, code: ErrorCode, message: String) -> ConfigError {
    ConfigError {
        file: p.entry.file.clone(),
        pos: Some(pos),
        entry: Some(p.entry.id.to_string()),
        kind: Some(p.entry.kind().as_str().to_string()),
        field: Some(field.to_string()),
        code,
        message,
    }
}

/// Reports dangling and wrong-kind references.
pub(crate) fn check_references(
    entries: &[Parsed],
    kinds: &BTreeMap<EntryId, Kind>,
    errors: &mut Vec<ConfigError>,
) {
    for p in entries {
        for r in &p.refs {
            let expected: Vec<&str> = r.expected.iter().map(|k| k.as_str()).collect();
            let expected = expected.join(" or ");
            match kinds.get(&r.target) {
                None => errors.push(error_at(
                    p,
                    r.pos,
                    &r.field,
                    ErrorCode::DanglingReference,
                    format!(
                        "{}: {}: no such entry (expected {expected})",
                        r.field, r.target
                    ),
                )),
                Some(k) if !r.expected.contains(k) => errors.push(error_at(
                    p,
                    r.pos,
                    &r.field,
                    ErrorCode::WrongKind,
                    format!("{}: {} is {k}, expected {expected}", r.field, r.target),
                )),
                Some(_) => {}
            }
        }
    }
}

/// Reports duplicate `meta.command.name`s (reserved names are refused
/// while reading the entry).
pub(crate) fn check_commands(entries: &[Parsed], errors: &mut Vec<ConfigError>) {
    let mut taken: BTreeMap<&str, &EntryId> = BTreeMap::new();
    for p in entries {
        let (Some(cmd), Some(pos)) = (&p.entry.command, p.command_pos) else {
            continue;
        };
        let field = "meta.command.name";
        if let Some(first) = taken.get(cmd.name.as_str()) {
            let msg = format!("{field} \"{}\" already used by {first}", cmd.name);
            errors.push(error_at(p, pos, field, ErrorCode::CommandConflict, msg));
        } else {
            taken.insert(&cmd.name, &p.entry.id);
        }
    }
}

/// Reports cycles in `lifecycle.requires`, in supervisor nesting and in
/// `link`.
pub(crate) fn check_cycles(entries: &[Parsed], errors: &mut Vec<ConfigError>) {
    let by_id: BTreeMap<&EntryId, &Parsed> = entries.iter().map(|p| (&p.entry.id, p)).collect();
    type Edges = fn(&Spec) -> Vec<EntryId>;
    let graphs: [(&str, ErrorCode, &str, Edges); 3] = [
        (
            "lifecycle.requires",
            ErrorCode::Cycle,
            "start order cycle",
            requires_edges,
        ),
        (
            "children",
            ErrorCode::Cycle,
            "supervisor nesting cycle",
            child_edges,
        ),
        (
            "link",
            ErrorCode::ModuleLoadError,
            "import cycle",
            link_edges,
        ),
    ];
    for (field, code, what, edges) in graphs {
        let graph: BTreeMap<&EntryId, Vec<EntryId>> = entries
            .iter()
            .map(|p| (&p.entry.id, edges(&p.entry.spec)))
            .collect();
        for cycle in find_cycles(&graph) {
            let Some(p) = cycle.first().and_then(|id| by_id.get(id)) else {
                continue;
            };
            let path: Vec<String> = cycle.iter().map(ToString::to_string).collect();
            let msg = format!("{what} {}", path.join(" -> "));
            errors.push(error_at(p, p.pos, field, code, msg));
        }
    }
}

fn requires_edges(spec: &Spec) -> Vec<EntryId> {
    match spec {
        Spec::ProcessService(s) => s.lifecycle.requires.clone(),
        Spec::ProcessSupervisor(s) => s.lifecycle.requires.clone(),
        _ => Vec::new(),
    }
}

fn child_edges(spec: &Spec) -> Vec<EntryId> {
    match spec {
        Spec::ProcessSupervisor(s) => s
            .children
            .iter()
            .filter_map(|c| match &c.target {
                ChildTarget::Supervisor(id) => Some(id.clone()),
                ChildTarget::Process(_) => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn link_edges(spec: &Spec) -> Vec<EntryId> {
    spec.wasm()
        .map(|w| w.link.values().cloned().collect())
        .unwrap_or_default()
}

/// Every elementary cycle reachable by DFS, each reported once, as the
/// path `a, b, …, a`. Iterative, so a long chain cannot overflow the stack.
fn find_cycles(graph: &BTreeMap<&EntryId, Vec<EntryId>>) -> Vec<Vec<EntryId>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        White,
        Grey,
        Black,
    }
    let mut color: BTreeMap<&EntryId, Color> = graph.keys().map(|k| (*k, Color::White)).collect();
    let mut cycles = Vec::new();
    for &start in graph.keys() {
        if color.get(start) != Some(&Color::White) {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut stack: Vec<(&EntryId, usize)> = vec![(start, 0)];
        color.insert(start, Color::Grey);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = graph.get(node).map_or(&[][..], Vec::as_slice);
            let Some(target) = edges.get(*next) else {
                color.insert(node, Color::Black);
                stack.pop();
                continue;
            };
            *next += 1;
            match color.get(target) {
                Some(Color::White) => {
                    let Some((key, _)) = graph.get_key_value(target) else {
                        continue;
                    };
                    color.insert(key, Color::Grey);
                    stack.push((key, 0));
                }
                Some(Color::Grey) => {
                    let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                    let mut cycle: Vec<EntryId> =
                        stack[from..].iter().map(|(n, _)| (*n).clone()).collect();
                    cycle.push(target.clone());
                    cycles.push(cycle);
                }
                // Done, or not an entry at all (a dangling reference,
                // reported elsewhere).
                _ => {}
            }
        }
    }
    cycles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> EntryId {
        s.parse().unwrap()
    }

    #[test]
    fn cycles_are_found_once_and_dangling_edges_ignored() {
        let (a, b, c, d) = (id("n:a"), id("n:b"), id("n:c"), id("n:d"));
        let mut g: BTreeMap<&EntryId, Vec<EntryId>> = BTreeMap::new();
        g.insert(&a, vec![b.clone()]);
        g.insert(&b, vec![c.clone(), id("n:missing")]);
        g.insert(&c, vec![a.clone()]);
        g.insert(&d, vec![d.clone()]);
        let cycles = find_cycles(&g);
        let shown: Vec<String> = cycles
            .iter()
            .map(|c| {
                c.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" -> ")
            })
            .collect();
        assert_eq!(shown, ["n:a -> n:b -> n:c -> n:a", "n:d -> n:d"]);
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let ids: Vec<EntryId> = (0..100_000).map(|i| id(&format!("n:e{i}"))).collect();
        let mut g: BTreeMap<&EntryId, Vec<EntryId>> = BTreeMap::new();
        for w in ids.windows(2) {
            g.insert(&w[0], vec![w[1].clone()]);
        }
        assert!(find_cycles(&g).is_empty());
    }
}
