//! The `FuncSink` interface: operators arrive in order with the facts known
//! before each, sink errors stop validation, and allocations are reusable.

use wisp_core::{Features, ValType};
use wisp_validate::{
    FuncAllocations, FuncSink, OpFacts, Operator, ValidationError, validate_function,
    validate_module,
};

#[derive(Default)]
struct Recorder {
    ops: Vec<(String, OpFacts)>,
}

impl<'a> FuncSink<'a> for Recorder {
    type Error = ValidationError;

    fn operator(&mut self, op: &Operator<'a>, facts: OpFacts) -> Result<(), ValidationError> {
        let name: String = format!("{op:?}")
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        self.ops.push((name, facts));
        Ok(())
    }
}

fn decode(wat: &str) -> wisp_decode::Module {
    let bytes = wat::parse_str(wat).expect("test WAT parses");
    wisp_decode::decode(&bytes, &Features::WASM2).expect("test module decodes")
}

#[test]
fn facts_describe_the_state_before_each_operator() {
    let module = decode(
        "(module (func (param i32) (result i32)
            local.get 0
            i32.const 1
            i32.add
            block (result i64)
              unreachable
              drop
            end
            drop))",
    );
    let ctx = validate_module(&module, &Features::WASM2).unwrap();
    let mut sink = Recorder::default();
    validate_function(&ctx, &module, 0, &mut sink, &mut FuncAllocations::default()).unwrap();
    let seen: Vec<(&str, u32, bool, Option<ValType>)> = sink
        .ops
        .iter()
        .map(|(n, f)| (n.as_str(), f.height, f.unreachable, f.top_type))
        .collect();
    assert_eq!(
        seen,
        [
            ("LocalGet", 0, false, None),
            ("I32Const", 1, false, Some(ValType::I32)),
            ("I32Add", 2, false, Some(ValType::I32)),
            ("Block", 1, false, Some(ValType::I32)),
            // Inside the block the outer i32 is not visible.
            ("Unreachable", 1, false, None),
            ("Drop", 1, true, None),
            ("End", 1, true, None),
            ("Drop", 2, false, Some(ValType::I64)),
            ("End", 1, false, Some(ValType::I32)),
        ]
    );
    let offsets: Vec<usize> = sink.ops.iter().map(|(_, f)| f.offset).collect();
    assert!(
        offsets.windows(2).all(|w| w[0] < w[1]),
        "offsets increase: {offsets:?}"
    );
    assert_eq!(offsets[0], module.bodies[0].code.start);
}

#[derive(Debug, PartialEq)]
enum SinkError {
    Invalid(ValidationError),
    Full,
}

impl From<ValidationError> for SinkError {
    fn from(e: ValidationError) -> Self {
        SinkError::Invalid(e)
    }
}

/// Accepts `limit` operators, then refuses.
struct Limited {
    limit: usize,
    seen: usize,
}

impl<'a> FuncSink<'a> for Limited {
    type Error = SinkError;

    fn operator(&mut self, _: &Operator<'a>, _: OpFacts) -> Result<(), SinkError> {
        if self.seen == self.limit {
            return Err(SinkError::Full);
        }
        self.seen += 1;
        Ok(())
    }
}

#[test]
fn sink_errors_stop_validation_and_validation_errors_convert() {
    let module = decode("(module (func (nop) (nop) (nop) (nop)))");
    let ctx = validate_module(&module, &Features::WASM2).unwrap();
    let mut allocs = FuncAllocations::default();
    let mut sink = Limited { limit: 2, seen: 0 };
    let err = validate_function(&ctx, &module, 0, &mut sink, &mut allocs).unwrap_err();
    assert_eq!(err, SinkError::Full);
    assert_eq!(sink.seen, 2);

    let bad = decode("(module (func (result i32) (nop) (i64.const 0)))");
    let ctx = validate_module(&bad, &Features::WASM2).unwrap();
    let mut sink = Limited {
        limit: usize::MAX,
        seen: 0,
    };
    let err = validate_function(&ctx, &bad, 0, &mut sink, &mut allocs).unwrap_err();
    match err {
        SinkError::Invalid(e) => assert!(e.message.starts_with("type mismatch"), "{e}"),
        SinkError::Full => panic!("unexpected sink error"),
    }
    // The sink saw the operators validated before the failing `end`.
    assert_eq!(sink.seen, 2);
}

#[test]
fn allocations_are_reused_across_functions_and_after_errors() {
    let module = decode(
        "(module
            (func (result i32) (i64.const 0))
            (func (result i32) (block (result i32) (i32.const 1)))
            (func (param i64) (local i32 i32) (local.set 2 (i32.wrap_i64 (local.get 0)))))",
    );
    let ctx = validate_module(&module, &Features::WASM2).unwrap();
    let mut allocs = FuncAllocations::default();
    let mut sink = wisp_validate::NoSink;
    assert!(validate_function(&ctx, &module, 0, &mut sink, &mut allocs).is_err());
    validate_function(&ctx, &module, 1, &mut sink, &mut allocs).unwrap();
    validate_function(&ctx, &module, 2, &mut sink, &mut allocs).unwrap();
    let err = validate_function(&ctx, &module, 3, &mut sink, &mut allocs).unwrap_err();
    assert!(err.message.starts_with("unknown function"), "{err}");
}

#[test]
fn context_answers_index_queries() {
    let module = decode(
        "(module
            (import \"m\" \"f\" (func (param i32)))
            (import \"m\" \"g\" (global (mut i64)))
            (table 3 externref)
            (memory 1 2)
            (global f32 (f32.const 0))
            (func $d)
            (func (data.drop 0))
            (elem declare func $d)
            (data \"x\"))",
    );
    let ctx = validate_module(&module, &Features::WASM2).unwrap();
    assert_eq!(ctx.num_funcs(), 3);
    assert_eq!(ctx.num_imported_funcs(), 1);
    assert_eq!(ctx.func_type(0).unwrap().params(), &[ValType::I32]);
    assert!(ctx.func_type(1).unwrap().params().is_empty());
    assert!(ctx.func_type(3).is_none());
    assert_eq!(ctx.globals().len(), 2);
    assert!(ctx.global(0).unwrap().is_mutable());
    assert_eq!(ctx.global(1).unwrap().content, ValType::F32);
    assert_eq!(ctx.table(0).unwrap().min, 3);
    assert_eq!(ctx.memory(0).unwrap().max, Some(2));
    assert_eq!(ctx.element_types().len(), 1);
    assert_eq!(ctx.data_count(), Some(1));
    assert!(ctx.is_declared(1));
    assert!(!ctx.is_declared(0));
    assert!(!ctx.is_declared(u32::MAX));
}
