//! What an engine reports about a run, in engine-neutral plain data: values,
//! call outcomes, exported globals, memory digests and tables.

use std::fmt;

use wisp_core::{FuncType, TrapCode, ValType};

/// The canonical quiet NaN of `f32` (positive sign, payload 0x400000).
pub const F32_CANONICAL_NAN: u32 = 0x7fc0_0000;
/// The canonical quiet NaN of `f64`.
pub const F64_CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// A Wasm value as any engine can report it.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    /// The bits of an `f32`.
    F32(u32),
    /// The bits of an `f64`.
    F64(u64),
    /// `None` for null, else the referenced function's type: functions of two
    /// engines share no identity, but must agree on what they point to at
    /// least up to the signature.
    FuncRef(Option<FuncType>),
    /// Whether the reference is non-null.
    ExternRef(bool),
}

impl Value {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Value::I32(_) => ValType::I32,
            Value::I64(_) => ValType::I64,
            Value::F32(_) => ValType::F32,
            Value::F64(_) => ValType::F64,
            Value::FuncRef(_) => ValType::FUNCREF,
            Value::ExternRef(_) => ValType::EXTERNREF,
        }
    }

    /// The value with any NaN replaced by the canonical NaN of its type: NaN
    /// sign and payload are a spec freedom, so engines compare NaNs as equal.
    pub fn canonical(&self) -> Value {
        match *self {
            Value::F32(b) if f32::from_bits(b).is_nan() => Value::F32(F32_CANONICAL_NAN),
            Value::F64(b) if f64::from_bits(b).is_nan() => Value::F64(F64_CANONICAL_NAN),
            ref v => v.clone(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(x) => write!(f, "i32:{x}"),
            Value::I64(x) => write!(f, "i64:{x}"),
            Value::F32(b) => write!(f, "f32:{b:#010x}({})", f32::from_bits(*b)),
            Value::F64(b) => write!(f, "f64:{b:#018x}({})", f64::from_bits(*b)),
            Value::FuncRef(None) => f.write_str("funcref:null"),
            Value::FuncRef(Some(ty)) => write!(f, "funcref:{ty}"),
            Value::ExternRef(nonnull) => f.write_str(if *nonnull {
                "externref:some"
            } else {
                "externref:null"
            }),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// How a call (or an instantiation) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Returned these values.
    Returned(Vec<Value>),
    /// Trapped with this spec trap (each engine's codes mapped to wisp's).
    Trapped(TrapCode),
    /// Ran out of engine fuel (never expected: modules terminate by themselves).
    OutOfFuel,
    /// Failed any other way (compile error, API error, an engine-specific
    /// error with no spec trap code); the message is for the report only.
    Failed(String),
}

impl Outcome {
    /// The outcome with NaNs canonicalised and trap codes coarsened to what
    /// every engine distinguishes: wasmi reports both of the spec's
    /// "undefined element" (`call_indirect` past the table's end) and
    /// "out of bounds table access" as `TableOutOfBounds`.
    pub fn canonical(&self) -> Outcome {
        match self {
            Outcome::Returned(vs) => Outcome::Returned(vs.iter().map(Value::canonical).collect()),
            Outcome::Trapped(TrapCode::UndefinedElement) => {
                Outcome::Trapped(TrapCode::TableOutOfBounds)
            }
            other => other.clone(),
        }
    }

    /// Whether two outcomes agree: failures agree with failures whatever their
    /// messages (two engines word errors differently), all else must be equal.
    pub fn agrees_with(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Failed(_), Outcome::Failed(_)) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(vs) => write!(f, "returned {vs:?}"),
            Outcome::Trapped(code) => write!(f, "trapped: {code}"),
            Outcome::OutOfFuel => f.write_str("ran out of fuel"),
            Outcome::Failed(msg) => write!(f, "failed: {msg}"),
        }
    }
}

/// One call's outcome, and the engine fuel it consumed when metered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub outcome: Outcome,
    /// Fuel consumed by the call (wisp's metered modes only).
    pub fuel: Option<u64>,
}

/// An exported memory's size and a digest of its contents: one FNV-1a hash
/// per 64 KiB page, so a difference also says which page differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryDigest {
    pub page_hashes: Vec<u64>,
}

/// Bytes per Wasm page.
pub const PAGE_SIZE: usize = 65536;

