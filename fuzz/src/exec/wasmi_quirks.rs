//! Known bugs of the reference (wasmi 2.0.0) and how the [`super::Wasmi`]
//! oracle sidesteps them, so they do not show up as wisp mismatches. Each is
//! pinned by a test in `fuzz/tests/reference_quirks.rs` that fails once
//! wasmi is upgraded to a version without the bug — then delete the
//! workaround.
//!
//! 1. **Fused `select` reads a stale condition.** wasmi's translator fuses
//!    `i32.eqz x` / `i32.eq x 0` / `i32.ne x 0` into the `select` that
//!    consumes it (`try_fuse_select` in `engine/translator/func/mod.rs`):
//!    it drops the comparison and swaps the operands, but the fused `select`
//!    reads the dropped comparison's *result* location rather than `x`, so
//!    when `x` lives in a local or stack slot the outcome is arbitrary.
//!    Minimal case: `(select (i32.const 1) (local.get 0) (i32.eqz (local.get 0)))`
//!    returns 1 for `local 0 = 5` (the spec says 5). wasm-smith emits exactly
//!    this shape for its division guards. Workaround: [`prevent_select_fusion`]
//!    routes every `select` condition through a fresh local (`local.set t;
//!    local.get t`), which wasmi never fuses; the rewritten module computes
//!    the same values.
//! 2. **Translator panic on a store whose address and value are both in the
//!    accumulator** (`unreachable!()` in `translate_store`, same file), with
//!    an offset ≥ 2^16. The oracle catches the panic
//!    ([`catch_reference_panic`]) and `exec_diff` asks the second opinion.
//! 3. **A stack operand lost across a `block (param …)` left by `br_if`**:
//!    a later instruction reads an uninitialised slot instead of the
//!    operand. No targeted workaround; `exec_diff` asks the second opinion
//!    (wasmi 1.1, [`super::legacy`]), which gets it right.
//!
//! 4. **Native stack growth in `memory.grow`**: the handler of a
//!    `memory.grow` with a non-zero delta calls the next instruction's
//!    handler instead of tail-calling it, so each one executed holds 176
//!    bytes of native stack until the call returns. A terminating module
//!    may execute 1.5 M instructions per call (`corpus::TERMINATION_FUEL`),
//!    ~264 MiB of stack if all were `memory.grow`; 2 MiB worker threads
//!    overflowed, which aborts the whole campaign. Workaround:
//!    [`on_reference_stack`] runs wasmi on a thread with a 512 MiB stack
//!    (reserved, not committed), one per calling thread.
//!
//! 5. **Panics during execution abort.** wasmi's handlers are
//!    `extern "sysv64"` functions, which cannot unwind: with lazy
//!    translation, the panic of quirk 2 happens inside them when a body is
//!    first called, and aborts the process instead of reaching
//!    [`catch_reference_panic`]. Workaround: the oracles translate every
//!    body up front (`CompilationMode::Eager`), where the panic unwinds.
//!
//! Whatever else wasmi 2.0 gets wrong is caught the same way: a
//! disagreement between wisp and wasmi 2.0 that wasmi 1.1 resolves in wisp's
//! favour is counted as a reference fault, not reported as a wisp bug.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Once, mpsc};

use wasm_encoder::reencode::{Error, Reencode};
use wasm_encoder::{CodeSection, Function, Instruction};
use wasmparser::{FunctionBody, Operator, Parser, Payload};

/// Rewrites `wasm` so every `select` takes its condition from a fresh local
/// of its function, which defeats wasmi 2.0.0's broken `select` fusion.
/// `None` when the module cannot be re-encoded (then the original is used).
pub fn prevent_select_fusion(wasm: &[u8]) -> Option<Vec<u8>> {
    let mut barrier = SelectBarrier {
        params: defined_func_params(wasm)?,
        next: 0,
    };
    let mut module = wasm_encoder::Module::new();
    barrier
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .ok()?;
    Some(module.finish())
}

