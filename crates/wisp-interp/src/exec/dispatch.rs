//! The dispatch loop: `loop { match *code.fetch() { ... } }`, one arm per
//! instruction (the arms are [`execute_instr`] in `step.rs`), each a call
//! to a named, `#[inline(always)]` handler. Also the threaded backend's
//! generic handler, which expands the same arms for one instruction kind.
//!
//! Hot state lives in locals: `code` (the instruction pointer into the
//! running function), `regs` (the running frame's slots) and `mem` (the
//! running instance's memory); `code` and `regs` are the unchecked types of
//! [`hot`](super::hot). Everything else sits behind one `&mut Env`: the
//! store's entities, the stacks, and the running instance's cached index
//! spaces. `ExecState::frames` is written only on calls, returns and exits:
//! a call stores the caller's resume pc, a trap stores the trapping
//! instruction's index, a suspension stores where to resume. Handlers that
//! can trap return `Result<_, TrapCode>`; the `t!` macro turns an `Err` into
//! that cold exit.
//!
//! # Note
//! A `match` compiles to one jump table, which is the portable baseline (no
//! tail calls on stable Rust). The loop matches on a *reference* to the
//! instruction: the shared dispatch block then loads only the tag (matching
//! on a copy made LLVM load and sign-extend every field there, for every
//! instruction, costing about a fifth of all executed machine instructions).
//! The loop is one huge function, so LLVM's register allocation is
//! sensitive to every arm: keep the set of loop-carried locals minimal (the
//! frame pointer, for one, is read from the frame stack on calls instead),
//! build `code` and `regs` as locals (not parameters, which stay in memory)
//! and keep cold work out of line.

use wisp_core::TrapCode;

use crate::ir::{CompiledFunc, Instr, Slot};
use crate::num;
use wisp_memory::Memory;

use super::Exit;
use super::call::{push_frame, push_plain_frame, resolve_indirect, switch_instance};
use super::control::{
    add_br, add_imm_br, and_imm_br, and_imm_br_imm, br_cmp, br_cmp_acc_a, br_cmp_imm,
    br_cmp_imm_on, br_on_zero, br_table_after, cmp_br, latch_after_store, strided_store_loop,
    write_results,
};
use super::env::{Env, caller_frame, frame, frame_pointer, out_of_fuel, select_memory, trapped};
use super::hot::Code;
use super::memory::{self, bulk_args, load, store_imm};
use super::numeric::{
    Raw, acc_operand, bin, bin_acc_a, bin_acc_ab, bin_acc_b, bin_bin, bin_bin_acc_a,
    bin_bin_acc_ab, bin_bin_acc_b, bin_bin_imm, bin_bin_imm_on, bin_bin_out, bin_imm, bin_imm_acc,
    bin_imm_bin, bin_imm_bin_acc_ax, bin_imm_bin_on, bin_imm_out, bin_out, bin_trap, int_acc, un,
    un_acc, un_out, un_trap,
};
use super::step::{enter_callee, enter_plain_callee, execute_instr, t};
use super::table;
use super::variable;

/// Leaves the loop with the given result.
macro_rules! exit_loop {
    (@trap $env:ident, $at:expr, $trap:expr) => {
        return Err(trapped(&mut $env.frames, $at, $trap))
    };
    ($e:expr) => {
        return $e
    };
}

/// Keeps every arm of `execute_instr!` (see its `$keep`): the loop and
/// `slow` run every kind.
macro_rules! keep_all {
    ($($kind:path)|+) => {
        true
    };
}

/// The dispatch loop proper, starting at instruction `pc` of `func` in the
/// last frame. `METERED` says whether the code has fuel checks: then the
/// remaining fuel is kept in a local and written back on every exit.
#[inline(never)]
#[cfg_attr(
    all(wisp_threaded, not(test)),
    allow(dead_code, reason = "the threaded backend replaces the loop")
)]
pub(super) fn run_loop<'s, const METERED: bool>(
    env: &mut Env<'s>,
    func: &'s CompiledFunc,
    pc: usize,
) -> Result<Exit, TrapCode> {
    // A local, so that LLVM keeps the instruction pointer (and the fuel) in
    // registers.
    let mut code = Code::<METERED>::new(func, pc, *env.fuel).ok_or(TrapCode::Unreachable)?;
    let exit = run_loop_body(env, func, &mut code);
    if METERED {
        *env.fuel = code.fuel();
    }
    exit
}

