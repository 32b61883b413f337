//! Constant expressions (global initialisers, segment offsets, element items).
//!
//! Every instruction is kept in order, without the final `end`. Instructions
//! that may never appear in a constant expression are kept as
//! [`ConstOp::NonConstant`] rather than rejected, so that the validator reports
//! them with the spec's "constant expression required". The `extended-const`
//! arithmetic is recognised only when that proposal is enabled; otherwise it
//! is non-constant too.

use alloc::vec::Vec;

use wasmparser as wp;
use wisp_core::RefType;

use super::Cx;
use crate::error::ReadContext;
use crate::{ConstExpr, ConstOp, DecodeError};

/// Converts one constant expression.
pub(super) fn const_expr(cx: &Cx<'_>, expr: &wp::ConstExpr<'_>) -> Result<ConstExpr, DecodeError> {
    let mut reader = expr.get_operators_reader();
    let start = cx.offset(reader.original_position());
    // wasmparser already checked that the expression is well nested and ends
    // with the `end` that closes it, so its bytes bound the number of ops.
    let mut ops = Vec::new();
    while !reader.eof() {
        let (op, pos) = reader
            .read_with_offset()
            .map_err(|e| cx.err(&e, ReadContext::Code))?;
        let offset = cx.offset(pos);
        if matches!(op, wp::Operator::End) && reader.eof() {
            break;
        }
        ops.push(const_op(cx, &op, offset)?);
    }
    Ok(ConstExpr { ops, offset: start })
}

fn const_op(cx: &Cx<'_>, op: &wp::Operator<'_>, offset: usize) -> Result<ConstOp, DecodeError> {
    use wp::Operator as O;
    let ext = cx.features.extended_const;
    Ok(match *op {
        O::I32Const { value } => ConstOp::I32Const(value),
        O::I64Const { value } => ConstOp::I64Const(value),
        O::F32Const { value } => ConstOp::F32Const(value.bits()),
        O::F64Const { value } => ConstOp::F64Const(value.bits()),
        O::RefNull { hty } => ConstOp::RefNull(null_type(hty, offset)?),
        O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
        O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
        O::I32Add if ext => ConstOp::I32Add,
        O::I32Sub if ext => ConstOp::I32Sub,
        O::I32Mul if ext => ConstOp::I32Mul,
        O::I64Add if ext => ConstOp::I64Add,
        O::I64Sub if ext => ConstOp::I64Sub,
        O::I64Mul if ext => ConstOp::I64Mul,
        _ if !is_wasm2_opcode(cx.bytes.get(offset..).unwrap_or(&[])) => {
            return Err(DecodeError::new("illegal opcode", offset));
        }
        _ => ConstOp::NonConstant { offset },
    })
}

/// Whether `code` starts with an opcode of WebAssembly 2.0 (SIMD aside).
///
/// wasmparser's reader also decodes later proposals' instructions; inside a
/// constant expression those must be reported as the binary-format error
/// the spec makes of them, not as a non-constant instruction.
fn is_wasm2_opcode(code: &[u8]) -> bool {
    match code {
        [0x00..=0x05 | 0x0b..=0x11, ..] => true,
        [0x1a..=0x1c | 0x20..=0x26 | 0x28..=0xc4 | 0xd0..=0xd2, ..] => true,
        [0xfc, rest @ ..] => {
            let mut reader = wp::BinaryReader::new(rest, 0);
            matches!(reader.read_var_u32(), Ok(0..=17))
        }
        _ => false,
    }
}

/// The type of a `ref.null`: in Wasm 2.0 its immediate is a reference type.
pub(super) fn null_type(hty: wp::HeapType, offset: usize) -> Result<RefType, DecodeError> {
    if hty == wp::HeapType::FUNC {
        Ok(RefType::FuncRef)
    } else if hty == wp::HeapType::EXTERN {
        Ok(RefType::ExternRef)
    } else {
        Err(DecodeError::new(
            "malformed reference type: only func and extern are Wasm 2.0 heap types",
            offset,
        ))
    }
}
