//! The dispatch loop's surroundings: the entry point [`execute`], the
//! [`Env`] of store entities and stacks the loop reaches through one
//! reference, and the small helpers the loop calls on calls, returns and
//! (cold) exits.

use alloc::vec::Vec;

use wisp_core::TrapCode;
use wisp_memory::Memory;

use crate::ir::CompiledFunc;
use crate::limits::StoreLimits;
use crate::store::{
    DataEntity, ElemEntity, FuncEntity, GlobalEntity, InstanceEntity, StoreInner, TableEntity,
};

use super::call::{Inst, Limits};
#[cfg(not(all(wisp_threaded, not(test))))]
use super::dispatch::run_loop;
use super::hot::Regs;
use super::{ExecState, Exit, Frame};

/// Records the trap site in the running frame and returns the trap.
#[cold]
#[inline(never)]
pub(super) fn trapped(frames: &mut [Frame], at: usize, code: TrapCode) -> TrapCode {
    if let Some(frame) = frames.last_mut() {
        frame.pc = at as u32;
    }
    code
}

/// The memory at store address `index`, or `none` if there is no such memory.
#[inline(always)]
pub(super) fn select_memory<'a>(
    memories: &'a mut [Memory],
    index: usize,
    none: &'a mut Memory,
) -> &'a mut Memory {
    match memories.get_mut(index) {
        Some(memory) => memory,
        None => none,
    }
}

/// The running frame's frame pointer (the frame stack is never empty while
/// the loop runs). Kept in the frame rather than in a local: calls need it,
/// while every instruction competes for registers.
#[inline(always)]
pub(super) fn frame_pointer(frames: &[Frame]) -> usize {
    frames.last().map_or(0, |f| f.fp as usize)
}

/// The frame a return from the running frame goes back to (a copy);
/// `None` when the running frame is the run's outermost.
#[inline(always)]
pub(super) fn caller_frame(frames: &[Frame]) -> Option<Frame> {
    frames.len().checked_sub(2).map(|i| frames[i])
}

/// Suspends at the fuel check at `at`, so resuming re-executes it.
#[cold]
#[inline(never)]
pub(super) fn out_of_fuel(frames: &mut [Frame], at: usize, required: u64) -> Exit {
    if let Some(frame) = frames.last_mut() {
        frame.pc = at as u32;
    }
    Exit::OutOfFuel { required }
}

/// The store entities and stacks the dispatch loop works on, kept behind
/// one reference so that only the hot locals (`code`, `pc`, `regs`) compete
/// for registers.
pub(super) struct Env<'s> {
    pub(super) limits: Limits,
    pub(super) funcs: &'s [FuncEntity],
    pub(super) instances: &'s [InstanceEntity],
    pub(super) tables: &'s mut [TableEntity],
    pub(super) memories: &'s mut [Memory],
    pub(super) globals: &'s mut [GlobalEntity],
    pub(super) elems: &'s mut [ElemEntity],
    pub(super) datas: &'s mut [DataEntity],
    pub(super) fuel: &'s mut u64,
    /// The store's resource limits, and its memories' total size in pages.
    pub(super) store_limits: &'s StoreLimits,
    pub(super) memory_pages_total: &'s mut u64,
    pub(super) memory_refused: &'s mut Option<u64>,
    /// The value stack and the frames, moved out of `home` for the run
    /// and back when the `Env` is dropped (however the run ends, a panic
    /// included): held here rather than behind a reference, their pointer
    /// and length are one load from `env` instead of two, which shortens
    /// every call's and return's chain of dependent loads (fib 0.90x,
    /// calls_indirect 0.93-0.97x, malloc 0.96-0.99x pinned).
    pub(super) stack: Vec<u64>,
    pub(super) frames: Vec<Frame>,
    /// The state the stacks belong to.
    home: &'s mut ExecState,
    /// The running instance's index spaces.
    pub(super) inst: Inst<'s>,
    /// Stands in for the memory of instances without one (allocates nothing).
    pub(super) no_memory: &'s mut Memory,
    /// How the threaded backend's run ended (see `threaded::halt`).
    #[cfg(all(wisp_threaded, not(test)))]
    pub(super) outcome: Result<Exit, TrapCode>,
    /// The threaded backend's running code's first instruction (see
    /// `threaded::next`): read only by jumps and by handlers that compute
    /// the position's index, written only when the running code changes.
    #[cfg(all(wisp_threaded, not(test)))]
    pub(super) code_start: core::ptr::NonNull<crate::ir::ThreadedInstr>,
}

/// Runs the last frame of `state` until the outermost frame returns, fuel
/// runs out, a host function is called, or a trap.
pub(super) fn execute(store: &mut StoreInner, state: &mut ExecState) -> Result<Exit, TrapCode> {
    let StoreInner {
        engine,
        funcs,
        instances,
        tables,
        memories,
        globals,
        elems,
        datas,
        fuel,
        limits: store_limits,
        memory_pages_total,
        memory_refused,
        ..
    } = store;
    let top = *state.frames.last().ok_or(TrapCode::Unreachable)?;
    let inst_id = top.instance;
    let func = instances
        .get(inst_id as usize)
        .and_then(|instance| instance.module.funcs.get(top.defined as usize))
        .ok_or(TrapCode::Unreachable)?;
    // Stands in for the memory of instances without one (allocates nothing).
    let mut no_memory = Memory::new(0, Some(0)).map_err(|_| TrapCode::OutOfMemory)?;
    let mut env = Env {
        limits: Limits::new(engine.config()),
        funcs,
        instances,
        tables,
        memories,
        globals,
        elems,
        datas,
        fuel,
        store_limits,
        memory_pages_total,
        memory_refused,
        stack: core::mem::take(&mut state.stack),
        frames: core::mem::take(&mut state.frames),
        home: state,
        inst: Inst::new(instances, inst_id),
        no_memory: &mut no_memory,
        #[cfg(all(wisp_threaded, not(test)))]
        outcome: Err(TrapCode::Unreachable),
        #[cfg(all(wisp_threaded, not(test)))]
        code_start: core::ptr::NonNull::from(func.code_with_sentinel()).cast(),
    };
    // Two instances of the executor: with fuel metering, the fuel counter
    // lives in a local (a register) while it runs, instead of behind `env`.
    let pc = top.pc as usize;
    #[cfg(all(wisp_threaded, not(test)))]
    let run = if engine.config().get_consume_fuel() {
        super::threaded::run::<true>
    } else {
        super::threaded::run::<false>
    };
    #[cfg(not(all(wisp_threaded, not(test))))]
    let run = if engine.config().get_consume_fuel() {
        run_loop::<true>
    } else {
        run_loop::<false>
    };
    run(&mut env, func, pc)
}

impl Drop for Env<'_> {
    /// Gives the stacks back to the state they were taken from.
    fn drop(&mut self) {
        self.home.stack = core::mem::take(&mut self.stack);
        self.home.frames = core::mem::take(&mut self.frames);
    }
}

/// The frame of `func` at stack index `fp` (a trap if the value stack is too
/// short, which frame setup rules out).
#[inline(always)]
pub(super) fn frame<'a>(
    stack: &'a mut [u64],
    fp: usize,
    func: &CompiledFunc,
) -> Result<Regs<'a>, TrapCode> {
    Regs::new(stack, fp, func).ok_or(TrapCode::StackOverflow)
}
