//! Fuzzing library (in progress).