/// The loop of [`run_loop`], which writes the fuel back however it exits.
#[inline(always)]
#[cfg_attr(
    all(wisp_threaded, not(test)),
    allow(dead_code, reason = "the threaded backend replaces the loop")
)]
fn run_loop_body<'s, const METERED: bool>(
    env: &mut Env<'s>,
    func: &'s CompiledFunc,
    code: &mut Code<'s, METERED>,
) -> Result<Exit, TrapCode> {
    let mut regs = frame(&mut env.stack, frame_pointer(&env.frames), func)?;
    let mut mem: &mut Memory = select_memory(env.memories, env.inst.memory, &mut *env.no_memory);
    // The accumulators (see `translate/accumulators.rs`).
    let mut acci = 0u64;
    let mut acc64 = 0.0f64;
    let mut acc32 = 0.0f32;
    // Loads and stores complete in place, cold paths included.
    const FAST: bool = false;
    loop {
        let instr = code.fetch();
        execute_instr!(
            instr,
            env,
            code,
            regs,
            mem,
            acci,
            acc64,
            acc32,
            &mut *env.no_memory,
            exit_loop,
            t,
            keep_all
        );
    }
}

/// The threaded handler of the instructions with tag `TAG` (see
/// [`threaded`](super::threaded)): the instruction at `ip`, then a tail
/// call of the next one's handler.
///
/// Loads and stores take only the memory's fast path here (`FAST`):
/// when it declines, nothing has changed, and the handler tail-calls
/// [`slow`] to run the same instruction in full. So no handler calls a
/// function and comes back, and the simple ones save no registers.
#[cfg(all(wisp_threaded, not(test)))]
#[inline(never)]
#[allow(
    unsafe_code,
    reason = "rebuilds the hot state from the registers the previous handler passed"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the handler signature: each argument is a register one handler passes the next"
)]
pub(super) fn handler<'s, const TAG: u16, const METERED: bool>(
    ip: core::ptr::NonNull<crate::ir::ThreadedInstr>,
    regs: core::ptr::NonNull<u64>,
    mem: core::ptr::NonNull<Memory>,
    env: &mut Env<'s>,
    fuel: super::threaded::Fuel,
    acci: u64,
    acc64: f64,
    acc32: f32,
) -> super::threaded::Halt {
    use super::threaded::{fuel_of, halt, next, trap_halt};
    let entry_start = env.code_start;
    // SAFETY: `ip` comes from `Code::into_parts` of the previous handler
    // (or of `threaded::run`), and `env.code_start` is the start of the
    // same code (`next` keeps it so), code of the store, which `env`
    // borrows for `'s`.
    let mut code =
        unsafe { Code::<'s, METERED>::from_parts(ip, entry_start, fuel_of::<METERED>(fuel)) };
    let code = &mut code;
    // SAFETY: `regs` comes from `Regs::into_raw` of the previous handler,
    // and the value stack was not resized since (a handler that resizes it
    // builds its `Regs` anew).
    let mut regs = unsafe { super::hot::Regs::from_raw(regs) };
    // SAFETY: `mem` is the running instance's memory (or `no_memory`),
    // which `env` borrows for the whole run; handlers reach memories only
    // through it or by replacing it.
    let mut mem: &mut Memory = unsafe { &mut *mem.as_ptr() };
    let (mut acci, mut acc64, mut acc32) = (acci, acc64, acc32);
    let instr = code.fetch();
    if instr.tag() != TAG {
        // SAFETY: the handler tables hold this handler at index `TAG` only,
        // and `next` picks the handler by the instruction's tag.
        unsafe { core::hint::unreachable_unchecked() }
    }
    /// Leaves the run with the given result. A trap is one tail call, so
    /// that no value lives across a call on the way out.
    macro_rules! exit_threaded {
        (@trap $env:ident, $at:expr, $trap:expr) => {{
            let at = $at;
            return trap_halt::<METERED>(env, code.fuel(), at, $trap);
        }};
        ($e:expr) => {{
            let outcome = $e;
            return halt::<METERED>(env, code.fuel(), outcome);
        }};
    }
    /// A load or store the fast path declined (which changed nothing):
    /// the instruction again, in full.
    macro_rules! retry_slow {
        ($env:ident, $code:ident, $exit:ident, $e:expr) => {
            match $e {
                Ok(v) => v,
                Err(_) => {
                    return super::dispatch::slow::<METERED>(
                        ip,
                        regs.into_raw(),
                        core::ptr::NonNull::from(mem),
                        env,
                        fuel,
                        acci,
                        acc64,
                        acc32,
                    );
                }
            }
        };
    }
    /// Keeps only the arm of kind `TAG` (see `execute_instr!`): a
    /// constant, so the compiler generates no code for the others.
    macro_rules! keep_kind {
        ($($kind:path)|+) => {
            const {
                // SAFETY: `TAG` is a kind's tag (the handler tables hold
                // this handler at its index); zero is a value of every
                // operand (it is evaluated here, at compile time).
                matches!(unsafe { Instr::of_tag(TAG) }, $($kind { .. })|+)
            }
        };
    }
    const FAST: bool = true;
    execute_instr!(
        instr,
        env,
        code,
        regs,
        mem,
        acci,
        acc64,
        acc32,
        &mut *env.no_memory,
        exit_threaded,
        retry_slow,
        keep_kind
    );
    next(
        code,
        entry_start,
        regs.into_raw(),
        core::ptr::NonNull::from(mem),
        env,
        acci,
        acc64,
        acc32,
    )
}

/// Runs the instruction at `ip` in full (loads and stores with their cold
/// paths), then goes on like a handler: where a [`handler`] sends a load
/// or store its memory's fast path declined. Shared by all instruction
/// kinds, and out of the hot handlers' way.
#[cfg(all(wisp_threaded, not(test)))]
#[cold]
#[inline(never)]
#[allow(
    unsafe_code,
    reason = "rebuilds the hot state from the registers the handler passed"
)]
#[allow(
    clippy::too_many_arguments,
    reason = "the handler signature: each argument is a register one handler passes the next"
)]
pub(super) fn slow<'s, const METERED: bool>(
    ip: core::ptr::NonNull<crate::ir::ThreadedInstr>,
    regs: core::ptr::NonNull<u64>,
    mem: core::ptr::NonNull<Memory>,
    env: &mut Env<'s>,
    fuel: super::threaded::Fuel,
    acci: u64,
    acc64: f64,
    acc32: f32,
) -> super::threaded::Halt {
    use super::threaded::{fuel_of, halt, next, trap_halt};
    let entry_start = env.code_start;
    // SAFETY: as in `handler`, whose arguments these are, unchanged.
    let mut code =
        unsafe { Code::<'s, METERED>::from_parts(ip, entry_start, fuel_of::<METERED>(fuel)) };
    let code = &mut code;
    // SAFETY: as in `handler`.
    let mut regs = unsafe { super::hot::Regs::from_raw(regs) };
    // SAFETY: as in `handler`.
    let mut mem: &mut Memory = unsafe { &mut *mem.as_ptr() };
    let (mut acci, mut acc64, mut acc32) = (acci, acc64, acc32);
    let instr = code.fetch();
    /// Leaves the run with the given result.
    macro_rules! exit_slow {
        (@trap $env:ident, $at:expr, $trap:expr) => {{
            let at = $at;
            return trap_halt::<METERED>(env, code.fuel(), at, $trap);
        }};
        ($e:expr) => {{
            let outcome = $e;
            return halt::<METERED>(env, code.fuel(), outcome);
        }};
    }
    const FAST: bool = false;
    execute_instr!(
        instr,
        env,
        code,
        regs,
        mem,
        acci,
        acc64,
        acc32,
        &mut *env.no_memory,
        exit_slow,
        t,
        keep_all
    );
    next(
        code,
        entry_start,
        regs.into_raw(),
        core::ptr::NonNull::from(mem),
        env,
        acci,
        acc64,
        acc32,
    )
}
