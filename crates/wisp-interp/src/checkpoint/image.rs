//! The checkpoint container: a header, then sections, each carrying a tag,
//! flags, its length and the sha256 of its payload (`docs/checkpoint-format.md`).
//!
//! ```text
//! magic "WISPCKPT" | major u16 | minor u16 | section count u32
//! section*: tag [u8; 8] | flags u32 | len u64 | sha256 [u8; 32] | payload [u8; len]
//! ```
//!
//! Parsing checks the magic, the major version, every length against the
//! bytes present, every section's sha256 (except sections flagged
//! [`FLAG_HASHED_PER_PAGE`], whose pages are checked one by one against the
//! page index). Which sections a restore must understand is decided by the
//! restorer: an unknown section is refused unless flagged [`FLAG_OPTIONAL`].

use alloc::string::String;
use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use super::RestoreError;

/// The first bytes of every checkpoint.
pub const MAGIC: [u8; 8] = *b"WISPCKPT";
/// The format's major version: a reader refuses any other.
pub const FORMAT_MAJOR: u16 = 1;
/// The format's minor version: newer minors only add optional sections.
pub const FORMAT_MINOR: u16 = 0;
/// A reader that does not know this section's tag may skip it.
pub const FLAG_OPTIONAL: u32 = 1;
/// The section's header hash is zero; its content is checked piecewise
/// (the `PAGES` section: each page against its hash in `PGIDX`).
pub const FLAG_HASHED_PER_PAGE: u32 = 2;

/// Bytes of the file header.
const HEADER_LEN: usize = 16;
/// Bytes of a section header (tag, flags, length, sha256): the `PAGES`
/// payload of a file starts this far after the control part that
/// `read_control` (with `std`) returns.
pub const SECTION_HEADER_LEN: usize = 52;

/// The tags of the interpreter's own sections.
pub(crate) mod tags {
    /// Format, engine identity, modules by sha256.
    pub const HEADER: &str = "HEADR";
    /// The store: creations to replay, then every mutable entity's state.
    pub const STORE: &str = "STORE";
    /// The suspended call: value stack, frames, why it stopped.
    pub const EXEC: &str = "EXECS";
    /// The index of stored memory pages, with a sha256 per page.
    pub const PAGE_INDEX: &str = "PGIDX";
    /// The stored memory pages, 64 KiB each.
    pub const PAGES: &str = "PAGES";
    /// Every tag this crate reads.
    pub const KNOWN: [&str; 5] = [HEADER, STORE, EXEC, PAGE_INDEX, PAGES];
}

/// A section tag as stored: ASCII, NUL-padded to 8 bytes.
pub(crate) fn encode_tag(tag: &str) -> Option<[u8; 8]> {
    let bytes = tag.as_bytes();
    if bytes.is_empty() || bytes.len() > 8 || !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut out = [0; 8];
    out[..bytes.len()].copy_from_slice(bytes);
    Some(out)
}

/// A stored tag as text (non-graphic bytes show as `?`).
pub(crate) fn decode_tag(tag: &[u8; 8]) -> String {
    let end = tag.iter().position(|&b| b == 0).unwrap_or(8);
    tag[..end]
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect()
}

/// The sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// One section to write.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub tag: [u8; 8],
    pub flags: u32,
    pub payload: Vec<u8>,
}

/// Serialises `sections` behind the file header.
pub(crate) fn write(sections: &[Section]) -> Vec<u8> {
    let total: usize = sections
        .iter()
        .map(|s| SECTION_HEADER_LEN + s.payload.len())
        .sum();
    let mut out = Vec::with_capacity(HEADER_LEN + total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_MAJOR.to_le_bytes());
    out.extend_from_slice(&FORMAT_MINOR.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for s in sections {
        out.extend_from_slice(&s.tag);
        out.extend_from_slice(&s.flags.to_le_bytes());
        out.extend_from_slice(&(s.payload.len() as u64).to_le_bytes());
        let hash = if s.flags & FLAG_HASHED_PER_PAGE != 0 {
            [0; 32]
        } else {
            sha256(&s.payload)
        };
        out.extend_from_slice(&hash);
        out.extend_from_slice(&s.payload);
    }
    out
}

/// One parsed section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParsedSection<'a> {
    pub tag: [u8; 8],
    pub flags: u32,
    pub payload: &'a [u8],
}

