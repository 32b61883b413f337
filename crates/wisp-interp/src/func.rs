//! Functions: handles, host functions, calls (plain, typed and resumable).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::marker::PhantomData;

use wisp_core::{FuncType, ValType};

use crate::error::{Error, Trap};
use crate::exec::ExecState;
use crate::store::{FuncEntity, FuncKind, Store};
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

    /// Takes the payload of a host suspension (what the host function
    /// passed to [`HostError::Suspend`]), leaving `()` in its place; `None`
    /// for a fuel suspension.
    pub fn take_host_payload(&mut self) -> Option<Box<dyn Any + Send>> {
        match &mut self.reason {
            SuspendReason::Host { payload, .. } => Some(core::mem::replace(payload, Box::new(()))),
            SuspendReason::OutOfFuel { .. } => None,
        }
    }

    /// Resumes the call. `host_results` are the results of the host function
    /// that suspended it (empty when it was suspended by fuel).
    pub fn resume<T>(
        self,
        store: &mut Store<T>,
        host_results: &[Val],
    ) -> Result<CallOutcome, Error> {
        crate::call::resume(store, self, host_results)
    }

    /// Calls the host function that suspended this call again, with the
    /// same arguments, and continues from there: its results feed the
    /// suspended code, or it suspends again.
    ///
    /// This is how a host function that *waits* is built: it suspends
    /// (with a payload saying what it waits for) instead of blocking, the
    /// embedder waits, then retries it, and it now completes. Such a host
    /// function must change nothing the guest can see before it completes,
    /// so that running it again is safe. A call restored from a checkpoint
    /// can be retried too (its payload is gone, its arguments are not).
    pub fn retry<T>(self, store: &mut Store<T>) -> Result<CallOutcome, Error> {
        crate::call::retry(store, self)
    }
}

impl Func {
    /// Creates a host function of type `ty`.
    pub fn new<T>(
        store: &mut Store<T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), HostError> + Send + Sync + 'static,
    ) -> Func {
        Func::new_arc(store, ty, Arc::new(f), None)
    }

    /// Creates a host function from an already shared closure.
    /// A host function named `name` if a linker defined it (a checkpoint
    /// then finds it again by that name).
    pub(crate) fn new_arc<T>(
        store: &mut Store<T>,
        ty: FuncType,
        f: Arc<HostFunc<T>>,
        name: Option<(String, String)>,
    ) -> Func {
        store
            .inner
            .creations
            .push(crate::store::Creation::HostFunc {
                ty: ty.clone(),
                name,
            });
        let host_index = store.host_funcs.len() as u32;
        store.host_funcs.push(f);
        let type_id = store.inner.intern_type(&ty);
        store.inner.funcs.push(FuncEntity {
            type_id,
            kind: FuncKind::Host { host_index },
        });
        Func(store.inner.funcs.len() as u32 - 1)
    }

    /// The function's type.
    pub fn ty<T>(&self, store: &Store<T>) -> FuncType {
        store.inner.func_type(self.0).clone()
    }

    /// Calls the function. `results` must have exactly as many entries as the
    /// function has results. Running out of fuel or a host suspension is an error.
    pub fn call<T>(
        &self,
        store: &mut Store<T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let expected = store.inner.func_type(self.0).results().len();
        if results.len() != expected {
            return Err(Error::Api(alloc::format!(
                "function returns {expected} value(s), but room for {} was given",
                results.len()
            )));
        }
        match crate::call::start(store, *self, params)? {
            CallOutcome::Complete(values) => {
                results.copy_from_slice(&values);
                Ok(())
            }
            CallOutcome::Suspended(call) => Err(match call.reason {
                SuspendReason::OutOfFuel { .. } => Error::OutOfFuel {
                    consumed: store.inner.fuel_total.saturating_sub(store.inner.fuel),
                    total: store.inner.fuel_total,
                },
                SuspendReason::Host { func, .. } => Error::HostSuspended {
                    func: alloc::format!("{:?}", func),
                },
            }),
        }
    }

    /// Calls the function so that it can be suspended (out of fuel, or a host
    /// function asking to) and resumed.
    pub fn call_resumable<T>(
        &self,
        store: &mut Store<T>,
        params: &[Val],
    ) -> Result<CallOutcome, Error> {
        crate::call::start(store, *self, params)
    }

    /// A statically typed view of the function; errors when the types differ.
    pub fn typed<P: WasmParams, R: WasmResults, T>(
        &self,
        store: &Store<T>,
    ) -> Result<TypedFunc<P, R>, Error> {
        let ty = store.inner.func_type(self.0);
        if ty.params() != P::types().as_slice() || ty.results() != R::types().as_slice() {
            return Err(Error::Api(alloc::format!(
                "function of type {ty} does not match the requested static type"
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _marker: PhantomData,
        })
    }
}

/// A Rust type that corresponds to a Wasm value type.
pub trait WasmTy: Sized {
    fn ty() -> ValType;
    fn into_val(self) -> Val;
    fn from_val(v: Val) -> Option<Self>;
}

/// A tuple of [`WasmTy`] used as parameters.
pub trait WasmParams: Sized {
    fn types() -> Vec<ValType>;
    fn into_vals(self) -> Vec<Val>;
}

/// A tuple of [`WasmTy`] (or a single one) used as results.
pub trait WasmResults: Sized {
    fn types() -> Vec<ValType>;
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
        let params = params.into_vals();
        let mut results: Vec<Val> = R::types().into_iter().map(Val::default_for).collect();
        self.func.call(store, &params, &mut results)?;
        R::from_vals(&results).ok_or_else(|| Error::Api("result type mismatch".into()))
    }
}

