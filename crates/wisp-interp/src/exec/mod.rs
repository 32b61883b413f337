//! The executor: runs translated code with an explicit value stack and
//! explicit call frames held in heap memory.
//!
//! Interface with the call driver in `call.rs` (the crate-level one):
//! - [`enter`] sets up the outermost frame of a call to a Wasm function;
//! - [`run`] executes until the outermost frame returns ([`Exit::Return`],
//!   results in `state.stack[0..n]`), fuel runs out ([`Exit::OutOfFuel`]), a
//!   host function must be called ([`Exit::HostCall`]), or a trap
//!   (`Err(TrapCode)`, with `state.frames` left describing the trap site).
//!
//! On every exit the state is consistent, so `run` may simply be called again
//! to resume.
//!
//! Layout: the arms of both executors — one line per instruction — are the
//! `execute_instr!` macro of [`step`]; the handlers live by family in
//! [`numeric`], [`control`], [`call`], [`memory`], [`table`] and
//! [`variable`]. In optimised x86_64 and aarch64 builds the `threaded`
//! backend expands the arms into one handler per instruction kind, each
//! tail-calling the next; elsewhere (and with the `loop-dispatch`
//! feature) [`dispatch`] runs them as one `loop { match }`. Both are
//! entered through [`env`]. [`hot`] holds the instruction pointer and the
//! frame's slots, read without bounds checks. `hot`, `threaded` and the
//! threaded handlers are the executor's only `unsafe` code.

mod call;
mod control;
mod dispatch;
mod env;
// `allow`, not `expect`: the checked twin (tests, `extra-checks`) has no
// `unsafe` code.
#[allow(
    unsafe_code,
    reason = "unchecked instruction fetch and slot access, justified by the verified code"
)]
mod hot;
mod memory;
mod numeric;
mod step;
mod table;
#[cfg(all(wisp_threaded, not(test)))]
#[allow(
    unsafe_code,
    reason = "handler tables indexed by tag, and hot state passed in registers"
)]
mod threaded;
mod variable;

/// The addresses of the handlers of metered or unmetered code, by tag:
/// what [`crate::ir::ThreadedInstr`] stores beside each instruction. All
/// 0 in builds without the threaded executor, which dispatch on the tag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HandlerAddresses {
    #[cfg(all(wisp_threaded, not(test)))]
    table: &'static threaded::HandlerTable,
}

impl HandlerAddresses {
    /// The handlers of metered code, or of unmetered code.
    pub(crate) fn new(metered: bool) -> Self {
        #[cfg(all(wisp_threaded, not(test)))]
        {
            Self {
                table: threaded::handlers(metered),
            }
        }
        #[cfg(not(all(wisp_threaded, not(test))))]
        {
            let _ = metered;
            Self {}
        }
    }

    /// The address of the handler of instructions of kind `tag` (0 for a
    /// tag that is no kind's, which no instruction has).
    #[inline]
    pub(crate) fn of(self, tag: u16) -> usize {
        #[cfg(all(wisp_threaded, not(test)))]
        {
            self.table
                .get(usize::from(tag))
                .map_or(0, |&handler| handler as usize)
        }
        #[cfg(not(all(wisp_threaded, not(test))))]
        {
            let _ = tag;
            0
        }
    }
}

use alloc::vec::Vec;

use wisp_core::TrapCode;

use crate::store::StoreInner;

/// The execution state of one call: everything needed to resume it.
#[derive(Debug, Default, Clone)]
pub(crate) struct ExecState {
    /// The value stack: every frame's slots, contiguous.
    pub stack: Vec<u64>,
    /// Call frames, outermost first; the last is the running one.
    pub frames: Vec<Frame>,
}

/// One activation of a Wasm function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Index of the next instruction to execute in the function's code (of
    /// a caller: where it resumes; of the running frame: written back on
    /// every exit, and pointing at the trapping instruction after a trap).
    pub pc: u32,
    /// Index in `ExecState::stack` of the frame's slot 0.
    pub fp: u32,
    /// The function: its instance and its index among the module's defined
    /// functions, which is what a return needs to find the caller's code
    /// (a checkpoint stores the function's store address instead, see
    /// [`Frame::func_addr`]).
    pub instance: u32,
    pub defined: u32,
}

impl Frame {
    /// The frame of `func`, running from `pc`, with slot 0 at `fp`.
    pub(crate) fn new(func: &call::WasmFunc<'_>, pc: u32, fp: u32) -> Self {
        Self {
            pc,
            fp,
            instance: func.instance,
            defined: func.defined,
        }
    }