impl MemoryDigest {
    /// The digest of a memory's whole contents (its length is a multiple of
    /// [`PAGE_SIZE`]), read through `read(offset, page)`.
    pub fn of_pages(pages: u64, mut read: impl FnMut(u64, &mut [u8])) -> MemoryDigest {
        let mut page = vec![0u8; PAGE_SIZE];
        let page_hashes = (0..pages)
            .map(|p| {
                read(p * PAGE_SIZE as u64, &mut page);
                fnv1a(&page)
            })
            .collect();
        MemoryDigest { page_hashes }
    }

    /// The digest of a memory given as one slice.
    pub fn of_bytes(bytes: &[u8]) -> MemoryDigest {
        MemoryDigest {
            page_hashes: bytes.chunks(PAGE_SIZE).map(fnv1a).collect(),
        }
    }

    /// The memory's size in pages.
    pub fn pages(&self) -> usize {
        self.page_hashes.len()
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Everything an engine reports about running a [`super::Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// Set when the engine itself broke (the reference panicked on a known
    /// bug, see `wasmi_quirks`): the record says nothing about wisp and is
    /// not compared.
    pub inconclusive: Option<String>,
    /// `Ok` when the module compiled and instantiated (its start function and
    /// segment initialisation included), else how that failed; no calls are
    /// made after a failure.
    pub instantiation: Result<(), Outcome>,
    /// One record per call of the plan, in order.
    pub calls: Vec<CallRecord>,
    /// Exported globals after the last call, sorted by export name.
    pub globals: Vec<(String, Value)>,
    /// Exported memories after the last call, sorted by export name.
    pub memories: Vec<(String, MemoryDigest)>,
    /// Exported tables after the last call (every element), sorted by export name.
    pub tables: Vec<(String, Vec<Value>)>,
}

impl Execution {
    /// The record of a module that failed to compile or instantiate.
    pub fn failed(outcome: Outcome) -> Execution {
        Execution {
            inconclusive: None,
            instantiation: Err(outcome),
            calls: Vec::new(),
            globals: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
        }
    }

    /// Sorts the exported state by name, so engines that list exports in
    /// different orders still compare equal.
    pub fn sort_exports(&mut self) {
        self.globals.sort_by(|a, b| a.0.cmp(&b.0));
        self.memories.sort_by(|a, b| a.0.cmp(&b.0));
        self.tables.sort_by(|a, b| a.0.cmp(&b.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nans_compare_canonically_but_not_exactly() {
        let a = Value::F32(0x7fc0_0001);
        let b = Value::F32(0xffc0_0000);
        assert_ne!(a, b);
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(
            Value::F64(0x7ff0_0000_0000_0001).canonical(),
            Value::F64(F64_CANONICAL_NAN)
        );
        // Infinities and ordinary values are left alone.
        assert_eq!(Value::F32(0x7f80_0000).canonical(), Value::F32(0x7f80_0000));
        assert_ne!(
            Value::F32(0).canonical(),
            Value::F32(0x8000_0000).canonical()
        );
    }

    #[test]
    fn undefined_element_coarsens_to_table_out_of_bounds() {
        assert_eq!(
            Outcome::Trapped(TrapCode::UndefinedElement).canonical(),
            Outcome::Trapped(TrapCode::TableOutOfBounds)
        );
        assert!(Outcome::Failed("a".into()).agrees_with(&Outcome::Failed("b".into())));
        assert!(!Outcome::Failed("a".into()).agrees_with(&Outcome::OutOfFuel));
    }

    #[test]
    fn memory_digest_is_per_page_and_chunking_independent() {
        let mut mem = vec![0u8; 2 * PAGE_SIZE];
        mem[PAGE_SIZE + 3] = 7;
        let whole = MemoryDigest::of_bytes(&mem);
        let paged = MemoryDigest::of_pages(2, |off, buf| {
            let off = off as usize;
            buf.copy_from_slice(&mem[off..off + buf.len()]);
        });
        assert_eq!(whole, paged);
        assert_eq!(whole.pages(), 2);
        assert_eq!(
            whole.page_hashes[0],
            MemoryDigest::of_bytes(&[0u8; PAGE_SIZE]).page_hashes[0]
        );
        assert_ne!(whole.page_hashes[0], whole.page_hashes[1]);
    }
}
