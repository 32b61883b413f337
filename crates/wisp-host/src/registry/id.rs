//! Entry ids (`namespace:name`) and how reference fields resolve to them.

use std::fmt;
use std::str::FromStr;

/// The id of a registry entry: `namespace:name`, e.g. `myns:compute_worker`.
///
/// Namespaces match `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`; names match
/// `^[A-Za-z_][A-Za-z0-9_.-]*$`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId {
    namespace: String,
    name: String,
}

/// Why a string is not an entry id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error(
        "invalid namespace \"{0}\" (expected lowercase words separated by dots, e.g. app.jobs)"
    )]
    Namespace(String),
    #[error("invalid entry name \"{0}\" (expected a letter or _ then letters, digits, _ . -)")]
    Name(String),
}

impl EntryId {
    /// An id from its parts, both checked.
    pub fn new(namespace: &str, name: &str) -> Result<EntryId, IdError> {
        if !valid_namespace(namespace) {
            return Err(IdError::Namespace(namespace.to_string()));
        }
        if !valid_name(name) {
            return Err(IdError::Name(name.to_string()));
        }
        Ok(EntryId {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    /// Resolves a reference field's value: a full id `ns:name`, or a bare
    /// `name` inside `current` (the referencing entry's namespace).
    pub fn resolve(reference: &str, current: &str) -> Result<EntryId, IdError> {
        match reference.rsplit_once(':') {
            Some((ns, name)) => EntryId::new(ns, name),
            None => EntryId::new(current, reference),
        }
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)
    }
}

impl FromStr for EntryId {
    type Err = IdError;

    /// Parses a full id `ns:name` (a bare name is a namespace error).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.rsplit_once(':') {
            Some((ns, name)) => EntryId::new(ns, name),
            None => Err(IdError::Namespace(String::new())),
        }
    }
}

/// `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`
pub fn valid_namespace(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// `^[A-Za-z_][A-Za-z0-9_.-]*$`
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_pattern() {
        for ok in ["a", "myns", "app.jobs", "a1_b.c2"] {
            assert!(valid_namespace(ok), "{ok}");
        }
        for bad in ["", "A", "1a", "a..b", "a.", ".a", "a-b", "a:b", "a.B"] {
            assert!(!valid_namespace(bad), "{bad}");
        }
    }

    #[test]
    fn name_pattern() {
        for ok in ["a", "_x", "Compute.v1-beta", "w_1"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "1a", "-a", ".a", "a b", "a:b", "a/b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn references_resolve_in_the_current_namespace() {
        let id = EntryId::resolve("wasm_bins", "myns").unwrap();
        assert_eq!(id.to_string(), "myns:wasm_bins");
        let id = EntryId::resolve("other.ns:x", "myns").unwrap();
        assert_eq!((id.namespace(), id.name()), ("other.ns", "x"));
        assert_eq!(
            EntryId::resolve("Bad:x", "myns"),
            Err(IdError::Namespace("Bad".into()))
        );
        assert!("myns:a".parse::<EntryId>().is_ok());
        assert!("a".parse::<EntryId>().is_err());
    }
}
