//! Linear-memory handlers: loads and stores through `wisp_memory::Memory`
//! (bounds-checked there), `memory.size/grow/fill/copy/init` and `data.drop`.
//!
//! The effective address is `slot[addr] as u32 as u64 + offset`, computed in
//! 64 bits so it cannot overflow; anything past the memory's end traps with
//! "out of bounds memory access".
//!
//! # Fast-only accesses
//! Every load and store handler takes `const FAST: bool`. With `FAST`, an
//! access the memory's fast path declines (a page boundary, a page not yet
//! writable, a pending page, out of bounds) is not completed: the handler
//! fails with `MemoryOutOfBounds` *having changed nothing* (no slot, no
//! memory byte), so the caller may run the instruction again in full. The
//! threaded backend does that: its handlers then call nothing out of line,
//! and need no callee-saved registers (see `threaded`). Superinstructions
//! therefore do all their fallible accesses before their first write.

use wisp_core::TrapCode;
use wisp_memory::Memory;

use crate::ir::{
    AddImmLoad, AddImmStore, AddLoad, BinImm, Load, LoadBr, LoadLoad, LoadStore, ShlAddLoad, Slot,
    Store, StoreAdd, StoreImm, StoreImmAdd,
};
use crate::limits::StoreLimits;
use crate::store::DataEntity;

use super::hot::Regs;
use super::numeric::Raw;

#[inline(always)]
fn effective(regs: &Regs<'_>, addr: Slot, offset: u32) -> u64 {
    regs.get(addr) as u32 as u64 + offset as u64
}

/// Loads `N` bytes at `addr` and converts them to a slot value; with
/// `FAST`, fails on anything the memory's fast path declines (see the
/// module docs). Converting before the `Result` is built keeps it two
/// registers wide: a `Result<[u8; N], _>` is packed into one, and taking
/// it apart again costs about ten instructions per load.
#[inline(always)]
fn load_value<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    addr: u64,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    if FAST {
        return match mem.load_fast::<N>(addr) {
            Some(bytes) => Ok(convert(bytes)),
            None => Err(TrapCode::MemoryOutOfBounds),
        };
    }
    Ok(convert(mem.load::<N>(addr)?))
}

/// Loads `N` bytes and writes `convert(bytes)` to the destination slot.
#[inline(always)]
pub(super) fn load<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: Load,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let addr = regs.get(op.addr) as u32;
    load_from::<N, FAST>(mem, regs, op, addr, convert)
}

/// [`load`] with the address slot's value given (from the integer
/// accumulator); returns the loaded raw value.
#[inline(always)]
pub(super) fn load_from<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: Load,
    addr: u32,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let value = load_value::<N, FAST>(mem, u64::from(addr) + u64::from(op.offset), convert)?;
    regs.set(op.dst, value);
    Ok(value)
}

/// The load of a load-and-branch ([`LoadBr`]): [`load`] of its fields.
#[inline(always)]
pub(super) fn load_of_br<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &LoadBr,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let fields = Load {
        dst: Slot::from(op.dst),
        addr: Slot::from(op.addr),
        offset: op.offset,
    };
    load::<N, FAST>(mem, regs, fields, convert)
}

/// `I32Add { dst: t, a, b }` then a load of `N` bytes from `t + offset`.
/// (`t` is written after the load, which reads the sum from a register;
/// a trap in the load leaves `t` written, as the two instructions would.)
#[inline(always)]
pub(super) fn add_load<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &AddLoad,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let a = regs.get(Slot::from(op.a)) as u32;
    let t = a.wrapping_add(regs.get(Slot::from(op.b)) as u32);
    let loaded = load_value::<N, FAST>(mem, u64::from(t) + u64::from(op.offset), convert);
    if !FAST || loaded.is_ok() {
        regs.set(Slot::from(op.t), u64::from(t));
    }
    let value = loaded?;
    regs.set(Slot::from(op.dst), value);
    Ok(value)
}

/// `I32AddImm { dst: t, a, imm }` then a load of `N` bytes from `t + offset`
/// (ordered as in [`add_load`]), with `a`'s value given (from its slot or
/// the accumulator); returns the loaded value.
#[inline(always)]
pub(super) fn add_imm_load<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &AddImmLoad,
    a: u32,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let t = a.wrapping_add(op.imm as u32);
    let loaded = load_value::<N, FAST>(mem, u64::from(t) + u64::from(op.offset), convert);
    if !FAST || loaded.is_ok() {
        regs.set(Slot::from(op.t), u64::from(t));
    }
    let value = loaded?;
    regs.set(Slot::from(op.dst), value);
    Ok(value)
}

