//! Differential execution: one module, one [`Plan`] of calls, several
//! [`Oracle`]s (wisp in its fuel modes, wasmi), each yielding an
//! engine-neutral [`Execution`] that [`compare`] checks for agreement.
//!
//! The shape follows wasmi's own `crates/fuzz/src/oracle/`: every engine is
//! driven through the same trait and reports the same plain-data record, so a
//! new peer (or a new wisp mode) is one more `impl Oracle`, and the comparison
//! logic exists once.
//!
//! - [`value`]: [`Value`], [`Outcome`], [`Execution`] — what an engine reports;
//! - [`plan`]: the calls to make and their generated arguments;
//! - [`wisp`] and [`reference`]: the two engines, [`wasmi_quirks`]: the
//!   reference's known bugs and how they are kept out of the results, and
//!   [`legacy`]: the second opinion (wasmi 1.1) consulted when wisp and the
//!   reference disagree;
//! - [`compare`]: agreement, canonical (across engines) or exact (wisp with itself).

pub mod compare;
pub mod legacy;
pub mod plan;
pub mod reference;
pub mod value;
pub mod wasmi_quirks;
pub mod wisp;

pub use compare::{Compare, Difference, compare};
pub use legacy::WasmiLegacy;
pub use plan::{Call, Plan};
pub use reference::Wasmi;
pub use value::{CallRecord, Execution, MemoryDigest, Outcome, Value};
pub use wisp::{Wisp, WispMode};

/// An engine that can run a [`Plan`] against a module.
pub trait Oracle {
    /// A short name for reports (e.g. `wisp (sliced by 7)`).
    fn name(&self) -> String;

    /// Compiles and instantiates `wasm` (no imports), makes every call of
    /// `plan` in order on the one instance, then records the exported state.
    /// Never panics on a failing module or call: failures are [`Outcome`]s.
    fn execute(&self, wasm: &[u8], plan: &Plan) -> Execution;
}
