//! The known bugs of the reference interpreter (wasmi 2.0.0) that the
//! `exec_diff` oracle works around (`wisp_fuzz::exec::wasmi_quirks`). Each
//! test shows the bug is still there *and* that the workaround removes it;
//! when wasmi is upgraded and a test here fails because the bug is gone,
//! delete the workaround and the test.

use wisp_fuzz::exec::{Call, Oracle, Outcome, Plan, Value, Wasmi, Wisp, WispMode, wasmi_quirks};

fn call_f(arg: i32) -> Call {
    Call {
        export: "f".into(),
        args: vec![Value::I32(arg)],
    }
}

fn outcomes(oracle: &dyn Oracle, wasm: &[u8], plan: &Plan) -> Vec<Outcome> {
    let e = oracle.execute(wasm, plan);
    assert_eq!(e.instantiation, Ok(()), "{}", oracle.name());
    e.calls.into_iter().map(|c| c.outcome).collect()
}

/// `select` with an `i32.eqz x` condition returns the first operand for
/// x = 5 in wasmi 2.0.0; the spec (and wisp) return the second.
#[test]
fn wasmi_fused_select_reads_a_stale_condition() {
    let wasm = wat::parse_str(
        r#"(module (func (export "f") (param i32) (result i32)
            (select (i32.const 1) (local.get 0) (i32.eqz (local.get 0)))))"#,
    )
    .unwrap();
    let plan = Plan {
        calls: vec![call_f(5), call_f(0)],
        refuel: None,
    };
    let expected = vec![
        Outcome::Returned(vec![Value::I32(5)]),
        Outcome::Returned(vec![Value::I32(1)]),
    ];
    assert_eq!(
        outcomes(&Wisp::new(WispMode::Unmetered), &wasm, &plan),
        expected
    );
    let unpatched = outcomes(&Wasmi { workarounds: false }, &wasm, &plan);
    assert_ne!(
        unpatched, expected,
        "wasmi's select fusion bug is gone: delete wasmi_quirks::prevent_select_fusion"
    );
    assert_eq!(outcomes(&Wasmi::default(), &wasm, &plan), expected);
}

/// The rewrite keeps the module valid and its meaning: every `select`
/// condition goes through a fresh local.
#[test]
fn select_rewrite_preserves_validity_and_results() {
    let wasm = wat::parse_str(
        r#"(module
            (func (export "f") (param i32) (result i32) (local i64)
              (select (i32.const 7) (local.get 0) (i32.ne (local.get 0) (i32.const 0))))
            (func (export "g") (param f64 f64) (result f64)
              (select (result f64) (local.get 0) (local.get 1) (f64.lt (local.get 0) (local.get 1)))))"#,
    )
    .unwrap();
    let rewritten = wasmi_quirks::prevent_select_fusion(&wasm).expect("re-encodes");
    wasmparser::Validator::new()
        .validate_all(&rewritten)
        .expect("still valid");
    assert!(rewritten.len() > wasm.len());
    let plan = Plan {
        calls: vec![
            call_f(3),
            call_f(0),
            Call {
                export: "g".into(),
                args: vec![Value::F64(1f64.to_bits()), Value::F64(2f64.to_bits())],
            },
        ],
        refuel: None,
    };
    let wisp = Wisp::new(WispMode::Unmetered);
    assert_eq!(
        outcomes(&wisp, &wasm, &plan),
        outcomes(&wisp, &rewritten, &plan)
    );
    assert_eq!(
        outcomes(&wisp, &wasm, &plan),
        vec![
            Outcome::Returned(vec![Value::I32(7)]),
            Outcome::Returned(vec![Value::I32(0)]),
            Outcome::Returned(vec![Value::F64(1f64.to_bits())]),
        ]
    );
}

/// wasmi 2.0.0's translator hits `unreachable!()` on a store with an offset
/// ≥ 2^16 whose address and value are the same register; the oracle turns
/// the panic into an inconclusive execution instead of a crash.
#[test]
fn wasmi_store_translation_panic_is_inconclusive() {
    let wasm = wat::parse_str(
        r#"(module (memory 2)
            (func (export "f") (param i32) (result i32)
              (i32.store offset=70000 (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (local.get 0))
              (i32.const 0)))"#,
    )
    .unwrap();
    let plan = Plan {
        calls: vec![call_f(5)],
        refuel: None,
    };
    let e = Wasmi::default().execute(&wasm, &plan);
    assert!(
        e.inconclusive.is_some(),
        "wasmi no longer panics here: delete the panic handling in wasmi_quirks ({e:?})"
    );
    assert_eq!(
        outcomes(&Wisp::new(WispMode::Unmetered), &wasm, &plan),
        vec![Outcome::Returned(vec![Value::I32(0)])]
    );
}
