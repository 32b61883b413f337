//! Translation of validated function bodies into wisp's internal code, in the
//! same single pass as validation (the translator is a `wisp_validate::FuncSink`).
//!
//! The translator keeps a *virtual* operand stack ([`stack`]): `local.get` and
//! constants push lazy operands that consumers read in place, and every other
//! value lives in the canonical slot of its stack height, so the emitted code
//! names slots and never pushes or pops. Family by family:
//! - [`stack`]: the virtual stack, materialization, and result folding;
//! - [`control`]: blocks, branches, labels, returns, fuel blocks;
//! - [`numeric`]: arithmetic, comparisons (with immediates) and conversions;
//! - [`memory`], [`table`], [`call`], [`variable`]: the rest;
//! - [`tails`], [`fuse`], [`accumulators`]: last passes over the finished
//!   code (tail duplication, superinstructions, accumulator operands), with
//!   [`kind_memo`] for what they learn per instruction kind.
//!
//! See `docs/bytecode.md` for the lowering of each construct.

mod accumulators;
mod call;
mod control;
mod fuse;
mod kind_memo;
mod local_refs;
mod memory;
mod numeric;
mod stack;
mod table;
mod tails;
mod variable;

use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;

use wisp_decode::ImportDesc;
use wisp_decode::wasmparser::Operator;
use wisp_validate::{FuncSink, OpFacts};

use crate::config::Config;
use crate::error::Error;
use crate::ir::{CompiledFunc, Instr, KindTable, OffsetTable};

use control::Ctrl;
use local_refs::LocalRefs;
use stack::{Last, Operand};

/// Largest frame (parameters, locals and operand stack) a function may need,
/// in slots. Deeper operand stacks are rejected at translation, which bounds
/// the translator's memory as well as the run-time frame.
pub(crate) const MAX_FRAME_SLOTS: u32 = 1 << 22;

/// Most constants (other than immediates) a function keeps in constant
/// slots; later ones are materialized where they are used.
const MAX_CONST_SLOTS: usize = 64;

/// Validates and translates every function body of `module`, without the
/// module offsets of the instructions (see [`offsets_of`]).
pub(crate) fn translate_module(
    module: &wisp_decode::Module,
    ctx: &wisp_validate::ModuleContext,
    config: &Config,
) -> Result<Box<[CompiledFunc]>, Error> {
    let mut translator = Translator::for_config(module, config);
    let mut allocs = wisp_validate::FuncAllocations::default();
    let mut funcs = Vec::new();
    funcs
        .try_reserve_exact(module.functions.len())
        .map_err(|_| Error::Limit(format!("{} functions", module.functions.len())))?;
    for index in 0..module.functions.len() as u32 {
        let func = translator
            .translate(ctx, index, &mut allocs)
            .map_err(TranslateError::into_error)?;
        funcs.push(func);
    }
    Ok(funcs.into_boxed_slice())
}

/// The module offsets of the instructions of defined function `index`
/// (among the module's defined functions, as in [`translate_module`]), as
/// [`translate_module`] translated it with `config`: the body is
/// translated again, this time recording them. Translation is a function
/// of the body and the configuration, so the code is the same.
///
/// Only a trap backtrace reads these offsets. Recording them for every
/// function at compile time took about 2.5% of compiling `cc1.wasm` and
/// 7.4 MB (6% of its translated code) for a lookup most modules never
/// make, so they are computed when asked for, as V8 computes source
/// positions. `None` if the body does not translate (never the case for a
/// module that compiled).
pub(crate) fn offsets_of(
    module: &wisp_decode::Module,
    ctx: &wisp_validate::ModuleContext,
    config: &Config,
    index: u32,
) -> Option<CompiledFunc> {
    let mut translator = Translator::for_config(module, config);
    translator.track_offsets = true;
    let mut allocs = wisp_validate::FuncAllocations::default();
    translator.translate(ctx, index, &mut allocs).ok()
}

