//! Derives `WISP_INTERP_ABI`, the fingerprint checkpoints carry: a hash of
//! the sources that decide what translated code looks like and how frames
//! are laid out (`src/translate`, `src/ir`, `src/exec`). A checkpoint stores
//! instruction positions and slot contents, which only mean the same to a
//! build of the same translator, so any change there yields a new value and
//! old checkpoints are refused rather than misread.
//!
//! Also chooses the executor's dispatch (`cfg(wisp_threaded)`): threaded
//! code, where each instruction's handler tail-calls the next one, wherever
//! that is sound. It needs LLVM's sibling-call optimisation, which happens
//! only in optimised builds, on targets known to support it (x86_64,
//! aarch64), and which debug assertions can defeat (a handler with a
//! panic path to unwind may keep its frame). Elsewhere, with `extra-checks`
//! (the checked twin) and with the `loop-dispatch` feature, the executor is
//! the portable `loop { match }`.

use std::fs;
use std::path::{Path, PathBuf};

/// FNV-1a, 64-bit: a stable hash without dependencies.
fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    let mut files = Vec::new();
    for dir in ["src/translate", "src/ir", "src/exec"] {
        println!("cargo:rerun-if-changed={dir}");
        collect(Path::new(dir), &mut files);
    }
    files.sort();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for file in &files {
        // Paths with `/` separators and file contents with `\n` line ends,
        // so every host computes the same value from the same sources.
        let name = file.to_string_lossy().replace('\\', "/");
        fnv1a(&mut hash, name.as_bytes());
        let text = fs::read_to_string(file)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        fnv1a(&mut hash, text.as_bytes());
    }
    println!("cargo:rustc-env=WISP_INTERP_ABI={hash:016x}");

    println!("cargo::rustc-check-cfg=cfg(wisp_threaded)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let optimised = matches!(env("OPT_LEVEL").as_str(), "2" | "3" | "s" | "z");
    let tail_calls = matches!(env("CARGO_CFG_TARGET_ARCH").as_str(), "x86_64" | "aarch64");
    let debug_assertions = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    let loop_wanted = std::env::var_os("CARGO_FEATURE_LOOP_DISPATCH").is_some();
    let checked = std::env::var_os("CARGO_FEATURE_EXTRA_CHECKS").is_some();
    if optimised && tail_calls && !debug_assertions && !loop_wanted && !checked {
        println!("cargo::rustc-cfg=wisp_threaded");
    }
}