    /// The frame of the Wasm function at store address `func`; `None` if
    /// there is no such Wasm function.
    pub(crate) fn of_func(store: &StoreInner, func: u32, pc: u32, fp: u32) -> Option<Self> {
        call::wasm_func(&store.funcs, func).map(|f| Self::new(&f, pc, fp))
    }

    /// The store address of the frame's function.
    pub(crate) fn func_addr(&self, store: &StoreInner) -> Option<u32> {
        let instance = store.instances.get(self.instance as usize)?;
        let index = instance
            .module
            .decoded
            .num_imported
            .funcs
            .checked_add(self.defined)?;
        instance.funcs.get(index as usize).copied()
    }

    /// The frame's compiled code.
    pub(crate) fn code<'s>(&self, store: &'s StoreInner) -> Option<&'s crate::ir::CompiledFunc> {
        let instance = store.instances.get(self.instance as usize)?;
        instance.module.funcs.get(self.defined as usize)
    }
}

/// Why [`run`] returned without a trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The outermost frame returned; its results are in `stack[0..n]`.
    Return,
    /// A fuel check needed `required` units but fewer remain. Add fuel and call `run` again.
    OutOfFuel { required: u64 },
    /// The running code calls host function `func` (a store address). Its
    /// arguments are in `stack[slot..slot + params]`; the driver writes the
    /// results to `stack[slot..slot + results]` and calls `run` again.
    HostCall { func: u32, slot: usize },
}

/// Prepares `state` to call the Wasm function at store address `func` with `args` (raw slots).
pub(crate) fn enter(
    store: &StoreInner,
    state: &mut ExecState,
    func: u32,
    args: &[u64],
) -> Result<(), TrapCode> {
    // Not a Wasm function: the driver calls host functions itself.
    let callee = call::wasm_func(&store.funcs, func).ok_or(TrapCode::Unreachable)?;
    let limits = call::Limits::new(store.engine.config());
    call::enter_outermost(limits, &mut state.stack, &mut state.frames, &callee, args)
}

impl ExecState {
    /// The length of the value stack that frames use (the vector itself
    /// grows by doubling): what a checkpoint stores.
    pub(crate) fn used_stack_len(&self, store: &StoreInner) -> usize {
        self.frames
            .iter()
            .filter_map(|f| Some(f.fp as usize + f.code(store)?.max_slots() as usize))
            .max()
            .unwrap_or(0)
            .min(self.stack.len())
    }
}

/// Checks a state read from a checkpoint before it may run: within the
/// engine's stack limits, every frame is a Wasm function of `store`
/// positioned on an instruction boundary of its code, frames start in
/// order and each fits the value stack, and a host call's result slot lies
/// in the stack. This is what makes running it as safe as running a state
/// the executor built itself (the executor's unchecked slot and code
/// accesses rely on the verified code and on frames fitting the stack).
pub(crate) fn check_resumable(
    store: &StoreInner,
    state: &ExecState,
    host_slot: Option<usize>,
) -> Result<(), &'static str> {
    let limits = call::Limits::new(store.engine.config());
    if state.frames.len() > limits.max_depth {
        return Err("more frames than the engine's call depth limit");
    }
    if state.stack.len() > limits.max_slots {
        return Err("a value stack larger than the engine's limit");
    }
    let mut previous_fp = 0;
    for frame in &state.frames {
        let code = frame
            .code(store)
            .ok_or("a frame of something that is not a Wasm function")?;
        if !code.is_instruction_start(frame.pc as usize) {
            return Err("a frame position that is not an instruction of its function");
        }
        let end = (frame.fp as usize).checked_add(code.max_slots() as usize);
        if frame.fp < previous_fp || end.is_none_or(|e| e > state.stack.len()) {
            return Err("a frame that does not fit the value stack");
        }
        previous_fp = frame.fp;
    }
    if let Some(slot) = host_slot
        && (state.frames.is_empty() || slot >= state.stack.len())
    {
        return Err("a host call result slot outside the value stack");
    }
    Ok(())
}

/// Runs `state` until it returns, suspends, or traps.
pub(crate) fn run(store: &mut StoreInner, state: &mut ExecState) -> Result<Exit, TrapCode> {
    if state.frames.is_empty() {
        return Ok(Exit::Return);
    }
    env::execute(store, state)
}
