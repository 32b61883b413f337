//! Build script: records the compiler version and the cargo profile name so
//! the report can say how the harness was built. (The workload modules and
//! checksums are embedded with `include_bytes!`, which rustc tracks itself.)

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

    println!("cargo:rerun-if-changed=build.rs");
}