/// Translates one function body at a time; its allocations are reused.
pub(crate) struct Translator<'m> {
    module: &'m wisp_decode::Module,
    /// Type index of every function of the module (imports first).
    func_types: Vec<u32>,
    /// Whether each global of the module (imports first) holds an `f32`,
    /// whose slot's high half `global.set` must clear.
    f32_globals: Vec<bool>,
    /// Whether to emit fuel checks.
    fuel: bool,
    /// Whether to canonicalize the NaNs float operations produce.
    canonicalize_nans: bool,
    /// Whether to record the module offset of each instruction (see
    /// [`offsets_of`]).
    track_offsets: bool,

    // ----- Per-function state -------------------------------------------------
    /// The code emitted so far.
    code: Vec<Instr>,
    /// Where the code of each operator starts, with the operator's module
    /// offset: `(first instruction, offset)` runs, kept by `sync_offsets`.
    offsets: Vec<(u32, u32)>,
    /// Code below this length has its offsets recorded.
    synced: usize,
    /// The offset of the operator being translated.
    offset: u32,
    /// The virtual operand stack.
    stack: Vec<Operand>,
    /// Where the `Operand::Local` operands are on the stack.
    local_refs: LocalRefs,
    /// The control stack; the function itself is the outermost frame.
    ctrl: Vec<Ctrl>,
    /// Number of parameters plus declared locals: the slot of stack height 0.
    base: u32,
    num_params: u32,
    num_locals: u32,
    num_results: u32,
    /// Greatest operand stack height seen.
    max_height: u32,
    /// Whether the code being translated can execute at all.
    reachable: bool,
    /// The last instruction, when it produced the top operand and can still
    /// be retargeted or fused.
    last: Option<Last>,
    /// Index of the `ConsumeFuel` that pays for the code being translated,
    /// if fuel is on.
    fuel_at: Option<usize>,
    /// Index where the current straight-line code starts (the last label):
    /// instructions before it must not be merged with later ones.
    block_start: usize,
    /// Whether the code being translated is still the function's entry
    /// block: reached only straight from the start (no label bound yet).
    entry_block: bool,
    /// Locals written so far (meaningful while `entry_block`).
    written: Vec<bool>,
    /// Whether the function's final `end` has been seen.
    done: bool,
    /// Whether the function has a `br_table` or a byte store, without
    /// which [`fuse::fuse_latches_and_switches`] finds nothing to fuse
    /// (most functions: the pass is then skipped).
    may_fuse_peeks: bool,
    /// Scratch space for `br_table` targets.
    br_targets: Vec<u32>,
    /// Scratch space for encoding the offset runs.
    offset_bytes: Vec<u8>,
    /// Buffers of the tail duplication pass.
    tail_scratch: tails::TailScratch,
    /// Where each instruction kind keeps its slots, for the passes over
    /// every instruction (renumbering, the structural check).
    kinds: KindTable,
    /// Which instruction kinds can start a superinstruction.
    pair_starts: kind_memo::KindMemo,
    /// Scratch space of the float-accumulator pass.
    acc_scratch: accumulators::AccScratch,
    /// Values of the constant slots; constant slot `k` is numbered
    /// `MAX_FRAME_SLOTS + k` until `finish` places it after the locals.
    consts: Vec<u64>,
}

impl core::fmt::Debug for Translator<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Translator")
            .field("code_len", &self.code.len())
            .field("height", &self.stack.len())
            .finish_non_exhaustive()
    }
}

