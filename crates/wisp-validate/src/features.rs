//! The thin proposal-gating layer.
//!
//! Every rule elsewhere in the crate is written for full WebAssembly 2.0;
//! this module decides up front whether an operator, a value type or a
//! module construct belongs to a proposal the caller disabled, and rejects it
//! with a uniform "... not supported" message. Keeping the gate here (as
//! wasmparser's `WasmProposalValidator` does) keeps the typing rules free of
//! feature checks. Which proposal an *operator* belongs to comes from
//! wasmparser's operator list, in the one place operators are dispatched
//! (`func/visit.rs`), which calls [`require_operator`] before the rule.

use alloc::format;

use wisp_core::{Features, ValType};

use crate::error::{Result, ValidationError};

/// A post-MVP proposal that is part of WebAssembly 2.0. (`extended-const`
/// only changes constant expressions and is checked there.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proposal {
    MutableGlobal,
    SaturatingFloatToInt,
    SignExtension,
    MultiValue,
    BulkMemory,
    ReferenceTypes,
}

impl Proposal {
    fn name(self) -> &'static str {
        match self {
            Proposal::MutableGlobal => "mutable-global",
            Proposal::SaturatingFloatToInt => "nontrapping-float-to-int-conversions",
            Proposal::SignExtension => "sign-extension-ops",
            Proposal::MultiValue => "multi-value",
            Proposal::BulkMemory => "bulk-memory",
            Proposal::ReferenceTypes => "reference-types",
        }
    }

    fn enabled(self, features: &Features) -> bool {
        match self {
            Proposal::MutableGlobal => features.mutable_global,
            Proposal::SaturatingFloatToInt => features.saturating_float_to_int,
            Proposal::SignExtension => features.sign_extension,
            Proposal::MultiValue => features.multi_value,
            Proposal::BulkMemory => features.bulk_memory,
            Proposal::ReferenceTypes => features.reference_types,
        }
    }
}

/// Fails with `"<what> not supported (<proposal> disabled)"` unless `proposal` is enabled.
pub(crate) fn require(
    features: &Features,
    proposal: Proposal,
    what: &str,
    offset: usize,
) -> Result<()> {
    if proposal.enabled(features) {
        Ok(())
    } else {
        Err(disabled(what, proposal, offset))
    }
}

#[cold]
fn disabled(what: &str, proposal: Proposal, offset: usize) -> ValidationError {
    ValidationError::new(
        format!("{what} not supported ({} disabled)", proposal.name()),
        offset,
    )
}

/// Value types beyond the MVP's numbers need reference types.
pub(crate) fn require_val_type(features: &Features, ty: ValType, offset: usize) -> Result<()> {
    if ty.is_ref() {
        require(features, Proposal::ReferenceTypes, "reference type", offset)?;
    }
    Ok(())
}

/// The gate for an operator of a proposal WebAssembly 2.0 merged: fails with
/// `"<name> not supported (<proposal> disabled)"` unless `proposal` is
/// enabled. `op` is the operator's wasmparser name (e.g. `I32Extend8S`); the
/// proposal comes from the group wasmparser's operator list puts it in.
#[inline]
pub(crate) fn require_operator(
    features: &Features,
    proposal: Proposal,
    op: &'static str,
    offset: usize,
) -> Result<()> {
    if proposal.enabled(features) {
        Ok(())
    } else {
        Err(disabled(operator_name(op), proposal, offset))
    }
}

/// The name of a gated operator (or family) in error messages.
#[cold]
fn operator_name(op: &str) -> &'static str {
    match op {
        "I32Extend8S" => "i32.extend8_s",
        "I32Extend16S" => "i32.extend16_s",
        "I64Extend8S" => "i64.extend8_s",
        "I64Extend16S" => "i64.extend16_s",
        "I64Extend32S" => "i64.extend32_s",
        "I32TruncSatF32S" | "I32TruncSatF32U" | "I32TruncSatF64S" | "I32TruncSatF64U"
        | "I64TruncSatF32S" | "I64TruncSatF32U" | "I64TruncSatF64S" | "I64TruncSatF64U" => {
            "saturating truncation"
        }
        "MemoryInit" => "memory.init",
        "DataDrop" => "data.drop",
        "MemoryCopy" => "memory.copy",
        "MemoryFill" => "memory.fill",
        "TableInit" => "table.init",
        "ElemDrop" => "elem.drop",
        "TableCopy" => "table.copy",
        "TypedSelect" | "TypedSelectMulti" => "typed select",
        "RefNull" => "ref.null",
        "RefIsNull" => "ref.is_null",
        "RefFunc" => "ref.func",
        "TableFill" => "table.fill",
        "TableGet" => "table.get",
        "TableSet" => "table.set",
        "TableGrow" => "table.grow",
        "TableSize" => "table.size",
        _ => "operator",
    }
}
