//! Function body validation: the driver and the operand and control stacks of
//! the spec appendix's validation algorithm
//! (<https://webassembly.github.io/spec/core/appendix/algorithm.html>).
//!
//! The algorithm's names are kept: `push_operand`/`pop_operand` (the
//! appendix's `push_val`/`pop_val`), `push_ctrl`, `pop_ctrl`, `label_types`
//! and `unreachable`. Both stacks are `Vec`s, never native recursion, so
//! deeply nested blocks cost heap, not host stack. An operand is a
//! [`MaybeType`]: `None` is the appendix's `Unknown`, produced only by popping
//! from the polymorphic stack of unreachable code.
//!
//! The reader drives validation through [`visit`]: one `visit_*` call per
//! operator, which gates the operator's proposal and calls the rule of the
//! same name. The rules live in sibling files by instruction family:
//! [`control`] (blocks, branches, calls), [`variable`] (parametric and
//! variable instructions), [`numeric`], [`memory`] and [`table`] (tables and
//! references).
//!
//! The stack operations have fast paths for the common case, taken before
//! the appendix's general case and equivalent to it: `pop_expect` checks the
//! top slot and the innermost frame's height (cached in `floor`) in one go;
//! numeric operators rewrite the top slots in place (`pop_push`); `pop_ctrl`
//! drops a frame that holds exactly its known results in one truncation.
//! Errors are boxed (`Error`) so a rule's `Result<()>` is one word.

mod control;
mod memory;
mod numeric;
mod table;
mod variable;
mod visit;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use wisp_core::limits::MAX_LOCALS;
use wisp_core::{RefType, ValType};
use wisp_decode::Module;
use wisp_decode::wasmparser::{BinaryReader, OperatorsReader};

use crate::context::ModuleContext;
use crate::error::ValidationError;
use crate::features::{self, Proposal};
use crate::{FuncSink, OpFacts};

/// A function-validation error, boxed: the rules' `Result<()>` is then one
/// word, returned in a register, and the hot paths carry no 40-byte error
/// slot (the error is built only on the cold path).
pub(crate) type Error = alloc::boxed::Box<ValidationError>;

/// The rules' result type.
pub(crate) type Result<T, E = Error> = core::result::Result<T, E>;

/// An operand's type as validation knows it; `None` is the spec's `Unknown`.
pub(crate) type MaybeType = Option<ValType>;

/// The kind of construct a control frame belongs to (the appendix's `opcode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// The implicit block around the whole body.
    Function,
    Block,
    Loop,
    If,
    Else,
}

/// The type of a control frame, resolved lazily to slices of types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockSig {
    /// `[] -> []`.
    Empty,
    /// `[] -> [t]`.
    Value(ValType),
    /// `params -> results` of the type at this index (multi-value block types).
    Type(u32),
    /// `[] -> results` of the function type at this index: the body's own frame.
    Body(u32),
}

/// One entry of the control stack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CtrlFrame {
    pub kind: FrameKind,
    pub sig: BlockSig,
    /// Height of the operand stack when the frame was entered (its params popped).
    pub height: usize,
    /// Whether the rest of the frame is unreachable (stack-polymorphic).
    pub unreachable: bool,
}

/// Reusable allocations for [`validate_function`]: pass the same value to
/// every call to validate many bodies without reallocating.
#[derive(Default)]
pub struct FuncAllocations {
    operands: Vec<MaybeType>,
    frames: Vec<CtrlFrame>,
    locals: Vec<ValType>,
}

impl fmt::Debug for FuncAllocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuncAllocations")
            .field("operands_capacity", &self.operands.capacity())
            .field("frames_capacity", &self.frames.capacity())
            .field("locals_capacity", &self.locals.capacity())
            .finish_non_exhaustive()
    }
}

