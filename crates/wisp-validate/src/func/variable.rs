//! Parametric and variable instructions (spec "Validation › Instructions ›
//! Parametric / Variable Instructions"): `drop`, `select` (untyped and
//! typed), `local.get/set/tee`, `global.get/set`.

use alloc::format;
use alloc::vec::Vec;

use wisp_core::ValType;
use wisp_decode::wasmparser::ValType as WpValType;

use super::{FuncValidator, Result};
use crate::features;
use crate::types;

impl FuncValidator<'_> {
    #[inline(always)]
    pub(super) fn visit_drop(&mut self) -> Result<()> {
        self.pop_operand().map(|_| ())
    }

    /// `select t*` with other than one type: parsed, but never valid.
    pub(super) fn visit_typed_select_multi(&mut self, tys: Vec<WpValType>) -> Result<()> {
        Err(self.error(format!(
            "invalid result arity: typed select must have exactly one type, found {}",
            tys.len()
        )))
    }

    #[inline(always)]
    pub(super) fn visit_local_get(&mut self, index: u32) -> Result<()> {
        let t = self.local(index)?;
        self.push_operand(Some(t));
        Ok(())
    }

    #[inline(always)]
    pub(super) fn visit_local_set(&mut self, index: u32) -> Result<()> {
        let t = self.local(index)?;
        self.pop_expect(t)?;
        Ok(())
    }

    #[inline(always)]
    pub(super) fn visit_local_tee(&mut self, index: u32) -> Result<()> {
        let t = self.local(index)?;
        self.pop_expect(t)?;
        self.push_operand(Some(t));
        Ok(())
    }

    /// Untyped `select`: both operands numeric (or unknown) and equal.
    #[inline(always)]
    pub(super) fn visit_select(&mut self) -> Result<()> {
        self.pop_expect(ValType::I32)?;
        let t1 = self.pop_operand()?;
        let t2 = self.pop_operand()?;
        let numeric = |t: Option<ValType>| t.is_none_or(ValType::is_num);
        if !numeric(t1) || !numeric(t2) {
            return Err(self
                .error("type mismatch: select without a type annotation needs numeric operands"));
        }
        if let (Some(a), Some(b)) = (t1, t2)
            && a != b
        {
            return Err(self.error(format!(
                "type mismatch: select operands have different types {b} and {a}"
            )));
        }
        self.push_operand(t1.or(t2));
        Ok(())
    }

    /// `select t`: any value type, given explicitly.
    pub(super) fn visit_typed_select(&mut self, ty: WpValType) -> Result<()> {
        let ty = types::val_type(ty, self.offset)?;
        features::require_val_type(&self.ctx.features, ty, self.offset)?;
        self.pop_expect(ValType::I32)?;
        self.pop_expect(ty)?;
        self.pop_expect(ty)?;
        self.push_operand(Some(ty));
        Ok(())
    }

    #[inline(always)]
    fn local(&self, index: u32) -> Result<ValType> {
        self.locals
            .get(index as usize)
            .copied()
            .ok_or_else(|| self.error(format!("unknown local {index}")))
    }

    #[inline(always)]
    pub(super) fn visit_global_get(&mut self, index: u32) -> Result<()> {
        let Some(global) = self.ctx.global(index) else {
            return Err(self.error(format!("unknown global {index}")));
        };
        self.push_operand(Some(global.content));
        Ok(())
    }

    #[inline(always)]
    pub(super) fn visit_global_set(&mut self, index: u32) -> Result<()> {
        let Some(global) = self.ctx.global(index).copied() else {
            return Err(self.error(format!("unknown global {index}")));
        };
        if !global.is_mutable() {
            return Err(self.error(format!("global is immutable: global {index}")));
        }
        self.pop_expect(global.content)?;
        Ok(())
    }
}
