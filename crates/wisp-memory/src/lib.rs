//! Paged linear memory (placeholder API; implementation in progress).
#![no_std]
extern crate alloc;

/// A linear memory.
#[derive(Debug)]
pub struct Memory;
