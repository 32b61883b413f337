//! Validation of decoded WebAssembly modules, written from the spec.
//!
//! Two layers:
//! - module rules ([`validate_module`], `module.rs`): limits, types, imports
//!   and exports, start, constant expressions (`const_expr.rs`), element and
//!   data segments, data count;
//! - function bodies ([`validate_function`], `func/`): the operand and control
//!   stacks of the spec appendix's validation algorithm.
//!
//! The function validator is a `wasmparser::VisitOperator`: the reader calls
//! one `visit_*` method per operator with its immediates, so plain validation
//! never materialises an [`Operator`] value. It drives a [`FuncSink`]: after
//! each operator is validated, the sink receives it together with the
//! [`OpFacts`] the validator knew just before it, so the interpreter's
//! translator compiles a body in the same single pass. The operator is built
//! only for sinks that ask for it ([`FuncSink::OPERATORS`]), in a small
//! out-of-line function per operator kind: a sink whose
//! [`FuncSink::operator`] is `#[inline(always)]` sees a constant operator
//! kind there, and its `match` on it folds away. [`NoSink`] validates only;
//! [`validate`] does both layers for a whole module.
//!
//! Proposals are gated in one place (`func/visit.rs`, by the proposal group
//! wasmparser's operator list gives each operator, with the checks in
//! `features.rs`) against [`wisp_core::Features`]; everything outside
//! WebAssembly 2.0 (SIMD, threads, GC, ...) is rejected as an illegal opcode.
//! Error messages begin with the wording of the spec tests' `assert_invalid`.
#![no_std]
#![forbid(unsafe_code)]
// The crate reads untrusted bytes: nothing outside tests may panic on them.
// Clippy enforces it (no unwrap/expect/panic, no indexing or slicing that can
// be out of range, no arithmetic that can overflow); see the hostile-input
// suite in `wisp-interp/tests/hostile` for the inputs this guards against.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod const_expr;
mod context;
mod error;
mod features;
mod func;
mod module;
mod types;

pub use context::ModuleContext;
pub use error::ValidationError;
pub use func::{FuncAllocations, validate_function, validate_function_in};
pub use module::validate_module;
pub use wisp_decode::wasmparser::Operator;

use wisp_core::ValType;

/// What the validator knew just before an operator, handed to a [`FuncSink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpFacts {
    /// Byte offset of the operator in the module binary.
    pub offset: usize,
    /// Whether the operator is in unreachable (stack-polymorphic) code.
    pub unreachable: bool,
    /// Height of the operand stack (all control frames, locals excluded) before the operator.
    pub height: u32,
    /// Type of the topmost operand before the operator, when known
    /// (`None` when the stack is empty down to the current frame or the
    /// operand is unknown in polymorphic code). Lets a translator size `drop` and `select`.
    pub top_type: Option<ValType>,
}

/// Receives every validated operator of a function body, in order.
pub trait FuncSink<'a> {
    /// The sink's own error; validation errors convert into it.
    type Error: From<ValidationError>;

    /// Whether the sink wants the operators at all. When `false`, the
    /// validator neither builds the [`Operator`] nor computes the
    /// [`OpFacts`], and never calls [`FuncSink::operator`]: validation runs
    /// at full speed (this is how [`NoSink`] costs nothing).
    const OPERATORS: bool = true;

    /// Called after `op` passed validation, from a function of its own for
    /// each operator kind: mark it `#[inline(always)]` and a `match` on the
    /// operator costs nothing.
    fn operator(&mut self, op: &Operator<'a>, facts: OpFacts) -> Result<(), Self::Error>;
}

/// A sink that ignores every operator: plain validation.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSink;

impl<'a> FuncSink<'a> for NoSink {
    type Error = ValidationError;
    const OPERATORS: bool = false;

    fn operator(&mut self, _: &Operator<'a>, _: OpFacts) -> Result<(), ValidationError> {
        Ok(())
    }
}

/// Validates a whole module: module rules, then every function body.
pub fn validate(
    module: &wisp_decode::Module,
    features: &wisp_core::Features,
) -> Result<(), ValidationError> {
    validate_binary(module, &module.bytes, features)
}

/// [`validate`] for a module whose byte ranges refer to `binary` (one from
/// [`wisp_decode::decode_detached`], which saves copying the binary).
pub fn validate_binary(
    module: &wisp_decode::Module,
    binary: &[u8],
    features: &wisp_core::Features,
) -> Result<(), ValidationError> {
    let ctx = validate_module(module, features)?;
    let mut allocs = FuncAllocations::default();
    for index in 0..module.bodies.len() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        validate_function_in(&ctx, module, binary, index, &mut NoSink, &mut allocs)?;
    }
    Ok(())
}
