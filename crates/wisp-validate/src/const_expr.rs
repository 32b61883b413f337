//! Constant expressions (spec "Validation › Instructions › Constant
//! Expressions"): global initializers and segment offsets and items.
//!
//! A constant expression may only contain `t.const`, `ref.null`, `ref.func`
//! and `global.get` of an *imported*, immutable global (WebAssembly 2.0
//! validates them under the context `C'` that lists imported globals only);
//! with `extended-const`, also `i32`/`i64` `add`, `sub` and `mul`. The
//! expression must leave exactly one value of the expected type.

use alloc::format;
use alloc::vec::Vec;

use wisp_core::{Features, GlobalType, ValType};
use wisp_decode::{ConstExpr, ConstOp};

use crate::error::{Result, ValidationError};
use crate::features::{self, Proposal};

/// What a constant expression may refer to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConstEnv<'m> {
    pub features: &'m Features,
    /// The globals `global.get` may read (the imported ones).
    pub globals: &'m [GlobalType],
    /// Size of the function index space, for `ref.func`.
    pub num_funcs: u32,
}

/// Validates constant expressions, reusing one small operand stack.
#[derive(Debug, Default)]
pub(crate) struct ConstValidator {
    stack: Vec<ValType>,
}

impl ConstValidator {
    /// Checks that `expr` is constant and produces exactly one `expected`.
    pub(crate) fn check(
        &mut self,
        env: &ConstEnv<'_>,
        expr: &ConstExpr,
        expected: ValType,
    ) -> Result<()> {
        self.stack.clear();
        let offset = expr.offset;
        for op in &expr.ops {
            match *op {
                ConstOp::I32Const(_) => self.stack.push(ValType::I32),
                ConstOp::I64Const(_) => self.stack.push(ValType::I64),
                ConstOp::F32Const(_) => self.stack.push(ValType::F32),
                ConstOp::F64Const(_) => self.stack.push(ValType::F64),
                ConstOp::RefNull(ty) => {
                    features::require(env.features, Proposal::ReferenceTypes, "ref.null", offset)?;
                    self.stack.push(ValType::Ref(ty));
                }
                ConstOp::RefFunc(func) => {
                    features::require(env.features, Proposal::ReferenceTypes, "ref.func", offset)?;
                    if func >= env.num_funcs {
                        return Err(ValidationError::new(
                            format!("unknown function {func}"),
                            offset,
                        ));
                    }
                    self.stack.push(ValType::FUNCREF);
                }
                ConstOp::GlobalGet(index) => {
                    let Some(global) = env.globals.get(index as usize) else {
                        return Err(ValidationError::new(
                            format!("unknown global {index}"),
                            offset,
                        ));
                    };
                    if global.is_mutable() {
                        return Err(ValidationError::new(
                            "constant expression required: global.get of a mutable global",
                            offset,
                        ));
                    }
                    self.stack.push(global.content);
                }
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    self.extended_binary(env, ValType::I32, offset)?;
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    self.extended_binary(env, ValType::I64, offset)?;
                }
                ConstOp::NonConstant { offset } => {
                    return Err(ValidationError::new("constant expression required", offset));
                }
            }
        }
        match self.stack.as_slice() {
            [ty] if *ty == expected => Ok(()),
            [ty] => Err(ValidationError::new(
                format!("type mismatch: expected {expected}, found {ty}"),
                offset,
            )),
            [] => Err(ValidationError::new(
                format!("type mismatch: expected {expected}, found an empty expression"),
                offset,
            )),
            _ => Err(ValidationError::new(
                format!(
                    "type mismatch: expected a single {expected}, found {} values",
                    self.stack.len()
                ),
                offset,
            )),
        }
    }

    /// `t.add`, `t.sub` or `t.mul` of extended-const: `[t t] -> [t]`.
    fn extended_binary(&mut self, env: &ConstEnv<'_>, ty: ValType, offset: usize) -> Result<()> {
        if !env.features.extended_const {
            return Err(ValidationError::new("constant expression required", offset));
        }
        for _ in 0..2 {
            match self.stack.pop() {
                Some(t) if t == ty => {}
                Some(t) => {
                    return Err(ValidationError::new(
                        format!("type mismatch: expected {ty}, found {t}"),
                        offset,
                    ));
                }
                None => {
                    return Err(ValidationError::new(
                        format!("type mismatch: expected {ty} but nothing on stack"),
                        offset,
                    ));
                }
            }
        }
        self.stack.push(ty);
        Ok(())
    }
}