/// `I32ShlImm { dst: s, a, imm: shift }`, `I32AddImm { dst: t, a: s, imm }`,
/// then a 4-byte load from `t` (see [`ShlAddLoad`]), with `a`'s value given
/// (from its slot or the accumulator); returns the loaded value. `s` and
/// `t` are written after the load (ordered as in [`add_load`]).
#[inline(always)]
pub(super) fn shl_add_imm_load<const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &ShlAddLoad,
    a: u32,
) -> Result<u64, TrapCode> {
    let s = a << (op.shift & 31);
    let t = s.wrapping_add(op.imm as u32);
    let loaded = load_value::<4, FAST>(mem, u64::from(t), u32_raw);
    if !FAST || loaded.is_ok() {
        regs.set(Slot::from(op.s), u64::from(s));
        regs.set(Slot::from(op.t), u64::from(t));
    }
    let value = loaded?;
    regs.set(Slot::from(op.dst), value);
    Ok(value)
}

/// `Load32 { dst: t, addr: a, offset: first }` then `Load32 { dst, addr: t,
/// offset: second }`. A trap in the second load leaves `t` written, as the
/// two instructions would (with `FAST`, a declined second load writes
/// nothing; see the module docs).
#[inline(always)]
pub(super) fn load_load<const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &LoadLoad,
) -> Result<u64, TrapCode> {
    let first = effective(regs, Slot::from(op.a), op.first);
    let pointer = load_value::<4, FAST>(mem, first, u32_raw)?;
    let second = load_value::<4, FAST>(mem, pointer + u64::from(op.second), u32_raw);
    if !FAST || second.is_ok() {
        regs.set(Slot::from(op.t), pointer);
    }
    let value = second?;
    regs.set(Slot::from(op.dst), value);
    Ok(value)
}

/// A load of `N` bytes from `from` then a store of them (see
/// [`LoadStore`]; `addr` is not `t`, so the store's address is the same
/// read before `t` is written as after); `t` is written after the store.
/// A trap in the store leaves `t`
/// written, as the two instructions would (with `FAST`, a declined store
/// writes nothing; see the module docs).
#[inline(always)]
pub(super) fn load_store<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &LoadStore,
    from: u64,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<(), TrapCode> {
    let value = load_value::<N, FAST>(mem, from, convert)?;
    let to = effective(regs, Slot::from(op.addr), op.offset);
    let stored = store_bytes::<N, FAST>(mem, to, value.to_le_bytes());
    if !FAST || stored.is_ok() {
        regs.set(Slot::from(op.t), value);
    }
    stored
}

/// The source address of a [`LoadStore`] whose load has an offset:
/// `a + load`, in 64 bits, given `a`'s value.
#[inline(always)]
pub(super) fn load_store_from(a: u32, op: &LoadStore) -> u64 {
    u64::from(a) + u64::from(op.load)
}

/// The source address of a [`LoadStore`] whose load adds an immediate
/// (`Load8UAddStore8`): `(a + load) mod 2^32`, given `a`'s value.
#[inline(always)]
pub(super) fn load_add_store_from(a: u32, op: &LoadStore) -> u64 {
    u64::from(a.wrapping_add(op.load))
}

/// `I32AddImm { dst: t, a, imm }` then `Store32 { addr, value: t, offset }`
/// (`addr` is not `t`, see [`AddImmStore`]); `t` is written after the
/// store.
#[inline(always)]
pub(super) fn add_imm_store<const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &AddImmStore,
) -> Result<(), TrapCode> {
    let a = regs.get(Slot::from(op.a)) as u32;
    add_imm_store_from::<FAST>(mem, regs, op, a)
}

/// [`add_imm_store`] with `a`'s value given (from the integer accumulator).
#[inline(always)]
pub(super) fn add_imm_store_from<const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: &AddImmStore,
    a: u32,
) -> Result<(), TrapCode> {
    let t = a.wrapping_add(op.imm as i32 as u32);
    let addr = effective(regs, Slot::from(op.addr), op.offset);
    let stored = store_bytes::<4, FAST>(mem, addr, u64::from(t).to_le_bytes());
    if !FAST || stored.is_ok() {
        regs.set(Slot::from(op.t), u64::from(t));
    }
    stored
}

