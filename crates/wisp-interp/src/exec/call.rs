//! Calls and returns on wisp's own stacks: frame push with the depth and
//! value-stack limits, fallible value-stack growth, zeroing of declared
//! locals, `call_indirect` resolution, and the per-instance address cache.
//!
//! A Wasm call never recurses on the native stack: calling pushes a
//! [`Frame`] and switches the dispatch loop's code, returning pops it.

use alloc::vec::Vec;

use wisp_core::TrapCode;

use crate::ir::{CompiledFunc, FRAME_IMAGE_SLOTS};
use crate::store::{FuncEntity, FuncKind, InstanceEntity, TableEntity};

use super::Frame;
use super::hot::{FrameSize, Regs};

/// Initial length of the value stack, in slots (grown by doubling).
const INITIAL_STACK_SLOTS: usize = 1024;

/// The run-time limits of the call and value stacks.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Maximum number of frames.
    pub max_depth: usize,
    /// Maximum value-stack length in slots (frame pointers fit in `u32`).
    pub max_slots: usize,
}

impl Limits {
    pub(super) fn new(config: &crate::config::Config) -> Self {
        Self {
            max_depth: config.get_max_call_depth(),
            max_slots: config.get_max_value_stack_slots().min(u32::MAX as usize),
        }
    }
}

/// The current instance's index spaces, cached in the dispatch loop and
/// refreshed when a call or return switches instances.
#[derive(Debug, Clone, Copy)]
pub(super) struct Inst<'s> {
    pub id: u32,
    /// Module function index → store function address.
    pub funcs: &'s [u32],
    pub globals: &'s [u32],
    pub tables: &'s [u32],
    /// `tables[0]`, the table of nearly every `call_indirect` (`u32::MAX`
    /// when the instance has no table; validated code then has none).
    pub table0: u32,
    pub elems: &'s [u32],
    pub datas: &'s [u32],
    /// Module type index → store type id.
    pub type_ids: &'s [u32],
    /// Store address of memory 0 (`usize::MAX` when the instance has none;
    /// validated code then never accesses memory).
    pub memory: usize,
    /// The module's translated functions, and how many functions it imports.
    pub code: &'s [CompiledFunc],
    pub num_imported_funcs: u32,
    /// The store address of the module's first defined function: an
    /// instance's defined functions are allocated one after the other, so
    /// function `defined_base + i` is normally its defined function `i`
    /// (see [`Inst::wasm_func`]).
    pub defined_base: u32,
}

impl<'s> Inst<'s> {
    pub(super) fn new(instances: &'s [InstanceEntity], id: u32) -> Self {
        let entity = &instances[id as usize];
        Self {
            id,
            funcs: &entity.funcs,
            globals: &entity.globals,
            tables: &entity.tables,
            table0: entity.tables.first().copied().unwrap_or(u32::MAX),
            elems: &entity.elems,
            datas: &entity.datas,
            type_ids: &entity.type_ids,
            memory: entity.memories.first().map_or(usize::MAX, |&m| m as usize),
            code: &entity.module.funcs,
            num_imported_funcs: entity.module.decoded.num_imported.funcs,
            defined_base: entity
                .funcs
                .get(entity.module.decoded.num_imported.funcs as usize)
                .copied()
                .unwrap_or(0),
        }
    }

    /// Module function `func`, defined in this module.
    #[inline(always)]
    pub(super) fn defined(&self, func: u32) -> WasmFunc<'s> {
        let defined = func - self.num_imported_funcs;
        WasmFunc {
            code: &self.code[defined as usize],
            instance: self.id,
            defined,
        }
    }

    /// The Wasm function at store address `func` ([`wasm_func`]), found in
    /// this instance's code when it is one of this instance's functions,
    /// as the callee of an indirect call nearly always is.
    ///
    /// The callee's code is found by arithmetic on the address (`func -
    /// defined_base`), and the function's entity is only *checked* to be
    /// that function: so the callee's code does not wait for the entity's
    /// load (the check is a predicted branch), one step fewer in the chain
    /// of dependent loads between the table element and the callee's first
    /// instruction. Any other function takes the general path.
    #[inline(always)]
    pub(super) fn wasm_func(&self, funcs: &'s [FuncEntity], func: u32) -> Option<WasmFunc<'s>> {
        let defined = func.wrapping_sub(self.defined_base);
        if let (Some(code), Some(entity)) =
            (self.code.get(defined as usize), funcs.get(func as usize))
            && let FuncKind::Wasm {
                instance,
                defined_index,
                ..
            } = &entity.kind
            && *instance == self.id
            && *defined_index == defined
        {
            return Some(WasmFunc {
                code,
                instance: self.id,
                defined,
            });
        }
        wasm_func(funcs, func)
    }
}

/// Makes instance `id` the running one (a call or return across
/// instances). Out of line: the copy takes many registers, and a call or
/// return handler that inlined it would save them on every execution.
#[cold]
#[inline(never)]
pub(super) fn switch_instance<'s>(inst: &mut Inst<'s>, instances: &'s [InstanceEntity], id: u32) {
    *inst = Inst::new(instances, id);
}