macro_rules! wasm_ty {
    ($($rust:ty => $variant:ident, $valty:ident, |$v:ident| $into:expr, |$w:ident| $from:expr;)*) => {$(
        impl WasmTy for $rust {
            fn ty() -> ValType {
                ValType::$valty
            }
            fn into_val(self) -> Val {
                let $v = self;
                Val::$variant($into)
            }
            fn from_val(v: Val) -> Option<Self> {
                match v {
                    Val::$variant($w) => Some($from),
                    _ => None,
                }
            }
        }
    )*};
}

wasm_ty! {
    i32 => I32, I32, |v| v, |w| w;
    u32 => I32, I32, |v| v as i32, |w| w as u32;
    i64 => I64, I64, |v| v, |w| w;
    u64 => I64, I64, |v| v as i64, |w| w as u64;
    f32 => F32, F32, |v| v.to_bits(), |w| f32::from_bits(w);
    f64 => F64, F64, |v| v.to_bits(), |w| f64::from_bits(w);
    Option<Func> => FuncRef, FUNCREF, |v| v, |w| w;
    Option<crate::ExternRef> => ExternRef, EXTERNREF, |v| v, |w| w;
}

impl<A: WasmTy> WasmResults for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::ty()]
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        match vals {
            [v] => A::from_val(*v),
            _ => None,
        }
    }
}

impl<A: WasmTy> WasmParams for A {
    fn types() -> Vec<ValType> {
        alloc::vec![A::ty()]
    }
    fn into_vals(self) -> Vec<Val> {
        alloc::vec![self.into_val()]
    }
}

macro_rules! wasm_tuples {
    ($(($($t:ident),*))*) => {$(
        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($t: WasmTy),*> WasmParams for ($($t,)*) {
            fn types() -> Vec<ValType> {
                alloc::vec![$($t::ty()),*]
            }
            fn into_vals(self) -> Vec<Val> {
                let ($($t,)*) = self;
                alloc::vec![$($t.into_val()),*]
            }
        }

        #[allow(non_snake_case, reason = "tuple fields are named after their type parameters")]
        impl<$($t: WasmTy),*> WasmResults for ($($t,)*) {
            fn types() -> Vec<ValType> {
                alloc::vec![$($t::ty()),*]
            }
            fn from_vals(vals: &[Val]) -> Option<Self> {
                let mut it = vals.iter();
                let r = ($($t::from_val(*it.next()?)?,)*);
                it.next().is_none().then_some(r)
            }
        }
    )*};
}

wasm_tuples! {
    ()
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
}

#[cfg(test)]
mod typed_tests {
    use super::*;

    #[test]
    fn tuple_types_round_trip() {
        assert_eq!(
            <(i32, f64) as WasmParams>::types(),
            alloc::vec![ValType::I32, ValType::F64]
        );
        let vals = (7i32, 1.5f64).into_vals();
        assert_eq!(<(i32, f64)>::from_vals(&vals), Some((7, 1.5)));
        assert_eq!(<(i32, f64)>::from_vals(&vals[..1]), None);
        assert_eq!(<() as WasmResults>::types(), alloc::vec![]);
    }
}
