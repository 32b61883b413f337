//! The wisp WebAssembly interpreter.
//!
//! - [`Module::new`] decodes, validates and translates a binary once into
//!   wisp's compact internal code ([`ir`]): a register-style code in which every
//!   operand names a slot of the current frame, branch targets are resolved and
//!   immediates are decoded.
//! - [`Store`] owns every runtime entity (functions, tables, memories, globals,
//!   segments); [`Linker`] resolves imports by module and name; [`Instance`]
//!   is an instantiated module.
//! - The executor (`exec`) runs with an explicit value stack and explicit call
//!   frames on the heap. A Wasm call never recurses on the native stack, so a
//!   running call can be suspended — when fuel runs out or a host function asks
//!   to — and resumed later ([`Func::call_resumable`], [`ResumableCall`]).
//!
//! See `docs/architecture.md` for how a call executes.
#![no_std]
#![deny(unsafe_code)]
// Nothing outside tests may panic on untrusted modules or guest behaviour.
// Clippy enforces the explicit forms (no unwrap/expect/panic/unreachable);
// indexing and arithmetic are kept panic-free by the validator's and the
// IR verifier's invariants instead, and exercised by the hostile-input
// suite and the fuzzers (docs/fuzzing.md).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod call;
pub mod checkpoint;
mod config;
mod error;
mod exec;
mod func;
mod global;
mod instance;
mod instantiate;
pub mod ir;
pub mod limits;
mod linker;
mod memory;
mod module;
mod num;
mod snapshot;
mod store;
mod table;
mod translate;
mod value;

pub use config::{Config, Engine};
pub use error::{Error, FrameInfo, LinkError, Trap, TrapKind};
pub use func::{
    CallOutcome, Caller, Func, HostError, ResumableCall, SuspendReason, TypedFunc, WasmParams,
    WasmResults, WasmTy,
};
pub use global::Global;
pub use instance::{Extern, Instance};
pub use limits::{LimitError, Resource, StoreLimits};
pub use linker::Linker;
pub use memory::Memory;
pub use module::{ExportType, ExternType, ImportType, Module};
pub use snapshot::StoreSnapshot;
pub use store::Store;
pub use table::Table;
pub use value::{ExternRef, Val};
pub use wisp_core::{
    ExternKind, Features, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType,
    TrapCode, ValType,
};
