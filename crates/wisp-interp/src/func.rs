//! Functions: handles, host functions, calls (plain, typed and resumable).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::any::Any;
use core::marker::PhantomData;

use wisp_core::FuncType;

use crate::error::{Error, Trap};
use crate::exec::ExecState;
use crate::store::Store;
use crate::value::Val;

/// A handle to a function (Wasm or host) in a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func(u32);

impl Func {
    pub(crate) fn from_addr(addr: u32) -> Self {
        Func(addr)
    }

    pub(crate) fn addr(self) -> u32 {
        self.0
    }
}

/// The signature of a host function: typed arguments in, results written to
/// the output slice (pre-filled with zero values of the result types).
pub type HostFunc<T> =
    dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), HostError> + Send + Sync;

/// How a host function fails or pauses.
#[derive(Debug)]
pub enum HostError {
    /// Trap the whole call with this trap.
    Trap(Trap),
    /// Suspend the whole call. The embedder gets the payload back in
    /// [`SuspendReason::Host`] and resumes with the host function's results.
    /// Only calls made with [`Func::call_resumable`] can be suspended.
    Suspend(Box<dyn Any + Send>),
}

impl From<Trap> for HostError {
    fn from(t: Trap) -> Self {
        HostError::Trap(t)
    }
}

/// What a host function sees of its caller: the store and the calling instance.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<crate::Instance>,
}

impl<T> core::fmt::Debug for Caller<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Caller")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl<'a, T> Caller<'a, T> {
    pub fn data(&self) -> &T {
        self.store.data()
    }

    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    pub fn store(&self) -> &Store<T> {
        self.store
    }

    pub fn store_mut(&mut self) -> &mut Store<T> {
        self.store
    }

    /// The instance whose code called the host function (`None` when the host
    /// function was called directly by the embedder).
    pub fn instance(&self) -> Option<crate::Instance> {
        self.instance
    }

    /// An export of the calling instance, e.g. its `memory`.
    pub fn get_export(&self, name: &str) -> Option<crate::Extern> {
        self.instance?.get_export(self.store, name)
    }
}

/// The result of [`Func::call_resumable`] and [`ResumableCall::resume`].
#[derive(Debug)]
pub enum CallOutcome {
    /// The call returned these results.
    Complete(Vec<Val>),
    /// The call is suspended; resume it with [`ResumableCall::resume`].
    Suspended(ResumableCall),
}

/// Why a call is suspended.
#[derive(Debug)]
pub enum SuspendReason {
    /// A fuel check needed `required` units of fuel; add fuel with
    /// [`Store::add_fuel`] and resume with no values.
    OutOfFuel { required: u64 },
    /// Host function `func` asked to suspend; resume with its results.
    Host {
        func: Func,
        payload: Box<dyn Any + Send>,
    },
}

/// A suspended call: its whole execution state, held on the heap.
#[derive(Debug)]
pub struct ResumableCall {
    pub(crate) state: ExecState,
    pub(crate) reason: SuspendReason,
    /// The function originally called.
    pub(crate) func: Func,
    /// Where a suspended host call's results go (stack slot), if suspended by a host.
    pub(crate) host_slot: Option<usize>,
}

impl ResumableCall {
    pub fn reason(&self) -> &SuspendReason {
        &self.reason
    }

    /// Resumes the call. `host_results` are the results of the host function
    /// that suspended it (empty when it was suspended by fuel).
    pub fn resume<T>(self, store: &mut Store<T>, host_results: &[Val]) -> Result<CallOutcome, Error> {
        let _ = (store, host_results);
        todo!()
    }
}

impl Func {
    /// Creates a host function of type `ty`.
    pub fn new<T>(
        store: &mut Store<T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), HostError> + Send + Sync + 'static,
    ) -> Func {
        let _ = (store, ty, f);
        todo!()
    }

    /// The function's type.
    pub fn ty<T>(&self, store: &Store<T>) -> FuncType {
        store.inner.func_type(self.0).clone()
    }

    /// Calls the function. `results` must have exactly as many entries as the
    /// function has results. Running out of fuel or a host suspension is an error.
    pub fn call<T>(&self, store: &mut Store<T>, params: &[Val], results: &mut [Val]) -> Result<(), Error> {
        let _ = (store, params, results);
        todo!()
    }

    /// Calls the function so that it can be suspended (out of fuel, or a host
    /// function asking to) and resumed.
    pub fn call_resumable<T>(&self, store: &mut Store<T>, params: &[Val]) -> Result<CallOutcome, Error> {
        let _ = (store, params);
        todo!()
    }

    /// A statically typed view of the function; errors when the types differ.
    pub fn typed<P: WasmParams, R: WasmResults, T>(&self, store: &Store<T>) -> Result<TypedFunc<P, R>, Error> {
        let _ = store;
        todo!()
    }
}

/// A Rust type that corresponds to a Wasm value type.
pub trait WasmTy: Sized {
    fn ty() -> wisp_core::ValType;
    fn into_val(self) -> Val;
    fn from_val(v: Val) -> Option<Self>;
}

/// A tuple of [`WasmTy`] used as parameters.
pub trait WasmParams: Sized {
    fn types() -> Vec<wisp_core::ValType>;
    fn into_vals(self) -> Vec<Val>;
}

/// A tuple of [`WasmTy`] (or a single one) used as results.
pub trait WasmResults: Sized {
    fn types() -> Vec<wisp_core::ValType>;
    fn from_vals(vals: &[Val]) -> Option<Self>;
}

/// A function with statically known parameter and result types.
#[derive(Debug, Clone, Copy)]
pub struct TypedFunc<P, R> {
    func: Func,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    pub fn func(&self) -> Func {
        self.func
    }

    pub fn call<T>(&self, store: &mut Store<T>, params: P) -> Result<R, Error> {
        let _ = (store, params);
        todo!()
    }
}
