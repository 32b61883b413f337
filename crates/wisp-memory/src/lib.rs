//! Paged linear memory (API stub; implementation in progress).
#![no_std]

/// Size of a Wasm page in bytes.
pub const PAGE_SIZE: u64 = 65536;

/// Why a memory operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    #[error("out of bounds memory access")]
    OutOfBounds,
    #[error("out of memory")]
    OutOfMemory,
}

/// A linear memory.
#[derive(Debug)]
pub struct Memory;

#[allow(unused_variables, clippy::allow_attributes_without_reason)]
impl Memory {
    pub fn new(initial_pages: u64, max_pages: Option<u64>) -> Result<Memory, MemoryError> { todo!() }
    pub fn size_pages(&self) -> u64 { todo!() }
    pub fn size_bytes(&self) -> u64 { todo!() }
    pub fn max_pages(&self) -> Option<u64> { todo!() }
    pub fn grow(&mut self, delta_pages: u64) -> Option<u64> { todo!() }
    pub fn load<const N: usize>(&self, addr: u64) -> Result<[u8; N], MemoryError> { todo!() }
    pub fn store<const N: usize>(&mut self, addr: u64, bytes: [u8; N]) -> Result<(), MemoryError> { todo!() }
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> { todo!() }
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> { todo!() }
    pub fn fill(&mut self, addr: u64, byte: u8, len: u64) -> Result<(), MemoryError> { todo!() }
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> Result<(), MemoryError> { todo!() }
    pub fn resident_pages(&self) -> usize { todo!() }
}
