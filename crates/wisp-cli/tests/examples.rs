//! The registry in `examples/` runs as the README says, from its
//! checked-in modules (whose pinned hashes must match the files).

mod common;

use std::path::PathBuf;

use common::{assert_code, stderr, stdout, wisp_with};

/// The workspace root, where the README's commands run.
fn workspace() -> PathBuf {
    PathBuf::from(common::MANIFEST).join("../..")
}

fn run(args: &[&str]) -> std::process::Output {
    let mut full = vec!["run", "--root", "examples/src"];
    full.extend_from_slice(args);
    wisp_with(&full, Some(&workspace()), &[], &[])
}

#[test]
fn the_example_registry_is_valid() {
    let o = wisp_with(
        &["validate", "--root", "examples/src"],
        Some(&workspace()),
        &[],
        &[],
    );
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "ok: examples/src: 6 entries, 2 modules\n");
    assert_eq!(stderr(&o), "");
}

#[test]
fn list_shows_both_commands() {
    let o = run(&["list"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["compute", "greet"], "{out}");
}

#[test]
fn compute_multiplies_its_arguments() {
    let o = run(&["compute", "6", "7"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "42\n");
}

#[test]
fn greet_reads_the_mounted_directory() {
    let o = run(&["greet", "Bob"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "Hello, Bob!\n");
    let o = run(&["greet", "Bob", "Alice"]);
    assert_eq!(stdout(&o), "Hello, Bob!\nHello, Alice!\n");
}