impl<'m> Translator<'m> {
    pub(crate) fn new(module: &'m wisp_decode::Module, fuel: bool) -> Self {
        let func_types = module
            .imports
            .iter()
            .filter_map(|i| match i.desc {
                ImportDesc::Func(t) => Some(t),
                _ => None,
            })
            .chain(module.functions.iter().copied())
            .collect();
        let f32_globals = module
            .imports
            .iter()
            .filter_map(|i| match i.desc {
                ImportDesc::Global(g) => Some(g.content),
                _ => None,
            })
            .chain(module.globals.iter().map(|g| g.ty.content))
            .map(|ty| ty == wisp_core::ValType::F32)
            .collect();
        Self {
            module,
            func_types,
            f32_globals,
            fuel,
            canonicalize_nans: false,
            track_offsets: false,
            code: Vec::new(),
            offsets: Vec::new(),
            synced: 0,
            offset: 0,
            stack: Vec::new(),
            local_refs: LocalRefs::default(),
            ctrl: Vec::new(),
            base: 0,
            num_params: 0,
            num_locals: 0,
            num_results: 0,
            max_height: 0,
            reachable: true,
            last: None,
            fuel_at: None,
            block_start: 0,
            entry_block: true,
            written: Vec::new(),
            done: false,
            may_fuse_peeks: false,
            br_targets: Vec::new(),
            offset_bytes: Vec::new(),
            tail_scratch: tails::TailScratch::default(),
            kinds: KindTable::default(),
            pair_starts: kind_memo::KindMemo::default(),
            acc_scratch: accumulators::AccScratch::default(),
            consts: Vec::new(),
        }
    }

    /// A translator producing the code `config` asks for (fuel metering,
    /// NaN canonicalization).
    fn for_config(module: &'m wisp_decode::Module, config: &Config) -> Self {
        let mut translator = Translator::new(module, config.get_consume_fuel());
        translator.canonicalize_nans = config.get_canonicalize_nans();
        translator
    }

    /// Validates and translates defined function `index`.
    fn translate(
        &mut self,
        ctx: &wisp_validate::ModuleContext,
        index: u32,
        allocs: &mut wisp_validate::FuncAllocations,
    ) -> Result<CompiledFunc, TranslateError> {
        self.begin(index)?;
        wisp_validate::validate_function(ctx, self.module, index, self, allocs)?;
        self.finish()
    }

    /// Prepares to translate defined function `index`.
    pub(crate) fn begin(&mut self, index: u32) -> Result<(), TranslateError> {
        let module = self.module;
        let ty = module
            .functions
            .get(index as usize)
            .and_then(|&t| module.types.get(t as usize))
            .ok_or_else(|| internal("function without a type"))?;
        let body = module
            .bodies
            .get(index as usize)
            .ok_or_else(|| internal("function without a body"))?;
        self.num_params = ty.params().len() as u32;
        self.num_results = ty.results().len() as u32;
        self.num_locals = body.num_locals;
        self.base = self
            .num_params
            .checked_add(self.num_locals)
            .filter(|&b| b < MAX_FRAME_SLOTS)
            .ok_or_else(|| limit(format!("{} locals", body.num_locals)))?;
        self.code.clear();
        self.offsets.clear();
        self.synced = 0;
        self.stack.clear();
        self.local_refs.reset(self.base as usize);
        self.ctrl.clear();
        self.max_height = 0;
        self.reachable = true;
        self.last = None;
        self.fuel_at = None;
        self.block_start = 0;
        self.entry_block = true;
        self.written.clear();
        self.written.resize(self.base as usize, false);
        self.done = false;
        self.may_fuse_peeks = false;
        self.consts.clear();
        self.enter_function();
        Ok(())
    }