/// A Wasm function's translated code and where it is defined.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WasmFunc<'a> {
    pub code: &'a CompiledFunc,
    /// The instance it belongs to.
    pub instance: u32,
    /// Its index among the module's defined functions (`Inst::code`).
    pub defined: u32,
}

/// The Wasm function at store address `func`; `None` for a host function.
#[inline]
pub(super) fn wasm_func(funcs: &[FuncEntity], func: u32) -> Option<WasmFunc<'_>> {
    match &funcs.get(func as usize)?.kind {
        FuncKind::Wasm {
            instance,
            module,
            defined_index,
        } => Some(WasmFunc {
            code: module.funcs.get(*defined_index as usize)?,
            instance: *instance,
            defined: *defined_index,
        }),
        FuncKind::Host { .. } => None,
    }
}

/// Sets up the outermost frame of a call: the stack is sized and zeroed and
/// holds `args` in the parameter slots.
pub(super) fn enter_outermost(
    limits: Limits,
    stack: &mut Vec<u64>,
    frames: &mut Vec<Frame>,
    callee: &WasmFunc<'_>,
    args: &[u64],
) -> Result<(), TrapCode> {
    let frame = Frame::new(callee, 0, 0);
    let callee = callee.code;
    stack.clear();
    frames.clear();
    let needed = callee.max_slots() as usize;
    if needed > limits.max_slots || limits.max_depth == 0 || args.len() > needed {
        return Err(TrapCode::StackOverflow);
    }
    let len = needed.max(INITIAL_STACK_SLOTS).min(limits.max_slots);
    stack
        .try_reserve_exact(len)
        .map_err(|_| TrapCode::OutOfMemory)?;
    stack.resize(len, 0);
    stack[..args.len()].copy_from_slice(args);
    init_frame(stack, 0, callee);
    frames.try_reserve(16).map_err(|_| TrapCode::OutOfMemory)?;
    frames.push(frame);
    Ok(())
}

/// Pushes the frame of a call to Wasm function `callee` whose frame starts at
/// stack index `fp` (where the caller left the arguments). `return_pc` is
/// where the caller resumes. Zeroes the callee's declared locals and writes
/// its constant slots.
#[inline(always)]
pub(super) fn push_frame(
    limits: Limits,
    stack: &mut Vec<u64>,
    frames: &mut Vec<Frame>,
    return_pc: usize,
    fp: usize,
    callee: &WasmFunc<'_>,
) -> Result<(), TrapCode> {
    let frame = Frame::new(callee, 0, fp as u32);
    let callee = callee.code;
    if frames.len() >= limits.max_depth {
        return Err(TrapCode::StackOverflow);
    }
    let end = fp + callee.max_slots() as usize;
    if end > stack.len() {
        grow_stack(stack, end, limits)?;
    }
    init_frame(stack, fp, callee);
    if frames.len() == frames.capacity() {
        grow_frames(frames)?;
    }
    if let Some(caller) = frames.last_mut() {
        caller.pc = return_pc as u32;
    }
    frames.push(frame);
    Ok(())
}

/// The longest frame image a call copies block by block (see
/// [`copy_short_image`]); a longer one costs a call of `memcpy`.
const SHORT_IMAGE_SLOTS: usize = 8 * FRAME_IMAGE_SLOTS;

/// [`push_frame`] of a call on the common path, whose arguments start
/// `args` slots into the running (caller's) frame; returns the callee's
/// frame: its `max_slots` slots of the value stack, sized by the
/// [`FrameSize`] read before the writes (so not reloaded after them).
///
/// The common path: there is a caller's frame, no limit is reached,
/// neither the value stack nor the frame stack has to grow, and the frame
/// image is short and fits in the value stack (so [`copy_short_image`]
/// copies it, with inline moves). Any other call is refused with an `Err`
/// before anything changed, for the caller to run it in full. Nothing here
/// calls a function (no `memcpy`, no growth, no trap), so a threaded call
/// handler that inlines it need not save registers around a call.
#[inline(always)]
pub(super) fn push_plain_frame<'a>(
    limits: Limits,
    stack: &'a mut [u64],
    frames: &mut Vec<Frame>,
    return_pc: usize,
    args: u32,
    callee: &WasmFunc<'_>,
) -> Result<Regs<'a>, TrapCode> {
    // Refused, not a trap: the caller runs the call in full.
    const REFUSED: TrapCode = TrapCode::StackOverflow;
    let depth = frames.len();
    if depth >= limits.max_depth || depth >= frames.capacity() {
        return Err(REFUSED);
    }
    let Some(caller) = frames.last() else {
        return Err(REFUSED);
    };
    let fp = caller.fp as usize + args as usize;
    let code = callee.code;
    let image = code.frame_image();
    let size = FrameSize::of(code);
    // The frame holds the image (`CompiledFunc::frame_image`), so this one
    // check covers the copy too.
    let Some(slots) = stack.get_mut(fp..).and_then(|s| s.get_mut(..size.slots())) else {
        return Err(REFUSED);
    };
    if image.len() > SHORT_IMAGE_SLOTS {
        return Err(REFUSED);
    }
    // The image first: what it takes (where it is, its length, the
    // parameters) is then free before the frame's fields are written.
    let params = code.num_params() as usize;
    let Some(locals) = slots.get_mut(params..params + image.len()) else {
        // Never: the frame holds the image.
        return Err(REFUSED);
    };
    copy_short_image(locals, image);
    // The push before the caller's `pc`, while the compiler still knows
    // the capacity suffices (a store to the caller's frame could be one
    // to the length).
    frames.push(Frame::new(callee, 0, fp as u32));
    if let Some(caller) = frames.get_mut(depth - 1) {
        caller.pc = return_pc as u32;
    }
    // Never refused here: `slots` is exactly the frame.
    Regs::at_start(slots, size).ok_or(REFUSED)
}

