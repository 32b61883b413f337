//! Spec test runner (in progress).
