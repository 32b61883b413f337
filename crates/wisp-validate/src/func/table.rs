//! Table and reference instructions (spec "Validation › Instructions ›
//! Table / Reference Instructions"): `table.get/set/size/grow/fill/copy/init`,
//! `elem.drop`, `ref.null`, `ref.is_null`, `ref.func`.

use alloc::format;

use wisp_core::{RefType, ValType};
use wisp_decode::wasmparser::Operator;

use super::FuncValidator;
use crate::error::Result;
use crate::types;

const I32: ValType = ValType::I32;

impl FuncValidator<'_> {
    /// Validates `op` if it is a table or reference instruction.
    pub(super) fn table(&mut self, op: &Operator<'_>) -> Option<Result<()>> {
        use Operator as O;
        Some(match op {
            O::TableGet { table } => self.table_elem(*table).and_then(|t| {
                self.pop_expect(I32)?;
                self.push_operand(Some(ValType::Ref(t)));
                Ok(())
            }),
            O::TableSet { table } => self.table_elem(*table).and_then(|t| {
                self.pop_expect(ValType::Ref(t))?;
                self.pop_expect(I32)?;
                Ok(())
            }),
            O::TableSize { table } => self.table_elem(*table).map(|_| {
                self.push_operand(Some(I32));
            }),
            O::TableGrow { table } => self.table_elem(*table).and_then(|t| {
                self.pop_operands(&[ValType::Ref(t), I32])?;
                self.push_operand(Some(I32));
                Ok(())
            }),
            O::TableFill { table } => self
                .table_elem(*table)
                .and_then(|t| self.pop_operands(&[I32, ValType::Ref(t), I32])),
            O::TableCopy {
                dst_table,
                src_table,
            } => self.visit_table_copy(*dst_table, *src_table),
            O::TableInit { elem_index, table } => self.visit_table_init(*elem_index, *table),
            O::ElemDrop { elem_index } => self.elem(*elem_index).map(|_| ()),
            O::RefNull { hty } => types::heap_type(*hty, self.offset).map(|t| {
                self.push_operand(Some(ValType::Ref(t)));
            }),
            O::RefIsNull => self.pop_ref().map(|_| {
                self.push_operand(Some(I32));
            }),
            O::RefFunc { function_index } => self.visit_ref_func(*function_index),
            _ => return None,
        })
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

    fn visit_table_copy(&mut self, dst: u32, src: u32) -> Result<()> {
        let dst_ty = self.table_elem(dst)?;
        let src_ty = self.table_elem(src)?;
        if dst_ty != src_ty {
            return Err(self.error(format!(
                "type mismatch: table.copy from a {src_ty} table to a {dst_ty} table"
            )));
        }
        self.pop_operands(&[I32, I32, I32])
    }

    fn visit_table_init(&mut self, elem: u32, table: u32) -> Result<()> {
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
    fn visit_ref_func(&mut self, func: u32) -> Result<()> {
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
