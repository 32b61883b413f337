//! Spec-exact numeric semantics: the operators of the WebAssembly 2.0
//! numerics chapter that are not a bare Rust operator, as `#[inline]` pure
//! functions named after the instruction (`i32.div_s` → [`i32_div_s`]).
//!
//! - [`int`]: division and remainder (`Result<_, TrapCode>`), shifts and
//!   rotates (count modulo the width), bit counts, sign extension.
//! - [`float`]: `min`/`max`, rounding, `sqrt`, and the sign-bit operators,
//!   with the spec's NaN and signed-zero rules.
//! - [`convert`]: trapping and saturating truncation, int→float conversion,
//!   demote/promote, wrap/extend and reinterprets.
//! - `fmath`: the only place that chooses between `std` and `libm` for the
//!   float primitives `core` lacks.
//!
//! Integers are passed as `i32`/`i64` (Wasm integers are sign-agnostic; the
//! `_u` operators reinterpret the bits) and floats as `f32`/`f64`. Rust moves
//! floats without touching their bits, so NaN payloads survive calls.
//! Operators with no helper here (`add`, `eq`, `and`, ...) are the matching
//! Rust `wrapping_*` methods or float operators.

// The executor adopts these helpers one family at a time; until each is
// called, an unused helper is not an error.
#[allow(dead_code, reason = "helpers are used by the executor as it grows")]
mod convert;
#[allow(dead_code, reason = "helpers are used by the executor as it grows")]
mod float;
mod fmath;
#[allow(dead_code, reason = "helpers are used by the executor as it grows")]
mod int;
#[cfg(test)]
mod tests;

#[allow(
    unused_imports,
    reason = "helpers are used by the executor as it grows"
)]
pub(crate) use self::{convert::*, float::*, int::*};
