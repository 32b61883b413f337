//! The calls an execution makes: every exported function once, in export
//! order, then a few more calls chosen by the input, with arguments drawn
//! from the fuzz input (biased towards edge values).

use arbitrary::{Result, Unstructured};
use wisp_core::{ExternKind, Features, ValType};

use super::value::Value;

/// One call: an exported function's name and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub export: String,
    pub args: Vec<Value>,
}

/// The calls to make, in order, on one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub calls: Vec<Call>,
    /// Before each call, set this exported (mutable) global to this value:
    /// the termination fuel counter, so each call gets a fresh budget rather
    /// than the first long loop starving every later call.
    pub refuel: Option<(String, Value)>,
}

/// At most this many extra calls after the first round.
const MAX_EXTRA_CALLS: usize = 16;

impl Plan {
    /// A plan for `wasm`: each exported function once (in export order), then
    /// up to [`MAX_EXTRA_CALLS`] further calls of exports chosen by `u`, so
    /// that calls also meet state left behind by other calls. Arguments come
    /// from `u`; once it is exhausted they are zeros. A module wisp cannot
    /// decode gets an empty plan (the comparison of instantiation reports it).
    pub fn generate(wasm: &[u8], u: &mut Unstructured<'_>) -> Plan {
        let Ok(module) = wisp_decode::decode(wasm, &Features::WASM2) else {
            return Plan::default();
        };
        let funcs: Vec<(String, Vec<ValType>)> = module
            .exports
            .iter()
            .filter(|e| e.kind == ExternKind::Func)
            .filter_map(|e| {
                let ty = module
                    .types
                    .get(module.func_type_index(e.index)? as usize)?;
                Some((e.name.clone(), ty.params().to_vec()))
            })
            .collect();
        let mut calls = Vec::new();
        for (name, params) in &funcs {
            calls.push(Call {
                export: name.clone(),
                args: params.iter().map(|t| arg(u, *t)).collect(),
            });
        }
        if !funcs.is_empty() {
            for _ in 0..MAX_EXTRA_CALLS {
                if !u.arbitrary::<bool>().unwrap_or(false) {
                    break;
                }
                let i = u.choose_index(funcs.len()).unwrap_or(0);
                let (name, params) = &funcs[i];
                calls.push(Call {
                    export: name.clone(),
                    args: params.iter().map(|t| arg(u, *t)).collect(),
                });
            }
        }
        Plan {
            calls,
            refuel: None,
        }
    }

    /// [`Plan::generate`] for a module made to terminate, resetting its fuel
    /// global before each call when it is exported.
    pub fn for_terminating(module: &crate::corpus::Terminating, u: &mut Unstructured<'_>) -> Plan {
        Plan {
            refuel: module
                .fuel_export
                .clone()
                .map(|name| (name, Value::I32(module.fuel as i32))),
            ..Plan::generate(&module.wasm, u)
        }
    }
}

/// An argument of type `ty` (zero when the input is exhausted).
pub fn arg(u: &mut Unstructured<'_>, ty: ValType) -> Value {
    let v = match ty {
        ValType::I32 => {
            int_arg(u, &[0, 1, -1, i32::MIN as i64, i32::MAX as i64]).map(|x| Value::I32(x as i32))
        }
        ValType::I64 => int_arg(u, &[0, 1, -1, i64::MIN, i64::MAX]).map(Value::I64),
        ValType::F32 => float_arg32(u).map(Value::F32),
        ValType::F64 => float_arg64(u).map(Value::F64),
        // Only null references can be made the same way in every engine.
        ValType::Ref(wisp_core::RefType::FuncRef) => Ok(Value::FuncRef(None)),
        ValType::Ref(_) => Ok(Value::ExternRef(false)),
    };
    v.unwrap_or(Value::I32(0)).retyped(ty)
}

