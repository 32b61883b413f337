//! The fuzz entry points: `decode`, `validate_diff`, `exec_diff` and
//! `suspend_resume`, each a function of the raw fuzz input that returns
//! [`Stats`] about the work done, or the [`Mismatch`] it found. A panic inside
//! wisp is not caught here: libFuzzer reports it as a crash, and the seeded
//! driver ([`crate::seeds`]) catches it per input.

use arbitrary::Unstructured;
use wisp_core::Features;

use crate::alloc_count;
use crate::corpus;
use crate::exec::{Compare, Difference, Oracle, Plan, Wasmi, WasmiLegacy, Wisp, WispMode, compare};
use crate::oracle::compare_validation;

/// What one input exercised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Whether the input got past generation (a wasm-smith module was made;
    /// for `decode` and raw `validate_diff` input, always).
    pub used: bool,
    /// Comparisons made: calls compared for the execution targets, modules
    /// compared for `validate_diff`, 1 for `decode`.
    pub comparisons: usize,
    /// The reference (wasmi 2.0) was wrong on this input: it panicked or
    /// disagreed with wisp while the second opinion (wasmi 1.1) agreed with
    /// wisp. The comparison with the second opinion stands.
    pub reference_fault: bool,
}

impl Stats {
    const SKIPPED: Stats = Stats {
        used: false,
        comparisons: 0,
        reference_fault: false,
    };

    fn compared(comparisons: usize) -> Stats {
        Stats {
            used: true,
            comparisons,
            reference_fault: false,
        }
    }
}

/// A finding: wisp disagreed with an oracle or broke a bound.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Mismatch {
    /// The decoder allocated more than [`decode_alloc_bound`] allows.
    #[error(
        "the decoder allocated {allocated} bytes for a {len}-byte input, over the bound of {bound}"
    )]
    DecodeAllocation {
        len: usize,
        allocated: u64,
        bound: u64,
    },
    /// wisp and wasmparser disagree on whether a module is valid.
    #[error("validation of the {input}: wisp says {wisp:?}, wasmparser says {reference:?}")]
    Validation {
        /// "raw input" or "wasm-smith module".
        input: &'static str,
        wisp: Result<(), String>,
        reference: Result<(), String>,
    },
    /// Two executions of the same plan disagree.
    #[error(
        "{left} and {right} disagree at {}:\n  {left}: {}\n  {right}: {}",
        .difference.at, .difference.left, .difference.right
    )]
    Execution {
        left: String,
        right: String,
        difference: Difference,
    },
}

/// A fuzz entry point.
pub type Target = fn(&[u8]) -> Result<Stats, Mismatch>;

/// Every entry point by name (the names of the cargo-fuzz targets).
pub const TARGETS: &[(&str, Target)] = &[
    ("decode", decode),
    ("validate_diff", validate_diff),
    ("exec_diff", exec_diff),
    ("suspend_resume", suspend_resume),
];

/// The entry point called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Bytes the decoder may allocate per input byte (see [`decode_alloc_bound`]).
pub const DECODE_ALLOC_PER_BYTE: u64 = 128;
/// Bytes the decoder may allocate whatever the input (see [`decode_alloc_bound`]).
pub const DECODE_ALLOC_BASE: u64 = 64 * 1024;

/// The most the decoder may allocate, in total, for an input of `len` bytes:
/// `DECODE_ALLOC_PER_BYTE × len + DECODE_ALLOC_BASE`.
///
/// Why 128 per byte: the decoder reserves each section's vector for at most
/// as many entries as the section has bytes left, so a section costs at most
/// (size of its decoded entry) × (its length). The largest entry is an
/// `Import` (96 bytes on 64-bit targets; `ElementSegment` 88, `Table` 72,
/// `DataSegment` 64); names, locals and element items add allocations
/// bounded by the bytes that encode them; the module keeps one copy of the
/// input (1 per byte). That puts the worst case near 100 per byte; the
/// testsuite and its mutations measure at most ~55 (printed by
/// `fuzz/tests/decode.rs`). A decoder that trusted a declared count would
/// exceed the bound by orders of magnitude. The base covers fixed costs
/// (error messages, the empty module) on tiny inputs.
pub fn decode_alloc_bound(len: usize) -> u64 {
    DECODE_ALLOC_PER_BYTE
        .saturating_mul(len as u64)
        .saturating_add(DECODE_ALLOC_BASE)
}

