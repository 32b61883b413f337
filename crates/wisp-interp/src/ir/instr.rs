//! The instruction set: one `Instr` enum, grouped by family.
//!
//! Conventions (see `docs/bytecode.md` for the full picture):
//! - Operands and results are frame slots ([`Slot`]); nothing is pushed or
//!   popped at run time.
//! - Names say the value type and the operation as in Wasm (`I32Add`); an
//!   `Imm` suffix means the right operand is an immediate `i32` stored in the
//!   instruction (sign-extended for 64-bit operations); `RSubImm` is
//!   `imm - a`.
//! - `Br*` instructions jump to an absolute instruction index ([`Target`]).
//! - Operations whose raw slot encodings coincide share an instruction: the
//!   loads and stores are named by width (`f32.load` is `Load32`), and
//!   reinterpretations and `i64.extend_i32_u` emit nothing at all.
//! - An `Add` suffix on a load or store means its address is
//!   `(slot + imm) mod 2^32`: an `i32.add` of a constant fused into the access.
//! - Trailing words (`SelectCond`, `CallIndirectTable`) carry one more
//!   operand of the instruction before them; they are never dispatched.
//! - `Acc` forms (`I32AddAccB`, `Store64AccF64`) read one operand from an
//!   accumulator, which the instruction before left there (see
//!   `translate/accumulators.rs`).
//! - Superinstructions (named after the two instructions they fuse, e.g.
//!   `I32AddImmBrNeImm` is `I32AddImm` then `BrI32NeImm`) replace the first
//!   of two adjacent instructions and have exactly the effect of both; the
//!   second stays in place (it may be a branch target) and is skipped.

use wisp_core::TrapCode;

use super::operands::{
    AddBr, AddImm2, AddImmBr, AddImmCopy, AddImmLoad, AddImmStore, AddLoad, AndImmBr, AndImmBrImm,
    Bin, BinBin, BinBinImm, BinImm, BinImmBin, BrCmp, BrCmpImm, CmpBr, CmpImmSelect, CmpSelect,
    Load, LoadBr, LoadLoad, LoadStore, ShlAddLoad, Slot, Store, StoreAdd, StoreImm, StoreImmAdd,
    Target, Un,
};

