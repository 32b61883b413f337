//! Decoded contents of well-formed modules written in the text format: every
//! section lands in the right field, with the right index spaces and offsets.

use wisp_core::{ExternKind, Features, GlobalType, Mutability, RefType, TableType, ValType};
use wisp_decode::wasmparser::Operator;
use wisp_decode::{ConstOp, DataMode, ElementItems, ElementMode, ImportDesc, Module, decode};

fn module(wat: &str) -> Module {
    module_with(wat, &Features::WASM2)
}

fn module_with(wat: &str, features: &Features) -> Module {
    let bytes = wat::parse_str(wat).expect("valid wat");
    let m = decode(&bytes, features).expect("decodes");
    assert_eq!(&m.bytes[..], &bytes[..], "the module keeps its exact bytes");
    m
}

const FULL: &str = r#"
(module $m
  (type $t0 (func (param i32 i64) (result f32)))
  (type $t1 (func))
  (import "env" "f" (func $imp (type $t1)))
  (import "env" "t" (table 1 10 funcref))
  (import "env" "m" (memory 1 2))
  (import "env" "g" (global $g (mut i32)))
  (func $a (type $t0) (param $x i32) (param $y i64) (result f32)
    (local $l i32) (local i32) (local f64)
    f32.const 1)
  (func $b (type $t1))
  (table $tab 2 externref)
  (global $h i64 (i64.const -5))
  (global f32 (f32.const 1.5))
  (global funcref (ref.func $b))
  (global (mut externref) (ref.null extern))
  (global i32 (global.get $g))
  (export "a" (func $a))
  (export "tab" (table $tab))
  (export "g" (global $g))
  (start $b)
  (elem (i32.const 0) func $a $b)
  (elem funcref (ref.func $a) (ref.null func))
  (elem declare func $b)
  (data (i32.const 8) "hi")
  (data "passive")
)
"#;

#[test]
fn types_imports_and_functions() {
    let m = module(FULL);
    assert_eq!(m.types.len(), 2);
    assert_eq!(m.types[0].params(), &[ValType::I32, ValType::I64]);
    assert_eq!(m.types[0].results(), &[ValType::F32]);
    assert!(m.types[1].params().is_empty() && m.types[1].results().is_empty());

    let descs: Vec<_> = m.imports.iter().map(|i| i.desc.clone()).collect();
    assert_eq!(
        descs,
        [
            ImportDesc::Func(1),
            ImportDesc::Table(TableType {
                element: RefType::FuncRef,
                min: 1,
                max: Some(10),
                table64: false
            }),
            ImportDesc::Memory(wisp_core::MemoryType {
                min: 1,
                max: Some(2),
                memory64: false,
                shared: false,
                page_size_log2: None
            }),
            ImportDesc::Global(GlobalType {
                content: ValType::I32,
                mutability: Mutability::Var
            }),
        ]
    );
    assert_eq!(
        (m.imports[0].module.as_str(), m.imports[0].name.as_str()),
        ("env", "f")
    );
    assert!(m.imports.windows(2).all(|w| w[0].offset < w[1].offset));
    let n = m.num_imported;
    assert_eq!(
        (n.funcs, n.tables, n.memories, n.globals, n.tags),
        (1, 1, 1, 1, 0)
    );

    assert_eq!(m.functions, [0, 1]);
    assert_eq!(m.num_funcs(), 3);
    assert_eq!(m.func_type_index(0), Some(1));
    assert_eq!(m.func_type_index(1), Some(0));
    assert_eq!(m.func_type_index(3), None);
    assert_eq!(m.start.map(|s| s.func), Some(2));
}

#[test]
fn tables_globals_and_exports() {
    let m = module(FULL);
    assert_eq!(m.tables.len(), 1);
    assert_eq!(m.tables[0].ty.element, RefType::ExternRef);
    assert_eq!((m.tables[0].ty.min, m.tables[0].ty.max), (2, None));
    assert!(m.tables[0].init.is_none());
    assert!(m.memories.is_empty());
    assert_eq!(m.num_memories(), 1);

    let inits: Vec<_> = m.globals.iter().map(|g| g.init.ops.clone()).collect();
    assert_eq!(
        inits,
        [
            vec![ConstOp::I64Const(-5)],
            vec![ConstOp::F32Const(1.5f32.to_bits())],
            vec![ConstOp::RefFunc(2)],
            vec![ConstOp::RefNull(RefType::ExternRef)],
            vec![ConstOp::GlobalGet(0)],
        ]
    );
    assert_eq!(m.globals[0].ty.content, ValType::I64);
    assert!(!m.globals[0].ty.is_mutable());
    assert!(m.globals[3].ty.is_mutable());
    // The offset of an expression is that of its first instruction.
    let g = &m.globals[0];
    assert_eq!(m.bytes[g.init.offset], 0x42, "i64.const opcode");
    assert!(g.offset < g.init.offset);

    let exports: Vec<_> = m
        .exports
        .iter()
        .map(|e| (e.name.as_str(), e.kind, e.index))
        .collect();
    assert_eq!(
        exports,
        [
            ("a", ExternKind::Func, 1),
            ("tab", ExternKind::Table, 1),
            ("g", ExternKind::Global, 0)
        ]
    );
}

