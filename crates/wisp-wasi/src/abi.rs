//! Guest-memory access for WASI calls: every pointer the guest passes is
//! checked here, once, before anything is read or written.
//!
//! - [`GuestMemory`] abstracts a linear memory (a store's memory through
//!   [`StoreMemory`], or a plain byte slice in unit tests).
//! - The helpers read and write little-endian `u32`/`u64`, byte ranges and
//!   `iovec` arrays. Any range that does not lie entirely inside memory is
//!   [`Errno::Fault`]; nothing panics and no address arithmetic wraps (it is
//!   done in `u64`).
//! - Allocation is bounded by the guest's memory: a range is checked against
//!   the memory size before a buffer for it is allocated, so a guest can make
//!   the host allocate at most as much as the memory it already has.
//!
//! # Note
//! Pointer alignment is not checked: witx does not require it for the
//! pointer-sized results written here, and the memory is byte-addressed.

use alloc::vec;
use alloc::vec::Vec;

use wisp_interp::{Memory, Store};

use crate::errno::Errno;

/// A guest linear memory, byte-addressed from 0.
pub trait GuestMemory {
    /// The current size in bytes.
    fn size(&mut self) -> u64;
    /// Reads `buf.len()` bytes at `addr`; `false` if out of bounds.
    fn read_at(&mut self, addr: u64, buf: &mut [u8]) -> bool;
    /// Writes `data` at `addr`; `false` if out of bounds.
    fn write_at(&mut self, addr: u64, data: &[u8]) -> bool;
}

/// A store's memory seen as a [`GuestMemory`].
#[derive(Debug)]
pub struct StoreMemory<'a, T> {
    pub store: &'a mut Store<T>,
    pub memory: Memory,
}

impl<T> GuestMemory for StoreMemory<'_, T> {
    fn size(&mut self) -> u64 {
        self.memory.size(self.store).saturating_mul(65536)
    }
    fn read_at(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        self.memory.read(self.store, addr, buf).is_ok()
    }
    fn write_at(&mut self, addr: u64, data: &[u8]) -> bool {
        self.memory.write(self.store, addr, data).is_ok()
    }
}

impl GuestMemory for [u8] {
    fn size(&mut self) -> u64 {
        self.len() as u64
    }
    fn read_at(&mut self, addr: u64, buf: &mut [u8]) -> bool {
        let Some(src) = range(self.len(), addr, buf.len()).and_then(|r| self.get(r)) else {
            return false;
        };
        buf.copy_from_slice(src);
        true
    }
    fn write_at(&mut self, addr: u64, data: &[u8]) -> bool {
        let Some(dst) = range(self.len(), addr, data.len()).and_then(|r| self.get_mut(r)) else {
            return false;
        };
        dst.copy_from_slice(data);
        true
    }
}

fn range(size: usize, addr: u64, len: usize) -> Option<core::ops::Range<usize>> {
    let start = usize::try_from(addr).ok()?;
    let end = start.checked_add(len)?;
    (end <= size).then_some(start..end)
}

/// `Ok` if `[ptr, ptr + len)` lies inside memory, else [`Errno::Fault`].
pub fn check_range(mem: &mut (impl GuestMemory + ?Sized), ptr: u32, len: u64) -> Result<(), Errno> {
    let end = u64::from(ptr).checked_add(len).ok_or(Errno::Fault)?;
    if end <= mem.size() {
        Ok(())
    } else {
        Err(Errno::Fault)
    }
}

/// Reads `len` bytes at `ptr` (bounds-checked before allocating).
pub fn read_bytes(
    mem: &mut (impl GuestMemory + ?Sized),
    ptr: u32,
    len: u32,
) -> Result<Vec<u8>, Errno> {
    check_range(mem, ptr, u64::from(len))?;
    let mut buf = vec![0u8; len as usize];
    if mem.read_at(u64::from(ptr), &mut buf) {
        Ok(buf)
    } else {
        Err(Errno::Fault)
    }
}

/// Writes `data` at `ptr`.
pub fn write_bytes(
    mem: &mut (impl GuestMemory + ?Sized),
    ptr: u32,
    data: &[u8],
) -> Result<(), Errno> {
    check_range(mem, ptr, data.len() as u64)?;
    if mem.write_at(u64::from(ptr), data) {
        Ok(())
    } else {
        Err(Errno::Fault)
    }
}