fn int_arg(u: &mut Unstructured<'_>, edges: &[i64]) -> Result<i64> {
    // Half edge values, half arbitrary ones (small magnitudes are common
    // memory addresses and loop counts).
    Ok(match u.int_in_range(0..=3u8)? {
        0 => edges[u.choose_index(edges.len())?],
        1 => i64::from(u.int_in_range(-64..=1024i16)?),
        _ => u.arbitrary::<i64>()?,
    })
}

fn float_arg32(u: &mut Unstructured<'_>) -> Result<u32> {
    const EDGES: &[u32] = &[
        0x0000_0000, // 0
        0x8000_0000, // -0
        0x3f80_0000, // 1
        0xbf80_0000, // -1
        0x7f80_0000, // inf
        0xff80_0000, // -inf
        0x7fc0_0000, // canonical NaN
        0xffc0_0001, // negative NaN with a payload
        0x7fa0_0000, // signalling NaN
        0x0000_0001, // smallest subnormal
        0x7f7f_ffff, // largest finite
        0x4f00_0000, // 2^31 (conversion edge)
        0xcf00_0000, // -2^31
        0x5f00_0000, // 2^63
    ];
    Ok(match u.int_in_range(0..=2u8)? {
        0 => EDGES[u.choose_index(EDGES.len())?],
        1 => (f32::from(u.int_in_range(-100..=100i8)?) * 0.5).to_bits(),
        _ => u.arbitrary::<u32>()?,
    })
}

fn float_arg64(u: &mut Unstructured<'_>) -> Result<u64> {
    const EDGES: &[u64] = &[
        0x0000_0000_0000_0000,
        0x8000_0000_0000_0000,
        0x3ff0_0000_0000_0000,
        0xbff0_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0xfff8_0000_0000_0001,
        0x7ff4_0000_0000_0000,
        0x0000_0000_0000_0001,
        0x7fef_ffff_ffff_ffff,
        0x41e0_0000_0000_0000, // 2^31
        0xc1e0_0000_0000_0000, // -2^31
        0x43e0_0000_0000_0000, // 2^63
    ];
    Ok(match u.int_in_range(0..=2u8)? {
        0 => EDGES[u.choose_index(EDGES.len())?],
        1 => (f64::from(u.int_in_range(-100..=100i8)?) * 0.25).to_bits(),
        _ => u.arbitrary::<u64>()?,
    })
}

impl Value {
    /// `self` if it has type `ty`, else the zero of `ty`.
    fn retyped(self, ty: ValType) -> Value {
        if self.ty() == ty {
            return self;
        }
        match ty {
            ValType::I32 => Value::I32(0),
            ValType::I64 => Value::I64(0),
            ValType::F32 => Value::F32(0),
            ValType::F64 => Value::F64(0),
            ValType::Ref(wisp_core::RefType::FuncRef) => Value::FuncRef(None),
            ValType::Ref(_) => Value::ExternRef(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_calls_every_exported_function_with_typed_arguments() {
        let wasm = wat::parse_str(
            r#"(module
                (func (export "a") (param i32 f64 funcref))
                (func (export "b") (result i32) i32.const 1)
                (memory (export "m") 1))"#,
        )
        .unwrap();
        let data = [0xffu8; 64];
        let plan = Plan::generate(&wasm, &mut Unstructured::new(&data));
        assert!(plan.calls.len() >= 2);
        assert_eq!(plan.calls[0].export, "a");
        let tys: Vec<ValType> = plan.calls[0].args.iter().map(Value::ty).collect();
        assert_eq!(tys, [ValType::I32, ValType::F64, ValType::FUNCREF]);
        assert_eq!(plan.calls[1].export, "b");
        assert!(plan.calls[1].args.is_empty());
        // An exhausted input still gives well-typed (zero) arguments.
        let plan = Plan::generate(&wasm, &mut Unstructured::new(&[]));
        assert_eq!(plan.calls.len(), 2);
        assert_eq!(plan.calls[0].args[0], Value::I32(0));
    }
}