/// Validates the body of defined function `defined_index` (0 is the first
/// function of the code section, whatever the number of imports), feeding
/// every validated operator to `sink`.
///
/// `ctx` must come from [`validate_module`](crate::validate_module) on the
/// same `module`.
pub fn validate_function<'a, S: FuncSink<'a>>(
    ctx: &ModuleContext,
    module: &'a Module,
    defined_index: u32,
    sink: &mut S,
    allocs: &mut FuncAllocations,
) -> Result<(), S::Error> {
    validate_function_in(ctx, module, &module.bytes, defined_index, sink, allocs)
}

/// [`validate_function`] for a module whose byte ranges refer to `binary`
/// rather than to its own [`Module::bytes`] (one from
/// [`wisp_decode::decode_detached`]).
pub fn validate_function_in<'a, S: FuncSink<'a>>(
    ctx: &ModuleContext,
    module: &Module,
    binary: &'a [u8],
    defined_index: u32,
    sink: &mut S,
    allocs: &mut FuncAllocations,
) -> Result<(), S::Error> {
    let mut visitor = visit::Visitor {
        v: FuncValidator {
            ctx,
            operands: core::mem::take(&mut allocs.operands),
            frames: core::mem::take(&mut allocs.frames),
            floor: usize::MAX,
            locals: core::mem::take(&mut allocs.locals),
            offset: 0,
        },
        sink,
        failure: None,
    };
    visitor.v.operands.clear();
    visitor.v.frames.clear();
    visitor.v.locals.clear();
    let result = match visitor.v.prepare(module, binary, defined_index) {
        Err(e) => Err((*e).into()),
        Ok((bytes, start)) => {
            let features = wisp_decode::wasm_features(&ctx.features);
            let mut reader = BinaryReader::new_features(bytes, start as u64, features);
            let mut result = read_body(&mut visitor, &mut reader);
            if let Err(ValidationFailure::Invalid(e)) = &result
                && !e.malformed
            {
                // The spec decodes a whole module before validating it, so a
                // body that is malformed *after* an invalid operator, or a
                // later malformed body, makes the module malformed. (The
                // body is read again from its start: the reader's frame
                // structure up to the invalid operator is then rebuilt.)
                let body = BinaryReader::new_features(bytes, start as u64, features);
                if let Some(malformed) = rest_malformed(&mut OperatorsReader::new(body))
                    .or_else(|| later_bodies_malformed(ctx, module, binary, defined_index))
                {
                    result = Err(ValidationFailure::Invalid(malformed));
                }
            }
            result.map_err(ValidationFailure::into_sink_error)
        }
    };
    allocs.operands = visitor.v.operands;
    allocs.frames = visitor.v.frames;
    allocs.locals = visitor.v.locals;
    result
}

/// The operator loop: the reader decodes each operator and calls the
/// [`visit::Visitor`] method for it (validate, then hand to the sink), until
/// the body's own `end` closes the last frame; then require the end of the
/// bytes.
///
/// The visitor is also the reader's frame stack (`wasmparser::FrameStack`),
/// so the structure the binary format needs (`else` only in `if`, nothing
/// after the final `end`) is read off the validator's own control stack.
fn read_body<'a, S: FuncSink<'a>>(
    visitor: &mut visit::Visitor<'_, '_, S, S::Error>,
    reader: &mut BinaryReader<'a>,
) -> Result<(), ValidationFailure<S::Error>> {
    let invalid = ValidationFailure::Invalid;
    while !visitor.v.frames.is_empty() {
        visitor.v.offset = usize::try_from(reader.original_position()).unwrap_or(usize::MAX);
        match reader.visit_operator(visitor) {
            Ok(Ok(())) => {}
            Ok(Err(visit::Stop)) => {
                return Err(visitor.failure.take().unwrap_or_else(|| {
                    invalid(
                        *visitor
                            .v
                            .error("internal validator error: no failure recorded"),
                    )
                }));
            }
            Err(e) => return Err(invalid(ValidationError::from_reader(&e))),
        }
    }
    reader
        .finish_expression(visitor)
        .map_err(|e| invalid(ValidationError::from_reader(&e)))?;
    Ok(())
}