/// Reads a little-endian `u32` at `ptr`.
pub fn read_u32(mem: &mut (impl GuestMemory + ?Sized), ptr: u32) -> Result<u32, Errno> {
    let mut b = [0u8; 4];
    check_range(mem, ptr, 4)?;
    if mem.read_at(u64::from(ptr), &mut b) {
        Ok(u32::from_le_bytes(b))
    } else {
        Err(Errno::Fault)
    }
}

/// Reads a little-endian `u64` at `ptr`.
pub fn read_u64(mem: &mut (impl GuestMemory + ?Sized), ptr: u32) -> Result<u64, Errno> {
    let mut b = [0u8; 8];
    check_range(mem, ptr, 8)?;
    if mem.read_at(u64::from(ptr), &mut b) {
        Ok(u64::from_le_bytes(b))
    } else {
        Err(Errno::Fault)
    }
}

/// Writes a little-endian `u32` at `ptr`.
pub fn write_u32(mem: &mut (impl GuestMemory + ?Sized), ptr: u32, v: u32) -> Result<(), Errno> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// Writes a little-endian `u64` at `ptr`.
pub fn write_u64(mem: &mut (impl GuestMemory + ?Sized), ptr: u32, v: u64) -> Result<(), Errno> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// One witx `iovec`/`ciovec`: `{ buf: u32, buf_len: u32 }`, 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iovec {
    pub buf: u32,
    pub len: u32,
}

/// The size of one `iovec` in guest memory.
pub const IOVEC_SIZE: u64 = 8;

/// Reads `count` iovecs at `ptr` and checks that every buffer they name lies
/// inside memory, so a call either faults before doing anything or can use
/// every buffer.
///
/// The array itself is bounds-checked before it is read, so `count` can be
/// at most `memory size / 8`: the allocation is justified by guest memory.
pub fn read_iovecs(
    mem: &mut (impl GuestMemory + ?Sized),
    ptr: u32,
    count: u32,
) -> Result<Vec<Iovec>, Errno> {
    let bytes_len = u64::from(count) * IOVEC_SIZE;
    check_range(mem, ptr, bytes_len)?;
    let raw = read_bytes(
        mem,
        ptr,
        u32::try_from(bytes_len).map_err(|_| Errno::Fault)?,
    )?;
    let mut out = Vec::with_capacity(count as usize);
    for chunk in raw.chunks_exact(8) {
        let word = |i: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&chunk[i..i + 4]);
            u32::from_le_bytes(b)
        };
        let iov = Iovec {
            buf: word(0),
            len: word(4),
        };
        check_range(mem, iov.buf, u64::from(iov.len))?;
        out.push(iov);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_and_bounds() {
        let mut m = [0u8; 16];
        let mem: &mut [u8] = &mut m;
        write_u32(mem, 0, 0x0403_0201).unwrap();
        assert_eq!(&mem[..4], &[1, 2, 3, 4]);
        write_u64(mem, 8, 0x0807_0605_0403_0201).unwrap();
        assert_eq!(read_u64(mem, 8).unwrap(), 0x0807_0605_0403_0201);
        assert_eq!(read_u32(mem, 12), Ok(0x0807_0605));
        assert_eq!(read_u32(mem, 13), Err(Errno::Fault));
        assert_eq!(write_u64(mem, 9, 1), Err(Errno::Fault));
        assert_eq!(write_u32(mem, u32::MAX, 1), Err(Errno::Fault));
        assert_eq!(read_bytes(mem, 16, 0), Ok(Vec::new()));
        assert_eq!(read_bytes(mem, 17, 0), Err(Errno::Fault));
        assert_eq!(read_bytes(mem, 0, u32::MAX), Err(Errno::Fault));
    }

    #[test]
    fn iovecs_are_bounded_by_memory() {
        let mut m = [0u8; 32];
        let mem: &mut [u8] = &mut m;
        // iovec 0: buf 16, len 8; iovec 1: buf 24, len 8 (ends exactly at 32).
        write_u32(mem, 0, 16).unwrap();
        write_u32(mem, 4, 8).unwrap();
        write_u32(mem, 8, 24).unwrap();
        write_u32(mem, 12, 8).unwrap();
        assert_eq!(
            read_iovecs(mem, 0, 2).unwrap(),
            [Iovec { buf: 16, len: 8 }, Iovec { buf: 24, len: 8 }]
        );
        // A huge count faults before any allocation.
        assert_eq!(read_iovecs(mem, 0, u32::MAX), Err(Errno::Fault));
        // A buffer past the end faults.
        write_u32(mem, 12, 9).unwrap();
        assert_eq!(read_iovecs(mem, 0, 2), Err(Errno::Fault));
    }
}
