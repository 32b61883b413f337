//! Loops whose whole body is one byte store, which wisp runs in one handler
//! with the counter in a register (`wisp-interp/src/exec/control.rs`,
//! `strided_store_loop`), against wasmi: random starts, steps (forward,
//! backward, zero-free), limits, address forms (static offset or a wrapping
//! add) and memory sizes, so that loops end, wrap, cross the end of the
//! memory mid-loop, or start outside it. Every wisp fuel mode (unmetered,
//! metered, suspended and resumed in small slices, migrated) must agree
//! with wasmi on results, traps and the memory's bytes, and the metered
//! modes with each other on the fuel each call took.

use wisp_fuzz::corpus::Rng;
use wisp_fuzz::exec::{Call, Compare, Oracle, Plan, Value, Wasmi, Wisp, WispMode, compare};

/// A module of `pages` pages with the two address forms of the loop, each
/// exported with its start and step as parameters; the limit and the
/// address's constant are baked in.
fn module(pages: u32, limit: u32, offset: u32, add: i32, value: i32) -> Vec<u8> {
    let wat = format!(
        r#"(module
            (memory {pages})
            (func (export "fill_offset") (param $j i32) (param $step i32) (result i32)
                (loop $l
                    (i32.store8 offset={offset} (local.get $j) (i32.const {value}))
                    (br_if $l (i32.lt_u
                        (local.tee $j (i32.add (local.get $j) (local.get $step)))
                        (i32.const {limit}))))
                (local.get $j))
            (func (export "fill_add") (param $j i32) (param $step i32) (result i32)
                (loop $l
                    (i32.store8 (i32.add (local.get $j) (i32.const {add})) (i32.const {value}))
                    (br_if $l (i32.lt_u
                        (local.tee $j (i32.add (local.get $j) (local.get $step)))
                        (i32.const {limit}))))
                (local.get $j)))"#
    );
    wat::parse_str(&wat).expect("the template is valid text")
}

/// Picks one of `choices`, or a random value below `below`.
fn pick(rng: &mut Rng, choices: &[u32], below: u64) -> u32 {
    if rng.below(2) == 0 {
        choices[rng.below(choices.len() as u64) as usize]
    } else {
        rng.below(below) as u32
    }
}

#[test]
fn strided_store_loops_agree_with_wasmi_in_every_fuel_mode() {
    let reference = Wasmi::default();
    let modes = [
        WispMode::Unmetered,
        WispMode::Metered { budget: 1 << 24 },
        WispMode::Sliced {
            slice: 37,
            budget: 1 << 24,
        },
        WispMode::Migrated {
            slice: 501,
            budget: 1 << 24,
            every: 3,
        },
    ];
    let (mut calls, mut traps) = (0, 0);
    for seed in 0..60 {
        let mut rng = Rng::new(seed);
        let pages = 1 + rng.below(2) as u32;
        let end = pages * 0x1_0000;
        let limit = pick(
            &mut rng,
            &[end, end + 0x100, end / 2, 0x8000_0000, u32::MAX],
            u64::from(end) * 2,
        );
        let offset = pick(&mut rng, &[0, 1, 0xff, end - 1], 0x1000);
        let add = pick(&mut rng, &[0, 0x100, (-0x100i32) as u32, end - 2], 1 << 32) as i32;
        let wasm = module(pages, limit, offset, add, 1 + rng.below(255) as i32);
        let mut plan = Plan::default();
        for _ in 0..6 {
            let export = if rng.below(2) == 0 {
                "fill_offset"
            } else {
                "fill_add"
            };
            let start = pick(
                &mut rng,
                &[0, 1, end - 3, limit.wrapping_sub(1), u32::MAX - 2],
                u64::from(end),
            );
            let step = pick(
                &mut rng,
                &[1, 2, 3, 7, 64, 4099, u32::MAX, u32::MAX - 6],
                0x2000,
            )
            .max(1);
            plan.calls.push(Call {
                export: export.to_string(),
                args: vec![Value::I32(start as i32), Value::I32(step as i32)],
            });
        }
        let expected = reference.execute(&wasm, &plan);
        let mut metered = None;
        for mode in modes {
            let run = Wisp::new(mode).execute(&wasm, &plan);
            if let Err(d) = compare(&run, &expected, &plan, Compare::ACROSS_ENGINES) {
                panic!("seed {seed}, {mode:?} against wasmi: {d:?}");
            }
            if mode != WispMode::Unmetered {
                match &metered {
                    None => metered = Some(run),
                    Some(first) => {
                        if let Err(d) = compare(&run, first, &plan, Compare::exact(true)) {
                            panic!("seed {seed}, {mode:?} against metered: {d:?}");
                        }
                    }
                }
            }
        }
        calls += expected.calls.len();
        traps += expected
            .calls
            .iter()
            .filter(|c| matches!(c.outcome, wisp_fuzz::exec::Outcome::Trapped(_)))
            .count();
    }
    // The loops both ended and trapped, many times each.
    assert!(calls == 360, "{calls} calls");
    assert!(
        traps > 30 && traps < calls - 30,
        "{traps} of {calls} calls trapped"
    );
}
