//! `Exclusive<T>`: a wrapper that is `Sync` for any `T: Send`, because a
//! shared reference to it gives no access to the `T` at all (the same idea as
//! the standard library's unstable `Exclusive`).
//!
//! A memory's lazy [`PageSource`](crate::PageSource) is only `Send` (fetching
//! needs `&mut`), yet a `Memory` should stay `Sync` like the rest of a store;
//! keeping the source in an `Exclusive` allows that without asking sources to
//! be `Sync`.

/// Holds a `T` reachable only through `&mut self` (see the module docs).
pub(crate) struct Exclusive<T: ?Sized> {
    inner: T,
}

// SAFETY: `&Exclusive<T>` exposes nothing of `T` (there is no method taking
// `&self`), so sharing it between threads shares no access to `T`; moving it
// requires `T: Send` through the auto `Send` impl.
unsafe impl<T: ?Sized + Send> Sync for Exclusive<T> {}

impl<T> Exclusive<T> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: T) -> Self {
        Exclusive { inner }
    }
}

impl<T: ?Sized> Exclusive<T> {
    /// The wrapped value, through an exclusive borrow.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized> core::fmt::Debug for Exclusive<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Exclusive { .. }")
    }
}
