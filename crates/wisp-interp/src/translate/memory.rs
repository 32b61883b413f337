//! Linear memory: loads, stores (with immediate values), and the
//! `memory.*` / `data.drop` instructions.
//!
//! Operations whose raw slot encodings coincide share one instruction: a
//! load or store is chosen by its width and extension, not its value type.

use alloc::format;

use wisp_decode::wasmparser::{MemArg, MemArgTarget, Operator};

use crate::error::Error;
use crate::ir::{Instr, Load, Store, StoreImm};

use super::Translator;
use super::stack::{Producer, Source};

/// Whether a store's immediate form sign-extends a 32-bit immediate to 64 bits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ImmWidth {
    /// Only the low 32 bits (or fewer) are stored: any i32 constant fits.
    Narrow,
    /// All 64 bits are stored: the constant must fit in an `i32`.
    Wide,
}

impl Translator<'_> {
    /// Translates a memory operator; returns `false` if `op` is not one.
    pub(super) fn visit_memory(&mut self, op: &Operator<'_>) -> Result<bool, Error> {
        use ImmWidth::*;
        use Instr as I;
        use Operator as O;
        match *op {
            O::I32Load { memarg } | O::F32Load { memarg } | O::I64Load32U { memarg } => {
                self.load(I::Load32, memarg)?
            }
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(I::Load64, memarg)?,
            O::I32Load8U { memarg } | O::I64Load8U { memarg } => self.load(I::Load8U, memarg)?,
            O::I32Load16U { memarg } | O::I64Load16U { memarg } => {
                self.load(I::Load16U, memarg)?
            }
            O::I32Load8S { memarg } => self.load(I::I32Load8S, memarg)?,
            O::I32Load16S { memarg } => self.load(I::I32Load16S, memarg)?,
            O::I64Load8S { memarg } => self.load(I::I64Load8S, memarg)?,
            O::I64Load16S { memarg } => self.load(I::I64Load16S, memarg)?,
            O::I64Load32S { memarg } => self.load(I::I64Load32S, memarg)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.store(I::Store8, I::Store8Imm, Narrow, memarg)?
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(I::Store16, I::Store16Imm, Narrow, memarg)?
            }
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(I::Store32, I::Store32Imm, Narrow, memarg)?
            }
            O::I64Store { memarg } | O::F64Store { memarg } => {
                self.store(I::Store64, I::Store64Imm, Wide, memarg)?
            }
            O::MemorySize { mem } => {
                check_memory(mem)?;
                self.push_value(|dst| Instr::MemorySize { dst })?
            }
            O::MemoryGrow { mem } => {
                check_memory(mem)?;
                let delta = self.pop_slot()?;
                self.push_value(|dst| Instr::MemoryGrow { dst, delta })?
            }
            O::MemoryFill { mem } => {
                check_memory(mem)?;
                let args = self.take_bulk_args(3)?;
                self.emit(Instr::MemoryFill { args })?;
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                check_memory(dst_mem)?;
                check_memory(src_mem)?;
                let args = self.take_bulk_args(3)?;
                self.emit(Instr::MemoryCopy { args })?;
            }
            O::MemoryInit { data_index, mem } => {
                check_memory(mem)?;
                let args = self.take_bulk_args(3)?;
                self.emit(Instr::MemoryInit {
                    args,
                    data: data_index,
                })?;
            }
            O::DataDrop { data_index } => {
                self.emit(Instr::DataDrop { data: data_index })?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Materializes and pops the top `n` operands of a bulk instruction;
    /// returns the slot of the first.
    pub(super) fn take_bulk_args(&mut self, n: u32) -> Result<u32, Error> {
        self.materialize_top(n)?;
        let first = self.height().saturating_sub(n);
        self.truncate(first);
        Ok(self.slot(first))
    }

    fn load(&mut self, ctor: fn(Load) -> Instr, memarg: MemArg) -> Result<(), Error> {
        let offset = static_offset(memarg)?;
        let addr = self.pop_slot()?;
        self.push_result(Producer::Load(
            ctor,
            Load {
                dst: 0,
                addr,
                offset,
            },
        ))
    }

    fn store(
        &mut self,
        ctor: fn(Store) -> Instr,
        imm_ctor: fn(StoreImm) -> Instr,
        width: ImmWidth,
        memarg: MemArg,
    ) -> Result<(), Error> {
        let offset = static_offset(memarg)?;
        let h = self.height().saturating_sub(1);
        let value = self.pop_source()?;
        let imm = match value {
            Source::Const(c) if width == ImmWidth::Narrow => Some(c as u32 as i32),
            Source::Const(c) => i32::try_from(c as i64).ok(),
            Source::Slot(_) => None,
        };
        if let Some(value) = imm {
            let addr = self.pop_slot()?;
            self.emit(imm_ctor(StoreImm {
                addr,
                value,
                offset,
            }))?;
            return Ok(());
        }
        let value = self.source_slot(value, h)?;
        let addr = self.pop_slot()?;
        self.emit(ctor(Store {
            addr,
            value,
            offset,
        }))?;
        Ok(())
    }
}

/// The static offset of a memory access (32-bit for 32-bit memories).
fn static_offset(memarg: MemArg) -> Result<u32, Error> {
    if let MemArgTarget::Memory(mem) = memarg.target {
        check_memory(mem)?;
    }
    u32::try_from(memarg.offset)
        .map_err(|_| Error::Limit(format!("memory offset {} (memory64)", memarg.offset)))
}

/// wisp implements a single memory (Wasm 2.0, no multi-memory).
fn check_memory(mem: u32) -> Result<(), Error> {
    if mem == 0 {
        Ok(())
    } else {
        Err(Error::Limit(format!("memory index {mem} (multi-memory)")))
    }
}
