//! Locals, globals, `drop`, `select` and references.
//!
//! `local.get` emits nothing (it pushes a lazy `Local` operand);
//! `local.set`/`local.tee` fold into the instruction that produced the value
//! when they can (see the `stack` module).

use super::TranslateError;
use crate::ir::{Cmp, Compare, Instr, IntWidth, Rhs};

use super::Translator;
use super::stack::{Operand, Producer, Source, const_instr};

impl Translator<'_> {
    pub(super) fn visit_local_get(&mut self, x: u32) -> Result<(), TranslateError> {
        self.push(Operand::Local(x))
    }

    pub(super) fn visit_local_set(&mut self, x: u32, tee: bool) -> Result<(), TranslateError> {
        let h = self.height().saturating_sub(1);
        // What a `local.tee` leaves on the stack.
        let result = if let Some(last) = self.last_at(h) {
            // Result folding: the instruction that produced the value writes
            // `x` instead. Operands still reading the old value of `x` are
            // copied first; the copies go before the producer, which is fine
            // as they write slots below its result, which it never reads.
            let trailer = self.unemit(last);
            self.pop()?;
            self.materialize_local(x)?;
            self.emit(last.producer.with_dst(x))?;
            if let Some(word) = trailer {
                self.emit(word)?;
            }
            Operand::Local(x)
        } else {
            let (value, _) = self.pop()?;
            self.materialize_local(x)?;
            if value == Operand::Const(0) && self.is_still_zero(x) {
                // Storing the zero the local already holds: nothing to do.
                if tee {
                    self.push(value)?;
                }
                return Ok(());
            }
            match value {
                Operand::Temp => {
                    self.emit(Instr::Copy {
                        dst: x,
                        src: self.slot(h),
                    })?;
                }
                Operand::Local(y) if y == x => {}
                Operand::Local(y) => {
                    self.emit(Instr::Copy { dst: x, src: y })?;
                }
                Operand::Const(c) => {
                    self.emit(const_instr(x, c))?;
                }
            }
            value
        };
        self.mark_written(x);
        if tee {
            self.push(result)?;
        }
        Ok(())
    }

    /// Whether declared local `x` still holds the zero it was initialized
    /// with: nothing wrote it yet and no label was bound since entry, so the
    /// code so far runs straight from the function's start.
    fn is_still_zero(&self, x: u32) -> bool {
        self.entry_block && x >= self.num_params && !self.written[x as usize]
    }

    fn mark_written(&mut self, x: u32) {
        self.written[x as usize] = true;
    }

    pub(super) fn visit_global_get(&mut self, global: u32) -> Result<(), TranslateError> {
        self.push_result(Producer::GlobalGet(global))
    }

    /// `global.set`. Globals hold canonical values (checkpoints check
    /// them), so an `f32` whose slot's high half is unspecified (see
    /// `exec::hot::Regs::set_f32`) is zero-extended first; a constant is
    /// already.
    pub(super) fn visit_global_set(&mut self, global: u32) -> Result<(), TranslateError> {
        if self.f32_globals.get(global as usize) == Some(&true) {
            self.reinterpret_f32()?;
        }
        let src = self.pop_slot()?;
        self.emit(Instr::GlobalSet { global, src })?;
        Ok(())
    }

    pub(super) fn visit_drop(&mut self) -> Result<(), TranslateError> {
        self.pop()?;
        Ok(())
    }

    /// `select`: a constant condition picks an operand statically; otherwise
    /// `Select { dst, a, b }` with the condition in a trailing `SelectCond`.
    pub(super) fn visit_select(&mut self) -> Result<(), TranslateError> {
        let cond = self.pop_source()?;
        if let Source::Const(c) = cond {
            let (b, hb) = self.pop()?;
            let (a, ha) = self.pop()?;
            let chosen = if c as u32 != 0 { a } else { b };
            if chosen == Operand::Temp && c as u32 == 0 {
                // `b` sits one slot above the result's canonical slot.
                self.emit(Instr::Copy {
                    dst: self.slot(ha),
                    src: self.slot(hb),
                })?;
            }
            return self.push(chosen);
        }
        let h = self.height();
        let cond = self.source_slot(cond, h)?;
        let b = self.pop_slot()?;
        let a = self.pop_slot()?;
        self.push_result_with(Producer::Select { a, b }, Some(Instr::SelectCond { cond }))
    }

    pub(super) fn visit_ref_is_null(&mut self) -> Result<(), TranslateError> {
        let a = self.pop_slot()?;
        self.push_result(Producer::Compare(Compare {
            width: IntWidth::I64,
            cmp: Cmp::Eq,
            a,
            rhs: Rhs::Imm(0),
        }))
    }

    pub(super) fn visit_ref_func(&mut self, func: u32) -> Result<(), TranslateError> {
        self.push_value(|dst| Instr::RefFunc { dst, func })
    }
}
