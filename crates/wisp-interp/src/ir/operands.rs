//! Operand records shared by families of instructions.
//!
//! Most [`Instr`](super::Instr) variants are tuple variants wrapping one of
//! these records, so that one variant constructor (e.g. `Instr::I32Add`) is a
//! plain `fn(Bin) -> Instr` the translator can pass around, and one generic
//! executor helper serves a whole family. Every record is at most 12 bytes
//! and 4-byte aligned, which keeps [`Instr`](super::Instr) at 16 bytes.

/// A frame-relative slot index: slot `s` of the frame at `fp` is
/// `stack[fp + s]`. Slots `0..params` hold the parameters, then come the
/// declared locals, then the operand stack (the operand at height `h` lives
/// in slot `params + locals + h`).
pub type Slot = u32;

/// An absolute instruction index in the current function's code.
pub type Target = u32;

/// A slot in the narrow form used by superinstructions (see [`AddImmBr`]).
pub type Slot16 = u16;

/// A unary operation: `dst = op(src)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Un {
    pub dst: Slot,
    pub src: Slot,
}

/// A binary operation on two slots: `dst = a op b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    pub dst: Slot,
    pub a: Slot,
    pub b: Slot,
}

/// A binary operation whose right operand is an immediate: `dst = a op imm`.
///
/// The immediate is an `i32`; 64-bit operations sign-extend it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinImm {
    pub dst: Slot,
    pub a: Slot,
    pub imm: i32,
}

/// A load: `dst = memory[addr + offset]`, with `addr` the zero-extended 32-bit
/// value of slot `addr` (the sum is computed in 64 bits and cannot overflow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub dst: Slot,
    pub addr: Slot,
    pub offset: u32,
}

/// A store: `memory[addr + offset] = value` (see [`Load`] for the address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Store {
    pub addr: Slot,
    pub value: Slot,
    pub offset: u32,
}

/// A store of an immediate: `memory[addr + offset] = value` (64-bit stores
/// sign-extend it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreImm {
    pub addr: Slot,
    pub value: i32,
    pub offset: u32,
}

/// A store to a computed address: `memory[(base + add) mod 2^32] = value`
/// (an `i32.add` of an immediate fused into a store whose static offset is 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreAdd {
    pub base: Slot,
    pub add: i32,
    pub value: Slot,
}

/// A store of an immediate to a computed address (see [`StoreAdd`] and [`StoreImm`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreImmAdd {
    pub base: Slot,
    pub add: i32,
    pub value: i32,
}

/// A fused compare-and-branch on two slots: `if a cmp b { goto target }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrCmp {
    pub a: Slot,
    pub b: Slot,
    pub target: Target,
}

/// A fused compare-and-branch against an immediate: `if a cmp imm { goto target }`
/// (64-bit comparisons sign-extend the immediate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrCmpImm {
    pub a: Slot,
    pub imm: i32,
    pub target: Target,
}

// ----- Superinstruction operands ---------------------------------------------
//
// A superinstruction stands for two adjacent instructions `A; B` and has
// exactly their effect, writes included. The translator makes them in a last
// pass (`translate/fuse.rs`) and only when the operands fit these narrow
// records, which are 2-byte aligned and at most 14 bytes so that `Instr`
// stays 16 bytes.

/// `I32AddImm { dst, a, imm: add }` then `BrI32<cmp>Imm { a: dst, imm, target }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AddImmBr {
    pub dst: Slot16,
    pub a: Slot16,
    pub add: i16,
    pub imm: i32,
    pub target: Target,
}

/// `I32Add { dst, a, b }` then `BrI32<cmp>Imm { a: dst, imm, target }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AddBr {
    pub dst: Slot16,
    pub a: Slot16,
    pub b: Slot16,
    pub imm: i32,
    pub target: Target,
}

/// `I32AndImm { dst, a, imm: mask }` then `BrI32EqImm`/`BrI32NeImm { a: dst,
/// imm: 0, target }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AndImmBr {
    pub dst: Slot16,
    pub a: Slot16,
    pub mask: i32,
    pub target: Target,
}

/// A comparison `dst = a cmp b` then `BrI32NeImm`/`BrI32EqImm { a: dst,
/// imm: 0, target }` (branch when the result is 1, or when it is 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct CmpBr {
    pub dst: Slot16,
    pub a: Slot16,
    pub b: Slot16,
    pub target: Target,
}

/// Two binary operations on slots where the second takes the first's result
/// as its right operand: `t = a op1 b` then `dst = x op2 t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct BinBin {
    pub t: Slot16,
    pub a: Slot16,
    pub b: Slot16,
    pub dst: Slot16,
    pub x: Slot16,
}

/// `I32Add { dst: t, a, b }` then a load `{ dst, addr: t, offset }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AddLoad {
    pub t: Slot16,
    pub a: Slot16,
    pub b: Slot16,
    pub dst: Slot16,
    pub offset: u32,
}

