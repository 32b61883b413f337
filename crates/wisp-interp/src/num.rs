//! Spec-exact numeric semantics (placeholder, filled in by the numerics work).
