//! The WebAssembly proposals an engine accepts.

/// Enabled WebAssembly proposals. The default is exactly Wasm 2.0 (without SIMD,
/// which wisp does not implement yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Features {
    pub mutable_global: bool,
    pub saturating_float_to_int: bool,
    pub sign_extension: bool,
    pub multi_value: bool,
    pub bulk_memory: bool,
    pub reference_types: bool,
    /// Wasm 3.0 `extended-const`: `i32/i64.add/sub/mul` in constant expressions.
    pub extended_const: bool,
}

impl Features {
    /// The feature set of WebAssembly 2.0 (SIMD aside).
    pub const WASM2: Features = Features {
        mutable_global: true,
        saturating_float_to_int: true,
        sign_extension: true,
        multi_value: true,
        bulk_memory: true,
        reference_types: true,
        extended_const: false,
    };

    /// The feature set of WebAssembly 1.0 (the MVP).
    pub const WASM1: Features = Features {
        mutable_global: true,
        saturating_float_to_int: false,
        sign_extension: false,
        multi_value: false,
        bulk_memory: false,
        reference_types: false,
        extended_const: false,
    };
}

impl Default for Features {
    fn default() -> Self {
        Self::WASM2
    }
}
