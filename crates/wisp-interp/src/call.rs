//! The call driver: runs the executor, services host calls, and turns its
//! exits into results, suspensions, or errors with a Wasm backtrace.

// Nothing here may panic, whatever the module and the executor's state:
// clippy checks it (the handle-based API elsewhere panics only on an embedder's
// wrong-store handle; see `store.rs`).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use wisp_core::{TrapCode, ValType};

use crate::error::{Error, FrameInfo, Trap};
use crate::exec::{self, ExecState, Exit};
use crate::func::{CallOutcome, Caller, Func, HostError, ResumableCall, SuspendReason};
use crate::ir::CompiledFunc;
use crate::store::{FuncKind, Store, StoreInner};
use crate::value::Val;

/// Checks that `func` is in this store and `params` match its parameter types.
fn check_params(s: &StoreInner, func: Func, params: &[Val]) -> Result<(), Error> {
    let ty = s
        .funcs
        .get(func.addr() as usize)
        .and_then(|f| s.types.get(f.type_id as usize))
        .ok_or_else(|| Error::Api("the function does not belong to this store".into()))?;
    if ty.params().len() != params.len()
        || ty.params().iter().zip(params).any(|(t, v)| *t != v.ty())
    {
        return Err(Error::Api(alloc::format!(
            "function of type {ty} called with {} argument(s) of the wrong type(s)",
            params.len()
        )));
    }
    Ok(())
}

/// Starts a call of `func` and runs it until it completes or suspends.
pub(crate) fn start<T>(
    store: &mut Store<T>,
    func: Func,
    params: &[Val],
) -> Result<CallOutcome, Error> {
    check_params(&store.inner, func, params)?;
    let is_host = store
        .inner
        .funcs
        .get(func.addr() as usize)
        .is_some_and(|f| matches!(f.kind, FuncKind::Host { .. }));
    if is_host {
        let mut results = default_results(&store.inner, func.addr());
        match call_host(store, func.addr(), None, params, &mut results) {
            Ok(()) => Ok(CallOutcome::Complete(results)),
            Err(HostError::Trap(t)) => Err(Error::Trap(t)),
            Err(HostError::Suspend(payload)) => Ok(CallOutcome::Suspended(ResumableCall {
                // The arguments stay on the (frameless) stack, where
                // `retry` finds them again.
                state: ExecState {
                    stack: params.iter().map(|v| v.to_raw()).collect(),
                    ..ExecState::default()
                },
                reason: SuspendReason::Host { func, payload },
                func,
                host_slot: None,
            })),
        }
    } else {
        let args: Vec<u64> = params.iter().map(|v| v.to_raw()).collect();
        let mut state = ExecState::default();
        exec::enter(&store.inner, &mut state, func.addr(), &args)
            .map_err(|code| trap_error(&store.inner, &state, code))?;
        drive(store, state, func)
    }
}

/// Resumes a suspended call with the results of the host function that suspended it.
pub(crate) fn resume<T>(
    store: &mut Store<T>,
    call: ResumableCall,
    host_results: &[Val],
) -> Result<CallOutcome, Error> {
    let ResumableCall {
        mut state,
        reason,
        func,
        host_slot,
    } = call;
    if let SuspendReason::Host { func: host, .. } = reason {
        let ty = store.inner.func_type(host.addr());
        if ty.results().len() != host_results.len()
            || ty
                .results()
                .iter()
                .zip(host_results)
                .any(|(t, v)| *t != v.ty())
        {
            return Err(Error::Api(alloc::format!(
                "resumed with results that do not match host function type {ty}"
            )));
        }
        match host_slot {
            Some(slot) => write_raw(&mut state, slot, host_results)?,
            // The embedder called the host function directly: nothing else to run.
            None => return Ok(CallOutcome::Complete(host_results.to_vec())),
        }
    } else if !host_results.is_empty() {
        return Err(Error::Api(
            "a call suspended by fuel is resumed with no values".into(),
        ));
    }
    drive(store, state, func)
}

