//! The validator as a `wasmparser::VisitOperator`, and the proposal gate.
//!
//! wasmparser's reader decodes each operator and calls one `visit_*` method
//! with its immediates; [`Visitor`] forwards that call to the rule of the same
//! name on [`FuncValidator`] (the rules live in the family files). No
//! `Operator` value is built for plain validation and nothing is matched
//! twice: the reader's opcode `match` is the only dispatch.
//!
//! The impl is generated from wasmparser's own operator list
//! (`for_each_visit_operator!`), which tags every operator with its proposal.
//! That tag is the gate, in one place:
//! - `@mvp` operators go straight to their rule;
//! - the four proposals WebAssembly 2.0 merged (sign extension, saturating
//!   truncation, bulk memory, reference types) check [`Features`] first;
//! - every other proposal (threads, GC, exceptions, tail calls, ...) is
//!   rejected by [`FuncValidator::unsupported`] without a rule. SIMD never
//!   reaches the visitor: wasmparser refuses 0xfd opcodes for a visitor
//!   without a SIMD visitor.
//!
//! For a sink that wants operators ([`FuncSink::OPERATORS`]), each method
//! also records the [`OpFacts`](crate::OpFacts) before the rule, builds the
//! `Operator` from the immediates, and hands both to the sink after it.
//!
//! [`Visitor`] is also the reader's `FrameStack`: the binary format's
//! structural checks (`else` only inside `if`, nothing after the body's
//! final `end`) read the validator's own control stack, so the reader keeps
//! no second one.
//!
//! # Performance
//!
//! The `visit_*` methods and the hot rules they call are
//! `#[inline(always)]`: the reader's opcode `match` then runs the rule in
//! place, with no call per operator. This stays cheap in code and stack only
//! because every error path is out of line (`#[cold]` constructors, boxed
//! errors, [`Stop`] as the one-byte result); on GCC's `cc1.wasm` (9.3 M
//! operators) the validator's share is then about a third of the time, the
//! rest being wasmparser's decoding.
//!
//! [`Features`]: wisp_core::Features

use alloc::vec::Vec;
use core::mem::ManuallyDrop;

use wisp_decode::wasmparser::{
    FrameKind as ReaderFrame, FrameStack, Operator, VisitOperator, for_each_visit_operator,
};

use super::{Error, FrameKind, FuncValidator, ValidationFailure};
use crate::features::Proposal;
use crate::{FuncSink, OpFacts};

/// Why a `visit_*` method stopped; the reason is kept in [`Visitor::failure`]
/// so the hot return type stays one byte.
#[derive(Debug)]
pub(super) struct Stop;

/// Feeds the reader's `visit_*` calls to a [`FuncValidator`] (owned, so its
/// fields are one pointer away) and a sink.
pub(super) struct Visitor<'c, 'v, S, E> {
    pub v: FuncValidator<'c>,
    pub sink: &'v mut S,
    /// The error that made a method return [`Stop`].
    pub failure: Option<ValidationFailure<E>>,
}

impl<S, E> Visitor<'_, '_, S, E> {
    #[cold]
    #[inline(never)]
    #[expect(
        clippy::boxed_local,
        reason = "the rules return their error boxed; it is unboxed once, here, on the cold path"
    )]
    fn invalid(&mut self, error: Error) -> Result<(), Stop> {
        self.failure = Some(ValidationFailure::Invalid(*error));
        Err(Stop)
    }

    #[cold]
    #[inline(never)]
    fn sink_failed(&mut self, error: E) -> Result<(), Stop> {
        self.failure = Some(ValidationFailure::Sink(error));
        Err(Stop)
    }
}

/// One `visit_*` method per operator, sorted by proposal (see `visit_one!`).
macro_rules! define_visit {
    ($(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $( visit_one!(@$proposal $op $({ $($arg: $argty),* })? => $visit); )*
    };
}

/// The gate: which proposal groups have rules, and which need a feature.
macro_rules! visit_one {
    (@mvp $($rest:tt)*) => {
        visit_rule!(None, $($rest)*);
    };
    (@sign_extension $($rest:tt)*) => {
        visit_rule!(Some(Proposal::SignExtension), $($rest)*);
    };
    (@saturating_float_to_int $($rest:tt)*) => {
        visit_rule!(Some(Proposal::SaturatingFloatToInt), $($rest)*);
    };
    (@bulk_memory $($rest:tt)*) => {
        visit_rule!(Some(Proposal::BulkMemory), $($rest)*);
    };
    (@reference_types $($rest:tt)*) => {
        visit_rule!(Some(Proposal::ReferenceTypes), $($rest)*);
    };
    (@$other:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident) => {
        fn $visit(&mut self $($(, _: $argty)*)?) -> Self::Output {
            let error = self.v.unsupported(stringify!($op));
            self.invalid(error)
        }
    };
}

/// A WebAssembly 2.0 operator: gate, facts, rule, sink.
macro_rules! visit_rule {
    ($gate:expr, $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident) => {
        #[inline(always)]
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
            let gate: Option<Proposal> = $gate;
            if let Some(proposal) = gate
                && let Err(e) = self.v.gate(proposal, stringify!($op))
            {
                return self.invalid(e);
            }
            /// The sink's call for this one operator, out of line. A sink
            /// whose `operator` is inlined here (the translator's is) sees
            /// a constant operator kind and keeps only that kind's arm of
            /// its `match`: one indirect branch per operator (the reader's
            /// opcode dispatch) instead of two.
            #[inline(never)]
            fn to_sink<'a, S: FuncSink<'a>>(
                sink: &mut S,
                facts: OpFacts
                $($(, $arg: $argty)*)?
            ) -> Result<(), S::Error> {
                // `ManuallyDrop`: the operators that reach a rule own no
                // heap data (those that do, such as `try_table`, belong to
                // proposals the gate rejects); this spares a drop call.
                let op = ManuallyDrop::new(Operator::$op $({ $($arg),* })?);
                sink.operator(&op, facts)
            }
            let before = if S::OPERATORS {
                Some((self.v.facts(), $($(Clone::clone(&$arg),)*)?))
            } else {
                None
            };
            if let Err(e) = self.v.$visit($($($arg),*)?) {
                return self.invalid(e);
            }
            if let Some((facts, $($($arg,)*)?)) = before
                && let Err(e) = to_sink(self.sink, facts $($(, $arg)*)?)
            {
                return self.sink_failed(e);
            }
            Ok(())
        }
    };
}

/// The reader's view of the control stack: the kind of the innermost frame,
/// `None` once the body's own `end` has closed it.
impl<S, E> FrameStack for Visitor<'_, '_, S, E> {
    #[inline]
    fn current_frame(&self) -> Option<ReaderFrame> {
        self.v.frames.last().map(|frame| match frame.kind {
            FrameKind::Function | FrameKind::Block => ReaderFrame::Block,
            FrameKind::Loop => ReaderFrame::Loop,
            FrameKind::If => ReaderFrame::If,
            FrameKind::Else => ReaderFrame::Else,
        })
    }
}

impl<'a, S: FuncSink<'a>> VisitOperator<'a> for Visitor<'_, '_, S, S::Error> {
    type Output = Result<(), Stop>;

    for_each_visit_operator!(define_visit);
}
