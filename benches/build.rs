//! Build script: records the compiler version, the cargo profile name and
//! the locked versions of the peer engines (from the workspace's
//! `Cargo.lock`) so the report can say exactly what was measured. (The
//! workload modules and checksums are embedded with `include_bytes!`, which
//! rustc tracks itself.)

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| String::from("rustc"));
    let version = Command::new(&rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| String::from("unknown rustc"));
    println!("cargo:rustc-env=WISP_BENCH_RUSTC={version}");

    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out; cargo exposes no
    // direct name for custom profiles such as `release-bench`.
    let profile = env::var("OUT_DIR")
        .ok()
        .and_then(|out| {
            Path::new(&out)
                .ancestors()
                .nth(3)
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| String::from("unknown"));
    println!("cargo:rustc-env=WISP_BENCH_PROFILE={profile}");

    // The peers' versions as locked for this package.
    let lock = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("..")
        .join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    for (krate, var) in [
        ("wasmi", "WASMI"),
        ("wasm3", "WASM3"),
        ("makepad-stitch", "STITCH"),
        ("tinywasm", "TINYWASM"),
        ("wasmtime", "WASMTIME"),
    ] {
        let version =
            locked_version(&text, "wisp-bench", krate).unwrap_or_else(|| String::from("unknown"));
        println!("cargo:rustc-env=WISP_BENCH_VERSION_{var}={version}");
    }
    println!("cargo:rerun-if-changed={}", lock.display());
    println!("cargo:rerun-if-changed=build.rs");
}

/// The version of `krate` that `package` depends on in `Cargo.lock` text:
/// the package's dependency entry is `"name"` when only one version is
/// locked, or `"name version"` when several are.
fn locked_version(lock: &str, package: &str, krate: &str) -> Option<String> {
    let blocks: Vec<&str> = lock.split("[[package]]").collect();
    let field = |block: &str, key: &str| -> Option<String> {
        block.lines().find_map(|line| {
            let value = line.strip_prefix(key)?.trim().strip_prefix('=')?.trim();
            Some(value.trim_matches('"').to_owned())
        })
    };
    let ours = blocks
        .iter()
        .find(|b| field(b, "name").as_deref() == Some(package))?;
    let deps = ours.split_once("dependencies = [")?.1.split_once(']')?.0;
    let entry = deps
        .split(',')
        .map(|d| d.trim().trim_matches('"'))
        .find(|d| d.split(' ').next() == Some(krate))?;
    if let Some((_, version)) = entry.split_once(' ') {
        return Some(version.to_owned());
    }
    blocks
        .iter()
        .find(|b| field(b, "name").as_deref() == Some(krate))
        .and_then(|b| field(b, "version"))
}
