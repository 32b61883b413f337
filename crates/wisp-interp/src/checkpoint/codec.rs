//! Byte encoding of checkpoint sections (the interpreter's own, and an
//! embedder's sections added with `Checkpoint::add_section`): a growable
//! [`Writer`] and a
//! bounds-checked [`Reader`] over untrusted bytes.
//!
//! Integers are fixed-width little-endian; byte strings and strings carry a
//! `u32` length; sequences a `u32` count. The reader never panics and never
//! allocates more than the bytes it was given can justify: every count is
//! checked against the bytes that remain (each element takes at least one
//! byte) before anything is reserved.

use alloc::string::String;
use alloc::vec::Vec;

use super::RestoreError;

/// Appends encoded values to a byte vector.
#[derive(Debug, Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A count or index that fits in `u32` (store sizes are `u32`-addressed).
    pub fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    pub fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.raw(bytes);
    }

    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// An optional `u64` (`u64::MAX` stands for none).
    pub fn opt_u64(&mut self, v: Option<u64>) {
        self.u64(v.unwrap_or(u64::MAX));
    }
}

/// Reads encoded values from one section's bytes, reporting truncation and
/// nonsense as [`RestoreError::Malformed`] naming the section.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    section: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], section: &'static str) -> Self {
        Self { bytes, section }
    }

    /// The error for this section.
    pub fn malformed(&self, what: impl Into<String>) -> RestoreError {
        RestoreError::Malformed {
            section: self.section,
            what: what.into(),
        }
    }

    pub fn raw(&mut self, n: usize) -> Result<&'a [u8], RestoreError> {
        if n > self.bytes.len() {
            return Err(self.malformed("truncated"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], RestoreError> {
        let mut out = [0; N];
        out.copy_from_slice(self.raw(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, RestoreError> {
        Ok(self.array::<1>()?[0])
    }

    pub fn bool(&mut self) -> Result<bool, RestoreError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.malformed(alloc::format!("{b} is not a boolean"))),
        }
    }

    pub fn u32(&mut self) -> Result<u32, RestoreError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, RestoreError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn opt_u64(&mut self) -> Result<Option<u64>, RestoreError> {
        let v = self.u64()?;
        Ok((v != u64::MAX).then_some(v))
    }

    /// A count of elements that each take at least `min_size` bytes: larger
    /// than the remaining bytes allow is malformed (so no huge reservation).
    pub fn count(&mut self, min_size: usize) -> Result<usize, RestoreError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size.max(1)) > self.bytes.len() {
            return Err(self.malformed(alloc::format!(
                "a count of {n} is more than the section holds"
            )));
        }
        Ok(n)
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], RestoreError> {
        let n = self.count(1)?;
        self.raw(n)
    }

    pub fn str(&mut self) -> Result<String, RestoreError> {
        let bytes = self.bytes()?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| self.malformed("a string is not UTF-8"))
    }

    /// `count` fixed-size `u64`s.
    pub fn u64s(&mut self, count: usize) -> Result<Vec<u64>, RestoreError> {
        let raw = self.raw(
            count
                .checked_mul(8)
                .ok_or_else(|| self.malformed("overflow"))?,
        )?;
        Ok(raw
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0; 8];
                b.copy_from_slice(c);
                u64::from_le_bytes(b)
            })
            .collect())
    }

    /// Checks that the whole section was read.
    pub fn finish(self) -> Result<(), RestoreError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.malformed(alloc::format!(
                "{} unexpected trailing bytes",
                self.bytes.len()
            )))
        }
    }
}
