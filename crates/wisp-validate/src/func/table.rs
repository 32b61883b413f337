//! Table and reference instructions (spec "Validation › Instructions ›
//! Table / Reference Instructions"): `table.get/set/size/grow/fill/copy/init`,
//! `elem.drop`, `ref.null`, `ref.is_null`, `ref.func`.

use alloc::format;

use wisp_core::{RefType, ValType};
use wisp_decode::wasmparser::HeapType;

use super::{FuncValidator, Result};
use crate::types;

const I32: ValType = ValType::I32;

impl FuncValidator<'_> {
    pub(super) fn visit_table_get(&mut self, table: u32) -> Result<()> {
        let t = self.table_elem(table)?;
        self.pop_expect(I32)?;
        self.push_operand(Some(ValType::Ref(t)));
        Ok(())
    }

    pub(super) fn visit_table_set(&mut self, table: u32) -> Result<()> {
        let t = self.table_elem(table)?;
        self.pop_expect(ValType::Ref(t))?;
        self.pop_expect(I32)?;
        Ok(())
    }

    pub(super) fn visit_table_size(&mut self, table: u32) -> Result<()> {
        self.table_elem(table)?;
        self.push_operand(Some(I32));
        Ok(())
    }

    pub(super) fn visit_table_grow(&mut self, table: u32) -> Result<()> {
        let t = self.table_elem(table)?;
        self.pop_operands(&[ValType::Ref(t), I32])?;
        self.push_operand(Some(I32));
        Ok(())
    }

    pub(super) fn visit_table_fill(&mut self, table: u32) -> Result<()> {
        let t = self.table_elem(table)?;
        self.pop_operands(&[I32, ValType::Ref(t), I32])
    }

    pub(super) fn visit_elem_drop(&mut self, elem_index: u32) -> Result<()> {
        self.elem(elem_index).map(|_| ())
    }

    pub(super) fn visit_ref_null(&mut self, hty: HeapType) -> Result<()> {
        let t = types::heap_type(hty, self.offset)?;
        self.push_operand(Some(ValType::Ref(t)));
        Ok(())
    }

    pub(super) fn visit_ref_is_null(&mut self) -> Result<()> {
        self.pop_ref()?;
        self.push_operand(Some(I32));
        Ok(())
    }

    /// The element type of table `table`.
    fn table_elem(&self, table: u32) -> Result<RefType> {
        self.ctx
            .table(table)
            .map(|t| t.element)
            .ok_or_else(|| self.error(format!("unknown table {table}")))
    }

    /// The reference type of element segment `elem`.
    fn elem(&self, elem: u32) -> Result<RefType> {
        self.ctx
            .element_type(elem)
            .ok_or_else(|| self.error(format!("unknown elem segment {elem}")))
    }

    pub(super) fn visit_table_copy(&mut self, dst: u32, src: u32) -> Result<()> {
        let dst_ty = self.table_elem(dst)?;
        let src_ty = self.table_elem(src)?;
        if dst_ty != src_ty {
            return Err(self.error(format!(
                "type mismatch: table.copy from a {src_ty} table to a {dst_ty} table"
            )));
        }
        self.pop_operands(&[I32, I32, I32])
    }

    pub(super) fn visit_table_init(&mut self, elem: u32, table: u32) -> Result<()> {
        let table_ty = self.table_elem(table)?;
        let elem_ty = self.elem(elem)?;
        if table_ty != elem_ty {
            return Err(self.error(format!(
                "type mismatch: table.init of a {elem_ty} segment into a {table_ty} table"
            )));
        }
        self.pop_operands(&[I32, I32, I32])
    }

    /// `ref.func x`: `x` must exist and be declared outside function bodies.
    pub(super) fn visit_ref_func(&mut self, func: u32) -> Result<()> {
        if func >= self.ctx.num_funcs() {
            return Err(self.error(format!("unknown function {func}")));
        }
        if !self.ctx.is_declared(func) {
            return Err(self.error(format!("undeclared function reference {func}")));
        }
        self.push_operand(Some(ValType::FUNCREF));
        Ok(())
    }
}
