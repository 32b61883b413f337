//! Memory instructions (spec "Validation › Instructions › Memory
//! Instructions"): loads, stores, `memory.size`, `memory.grow`, and the
//! bulk-memory `memory.fill`, `memory.copy`, `memory.init`, `data.drop`.
//!
//! WebAssembly 2.0 has at most one memory, so every memory index is 0 and a
//! module without memory gets `unknown memory 0`.

use alloc::format;

use wisp_core::ValType;
use wisp_decode::wasmparser::{MemArg, MemArgTarget};

use super::{FuncValidator, Result};
use crate::error::ValidationError;

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;
const F32: ValType = ValType::F32;
const F64: ValType = ValType::F64;

/// Alignment exponents from this value up do not fit the 2.0 memarg
/// encoding (the spec tests call them "malformed memop flags").
const MAX_ALIGN_EXPONENT: u8 = 32;

impl FuncValidator<'_> {
    // Loads `[i32] -> [t]` and stores `[i32 t] -> []`, with the log2 of the
    // access width, which bounds the alignment.
    #[inline(always)]
    pub(super) fn visit_i32_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I32, 2)
    }

    #[inline(always)]
    pub(super) fn visit_i64_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I64, 3)
    }

    #[inline(always)]
    pub(super) fn visit_f32_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, F32, 2)
    }

    #[inline(always)]
    pub(super) fn visit_f64_load(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, F64, 3)
    }

    #[inline(always)]
    pub(super) fn visit_i32_load8_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I32, 0)
    }

    #[inline(always)]
    pub(super) fn visit_i32_load8_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I32, 0)
    }

    #[inline(always)]
    pub(super) fn visit_i32_load16_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I32, 1)
    }

    #[inline(always)]
    pub(super) fn visit_i32_load16_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I32, 1)
    }

    #[inline(always)]
    pub(super) fn visit_i64_load8_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I64, 0)
    }

    #[inline(always)]
    pub(super) fn visit_i64_load8_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I64, 0)
    }

    #[inline(always)]
    pub(super) fn visit_i64_load16_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I64, 1)
    }

    #[inline(always)]
    pub(super) fn visit_i64_load16_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I64, 1)
    }

    #[inline(always)]
    pub(super) fn visit_i64_load32_s(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I64, 2)
    }

    #[inline(always)]
    pub(super) fn visit_i64_load32_u(&mut self, memarg: MemArg) -> Result<()> {
        self.load(&memarg, I64, 2)
    }

    #[inline(always)]
    pub(super) fn visit_i32_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, I32, 2)
    }

    #[inline(always)]
    pub(super) fn visit_i64_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, I64, 3)
    }

    #[inline(always)]
    pub(super) fn visit_f32_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, F32, 2)
    }

    #[inline(always)]
    pub(super) fn visit_f64_store(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, F64, 3)
    }

    #[inline(always)]
    pub(super) fn visit_i32_store8(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, I32, 0)
    }

    #[inline(always)]
    pub(super) fn visit_i32_store16(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, I32, 1)
    }

    #[inline(always)]
    pub(super) fn visit_i64_store8(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, I64, 0)
    }

    #[inline(always)]
    pub(super) fn visit_i64_store16(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, I64, 1)
    }

    #[inline(always)]
    pub(super) fn visit_i64_store32(&mut self, memarg: MemArg) -> Result<()> {
        self.store(&memarg, I64, 2)
    }

    pub(super) fn visit_memory_size(&mut self, mem: u32) -> Result<()> {
        self.check_memory(mem)?;
        self.push_operand(Some(I32));
        Ok(())
    }

    pub(super) fn visit_memory_grow(&mut self, mem: u32) -> Result<()> {
        self.check_memory(mem)?;
        self.pop_expect(I32)?;
        self.push_operand(Some(I32));
        Ok(())
    }

    pub(super) fn visit_memory_fill(&mut self, mem: u32) -> Result<()> {
        self.check_memory(mem)?;
        self.pop_operands(&[I32, I32, I32])
    }

    pub(super) fn visit_memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> Result<()> {
        self.check_memory(dst_mem)?;
        self.check_memory(src_mem)?;
        self.pop_operands(&[I32, I32, I32])
    }

    pub(super) fn visit_memory_init(&mut self, data_index: u32, mem: u32) -> Result<()> {
        self.check_memory(mem)?;
        self.check_data(data_index)?;
        self.pop_operands(&[I32, I32, I32])
    }

    pub(super) fn visit_data_drop(&mut self, data_index: u32) -> Result<()> {
        self.check_data(data_index)
    }

    #[inline(always)]
    fn check_memory(&self, mem: u32) -> Result<()> {
        if self.ctx.memory(mem).is_some() {
            Ok(())
        } else {
            Err(self.error(format!("unknown memory {mem}")))
        }
    }

    /// `memory.init` and `data.drop` need the data count section (a binary
    /// format rule, so its absence is "malformed"), then a known segment.
    fn check_data(&self, data: u32) -> Result<()> {
        let Some(count) = self.ctx.data_count else {
            return Err(
                ValidationError::malformed("data count section required", self.offset).into(),
            );
        };
        if data < count {
            Ok(())
        } else {
            Err(self.error(format!("unknown data segment {data}")))
        }
    }

    /// The memory immediate: a known memory, and alignment at most natural
    /// (`natural` is the log2 of the access width in bytes).
    ///
    /// The common case (memory 0 exists, a plain access, alignment at most
    /// natural, a 32-bit offset) is one combined test; anything else takes
    /// the checks in order, for the right error.
    #[inline(always)]
    fn check_memarg(&self, memarg: &MemArg, natural: u8) -> Result<()> {
        if matches!(memarg.target, MemArgTarget::Memory(0))
            && memarg.ordering.is_none()
            && memarg.align <= natural
            && memarg.offset <= u64::from(u32::MAX)
            && !self.ctx.memories.is_empty()
        {
            return Ok(());
        }
        self.check_memarg_in_order(memarg, natural)
    }

    #[inline(never)]
    fn check_memarg_in_order(&self, memarg: &MemArg, natural: u8) -> Result<()> {
        let MemArgTarget::Memory(mem) = memarg.target else {
            return Err(
                self.error("array memory accesses not supported (not part of WebAssembly 2.0)")
            );
        };
        if memarg.ordering.is_some() {
            return Err(self.error("memory orderings not supported (not part of WebAssembly 2.0)"));
        }
        if memarg.align >= MAX_ALIGN_EXPONENT {
            return Err(ValidationError::malformed("malformed memop flags", self.offset).into());
        }
        self.check_memory(mem)?;
        if memarg.align > natural {
            return Err(self.error(format!(
                "alignment must not be larger than natural: 2^{} > {} bytes",
                memarg.align,
                1u32 << natural
            )));
        }
        if memarg.offset > u64::from(u32::MAX) {
            return Err(self.error("offset out of range: memarg offsets are 32-bit"));
        }
        Ok(())
    }

    /// `t.load memarg`: `[i32] -> [t]`.
    #[inline(always)]
    fn load(&mut self, memarg: &MemArg, ty: ValType, natural: u8) -> Result<()> {
        self.check_memarg(memarg, natural)?;
        self.pop_expect(I32)?;
        self.push_operand(Some(ty));
        Ok(())
    }

    /// `t.store memarg`: `[i32 t] -> []`.
    #[inline(always)]
    fn store(&mut self, memarg: &MemArg, ty: ValType, natural: u8) -> Result<()> {
        self.check_memarg(memarg, natural)?;
        self.pop_expect(ty)?;
        self.pop_expect(I32)?;
        Ok(())
    }
}
