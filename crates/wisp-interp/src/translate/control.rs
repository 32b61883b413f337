//! Structured control flow lowered to jumps: blocks, loops, `if`/`else`,
//! branches (with compare fusion), `br_table`, returns, unreachable code, and
//! the fuel checks (function entry, loop headers, `if` arms; the code after
//! an `end` is paid for where its construct opened).
//!
//! Labels: a loop's label is its header, known when branches to it are
//! emitted. A block's or `if`'s label is its end, so branches to it are
//! emitted with an unresolved target; they are threaded into a list through
//! their own target fields (`Ctrl::branches` is the head, `NO_BRANCH` ends
//! it) and patched when the `end` is reached.
//!
//! Values carried to a label go to the label's canonical slots: the slots of
//! heights `height..height + arity` of the frame's entry height. A branch
//! whose values are already there (the common case) is a single jump.

use alloc::collections::BTreeMap;

use wisp_core::TrapCode;
use wisp_decode::wasmparser::{BlockType, BrTable, Operator};

use super::{TranslateError, out_of_memory};
use crate::ir::{Cmp, Compare, Instr, IntWidth, Rhs, Target};

use super::stack::{Operand, Producer, const_instr};
use super::{Translator, internal};

/// Terminates a list of unresolved branches.
pub(super) const NO_BRANCH: Target = Target::MAX;

/// One entry of the control stack.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ctrl {
    pub kind: CtrlKind,
    /// Operand stack height at entry, below the parameters: the label's values
    /// go to the canonical slots of heights `height..`.
    pub height: u32,
    pub params: u32,
    pub results: u32,
    /// Head of the list of unresolved branches to this frame's end.
    pub branches: Target,
    /// Entered in unreachable code: nothing inside is translated.
    pub dead: bool,
    /// The fuel check that pays for the code after this frame's `end`: the
    /// one current where the frame opened (see `docs/bytecode.md`, "Fuel").
    pub payer: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CtrlKind {
    /// The function body; branching to it returns.
    Func,
    Block,
    Loop {
        header: Target,
    },
    /// An `if` before its `else`; `to_else` is the branch taken when the
    /// condition is false.
    If {
        to_else: Target,
    },
    /// An `if` after its `else`.
    Else,
}

impl Ctrl {
    /// Number of values a branch to this frame carries.
    fn label_arity(&self) -> u32 {
        match self.kind {
            CtrlKind::Loop { .. } => self.params,
            _ => self.results,
        }
    }
}