    /// The translated function, once its final `end` has been seen.
    pub(crate) fn finish(&mut self) -> Result<CompiledFunc, TranslateError> {
        if !self.done {
            return Err(internal("function body ended without its final `end`"));
        }
        // Constant slots go between the locals and the operand stack, whose
        // slots shift up accordingly. (Above the operand stack they would be
        // overwritten by callee frames, which start at the call's arguments.)
        let const_base = self.base;
        let num_consts = self.consts.len() as u32;
        if num_consts > 0 {
            for instr in &mut self.code {
                // Written as selects, not branches: which kind of slot comes
                // next is unpredictable.
                self.kinds.for_each_slot_mut(instr, |slot| {
                    let s = *slot;
                    let stack_shift = if s >= const_base { num_consts } else { 0 };
                    let shifted = s.wrapping_add(stack_shift);
                    let placed = const_base.wrapping_add(s.wrapping_sub(MAX_FRAME_SLOTS));
                    *slot = if s >= MAX_FRAME_SLOTS {
                        placed
                    } else {
                        shifted
                    };
                });
            }
        }
        let max_slots = (const_base + num_consts + self.max_height).max(self.num_results);
        self.sync_offsets()?;
        tails::duplicate_tails(
            &mut self.code,
            &mut self.offsets,
            &mut self.tail_scratch,
            &mut self.kinds,
        )?;
        fuse::fuse(&mut self.code, &mut self.pair_starts);
        accumulators::use_accumulators(&mut self.code, &mut self.acc_scratch, &mut self.kinds)
            .map_err(|_| out_of_memory())?;
        if self.may_fuse_peeks {
            fuse::fuse_latches_and_switches(&mut self.code);
        }
        CompiledFunc::new(
            &self.code,
            self.fuel,
            self.num_params,
            self.num_results,
            self.num_locals,
            &self.consts,
            const_base,
            max_slots,
            &mut self.kinds,
        )
        .map_err(|e| limit(format!("internal translator error: {e}")))
        .and_then(|f| {
            let offsets = OffsetTable::encode(&self.offsets, &mut self.offset_bytes)
                .ok_or_else(out_of_memory)?;
            Ok(f.with_offsets(offsets))
        })
    }

    /// Gives the instructions emitted since the last call the current
    /// operator's offset.
    #[inline(always)]
    fn sync_offsets(&mut self) -> Result<(), TranslateError> {
        if !self.track_offsets {
            return Ok(());
        }
        let len = self.code.len();
        if len > self.synced {
            if self.offsets.last().map(|r| r.1) != Some(self.offset) {
                self.push_offset_run()?;
            }
            self.synced = len;
        }
        Ok(())
    }

    /// Starts a run of instructions with the current operator's offset at
    /// the first instruction not yet synced.
    #[inline(always)]
    fn push_offset_run(&mut self) -> Result<(), TranslateError> {
        if self.offsets.len() == self.offsets.capacity() {
            reserve_one(&mut self.offsets)?;
        }
        self.offsets.push((self.synced as u32, self.offset));
        Ok(())
    }

    /// Removes the code from `len` on (its offsets go with it).
    pub(super) fn truncate_code(&mut self, len: usize) {
        self.code.truncate(len);
        self.synced = self.synced.min(len);
        while self
            .offsets
            .last()
            .is_some_and(|&(start, _)| start as usize >= len)
        {
            self.offsets.pop();
        }
    }

    /// The constant slot holding `value`, if one is left. Constant slots are
    /// written once per call by the frame setup (a copy, much cheaper than
    /// dispatching a `Const` instruction at every use).
    pub(super) fn const_slot(&mut self, value: u64) -> Option<u32> {
        let k = match self.consts.iter().position(|&c| c == value) {
            Some(k) => k,
            None if self.consts.len() < MAX_CONST_SLOTS => {
                self.consts.push(value);
                self.consts.len() - 1
            }
            None => return None,
        };
        Some(MAX_FRAME_SLOTS + k as u32)
    }