/// Why reading a body stopped: a validation error, or the sink's own error.
enum ValidationFailure<E> {
    Invalid(ValidationError),
    Sink(E),
}

impl<E: From<ValidationError>> ValidationFailure<E> {
    fn into_sink_error(self) -> E {
        match self {
            ValidationFailure::Invalid(e) => e.into(),
            ValidationFailure::Sink(e) => e,
        }
    }
}

/// Reads the rest of a body without validating it; returns the first
/// binary-format error, if any.
fn rest_malformed(ops: &mut OperatorsReader<'_>) -> Option<ValidationError> {
    while !ops.eof() {
        if let Err(e) = ops.read() {
            return Some(ValidationError::from_reader(&e));
        }
    }
    ops.finish().err().map(|e| ValidationError::from_reader(&e))
}

/// The first binary-format error in the bodies after `defined_index`, if any.
fn later_bodies_malformed(
    ctx: &ModuleContext,
    module: &Module,
    binary: &[u8],
    defined_index: u32,
) -> Option<ValidationError> {
    let features = wisp_decode::wasm_features(&ctx.features);
    module
        .bodies
        .iter()
        .skip((defined_index as usize).saturating_add(1))
        .find_map(|body| {
            let bytes = binary.get(body.code.clone())?;
            let reader = BinaryReader::new_features(bytes, body.code.start as u64, features);
            rest_malformed(&mut OperatorsReader::new(reader))
        })
}

/// The state of one function's validation.
pub(crate) struct FuncValidator<'c> {
    pub ctx: &'c ModuleContext,
    /// The operand stack (`vals`).
    pub operands: Vec<MaybeType>,
    /// The control stack (`ctrls`); the last entry is the innermost frame.
    pub frames: Vec<CtrlFrame>,
    /// Parameters followed by declared locals.
    pub locals: Vec<ValType>,
    /// Offset of the operator being validated, for errors.
    pub offset: usize,
    /// The innermost frame's `height` (`usize::MAX` without a frame), cached
    /// so the fast paths compare against it without touching `frames`.
    floor: usize,
}