/// One instruction of wisp's internal code (16 bytes, see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Instr {
    // ----- Control --------------------------------------------------------
    /// Traps with the given code (`unreachable`).
    Trap(TrapCode),
    /// Charges `amount` fuel for the code it pays for (up to the next check;
    /// see `docs/bytecode.md`, "Fuel"); when less fuel
    /// remains, suspends *at* this instruction so a resume re-executes it.
    ConsumeFuel {
        amount: u32,
    },
    /// Jumps to `target`.
    Br {
        target: Target,
    },
    /// Jumps through a table: followed by `len + 1` `Br` entries (the last is
    /// the default); takes entry `min(slot[index] as u32, len)`.
    BrTable {
        index: Slot,
        len: u32,
    },
    /// A copy of the `BrTable { index, len }` at instruction `table`, made
    /// where tail duplication copied the block that `BrTable` ends: jumps
    /// through that instruction's entries, so the copy is one word.
    BrTableAt {
        index: Slot,
        len: u32,
        table: Target,
    },
    /// Returns with no results.
    Return,
    /// Returns one result, read from `src`.
    Return1 {
        src: Slot,
    },
    /// Returns one 32-bit immediate result (zero-extended).
    ReturnImm32 {
        value: u32,
    },
    /// Returns `len` results read from `src..src + len`.
    ReturnSpan {
        src: Slot,
        len: u32,
    },

    // ----- Fused compare-and-branch (i32) ---------------------------------
    BrI32Eq(BrCmp),
    BrI32Ne(BrCmp),
    BrI32LtS(BrCmp),
    BrI32LtU(BrCmp),
    BrI32GtS(BrCmp),
    BrI32GtU(BrCmp),
    BrI32LeS(BrCmp),
    BrI32LeU(BrCmp),
    BrI32GeS(BrCmp),
    BrI32GeU(BrCmp),
    /// `br_if` on a plain condition is `BrI32NeImm` with `imm = 0`.
    BrI32EqImm(BrCmpImm),
    BrI32NeImm(BrCmpImm),
    BrI32LtSImm(BrCmpImm),
    BrI32LtUImm(BrCmpImm),
    BrI32GtSImm(BrCmpImm),
    BrI32GtUImm(BrCmpImm),
    BrI32LeSImm(BrCmpImm),
    BrI32LeUImm(BrCmpImm),
    BrI32GeSImm(BrCmpImm),
    BrI32GeUImm(BrCmpImm),

    // ----- Fused compare-and-branch (i64) ---------------------------------
    BrI64Eq(BrCmp),
    BrI64Ne(BrCmp),
    BrI64LtS(BrCmp),
    BrI64LtU(BrCmp),
    BrI64GtS(BrCmp),
    BrI64GtU(BrCmp),
    BrI64LeS(BrCmp),
    BrI64LeU(BrCmp),
    BrI64GeS(BrCmp),
    BrI64GeU(BrCmp),
    BrI64EqImm(BrCmpImm),
    BrI64NeImm(BrCmpImm),
    BrI64LtSImm(BrCmpImm),
    BrI64LtUImm(BrCmpImm),
    BrI64GtSImm(BrCmpImm),
    BrI64GtUImm(BrCmpImm),
    BrI64LeSImm(BrCmpImm),
    BrI64LeUImm(BrCmpImm),
    BrI64GeSImm(BrCmpImm),
    BrI64GeUImm(BrCmpImm),

    // ----- Superinstructions (see the module docs and `translate/fuse.rs`) -
    I32AddImmBrEqImm(AddImmBr),
    I32AddImmBrNeImm(AddImmBr),
    I32AddImmBrLtSImm(AddImmBr),
    I32AddImmBrLtUImm(AddImmBr),
    I32AddImmBrGtSImm(AddImmBr),
    I32AddImmBrGtUImm(AddImmBr),
    I32AddImmBrLeSImm(AddImmBr),
    I32AddImmBrLeUImm(AddImmBr),
    I32AddImmBrGeSImm(AddImmBr),
    I32AddImmBrGeUImm(AddImmBr),
    I32AddBrEqImm(AddBr),
    I32AddBrNeImm(AddBr),
    I32AddBrLtSImm(AddBr),
    I32AddBrLtUImm(AddBr),
    I32AddBrGtSImm(AddBr),
    I32AddBrGtUImm(AddBr),
    I32AddBrLeSImm(AddBr),
    I32AddBrLeUImm(AddBr),
    I32AddBrGeSImm(AddBr),
    I32AddBrGeUImm(AddBr),
    /// `I32AndImm` then `BrI32EqImm` with `imm = 0`: branch if `a & mask == 0`.
    I32AndImmBrEqz(AndImmBr),
    /// `I32AndImm` then `BrI32NeImm` with `imm = 0`: branch if `a & mask != 0`.
    I32AndImmBrNez(AndImmBr),
    /// `F64Mul` then `F64Add` of its result (as the right operand).
    F64MulAdd(BinBin),
    /// `F64Mul` then `F64Sub` of its result (as the right operand).
    F64MulSub(BinBin),
    /// `F64Mul` then `F64Add` of its result as the *left* operand (`dst = t + x`).
    F64MulAddLeft(BinBin),
    /// `F64Mul` then `F64Sub` of its result as the *left* operand (`dst = t - x`).
    F64MulSubLeft(BinBin),
    /// `F32Mul` then `F32Add` of its result (as the right operand).
    F32MulAdd(BinBin),
    /// `F32Mul` then `F32Sub` of its result (as the right operand).
    F32MulSub(BinBin),
    /// `F32Mul` then `F32Add` of its result as the *left* operand (`dst = t + x`).
    F32MulAddLeft(BinBin),
    /// `F32Mul` then `F32Sub` of its result as the *left* operand (`dst = t - x`).
    F32MulSubLeft(BinBin),
    /// `F32Eq` then a branch if its result is true.
    F32EqBrNez(CmpBr),
    /// `F32Eq` then a branch if its result is false.
    F32EqBrEqz(CmpBr),
    /// `F32Ne` then a branch if its result is true.
    F32NeBrNez(CmpBr),
    /// `F32Ne` then a branch if its result is false.
    F32NeBrEqz(CmpBr),
    /// `F32Lt` then a branch if its result is true.
    F32LtBrNez(CmpBr),
    /// `F32Lt` then a branch if its result is false.
    F32LtBrEqz(CmpBr),
    /// `F32Gt` then a branch if its result is true.
    F32GtBrNez(CmpBr),
    /// `F32Gt` then a branch if its result is false.
    F32GtBrEqz(CmpBr),
    /// `F32Le` then a branch if its result is true.
    F32LeBrNez(CmpBr),
    /// `F32Le` then a branch if its result is false.
    F32LeBrEqz(CmpBr),
    /// `F32Ge` then a branch if its result is true.
    F32GeBrNez(CmpBr),
    /// `F32Ge` then a branch if its result is false.
    F32GeBrEqz(CmpBr),
    /// `F64Eq` then a branch if its result is true.
    F64EqBrNez(CmpBr),
    /// `F64Eq` then a branch if its result is false.
    F64EqBrEqz(CmpBr),
    /// `F64Ne` then a branch if its result is true.
    F64NeBrNez(CmpBr),
    /// `F64Ne` then a branch if its result is false.
    F64NeBrEqz(CmpBr),
    /// `F64Lt` then a branch if its result is true.
    F64LtBrNez(CmpBr),
    /// `F64Lt` then a branch if its result is false.
    F64LtBrEqz(CmpBr),
    /// `F64Gt` then a branch if its result is true.
    F64GtBrNez(CmpBr),
    /// `F64Gt` then a branch if its result is false.
    F64GtBrEqz(CmpBr),
    /// `F64Le` then a branch if its result is true.
    F64LeBrNez(CmpBr),
    /// `F64Le` then a branch if its result is false.
    F64LeBrEqz(CmpBr),
    /// `F64Ge` then a branch if its result is true.
    F64GeBrNez(CmpBr),
    /// `F64Ge` then a branch if its result is false.
    F64GeBrEqz(CmpBr),
    /// `Load32` then `Load32` from the loaded value.
    Load32Load32(LoadLoad),
    /// `I32AddImm` then another `I32AddImm` (both immediates 16-bit).
    I32AddImm2(AddImm2),
    /// `I32AddImm` (16-bit immediate) then `Store32` of its result.
    I32AddImmStore32(AddImmStore),
    /// `I32Add` then `Load32` from its result.
    I32AddLoad32(AddLoad),
    /// `I32Add` then `Load64` from its result.
    I32AddLoad64(AddLoad),
    /// `I32Add` then `Load8U` from its result.
    I32AddLoad8U(AddLoad),
    /// `I32AddImm` then `Load32` from its result.
    I32AddImmLoad32(AddImmLoad),
    /// `I32AddImm` then `Load64` from its result.
    I32AddImmLoad64(AddImmLoad),
    /// `I32AddImm` then `Load8U` from its result.
    I32AddImmLoad8U(AddImmLoad),
    /// `I32AndImm` (a 16-bit mask) then `BrI32<cmp>Imm` on its result.
    I32AndImmBrEqImm(AndImmBrImm),
    I32AndImmBrNeImm(AndImmBrImm),
    I32AndImmBrLtUImm(AndImmBrImm),
    I32AndImmBrGtUImm(AndImmBrImm),
    I32AndImmBrLeUImm(AndImmBrImm),
    I32AndImmBrGeUImm(AndImmBrImm),
    /// `I32AddImm` then a `Copy` of its result.
    I32AddImmCopy(AddImmCopy),
    /// `I32ShrUImm` then `I32Xor` with its result.
    I32ShrUImmXor(BinImmBin),
    /// `I32Xor` then `I32MulImm` of its result.
    I32XorMulImm(BinBinImm),
    /// `I64Xor` then `I64Mul` with its result.
    I64XorMul(BinBin),

    // ----- Calls -----------------------------------------------------------
    /// Calls defined function `func` of the current module (index among the
    /// module's functions, imports included); the callee's frame starts at
    /// slot `args`, where the arguments already are.
    CallInternal {
        func: u32,
        args: Slot,
    },
    /// Calls imported function `func` through the instance's function table
    /// (a Wasm function of any instance, or a host function).
    CallImported {
        func: u32,
        args: Slot,
    },
    /// Calls the function at `table[slot[index]]` (the table index is in the
    /// following `CallIndirectTable`), checking it has module type `type_index`.
    CallIndirect {
        type_index: u32,
        index: Slot,
        args: Slot,
    },
    /// Trailing word of `CallIndirect`: its table index. Never dispatched.
    CallIndirectTable {
        table: u32,
    },

    // ----- Variables, constants and parametric -----------------------------
    /// `dst = src`.
    Copy {
        dst: Slot,
        src: Slot,
    },
    /// `dst = a; dst + 1 = b`, both read before either is written (two
    /// adjacent copies merged, e.g. call arguments).
    Copy2 {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    /// `dst = value` (zero-extended).
    Const32 {
        dst: Slot,
        value: u32,
    },
    /// `dst = (hi << 32) | lo`.
    Const64 {
        dst: Slot,
        lo: u32,
        hi: u32,
    },
    /// `dst = if slot[cond] as u32 != 0 { a } else { b }`; `cond` is in the
    /// following `SelectCond`.
    Select {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    /// Trailing word of `Select`: its condition slot. Never dispatched.
    SelectCond {
        cond: Slot,
    },
    /// `dst = global[global]` (module global index).
    GlobalGet {
        dst: Slot,
        global: u32,
    },
    /// `global[global] = src`.
    GlobalSet {
        global: u32,
        src: Slot,
    },
    /// `dst = ` a reference to module function `func`.
    RefFunc {
        dst: Slot,
        func: u32,
    },

    // ----- Memory ------------------------------------------------------------
    /// 4 bytes, zero-extended: `i32.load`, `f32.load`, `i64.load32_u`.
    Load32(Load),
    /// 8 bytes: `i64.load`, `f64.load`.
    Load64(Load),
    /// 1 byte, zero-extended: `i32.load8_u`, `i64.load8_u`.
    Load8U(Load),
    /// 2 bytes, zero-extended: `i32.load16_u`, `i64.load16_u`.
    Load16U(Load),
    I32Load8S(Load),
    I32Load16S(Load),
    I64Load8S(Load),
    I64Load16S(Load),
    I64Load32S(Load),
    /// Low byte: `i32.store8`, `i64.store8`.
    Store8(Store),
    /// Low 2 bytes: `i32.store16`, `i64.store16`.
    Store16(Store),
    /// Low 4 bytes: `i32.store`, `f32.store`, `i64.store32`.
    Store32(Store),
    /// 8 bytes: `i64.store`, `f64.store`.
    Store64(Store),
    Store8Imm(StoreImm),
    Store16Imm(StoreImm),
    Store32Imm(StoreImm),
    Store64Imm(StoreImm),
    /// `*Add` loads: `dst = load(memory[(a + imm) mod 2^32])`, an `i32.add`
    /// of an immediate fused into a load whose static offset is 0.
    Load32Add(BinImm),
    /// `dst = load32(((a << 2) + imm) mod 2^32)`: an indexed 4-byte load.
    Load32Idx(BinImm),
    /// `dst = load64(((a << 3) + imm) mod 2^32)`: an indexed 8-byte load.
    Load64Idx(BinImm),
    Load64Add(BinImm),
    Load8UAdd(BinImm),
    Load16UAdd(BinImm),
    I32Load8SAdd(BinImm),
    I32Load16SAdd(BinImm),
    I64Load8SAdd(BinImm),
    I64Load16SAdd(BinImm),
    I64Load32SAdd(BinImm),
    /// `*Add` stores: the same fusion for stores (see [`StoreAdd`]).
    Store8Add(StoreAdd),
    Store16Add(StoreAdd),
    Store32Add(StoreAdd),
    Store64Add(StoreAdd),
    Store8ImmAdd(StoreImmAdd),
    Store16ImmAdd(StoreImmAdd),
    Store32ImmAdd(StoreImmAdd),
    Store64ImmAdd(StoreImmAdd),
    /// `dst = memory.size` (pages).
    MemorySize {
        dst: Slot,
    },
    /// `dst = memory.grow(slot[delta])` (old size, or -1).
    MemoryGrow {
        dst: Slot,
        delta: Slot,
    },
    /// `memory.fill` with (dst, value, len) in `args..args + 3`.
    MemoryFill {
        args: Slot,
    },
    /// `memory.copy` with (dst, src, len) in `args..args + 3`.
    MemoryCopy {
        args: Slot,
    },
    /// `memory.init` of segment `data` with (dst, src, len) in `args..args + 3`.
    MemoryInit {
        args: Slot,
        data: u32,
    },
    DataDrop {
        data: u32,
    },

    // ----- Tables -------------------------------------------------------------
    TableGet {
        dst: Slot,
        index: Slot,
        table: u32,
    },
    TableSet {
        index: Slot,
        value: Slot,
        table: u32,
    },
    TableSize {
        dst: Slot,
        table: u32,
    },
    /// `table.grow` with (init, delta) in `args..args + 2`; the result goes to `args`.
    TableGrow {
        args: Slot,
        table: u32,
    },
    /// `table.fill` with (index, value, len) in `args..args + 3`.
    TableFill {
        args: Slot,
        table: u32,
    },
    /// `table.copy` with (dst, src, len) in `args..args + 3`.
    TableCopy {
        args: Slot,
        dst_table: u32,
        src_table: u32,
    },
    /// `table.init` of segment `elem` with (dst, src, len) in `args..args + 3`.
    TableInit {
        args: Slot,
        table: u32,
        elem: u32,
    },
    ElemDrop {
        elem: u32,
    },

    // ----- i32 ---------------------------------------------------------------
    I32Eq(Bin),
    I32Ne(Bin),
    I32LtS(Bin),
    I32LtU(Bin),
    I32GtS(Bin),
    I32GtU(Bin),
    I32LeS(Bin),
    I32LeU(Bin),
    I32GeS(Bin),
    I32GeU(Bin),
    /// Also `i32.eqz` (with `imm = 0`).
    I32EqImm(BinImm),
    I32NeImm(BinImm),
    I32LtSImm(BinImm),
    I32LtUImm(BinImm),
    I32GtSImm(BinImm),
    I32GtUImm(BinImm),
    I32LeSImm(BinImm),
    I32LeUImm(BinImm),
    I32GeSImm(BinImm),
    I32GeUImm(BinImm),
    I32Clz(Un),
    I32Ctz(Un),
    I32Popcnt(Un),
    I32Add(Bin),
    /// `dst = a + (b << 2)`: an address computation fused from `i32.shl` by 2.
    I32AddShl2(Bin),
    /// `dst = a + (b << 3)`: an address computation fused from `i32.shl` by 3.
    I32AddShl3(Bin),
    I32Sub(Bin),
    I32Mul(Bin),
    I32DivS(Bin),
    I32DivU(Bin),
    I32RemS(Bin),
    I32RemU(Bin),
    I32And(Bin),
    I32Or(Bin),
    I32Xor(Bin),
    I32Shl(Bin),
    I32ShrS(Bin),
    I32ShrU(Bin),
    I32Rotl(Bin),
    I32Rotr(Bin),
    /// Also `i32.sub` of an immediate (with the negated immediate).
    I32AddImm(BinImm),
    /// `dst = imm - a`.
    I32RSubImm(BinImm),
    I32MulImm(BinImm),
    I32AndImm(BinImm),
    I32OrImm(BinImm),
    I32XorImm(BinImm),
    I32ShlImm(BinImm),
    I32ShrSImm(BinImm),
    I32ShrUImm(BinImm),
    I32RotlImm(BinImm),
    I32RotrImm(BinImm),
    I32Extend8S(Un),
    I32Extend16S(Un),

    // ----- i64 ---------------------------------------------------------------
    I64Eq(Bin),
    I64Ne(Bin),
    I64LtS(Bin),
    I64LtU(Bin),
    I64GtS(Bin),
    I64GtU(Bin),
    I64LeS(Bin),
    I64LeU(Bin),
    I64GeS(Bin),
    I64GeU(Bin),
    /// Also `i64.eqz` and `ref.is_null` (with `imm = 0`).
    I64EqImm(BinImm),
    I64NeImm(BinImm),
    I64LtSImm(BinImm),
    I64LtUImm(BinImm),
    I64GtSImm(BinImm),
    I64GtUImm(BinImm),
    I64LeSImm(BinImm),
    I64LeUImm(BinImm),
    I64GeSImm(BinImm),
    I64GeUImm(BinImm),
    I64Clz(Un),
    I64Ctz(Un),
    I64Popcnt(Un),
    I64Add(Bin),
    I64Sub(Bin),
    I64Mul(Bin),
    I64DivS(Bin),
    I64DivU(Bin),
    I64RemS(Bin),
    I64RemU(Bin),
    I64And(Bin),
    I64Or(Bin),
    I64Xor(Bin),
    I64Shl(Bin),
    I64ShrS(Bin),
    I64ShrU(Bin),
    I64Rotl(Bin),
    I64Rotr(Bin),
    I64AddImm(BinImm),
    I64RSubImm(BinImm),
    I64MulImm(BinImm),
    I64AndImm(BinImm),
    I64OrImm(BinImm),
    I64XorImm(BinImm),
    I64ShlImm(BinImm),
    I64ShrSImm(BinImm),
    I64ShrUImm(BinImm),
    I64RotlImm(BinImm),
    I64RotrImm(BinImm),
    I64Extend8S(Un),
    I64Extend16S(Un),
    I64Extend32S(Un),

    // ----- f32 ---------------------------------------------------------------
    F32Eq(Bin),
    F32Ne(Bin),
    F32Lt(Bin),
    F32Gt(Bin),
    F32Le(Bin),
    F32Ge(Bin),
    F32Abs(Un),
    F32Neg(Un),
    F32Ceil(Un),
    F32Floor(Un),
    F32Trunc(Un),
    F32Nearest(Un),
    F32Sqrt(Un),
    F32Add(Bin),
    F32Sub(Bin),
    F32Mul(Bin),
    F32Div(Bin),
    F32Min(Bin),
    F32Max(Bin),
    F32Copysign(Bin),

    // ----- f64 ---------------------------------------------------------------
    F64Eq(Bin),
    F64Ne(Bin),
    F64Lt(Bin),
    F64Gt(Bin),
    F64Le(Bin),
    F64Ge(Bin),
    F64Abs(Un),
    F64Neg(Un),
    F64Ceil(Un),
    F64Floor(Un),
    F64Trunc(Un),
    F64Nearest(Un),
    F64Sqrt(Un),
    F64Add(Bin),
    F64Sub(Bin),
    F64Mul(Bin),
    F64Div(Bin),
    F64Min(Bin),
    F64Max(Bin),
    F64Copysign(Bin),
    /// `dst = src`, or the canonical NaN if `src` is a NaN
    /// ([`crate::Config::canonicalize_nans`]).
    F32CanonNan(Un),
    F64CanonNan(Un),

    // ----- Conversions -------------------------------------------------------
    I32WrapI64(Un),
    I32TruncF32S(Un),
    I32TruncF32U(Un),
    I32TruncF64S(Un),
    I32TruncF64U(Un),
    I64ExtendI32S(Un),
    I64TruncF32S(Un),
    I64TruncF32U(Un),
    I64TruncF64S(Un),
    I64TruncF64U(Un),
    F32ConvertI32S(Un),
    F32ConvertI32U(Un),
    F32ConvertI64S(Un),
    F32ConvertI64U(Un),
    F32DemoteF64(Un),
    F64ConvertI32S(Un),
    F64ConvertI32U(Un),
    F64ConvertI64S(Un),
    F64ConvertI64U(Un),
    F64PromoteF32(Un),
    I32TruncSatF32S(Un),
    I32TruncSatF32U(Un),
    I32TruncSatF64S(Un),
    I32TruncSatF64U(Un),
    I64TruncSatF32S(Un),
    I64TruncSatF32U(Un),
    I64TruncSatF64S(Un),
    I64TruncSatF64U(Un),

    // ----- Float accumulator operands ---------------------------------------
    // Each is the instruction its name starts with, except that the operand
    // its suffix names (`AccA`: `a`, `AccB`: `b`, `Acc`: the only one) is
    // read from the float accumulator of its type instead of its slot. The
    // accumulator holds that slot's value: the instruction before, which
    // is always the one executed before, wrote both (see
    // `docs/bytecode.md`, "Accumulators").
    F64AddAccA(Bin),
    F64AddAccB(Bin),
    F64SubAccA(Bin),
    F64SubAccB(Bin),
    F64MulAccA(Bin),
    F64MulAccB(Bin),
    F64DivAccA(Bin),
    F64DivAccB(Bin),
    F32AddAccA(Bin),
    F32AddAccB(Bin),
    F32SubAccA(Bin),
    F32SubAccB(Bin),
    F32MulAccA(Bin),
    F32MulAccB(Bin),
    F32DivAccA(Bin),
    F32DivAccB(Bin),
    F64SqrtAcc(Un),
    F32SqrtAcc(Un),
    /// `F64MulAdd` (a superinstruction) with the product's operand `a`
    /// (`AccA`) or `b` (`AccB`) from the accumulator.
    F64MulAddAccA(BinBin),
    F64MulAddAccB(BinBin),
    F64MulSubAccA(BinBin),
    F64MulSubAccB(BinBin),
    F32MulAddAccA(BinBin),
    F32MulAddAccB(BinBin),
    F32MulSubAccA(BinBin),
    F32MulSubAccB(BinBin),
    /// `Store64` of the `f64` accumulator (which holds slot `value`).
    Store64AccF64(Store),
    /// `Store32` of the `f32` accumulator (which holds slot `value`).
    Store32AccF32(Store),

    // ----- Integer accumulator operands -------------------------------------
    // As the float forms above: the operand the suffix names (`AccA`, `AccB`,
    // `Acc`: `a`, the address of a load, the value of a store, the compared
    // operand of a branch) is read from the integer accumulator, which holds
    // that slot's raw value.
    I32AddAccA(Bin),
    I32AddAccB(Bin),
    I32SubAccA(Bin),
    I32SubAccB(Bin),
    I32MulAccA(Bin),
    I32MulAccB(Bin),
    I32AndAccA(Bin),
    I32AndAccB(Bin),
    I32OrAccA(Bin),
    I32OrAccB(Bin),
    I32XorAccA(Bin),
    I32XorAccB(Bin),
    I32ShlAccA(Bin),
    I32ShlAccB(Bin),
    I32ShrUAccA(Bin),
    I32ShrUAccB(Bin),
    I32ShrSAccA(Bin),
    I32ShrSAccB(Bin),
    I64AddAccA(Bin),
    I64AddAccB(Bin),
    I64SubAccA(Bin),
    I64SubAccB(Bin),
    I64MulAccA(Bin),
    I64MulAccB(Bin),
    I64AndAccA(Bin),
    I64AndAccB(Bin),
    I64OrAccA(Bin),
    I64OrAccB(Bin),
    I64XorAccA(Bin),
    I64XorAccB(Bin),
    I64ShlAccA(Bin),
    I64ShlAccB(Bin),
    I64ShrUAccA(Bin),
    I64ShrUAccB(Bin),
    I64ShrSAccA(Bin),
    I64ShrSAccB(Bin),
    I32AddImmAcc(BinImm),
    I32MulImmAcc(BinImm),
    I32AndImmAcc(BinImm),
    I32OrImmAcc(BinImm),
    I32XorImmAcc(BinImm),
    I32ShlImmAcc(BinImm),
    I32ShrUImmAcc(BinImm),
    I32ShrSImmAcc(BinImm),
    I64AddImmAcc(BinImm),
    I64MulImmAcc(BinImm),
    I64AndImmAcc(BinImm),
    I64OrImmAcc(BinImm),
    I64XorImmAcc(BinImm),
    I64ShlImmAcc(BinImm),
    I64ShrUImmAcc(BinImm),
    I64ShrSImmAcc(BinImm),
    Load32Acc(Load),
    Load64Acc(Load),
    Load8UAcc(Load),
    Load16UAcc(Load),
    Store32Acc(Store),
    Store64Acc(Store),
    Store8Acc(Store),
    Store16Acc(Store),
    BrI32NeImmAcc(BrCmpImm),
    BrI32EqImmAcc(BrCmpImm),
    /// `BrI32<cmp>` with `a` from the accumulator (a branch whose produced
    /// operand is `b` swaps its operands, and the comparison, to use these).
    BrI32EqAccA(BrCmp),
    BrI32NeAccA(BrCmp),
    BrI32LtSAccA(BrCmp),
    BrI32LtUAccA(BrCmp),
    BrI32GtSAccA(BrCmp),
    BrI32GtUAccA(BrCmp),
    BrI32LeSAccA(BrCmp),
    BrI32LeUAccA(BrCmp),
    BrI32GeSAccA(BrCmp),
    BrI32GeUAccA(BrCmp),
    Load32AddAcc(BinImm),
    Load64AddAcc(BinImm),
    Load8UAddAcc(BinImm),
    Load16UAddAcc(BinImm),
    /// `I32AddImmBr…` and `I32AndImmBr…` (superinstructions) with `a` from
    /// the accumulator.
    I32AddImmBrNeImmAcc(AddImmBr),
    I32AddImmBrLtUImmAcc(AddImmBr),
    I32AddImmBrGtUImmAcc(AddImmBr),
    I32AndImmBrEqzAcc(AndImmBr),
    I32AndImmBrNezAcc(AndImmBr),
    Load32IdxAcc(BinImm),
    Load64IdxAcc(BinImm),
    /// `I32AddImmLoad…` (superinstructions) with `a` from the accumulator.
    I32AddImmLoad32Acc(AddImmLoad),
    I32AddImmLoad64Acc(AddImmLoad),
    I32AddImmLoad8UAcc(AddImmLoad),
    /// `Select` with its condition (the slot its `SelectCond` names) from
    /// the accumulator.
    SelectAcc {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    /// `I64XorMul` and `I32XorMulImm` (superinstructions) with `a` or `b`
    /// from the accumulator.
    I64XorMulAccA(BinBin),
    I64XorMulAccB(BinBin),
    I32XorMulImmAccA(BinBinImm),
    I32XorMulImmAccB(BinBinImm),
    /// `I32ShrUImmXor` (superinstruction) with `a` from the accumulator.
    I32ShrUImmXorAcc(BinImmBin),
    I32RotlImmAcc(BinImm),
    I64RotlImmAcc(BinImm),
    I32WrapI64Acc(Un),
    /// Squares: `F64Mul`, `F32Mul`, `I32Mul` and `I64Mul` whose two
    /// operands are the same slot, read once, from the accumulator (`AccAB`:
    /// both `a` and `b`).
    F64MulAccAB(Bin),
    F32MulAccAB(Bin),
    I32MulAccAB(Bin),
    I64MulAccAB(Bin),
    /// `F64MulAdd`, `F64MulSub`, `F32MulAdd` and `F32MulSub`
    /// (superinstructions) whose product is a square: `a` and `b` are the
    /// same slot, read from the accumulator.
    F64MulAddAccAB(BinBin),
    F64MulSubAccAB(BinBin),
    F32MulAddAccAB(BinBin),
    F32MulSubAccAB(BinBin),
    /// `I32AddShl2` and `I32AddShl3` with `b`, the index, from the
    /// accumulator.
    I32AddShl2AccB(Bin),
    I32AddShl3AccB(Bin),
    /// `I32AddImmStore32` (superinstruction) with `a` from the accumulator.
    I32AddImmStore32Acc(AddImmStore),
    /// `I32ShrUImmXor` (superinstruction) computing `x ^ (x >> imm)`: `a`
    /// and `x` are the same slot (and `t` another), read from the
    /// accumulator.
    I32ShrUImmXorAccAX(BinImmBin),
    /// A load then a store of the loaded value (superinstructions, see
    /// [`LoadStore`]): 1, 4 or 8 bytes moved from `a + load` to
    /// `addr + offset` (`Load8U`, `Load32` or `Load64`, then `Store8`,
    /// `Store32` or `Store64`).
    Load8UStore8(LoadStore),
    Load32Store32(LoadStore),
    Load64Store64(LoadStore),
    /// `Load8UAdd` (from `(a + load) mod 2^32`) then `Store8` of the byte.
    Load8UAddStore8(LoadStore),
    /// The moves with `a` from the accumulator.
    Load8UStore8Acc(LoadStore),
    Load32Store32Acc(LoadStore),
    Load64Store64Acc(LoadStore),
    Load8UAddStore8Acc(LoadStore),
    /// An `i32` comparison then a `select` on its result (superinstructions,
    /// see [`CmpSelect`]): `I32LtU` (or `I32GtU`, operands swapped) and
    /// `I32LtS` (`I32GtS`), then `Select`. They skip the `Select` and its
    /// `SelectCond`.
    I32LtUSelect(CmpSelect),
    I32LtSSelect(CmpSelect),
    /// `I32GtUImm` and `I32LtUImm` then `Select` (see [`CmpImmSelect`]).
    I32GtUImmSelect(CmpImmSelect),
    I32LtUImmSelect(CmpImmSelect),
    /// `I32ShlImm`, then `I32AddImm` of its result, then `Load32` from
    /// that (superinstruction, see [`ShlAddLoad`]): skips the two after
    /// it (the second is typically fused itself, `I32AddImmLoad32`).
    I32ShlImmAddImmLoad32(ShlAddLoad),
    /// `I32ShlImmAddImmLoad32` with `a` from the accumulator.
    I32ShlImmAddImmLoad32Acc(ShlAddLoad),
    /// `Store8Imm` and `Store8ImmAdd`, then, when the instruction after
    /// them is an `I32AddBrLtUImm` (the latch of a loop that marks every
    /// k-th byte), that one too, in the same dispatch (see
    /// `translate/fuse.rs`). Otherwise exactly a `Store8Imm` or
    /// `Store8ImmAdd`.
    Store8ImmLatch(StoreImm),
    Store8ImmAddLatch(StoreImmAdd),
    /// `BrTable` with the index from the integer accumulator: the index of
    /// a switch is typically loaded or computed just before it, and the
    /// jump, often mispredicted, then need not wait for that slot's store
    /// to be forwarded to its load. Followed by its entries like `BrTable`.
    BrTableAcc {
        index: Slot,
        len: u32,
    },
    /// `BrTableAt` with the index from the integer accumulator.
    BrTableAtAcc {
        index: Slot,
        len: u32,
        table: Target,
    },
    /// `Load32Idx`, `Load32IdxAcc`, `I32AddImm`, `I32AddImmAcc`, `Load8UAdd`
    /// and `Load8UAddAcc`, then, when the instruction after them is a
    /// `BrTable` or `BrTableAt` on their result (`index == dst`), that one
    /// too, in the same dispatch (see `translate/fuse.rs`): a switch on an
    /// array element (`switch (code[pc])`), on a value less its lowest
    /// case, or on a byte. Otherwise exactly the first instruction.
    Load32IdxBrTable(BinImm),
    Load32IdxAccBrTable(BinImm),
    I32AddImmBrTable(BinImm),
    I32AddImmAccBrTable(BinImm),
    Load8UAddBrTable(BinImm),
    Load8UAddAccBrTable(BinImm),
    /// `Load32` and `Load8U`, then `BrI32EqImm`/`BrI32NeImm` on the loaded
    /// value with 0 (branch when it is zero, or when it is not): null
    /// checks and flag tests.
    Load32BrEqz(LoadBr),
    Load32BrNez(LoadBr),
    Load8UBrEqz(LoadBr),
    Load8UBrNez(LoadBr),
}

impl Instr {
    /// The branch target of a (possibly not yet resolved) branch instruction.
    /// For a `BrTableAt`, the instruction it takes its entries from: not a
    /// place control goes, but an instruction index that moves with the code
    /// like one.
    ///
    /// The translator threads the list of unresolved forward branches to a
    /// label through these fields, and patches them when the label is bound.
    pub fn branch_target_mut(&mut self) -> Option<&mut Target> {
        use Instr::*;
        match self {
            Br { target } => Some(target),
            BrTableAt { table, .. } | BrTableAtAcc { table, .. } => Some(table),
            BrI32Eq(op) | BrI32Ne(op) | BrI32LtS(op) | BrI32LtU(op) | BrI32GtS(op)
            | BrI32GtU(op) | BrI32LeS(op) | BrI32LeU(op) | BrI32GeS(op) | BrI32GeU(op)
            | BrI64Eq(op) | BrI64Ne(op) | BrI64LtS(op) | BrI64LtU(op) | BrI64GtS(op)
            | BrI64GtU(op) | BrI64LeS(op) | BrI64LeU(op) | BrI64GeS(op) | BrI64GeU(op) => {
                Some(&mut op.target)
            }
            BrI32EqImm(op) | BrI32NeImm(op) | BrI32LtSImm(op) | BrI32LtUImm(op)
            | BrI32GtSImm(op) | BrI32GtUImm(op) | BrI32LeSImm(op) | BrI32LeUImm(op)
            | BrI32GeSImm(op) | BrI32GeUImm(op) | BrI64EqImm(op) | BrI64NeImm(op)
            | BrI64LtSImm(op) | BrI64LtUImm(op) | BrI64GtSImm(op) | BrI64GtUImm(op)
            | BrI64LeSImm(op) | BrI64LeUImm(op) | BrI64GeSImm(op) | BrI64GeUImm(op)
            | BrI32NeImmAcc(op) | BrI32EqImmAcc(op) => Some(&mut op.target),
            BrI32EqAccA(op) | BrI32NeAccA(op) | BrI32LtSAccA(op) | BrI32LtUAccA(op)
            | BrI32GtSAccA(op) | BrI32GtUAccA(op) | BrI32LeSAccA(op) | BrI32LeUAccA(op)
            | BrI32GeSAccA(op) | BrI32GeUAccA(op) => Some(&mut op.target),
            _ => None,
        }
    }

    /// The branch target of any branching instruction, superinstructions
    /// included (their packed operands have no `&mut` access, and they are
    /// made after every branch is patched, so `branch_target_mut` need not
    /// see them).
    pub fn branch_target(&self) -> Option<Target> {
        use Instr::*;
        match *self {
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
            | I32AddImmBrGtUImmAcc(op) => Some(op.target),
            I32AddBrEqImm(op) | I32AddBrNeImm(op) | I32AddBrLtSImm(op) | I32AddBrLtUImm(op)
            | I32AddBrGtSImm(op) | I32AddBrGtUImm(op) | I32AddBrLeSImm(op) | I32AddBrLeUImm(op)
            | I32AddBrGeSImm(op) | I32AddBrGeUImm(op) => Some(op.target),
            I32AndImmBrEqz(op)
            | I32AndImmBrNez(op)
            | I32AndImmBrEqzAcc(op)
            | I32AndImmBrNezAcc(op) => Some(op.target),
            Load32BrEqz(op) | Load32BrNez(op) | Load8UBrEqz(op) | Load8UBrNez(op) => {
                Some(op.target)
            }
            I32AndImmBrEqImm(op)
            | I32AndImmBrNeImm(op)
            | I32AndImmBrLtUImm(op)
            | I32AndImmBrGtUImm(op)
            | I32AndImmBrLeUImm(op)
            | I32AndImmBrGeUImm(op) => Some(op.target),
            F32EqBrNez(op) | F32EqBrEqz(op) | F32NeBrNez(op) | F32NeBrEqz(op) | F32LtBrNez(op)
            | F32LtBrEqz(op) | F32GtBrNez(op) | F32GtBrEqz(op) | F32LeBrNez(op)
            | F32LeBrEqz(op) | F32GeBrNez(op) | F32GeBrEqz(op) | F64EqBrNez(op)
            | F64EqBrEqz(op) | F64NeBrNez(op) | F64NeBrEqz(op) | F64LtBrNez(op)
            | F64LtBrEqz(op) | F64GtBrNez(op) | F64GtBrEqz(op) | F64LeBrNez(op)
            | F64LeBrEqz(op) | F64GeBrNez(op) | F64GeBrEqz(op) => Some(op.target),
            mut other => other.branch_target_mut().map(|t| *t),
        }
    }

    /// Whether this is a superinstruction: it executes the instruction after
    /// it too, and then skips it.
    pub fn is_fused(&self) -> bool {
        use Instr::*;
        matches!(
            self,
            I32AddImmBrEqImm(_)
                | I32AddImmBrNeImm(_)
                | I32AddImmBrLtSImm(_)
                | I32AddImmBrLtUImm(_)
                | I32AddImmBrGtSImm(_)
                | I32AddImmBrGtUImm(_)
                | I32AddImmBrLeSImm(_)
                | I32AddImmBrLeUImm(_)
                | I32AddImmBrGeSImm(_)
                | I32AddImmBrGeUImm(_)
                | I32AddBrEqImm(_)
                | I32AddBrNeImm(_)
                | I32AddBrLtSImm(_)
                | I32AddBrLtUImm(_)
                | I32AddBrGtSImm(_)
                | I32AddBrGtUImm(_)
                | I32AddBrLeSImm(_)
                | I32AddBrLeUImm(_)
                | I32AddBrGeSImm(_)
                | I32AddBrGeUImm(_)
                | I32AndImmBrEqz(_)
                | I32AndImmBrNez(_)
                | F64MulAdd(_)
                | F64MulSub(_)
                | F64MulAddLeft(_)
                | F64MulSubLeft(_)
                | F32MulAdd(_)
                | F32MulSub(_)
                | F32MulAddLeft(_)
                | F32MulSubLeft(_)
                | F64MulAddAccA(_)
                | F64MulAddAccB(_)
                | F64MulSubAccA(_)
                | F64MulSubAccB(_)
                | F32MulAddAccA(_)
                | F32MulAddAccB(_)
                | F32MulSubAccA(_)
                | F32MulSubAccB(_)
                | F64MulAddAccAB(_)
                | F64MulSubAccAB(_)
                | F32MulAddAccAB(_)
                | F32MulSubAccAB(_)
                | Load32Load32(_)
                | I32AddImm2(_)
                | I32AddImmStore32(_)
                | I32AddImmStore32Acc(_)
                | F32EqBrNez(_)
                | F32EqBrEqz(_)
                | F32NeBrNez(_)
                | F32NeBrEqz(_)
                | F32LtBrNez(_)
                | F32LtBrEqz(_)
                | F32GtBrNez(_)
                | F32GtBrEqz(_)
                | F32LeBrNez(_)
                | F32LeBrEqz(_)
                | F32GeBrNez(_)
                | F32GeBrEqz(_)
                | F64EqBrNez(_)
                | F64EqBrEqz(_)
                | F64NeBrNez(_)
                | F64NeBrEqz(_)
                | F64LtBrNez(_)
                | F64LtBrEqz(_)
                | F64GtBrNez(_)
                | F64GtBrEqz(_)
                | F64LeBrNez(_)
                | F64LeBrEqz(_)
                | F64GeBrNez(_)
                | F64GeBrEqz(_)
                | I32AddLoad32(_)
                | I32AddLoad64(_)
                | I32AddLoad8U(_)
                | I32AddImmLoad32(_)
                | I32AddImmLoad64(_)
                | I32AddImmLoad8U(_)
                | I32AddImmLoad32Acc(_)
                | I32AddImmLoad64Acc(_)
                | I32AddImmLoad8UAcc(_)
                | I32AddImmBrNeImmAcc(_)
                | I32AddImmBrLtUImmAcc(_)
                | I32AddImmBrGtUImmAcc(_)
                | I32AndImmBrEqzAcc(_)
                | I32AndImmBrNezAcc(_)
                | I32AndImmBrEqImm(_)
                | I32AndImmBrNeImm(_)
                | I32AndImmBrLtUImm(_)
                | I32AndImmBrGtUImm(_)
                | I32AndImmBrLeUImm(_)
                | I32AndImmBrGeUImm(_)
                | I32AddImmCopy(_)
                | Load32BrEqz(_)
                | Load32BrNez(_)
                | Load8UBrEqz(_)
                | Load8UBrNez(_)
                | I32ShrUImmXor(_)
                | I32ShrUImmXorAcc(_)
                | I32ShrUImmXorAccAX(_)
                | I32XorMulImm(_)
                | I32XorMulImmAccA(_)
                | I32XorMulImmAccB(_)
                | I64XorMul(_)
                | I64XorMulAccA(_)
                | I64XorMulAccB(_)
                | Load8UStore8(_)
                | Load32Store32(_)
                | Load64Store64(_)
                | Load8UAddStore8(_)
                | Load8UStore8Acc(_)
                | Load32Store32Acc(_)
                | Load64Store64Acc(_)
                | Load8UAddStore8Acc(_)
                | I32LtUSelect(_)
                | I32LtSSelect(_)
                | I32GtUImmSelect(_)
                | I32LtUImmSelect(_)
                | I32ShlImmAddImmLoad32(_)
                | I32ShlImmAddImmLoad32Acc(_)
        )
    }
}