    /// Translates one operator of reachable code.
    #[inline(always)]
    fn visit(&mut self, op: &Operator<'_>) -> Result<(), TranslateError> {
        use Operator as O;
        match *op {
            O::Nop => Ok(()),
            O::Unreachable => self.visit_unreachable(),
            O::Block { blockty } => self.visit_block(blockty),
            O::Loop { blockty } => self.visit_loop(blockty),
            O::If { blockty } => self.visit_if(blockty),
            O::Else => self.visit_else(),
            O::End => self.visit_end(),
            O::Br { relative_depth } => self.visit_br(relative_depth),
            O::BrIf { relative_depth } => self.visit_br_if(relative_depth),
            O::BrTable { ref targets } => self.visit_br_table(targets),
            O::Return => self.visit_return(),
            O::Call { function_index } => self.visit_call(function_index),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.visit_call_indirect(type_index, table_index),
            O::Drop => self.visit_drop(),
            O::Select | O::TypedSelect { .. } => self.visit_select(),
            O::LocalGet { local_index } => self.visit_local_get(local_index),
            O::LocalSet { local_index } => self.visit_local_set(local_index, false),
            O::LocalTee { local_index } => self.visit_local_set(local_index, true),
            O::GlobalGet { global_index } => self.visit_global_get(global_index),
            O::GlobalSet { global_index } => self.visit_global_set(global_index),
            O::RefNull { .. } => self.push_const(0),
            O::RefIsNull => self.visit_ref_is_null(),
            O::RefFunc { function_index } => self.visit_ref_func(function_index),
            _ => {
                if self.visit_memory(op)? || self.visit_table(op)? || self.visit_numeric(op)? {
                    Ok(())
                } else {
                    Err(unsupported(op))
                }
            }
        }
    }
}

impl<'a> FuncSink<'a> for Translator<'_> {
    type Error = TranslateError;

    /// Inlined into the validator's per-operator call (see
    /// `wisp_validate`'s `visit.rs`), where `op`'s kind is a constant: the
    /// `match` in [`Translator::visit`] then reduces to that kind's arm.
    #[inline(always)]
    fn operator(&mut self, op: &Operator<'a>, facts: OpFacts) -> Result<(), TranslateError> {
        if self.done {
            return Err(internal("operator after the function's final `end`"));
        }
        self.offset = u32::try_from(facts.offset).unwrap_or(u32::MAX);
        let visited = if self.reachable {
            self.charge_fuel(1);
            self.visit(op)
        } else {
            self.visit_unreachable_code(op)
        };
        visited?;
        self.sync_offsets()
    }
}

/// Why translation failed: an [`Error`], boxed.
///
/// Every translator function returns `Result<_, TranslateError>`, which is
/// one pointer (null when `Ok`) and comes back in a register. An unboxed
/// `Error` is many words, which made every level of every operator's
/// translation return through memory and test a tag there.
#[derive(Debug)]
pub(crate) struct TranslateError(Box<Error>);

impl TranslateError {
    /// The error itself, for the caller of [`translate_module`].
    #[cold]
    fn into_error(self) -> Error {
        *self.0
    }
}

impl From<Error> for TranslateError {
    #[cold]
    fn from(error: Error) -> Self {
        TranslateError(Box::new(error))
    }
}

impl From<wisp_validate::ValidationError> for TranslateError {
    #[cold]
    fn from(error: wisp_validate::ValidationError) -> Self {
        Error::from(error).into()
    }
}

/// Makes room for one more element, or fails if memory is exhausted (the
/// cold half of a fallible push).
#[cold]
#[inline(never)]
fn reserve_one<T>(vec: &mut Vec<T>) -> Result<(), TranslateError> {
    vec.try_reserve(1).map_err(|_| out_of_memory())
}

/// An implementation limit of the interpreter, with what exceeded it.
#[cold]
#[inline(never)]
fn limit(what: alloc::string::String) -> TranslateError {
    Error::Limit(what).into()
}

/// A failed allocation of the translator's own buffers.
#[cold]
#[inline(never)]
fn out_of_memory() -> TranslateError {
    limit("out of memory".into())
}

/// An error for an operator the validator accepted but the interpreter does not implement.
#[cold]
#[inline(never)]
fn unsupported(op: &Operator<'_>) -> TranslateError {
    limit(format!("unsupported operator {op:?}"))
}

/// An error for a broken translator invariant (never expected on validated input).
#[cold]
#[inline(never)]
fn internal(what: &str) -> TranslateError {
    limit(format!("internal translator error: {what}"))
}

#[cfg(test)]
mod tests;
