//! Helpers shared by the integration tests: WAT and hand-built binaries
//! through `wisp_decode::decode` and the validator.
#![allow(dead_code, reason = "each test file uses a different subset")]

use wisp_core::Features;
use wisp_validate::ValidationError;

/// Decodes `bytes` (which must decode) and validates them, both with the
/// module's own copy of the bytes and detached (`decode_detached` +
/// `validate_binary`), which must agree exactly.
pub fn validate_bytes(bytes: &[u8], features: &Features) -> Result<(), ValidationError> {
    let module = wisp_decode::decode(bytes, features)
        .unwrap_or_else(|e| panic!("test module does not decode: {e}"));
    let result = wisp_validate::validate(&module, features);
    let detached = wisp_decode::decode_detached(bytes, features)
        .unwrap_or_else(|e| panic!("test module does not decode detached: {e}"));
    assert!(
        detached.bytes.is_empty(),
        "a detached module keeps no bytes"
    );
    let detached_result = wisp_validate::validate_binary(&detached, bytes, features);
    assert_eq!(
        result
            .as_ref()
            .map_err(|e| (e.to_string(), e.offset, e.malformed)),
        detached_result
            .as_ref()
            .map_err(|e| (e.to_string(), e.offset, e.malformed)),
        "validation of a detached module differs"
    );
    result
}

/// Compiles `wat`, decodes and validates it.
pub fn validate_wat_with(wat: &str, features: &Features) -> Result<(), ValidationError> {
    let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("test WAT does not parse: {e}"));
    validate_bytes(&bytes, features)
}

/// The first error of decoding or validating `wat`, as text (`None`: valid).
pub fn first_error(wat: &str, features: &Features) -> Option<String> {
    let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("test WAT does not parse: {e}"));
    match wisp_decode::decode(&bytes, features) {
        Err(e) => Some(format!("decode: {e}")),
        Ok(module) => wisp_validate::validate(&module, features)
            .err()
            .map(|e| e.to_string()),
    }
}

#[track_caller]
pub fn valid(wat: &str) {
    if let Err(e) = validate_wat_with(wat, &Features::WASM2) {
        panic!("expected valid, got `{e}` for {wat}");
    }
}

#[track_caller]
pub fn invalid(wat: &str, prefix: &str) -> ValidationError {
    invalid_with(wat, prefix, &Features::WASM2)
}

#[track_caller]
pub fn invalid_with(wat: &str, prefix: &str, features: &Features) -> ValidationError {
    match validate_wat_with(wat, features) {
        Ok(()) => panic!("expected `{prefix}`, but the module validated: {wat}"),
        Err(e) => {
            assert!(
                e.message.starts_with(prefix),
                "expected `{prefix}`, got `{}` for {wat}",
                e.message
            );
            e
        }
    }
}

/// Unsigned LEB128.
pub fn leb(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A section with its id and size prefix.
pub fn section(id: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    leb(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// Pieces of a hand-built module with one `[] -> []` function.
#[derive(Default)]
pub struct OneFunc<'a> {
    /// Instruction bytes of the body, including the final `end`.
    pub code: &'a [u8],
    /// Declared locals as `(count, valtype byte)` runs.
    pub locals: &'a [(u32, u8)],
    /// Add a memory of one page.
    pub memory: bool,
    /// Add a data count section with this value.
    pub data_count: Option<u32>,
    /// Passive data segments to add.
    pub passive_data: u32,
}

impl OneFunc<'_> {
    pub fn build(&self) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend(section(1, &[1, 0x60, 0, 0]));
        m.extend(section(3, &[1, 0]));
        if self.memory {
            m.extend(section(5, &[1, 0, 1]));
        }
        if let Some(n) = self.data_count {
            let mut p = Vec::new();
            leb(u64::from(n), &mut p);
            m.extend(section(12, &p));
        }
        let mut body = Vec::new();
        leb(self.locals.len() as u64, &mut body);
        for &(count, ty) in self.locals {
            leb(u64::from(count), &mut body);
            body.push(ty);
        }
        body.extend_from_slice(self.code);
        let mut code = vec![1];
        leb(body.len() as u64, &mut code);
        code.extend(body);
        m.extend(section(10, &code));
        if self.passive_data > 0 {
            let mut p = Vec::new();
            leb(u64::from(self.passive_data), &mut p);
            for _ in 0..self.passive_data {
                p.extend_from_slice(&[1, 0]);
            }
            m.extend(section(11, &p));
        }
        m
    }
}
