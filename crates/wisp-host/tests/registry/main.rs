//! Registry integration tests: the load/validate halves of the acceptance
//! scenarios C1–C19 (docs/host.md §7.1), named after their ids, plus the
//! other loader rules. Each test writes a small registry tree into a temp
//! dir; modules are compiled from `.wat` text at test time.

mod common;
mod rules;
mod scenarios;