/// Number of parameters of each function defined (not imported) by `wasm`.
fn defined_func_params(wasm: &[u8]) -> Option<Vec<u32>> {
    let mut types = Vec::new();
    let mut params = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.ok()?.into_types() {
                        let n = match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => f.params().len(),
                            _ => 0,
                        };
                        types.push(n as u32);
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    params.push(*types.get(ty.ok()? as usize)?);
                }
            }
            _ => {}
        }
    }
    Some(params)
}

/// The re-encoder behind [`prevent_select_fusion`].
struct SelectBarrier {
    /// Parameter counts of the defined functions, in order.
    params: Vec<u32>,
    /// Index of the next function body.
    next: usize,
}

impl Reencode for SelectBarrier {
    type Error = std::convert::Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: FunctionBody<'_>,
    ) -> Result<(), Error<Self::Error>> {
        let params = self.params.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        let mut locals = Vec::new();
        let mut count = params;
        for pair in func.get_locals_reader()? {
            let (n, ty) = pair?;
            count = count.saturating_add(n);
            locals.push((n, self.val_type(ty)?));
        }
        let temp = count;
        locals.push((1, wasm_encoder::ValType::I32));
        let mut f = Function::new(locals);
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            if matches!(op, Operator::Select | Operator::TypedSelect { .. }) {
                f.instruction(&Instruction::LocalSet(temp));
                f.instruction(&Instruction::LocalGet(temp));
            }
            f.instruction(&self.instruction(op)?);
        }
        code.function(&f);
        Ok(())
    }
}

thread_local! {
    /// Set while the reference runs, so the panic hook lets its panics unwind.
    static IN_REFERENCE: Cell<bool> = const { Cell::new(false) };
}

static FILTER: Once = Once::new();

/// Wraps the process's panic hook (once) so that panics raised while the
/// reference runs are neither printed nor escalated (libFuzzer's hook
/// aborts on any panic): they unwind to [`catch_reference_panic`]. Panics
/// anywhere else — wisp's included — reach the previous hook unchanged.
pub fn install_panic_filter() {
    FILTER.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_REFERENCE.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Stack of the thread the reference runs on (see quirk 4 above).
const REFERENCE_STACK: usize = 512 << 20;

/// A job for the reference thread.
type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// This thread's reference thread (see [`on_reference_stack`]).
    static REFERENCE_THREAD: RefCell<Option<mpsc::Sender<Job>>> = const { RefCell::new(None) };
}

/// Starts a thread with a [`REFERENCE_STACK`] stack that runs the jobs sent
/// to it until the sender is dropped.
fn start_reference_thread() -> Option<mpsc::Sender<Job>> {
    let (jobs, inbox) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("reference".into())
        .stack_size(REFERENCE_STACK)
        .spawn(move || {
            while let Ok(job) = inbox.recv() {
                job();
            }
        })
        .ok()?;
    Some(jobs)
}

/// Runs `f` on a thread with a [`REFERENCE_STACK`] stack (quirk 4); `None`
/// if no such thread can be started or `f` panics. Each calling thread
/// keeps one such thread for all its calls (it ends with the caller):
/// starting a thread per execution cost about 16% of `exec_diff`'s
/// throughput. Only the pages the reference touches cost memory.
pub fn on_reference_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    let (reply, answer) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let _ = reply.send(f());
    });
    REFERENCE_THREAD.with(|cell| {
        let mut thread = cell.borrow_mut();
        if thread.is_none() {
            *thread = start_reference_thread();
        }
        // A reference thread that died (a panic past `catch_reference_panic`)
        // is replaced on the next call.
        let sent = thread.as_ref()?.send(job);
        if sent.is_err() {
            *thread = None;
        }
        sent.ok()
    })?;
    answer.recv().ok()
}

/// Runs `f` (the reference) and returns `None` if it panicked.
pub fn catch_reference_panic<R>(f: impl FnOnce() -> R) -> Option<R> {
    install_panic_filter();
    IN_REFERENCE.with(|c| c.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    IN_REFERENCE.with(|c| c.set(false));
    r.ok()
}