#[test]
fn element_and_data_segments() {
    let m = module(FULL);
    assert_eq!(m.elements.len(), 3);
    let e0 = &m.elements[0];
    match &e0.mode {
        ElementMode::Active { table, offset } => {
            assert_eq!(*table, 0);
            assert_eq!(offset.ops, [ConstOp::I32Const(0)]);
        }
        other => panic!("expected active, got {other:?}"),
    }
    assert_eq!(e0.items, ElementItems::Functions(vec![1, 2]));
    assert_eq!(e0.ty, RefType::FuncRef);

    let e1 = &m.elements[1];
    assert_eq!(e1.mode, ElementMode::Passive);
    match &e1.items {
        ElementItems::Exprs(items) => {
            let ops: Vec<_> = items.iter().map(|e| e.ops.clone()).collect();
            assert_eq!(
                ops,
                [
                    vec![ConstOp::RefFunc(1)],
                    vec![ConstOp::RefNull(RefType::FuncRef)]
                ]
            );
        }
        other => panic!("expected expressions, got {other:?}"),
    }
    assert_eq!(m.elements[2].mode, ElementMode::Declared);
    assert_eq!(m.elements[2].items.len(), 1);

    assert_eq!(m.data.len(), 2);
    match &m.data[0].mode {
        DataMode::Active { memory, offset } => {
            assert_eq!(*memory, 0);
            assert_eq!(offset.ops, [ConstOp::I32Const(8)]);
        }
        other => panic!("expected active, got {other:?}"),
    }
    assert_eq!(m.data_bytes(&m.data[0]), b"hi");
    assert_eq!(m.data[1].mode, DataMode::Passive);
    assert_eq!(m.data_bytes(&m.data[1]), b"passive");
}

#[test]
fn function_bodies_keep_locals_and_code_range() {
    let m = module(FULL);
    assert_eq!(m.bodies.len(), 2);
    let a = &m.bodies[0];
    assert_eq!(&a.locals[..], &[(2, ValType::I32), (1, ValType::F64)]);
    assert_eq!(a.num_locals, 3);
    // f32.const 1.0, end
    assert_eq!(m.code(a), &[0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b]);
    let b = &m.bodies[1];
    assert_eq!(b.num_locals, 0);
    assert_eq!(m.code(b), &[0x0b]);

    // Operators read back with absolute offsets.
    let mut ops = m.operators_reader(a);
    let (op, offset) = ops.read_with_offset().unwrap();
    assert!(matches!(op, Operator::F32Const { .. }));
    assert_eq!(offset, a.code.start as u64);
    assert!(matches!(ops.read().unwrap(), Operator::End));
    assert!(ops.eof());
}

#[test]
fn names_section() {
    let m = module(FULL);
    assert_eq!(m.names.module.as_deref(), Some("m"));
    assert_eq!(m.func_name(0), Some("imp"));
    assert_eq!(m.func_name(1), Some("a"));
    assert_eq!(m.func_name(2), Some("b"));
    let locals = &m.names.locals[&1];
    assert_eq!(locals.get(&0).map(String::as_str), Some("x"));
    assert_eq!(locals.get(&1).map(String::as_str), Some("y"));
    assert_eq!(locals.get(&2).map(String::as_str), Some("l"));
    assert_eq!(m.customs.len(), 1);
    assert_eq!(m.customs[0].name, "name");
}

#[test]
fn custom_sections_are_kept_in_order() {
    let mut bytes = wat::parse_str("(module)").unwrap();
    for (name, payload) in [("one", &b"first"[..]), ("two", &b""[..])] {
        bytes.push(0);
        bytes.push((1 + name.len() + payload.len()) as u8);
        bytes.push(name.len() as u8);
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(payload);
    }
    let m = decode(&bytes, &Features::WASM2).unwrap();
    let customs: Vec<_> = m
        .customs
        .iter()
        .map(|c| (c.name.as_str(), &m.bytes[c.data.clone()]))
        .collect();
    assert_eq!(customs, [("one", &b"first"[..]), ("two", &b""[..])]);
    assert_eq!(m.customs[0].offset, 8);
}

#[test]
fn constant_expressions_keep_non_constant_instructions() {
    let wat = "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))";
    // Without extended-const, `i32.add` is not a constant instruction.
    let m = module(wat);
    let init = &m.globals[0].init;
    assert_eq!(init.ops.len(), 3);
    assert_eq!(init.ops[..2], [ConstOp::I32Const(1), ConstOp::I32Const(2)]);
    match init.ops[2] {
        ConstOp::NonConstant { offset } => assert_eq!(m.bytes[offset], 0x6a),
        other => panic!("expected a non-constant op, got {other:?}"),
    }
    // With it, the arithmetic is kept.
    let features = Features {
        extended_const: true,
        ..Features::WASM2
    };
    let m = module_with(wat, &features);
    assert_eq!(
        m.globals[0].init.ops,
        [ConstOp::I32Const(1), ConstOp::I32Const(2), ConstOp::I32Add]
    );
}

#[test]
fn multiple_memories_are_left_to_the_validator() {
    let m = module("(module (memory 1) (memory 2))");
    assert_eq!(m.memories.len(), 2);
    assert_eq!(m.memories[1].min, 2);
}

#[test]
fn data_count_section() {
    let m = module(
        "(module (memory 1) (data \"x\") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1))))",
    );
    assert_eq!(m.data_count, Some(1));
}

#[test]
fn features_are_recorded() {
    let m = module("(module)");
    assert_eq!(m.features, Features::WASM2);
    let m = module_with("(module)", &Features::WASM1);
    assert_eq!(m.features, Features::WASM1);
}
