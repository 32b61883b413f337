//! Process arguments and results ([`Value`]), and their conversion to the
//! interpreter's typed values by a method's parameter types (HOST.md §2.3).

use wisp_core::ValType;
use wisp_interp::{ExternRef, Val};

/// An argument given to a process, or a result it returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    I32(i32),
    I64(i64),
    /// The bits of an `f32`.
    F32(u32),
    /// The bits of an `f64`.
    F64(u64),
    /// A string: parsed by the parameter's type, or (for a method without
    /// parameters) appended to the guest's argv.
    Str(String),
    /// An `externref`: the embedder's handle, or null. Only embedder host
    /// functions make non-null ones; a guest holding one in a table or
    /// global cannot be checkpointed (HOST.md §6.1).
    ExternRef(Option<u32>),
}

impl core::fmt::Display for Value {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F32(b) => write!(f, "{}", f32::from_bits(*b)),
            Value::F64(b) => write!(f, "{}", f64::from_bits(*b)),
            Value::Str(s) => write!(f, "{s}"),
            Value::ExternRef(Some(h)) => write!(f, "externref({h})"),
            Value::ExternRef(None) => write!(f, "null"),
        }
    }
}

/// Why arguments do not fit a method's parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    #[error("the method takes {expected} argument(s), {given} were given")]
    Count { expected: usize, given: usize },
    #[error("argument {index}: {value} does not fit {ty}")]
    Range {
        index: usize,
        value: String,
        ty: String,
    },
    #[error("argument {index}: expected {ty}, got {got}")]
    Type {
        index: usize,
        ty: String,
        got: &'static str,
    },
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::Str(_) => "string",
            Value::ExternRef(_) => "externref",
        }
    }

    /// The value a method returned.
    pub fn from_val(v: &Val) -> Option<Value> {
        Some(match *v {
            Val::I32(x) => Value::I32(x),
            Val::I64(x) => Value::I64(x),
            Val::F32(x) => Value::F32(x),
            Val::F64(x) => Value::F64(x),
            Val::ExternRef(r) => Value::ExternRef(r.map(|h| h.0)),
            _ => return None,
        })
    }
}

/// Converts `args` to `params`. Numbers convert to each parameter's type
/// when they fit; strings are parsed (integers in decimal, or hex with
/// `0x`; floats as Rust parses them).
pub fn to_params(args: &[Value], params: &[ValType]) -> Result<Vec<Val>, ArgError> {
    if args.len() != params.len() {
        return Err(ArgError::Count {
            expected: params.len(),
            given: args.len(),
        });
    }
    args.iter()
        .zip(params)
        .enumerate()
        .map(|(i, (a, t))| convert(i + 1, a, *t))
        .collect()
}

fn convert(index: usize, a: &Value, ty: ValType) -> Result<Val, ArgError> {
    let range = |value: String| ArgError::Range {
        index,
        value,
        ty: ty.to_string(),
    };
    let wrong = || ArgError::Type {
        index,
        ty: ty.to_string(),
        got: a.kind(),
    };
    let int = |a: &Value| -> Result<i128, ArgError> {
        match a {
            Value::I32(v) => Ok(i128::from(*v)),
            Value::I64(v) => Ok(i128::from(*v)),
            Value::Str(s) => parse_int(s).ok_or_else(|| range(s.clone())),
            _ => Err(wrong()),
        }
    };
    Ok(match ty {
        ValType::I32 => {
            let v = int(a)?;
            // Accept the unsigned spelling of an i32 too (`4294967295`).
            let v = i32::try_from(v)
                .or_else(|_| u32::try_from(v).map(|u| u as i32))
                .map_err(|_| range(v.to_string()))?;
            Val::I32(v)
        }
        ValType::I64 => {
            let v = int(a)?;
            let v = i64::try_from(v)
                .or_else(|_| u64::try_from(v).map(|u| u as i64))
                .map_err(|_| range(v.to_string()))?;
            Val::I64(v)
        }
        ValType::F32 => Val::F32(match a {
            Value::F32(b) => *b,
            Value::I32(v) => (*v as f32).to_bits(),
            Value::I64(v) => (*v as f32).to_bits(),
            Value::Str(s) => s.parse::<f32>().map_err(|_| range(s.clone()))?.to_bits(),
            Value::F64(_) | Value::ExternRef(_) => return Err(wrong()),
        }),
        ValType::F64 => Val::F64(match a {
            Value::F64(b) => *b,
            Value::F32(b) => f64::from(f32::from_bits(*b)).to_bits(),
            Value::I32(v) => f64::from(*v).to_bits(),
            Value::I64(v) => (*v as f64).to_bits(),
            Value::Str(s) => s.parse::<f64>().map_err(|_| range(s.clone()))?.to_bits(),
            Value::ExternRef(_) => return Err(wrong()),
        }),
        ValType::EXTERNREF => match a {
            Value::ExternRef(h) => Val::ExternRef(h.map(ExternRef)),
            _ => return Err(wrong()),
        },
        _ => return Err(wrong()),
    })
}

fn parse_int(s: &str) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let v = match digits.strip_prefix("0x") {
        Some(hex) => i128::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<i128>().ok()?,
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_convert_by_parameter_type() {
        let params = [ValType::I32, ValType::I64, ValType::F64];
        let args = [
            Value::Str("6".into()),
            Value::I32(7),
            Value::Str("2.5".into()),
        ];
        assert_eq!(
            to_params(&args, &params).unwrap(),
            vec![Val::I32(6), Val::I64(7), Val::F64(2.5f64.to_bits())]
        );
    }

    #[test]
    fn errors_name_the_argument() {
        let e = to_params(
            &[Value::I32(1), Value::I64(3_000_000_000_000)],
            &[ValType::I32, ValType::I32],
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "argument 2: 3000000000000 does not fit i32"
        );
        let e = to_params(&[Value::Str("x".into())], &[ValType::I32]);
        assert_eq!(e.unwrap_err().to_string(), "argument 1: x does not fit i32");
        let e = to_params(&[], &[ValType::I32]);
        assert!(matches!(
            e,
            Err(ArgError::Count {
                expected: 1,
                given: 0
            })
        ));
    }
}