impl<'c> FuncValidator<'c> {
    /// Sets up locals and the body's frame; returns the code bytes and their offset.
    fn prepare<'a>(
        &mut self,
        module: &Module,
        binary: &'a [u8],
        defined_index: u32,
    ) -> Result<(&'a [u8], usize)> {
        let ctx = self.ctx;
        let func_index = ctx.num_imported_funcs.saturating_add(defined_index);
        let (Some(body), Some(type_index)) = (
            module.bodies.get(defined_index as usize),
            ctx.func_type_index(func_index),
        ) else {
            return Err(ValidationError::new(
                format!("unknown function {func_index}: no such defined function"),
                0,
            )
            .into());
        };
        let start = body.code.start;
        let Some(bytes) = binary.get(body.code.clone()) else {
            return Err(ValidationError::malformed(
                "function body outside the module bytes",
                start,
            )
            .into());
        };
        let Some(ty) = ctx.type_at(type_index) else {
            return Err(ValidationError::new(format!("unknown type {type_index}"), start).into());
        };
        // Count before allocating: the run lengths are untrusted.
        let mut total = ty.params().len() as u64;
        for &(count, val_type) in body.locals.iter() {
            features::require_val_type(&ctx.features, val_type, start)?;
            total = total.saturating_add(u64::from(count));
        }
        if total > u64::from(MAX_LOCALS) {
            return Err(ValidationError::new("too many locals", start).into());
        }
        self.locals.extend_from_slice(ty.params());
        for &(count, val_type) in body.locals.iter() {
            self.locals
                .extend(core::iter::repeat_n(val_type, count as usize));
        }
        self.offset = start;
        self.push_ctrl(FrameKind::Function, BlockSig::Body(type_index))?;
        Ok((bytes, start))
    }

    /// What the sink learns about the state before the current operator.
    fn facts(&self) -> OpFacts {
        let (unreachable, top_type) = match self.frames.last() {
            Some(frame) => {
                let top = if self.operands.len() > frame.height {
                    self.operands.last().copied().flatten()
                } else {
                    None
                };
                (frame.unreachable, top)
            }
            None => (false, None),
        };
        OpFacts {
            offset: self.offset,
            unreachable,
            height: u32::try_from(self.operands.len()).unwrap_or(u32::MAX),
            top_type,
        }
    }

    /// The proposal gate for an operator of a proposal WebAssembly 2.0
    /// merged (`op` is its wasmparser name, e.g. `I32Extend8S`).
    fn gate(&self, proposal: Proposal, op: &'static str) -> Result<()> {
        Ok(features::require_operator(
            &self.ctx.features,
            proposal,
            op,
            self.offset,
        )?)
    }

    /// An operator outside WebAssembly 2.0 (`op` is its wasmparser name).
    #[cold]
    fn unsupported(&self, op: &str) -> Error {
        // An opcode outside the enabled instruction set is a binary-format
        // error in the spec's terms ("illegal opcode"), hence malformed.
        ValidationError::malformed(
            format!("illegal opcode: {op} is not part of WebAssembly 2.0"),
            self.offset,
        )
        .into()
    }

    // ---- errors -------------------------------------------------------

    /// An error at the current operator.
    #[cold]
    pub fn error(&self, message: impl Into<String>) -> Error {
        ValidationError::new(message, self.offset).into()
    }

    #[cold]
    fn mismatch(&self, expected: ValType, actual: ValType) -> Error {
        self.error(format!(
            "type mismatch: expected {expected}, found {actual}"
        ))
    }

    #[cold]
    fn missing(&self, expected: Option<ValType>) -> Error {
        match expected {
            Some(t) => self.error(format!("type mismatch: expected {t} but nothing on stack")),
            None => self.error("type mismatch: expected a value but nothing on stack"),
        }
    }

    // ---- the operand stack ------------------------------------------------

    /// The innermost frame (there is always one while operators are read).
    #[inline(always)]
    fn top_frame(&self) -> Result<&CtrlFrame> {
        self.frames
            .last()
            .ok_or_else(|| self.error("operator after the end of the function"))
    }

    #[inline(always)]
    pub fn push_operand(&mut self, ty: MaybeType) {
        self.operands.push(ty);
    }

    /// `pop_val()`: any operand, `Unknown` when the frame is polymorphic and empty.
    pub fn pop_operand(&mut self) -> Result<MaybeType> {
        self.pop_operand_for(None)
    }

    fn pop_operand_for(&mut self, expected: Option<ValType>) -> Result<MaybeType> {
        let frame = self.top_frame()?;
        if self.operands.len() <= frame.height {
            if frame.unreachable {
                return Ok(None);
            }
            return Err(self.missing(expected));
        }
        Ok(self.operands.pop().flatten())
    }

    /// How many operands the innermost frame can pop (0 without a frame).
    #[inline(always)]
    fn poppable(&self) -> usize {
        self.operands.len().saturating_sub(self.floor)
    }

    /// `pop_val(expect)`: an operand that must match `expected` unless unknown.
    ///
    /// The fast path (the top operand is known, of the expected type and
    /// inside the innermost frame) takes one comparison of the top slot and
    /// one of the frame height; everything else goes through the spec's
    /// general case.
    #[inline(always)]
    pub fn pop_expect(&mut self, expected: ValType) -> Result<MaybeType> {
        if self.operands.len() > self.floor && self.operands.last() == Some(&Some(expected)) {
            self.operands.pop();
            return Ok(Some(expected));
        }
        self.pop_expect_general(expected)
    }

    #[inline(never)]
    fn pop_expect_general(&mut self, expected: ValType) -> Result<MaybeType> {
        let actual = self.pop_operand_for(Some(expected))?;
        match actual {
            Some(a) if a != expected => Err(self.mismatch(expected, a)),
            _ => Ok(actual),
        }
    }

    /// `pop_vals(params); push_val(result)` for a numeric operator, with a
    /// fast path that rewrites the top slots in place when they are known
    /// and match (the common case by far).
    #[inline(always)]
    pub fn pop_push(&mut self, params: &[ValType], result: ValType) -> Result<()> {
        let poppable = self.poppable();
        match (params, self.operands.as_mut_slice()) {
            (&[a], [.., top]) if poppable >= 1 && *top == Some(a) => {
                *top = Some(result);
                return Ok(());
            }
            (&[a, b], [.., below, top])
                if poppable >= 2 && *below == Some(a) && *top == Some(b) =>
            {
                *below = Some(result);
                self.operands.pop();
                return Ok(());
            }
            _ => {}
        }
        self.pop_operands(params)?;
        self.push_operand(Some(result));
        Ok(())
    }

    /// Pops an operand that must be a reference; returns its type if known.
    pub fn pop_ref(&mut self) -> Result<Option<RefType>> {
        match self.pop_operand_for(None)? {
            None => Ok(None),
            Some(ValType::Ref(r)) => Ok(Some(r)),
            Some(t) => Err(self.error(format!("type mismatch: expected a reference, found {t}"))),
        }
    }

    /// `pop_vals(types)`: pops `types` in reverse order.
    #[inline(always)]
    pub fn pop_operands(&mut self, types: &[ValType]) -> Result<()> {
        for &t in types.iter().rev() {
            self.pop_expect(t)?;
        }
        Ok(())
    }

    /// `push_vals(pop_vals(types))` with `types` pushed back (so unknown
    /// operands become known). When the top operands are already exactly
    /// `types`, the stack does not change and nothing is moved.
    #[inline(always)]
    pub fn pop_push_operands(&mut self, types: &[ValType]) -> Result<()> {
        if let Some(start) = self.operands.len().checked_sub(types.len())
            && self.poppable() >= types.len()
            && let Some(top) = self.operands.get(start..)
            && top.iter().zip(types).all(|(&actual, &t)| actual == Some(t))
        {
            return Ok(());
        }
        self.pop_operands(types)?;
        self.push_operands(types);
        Ok(())
    }

    /// `push_vals(types)`.
    #[inline(always)]
    pub fn push_operands(&mut self, types: &[ValType]) {
        // Zero or one type is the common case: no call to `memcpy` for it.
        match *types {
            [] => {}
            [t] => self.operands.push(Some(t)),
            _ => self.operands.extend(types.iter().map(|&t| Some(t))),
        }
    }

    /// Checks that the operands on top of the stack match `types`, without
    /// changing the stack: `push_vals(pop_vals(types))` when the result is
    /// discarded anyway (as `br_table` does before `unreachable()`).
    pub fn check_operands(&self, types: &[ValType]) -> Result<()> {
        let frame = self.top_frame()?;
        let available = self.operands.len().saturating_sub(frame.height);
        for (depth, &expected) in types.iter().rev().enumerate() {
            if depth >= available {
                if frame.unreachable {
                    return Ok(());
                }
                return Err(self.missing(Some(expected)));
            }
            if let Some(Some(actual)) = self.operands.iter().rev().nth(depth).copied()
                && actual != expected
            {
                return Err(self.mismatch(expected, actual));
            }
        }
        Ok(())
    }

    // ---- the control stack -----------------------------------------------

    /// Parameter types of a frame (`start_types`).
    #[inline(always)]
    pub fn start_types(&self, sig: BlockSig) -> &'c [ValType] {
        match sig {
            BlockSig::Type(index) => {
                let ctx: &'c ModuleContext = self.ctx;
                ctx.type_at(index).map_or(&[], |t| t.params())
            }
            BlockSig::Empty | BlockSig::Value(_) | BlockSig::Body(_) => &[],
        }
    }

    /// Result types of a frame (`end_types`).
    #[inline(always)]
    pub fn end_types(&self, sig: BlockSig) -> &'c [ValType] {
        match sig {
            BlockSig::Empty => &[],
            BlockSig::Value(t) => single(t),
            BlockSig::Type(index) | BlockSig::Body(index) => {
                let ctx: &'c ModuleContext = self.ctx;
                ctx.type_at(index).map_or(&[], |t| t.results())
            }
        }
    }

    /// `label_types(frame)`: what a branch to the frame carries.
    #[inline(always)]
    pub fn label_types(&self, frame: &CtrlFrame) -> &'c [ValType] {
        if frame.kind == FrameKind::Loop {
            self.start_types(frame.sig)
        } else {
            self.end_types(frame.sig)
        }
    }

    /// The frame `depth` levels out from the innermost (`ctrls[depth]`).
    #[inline(always)]
    pub fn frame_at(&self, depth: u32) -> Result<CtrlFrame> {
        let len = self.frames.len();
        (depth as usize)
            .checked_add(1)
            .and_then(|d| len.checked_sub(d))
            .and_then(|i| self.frames.get(i))
            .copied()
            .ok_or_else(|| self.error(format!("unknown label {depth}")))
    }

    /// `push_ctrl(opcode, in, out)`: enters a frame whose params are already popped.
    #[inline(always)]
    pub fn push_ctrl(&mut self, kind: FrameKind, sig: BlockSig) -> Result<()> {
        let height = self.operands.len();
        self.frames.push(CtrlFrame {
            kind,
            sig,
            height,
            unreachable: false,
        });
        self.floor = height;
        self.push_operands(self.start_types(sig));
        Ok(())
    }

    /// `pop_ctrl()`: leaves the innermost frame, checking its results.
    ///
    /// Fast path: the frame holds exactly its results, all known.
    #[inline(always)]
    pub fn pop_ctrl(&mut self) -> Result<CtrlFrame> {
        let frame = *self.top_frame()?;
        let results = self.end_types(frame.sig);
        let exact = frame.height.checked_add(results.len()) == Some(self.operands.len())
            && self.operands.get(frame.height..).is_some_and(|top| {
                top.iter()
                    .zip(results)
                    .all(|(&actual, &t)| actual == Some(t))
            });
        if exact {
            self.operands.truncate(frame.height);
        } else {
            self.pop_operands(results)?;
            if self.operands.len() != frame.height {
                return Err(self.error(format!(
                    "type mismatch: {} values remaining on stack at end of block",
                    self.operands.len().saturating_sub(frame.height)
                )));
            }
        }
        self.frames.pop();
        self.floor = self.frames.last().map_or(usize::MAX, |f| f.height);
        Ok(frame)
    }

    /// `unreachable()`: the rest of the innermost frame is stack-polymorphic.
    #[inline(always)]
    pub fn unreachable(&mut self) -> Result<()> {
        let Some(frame) = self.frames.last_mut() else {
            return Err(self.error("operator after the end of the function"));
        };
        frame.unreachable = true;
        let height = frame.height;
        self.operands.truncate(height);
        Ok(())
    }
}

/// A one-element type list, as a static slice.
fn single(t: ValType) -> &'static [ValType] {
    match t {
        ValType::I32 => &[ValType::I32],
        ValType::I64 => &[ValType::I64],
        ValType::F32 => &[ValType::F32],
        ValType::F64 => &[ValType::F64],
        ValType::Ref(RefType::FuncRef) => &[ValType::FUNCREF],
        ValType::Ref(RefType::ExternRef) => &[ValType::EXTERNREF],
    }
}
