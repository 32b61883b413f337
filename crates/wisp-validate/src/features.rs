//! The thin proposal-gating layer.
//!
//! Every rule elsewhere in the crate is written for full WebAssembly 2.0;
//! this module decides up front whether an operator, a value type or a
//! module construct belongs to a proposal the caller disabled, and rejects it
//! with a uniform "... not supported" message. Keeping the gate here (as
//! wasmparser's `WasmProposalValidator` does) keeps the typing rules free of
//! feature checks.

use alloc::format;

use wisp_core::{Features, ValType};
use wisp_decode::wasmparser::Operator;

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

/// The proposal an operator belongs to, for the operators of WebAssembly 2.0
/// that the MVP lacks. Operators outside 2.0 are rejected by the dispatcher.
fn operator_proposal(op: &Operator<'_>) -> Option<Proposal> {
    use Operator as O;
    Some(match op {
        O::I32Extend8S | O::I32Extend16S | O::I64Extend8S | O::I64Extend16S | O::I64Extend32S => {
            Proposal::SignExtension
        }
        O::I32TruncSatF32S
        | O::I32TruncSatF32U
        | O::I32TruncSatF64S
        | O::I32TruncSatF64U
        | O::I64TruncSatF32S
        | O::I64TruncSatF32U
        | O::I64TruncSatF64S
        | O::I64TruncSatF64U => Proposal::SaturatingFloatToInt,
        O::MemoryInit { .. }
        | O::DataDrop { .. }
        | O::MemoryCopy { .. }
        | O::MemoryFill { .. }
        | O::TableInit { .. }
        | O::ElemDrop { .. }
        | O::TableCopy { .. } => Proposal::BulkMemory,
        O::TypedSelect { .. }
        | O::TypedSelectMulti { .. }
        | O::RefNull { .. }
        | O::RefIsNull
        | O::RefFunc { .. }
        | O::TableFill { .. }
        | O::TableGet { .. }
        | O::TableSet { .. }
        | O::TableGrow { .. }
        | O::TableSize { .. } => Proposal::ReferenceTypes,
        _ => return None,
    })
}

/// Rejects a 2.0 operator whose proposal is disabled.
pub(crate) fn check_operator(features: &Features, op: &Operator<'_>, offset: usize) -> Result<()> {
    match operator_proposal(op) {
        Some(proposal) => require(features, proposal, operator_name(op), offset),
        None => Ok(()),
    }
}

/// The name of a gated operator (or family) in error messages.
fn operator_name(op: &Operator<'_>) -> &'static str {
    use Operator as O;
    match op {
        O::I32Extend8S => "i32.extend8_s",
        O::I32Extend16S => "i32.extend16_s",
        O::I64Extend8S => "i64.extend8_s",
        O::I64Extend16S => "i64.extend16_s",
        O::I64Extend32S => "i64.extend32_s",
        O::I32TruncSatF32S
        | O::I32TruncSatF32U
        | O::I32TruncSatF64S
        | O::I32TruncSatF64U
        | O::I64TruncSatF32S
        | O::I64TruncSatF32U
        | O::I64TruncSatF64S
        | O::I64TruncSatF64U => "saturating truncation",
        O::MemoryInit { .. } => "memory.init",
        O::DataDrop { .. } => "data.drop",
        O::MemoryCopy { .. } => "memory.copy",
        O::MemoryFill { .. } => "memory.fill",
        O::TableInit { .. } => "table.init",
        O::ElemDrop { .. } => "elem.drop",
        O::TableCopy { .. } => "table.copy",
        O::TypedSelect { .. } | O::TypedSelectMulti { .. } => "typed select",
        O::RefNull { .. } => "ref.null",
        O::RefIsNull => "ref.is_null",
        O::RefFunc { .. } => "ref.func",
        O::TableFill { .. } => "table.fill",
        O::TableGet { .. } => "table.get",
        O::TableSet { .. } => "table.set",
        O::TableGrow { .. } => "table.grow",
        O::TableSize { .. } => "table.size",
        _ => "operator",
    }
}
