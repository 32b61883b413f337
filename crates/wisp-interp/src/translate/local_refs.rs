//! Where the lazy `Local(x)` operands sit on the translator's virtual stack.
//!
//! `local.set x` must materialize every `Local(x)` still on the stack, and
//! block entry every `Local(_)`. Scanning the stack for them would make
//! translation quadratic (a tall stack of temporaries with one `local.get`
//! under it, then many `local.set`s), so each stack height pushed as a
//! `Local` is threaded onto two singly linked chains, newest first: one per
//! local and one for all locals. A walk visits only heights on its chain.
//!
//! Invariant: every height on a chain was pushed as a `Local` and has not
//! been popped since; heights on a chain strictly decrease from its head.
//! Hence a popped height (always the top) that is on a chain is that
//! chain's head, and unlinking it is O(1).
//!
//! Heights materialized by other paths stay on their chains as stale
//! entries (their operand is no longer `Local`); walks skip them. A walk
//! empties its chain, so each push is visited at most once per chain and
//! the total cost stays linear in the number of pushes.

use alloc::vec::Vec;

/// End of a chain.
const NONE: u32 = u32::MAX;

/// The links of one stack height pushed as `Local(local)`.
#[derive(Debug, Clone, Copy)]
struct Link {
    local: u32,
    /// The next older height on `local`'s chain.
    older_same: u32,
    /// The next older height on the all-locals chain.
    older_any: u32,
}

/// Counts and chains of the `Local` operands on the virtual stack.
#[derive(Debug, Default)]
pub(super) struct LocalRefs {
    /// How many `Local(x)` are on the stack, per local `x`.
    count: Vec<u32>,
    /// How many `Local(_)` are on the stack in total.
    total: u32,
    /// The newest height on each local's chain.
    newest: Vec<u32>,
    /// The newest height on the all-locals chain.
    newest_any: u32,
    /// Per stack height: its links, meaningful while it is on a chain.
    links: Vec<Link>,
}

impl LocalRefs {
    /// Forgets everything, for a function with `num_locals` locals
    /// (parameters included).
    pub(super) fn reset(&mut self, num_locals: usize) {
        self.count.clear();
        self.count.resize(num_locals, 0);
        self.newest.clear();
        self.newest.resize(num_locals, NONE);
        self.total = 0;
        self.newest_any = NONE;
        self.links.clear();
    }

    /// Whether any `Local` operand is on the stack.
    pub(super) fn any(&self) -> bool {
        self.total > 0
    }

    /// Whether a `Local(x)` operand is on the stack.
    #[inline]
    pub(super) fn has(&self, x: u32) -> bool {
        self.count[x as usize] > 0
    }

    /// `Local(x)` was pushed at height `h`.
    #[inline]
    pub(super) fn pushed(&mut self, x: u32, h: u32) {
        let link = Link {
            local: x,
            older_same: self.newest[x as usize],
            older_any: self.newest_any,
        };
        let h_index = h as usize;
        if h_index >= self.links.len() {
            self.extend_links(h_index + 1);
        }
        self.links[h_index] = link;
        self.newest[x as usize] = h;
        self.newest_any = h;
        self.count[x as usize] += 1;
        self.total += 1;
    }

    /// Gives heights up to `len` entries in `links`. Heights below `h`
    /// pushed as other operands have no links yet; filler entries are never
    /// on a chain (no `newest` names them).
    #[cold]
    #[inline(never)]
    fn extend_links(&mut self, len: usize) {
        let filler = Link {
            local: 0,
            older_same: NONE,
            older_any: NONE,
        };
        self.links.resize(len, filler);
    }

    /// The operand at height `h`, `Local(x)`, became something else
    /// (materialized); it stays on its chains as a stale entry.
    #[inline]
    pub(super) fn replaced(&mut self, x: u32) {
        self.count[x as usize] -= 1;
        self.total -= 1;
    }

    /// Height `h`, the top of the stack, was popped; `local` is `Some(x)` if
    /// it still held `Local(x)`.
    #[inline]
    pub(super) fn popped(&mut self, h: u32, local: Option<u32>) {
        if let Some(x) = local {
            self.replaced(x);
        }
        let Some(&link) = self.links.get(h as usize) else {
            return;
        };
        if self.newest[link.local as usize] == h {
            self.newest[link.local as usize] = link.older_same;
        }
        if self.newest_any == h {
            self.newest_any = link.older_any;
        }
    }

    /// Empties local `x`'s chain and returns its first height; follow it
    /// with [`older_same`](Self::older_same).
    pub(super) fn take_chain(&mut self, x: u32) -> Option<u32> {
        let head = core::mem::replace(&mut self.newest[x as usize], NONE);
        (head != NONE).then_some(head)
    }

    /// Empties the all-locals chain and returns its first height; follow it
    /// with [`older_any`](Self::older_any).
    pub(super) fn take_any_chain(&mut self) -> Option<u32> {
        let head = core::mem::replace(&mut self.newest_any, NONE);
        (head != NONE).then_some(head)
    }

    /// The height after `h` on its local's chain (as it was when taken).
    pub(super) fn older_same(&self, h: u32) -> Option<u32> {
        let older = self.links.get(h as usize)?.older_same;
        (older != NONE).then_some(older)
    }

    /// The height after `h` on the all-locals chain (as it was when taken).
    pub(super) fn older_any(&self, h: u32) -> Option<u32> {
        let older = self.links.get(h as usize)?.older_any;
        (older != NONE).then_some(older)
    }
}
