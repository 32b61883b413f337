//! Handlers for copies, `select`, globals and `ref.func`.

use crate::ir::Slot;
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
