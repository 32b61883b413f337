//! Engine configuration: enabled proposals, fuel metering and stack limits.

use alloc::sync::Arc;
use wisp_core::{Features, limits};

/// How an [`Engine`] compiles and runs code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    features: Features,
    consume_fuel: bool,
    max_call_depth: usize,
    max_value_stack_slots: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            features: Features::WASM2,
            consume_fuel: false,
            max_call_depth: limits::DEFAULT_MAX_CALL_DEPTH,
            max_value_stack_slots: limits::DEFAULT_MAX_VALUE_STACK_SLOTS,
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

    pub fn get_features(&self) -> &Features {
        &self.features
    }

    pub fn get_consume_fuel(&self) -> bool {
        self.consume_fuel
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
