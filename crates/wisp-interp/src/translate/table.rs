//! Tables: `table.*` and `elem.drop`. Bulk operands are materialized into
//! consecutive canonical slots and named by the first.

use wisp_decode::wasmparser::Operator;

use super::TranslateError;
use crate::ir::Instr;

use super::Translator;

impl Translator<'_> {
    /// Translates a table operator; returns `false` if `op` is not one.
    #[inline(always)]
    pub(super) fn visit_table(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        use Operator as O;
        match *op {
            O::TableGet { table } => {
                let index = self.pop_slot()?;
                self.push_value(|dst| Instr::TableGet { dst, index, table })?;
            }
            O::TableSet { table } => {
                let value = self.pop_slot()?;
                let index = self.pop_slot()?;
                self.emit(Instr::TableSet {
                    index,
                    value,
                    table,
                })?;
            }
            O::TableSize { table } => {
                self.push_value(|dst| Instr::TableSize { dst, table })?;
            }
            O::TableGrow { table } => {
                let args = self.take_bulk_args(2)?;
                self.emit(Instr::TableGrow { args, table })?;
                // The result is written over the first argument's slot.
                self.push_temps(1)?;
            }
            O::TableFill { table } => {
                let args = self.take_bulk_args(3)?;
                self.emit(Instr::TableFill { args, table })?;
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let args = self.take_bulk_args(3)?;
                self.emit(Instr::TableCopy {
                    args,
                    dst_table,
                    src_table,
                })?;
            }
            O::TableInit { elem_index, table } => {
                let args = self.take_bulk_args(3)?;
                self.emit(Instr::TableInit {
                    args,
                    table,
                    elem: elem_index,
                })?;
            }
            O::ElemDrop { elem_index } => {
                self.emit(Instr::ElemDrop { elem: elem_index })?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
