//! Checkpoints: a store, and optionally a suspended call, saved to bytes and
//! restored in another store, process or host with the same result.
//!
//! Everything wisp executes lives in the store and in the call's
//! execution state (value stack and frames on the heap), so a call suspended by fuel or by a host function can be written
//! out between two instructions and resumed anywhere. What is saved
//! (`docs/checkpoint-format.md` has the byte layout):
//!
//! - the identity of each module (sha256 of its bytes; code is re-derived by
//!   compiling the module again, never stored) and of the engine (the
//!   translator's ABI fingerprint and the config options that change code);
//! - the store's *creations* in order (instances with their imports, host
//!   functions by linker name, embedder-made memories, tables, globals):
//!   replaying them in a fresh store allocates the same entities at the same
//!   addresses by the same code that instantiation uses, so the restored
//!   store's structure is sound by construction;
//! - every mutable entity's state: globals, table elements, memory sizes,
//!   element/data segment drop flags, fuel;
//! - memory pages that are not all zero, each with its own sha256;
//! - the suspended call: value stack, frames (function, instruction index,
//!   frame pointer) and why it stopped.
//!
//! Restoring checks every section's hash, the format version and the engine
//! fingerprint, replays the creations, applies the state, and checks every
//! frame against the re-derived code (each position must be an instruction
//! boundary of its function, each frame must fit the value stack), so a
//! damaged or hostile image is refused with a [`RestoreError`], never a panic.
//! Embedders add their own sections (WASI state, a process host's mailbox)
//! with [`Checkpoint::add_section`] and read them back with
//! [`Image::section`].

pub mod codec;
mod image;
mod lazy;
mod load;
mod save;

use alloc::string::String;
use alloc::vec::Vec;

#[cfg(feature = "std")]
pub use image::read_control;
pub use image::{
    FLAG_HASHED_PER_PAGE, FLAG_OPTIONAL, FORMAT_MAJOR, FORMAT_MINOR, MAGIC, SECTION_HEADER_LEN,
    sha256, split_pages,
};
pub use lazy::PageStore;

use crate::Engine;
use crate::func::ResumableCall;
use crate::linker::Linker;
use crate::module::Module;
use crate::store::Store;

/// The fingerprint of the code the translator produces and of the frame
/// layout the executor expects: checkpoints store instruction positions and
/// slot contents, which mean the same only for the same translator. It is
/// derived at build time from the sources of the translator, the IR and the
/// executor (see `build.rs`), so any change to them refuses old checkpoints
/// instead of misreading them.
pub const INTERP_ABI: u64 = {
    let bytes = env!("WISP_INTERP_ABI").as_bytes();
    let mut value = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        let digit = match bytes[i] {
            b @ b'0'..=b'9' => (b - b'0') as u64,
            b @ b'a'..=b'f' => (b - b'a' + 10) as u64,
            _ => 0,
        };
        value = (value << 4) | digit;
        i += 1;
    }
    value
};

/// Why a store or call could not be checkpointed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The state holds something that has no meaning outside this process.
    #[error("cannot checkpoint: {0}")]
    Unserializable(String),
    /// A section tag is not 1 to 8 printable ASCII characters, or is taken.
    #[error("invalid checkpoint section tag `{0}`")]
    BadTag(String),
}

/// Why a checkpoint could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// The bytes do not start with the checkpoint magic.
    #[error("not a wisp checkpoint (the magic bytes `WISPCKPT` are missing)")]
    NotACheckpoint,
    /// A major version this reader does not know.
    #[error(
        "checkpoint format {major}.{minor} is not supported (this wisp reads {FORMAT_MAJOR}.x)"
    )]
    Version { major: u16, minor: u16 },
    /// A section's bytes do not match its sha256.
    #[error("checkpoint section {0} is corrupt (its sha256 does not match)")]
    Corrupt(String),
    /// A section is truncated or holds values that make no sense.
    #[error("checkpoint section {section} is malformed: {what}")]
    Malformed { section: &'static str, what: String },
    /// A required section this restore does not understand.
    #[error("checkpoint has a required section {0} that this restore does not understand")]
    UnknownSection(String),
    /// A required section is missing.
    #[error("checkpoint has no {0} section")]
    MissingSection(&'static str),
    /// No module with the stored hash was supplied.
    #[error("the checkpoint needs module sha256:{0}, which was not supplied")]
    ModuleUnavailable(String),
    /// The checkpoint was taken by an engine whose code differs.
    #[error("the checkpoint was taken by an incompatible engine: {0}")]
    Incompatible(String),
    /// A host function the store had is not defined in the linker.
    #[error("host function `{module}::{name}` is not defined in the linker (or has another type)")]
    HostFuncMissing { module: String, name: String },
    /// Replaying the store's creations failed.
    #[error("cannot rebuild the store: {0}")]
    Rebuild(String),
}

/// A checkpoint being written: the interpreter's sections plus the
/// embedder's.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    sections: Vec<image::Section>,
}

impl Checkpoint {
    /// Captures `store` and, if given, the suspended `call` (which must
    /// belong to `store`).
    ///
    /// Refused ([`CheckpointError::Unserializable`]) when a table or global
    /// holds a non-null `externref` (an embedder handle that means nothing
    /// in another process), or when a host function was not defined through
    /// a [`Linker`] (restore finds host functions by their linker name).
    ///
    /// Takes the store mutably only to fetch the pages of a memory that was
    /// itself restored lazily and has pages still at its source.
    pub fn capture<T>(
        store: &mut Store<T>,
        call: Option<&ResumableCall>,
    ) -> Result<Checkpoint, CheckpointError> {
        Ok(Checkpoint {
            sections: save::capture(&mut store.inner, call)?,
        })
    }

