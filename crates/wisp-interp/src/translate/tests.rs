//! Translator unit tests: the exact code emitted for small functions.

use alloc::vec::Vec;

use crate::config::{Config, Engine};
use crate::ir::{CompiledFunc, Instr};
use crate::module::Module;

fn translate_with(config: &Config, wat: &str) -> Vec<CompiledFunc> {
    let engine = Engine::new(config);
    let bytes = wat::parse_str(wat).expect("valid WAT");
    let module = Module::new(&engine, &bytes).expect("module compiles");
    module.inner.funcs.to_vec()
}

fn translate(wat: &str) -> Vec<CompiledFunc> {
    translate_with(&Config::default(), wat)
}

/// Prints the translation of every function of the module named by
/// `WISP_DUMP` (a `.wasm` or `.wat` file): `cargo test -p wisp-interp dump -- --ignored --nocapture`.
#[test]
#[ignore = "a debugging aid, not a test"]
fn dump() {
    extern crate std;
    use std::println;
    let Ok(path) = std::env::var("WISP_DUMP") else {
        return;
    };
    let bytes = wat::parse_file(&path).expect("readable module");
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes).expect("module compiles");
    let imported = module.inner.decoded.num_imported.funcs;
    for (i, f) in module.inner.funcs.iter().enumerate() {
        let index = imported + i as u32;
        let name = module.inner.decoded.func_name(index).unwrap_or("");
        println!(
            "func {index} {name}: params {} locals {} results {} slots {}",
            f.num_params, f.num_locals, f.num_results, f.max_slots
        );
        for (pc, instr) in f.code.iter().enumerate() {
            println!("  {pc:4}: {instr:?}");
        }
    }
}

#[test]
fn instr_size() {
    assert!(core::mem::size_of::<Instr>() <= 16);
}