/// Loads `N` bytes at `(a + imm) mod 2^32` and writes `convert(bytes)` to the destination slot.
#[inline(always)]
pub(super) fn load_add<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: BinImm,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let a = regs.get(op.a) as u32;
    load_add_from::<N, FAST>(mem, regs, op, a, convert)
}

/// [`load_add`] with slot `a`'s value given (from the slot or the
/// accumulator); returns the loaded value.
#[inline(always)]
pub(super) fn load_add_from<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: BinImm,
    a: u32,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let addr = a.wrapping_add(op.imm as u32) as u64;
    let value = load_value::<N, FAST>(mem, addr, convert)?;
    regs.set(op.dst, value);
    Ok(value)
}

/// Loads `N` bytes at `((index << SHIFT) + imm) mod 2^32` (element `index`
/// of an array at `imm`; `index` is slot `a`'s value, given from the slot or
/// the accumulator), writes `convert(bytes)` to the destination slot and
/// returns it.
#[inline(always)]
pub(super) fn load_idx<const N: usize, const SHIFT: u32, const FAST: bool>(
    mem: &mut Memory,
    regs: &mut Regs<'_>,
    op: BinImm,
    index: u32,
    convert: impl FnOnce([u8; N]) -> u64,
) -> Result<u64, TrapCode> {
    let addr = (index << SHIFT).wrapping_add(op.imm as u32) as u64;
    let value = load_value::<N, FAST>(mem, addr, convert)?;
    regs.set(op.dst, value);
    Ok(value)
}

/// Stores the low `N` bytes of the value slot at `(base + add) mod 2^32`.
#[inline(always)]
pub(super) fn store_add<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &Regs<'_>,
    op: StoreAdd,
) -> Result<(), TrapCode> {
    let addr = (regs.get(op.base) as u32).wrapping_add(op.add as u32) as u64;
    store_bytes::<N, FAST>(mem, addr, regs.get(op.value).to_le_bytes())
}

/// Stores the low `N` bytes of the (sign-extended) immediate at `(base + add) mod 2^32`.
#[inline(always)]
pub(super) fn store_imm_add<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &Regs<'_>,
    op: StoreImmAdd,
) -> Result<(), TrapCode> {
    let addr = (regs.get(op.base) as u32).wrapping_add(op.add as u32) as u64;
    store_bytes::<N, FAST>(mem, addr, (op.value as i64 as u64).to_le_bytes())
}

/// Stores the low `N` bytes of the value slot.
#[inline(always)]
pub(super) fn store<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &Regs<'_>,
    op: Store,
) -> Result<(), TrapCode> {
    let value = regs.get(op.value).to_le_bytes();
    store_bytes::<N, FAST>(mem, effective(regs, op.addr, op.offset), value)
}

/// Stores the low `N` bytes of `value`, which an accumulator held for
/// the value slot.
#[inline(always)]
pub(super) fn store_value<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &Regs<'_>,
    op: Store,
    value: impl Raw,
) -> Result<(), TrapCode> {
    let value = value.into_raw().to_le_bytes();
    store_bytes::<N, FAST>(mem, effective(regs, op.addr, op.offset), value)
}

/// Stores the low `N` bytes of the (sign-extended) immediate.
#[inline(always)]
pub(super) fn store_imm<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    regs: &Regs<'_>,
    op: StoreImm,
) -> Result<(), TrapCode> {
    let value = (op.value as i64 as u64).to_le_bytes();
    store_bytes::<N, FAST>(mem, effective(regs, op.addr, op.offset), value)
}