impl Translator<'_> {
    /// Pushes the function's own frame and starts its first fuel block.
    pub(super) fn enter_function(&mut self) {
        self.ctrl.push(Ctrl {
            kind: CtrlKind::Func,
            height: 0,
            params: 0,
            results: self.num_results,
            branches: NO_BRANCH,
            dead: false,
            payer: None,
        });
        // Cannot fail: the code is empty.
        let _ = self.start_fuel_block();
        self.entry_block = true;
    }

    /// Starts a basic block that pays for itself (the function's entry, a
    /// loop header, an `if` arm): emits its fuel check when fuel is on.
    fn start_fuel_block(&mut self) -> Result<(), TranslateError> {
        self.start_block();
        if self.fuel {
            let at = self.emit(Instr::ConsumeFuel { amount: 0 })?;
            self.fuel_at = Some(at);
        }
        Ok(())
    }

    /// Starts a basic block that was paid for in advance by the fuel check
    /// `payer` (the code after an `end`): no check of its own.
    fn continue_fuel_block(&mut self, payer: Option<usize>) {
        self.start_block();
        self.fuel_at = payer;
    }

    /// Starts a basic block: a label may point here, and the entry block
    /// is over.
    fn start_block(&mut self) {
        self.mark_label();
        self.entry_block = false;
    }

    /// Notes that a label may point at the next instruction: nothing emitted
    /// before may be fused or merged with what follows.
    fn mark_label(&mut self) {
        self.last = None;
        self.block_start = self.code.len();
    }

    /// Adds `units` to the charge of the fuel check paying for the code
    /// being translated.
    pub(super) fn charge_fuel(&mut self, units: u32) {
        if let Some(Instr::ConsumeFuel { amount }) = self.fuel_at.and_then(|i| self.code.get_mut(i))
        {
            *amount = amount.saturating_add(units);
        }
    }

    /// Marks the following code unreachable (after `br`, `return`, ...).
    fn set_unreachable(&mut self) {
        self.reachable = false;
        self.last = None;
    }

    /// Resolves the list of branches starting at `head` to `here`.
    fn patch_branches(&mut self, mut head: Target, here: Target) -> Result<(), TranslateError> {
        while head != NO_BRANCH {
            let target = self
                .code
                .get_mut(head as usize)
                .and_then(Instr::branch_target_mut)
                .ok_or_else(|| internal("branch list through a non-branch"))?;
            head = core::mem::replace(target, here);
        }
        Ok(())
    }

    /// Parameter and result counts of a block type.
    fn block_arity(&self, ty: BlockType) -> Result<(u32, u32), TranslateError> {
        match ty {
            BlockType::Empty => Ok((0, 0)),
            BlockType::Type(_) => Ok((0, 1)),
            BlockType::FuncType(index) => {
                let ty = self
                    .module
                    .types
                    .get(index as usize)
                    .ok_or_else(|| internal("block type index out of range"))?;
                Ok((ty.params().len() as u32, ty.results().len() as u32))
            }
        }
    }

    /// The control frame `depth` levels out, as an index into `self.ctrl`.
    fn frame_index(&self, depth: u32) -> Result<usize, TranslateError> {
        (self.ctrl.len())
            .checked_sub(1 + depth as usize)
            .ok_or_else(|| internal("branch depth out of range"))
    }

    /// Opens a frame: every lazy `Local` operand and the parameters are
    /// materialized first, so nothing inside the frame materializes them.
    fn open_frame(
        &mut self,
        kind: CtrlKind,
        params: u32,
        results: u32,
        payer: Option<usize>,
    ) -> Result<(), TranslateError> {
        self.materialize_all_locals()?;
        self.materialize_top(params)?;
        self.last = None;
        let height = self
            .height()
            .checked_sub(params)
            .ok_or_else(|| internal("block parameters missing"))?;
        self.ctrl.push(Ctrl {
            kind,
            height,
            params,
            results,
            branches: NO_BRANCH,
            dead: false,
            payer,
        });
        Ok(())
    }

    pub(super) fn visit_block(&mut self, ty: BlockType) -> Result<(), TranslateError> {
        let (params, results) = self.block_arity(ty)?;
        self.open_frame(CtrlKind::Block, params, results, self.fuel_at)
    }

    pub(super) fn visit_loop(&mut self, ty: BlockType) -> Result<(), TranslateError> {
        let (params, results) = self.block_arity(ty)?;
        // Materialize before taking the header, so the copies run once.
        self.materialize_all_locals()?;
        self.materialize_top(params)?;
        let header = self.next_index();
        let payer = self.fuel_at;
        self.start_fuel_block()?;
        self.open_frame(CtrlKind::Loop { header }, params, results, payer)
    }

    pub(super) fn visit_if(&mut self, ty: BlockType) -> Result<(), TranslateError> {
        let cond = self.pop_condition()?;
        let (params, results) = self.block_arity(ty)?;
        // Materialize before the branch: both arms see the same slots.
        self.materialize_all_locals()?;
        self.materialize_top(params)?;
        let to_else = self.emit(cond.negate().branch(NO_BRANCH))? as Target;
        self.open_frame(CtrlKind::If { to_else }, params, results, self.fuel_at)?;
        self.start_fuel_block()
    }

    pub(super) fn visit_else(&mut self) -> Result<(), TranslateError> {
        let frame = *self
            .ctrl
            .last()
            .ok_or_else(|| internal("else without if"))?;
        let CtrlKind::If { to_else } = frame.kind else {
            return Err(internal("else without if"));
        };
        if self.reachable {
            // The then-arm falls through: its results go to the label's slots.
            self.materialize_top(frame.results)?;
            let at = self.emit(Instr::Br {
                target: frame.branches,
            })?;
            if let Some(f) = self.ctrl.last_mut() {
                f.branches = at as Target;
            }
        }
        let here = self.next_index();
        self.patch_branches(to_else, here)?;
        self.start_fuel_block()?;
        self.truncate(frame.height);
        // The parameters were materialized on entry and are still in place.
        self.push_temps(frame.params)?;
        if let Some(f) = self.ctrl.last_mut() {
            f.kind = CtrlKind::Else;
        }
        self.reachable = true;
        Ok(())
    }

    pub(super) fn visit_end(&mut self) -> Result<(), TranslateError> {
        let frame = self
            .ctrl
            .pop()
            .ok_or_else(|| internal("end without a frame"))?;
        match frame.kind {
            CtrlKind::Func => {
                if self.reachable {
                    self.emit_return()?;
                }
                self.done = true;
                return Ok(());
            }
            CtrlKind::Loop { .. } => {
                // Not a branch target: falling through keeps the values lazy.
                // The code after the loop was paid for before it, so that
                // iterations are not charged for it.
                if self.reachable {
                    self.continue_fuel_block(frame.payer);
                } else {
                    self.reset_to(frame.height, frame.results)?;
                }
                return Ok(());
            }
            CtrlKind::Block if frame.branches == NO_BRANCH => {
                if !self.reachable {
                    self.reset_to(frame.height, frame.results)?;
                }
                return Ok(());
            }
            CtrlKind::Block | CtrlKind::If { .. } | CtrlKind::Else => {}
        }
        if self.reachable {
            self.materialize_top(frame.results)?;
        }
        let here = self.next_index();
        let mut reachable = self.reachable || frame.branches != NO_BRANCH;
        if let CtrlKind::If { to_else } = frame.kind {
            // No `else`: a false condition falls through with the parameters,
            // which are (validation guarantees) the results, already in place.
            self.patch_branches(to_else, here)?;
            reachable = true;
        }
        self.patch_branches(frame.branches, here)?;
        if reachable {
            self.continue_fuel_block(frame.payer);
        }
        self.reset_to(frame.height, frame.results)?;
        self.reachable = reachable;
        Ok(())
    }

    /// Resets the stack to `height` plus `results` temporaries in their canonical slots.
    fn reset_to(&mut self, height: u32, results: u32) -> Result<(), TranslateError> {
        self.truncate(height);
        self.push_temps(results)
    }

    /// Translates an operator of unreachable code: only the nesting matters.
    #[inline(always)]
    pub(super) fn visit_unreachable_code(
        &mut self,
        op: &Operator<'_>,
    ) -> Result<(), TranslateError> {
        let innermost_dead = self.ctrl.last().is_some_and(|f| f.dead);
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.ctrl.push(Ctrl {
                    kind: CtrlKind::Block,
                    height: self.height(),
                    params: 0,
                    results: 0,
                    branches: NO_BRANCH,
                    dead: true,
                    payer: None,
                });
                Ok(())
            }
            Operator::Else if !innermost_dead => self.visit_else(),
            Operator::End if !innermost_dead => self.visit_end(),
            Operator::End => {
                self.ctrl.pop();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Pops a branch condition. When the last instruction computed it with an
    /// integer comparison, that instruction is removed and the comparison
    /// returned, to be fused into the branch.
    fn pop_condition(&mut self) -> Result<Compare, TranslateError> {
        if let Some(last) = self.last_at(self.height().saturating_sub(1))
            && let Producer::Compare(cmp) = last.producer
        {
            self.unemit(last);
            self.pop()?;
            return Ok(cmp);
        }
        let a = self.pop_slot()?;
        Ok(Compare {
            width: IntWidth::I32,
            cmp: Cmp::Ne,
            a,
            rhs: Rhs::Imm(0),
        })
    }

    /// Emits the return sequence: the top `num_results` operands become the
    /// results. The virtual stack is left as is (it may be a conditional return).
    fn emit_return(&mut self) -> Result<(), TranslateError> {
        let n = self.num_results;
        let h = self.height();
        let instr = match n {
            0 => Instr::Return,
            1 => match self.stack.last() {
                Some(Operand::Temp) => Instr::Return1 {
                    src: self.slot(h - 1),
                },
                Some(&Operand::Local(x)) => Instr::Return1 { src: x },
                Some(&Operand::Const(c)) => match u32::try_from(c) {
                    Ok(value) => Instr::ReturnImm32 { value },
                    Err(_) => {
                        // The constant's own slot holds nothing live.
                        let src = self.slot(h - 1);
                        self.emit(const_instr(src, c))?;
                        Instr::Return1 { src }
                    }
                },
                None => return Err(internal("return value missing")),
            },
            _ => {
                let first = h
                    .checked_sub(n)
                    .ok_or_else(|| internal("return values missing"))?;
                self.copy_top_to(first, n)?;
                Instr::ReturnSpan {
                    src: self.slot(first),
                    len: n,
                }
            }
        };
        self.emit(instr)?;
        Ok(())
    }

    /// Emits an unconditional branch to frame `index`: copies of the carried
    /// values, then a jump (or a return, for the function frame).
    fn branch_to(&mut self, index: usize) -> Result<(), TranslateError> {
        let frame = self.ctrl[index];
        match frame.kind {
            CtrlKind::Func => self.emit_return(),
            CtrlKind::Loop { header } => {
                self.copy_top_to(frame.height, frame.params)?;
                self.emit(Instr::Br { target: header })?;
                Ok(())
            }
            _ => {
                self.copy_top_to(frame.height, frame.results)?;
                let at = self.emit(Instr::Br {
                    target: frame.branches,
                })?;
                self.ctrl[index].branches = at as Target;
                Ok(())
            }
        }
    }

    /// Whether a branch to frame `index` is a bare jump (no copies, no return).
    fn is_plain_jump(&self, index: usize) -> bool {
        let frame = &self.ctrl[index];
        frame.kind != CtrlKind::Func && self.top_in_place(frame.height, frame.label_arity())
    }

    pub(super) fn visit_br(&mut self, depth: u32) -> Result<(), TranslateError> {
        let index = self.frame_index(depth)?;
        self.branch_to(index)?;
        self.set_unreachable();
        Ok(())
    }

    pub(super) fn visit_br_if(&mut self, depth: u32) -> Result<(), TranslateError> {
        let cond = self.pop_condition()?;
        let index = self.frame_index(depth)?;
        if !self.is_plain_jump(index) {
            // if !cond { skip } ; copies ; jump-or-return ; skip:
            let skip = self.emit(cond.negate().branch(NO_BRANCH))? as Target;
            self.branch_to(index)?;
            let here = self.next_index();
            self.mark_label();
            return self.patch_branches(skip, here);
        }
        let frame = self.ctrl[index];
        match frame.kind {
            CtrlKind::Loop { header } => {
                self.emit(cond.branch(header))?;
            }
            _ => {
                let at = self.emit(cond.branch(frame.branches))?;
                self.ctrl[index].branches = at as Target;
            }
        }
        Ok(())
    }

    pub(super) fn visit_br_table(&mut self, table: &BrTable<'_>) -> Result<(), TranslateError> {
        self.may_fuse_peeks = true;
        let index = self.pop_slot()?;
        let mut depths = core::mem::take(&mut self.br_targets);
        depths.clear();
        for depth in table.targets() {
            let depth = depth.map_err(|e| internal(&alloc::format!("br_table: {e}")))?;
            depths.try_reserve(1).map_err(|_| out_of_memory())?;
            depths.push(depth);
        }
        depths.push(table.default());
        let result = self.emit_br_table(index, &depths);
        self.br_targets = depths;
        result?;
        self.set_unreachable();
        Ok(())
    }

    /// `BrTable` then one `Br` entry per target; entries whose branch needs
    /// copies or returns go through a trampoline emitted after the table
    /// (one per distinct target frame).
    fn emit_br_table(
        &mut self,
        index: crate::ir::Slot,
        depths: &[u32],
    ) -> Result<(), TranslateError> {
        let len = depths.len() as u32 - 1;
        self.emit(Instr::BrTable { index, len })?;
        let first_entry = self.next_index();
        for _ in depths {
            self.emit(Instr::Br { target: NO_BRANCH })?;
        }
        let mut needs_trampoline = BTreeMap::new();
        for (i, &depth) in depths.iter().enumerate() {
            let entry = first_entry + i as u32;
            let frame_index = self.frame_index(depth)?;
            if !self.is_plain_jump(frame_index) {
                needs_trampoline.insert(frame_index, NO_BRANCH);
                continue;
            }
            let frame = self.ctrl[frame_index];
            let target = match frame.kind {
                CtrlKind::Loop { header } => header,
                _ => {
                    self.ctrl[frame_index].branches = entry;
                    frame.branches
                }
            };
            self.code[entry as usize] = Instr::Br { target };
        }
        if needs_trampoline.is_empty() {
            return Ok(());
        }
        for (&frame_index, trampoline) in needs_trampoline.iter_mut() {
            self.mark_label();
            *trampoline = self.next_index();
            self.branch_to(frame_index)?;
        }
        for (i, &depth) in depths.iter().enumerate() {
            let frame_index = self.frame_index(depth)?;
            if let Some(&target) = needs_trampoline.get(&frame_index) {
                self.code[first_entry as usize + i] = Instr::Br { target };
            }
        }
        Ok(())
    }

    pub(super) fn visit_return(&mut self) -> Result<(), TranslateError> {
        self.emit_return()?;
        self.set_unreachable();
        Ok(())
    }

    pub(super) fn visit_unreachable(&mut self) -> Result<(), TranslateError> {
        self.emit(Instr::Trap(TrapCode::Unreachable))?;
        self.set_unreachable();
        Ok(())
    }
}