    /// Adds an embedder section. `tag` is 1 to 8 printable ASCII characters,
    /// not one of the interpreter's; an `optional` section may be skipped by
    /// a restore that does not understand it, a required one may not.
    pub fn add_section(
        &mut self,
        tag: &str,
        optional: bool,
        payload: Vec<u8>,
    ) -> Result<(), CheckpointError> {
        let encoded = image::encode_tag(tag)
            .filter(|t| !self.sections.iter().any(|s| s.tag == *t))
            .ok_or_else(|| CheckpointError::BadTag(tag.into()))?;
        // Embedder sections go before the pages, which always come last.
        let at = self.sections.len().saturating_sub(2);
        self.sections.insert(
            at,
            image::Section {
                tag: encoded,
                flags: if optional { FLAG_OPTIONAL } else { 0 },
                payload,
            },
        );
        Ok(())
    }

    /// The checkpoint's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        image::write(&self.sections)
    }
}

/// A parsed, hash-checked checkpoint image.
#[derive(Debug, Clone)]
pub struct Image<'a> {
    sections: Vec<image::ParsedSection<'a>>,
}

/// What a restore produced.
#[derive(Debug)]
pub struct Restored<T> {
    /// The rebuilt store.
    pub store: Store<T>,
    /// Its instances, in the order they were created.
    pub instances: Vec<crate::Instance>,
    /// The suspended call, if the checkpoint held one. A call suspended by a
    /// host function resumes with that function's results; the host's
    /// payload is not saved, so its [`SuspendReason::Host`] payload is `()`.
    ///
    /// [`SuspendReason::Host`]: crate::SuspendReason::Host
    pub call: Option<ResumableCall>,
}

impl<'a> Image<'a> {
    /// Parses `bytes`, checking the magic, the version and every section's
    /// sha256 (pages are checked one by one as they are restored).
    pub fn parse(bytes: &'a [u8]) -> Result<Image<'a>, RestoreError> {
        Ok(Image {
            sections: image::parse(bytes)?,
        })
    }

    /// The payload of section `tag`, if present.
    pub fn section(&self, tag: &str) -> Option<&'a [u8]> {
        let tag = image::encode_tag(tag)?;
        self.sections
            .iter()
            .find(|s| s.tag == tag)
            .map(|s| s.payload)
    }

    /// The tags of all sections, in order.
    pub fn tags(&self) -> impl Iterator<Item = String> + '_ {
        self.sections.iter().map(|s| image::decode_tag(&s.tag))
    }

    /// A config whose engine runs the code the checkpoint was taken with
    /// (features, fuel metering, NaN canonicalization; stack limits are the
    /// defaults and may be changed).
    pub fn config(&self) -> Result<crate::Config, RestoreError> {
        Ok(load::header(self)?.config())
    }

    /// The sha256 of every module the checkpoint needs.
    pub fn modules(&self) -> Result<Vec<[u8; 32]>, RestoreError> {
        Ok(load::header(self)?.modules)
    }

    /// Rebuilds the store in `engine` (whose config must match the one the
    /// checkpoint was taken with), finding modules among `modules` by hash
    /// and host functions in `linker` by name.
    ///
    /// `understood` lists the embedder sections the caller handles; any
    /// other section not flagged optional is refused.
    pub fn restore<T>(
        &self,
        engine: &Engine,
        modules: &[Module],
        linker: &Linker<T>,
        data: T,
        understood: &[&str],
    ) -> Result<Restored<T>, RestoreError> {
        self.check_sections(understood)?;
        load::restore(self, engine, modules, linker, data, None)
    }

    /// Like [`restore`](Self::restore), but memory pages are read from
    /// `pages` (the bytes of the `PAGES` section, by offset) when the guest
    /// first touches them, each checked against its sha256 in `PGIDX`: the
    /// call can resume before its memory has been read. The image may lack
    /// the `PAGES` section (see [`split_pages`], and `read_control` with the
    /// `std` feature).
    ///
    /// A page that cannot be read or fails its hash when touched makes the
    /// instruction that touched it trap with "out of memory"; the store's
    /// memories report the cause (`Memory::take_fetch_error` in
    /// `wisp-memory`).
    pub fn restore_lazy<T>(
        &self,
        engine: &Engine,
        modules: &[Module],
        linker: &Linker<T>,
        data: T,
        understood: &[&str],
        pages: alloc::sync::Arc<dyn PageStore>,
    ) -> Result<Restored<T>, RestoreError> {
        self.check_sections(understood)?;
        load::restore(self, engine, modules, linker, data, Some(pages))
    }

    /// Refuses required sections that neither the interpreter nor the
    /// caller understands.
    fn check_sections(&self, understood: &[&str]) -> Result<(), RestoreError> {
        for section in &self.sections {
            let name = image::decode_tag(&section.tag);
            let known =
                image::tags::KNOWN.contains(&name.as_str()) || understood.contains(&name.as_str());
            if !known && section.flags & FLAG_OPTIONAL == 0 {
                return Err(RestoreError::UnknownSection(name));
            }
        }
        Ok(())
    }
}
