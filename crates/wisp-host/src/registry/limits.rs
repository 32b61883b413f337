//! `limits` (docs/host.md §1.7): per-process resource limits.
//!
//! Every field is optional. The effective value is the first one set in the
//! order: CLI flag, entry `limits`, host `default_limits`, built-in default
//! ([`Limits::or`] layers them, [`Limits::effective`] fills defaults).

use std::time::Duration;

use super::fields::Cx;
use super::yaml::Node;

/// What `memory.grow` past the limit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnMemoryLimit {
    /// `memory.grow` returns −1 (spec behaviour). The default.
    #[default]
    FailGrow,
    /// The process exits with `memory_limit`.
    Trap,
}

/// What writing past `max_output_bytes` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnOutputLimit {
    /// Later writes succeed but are dropped. The default.
    #[default]
    Truncate,
    /// The process exits with `output_limit`.
    Fail,
}

/// Limits as written; `None` = not set at this level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    pub max_fuel: Option<u64>,
    pub max_execution: Option<Duration>,
    pub max_memory_pages: Option<u32>,
    pub on_memory_limit: Option<OnMemoryLimit>,
    pub max_table_elements: Option<u32>,
    pub max_call_depth: Option<u32>,
    pub max_output_bytes: Option<u64>,
    pub on_output_limit: Option<OnOutputLimit>,
    pub max_open_files: Option<u32>,
    pub max_mailbox_len: Option<u32>,
    pub max_message_bytes: Option<u64>,
    pub strict_imports: Option<bool>,
}

/// Limits with every default filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveLimits {
    /// `None` = unlimited.
    pub max_fuel: Option<u64>,
    /// `None` = unlimited.
    pub max_execution: Option<Duration>,
    pub max_memory_pages: u32,
    pub on_memory_limit: OnMemoryLimit,
    pub max_table_elements: u32,
    pub max_call_depth: u32,
    pub max_output_bytes: u64,
    pub on_output_limit: OnOutputLimit,
    pub max_open_files: u32,
    pub max_mailbox_len: u32,
    pub max_message_bytes: u64,
    pub strict_imports: bool,
}

impl EffectiveLimits {
    /// The built-in defaults (§1.7).
    pub const DEFAULT: EffectiveLimits = EffectiveLimits {
        max_fuel: None,
        max_execution: None,
        max_memory_pages: 16_384,
        on_memory_limit: OnMemoryLimit::FailGrow,
        max_table_elements: 100_000,
        max_call_depth: 10_000,
        max_output_bytes: 16 << 20,
        on_output_limit: OnOutputLimit::Truncate,
        max_open_files: 64,
        max_mailbox_len: 10_000,
        max_message_bytes: 1 << 20,
        strict_imports: false,
    };
}

/// The 32-bit memory maximum in pages.
pub const MAX_MEMORY_PAGES: u32 = 65_536;

/// The keys `limits` accepts.
const KNOWN: &[&str] = &[
    "max_fuel",
    "max_execution_ms",
    "max_memory_pages",
    "max_memory",
    "on_memory_limit",
    "max_table_elements",
    "max_call_depth",
    "max_output_bytes",
    "on_output_limit",
    "max_open_files",
    "max_mailbox_len",
    "max_message_bytes",
    "strict_imports",
    "max_retained_memory_bytes",
    "max_open_sockets",
    "socket_timeout_ms",
];

/// Wippy fields accepted for compatibility and ignored with a warning.
const IGNORED: &[&str] = &[
    "max_retained_memory_bytes",
    "max_open_sockets",
    "socket_timeout_ms",
];

impl Limits {
    /// `self`'s values where set, `lower`'s otherwise.
    #[must_use]
    pub fn or(&self, lower: &Limits) -> Limits {
        Limits {
            max_fuel: self.max_fuel.or(lower.max_fuel),
            max_execution: self.max_execution.or(lower.max_execution),
            max_memory_pages: self.max_memory_pages.or(lower.max_memory_pages),
            on_memory_limit: self.on_memory_limit.or(lower.on_memory_limit),
            max_table_elements: self.max_table_elements.or(lower.max_table_elements),
            max_call_depth: self.max_call_depth.or(lower.max_call_depth),
            max_output_bytes: self.max_output_bytes.or(lower.max_output_bytes),
            on_output_limit: self.on_output_limit.or(lower.on_output_limit),
            max_open_files: self.max_open_files.or(lower.max_open_files),
            max_mailbox_len: self.max_mailbox_len.or(lower.max_mailbox_len),
            max_message_bytes: self.max_message_bytes.or(lower.max_message_bytes),
            strict_imports: self.strict_imports.or(lower.strict_imports),
        }
    }

