//! Host import profiles (`imports:` in an entry): each profile name turns on
//! a group of `wasi_snapshot_preview1` functions, or wisp's process API.
//!
//! The names are Wippy's `wasi:*` interface names, but wisp runs core
//! modules against WASI preview 1, so what each name enables is our own
//! mapping (docs/host.md §1.5). Every one of the 46 preview1 functions
//! belongs to at least one profile. `wasi:http` and `wasi:sockets` are
//! refused in v1.
//!
//! The table also carries each preview1 function's exact signature, so the
//! loader can report an import declared with the wrong type.

use wisp_core::{FuncType, ValType};

/// The Wasm import module of WASI preview 1.
pub const PREVIEW1_MODULE: &str = "wasi_snapshot_preview1";

/// The Wasm import module of wisp's process API (the `wisp:process` profile).
pub const PROCESS_MODULE: &str = "wisp:process";

/// One profile: a name an entry lists under `imports`, and what it enables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The canonical name (`wasi:filesystem`).
    pub name: &'static str,
    /// The Wasm import module its functions live in.
    pub module: &'static str,
    /// The functions it links to their real implementation.
    pub functions: &'static [&'static str],
    /// Whether the fd functions it enables act only on fds 0–2 (stdio);
    /// the WASI layer enforces this at run time.
    pub stdio_only: bool,
}

/// Every profile, in the order `ImportNotEnabled` messages suggest them.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "wasi:cli",
        module: PREVIEW1_MODULE,
        functions: &[
            "args_get",
            "args_sizes_get",
            "environ_get",
            "environ_sizes_get",
            "proc_exit",
            "proc_raise",
            "fd_write",
            "fd_read",
            "fd_fdstat_get",
        ],
        stdio_only: true,
    },
    Profile {
        name: "wasi:io",
        module: PREVIEW1_MODULE,
        functions: &[
            "fd_read",
            "fd_write",
            "fd_pread",
            "fd_pwrite",
            "fd_close",
            "fd_sync",
            "fd_datasync",
            "fd_fdstat_get",
            "fd_fdstat_set_flags",
            "fd_fdstat_set_rights",
            // Byte streams on an already-open fd. wisp never hands a guest a
            // socket fd, so these answer NOTSOCK/BADF; they sit here so that
            // toolchains importing them still link.
            "sock_accept",
            "sock_recv",
            "sock_send",
            "sock_shutdown",
        ],
        stdio_only: false,
    },
    Profile {
        name: "wasi:filesystem",
        module: PREVIEW1_MODULE,
        functions: &[
            "path_open",
            "path_filestat_get",
            "path_filestat_set_times",
            "path_create_directory",
            "path_remove_directory",
            "path_unlink_file",
            "path_rename",
            "path_symlink",
            "path_readlink",
            "path_link",
            "fd_prestat_get",
            "fd_prestat_dir_name",
            "fd_readdir",
            "fd_filestat_get",
            "fd_filestat_set_size",
            "fd_filestat_set_times",
            "fd_seek",
            "fd_tell",
            "fd_advise",
            "fd_allocate",
            "fd_renumber",
        ],
        stdio_only: false,
    },
    Profile {
        name: "wasi:clocks",
        module: PREVIEW1_MODULE,
        functions: &["clock_time_get", "clock_res_get", "poll_oneoff"],
        stdio_only: false,
    },
    Profile {
        name: "wasi:poll",
        module: PREVIEW1_MODULE,
        functions: &["poll_oneoff", "sched_yield"],
        stdio_only: false,
    },
    Profile {
        name: "wasi:random",
        module: PREVIEW1_MODULE,
        functions: &["random_get"],
        stdio_only: false,
    },
    Profile {
        name: "wasi1",
        module: PREVIEW1_MODULE,
        functions: &[
            "proc_exit",
            "sched_yield",
            "args_get",
            "args_sizes_get",
            "environ_get",
            "environ_sizes_get",
            "fd_write",
            "fd_read",
            "fd_fdstat_get",
            "clock_time_get",
            "clock_res_get",
            "random_get",
        ],
        stdio_only: true,
    },
    Profile {
        name: "wisp:process",
        module: PROCESS_MODULE,
        functions: &[
            "self",
            "spawn",
            "send",
            "receive",
            "link",
            "unlink",
            "monitor",
            "demonitor",
            "kill",
            "set_trap_links",
            "join",
            "leave",
        ],
        stdio_only: false,
    },
];

/// Why an `imports` name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefusal {
    /// A real WASI interface wisp does not offer in v1.
    #[error("unsupported wasm host import: {0} (not available in v1)")]
    NotInV1(String),
    /// A name no profile answers to.
    #[error(
        "unsupported wasm host import: {0} (known: wasi1, wasi:cli, wasi:io, wasi:poll, \
         wasi:clocks, wasi:filesystem, wasi:random, wisp:process)"
    )]
    Unknown(String),
}

/// Looks up the profile an `imports` name selects: the short name, an
/// interface name (`wasi:cli/environment`) or a versioned name (everything
/// after `@` is dropped, so `wasi:io/poll@0.2.3` selects `wasi:poll`).
pub fn profile(name: &str) -> Result<&'static Profile, ImportRefusal> {
    let bare = name.split('@').next().unwrap_or(name).trim();
    let (package, interface) = match bare.split_once('/') {
        Some((p, i)) => (p, Some(i)),
        None => (bare, None),
    };
    let canonical = match (package, interface) {
        ("wasi1" | "wasi_snapshot_preview1" | "preview1", None) => "wasi1",
        ("wasi:io", Some("poll")) => "wasi:poll",
        ("wasi:http" | "wasi:sockets", _) => {
            return Err(ImportRefusal::NotInV1(package.to_string()));
        }
        (p, _) => p,
    };
    PROFILES
        .iter()
        .find(|p| p.name == canonical)
        .ok_or_else(|| ImportRefusal::Unknown(name.to_string()))
}