/// Zeroes the declared locals of a frame at `fp` and writes its constant
/// slots: a copy of the function's frame image, which the frame holds (see
/// `CompiledFunc::frame_image`); the caller made the stack hold the frame.
/// (Were the stack shorter, only what fits would be copied.)
#[inline(always)]
fn init_frame(stack: &mut [u64], fp: usize, callee: &CompiledFunc) {
    let image = callee.frame_image();
    let slots = &mut stack[fp + callee.num_params() as usize..];
    if let Some(locals) = slots.get_mut(..image.len())
        && image.len() <= SHORT_IMAGE_SLOTS
    {
        copy_short_image(locals, image);
    } else {
        let n = image.len().min(slots.len());
        slots[..n].copy_from_slice(&image[..n]);
    }
}

/// Copies a frame image of at most [`SHORT_IMAGE_SLOTS`] slots (a multiple
/// of [`FRAME_IMAGE_SLOTS`], by construction) to `slots`, which has its
/// length, one block of `FRAME_IMAGE_SLOTS` at a time, stopping at the
/// first block the image does not have (one test per block: the lengths
/// are equal). Each block is a copy of a constant length, a few inline
/// moves, where `copy_from_slice` of a length known only at run time calls
/// `memcpy`, which costs more than most copies and makes the call handler
/// save registers around it. Unrolled by hand: LLVM turns a loop of such
/// copies back into a call of `memcpy`.
#[inline(always)]
fn copy_short_image(slots: &mut [u64], image: &[u64]) {
    let _ = copy_image_block(slots, image, 0)
        && copy_image_block(slots, image, 1)
        && copy_image_block(slots, image, 2)
        && copy_image_block(slots, image, 3)
        && copy_image_block(slots, image, 4)
        && copy_image_block(slots, image, 5)
        && copy_image_block(slots, image, 6)
        && copy_image_block(slots, image, 7);
}

/// Copies block `index` of `image` (see [`copy_short_image`]); `false`,
/// copying nothing, if the image does not have it.
#[inline(always)]
fn copy_image_block(slots: &mut [u64], image: &[u64], index: usize) -> bool {
    let at = index * FRAME_IMAGE_SLOTS;
    let to = slots
        .get_mut(at..)
        .and_then(|s| s.first_chunk_mut::<FRAME_IMAGE_SLOTS>());
    let from = image
        .get(at..)
        .and_then(|s| s.first_chunk::<FRAME_IMAGE_SLOTS>());
    match (to, from) {
        (Some(to), Some(from)) => {
            *to = *from;
            true
        }
        _ => false,
    }
}

/// Doubles the frame stack's capacity (out of line, as `grow_stack`).
#[cold]
#[inline(never)]
fn grow_frames(frames: &mut Vec<Frame>) -> Result<(), TrapCode> {
    frames
        .try_reserve(frames.len())
        .map_err(|_| TrapCode::StackOverflow)
}

/// Grows the value stack to at least `needed` slots (doubling, within the limit).
#[cold]
#[inline(never)]
fn grow_stack(stack: &mut Vec<u64>, needed: usize, limits: Limits) -> Result<(), TrapCode> {
    if needed > limits.max_slots {
        return Err(TrapCode::StackOverflow);
    }
    let len = needed
        .max(stack.len().saturating_mul(2))
        .min(limits.max_slots);
    stack
        .try_reserve_exact(len - stack.len())
        .map_err(|_| TrapCode::OutOfMemory)?;
    stack.resize(len, 0);
    Ok(())
}

/// Resolves the target of `call_indirect`: the function at `table[index]`,
/// checked against the expected store type id.
#[inline]
pub(super) fn resolve_indirect(
    funcs: &[FuncEntity],
    table: &TableEntity,
    index: u32,
    expected_type: u32,
) -> Result<u32, TrapCode> {
    let raw = *table
        .elements
        .get(index as usize)
        .ok_or(TrapCode::UndefinedElement)?;
    let func = raw.checked_sub(1).ok_or(TrapCode::UninitializedElement)? as u32;
    match funcs.get(func as usize) {
        Some(f) if f.type_id == expected_type => Ok(func),
        _ => Err(TrapCode::IndirectCallTypeMismatch),
    }
}