    /// Fills every unset field with the built-in default.
    pub fn effective(&self) -> EffectiveLimits {
        let d = EffectiveLimits::DEFAULT;
        EffectiveLimits {
            max_fuel: self.max_fuel,
            max_execution: self.max_execution,
            max_memory_pages: self.max_memory_pages.unwrap_or(d.max_memory_pages),
            on_memory_limit: self.on_memory_limit.unwrap_or(d.on_memory_limit),
            max_table_elements: self.max_table_elements.unwrap_or(d.max_table_elements),
            max_call_depth: self.max_call_depth.unwrap_or(d.max_call_depth),
            max_output_bytes: self.max_output_bytes.unwrap_or(d.max_output_bytes),
            on_output_limit: self.on_output_limit.unwrap_or(d.on_output_limit),
            max_open_files: self.max_open_files.unwrap_or(d.max_open_files),
            max_mailbox_len: self.max_mailbox_len.unwrap_or(d.max_mailbox_len),
            max_message_bytes: self.max_message_bytes.unwrap_or(d.max_message_bytes),
            strict_imports: self.strict_imports.unwrap_or(d.strict_imports),
        }
    }
}

/// Reads a `limits` mapping at `path`; every bad field is reported.
pub(crate) fn read(cx: &mut Cx<'_>, node: &Node, path: &str) -> Limits {
    let mut l = Limits::default();
    let Some(f) = cx.fields(node, path, KNOWN) else {
        return l;
    };
    let u32max = u64::from(u32::MAX);
    let narrow = |v: u64| u32::try_from(v).ok();
    if let Some(n) = f.get("max_fuel") {
        l.max_fuel = cx.positive(n, &f.sub("max_fuel"), u64::MAX);
    }
    if let Some(n) = f.get("max_execution_ms") {
        l.max_execution = cx.duration(n, &f.sub("max_execution_ms"), true);
    }
    if let Some(n) = f.get("max_memory_pages") {
        let p = f.sub("max_memory_pages");
        if let Some(v) = cx.positive(n, &p, u64::MAX) {
            if v > u64::from(MAX_MEMORY_PAGES) {
                cx.invalid(
                    n.pos,
                    &p,
                    format!("{p} exceeds the 32-bit maximum {MAX_MEMORY_PAGES}"),
                );
            } else {
                l.max_memory_pages = narrow(v);
            }
        }
    }
    if let Some(n) = f.get("max_memory") {
        let p = f.sub("max_memory");
        if f.has("max_memory_pages") {
            cx.invalid(
                n.pos,
                &p,
                "use either max_memory or max_memory_pages, not both",
            );
        } else if let Some(bytes) = cx.bytes(n, &p) {
            let page = wisp_core::limits::WASM_PAGE_SIZE;
            if bytes % page != 0 {
                cx.invalid(
                    n.pos,
                    &p,
                    format!("{p} must be a whole number of 64KiB pages"),
                );
            } else if bytes / page > u64::from(MAX_MEMORY_PAGES) {
                cx.invalid(n.pos, &p, format!("{p} exceeds the 32-bit maximum 4GiB"));
            } else {
                l.max_memory_pages = narrow(bytes / page);
            }
        }
    }
    if let Some(n) = f.get("on_memory_limit") {
        l.on_memory_limit = cx
            .choice(
                n,
                &f.sub("on_memory_limit"),
                "on_memory_limit",
                &["fail_grow", "trap"],
            )
            .map(|c| {
                if c == "trap" {
                    OnMemoryLimit::Trap
                } else {
                    OnMemoryLimit::FailGrow
                }
            });
    }
    if let Some(n) = f.get("max_table_elements") {
        l.max_table_elements = cx
            .positive(n, &f.sub("max_table_elements"), u32max)
            .and_then(narrow);
    }
    if let Some(n) = f.get("max_call_depth") {
        l.max_call_depth = cx
            .positive(n, &f.sub("max_call_depth"), u32max)
            .and_then(narrow);
    }
    if let Some(n) = f.get("max_output_bytes") {
        l.max_output_bytes = cx.bytes(n, &f.sub("max_output_bytes"));
    }
    if let Some(n) = f.get("on_output_limit") {
        l.on_output_limit = cx
            .choice(
                n,
                &f.sub("on_output_limit"),
                "on_output_limit",
                &["truncate", "fail"],
            )
            .map(|c| {
                if c == "fail" {
                    OnOutputLimit::Fail
                } else {
                    OnOutputLimit::Truncate
                }
            });
    }
    if let Some(n) = f.get("max_open_files") {
        l.max_open_files = cx
            .positive(n, &f.sub("max_open_files"), u32max)
            .and_then(narrow);
    }
    if let Some(n) = f.get("max_mailbox_len") {
        l.max_mailbox_len = cx
            .positive(n, &f.sub("max_mailbox_len"), u32max)
            .and_then(narrow);
    }
    if let Some(n) = f.get("max_message_bytes") {
        l.max_message_bytes = cx.bytes(n, &f.sub("max_message_bytes"));
    }
    if let Some(n) = f.get("strict_imports") {
        l.strict_imports = cx.boolean(n, &f.sub("strict_imports"));
    }
    for key in IGNORED {
        if let Some(n) = f.get(key) {
            let p = f.sub(key);
            cx.warn(
                n.pos,
                &p,
                format!("{p} is accepted for compatibility and ignored"),
            );
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::error::ConfigError;
    use super::super::yaml::parse;
    use super::*;

    fn read_str(src: &str) -> (Limits, Vec<ConfigError>, Vec<ConfigError>) {
        let node = parse(src).unwrap();
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let mut cx = Cx {
            file: Path::new("t.yaml"),
            namespace: "n",
            entry: None,
            kind: None,
            errors: &mut errors,
            warnings: &mut warnings,
        };
        let l = read(&mut cx, &node, "limits");
        (l, errors, warnings)
    }

    #[test]
    fn units_and_defaults() {
        let (l, errs, _) = read_str(
            "max_fuel: 1000\nmax_execution_ms: 5s\nmax_memory: 64MiB\nmax_output_bytes: 1MiB\n\
             on_output_limit: fail\nstrict_imports: true\n",
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(l.max_fuel, Some(1000));
        assert_eq!(l.max_execution, Some(Duration::from_secs(5)));
        assert_eq!(l.max_memory_pages, Some(1024));
        let e = l.effective();
        assert_eq!(e.max_output_bytes, 1 << 20);
        assert_eq!(e.on_output_limit, OnOutputLimit::Fail);
        assert_eq!(e.max_call_depth, 10_000);
        assert!(e.strict_imports);
        let (l, _, _) = read_str("max_execution_ms: 250\n");
        assert_eq!(l.max_execution, Some(Duration::from_millis(250)));
    }

    #[test]
    fn layering() {
        let entry = Limits {
            max_fuel: Some(5),
            ..Limits::default()
        };
        let host = Limits {
            max_fuel: Some(9),
            max_call_depth: Some(7),
            ..Limits::default()
        };
        let l = entry.or(&host);
        assert_eq!((l.max_fuel, l.max_call_depth), (Some(5), Some(7)));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let (_, errs, warns) = read_str(
            "max_fuel: -1\nfuel: 5\nmax_memory_pages: 70000\nmax_call_depth: 0\non_memory_limit: explode\n\
             max_open_sockets: 3\n",
        );
        let msgs: Vec<_> = errs.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "unknown field \"fuel\" (expected one of: max_fuel, max_execution_ms, max_memory_pages, \
                 max_memory, on_memory_limit, max_table_elements, max_call_depth, max_output_bytes, \
                 on_output_limit, max_open_files, max_mailbox_len, max_message_bytes, strict_imports, \
                 max_retained_memory_bytes, max_open_sockets, socket_timeout_ms)",
                "limits.max_fuel must be > 0",
                "limits.max_memory_pages exceeds the 32-bit maximum 65536",
                "invalid on_memory_limit \"explode\" (expected fail_grow|trap)",
                "limits.max_call_depth must be > 0",
            ]
        );
        assert_eq!(warns.len(), 1);
        assert_eq!(warns[0].field.as_deref(), Some("limits.max_open_sockets"));
    }
}
