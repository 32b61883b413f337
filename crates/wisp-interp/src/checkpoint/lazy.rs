//! Lazy restore: memory pages read from where the checkpoint's `PAGES`
//! bytes are (a file, a network stream, a buffer) when the guest first
//! touches them, each checked against its sha256 from `PGIDX`.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use wisp_memory::{PageBytes, PageSource, PageSourceError};

use super::image::sha256;

/// Where a lazily restored store reads its pages: the payload of the
/// checkpoint's `PAGES` section, addressed by offset. Implementations read
/// a file at an offset, or a stream that delivers the pages in order; they
/// are shared by the store's memories (hence `Sync`) and called from the
/// thread that runs the store.
pub trait PageStore: Send + Sync {
    /// Fills `out` with the 64 KiB stored at `offset` of the `PAGES` payload.
    fn read_page(&self, offset: u64, out: &mut PageBytes) -> Result<(), String>;
}

/// A checkpoint's pages held in memory.
impl PageStore for Vec<u8> {
    fn read_page(&self, offset: u64, out: &mut PageBytes) -> Result<(), String> {
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|o| self.get(o..o.checked_add(out.len())?))
            .ok_or_else(|| {
                format!(
                    "no page at offset {offset} (the pages are {} bytes)",
                    self.len()
                )
            })?;
        out.copy_from_slice(bytes);
        Ok(())
    }
}

/// One memory's stored pages: page number → (offset in `PAGES`, sha256).
pub(super) struct IndexedPages {
    pub store: Arc<dyn PageStore>,
    pub entries: BTreeMap<u64, (u64, [u8; 32])>,
}

impl PageSource for IndexedPages {
    fn fetch(&mut self, page: u64, out: &mut PageBytes) -> Result<(), PageSourceError> {
        let &(offset, hash) = self
            .entries
            .get(&page)
            .ok_or_else(|| PageSourceError::Other(format!("page {page} is not stored")))?;
        self.store
            .read_page(offset, out)
            .map_err(PageSourceError::Io)?;
        if sha256(out) != hash {
            return Err(PageSourceError::Integrity(format!(
                "checkpoint page {page} does not match its sha256"
            )));
        }
        Ok(())
    }
}
