//! Engine configuration: enabled proposals, fuel metering, NaN
//! canonicalisation, stack limits and the form of linear memories.

use alloc::sync::Arc;
use wisp_core::{Features, limits};

/// How an [`Engine`] compiles and runs code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    features: Features,
    consume_fuel: bool,
    canonicalize_nans: bool,
    max_call_depth: usize,
    max_value_stack_slots: usize,
    flat_memories: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            features: Features::WASM2,
            consume_fuel: false,
            canonicalize_nans: false,
            max_call_depth: limits::DEFAULT_MAX_CALL_DEPTH,
            max_value_stack_slots: limits::DEFAULT_MAX_VALUE_STACK_SLOTS,
            flat_memories: true,
        }
    }
}

impl Config {
    /// Sets the enabled proposals (default: Wasm 2.0 without SIMD).
    pub fn features(&mut self, features: Features) -> &mut Self {
        self.features = features;
        self
    }

    /// Turns fuel metering on or off (default: off). With it off, compiled code
    /// contains no fuel checks at all.
    pub fn consume_fuel(&mut self, on: bool) -> &mut Self {
        self.consume_fuel = on;
        self
    }

    /// Replaces every NaN a float instruction produces with the canonical
    /// NaN of its type (positive, quiet bit only: `0x7fc00000`,
    /// `0x7ff8000000000000`), as wasmtime's `cranelift_nan_canonicalization`
    /// does (default: off).
    ///
    /// The spec lets an arithmetic instruction return any of several NaNs,
    /// and hosts differ in which they produce (x86 propagates an input's
    /// payload, Arm returns the default NaN), so the bits of a NaN stored to
    /// memory can differ between hosts. With this on, execution is
    /// bit-for-bit deterministic on every host. It costs one extra
    /// instruction after each NaN-capable float operation (`add`, `sub`,
    /// `mul`, `div`, `sqrt`, `min`, `max`, the rounding operators,
    /// `demote`, `promote`); `abs`, `neg`, `copysign`, loads, stores and
    /// reinterpretations move bits exactly and are left alone.
    pub fn canonicalize_nans(&mut self, on: bool) -> &mut Self {
        self.canonicalize_nans = on;
        self
    }

    /// Maximum number of nested Wasm call frames before the trap
    /// "call stack exhausted" (default: [`limits::DEFAULT_MAX_CALL_DEPTH`]).
    pub fn max_call_depth(&mut self, depth: usize) -> &mut Self {
        self.max_call_depth = depth;
        self
    }

    /// Maximum size of the value stack in 64-bit slots before the trap
    /// "call stack exhausted" (default: [`limits::DEFAULT_MAX_VALUE_STACK_SLOTS`]).
    pub fn max_value_stack_slots(&mut self, slots: usize) -> &mut Self {
        self.max_value_stack_slots = slots;
        self
    }

    /// Whether linear memories start flat, one contiguous buffer (default:
    /// on), or paged (see `wisp_memory`'s crate docs).
    ///
    /// Flat memories run loads and stores fastest. Paged ones allocate only
    /// the pages written, and a snapshot shares their pages instead of
    /// copying them: turn this off for a fuzzing loop that snapshots a large
    /// memory and resets to it (a flat memory turns paged at its first
    /// reset anyway, so only the first snapshot pays for the copy).
    /// Memories over 1 GiB start paged either way.
    pub fn flat_memories(&mut self, on: bool) -> &mut Self {
        self.flat_memories = on;
        self
    }

    pub fn get_flat_memories(&self) -> bool {
        self.flat_memories
    }

    pub fn get_features(&self) -> &Features {
        &self.features
    }

    pub fn get_consume_fuel(&self) -> bool {
        self.consume_fuel
    }

    pub fn get_canonicalize_nans(&self) -> bool {
        self.canonicalize_nans
    }

    pub fn get_max_call_depth(&self) -> usize {
        self.max_call_depth
    }

    pub fn get_max_value_stack_slots(&self) -> usize {
        self.max_value_stack_slots
    }
}

/// A compilation and execution environment; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    config: Arc<Config>,
}

impl Engine {
    pub fn new(config: &Config) -> Self {
        Self {
            config: Arc::new(config.clone()),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}