/// `decode`: any bytes → `wisp_decode::decode` (Wasm 2.0 features) returns,
/// without panicking, having allocated at most [`decode_alloc_bound`] bytes
/// (checked only when [`alloc_count::CountingAlloc`] is the global allocator).
pub fn decode(data: &[u8]) -> Result<Stats, Mismatch> {
    let (module, allocated) = alloc_count::measure(|| wisp_decode::decode(data, &Features::WASM2));
    // Dropped outside the measurement; what matters is the total requested.
    drop(module);
    let bound = decode_alloc_bound(data.len());
    if alloc_count::installed() && allocated > bound {
        return Err(Mismatch::DecodeAllocation {
            len: data.len(),
            allocated,
            bound,
        });
    }
    Ok(Stats::compared(1))
}

/// `validate_diff`: the input as a module, then a wasm-smith module generated
/// from it (Wasm 2.0 without SIMD, sometimes with raw-byte function bodies and
/// over-long LEB128s), each validated by wisp and by `wasmparser::Validator`
/// with the same features: accept/reject must agree.
pub fn validate_diff(data: &[u8]) -> Result<Stats, Mismatch> {
    let features = Features::WASM2;
    if let Some(d) = compare_validation(data, &features) {
        return Err(Mismatch::Validation {
            input: "raw input",
            wisp: d.wisp,
            reference: d.reference,
        });
    }
    let Some(wasm) = validate_module(data) else {
        return Ok(Stats {
            used: false,
            ..Stats::compared(1)
        });
    };
    if let Some(d) = compare_validation(&wasm, &features) {
        return Err(Mismatch::Validation {
            input: "wasm-smith module",
            wisp: d.wisp,
            reference: d.reference,
        });
    }
    Ok(Stats::compared(2))
}

/// The wasm-smith module `validate_diff` generates from `data`.
pub fn validate_module(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(data);
    let config = corpus::validate_config(&mut u).ok()?;
    let module = wasm_smith::Module::new(config, &mut u).ok()?;
    Some(module.to_bytes())
}

/// Fuel for wisp's metered runs: far more than any module made to terminate
/// by [`corpus::terminating_module`] can use (≤ 5000 function entries and loop
/// iterations of ≤ 300-instruction bodies, see [`corpus::TERMINATION_FUEL`]), so running out means a bug.
pub const SAFETY_NET_FUEL: u64 = 1 << 26;

/// `exec_diff`: a terminating wasm-smith module (NaNs canonicalised), every
/// exported function called with generated arguments, on wisp (unmetered, or
/// metered with [`SAFETY_NET_FUEL`], chosen by the input) and on wasmi 2.0:
/// the results (NaN-canonical), traps, exported globals, memories and tables
/// must agree. When they do not (or wasmi 2.0 panics), wasmi 1.1 is asked:
/// if it agrees with wisp the input counts as a reference fault
/// ([`Stats::reference_fault`]), otherwise the wasmi 2.0 difference is the
/// finding.
pub fn exec_diff(data: &[u8]) -> Result<Stats, Mismatch> {
    let mut u = Unstructured::new(data);
    let Some(module) = exec_module_from(&mut u, true) else {
        return Ok(Stats::SKIPPED);
    };
    let mode = if u.arbitrary::<bool>().unwrap_or(false) {
        WispMode::Metered {
            budget: SAFETY_NET_FUEL,
        }
    } else {
        WispMode::Unmetered
    };
    let plan = Plan::for_terminating(&module, &mut u);
    let wisp = Wisp::new(mode);
    let ours = wisp.execute(&module.wasm, &plan);
    let reference = Wasmi::default();
    let theirs = reference.execute(&module.wasm, &plan);
    let first = if theirs.inconclusive.is_some() {
        None
    } else {
        match compare(&ours, &theirs, &plan, Compare::ACROSS_ENGINES) {
            Ok(calls) => return Ok(Stats::compared(calls)),
            Err(difference) => Some(difference),
        }
    };
    let second = WasmiLegacy.execute(&module.wasm, &plan);
    let second_view = if second.inconclusive.is_some() {
        None
    } else {
        Some(compare(&ours, &second, &plan, Compare::ACROSS_ENGINES))
    };
    match (first, second_view) {
        (_, Some(Ok(calls))) => Ok(Stats {
            reference_fault: true,
            ..Stats::compared(calls)
        }),
        (Some(difference), _) => Err(Mismatch::Execution {
            left: wisp.name(),
            right: format!("{} (and {})", reference.name(), WasmiLegacy.name()),
            difference,
        }),
        (None, Some(Err(difference))) => Err(Mismatch::Execution {
            left: wisp.name(),
            right: format!("{} (wasmi 2.0 panicked)", WasmiLegacy.name()),
            difference,
        }),
        // Both references broke: nothing to compare against.
        (None, None) => Ok(Stats {
            reference_fault: true,
            ..Stats::SKIPPED
        }),
    }
}

