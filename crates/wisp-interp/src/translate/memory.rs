//! Linear memory: loads, stores (with immediate values), and the
//! `memory.*` / `data.drop` instructions.
//!
//! Operations whose raw slot encodings coincide share one instruction: a
//! load or store is chosen by its width and extension, not its value type.

use alloc::format;

use wisp_decode::wasmparser::{MemArg, MemArgTarget, Operator};

use super::{TranslateError, limit};
use crate::ir::{BinImm, Instr, Load, Store, StoreAdd, StoreImm, StoreImmAdd};

use super::Translator;
use super::stack::{Operand, Producer, Source};

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
    #[inline(always)]
    pub(super) fn visit_memory(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        use ImmWidth::*;
        use Instr as I;
        use Operator as O;
        match *op {
            O::I32Load { memarg } | O::F32Load { memarg } | O::I64Load32U { memarg } => {
                self.load(I::Load32, I::Load32Add, Some((2, I::Load32Idx)), memarg)?
            }
            O::I64Load { memarg } | O::F64Load { memarg } => {
                self.load(I::Load64, I::Load64Add, Some((3, I::Load64Idx)), memarg)?
            }
            O::I32Load8U { memarg } | O::I64Load8U { memarg } => {
                self.load(I::Load8U, I::Load8UAdd, None, memarg)?
            }
            O::I32Load16U { memarg } | O::I64Load16U { memarg } => {
                self.load(I::Load16U, I::Load16UAdd, None, memarg)?
            }
            O::I32Load8S { memarg } => self.load(I::I32Load8S, I::I32Load8SAdd, None, memarg)?,
            O::I32Load16S { memarg } => self.load(I::I32Load16S, I::I32Load16SAdd, None, memarg)?,
            O::I64Load8S { memarg } => self.load(I::I64Load8S, I::I64Load8SAdd, None, memarg)?,
            O::I64Load16S { memarg } => self.load(I::I64Load16S, I::I64Load16SAdd, None, memarg)?,
            O::I64Load32S { memarg } => self.load(I::I64Load32S, I::I64Load32SAdd, None, memarg)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.may_fuse_peeks = true;
                self.store(
                    StoreKind {
                        reg: I::Store8,
                        imm: I::Store8Imm,
                        reg_add: I::Store8Add,
                        imm_add: I::Store8ImmAdd,
                    },
                    Narrow,
                    memarg,
                )?
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(
                StoreKind {
                    reg: I::Store16,
                    imm: I::Store16Imm,
                    reg_add: I::Store16Add,
                    imm_add: I::Store16ImmAdd,
                },
                Narrow,
                memarg,
            )?,
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => self
                .store(
                    StoreKind {
                        reg: I::Store32,
                        imm: I::Store32Imm,
                        reg_add: I::Store32Add,
                        imm_add: I::Store32ImmAdd,
                    },
                    Narrow,
                    memarg,
                )?,
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(
                StoreKind {
                    reg: I::Store64,
                    imm: I::Store64Imm,
                    reg_add: I::Store64Add,
                    imm_add: I::Store64ImmAdd,
                },
                Wide,
                memarg,
            )?,
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
    pub(super) fn take_bulk_args(&mut self, n: u32) -> Result<u32, TranslateError> {
        self.materialize_top(n)?;
        let first = self.height().saturating_sub(n);
        self.truncate(first);
        Ok(self.slot(first))
    }

    /// A load; `ctor_add` is its form with a fused `i32.add` of an immediate.
    fn load(
        &mut self,
        ctor: fn(Load) -> Instr,
        ctor_add: fn(BinImm) -> Instr,
        indexed: Option<Indexed>,
        memarg: MemArg,
    ) -> Result<(), TranslateError> {
        let offset = static_offset(memarg)?;
        if offset == 0
            && let Some((a, imm)) = self.take_address_add(self.height().saturating_sub(1))?
        {
            self.pop()?;
            // `(index << k) + imm` with the access's own size: an indexed load.
            let (ctor_add, a) = match indexed.and_then(|(k, ctor_idx)| {
                self.take_index_shift(a, k).map(|index| (ctor_idx, index))
            }) {
                Some(fused) => fused,
                None => (ctor_add, a),
            };
            return self.push_result(Producer::BinImm(ctor_add, BinImm { dst: 0, a, imm }));
        }
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

    /// If the operand at height `h` (the top, or just below a lazy store
    /// value) is the result of the last instruction, an `i32.add` of an
    /// immediate, removes that instruction (the access computes the address
    /// itself; the caller pops the operand). Returns the add's operands.
    fn take_address_add(&mut self, h: u32) -> Result<Option<(u32, i32)>, TranslateError> {
        let Some(last) = self.last_at(h) else {
            return Ok(None);
        };
        let Instr::I32AddImm(add) = self.code[last.index] else {
            return Ok(None);
        };
        // A lazy value above the address is popped first, then the address.
        let value = (self.height() > h + 1).then(|| self.stack[h as usize + 1]);
        if value == Some(Operand::Temp) {
            return Ok(None);
        }
        self.unemit(last);
        Ok(Some((add.a, add.imm)))
    }

    /// After `take_address_add` removed `I32AddImm { a: t, .. }`: if the
    /// instruction before it is `t = index << k` (in the same basic block, `t`
    /// an operand-stack temporary, so used only by the add), removes it too
    /// and returns `index`.
    fn take_index_shift(&mut self, t: u32, k: u32) -> Option<u32> {
        let index = self.code.len().checked_sub(1)?;
        if index < self.block_start || t < self.base {
            return None;
        }
        let Instr::I32ShlImm(shl) = self.code[index] else {
            return None;
        };
        if shl.dst != t || (shl.imm as u32 & 31) != k {
            return None;
        }
        self.truncate_code(index);
        self.last = None;
        Some(shl.a)
    }

    fn store(
        &mut self,
        kind: StoreKind,
        width: ImmWidth,
        memarg: MemArg,
    ) -> Result<(), TranslateError> {
        let offset = static_offset(memarg)?;
        let h = self.height().saturating_sub(1);
        let fused = if offset == 0 {
            self.take_address_add(h.saturating_sub(1))?
        } else {
            None
        };
        let value = self.pop_source()?;
        let imm = match value {
            Source::Const(c) if width == ImmWidth::Narrow => Some(c as u32 as i32),
            Source::Const(c) => i32::try_from(c as i64).ok(),
            Source::Slot(_) => None,
        };
        let instr = match (fused, imm) {
            (Some((base, add)), Some(value)) => {
                self.pop()?;
                (kind.imm_add)(StoreImmAdd { base, add, value })
            }
            (Some((base, add)), None) => {
                let value = self.source_slot(value, h)?;
                self.pop()?;
                (kind.reg_add)(StoreAdd { base, add, value })
            }
            (None, Some(value)) => {
                let addr = self.pop_slot()?;
                (kind.imm)(StoreImm {
                    addr,
                    value,
                    offset,
                })
            }
            (None, None) => {
                let value = self.source_slot(value, h)?;
                let addr = self.pop_slot()?;
                (kind.reg)(Store {
                    addr,
                    value,
                    offset,
                })
            }
        };
        self.emit(instr)?;
        Ok(())
    }
}

/// The indexed form of a load: the shift that scales an index by the access
/// size, and the instruction constructor.
type Indexed = (u32, fn(BinImm) -> Instr);

/// The four forms of one store width.
struct StoreKind {
    reg: fn(Store) -> Instr,
    imm: fn(StoreImm) -> Instr,
    reg_add: fn(StoreAdd) -> Instr,
    imm_add: fn(StoreImmAdd) -> Instr,
}

/// The static offset of a memory access (32-bit for 32-bit memories).
fn static_offset(memarg: MemArg) -> Result<u32, TranslateError> {
    if let MemArgTarget::Memory(mem) = memarg.target {
        check_memory(mem)?;
    }
    u32::try_from(memarg.offset)
        .map_err(|_| limit(format!("memory offset {} (memory64)", memarg.offset)))
}

/// wisp implements a single memory (Wasm 2.0, no multi-memory).
fn check_memory(mem: u32) -> Result<(), TranslateError> {
    if mem == 0 {
        Ok(())
    } else {
        Err(limit(format!("memory index {mem} (multi-memory)")))
    }
}
