//! Validation oracles: wisp's own decoder + validator, and `wasmparser`'s
//! validator configured with exactly the proposals wisp enables.

use wasmparser::WasmFeatures;
use wisp_core::Features;

/// The wasmparser feature set equivalent to wisp's `features`: the one wisp's
/// decoder reads with (checked against wasmparser's own named sets in
/// `reference_features_match_the_spec_versions`).
pub fn reference_features(features: &Features) -> WasmFeatures {
    wisp_decode::wasm_features(features)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_features_match_the_spec_versions() {
        assert_eq!(
            reference_features(&Features::WASM2),
            WasmFeatures::WASM2.difference(WasmFeatures::SIMD)
        );
        assert_eq!(reference_features(&Features::WASM1), WasmFeatures::WASM1);
    }
}