/// The module `exec_diff` (`canonicalize_nans`) or `suspend_resume` (not)
/// generates from `data`.
pub fn exec_module(data: &[u8], canonicalize_nans: bool) -> Option<corpus::Terminating> {
    exec_module_from(&mut Unstructured::new(data), canonicalize_nans)
}

fn exec_module_from(
    u: &mut Unstructured<'_>,
    canonicalize_nans: bool,
) -> Option<corpus::Terminating> {
    let config = corpus::exec_config_from(u, canonicalize_nans).ok()?;
    corpus::terminating_module(config, u)
}

/// Largest fuel slice `suspend_resume` draws.
pub const MAX_SLICE: u64 = 64;

/// `suspend_resume`: a terminating wasm-smith module (NaNs left alone), every
/// exported function called with generated arguments, run four ways on
/// wisp: unmetered, metered with one budget per call, with fuel given in
/// slices of a random size in `1..=MAX_SLICE` (so each call suspends and
/// resumes many times), and sliced with the store and call moved through a
/// checkpoint (capture, bytes, restore into a new store) at every n-th
/// suspension. All four must agree bit for bit, and the metered, sliced and
/// migrated runs must consume the same fuel per call.
pub fn suspend_resume(data: &[u8]) -> Result<Stats, Mismatch> {
    let mut u = Unstructured::new(data);
    let Some(module) = exec_module_from(&mut u, false) else {
        return Ok(Stats::SKIPPED);
    };
    let slice = u.int_in_range(1..=MAX_SLICE).unwrap_or(1);
    let every = u.int_in_range(1..=16).unwrap_or(1);
    let plan = Plan::for_terminating(&module, &mut u);
    let wasm = &module.wasm;
    let budget = SAFETY_NET_FUEL;
    let unmetered = Wisp::new(WispMode::Unmetered);
    let metered = Wisp::new(WispMode::Metered { budget });
    let sliced = Wisp::new(WispMode::Sliced { slice, budget });
    let migrated = Wisp::new(WispMode::Migrated {
        slice,
        budget,
        every,
    });
    let (a, b, c, d) = (
        unmetered.execute(wasm, &plan),
        metered.execute(wasm, &plan),
        sliced.execute(wasm, &plan),
        migrated.execute(wasm, &plan),
    );
    let mismatch = |x: Wisp, y: Wisp| {
        move |difference| Mismatch::Execution {
            left: x.name(),
            right: y.name(),
            difference,
        }
    };
    compare(&a, &b, &plan, Compare::exact(false)).map_err(mismatch(unmetered, metered))?;
    let calls = compare(&b, &c, &plan, Compare::exact(true)).map_err(mismatch(metered, sliced))?;
    compare(&c, &d, &plan, Compare::exact(true)).map_err(mismatch(sliced, migrated))?;
    Ok(Stats::compared(calls))
}
