//! Derives `WISP_INTERP_ABI`, the fingerprint checkpoints carry: a hash of
//! the sources that decide what translated code looks like and how frames
//! are laid out (`src/translate`, `src/ir`, `src/exec`). A checkpoint stores
//! instruction positions and slot contents, which only mean the same to a
//! build of the same translator, so any change there yields a new value and
//! old checkpoints are refused rather than misread.

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
}