/// Calls the host function that suspended `call` again, with the arguments
/// it was first called with, and goes on from there: its results feed the
/// suspended code, or it suspends again (a wait that is not over yet).
pub(crate) fn retry<T>(store: &mut Store<T>, call: ResumableCall) -> Result<CallOutcome, Error> {
    let ResumableCall {
        mut state,
        reason,
        func,
        host_slot,
    } = call;
    let SuspendReason::Host { func: host, .. } = reason else {
        return Err(Error::Api(
            "only a call suspended by a host function can be retried".into(),
        ));
    };
    let ty = store.inner.func_type(host.addr());
    let args = read_raw(&state, host_slot.unwrap_or(0), ty.params())?;
    let caller_instance = caller_instance(&state);
    let mut results = default_results(&store.inner, host.addr());
    match call_host(store, host.addr(), caller_instance, &args, &mut results) {
        Ok(()) => {}
        Err(HostError::Trap(mut trap)) => {
            trap.backtrace = backtrace(&store.inner, &state);
            return Err(Error::Trap(trap));
        }
        Err(HostError::Suspend(payload)) => {
            return Ok(CallOutcome::Suspended(ResumableCall {
                state,
                reason: SuspendReason::Host {
                    func: host,
                    payload,
                },
                func,
                host_slot,
            }));
        }
    }
    match host_slot {
        Some(slot) => write_raw(&mut state, slot, &results)?,
        None => return Ok(CallOutcome::Complete(results)),
    }
    drive(store, state, func)
}

/// The instance whose code is running in `state`'s innermost frame.
fn caller_instance(state: &ExecState) -> Option<crate::Instance> {
    state.frames.last().map(|f| crate::Instance(f.instance))
}

/// Writes a host call's results to `stack[slot..]`, where the executor
/// reserved room for them (the caller's frame holds the call's results).
fn write_raw(state: &mut ExecState, slot: usize, values: &[Val]) -> Result<(), Error> {
    let dst = state
        .stack
        .get_mut(slot..)
        .and_then(|rest| rest.get_mut(..values.len()))
        .ok_or_else(|| broken("host results outside the value stack"))?;
    for (d, v) in dst.iter_mut().zip(values) {
        *d = v.to_raw();
    }
    Ok(())
}

/// Reads `types.len()` raw values at `stack[slot..]` as values of `types`.
fn read_raw(state: &ExecState, slot: usize, types: &[ValType]) -> Result<Vec<Val>, Error> {
    let raw = state
        .stack
        .get(slot..)
        .and_then(|rest| rest.get(..types.len()))
        .ok_or_else(|| broken("values outside the value stack"))?;
    Ok(raw
        .iter()
        .zip(types)
        .map(|(&r, &t)| Val::from_raw(r, t))
        .collect())
}

/// A broken invariant between the executor and the driver: reported as an
/// error rather than a panic.
#[cold]
fn broken(what: &str) -> Error {
    Error::Limit(alloc::format!("internal error: {what}"))
}

fn default_results(s: &StoreInner, func: u32) -> Vec<Val> {
    s.func_type(func)
        .results()
        .iter()
        .map(|&t| Val::default_for(t))
        .collect()
}

