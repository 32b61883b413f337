//! `Memory`: a handle to a linear memory in a store.

use wisp_core::MemoryType;

use crate::error::Error;
use crate::store::Store;

/// A handle to a linear memory in a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) u32);

impl Memory {
    /// Creates a memory of type `ty`.
    pub fn new<T>(store: &mut Store<T>, ty: MemoryType) -> Result<Memory, Error> {
        store.inner.new_host_memory(&ty).map(Memory)
    }

    pub(crate) fn entity<'s, T>(&self, store: &'s Store<T>) -> &'s wisp_memory::Memory {
        &store.inner.memories[self.0 as usize]
    }

    pub(crate) fn entity_mut<'s, T>(&self, store: &'s mut Store<T>) -> &'s mut wisp_memory::Memory {
        &mut store.inner.memories[self.0 as usize]
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty<T>(&self, store: &Store<T>) -> MemoryType {
        let m = self.entity(store);
        MemoryType {
            min: m.size_pages(),
            max: m.max_pages(),
            memory64: false,
            shared: false,
            page_size_log2: None,
        }
    }

    /// Current size in 64 KiB pages.
    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        self.entity(store).size_pages()
    }

    /// Pages whose bytes are allocated: pages never written cost no RAM and
    /// do not count (a memory declared at 4 GiB and never touched has 0).
    pub fn resident_pages<T>(&self, store: &Store<T>) -> usize {
        self.entity(store).resident_pages()
    }

    /// Grows by `delta` pages, returning the old size. Fails beyond the
    /// declared maximum and the store's limits, as `memory.grow` does.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64) -> Result<u64, Error> {
        store
            .inner
            .grow_memory(self.0, delta)
            .ok_or_else(|| Error::Api(alloc::format!("failed to grow memory by {delta} pages")))
    }

    /// Reads `buf.len()` bytes at `addr`. Takes the store mutably because a
    /// memory restored lazily from a checkpoint fetches pages on first touch.
    pub fn read<T>(&self, store: &mut Store<T>, addr: u64, buf: &mut [u8]) -> Result<(), Error> {
        self.entity_mut(store)
            .read(addr, buf)
            .map_err(|e| Error::Api(alloc::format!("memory read at {addr}: {e}")))
    }

    /// Writes `data` at `addr`.
    pub fn write<T>(&self, store: &mut Store<T>, addr: u64, data: &[u8]) -> Result<(), Error> {
        self.entity_mut(store)
            .write(addr, data)
            .map_err(|e| Error::Api(alloc::format!("memory write at {addr}: {e}")))
    }
}