/// Splits an image into verified sections.
pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<ParsedSection<'_>>, RestoreError> {
    let header = bytes
        .get(..HEADER_LEN)
        .ok_or(RestoreError::NotACheckpoint)?;
    if header[..8] != MAGIC {
        return Err(RestoreError::NotACheckpoint);
    }
    let major = u16::from_le_bytes([header[8], header[9]]);
    let minor = u16::from_le_bytes([header[10], header[11]]);
    if major != FORMAT_MAJOR {
        return Err(RestoreError::Version { major, minor });
    }
    let count = u32::from_le_bytes([header[12], header[13], header[14], header[15]]) as usize;
    let mut rest = &bytes[HEADER_LEN..];
    let mut sections = Vec::new();
    for index in 0..count {
        let truncated = || RestoreError::Malformed {
            section: "header",
            what: alloc::format!("section {index} of {count} is truncated"),
        };
        let head = rest.get(..SECTION_HEADER_LEN).ok_or_else(truncated)?;
        let mut tag = [0; 8];
        tag.copy_from_slice(&head[..8]);
        let flags = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        let mut len = [0; 8];
        len.copy_from_slice(&head[12..20]);
        let len = usize::try_from(u64::from_le_bytes(len)).map_err(|_| truncated())?;
        let mut hash = [0; 32];
        hash.copy_from_slice(&head[20..52]);
        let payload = rest
            .get(SECTION_HEADER_LEN..)
            .and_then(|r| r.get(..len))
            .ok_or_else(truncated)?;
        let name = decode_tag(&tag);
        if flags & FLAG_HASHED_PER_PAGE == 0 && sha256(payload) != hash {
            return Err(RestoreError::Corrupt(name));
        }
        sections.push(ParsedSection {
            tag,
            flags,
            payload,
        });
        rest = &rest[SECTION_HEADER_LEN + len..];
    }
    if !rest.is_empty() {
        return Err(RestoreError::Malformed {
            section: "header",
            what: alloc::format!("{} bytes after the last section", rest.len()),
        });
    }
    Ok(sections)
}

/// The checkpoint `bytes` without its `PAGES` section (a valid image for
/// [`Image::restore_lazy`](super::Image::restore_lazy)), and that section's
/// payload. `PAGES` is always the last section.
pub fn split_pages(bytes: &[u8]) -> Result<(Vec<u8>, &[u8]), RestoreError> {
    let sections = parse(bytes)?;
    let pages_tag = encode_tag(tags::PAGES);
    let Some((last, rest)) = sections.split_last() else {
        return Err(RestoreError::MissingSection(tags::PAGES));
    };
    if Some(last.tag) != pages_tag {
        return Err(RestoreError::MissingSection(tags::PAGES));
    }
    // The control part is every byte before the `PAGES` header, with the
    // section count one lower.
    let pages_start = bytes.len() - last.payload.len();
    let mut control = bytes[..pages_start - SECTION_HEADER_LEN].to_vec();
    control[12..16].copy_from_slice(&(rest.len() as u32).to_le_bytes());
    Ok((control, last.payload))
}

/// Reads a checkpoint from `reader` up to the `PAGES` section: returns the
/// image without it (see [`split_pages`]) and the length of the `PAGES`
/// payload, which is what `reader` delivers next. Memory grows with the
/// bytes that arrive; a section over 1 GiB in the control part is refused.
#[cfg(feature = "std")]
pub fn read_control(reader: &mut impl std::io::Read) -> Result<(Vec<u8>, u64), RestoreError> {
    use std::io::Read;
    const MAX_CONTROL_SECTION: u64 = 1 << 30;
    let io = |what: &str, e: std::io::Error| RestoreError::Malformed {
        section: "header",
        what: alloc::format!("{what}: {e}"),
    };
    let mut header = [0u8; HEADER_LEN];
    reader
        .read_exact(&mut header)
        .map_err(|_| RestoreError::NotACheckpoint)?;
    let count = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
    let mut control = header.to_vec();
    let pages_tag = encode_tag(tags::PAGES);
    for n in 0..count {
        let mut head = [0u8; SECTION_HEADER_LEN];
        reader
            .read_exact(&mut head)
            .map_err(|e| io("reading a section header", e))?;
        let mut len = [0; 8];
        len.copy_from_slice(&head[12..20]);
        let len = u64::from_le_bytes(len);
        if Some(&head[..8]) == pages_tag.as_ref().map(|t| &t[..]) {
            if n + 1 != count {
                return Err(RestoreError::Malformed {
                    section: tags::PAGES,
                    what: "the PAGES section is not the last one".into(),
                });
            }
            control[12..16].copy_from_slice(&n.to_le_bytes());
            return Ok((control, len));
        }
        if len > MAX_CONTROL_SECTION {
            return Err(RestoreError::Malformed {
                section: "header",
                what: alloc::format!("a section of {len} bytes"),
            });
        }
        control.extend_from_slice(&head);
        // Grows with the bytes that actually arrive, not with the claimed length.
        let got = (&mut *reader)
            .take(len)
            .read_to_end(&mut control)
            .map_err(|e| io("reading a section", e))?;
        if got as u64 != len {
            return Err(RestoreError::Malformed {
                section: "header",
                what: alloc::format!("section {n} is truncated"),
            });
        }
    }
    Err(RestoreError::MissingSection(tags::PAGES))
}
