//! A visitor over every slot operand of an instruction, so that a pass can
//! renumber slots (the translator places constant slots after the operand
//! stack once the stack's depth is known).
//!
//! The match is exhaustive on purpose: a new instruction does not compile
//! until this file says which of its fields are slots.

use super::instr::Instr;
use super::operands::{Slot, Slot16};

impl Instr {
    /// Calls `f` on every field of the instruction that names a slot (read
    /// or written). Immediates, targets, offsets and indices are not slots.
    pub fn for_each_slot_mut(&mut self, mut f: impl FnMut(&mut Slot)) {
        use Instr::*;
        match self {
            Trap(_) | ConsumeFuel { .. } | Br { .. } | Return | ReturnImm32 { .. } => {}
            CallIndirectTable { .. } | DataDrop { .. } | ElemDrop { .. } => {}
            SelectCond { cond } => f(cond),
            BrTable { index, .. }
            | BrTableAt { index, .. }
            | BrTableAcc { index, .. }
            | BrTableAtAcc { index, .. } => f(index),
            Return1 { src } | ReturnSpan { src, .. } => f(src),

            BrI32Eq(op) | BrI32Ne(op) | BrI32LtS(op) | BrI32LtU(op) | BrI32GtS(op)
            | BrI32GtU(op) | BrI32LeS(op) | BrI32LeU(op) | BrI32GeS(op) | BrI32GeU(op)
            | BrI64Eq(op) | BrI64Ne(op) | BrI64LtS(op) | BrI64LtU(op) | BrI64GtS(op)
            | BrI64GtU(op) | BrI64LeS(op) | BrI64LeU(op) | BrI64GeS(op) | BrI64GeU(op)
            | BrI32EqAccA(op) | BrI32NeAccA(op) | BrI32LtSAccA(op) | BrI32LtUAccA(op)
            | BrI32GtSAccA(op) | BrI32GtUAccA(op) | BrI32LeSAccA(op) | BrI32LeUAccA(op)
            | BrI32GeSAccA(op) | BrI32GeUAccA(op) => {
                f(&mut op.a);
                f(&mut op.b);
            }
            BrI32EqImm(op) | BrI32NeImm(op) | BrI32LtSImm(op) | BrI32LtUImm(op)
            | BrI32GtSImm(op) | BrI32GtUImm(op) | BrI32LeSImm(op) | BrI32LeUImm(op)
            | BrI32GeSImm(op) | BrI32GeUImm(op) | BrI64EqImm(op) | BrI64NeImm(op)
            | BrI64LtSImm(op) | BrI64LtUImm(op) | BrI64GtSImm(op) | BrI64GtUImm(op)
            | BrI64LeSImm(op) | BrI64LeUImm(op) | BrI64GeSImm(op) | BrI64GeUImm(op)
            | BrI32NeImmAcc(op) | BrI32EqImmAcc(op) => f(&mut op.a),

            I32AddImmBrEqImm(op)
            | I32AddImmBrNeImm(op)
            | I32AddImmBrLtSImm(op)
            | I32AddImmBrLtUImm(op)
            | I32AddImmBrGtSImm(op)
            | I32AddImmBrGtUImm(op)
            | I32AddImmBrLeSImm(op)
            | I32AddImmBrLeUImm(op)
            | I32AddImmBrGeSImm(op)
            | I32AddImmBrGeUImm(op)
            | I32AddImmBrNeImmAcc(op)
            | I32AddImmBrLtUImmAcc(op)
            | I32AddImmBrGtUImmAcc(op) => {
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.a, &mut f);
            }
            I32AddBrEqImm(op) | I32AddBrNeImm(op) | I32AddBrLtSImm(op) | I32AddBrLtUImm(op)
            | I32AddBrGtSImm(op) | I32AddBrGtUImm(op) | I32AddBrLeSImm(op) | I32AddBrLeUImm(op)
            | I32AddBrGeSImm(op) | I32AddBrGeUImm(op) => {
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.b, &mut f);
            }
            Load32BrEqz(op) | Load32BrNez(op) | Load8UBrEqz(op) | Load8UBrNez(op) => {
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.addr, &mut f);
            }
            I32AndImmBrEqz(op)
            | I32AndImmBrNez(op)
            | I32AndImmBrEqzAcc(op)
            | I32AndImmBrNezAcc(op) => {
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.a, &mut f);
            }
            I32AndImmBrEqImm(op)
            | I32AndImmBrNeImm(op)
            | I32AndImmBrLtUImm(op)
            | I32AndImmBrGtUImm(op)
            | I32AndImmBrLeUImm(op)
            | I32AndImmBrGeUImm(op) => {
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.a, &mut f);
            }
            I32AddImmCopy(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.dst, &mut f);
            }
            I32ShrUImmXor(op) | I32ShrUImmXorAcc(op) | I32ShrUImmXorAccAX(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.x, &mut f);
            }
            I32XorMulImm(op) | I32XorMulImmAccA(op) | I32XorMulImmAccB(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.b, &mut f);
                narrow(&mut op.dst, &mut f);
            }
            F64MulAdd(op) | F64MulSub(op) | F64MulAddLeft(op) | F64MulSubLeft(op)
            | F32MulAdd(op) | F32MulSub(op) | F32MulAddLeft(op) | F32MulSubLeft(op)
            | I64XorMul(op) | I64XorMulAccA(op) | I64XorMulAccB(op) | F64MulAddAccA(op)
            | F64MulAddAccB(op) | F64MulSubAccA(op) | F64MulSubAccB(op) | F32MulAddAccA(op)
            | F32MulAddAccB(op) | F32MulSubAccA(op) | F32MulSubAccB(op) | F64MulAddAccAB(op)
            | F64MulSubAccAB(op) | F32MulAddAccAB(op) | F32MulSubAccAB(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.b, &mut f);
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.x, &mut f);
            }
            F32EqBrNez(op) | F32EqBrEqz(op) | F32NeBrNez(op) | F32NeBrEqz(op) | F32LtBrNez(op)
            | F32LtBrEqz(op) | F32GtBrNez(op) | F32GtBrEqz(op) | F32LeBrNez(op)
            | F32LeBrEqz(op) | F32GeBrNez(op) | F32GeBrEqz(op) | F64EqBrNez(op)
            | F64EqBrEqz(op) | F64NeBrNez(op) | F64NeBrEqz(op) | F64LtBrNez(op)
            | F64LtBrEqz(op) | F64GtBrNez(op) | F64GtBrEqz(op) | F64LeBrNez(op)
            | F64LeBrEqz(op) | F64GeBrNez(op) | F64GeBrEqz(op) => {
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.b, &mut f);
            }
            Load32Load32(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.dst, &mut f);
            }
            I32AddImm2(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.b, &mut f);
            }
            Load8UStore8(op)
            | Load32Store32(op)
            | Load64Store64(op)
            | Load8UAddStore8(op)
            | Load8UStore8Acc(op)
            | Load32Store32Acc(op)
            | Load64Store64Acc(op)
            | Load8UAddStore8Acc(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.addr, &mut f);
            }
            I32LtUSelect(op) | I32LtSSelect(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.b, &mut f);
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.x, &mut f);
                narrow(&mut op.y, &mut f);
            }
            I32ShlImmAddImmLoad32(op) | I32ShlImmAddImmLoad32Acc(op) => {
                narrow(&mut op.s, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.t, &mut f);
                narrow(&mut op.dst, &mut f);
            }
            I32GtUImmSelect(op) | I32LtUImmSelect(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.dst, &mut f);
                narrow(&mut op.x, &mut f);
                narrow(&mut op.y, &mut f);
            }
            I32AddImmStore32(op) | I32AddImmStore32Acc(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.addr, &mut f);
            }
            I32AddLoad32(op) | I32AddLoad64(op) | I32AddLoad8U(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.b, &mut f);
                narrow(&mut op.dst, &mut f);
            }
            I32AddImmLoad32(op)
            | I32AddImmLoad64(op)
            | I32AddImmLoad8U(op)
            | I32AddImmLoad32Acc(op)
            | I32AddImmLoad64Acc(op)
            | I32AddImmLoad8UAcc(op) => {
                narrow(&mut op.t, &mut f);
                narrow(&mut op.a, &mut f);
                narrow(&mut op.dst, &mut f);
            }

            CallInternal { args, .. } | CallImported { args, .. } => f(args),
            CallIndirect { index, args, .. } => {
                f(index);
                f(args);
            }

            Copy { dst, src } => {
                f(dst);
                f(src);
            }
            Const32 { dst, .. } | Const64 { dst, .. } => f(dst),
            Copy2 { dst, a, b } | Select { dst, a, b } | SelectAcc { dst, a, b } => {
                f(dst);
                f(a);
                f(b);
            }
            GlobalGet { dst, .. } | RefFunc { dst, .. } => f(dst),
            GlobalSet { src, .. } => f(src),

            Load32(op) | Load64(op) | Load8U(op) | Load16U(op) | I32Load8S(op) | I32Load16S(op)
            | I64Load8S(op) | I64Load16S(op) | I64Load32S(op) | Load32Acc(op) | Load64Acc(op)
            | Load8UAcc(op) | Load16UAcc(op) => {
                f(&mut op.dst);
                f(&mut op.addr);
            }
            Store8(op) | Store16(op) | Store32(op) | Store64(op) | Store64AccF64(op)
            | Store32AccF32(op) | Store32Acc(op) | Store64Acc(op) | Store8Acc(op)
            | Store16Acc(op) => {
                f(&mut op.addr);
                f(&mut op.value);
            }
            Store8Imm(op) | Store8ImmLatch(op) | Store16Imm(op) | Store32Imm(op)
            | Store64Imm(op) => f(&mut op.addr),
            Store8Add(op) | Store16Add(op) | Store32Add(op) | Store64Add(op) => {
                f(&mut op.base);
                f(&mut op.value);
            }
            Store8ImmAdd(op)
            | Store8ImmAddLatch(op)
            | Store16ImmAdd(op)
            | Store32ImmAdd(op)
            | Store64ImmAdd(op) => f(&mut op.base),
            MemorySize { dst } => f(dst),
            MemoryGrow { dst, delta } => {
                f(dst);
                f(delta);
            }
            MemoryFill { args } | MemoryCopy { args } | MemoryInit { args, .. } => f(args),

            TableGet { dst, index, .. } => {
                f(dst);
                f(index);
            }
            TableSet { index, value, .. } => {
                f(index);
                f(value);
            }
            TableSize { dst, .. } => f(dst),
            TableGrow { args, .. }
            | TableFill { args, .. }
            | TableCopy { args, .. }
            | TableInit { args, .. } => f(args),

            // Binary operations on two slots.
            I32Eq(op) | I32Ne(op) | I32LtS(op) | I32LtU(op) | I32GtS(op) | I32GtU(op)
            | I32LeS(op) | I32LeU(op) | I32GeS(op) | I32GeU(op) | I32Add(op) | I32AddShl2(op)
            | I32AddShl3(op) | I32Sub(op) | I32Mul(op) | I32DivS(op) | I32DivU(op)
            | I32RemS(op) | I32RemU(op) | I32And(op) | I32Or(op) | I32Xor(op) | I32Shl(op)
            | I32ShrS(op) | I32ShrU(op) | I32Rotl(op) | I32Rotr(op) | I64Eq(op) | I64Ne(op)
            | I64LtS(op) | I64LtU(op) | I64GtS(op) | I64GtU(op) | I64LeS(op) | I64LeU(op)
            | I64GeS(op) | I64GeU(op) | I64Add(op) | I64Sub(op) | I64Mul(op) | I64DivS(op)
            | I64DivU(op) | I64RemS(op) | I64RemU(op) | I64And(op) | I64Or(op) | I64Xor(op)
            | I64Shl(op) | I64ShrS(op) | I64ShrU(op) | I64Rotl(op) | I64Rotr(op) | F32Eq(op)
            | F32Ne(op) | F32Lt(op) | F32Gt(op) | F32Le(op) | F32Ge(op) | F32Add(op)
            | F32Sub(op) | F32Mul(op) | F32Div(op) | F32Min(op) | F32Max(op) | F32Copysign(op)
            | F64Eq(op) | F64Ne(op) | F64Lt(op) | F64Gt(op) | F64Le(op) | F64Ge(op)
            | F64Add(op) | F64Sub(op) | F64Mul(op) | F64Div(op) | F64Min(op) | F64Max(op)
            | F64Copysign(op) | F64AddAccA(op) | F64AddAccB(op) | F64SubAccA(op)
            | F64SubAccB(op) | F64MulAccA(op) | F64MulAccB(op) | F64DivAccA(op)
            | F64DivAccB(op) | F32AddAccA(op) | F32AddAccB(op) | F32SubAccA(op)
            | F32SubAccB(op) | F32MulAccA(op) | F32MulAccB(op) | F32DivAccA(op)
            | F32DivAccB(op) | I32AddAccA(op) | I32AddAccB(op) | I32SubAccA(op)
            | I32SubAccB(op) | I32MulAccA(op) | I32MulAccB(op) | I32AndAccA(op)
            | I32AndAccB(op) | I32OrAccA(op) | I32OrAccB(op) | I32XorAccA(op) | I32XorAccB(op)
            | I32ShlAccA(op) | I32ShlAccB(op) | I32ShrUAccA(op) | I32ShrUAccB(op)
            | I32ShrSAccA(op) | I32ShrSAccB(op) | I64AddAccA(op) | I64AddAccB(op)
            | I64SubAccA(op) | I64SubAccB(op) | I64MulAccA(op) | I64MulAccB(op)
            | I64AndAccA(op) | I64AndAccB(op) | I64OrAccA(op) | I64OrAccB(op) | I64XorAccA(op)
            | I64XorAccB(op) | I64ShlAccA(op) | I64ShlAccB(op) | I64ShrUAccA(op)
            | I64ShrUAccB(op) | I64ShrSAccA(op) | I64ShrSAccB(op) | F64MulAccAB(op)
            | F32MulAccAB(op) | I32MulAccAB(op) | I64MulAccAB(op) | I32AddShl2AccB(op)
            | I32AddShl3AccB(op) => {
                f(&mut op.dst);
                f(&mut op.a);
                f(&mut op.b);
            }

            // Binary operations with an immediate, and loads at `a + imm`.
            I32EqImm(op) | I32NeImm(op) | I32LtSImm(op) | I32LtUImm(op) | I32GtSImm(op)
            | I32GtUImm(op) | I32LeSImm(op) | I32LeUImm(op) | I32GeSImm(op) | I32GeUImm(op)
            | I32AddImm(op) | I32RSubImm(op) | I32MulImm(op) | I32AndImm(op) | I32OrImm(op)
            | I32XorImm(op) | I32ShlImm(op) | I32ShrSImm(op) | I32ShrUImm(op) | I32RotlImm(op)
            | I32RotlImmAcc(op) | I32RotrImm(op) | I64EqImm(op) | I64NeImm(op) | I64LtSImm(op)
            | I64LtUImm(op) | I64GtSImm(op) | I64GtUImm(op) | I64LeSImm(op) | I64LeUImm(op)
            | I64GeSImm(op) | I64GeUImm(op) | I64AddImm(op) | I64RSubImm(op) | I64MulImm(op)
            | I64AndImm(op) | I64OrImm(op) | I64XorImm(op) | I64ShlImm(op) | I64ShrSImm(op)
            | I64ShrUImm(op) | I64RotlImm(op) | I64RotlImmAcc(op) | I64RotrImm(op)
            | Load32Add(op) | Load32Idx(op) | Load64Idx(op) | Load32IdxAcc(op)
            | Load64IdxAcc(op) | Load32AddAcc(op) | Load64AddAcc(op) | Load8UAddAcc(op)
            | Load16UAddAcc(op) | Load64Add(op) | Load8UAdd(op) | Load16UAdd(op)
            | I32Load8SAdd(op) | I32Load16SAdd(op) | I64Load8SAdd(op) | I64Load16SAdd(op)
            | I64Load32SAdd(op) | I32AddImmAcc(op) | I32MulImmAcc(op) | I32AndImmAcc(op)
            | I32OrImmAcc(op) | I32XorImmAcc(op) | I32ShlImmAcc(op) | I32ShrUImmAcc(op)
            | I32ShrSImmAcc(op) | I64AddImmAcc(op) | I64MulImmAcc(op) | I64AndImmAcc(op)
            | I64OrImmAcc(op) | I64XorImmAcc(op) | I64ShlImmAcc(op) | I64ShrUImmAcc(op)
            | I64ShrSImmAcc(op) => {
                f(&mut op.dst);
                f(&mut op.a);
            }
            // The first halves of the `…BrTable` superinstructions (see
            // `translate/fuse.rs`), laid out as the instructions they extend.
            Load32IdxBrTable(op)
            | Load32IdxAccBrTable(op)
            | I32AddImmBrTable(op)
            | I32AddImmAccBrTable(op)
            | Load8UAddBrTable(op)
            | Load8UAddAccBrTable(op) => {
                f(&mut op.dst);
                f(&mut op.a);
            }

            // Unary operations and conversions.
            I32Clz(op) | I32Ctz(op) | I32Popcnt(op) | I32Extend8S(op) | I32Extend16S(op)
            | I64Clz(op) | I64Ctz(op) | I64Popcnt(op) | I64Extend8S(op) | I64Extend16S(op)
            | I64Extend32S(op) | F32Abs(op) | F32Neg(op) | F32Ceil(op) | F32Floor(op)
            | F32Trunc(op) | F32Nearest(op) | F32Sqrt(op) | F64Abs(op) | F64Neg(op)
            | F64Ceil(op) | F64Floor(op) | F64Trunc(op) | F64Nearest(op) | F64Sqrt(op)
            | F64SqrtAcc(op) | F32SqrtAcc(op) | F32CanonNan(op) | F64CanonNan(op)
            | I32WrapI64(op) | I32WrapI64Acc(op) | I32TruncF32S(op) | I32TruncF32U(op)
            | I32TruncF64S(op) | I32TruncF64U(op) | I64ExtendI32S(op) | I64TruncF32S(op)
            | I64TruncF32U(op) | I64TruncF64S(op) | I64TruncF64U(op) | F32ConvertI32S(op)
            | F32ConvertI32U(op) | F32ConvertI64S(op) | F32ConvertI64U(op) | F32DemoteF64(op)
            | F64ConvertI32S(op) | F64ConvertI32U(op) | F64ConvertI64S(op) | F64ConvertI64U(op)
            | F64PromoteF32(op) | I32TruncSatF32S(op) | I32TruncSatF32U(op)
            | I32TruncSatF64S(op) | I32TruncSatF64U(op) | I64TruncSatF32S(op)
            | I64TruncSatF32U(op) | I64TruncSatF64S(op) | I64TruncSatF64U(op) => {
                f(&mut op.dst);
                f(&mut op.src);
            }
        }
    }
}

