//! Control instructions (spec "Validation › Instructions › Control
//! Instructions"): `unreachable`, `nop`, `block`, `loop`, `if`, `else`,
//! `end`, `br`, `br_if`, `br_table`, `return`, `call`, `call_indirect`.

use alloc::format;

use wisp_core::{RefType, ValType};
use wisp_decode::wasmparser::{BlockType, BrTable};

use super::{BlockSig, FrameKind, FuncValidator, Result};
use crate::error::ValidationError;
use crate::features::{self, Proposal};
use crate::types;

impl FuncValidator<'_> {
    #[inline(always)]
    pub(super) fn visit_unreachable(&mut self) -> Result<()> {
        self.unreachable()
    }

    #[inline(always)]
    pub(super) fn visit_nop(&mut self) -> Result<()> {
        Ok(())
    }

    #[inline(always)]
    pub(super) fn visit_block(&mut self, blockty: BlockType) -> Result<()> {
        self.enter_block(FrameKind::Block, blockty)
    }

    #[inline(always)]
    pub(super) fn visit_loop(&mut self, blockty: BlockType) -> Result<()> {
        self.enter_block(FrameKind::Loop, blockty)
    }

    #[inline(always)]
    pub(super) fn visit_if(&mut self, blockty: BlockType) -> Result<()> {
        self.pop_expect(ValType::I32)?;
        self.enter_block(FrameKind::If, blockty)
    }

    /// Resolves a block type, gating multi-value and reference types.
    fn block_sig(&self, blockty: BlockType) -> Result<BlockSig> {
        let features = &self.ctx.features;
        match blockty {
            BlockType::Empty => Ok(BlockSig::Empty),
            BlockType::Type(ty) => {
                let ty = types::val_type(ty, self.offset)?;
                features::require_val_type(features, ty, self.offset)?;
                Ok(BlockSig::Value(ty))
            }
            BlockType::FuncType(index) => {
                features::require(
                    features,
                    Proposal::MultiValue,
                    "type-indexed block type",
                    self.offset,
                )?;
                if self.ctx.type_at(index).is_none() {
                    return Err(self.error(format!("unknown type {index}")));
                }
                Ok(BlockSig::Type(index))
            }
        }
    }

    /// `block`, `loop` and (after its condition) `if`: pop the params, enter.
    #[inline(always)]
    fn enter_block(&mut self, kind: FrameKind, blockty: BlockType) -> Result<()> {
        if matches!(blockty, BlockType::Empty) {
            return self.push_ctrl(kind, BlockSig::Empty);
        }
        let sig = self.block_sig(blockty)?;
        self.pop_operands(self.start_types(sig))?;
        self.push_ctrl(kind, sig)
    }

    #[inline(always)]
    pub(super) fn visit_else(&mut self) -> Result<()> {
        let frame = self.pop_ctrl()?;
        if frame.kind != FrameKind::If {
            return Err(self.error("else found outside an if block"));
        }
        self.push_ctrl(FrameKind::Else, frame.sig)
    }

    #[inline(always)]
    pub(super) fn visit_end(&mut self) -> Result<()> {
        let frame = self.pop_ctrl()?;
        // An `if` without `else` has an implicit empty else branch, which
        // must turn the params into the results unchanged.
        if frame.kind == FrameKind::If && self.start_types(frame.sig) != self.end_types(frame.sig) {
            return Err(self.error(
                "type mismatch: if without else must have matching param and result types",
            ));
        }
        self.push_operands(self.end_types(frame.sig));
        Ok(())
    }

    #[inline(always)]
    pub(super) fn visit_br(&mut self, depth: u32) -> Result<()> {
        let frame = self.frame_at(depth)?;
        self.pop_operands(self.label_types(&frame))?;
        self.unreachable()
    }

    #[inline(always)]
    pub(super) fn visit_br_if(&mut self, depth: u32) -> Result<()> {
        let frame = self.frame_at(depth)?;
        self.pop_expect(ValType::I32)?;
        let types = self.label_types(&frame);
        self.pop_push_operands(types)
    }

    /// `br_table`: every target must have the default's arity, and the
    /// operands must match every target's label types.
    ///
    /// Targets whose frame has the same signature and kind as one already
    /// checked are skipped: the check depends only on the label types, so a
    /// table of a million entries costs a million cheap comparisons.
    pub(super) fn visit_br_table(&mut self, targets: BrTable<'_>) -> Result<()> {
        self.pop_expect(ValType::I32)?;
        let default = self.frame_at(targets.default())?;
        let default_types = self.label_types(&default);
        let arity = default_types.len();
        self.check_operands(default_types)?;
        let key = |f: &super::CtrlFrame| (f.kind == FrameKind::Loop, f.sig);
        let default_key = key(&default);
        let mut last_key = default_key;
        for target in targets.targets() {
            let depth = target.map_err(|e| ValidationError::from_reader(&e))?;
            let frame = self.frame_at(depth)?;
            let k = key(&frame);
            if k == default_key || k == last_key {
                continue;
            }
            let types = self.label_types(&frame);
            if types.len() != arity {
                return Err(self.error(format!(
                    "type mismatch: br_table target {depth} has arity {}, the default has {arity}",
                    types.len()
                )));
            }
            self.check_operands(types)?;
            last_key = k;
        }
        self.unreachable()
    }

    #[inline(always)]
    pub(super) fn visit_return(&mut self) -> Result<()> {
        let Some(body) = self.frames.first().copied() else {
            return Err(self.error("return outside a function"));
        };
        self.pop_operands(self.end_types(body.sig))?;
        self.unreachable()
    }

    #[inline(always)]
    pub(super) fn visit_call(&mut self, func: u32) -> Result<()> {
        let ctx = self.ctx;
        let Some(ty) = ctx.func_type(func) else {
            return Err(self.error(format!("unknown function {func}")));
        };
        self.pop_operands(ty.params())?;
        self.push_operands(ty.results());
        Ok(())
    }

    pub(super) fn visit_call_indirect(&mut self, type_index: u32, table: u32) -> Result<()> {
        let ctx = self.ctx;
        let Some(table_ty) = ctx.table(table) else {
            return Err(self.error(format!("unknown table {table}")));
        };
        if table_ty.element != RefType::FuncRef {
            return Err(self.error(format!(
                "type mismatch: call_indirect needs a funcref table, table {table} holds {}",
                table_ty.element
            )));
        }
        let Some(ty) = ctx.type_at(type_index) else {
            return Err(self.error(format!("unknown type {type_index}")));
        };
        self.pop_expect(ValType::I32)?;
        self.pop_operands(ty.params())?;
        self.push_operands(ty.results());
        Ok(())
    }
}