/// Runs the executor until the call completes, suspends or traps.
fn drive<T>(store: &mut Store<T>, mut state: ExecState, func: Func) -> Result<CallOutcome, Error> {
    loop {
        match exec::run(&mut store.inner, &mut state) {
            Ok(Exit::Return) => {
                let ty = store.inner.func_type(func.addr());
                let results = read_raw(&state, 0, ty.results())?;
                return Ok(CallOutcome::Complete(results));
            }
            Ok(Exit::OutOfFuel { required }) => {
                return Ok(CallOutcome::Suspended(ResumableCall {
                    state,
                    reason: SuspendReason::OutOfFuel { required },
                    func,
                    host_slot: None,
                }));
            }
            Ok(Exit::HostCall { func: host, slot }) => {
                let caller_instance = caller_instance(&state);
                let ty = store.inner.func_type(host);
                let args = read_raw(&state, slot, ty.params())?;
                let mut results = default_results(&store.inner, host);
                match call_host(store, host, caller_instance, &args, &mut results) {
                    Ok(()) => write_raw(&mut state, slot, &results)?,
                    Err(HostError::Trap(mut trap)) => {
                        trap.backtrace = backtrace(&store.inner, &state);
                        return Err(Error::Trap(trap));
                    }
                    Err(HostError::Suspend(payload)) => {
                        return Ok(CallOutcome::Suspended(ResumableCall {
                            state,
                            reason: SuspendReason::Host {
                                func: Func::from_addr(host),
                                payload,
                            },
                            func,
                            host_slot: Some(slot),
                        }));
                    }
                }
            }
            Err(code) => return Err(trap_error(&store.inner, &state, code)),
        }
    }
}

/// Calls host function `func`, checking the types of what it returns.
fn call_host<T>(
    store: &mut Store<T>,
    func: u32,
    instance: Option<crate::Instance>,
    args: &[Val],
    results: &mut [Val],
) -> Result<(), HostError> {
    let Some(FuncKind::Host { host_index }) = store.inner.funcs.get(func as usize).map(|f| &f.kind)
    else {
        return Err(HostError::Trap(Trap::host("not a host function")));
    };
    let Some(host) = store.host_funcs.get(*host_index as usize).map(Arc::clone) else {
        return Err(HostError::Trap(Trap::host(
            "host function missing from the store",
        )));
    };
    host(Caller { store, instance }, args, results)?;
    let ty = store.inner.func_type(func);
    if ty
        .results()
        .iter()
        .zip(results.iter())
        .any(|(t, v)| *t != v.ty())
    {
        return Err(HostError::Trap(Trap::host(alloc::format!(
            "host function returned values that do not match its type {ty}"
        ))));
    }
    Ok(())
}

/// Builds the trap error for `code`, with the backtrace of `state`'s frames.
#[cold]
fn trap_error(s: &StoreInner, state: &ExecState, code: TrapCode) -> Error {
    let mut trap = Trap::new(code);
    trap.backtrace = backtrace(s, state);
    Error::Trap(trap)
}

/// The Wasm backtrace of `state`, innermost frame first.
fn backtrace(s: &StoreInner, state: &ExecState) -> Vec<FrameInfo> {
    const MAX_FRAMES: usize = 64;
    let mut frames = vec![];
    // Each function is translated again once for its offsets, however many
    // of the frames (a recursion) run it.
    let mut translated: Vec<(u32, u32, Option<CompiledFunc>)> = vec![];
    for (depth, frame) in state.frames.iter().rev().take(MAX_FRAMES).enumerate() {
        // The innermost frame stopped at the trapping instruction; the
        // others are past their call.
        let pc = if depth == 0 {
            frame.pc as usize
        } else {
            (frame.pc as usize).saturating_sub(1)
        };
        if let Some(instance) = s.instances.get(frame.instance as usize) {
            let key = (frame.instance, frame.defined);
            if !translated.iter().any(|t| (t.0, t.1) == key) {
                let again = instance.module.with_offsets(frame.defined);
                translated.push((key.0, key.1, again));
            }
            let code_offset = translated
                .iter()
                .find(|t| (t.0, t.1) == key)
                .and_then(|t| t.2.as_ref())
                .and_then(|f| f.wasm_offset(pc));
            let decoded = &instance.module.decoded;
            let func_index = decoded.num_imported.funcs.saturating_add(frame.defined);
            frames.push(FrameInfo {
                func_index,
                func_name: decoded.func_name(func_index).map(Into::into),
                module_name: decoded.names.module.clone(),
                code_offset,
            });
        }
    }
    frames
}