/// Stores `N` bytes of `value` at `addr`; with `FAST`, fails (storing
/// nothing) on anything the memory's fast path declines.
#[inline(always)]
fn store_bytes<const N: usize, const FAST: bool>(
    mem: &mut Memory,
    addr: u64,
    value: [u8; 8],
) -> Result<(), TrapCode> {
    let mut bytes = [0u8; N];
    bytes.copy_from_slice(&value[..N]);
    if mem.store_fast::<N>(addr, bytes) {
        return Ok(());
    }
    if FAST {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    store_cold(mem, addr, bytes)
}

/// The rest of a store that [`Memory::store_fast`] declined. Out of line
/// and answering in a register-sized `Result`, so the handler calling it
/// keeps no stack slot for `Memory::store`'s larger error.
#[cold]
#[inline(never)]
fn store_cold<const N: usize>(mem: &mut Memory, addr: u64, bytes: [u8; N]) -> Result<(), TrapCode> {
    mem.store::<N>(addr, bytes).map_err(TrapCode::from)
}

// Conversions of loaded bytes to raw slot values.

#[inline(always)]
pub(super) fn u8_raw(b: [u8; 1]) -> u64 {
    b[0] as u64
}
#[inline(always)]
pub(super) fn u16_raw(b: [u8; 2]) -> u64 {
    u16::from_le_bytes(b) as u64
}
#[inline(always)]
pub(super) fn u32_raw(b: [u8; 4]) -> u64 {
    u32::from_le_bytes(b) as u64
}
#[inline(always)]
pub(super) fn u64_raw(b: [u8; 8]) -> u64 {
    u64::from_le_bytes(b)
}
#[inline(always)]
pub(super) fn i8_as_i32(b: [u8; 1]) -> u64 {
    b[0] as i8 as i32 as u32 as u64
}
#[inline(always)]
pub(super) fn i16_as_i32(b: [u8; 2]) -> u64 {
    i16::from_le_bytes(b) as i32 as u32 as u64
}
#[inline(always)]
pub(super) fn i8_as_i64(b: [u8; 1]) -> u64 {
    b[0] as i8 as i64 as u64
}
#[inline(always)]
pub(super) fn i16_as_i64(b: [u8; 2]) -> u64 {
    i16::from_le_bytes(b) as i64 as u64
}
#[inline(always)]
pub(super) fn i32_as_i64(b: [u8; 4]) -> u64 {
    i32::from_le_bytes(b) as i64 as u64
}

/// `memory.size`, in pages.
#[inline(never)]
pub(super) fn size(mem: &Memory) -> u64 {
    mem.size_pages()
}

/// `memory.grow`: the old size in pages, or -1 (as an i32) when the
/// declared maximum, the store's limits or the allocator refuse — or a
/// `MemoryLimit` trap when the limits refuse and say to trap.
#[inline(never)]
pub(super) fn grow(
    mem: &mut Memory,
    delta: u64,
    limits: &StoreLimits,
    total: &mut u64,
    refused: &mut Option<u64>,
) -> Result<u64, TrapCode> {
    use crate::store::GrowRefused;
    match crate::store::grow_memory(mem, delta, limits, total) {
        Ok(old) => Ok(old as u32 as u64),
        Err(GrowRefused::Limit { requested }) => {
            *refused = Some(requested);
            if limits.traps_on_memory_limit() {
                Err(TrapCode::MemoryLimit)
            } else {
                Ok(u32::MAX as u64)
            }
        }
        Err(GrowRefused::Failed) => Ok(u32::MAX as u64),
    }
}

/// The three i32 operands of a bulk instruction (in slots `args..args + 3`),
/// zero-extended.
#[inline]
pub(super) fn bulk_args(regs: &Regs<'_>, args: Slot) -> (u64, u64, u64) {
    (
        regs.get(args) as u32 as u64,
        regs.get(args + 1) as u32 as u64,
        regs.get(args + 2) as u32 as u64,
    )
}

/// `memory.fill` (dst, value, len).
#[inline(never)]
pub(super) fn fill(mem: &mut Memory, (dst, value, len): (u64, u64, u64)) -> Result<(), TrapCode> {
    mem.fill(dst, value as u8, len)?;
    Ok(())
}

/// `memory.copy` (dst, src, len), overlapping ranges allowed.
#[inline(never)]
pub(super) fn copy(mem: &mut Memory, (dst, src, len): (u64, u64, u64)) -> Result<(), TrapCode> {
    mem.copy_within(dst, src, len)?;
    Ok(())
}

/// `memory.init` (dst, src, len) from a data segment (empty once dropped).
#[inline(never)]
pub(super) fn init(
    mem: &mut Memory,
    data: &DataEntity,
    (dst, src, len): (u64, u64, u64),
) -> Result<(), TrapCode> {
    let bytes = data.bytes();
    let end = src.checked_add(len).ok_or(TrapCode::MemoryOutOfBounds)?;
    if end > bytes.len() as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    mem.write(dst, &bytes[src as usize..end as usize])?;
    Ok(())
}

/// `data.drop`: the segment becomes empty.
#[inline(never)]
pub(super) fn drop_data(data: &mut DataEntity) {
    data.range = data.range.start..data.range.start;
}
