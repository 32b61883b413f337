//! Calls: arguments are materialized into the top canonical slots, and the
//! callee's frame starts at the first of them (zero-copy argument passing);
//! the callee leaves its results in its slots `0..n`, which are exactly the
//! caller's canonical slots for them.

use super::TranslateError;
use crate::ir::Instr;

use super::{Translator, internal};

impl Translator<'_> {
    /// Parameter and result counts of module type `type_index`.
    fn type_arity(&self, type_index: u32) -> Result<(u32, u32), TranslateError> {
        let ty = self
            .module
            .types
            .get(type_index as usize)
            .ok_or_else(|| internal("type index out of range"))?;
        Ok((ty.params().len() as u32, ty.results().len() as u32))
    }

    /// Materializes and pops `params` arguments; returns the slot of the first.
    fn take_args(&mut self, params: u32) -> Result<u32, TranslateError> {
        self.materialize_top(params)?;
        let first = self
            .height()
            .checked_sub(params)
            .ok_or_else(|| internal("call arguments missing"))?;
        self.truncate(first);
        Ok(self.slot(first))
    }

    pub(super) fn visit_call(&mut self, func: u32) -> Result<(), TranslateError> {
        let type_index = *self
            .func_types
            .get(func as usize)
            .ok_or_else(|| internal("function index out of range"))?;
        let (params, results) = self.type_arity(type_index)?;
        let args = self.take_args(params)?;
        let instr = if func < self.module.num_imported.funcs {
            Instr::CallImported { func, args }
        } else {
            Instr::CallInternal { func, args }
        };
        self.emit(instr)?;
        self.push_temps(results)
    }

    pub(super) fn visit_call_indirect(
        &mut self,
        type_index: u32,
        table: u32,
    ) -> Result<(), TranslateError> {
        let (params, results) = self.type_arity(type_index)?;
        let index = self.pop_slot()?;
        let args = self.take_args(params)?;
        self.emit(Instr::CallIndirect {
            type_index,
            index,
            args,
        })?;
        self.emit(Instr::CallIndirectTable { table })?;
        self.push_temps(results)
    }
}
