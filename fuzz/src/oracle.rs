//! Validation oracles: wisp's own decoder + validator, and `wasmparser`'s
//! validator configured with exactly the proposals wisp enables.

use wasmparser::WasmFeatures;
use wisp_core::Features;

/// The wasmparser feature set equivalent to wisp's `features`.
pub fn reference_features(features: &Features) -> WasmFeatures {
    let mut f = WasmFeatures::WASM1;
    f.set(WasmFeatures::MUTABLE_GLOBAL, features.mutable_global);
    f.set(
        WasmFeatures::SATURATING_FLOAT_TO_INT,
        features.saturating_float_to_int,
    );
    f.set(WasmFeatures::SIGN_EXTENSION, features.sign_extension);
    f.set(WasmFeatures::MULTI_VALUE, features.multi_value);
    f.set(WasmFeatures::BULK_MEMORY, features.bulk_memory);
    f.set(WasmFeatures::REFERENCE_TYPES, features.reference_types);
    f.set(WasmFeatures::EXTENDED_CONST, features.extended_const);
    f
}

/// Decodes and validates with wisp; `Err` carries the error message.
pub fn wisp_validate(bytes: &[u8], features: &Features) -> Result<(), String> {
    let module = wisp_decode::decode(bytes, features).map_err(|e| e.to_string())?;
    wisp_validate::validate(&module, features).map_err(|e| e.to_string())
}

/// Validates with `wasmparser::Validator`; `Err` carries the error message.
pub fn reference_validate(bytes: &[u8], features: &Features) -> Result<(), String> {
    wasmparser::Validator::new_with_features(reference_features(features))
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One disagreement between wisp and the reference.
#[derive(Debug, Clone)]
pub struct Disagreement {
    pub wisp: Result<(), String>,
    pub reference: Result<(), String>,
}

/// Compares accept/reject of wisp and the reference on `bytes`.
pub fn compare_validation(bytes: &[u8], features: &Features) -> Option<Disagreement> {
    let wisp = wisp_validate(bytes, features);
    let reference = reference_validate(bytes, features);
    (wisp.is_ok() != reference.is_ok()).then_some(Disagreement { wisp, reference })
}