/// `I32AddImm { dst: t, a, imm }` then a load `{ dst, addr: t, offset }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AddImmLoad {
    pub t: Slot16,
    pub a: Slot16,
    pub dst: Slot16,
    pub imm: i32,
    pub offset: u32,
}

/// A load `Load32`/`Load8U { dst, addr, offset }` then `BrI32EqImm` or
/// `BrI32NeImm { a: dst, imm: 0, target }`: a null check or a flag test
/// (`if (p->next)`, `while (*s)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct LoadBr {
    pub dst: Slot16,
    pub addr: Slot16,
    pub offset: u32,
    pub target: Target,
}

/// `Load32 { dst: t, addr: a, offset: first }` then `Load32 { dst, addr: t,
/// offset: second }`: a pointer loaded and followed (`p->q->x`, a vtable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct LoadLoad {
    pub t: Slot16,
    pub a: Slot16,
    pub dst: Slot16,
    pub first: u32,
    pub second: u32,
}

/// Two `I32AddImm`s in sequence: `t = a + imm_a` then `dst = b + imm_b`
/// (`b` read after `t` is written, so it may be `t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AddImm2 {
    pub t: Slot16,
    pub a: Slot16,
    pub imm_a: i16,
    pub dst: Slot16,
    pub b: Slot16,
    pub imm_b: i16,
}

/// `I32AddImm { dst: t, a, imm }` then `Store32 { addr, value: t, offset }`:
/// an incremented value written back (`p->n = n + 1`). `addr` is never `t`
/// (the translator does not fuse a store to the address it stores), so
/// the handler reads the address without caring whether `t` was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AddImmStore {
    pub t: Slot16,
    pub a: Slot16,
    pub imm: i16,
    pub addr: Slot16,
    pub offset: u32,
}

/// A load then a store of the loaded value, as in copy loops (`*d = *s`):
/// `Load… { dst: t, addr: a, offset: load }` (for `Load8UAddStore8`,
/// `Load8UAdd { dst: t, a, imm: load }`) then `Store… { addr, value: t,
/// offset }` of the same width. `addr` is never `t` (the translator does
/// not fuse a store to the address it stores), so the handler reads the
/// address without caring whether `t` was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct LoadStore {
    pub t: Slot16,
    pub a: Slot16,
    pub load: u32,
    pub addr: Slot16,
    pub offset: u32,
}

/// `I32AndImm { dst, a, imm: mask }` then `BrI32<cmp>Imm { a: dst, imm, target }`
/// (a mask that fits 16 bits, typically a byte mask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AndImmBrImm {
    pub dst: Slot16,
    pub a: Slot16,
    pub mask: i16,
    pub imm: i32,
    pub target: Target,
}

/// `I32AddImm { dst: t, a, imm }` then `Copy { dst, src: t }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct AddImmCopy {
    pub t: Slot16,
    pub a: Slot16,
    pub dst: Slot16,
    pub imm: i32,
}

/// An operation with an immediate then a binary operation on its result:
/// `t = a op1 imm` then `dst = x op2 t` (`op2` commutative, or `t` its
/// right operand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct BinImmBin {
    pub t: Slot16,
    pub a: Slot16,
    pub imm: i32,
    pub dst: Slot16,
    pub x: Slot16,
}

/// A binary operation then an operation with an immediate on its result:
/// `t = a op1 b` then `dst = t op2 imm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct BinBinImm {
    pub t: Slot16,
    pub a: Slot16,
    pub b: Slot16,
    pub dst: Slot16,
    pub imm: i32,
}

/// An `i32` comparison then a `select` on its result: `t = a <cmp> b`
/// then `dst = if t { x } else { y }` (`x` and `y` read after `t` is
/// written, so either may be `t`). Min, max and clamping idioms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct CmpSelect {
    pub t: Slot16,
    pub a: Slot16,
    pub b: Slot16,
    pub dst: Slot16,
    pub x: Slot16,
    pub y: Slot16,
}

/// [`CmpSelect`] comparing with an immediate: `t = a <cmp> imm` then
/// `dst = if t { x } else { y }` (wrap-around and clamping idioms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct CmpImmSelect {
    pub t: Slot16,
    pub a: Slot16,
    pub dst: Slot16,
    pub x: Slot16,
    pub y: Slot16,
    pub imm: i32,
}

/// `I32ShlImm { dst: s, a, imm: shift }`, then `I32AddImm { dst: t, a: s,
/// imm }`, then `Load32 { dst, addr: t, offset: 0 }`: an array element
/// whose address is kept for a store that follows (`a[i]` read, then
/// written). `shift` is the shift count modulo 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct ShlAddLoad {
    pub s: Slot16,
    pub a: Slot16,
    pub shift: u16,
    pub t: Slot16,
    pub dst: Slot16,
    pub imm: i32,
}