/// Visits a narrow slot of a superinstruction as a [`Slot`]. Superinstructions
/// are made after slots are renumbered, so a visitor that changes slots never
/// meets one in practice; a value that no longer fits becomes `u16::MAX`,
/// which the structural check of `verify` then rejects unless the frame is
/// that large.
fn narrow(slot: &mut Slot16, f: &mut impl FnMut(&mut Slot)) {
    let mut wide = Slot::from(*slot);
    f(&mut wide);
    *slot = Slot16::try_from(wide).unwrap_or(Slot16::MAX);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Bin, Load, StoreAdd};

    fn slots(mut instr: Instr) -> alloc::vec::Vec<Slot> {
        let mut out = alloc::vec::Vec::new();
        instr.for_each_slot_mut(|s| out.push(*s));
        out
    }

    #[test]
    fn visits_exactly_the_slot_fields() {
        assert_eq!(slots(Instr::I32Add(Bin { dst: 1, a: 2, b: 3 })), [1, 2, 3]);
        assert_eq!(
            slots(Instr::Load32(Load {
                dst: 1,
                addr: 2,
                offset: 99
            })),
            [1, 2]
        );
        assert_eq!(
            slots(Instr::Store8Add(StoreAdd {
                base: 4,
                add: 99,
                value: 5
            })),
            [4, 5]
        );
        assert_eq!(
            slots(Instr::Const64 {
                dst: 7,
                lo: 1,
                hi: 2
            }),
            [7]
        );
        assert_eq!(slots(Instr::Br { target: 3 }), []);
        let mut i = Instr::Copy { dst: 1, src: 2 };
        i.for_each_slot_mut(|s| *s += 10);
        assert_eq!(i, Instr::Copy { dst: 11, src: 12 });
    }
}
