//! Shared vocabulary of the wisp WebAssembly engine.
//!
//! Every other wisp crate speaks in these types: value and entity types
//! ([`ValType`], [`FuncType`], [`TableType`], [`MemoryType`], [`GlobalType`]),
//! the spec's trap conditions ([`TrapCode`]), the enabled proposals
//! ([`Features`]) and the engine's implementation limits ([`limits`]).
//! The crate is `no_std` + `alloc` and has no logic beyond small helpers.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod features;
pub mod limits;
mod trap;
mod types;

pub use features::Features;
pub use trap::TrapCode;
pub use types::{
    ExternKind, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType,
};
