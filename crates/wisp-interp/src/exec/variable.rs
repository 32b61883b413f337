//! Handlers for copies, `select` (alone and fused with the comparison
//! that makes its condition), globals and `ref.func`.

use crate::ir::{CmpImmSelect, CmpSelect, Slot};
use crate::store::GlobalEntity;

use super::call::Inst;
use super::hot::Regs;

/// `dst = a; dst + 1 = b`, reading both first.
#[inline(always)]
pub(super) fn copy2(regs: &mut Regs<'_>, dst: Slot, a: Slot, b: Slot) {
    let (a, b) = (regs.get(a), regs.get(b));
    regs.set(dst, a);
    regs.set(dst + 1, b);
}

/// `dst = if cond != 0 { a } else { b }` (`cond` is the i32 condition's
/// value).
#[inline(always)]
pub(super) fn select(regs: &mut Regs<'_>, dst: Slot, a: Slot, b: Slot, cond: u32) {
    let chosen = if cond != 0 { a } else { b };
    regs.set(dst, regs.get(chosen));
}

/// The compare-select superinstructions on two slots ([`CmpSelect`]):
/// `t = a <cmp> b`, then `dst = if t { x } else { y }`.
#[inline(always)]
pub(super) fn compare_select(
    regs: &mut Regs<'_>,
    op: &CmpSelect,
    cmp: impl FnOnce(u32, u32) -> bool,
) {
    let a = regs.get(Slot::from(op.a)) as u32;
    let b = regs.get(Slot::from(op.b)) as u32;
    let holds = cmp(a, b);
    regs.set(Slot::from(op.t), u64::from(holds));
    select(
        regs,
        Slot::from(op.dst),
        Slot::from(op.x),
        Slot::from(op.y),
        u32::from(holds),
    );
}

/// The compare-select superinstructions with an immediate
/// ([`CmpImmSelect`]): `t = a <cmp> imm`, then `dst = if t { x } else { y }`.
#[inline(always)]
pub(super) fn compare_imm_select(
    regs: &mut Regs<'_>,
    op: &CmpImmSelect,
    cmp: impl FnOnce(u32, u32) -> bool,
) {
    let a = regs.get(Slot::from(op.a)) as u32;
    let holds = cmp(a, op.imm as u32);
    regs.set(Slot::from(op.t), u64::from(holds));
    select(
        regs,
        Slot::from(op.dst),
        Slot::from(op.x),
        Slot::from(op.y),
        u32::from(holds),
    );
}

/// `dst = global`.
#[inline(always)]
pub(super) fn global_get(
    globals: &[GlobalEntity],
    inst: &Inst<'_>,
    regs: &mut Regs<'_>,
    dst: Slot,
    global: u32,
) {
    regs.set(dst, globals[inst.globals[global as usize] as usize].value);
}

/// `global = src`.
#[inline(always)]
pub(super) fn global_set(
    globals: &mut [GlobalEntity],
    inst: &Inst<'_>,
    regs: &Regs<'_>,
    global: u32,
    src: Slot,
) {
    globals[inst.globals[global as usize] as usize].value = regs.get(src);
}

/// A reference to module function `func`: its store address plus one.
#[inline(always)]
pub(super) fn ref_func(inst: &Inst<'_>, func: u32) -> u64 {
    inst.funcs[func as usize] as u64 + 1
}
