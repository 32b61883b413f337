//! In-memory snapshots of a store, for loops that run many inputs from one
//! starting state (fuzzers): [`Store::snapshot`] is cheap because memory
//! pages are shared copy-on-write (`wisp-memory`), and [`Store::reset`]
//! costs time in proportion to what changed since, not to the memory's size.
//!
//! A snapshot holds the state of every entity the store has when it is
//! taken: memory contents and sizes, globals, table elements, and which
//! element and data segments are dropped. Fuel is the embedder's budget and
//! is not part of it. Resetting a store that has gained entities since (new
//! instances, host functions, ...) is refused: the snapshot does not know
//! what they should be.

use alloc::vec::Vec;
use core::ops::Range;

use wisp_memory::MemorySnapshot;

use crate::error::Error;
use crate::store::{Store, StoreInner};

/// The saved state of a store's entities (see the module docs).
#[derive(Debug, Clone)]
pub struct StoreSnapshot {
    /// The store it was taken from.
    store_id: u64,
    /// Entity counts when it was taken.
    funcs: usize,
    instances: usize,
    memories: Vec<MemorySnapshot>,
    globals: Vec<u64>,
    tables: Vec<Vec<u64>>,
    /// Element segment items (empty once dropped).
    elems: Vec<Vec<u64>>,
    /// Data segment ranges (empty once dropped).
    datas: Vec<Range<usize>>,
}

impl StoreSnapshot {
    /// Pages of memory the snapshot holds data for, over all memories.
    pub fn resident_pages(&self) -> usize {
        self.memories
            .iter()
            .map(MemorySnapshot::resident_pages)
            .sum()
    }
}

fn api(message: &str) -> Error {
    Error::Api(message.into())
}

impl StoreInner {
    fn snapshot(&mut self) -> Result<StoreSnapshot, Error> {
        let memories = self
            .memories
            .iter_mut()
            .map(|m| m.snapshot())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Api(alloc::format!("cannot snapshot a memory: {e}")))?;
        Ok(StoreSnapshot {
            store_id: self.id,
            funcs: self.funcs.len(),
            instances: self.instances.len(),
            memories,
            globals: self.globals.iter().map(|g| g.value).collect(),
            tables: self.tables.iter().map(|t| t.elements.clone()).collect(),
            elems: self.elems.iter().map(|e| e.items.clone()).collect(),
            datas: self.datas.iter().map(|d| d.range.clone()).collect(),
        })
    }

    fn reset(&mut self, snap: &StoreSnapshot) -> Result<(), Error> {
        if snap.store_id != self.id {
            return Err(api("the snapshot was taken of another store"));
        }
        let same_entities = snap.funcs == self.funcs.len()
            && snap.instances == self.instances.len()
            && snap.memories.len() == self.memories.len()
            && snap.globals.len() == self.globals.len()
            && snap.tables.len() == self.tables.len()
            && snap.elems.len() == self.elems.len()
            && snap.datas.len() == self.datas.len();
        if !same_entities {
            return Err(api(
                "the store has gained entities since the snapshot (instances, functions, \
                 memories, tables, globals or segments); take a new snapshot",
            ));
        }
        for (memory, saved) in self.memories.iter_mut().zip(&snap.memories) {
            memory
                .restore(saved)
                .map_err(|e| Error::Api(alloc::format!("cannot restore a memory: {e}")))?;
        }
        for (global, &value) in self.globals.iter_mut().zip(&snap.globals) {
            global.value = value;
        }
        // Tables and segments are compared before they are copied: most
        // inputs leave them alone, and comparing costs no allocation.
        for (table, saved) in self.tables.iter_mut().zip(&snap.tables) {
            if table.elements != *saved {
                table.elements.clone_from(saved);
            }
        }
        for (elem, saved) in self.elems.iter_mut().zip(&snap.elems) {
            if elem.items.len() != saved.len() {
                elem.items.clone_from(saved);
            }
        }
        for (data, saved) in self.datas.iter_mut().zip(&snap.datas) {
            data.range = saved.clone();
        }
        self.recount_memory_pages();
        Ok(())
    }
}

impl<T> Store<T> {
    /// Saves the state of every entity of the store (see [`StoreSnapshot`]).
    /// Costs time in proportion to the number of memory pages (they are
    /// shared, not copied) plus the table and segment sizes.
    pub fn snapshot(&mut self) -> Result<StoreSnapshot, Error> {
        self.inner.snapshot()
    }

    /// Puts every entity back in the state `snapshot` saved. After a reset
    /// to the snapshot last taken or reset to, the cost is proportional to
    /// the memory pages written since (plus a comparison of tables and a
    /// copy of globals); after a reset to another snapshot, to the number of
    /// pages. Errors if `snapshot` is of another store or the store has new
    /// entities since.
    pub fn reset(&mut self, snapshot: &StoreSnapshot) -> Result<(), Error> {
        self.inner.reset(snapshot)
    }
}