/// The functions a profile name enables (any accepted spelling), or `None`
/// for a refused or unknown name.
pub fn profile_functions(name: &str) -> Option<&'static [&'static str]> {
    profile(name).ok().map(|p| p.functions)
}

/// The profile to suggest for an uncovered function (the first in
/// [`PROFILES`] order that has it).
pub fn suggested_profile(module: &str, function: &str) -> Option<&'static str> {
    PROFILES
        .iter()
        .find(|p| p.module == module && p.functions.contains(&function))
        .map(|p| p.name)
}

/// The 46 WASI preview 1 functions with their parameter types, written
/// `i` for i32 and `I` for i64. Every one returns an i32 errno, except
/// `proc_exit`, which returns nothing.
pub const PREVIEW1: [(&str, &str); 46] = [
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "iIi"),
    ("random_get", "ii"),
    ("proc_exit", "i"),
    ("proc_raise", "i"),
    ("sched_yield", ""),
    ("fd_write", "iiii"),
    ("fd_read", "iiii"),
    ("fd_fdstat_get", "ii"),
    ("fd_close", "i"),
    ("fd_seek", "iIii"),
    ("fd_tell", "ii"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_pread", "iiiIi"),
    ("fd_pwrite", "iiiIi"),
    ("fd_filestat_get", "ii"),
    ("fd_sync", "i"),
    ("fd_datasync", "i"),
    ("fd_filestat_set_size", "iI"),
    ("fd_renumber", "ii"),
    ("fd_readdir", "iiiIi"),
    ("path_open", "iiiiiIIii"),
    ("path_filestat_get", "iiiii"),
    ("path_create_directory", "iii"),
    ("path_remove_directory", "iii"),
    ("path_unlink_file", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_readlink", "iiiiii"),
    ("fd_filestat_set_times", "iIIi"),
    ("path_filestat_set_times", "iiiiIIi"),
    ("path_link", "iiiiiii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_advise", "iIIi"),
    ("fd_allocate", "iII"),
    ("fd_fdstat_set_rights", "iII"),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
    ("poll_oneoff", "iiii"),
];

/// The exact type of a preview1 function, or `None` if `name` is not one.
pub fn preview1_type(name: &str) -> Option<FuncType> {
    let (_, params) = PREVIEW1.iter().find(|(n, _)| *n == name)?;
    let params: Vec<ValType> = params
        .chars()
        .map(|c| if c == 'I' { ValType::I64 } else { ValType::I32 })
        .collect();
    let results: &[ValType] = if name == "proc_exit" {
        &[]
    } else {
        &[ValType::I32]
    };
    Some(FuncType::new(params, results.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preview1_function_is_in_a_profile() {
        for (name, _) in PREVIEW1 {
            assert!(
                suggested_profile(PREVIEW1_MODULE, name).is_some(),
                "{name} has no profile"
            );
        }
        for p in PROFILES.iter().filter(|p| p.module == PREVIEW1_MODULE) {
            for f in p.functions {
                assert!(preview1_type(f).is_some(), "{} lists unknown {f}", p.name);
            }
        }
    }

    #[test]
    fn names_aliases_interfaces_and_versions() {
        assert_eq!(profile("wasi1").unwrap().name, "wasi1");
        assert_eq!(profile("preview1").unwrap().name, "wasi1");
        assert_eq!(profile("wasi_snapshot_preview1").unwrap().name, "wasi1");
        assert_eq!(profile("wasi:io/poll@0.2.3").unwrap().name, "wasi:poll");
        assert_eq!(profile("wasi:io/streams@0.2.0").unwrap().name, "wasi:io");
        assert_eq!(profile("wasi:cli/environment").unwrap().name, "wasi:cli");
        assert_eq!(
            profile("wasi:clocks/monotonic-clock@0.2.1").unwrap().name,
            "wasi:clocks"
        );
        assert_eq!(profile("wisp:process").unwrap().module, PROCESS_MODULE);
        assert!(
            profile_functions("wasi:filesystem")
                .unwrap()
                .contains(&"path_open")
        );
        assert_eq!(profile_functions("wasi:random"), Some(&["random_get"][..]));
    }

    #[test]
    fn http_and_sockets_are_refused_clearly() {
        let e = profile("wasi:http").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported wasm host import: wasi:http (not available in v1)"
        );
        let e = profile("wasi:sockets/tcp@0.2.0").unwrap_err();
        assert_eq!(e, ImportRefusal::NotInV1("wasi:sockets".into()));
        assert!(matches!(
            profile("wasi:nope"),
            Err(ImportRefusal::Unknown(_))
        ));
        assert_eq!(profile_functions("wasi:http"), None);
    }

    #[test]
    fn types() {
        let t = preview1_type("fd_seek").unwrap();
        assert_eq!(
            t.params(),
            [ValType::I32, ValType::I64, ValType::I32, ValType::I32]
        );
        assert_eq!(t.results(), [ValType::I32]);
        assert!(preview1_type("proc_exit").unwrap().results().is_empty());
        assert!(preview1_type("fd_nope").is_none());
        assert_eq!(
            suggested_profile(PREVIEW1_MODULE, "path_open"),
            Some("wasi:filesystem")
        );
    }

    /// The table names exactly the functions wisp-wasi implements.
    #[test]
    fn matches_wisp_wasi() {
        let mut ours: Vec<_> = PREVIEW1.iter().map(|(n, _)| *n).collect();
        let mut theirs = wisp_wasi::REGISTERED.to_vec();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }
}
