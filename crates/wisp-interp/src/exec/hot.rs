//! The executor's hot state: the instruction pointer into the running
//! function's code ([`Code`]) and the running frame's slots ([`Regs`]), read
//! and written without bounds checks. This is the only module of
//! wisp-interp with `unsafe` code.
//!
//! # Why this is sound
//! Both types are built from a [`CompiledFunc`], whose code passed the
//! structural check of `ir/verify.rs` when it was built (see its
//! `# Validity`): it ends in a terminator, branches only to its own
//! instructions, names only slots below `max_slots`, and has its trailing
//! words in place; and it is stored followed by a sentinel `Trap`, so the
//! instruction after any instruction of the code exists. [`Regs::new`]
//! checks that the frame's `max_slots` slots lie within the value stack.
//! What remains is a protocol the dispatch loop follows, stated on each
//! method: slots and targets passed in are operands of the running
//! function's instructions, and the cursor moves past at most one
//! instruction beyond the one being executed (a trailing word, or the second
//! half of a superinstruction, neither of which is the sentinel) before it
//! jumps or fetches. The sentinel's handler (`Trap`) exits.
//!
//! # Checked twin
//! With `cfg(test)` or the `extra-checks` feature, the same API is
//! implemented with ordinary bounds-checked indexing (a broken invariant
//! panics instead of reading out of bounds), after Pulley's
//! `SafeBytecodeStream`/`UnsafeBytecodeStream`. It roughly doubles the
//! instructions the loop executes (callgrind, `benches/` workloads: sieve
//! 10.3G -> 19.5G, fib 7.4G -> 10.5G), so it is for tests and fuzzing.

use crate::ir::{CompiledFunc, Instr, Slot, Target, ThreadedInstr};

/// Reads the running function's instructions, and (when `METERED`) holds
/// the remaining fuel.
///
/// Whenever the position is set (a jump, a call, a return, a resume) and
/// lands on a `ConsumeFuel` that the fuel covers, the check is performed on
/// the spot and the position moves past it: loop headers, `else` arms and
/// function entries are fuel checks, and this saves their dispatch. The
/// effect is exactly that of executing it next. When the fuel does not
/// cover it, the position stays on it, and executing it suspends there as
/// usual.
///
/// # Validity
/// `code` is the code of a [`CompiledFunc`] (verified, see the module docs)
/// followed by its sentinel; the instruction pointer points at an
/// instruction of `code`, at most one past the one being executed, and never
/// past the sentinel.
#[cfg(not(any(test, feature = "extra-checks")))]
#[derive(Debug, Clone, Copy)]
pub(super) struct Code<'c, const METERED: bool> {
    /// The first instruction of the code.
    start: core::ptr::NonNull<ThreadedInstr>,
    ip: core::ptr::NonNull<ThreadedInstr>,
    fuel: u64,
    code: core::marker::PhantomData<&'c [ThreadedInstr]>,
}

#[cfg(not(any(test, feature = "extra-checks")))]
impl<'c, const METERED: bool> Code<'c, METERED> {
    /// Starts executing `func` at instruction `pc` with `fuel` left; `None`
    /// if `pc` is not an instruction index of its code.
    #[inline(always)]
    pub(super) fn new(func: &'c CompiledFunc, pc: usize, fuel: u64) -> Option<Self> {
        let code = func.code_with_sentinel();
        let ip = core::ptr::NonNull::from(code.get(pc)?);
        let mut this = Self {
            start: core::ptr::NonNull::from(code).cast(),
            ip,
            fuel,
            code: core::marker::PhantomData,
        };
        this.charge_ahead();
        Some(this)
    }

    /// Starts executing `func` at its first instruction with `fuel` left
    /// (a function entry). Cannot fail: the code holds at least its
    /// sentinel.
    #[inline(always)]
    pub(super) fn entry(func: &'c CompiledFunc, fuel: u64) -> Self {
        let start = core::ptr::NonNull::from(func.code_with_sentinel()).cast();
        let mut this = Self {
            start,
            ip: start,
            fuel,
            code: core::marker::PhantomData,
        };
        this.charge_ahead();
        this
    }

    /// The position, the code's start and the fuel: what the threaded
    /// backend passes from handler to handler in registers.
    #[cfg(all(wisp_threaded, not(test)))]
    #[inline(always)]
    pub(super) fn into_parts(
        self,
    ) -> (
        core::ptr::NonNull<ThreadedInstr>,
        core::ptr::NonNull<ThreadedInstr>,
        u64,
    ) {
        (self.ip, self.start, self.fuel)
    }

    /// Rebuilds a `Code` from [`Code::into_parts`].
    ///
    /// # Safety
    /// The parts come from `into_parts` of a `Code` of code that lives for
    /// `'c`, and `ip` was not moved since except as its methods move it.
    #[cfg(all(wisp_threaded, not(test)))]
    #[inline(always)]
    pub(super) unsafe fn from_parts(
        ip: core::ptr::NonNull<ThreadedInstr>,
        start: core::ptr::NonNull<ThreadedInstr>,
        fuel: u64,
    ) -> Self {
        Self {
            start,
            ip,
            fuel,
            code: core::marker::PhantomData,
        }
    }

    /// The remaining fuel (meaningful when `METERED`).
    #[inline(always)]
    pub(super) fn fuel(&self) -> u64 {
        self.fuel
    }

    /// Charges `amount` fuel (a `ConsumeFuel`); `false`, charging nothing,
    /// if less remains.
    #[inline(always)]
    pub(super) fn consume(&mut self, amount: u64) -> bool {
        match self.fuel.checked_sub(amount) {
            Some(left) => {
                self.fuel = left;
                true
            }
            None => false,
        }
    }

    /// Performs the `ConsumeFuel` at the position, if there is one and the
    /// fuel covers it (see the type docs).
    ///
    /// Protocol: the position was just set by `new` or `jump`, so `ip`
    /// points at an instruction of `code`.
    #[inline(always)]
    fn charge_ahead(&mut self) {
        if !METERED {
            return;
        }
        // SAFETY: by the protocol, `ip` points at an instruction of `code`.
        if let Instr::ConsumeFuel { amount } = unsafe { self.ip.as_ref().instr }
            && self.consume(u64::from(amount))
        {
            // SAFETY: a `ConsumeFuel` is not the sentinel, so the next
            // instruction exists.
            self.ip = unsafe { self.ip.add(1) };
        }
    }

    /// Index of the next instruction.
    #[inline(always)]
    pub(super) fn pc(&self) -> usize {
        // Integer arithmetic on addresses: `ip` lies in (or one past) `code`,
        // so the distance is a whole number of records, and an exact
        // division: by 8, then a multiplication by the inverse of 3 modulo
        // 2^64. (A plain division is a widening `mul` that takes `rdx`,
        // which every handler holds the memory in.)
        const { assert!(size_of::<ThreadedInstr>() == 24) };
        const INVERSE_OF_3: usize = 0xAAAA_AAAA_AAAA_AAAB_u64 as usize;
        let bytes = self.ip.as_ptr() as usize - self.start.as_ptr() as usize;
        (bytes / 8).wrapping_mul(INVERSE_OF_3)
    }

    /// Returns the next instruction and moves past it.
    ///
    /// A reference rather than a copy: the dispatch `match` then reads only
    /// the tag before jumping, and each handler loads just its own fields.
    ///
    /// Protocol: the previous fetch did not return the sentinel (whose
    /// handler exits), or the position was set since by [`Code::new`] or
    /// [`Code::jump`].
    #[inline(always)]
    pub(super) fn fetch(&mut self) -> &'c Instr {
        // SAFETY: by the protocol, `ip` points at an instruction of `code`:
        // it was set to one, or it follows (by at most one skipped
        // instruction, itself not the sentinel) an instruction that is not
        // the sentinel, and every such instruction has a successor. The
        // result is at most one past the sentinel, the end of `code`. The
        // reference lives as long as `code`, which is borrowed for `'c`.
        unsafe {
            let instr = &self.ip.as_ref().instr;
            self.ip = self.ip.add(1);
            instr
        }
    }

    /// The next instruction, without moving: the trailing word of the
    /// instruction just fetched, or the instruction a caller resumes at.
    ///
    /// Protocol: the previous fetch did not return the sentinel, or the
    /// position was set since by [`Code::new`].
    #[inline(always)]
    pub(super) fn peek(&self) -> Instr {
        // SAFETY: as in `fetch`, `ip` points at an instruction of `code`.
        unsafe { self.ip.as_ref().instr }
    }

    /// Moves past the next instruction: a trailing word just read by `peek`,
    /// the second half of the superinstruction just fetched, or the `Copy`
    /// a caller resumes at (performed by the returning handler).
    ///
    /// Protocol: the skipped instruction is not the sentinel. A trailing
    /// word or a superinstruction's second half follows a non-terminator,
    /// so it is at most the last instruction of the verified code; a `Copy`
    /// is not the sentinel.
    #[inline(always)]
    pub(super) fn skip(&mut self) {
        // SAFETY: by the protocol, `ip` points at an instruction before the
        // sentinel, so the result points at most at the sentinel.
        self.ip = unsafe { self.ip.add(1) };
    }

    /// Continues at instruction `target`.
    ///
    /// Protocol: `target` is a branch target of the running function's code.
    #[inline(always)]
    pub(super) fn jump(&mut self, target: Target) {
        // SAFETY: verified code branches only to its own instructions.
        self.ip = unsafe { self.start().add(target as usize) };
        self.charge_ahead();
        // Threaded handlers end in one tail call whatever the branch did,
        // so LLVM would turn a conditional jump into a `cmov` of the
        // position: the next instruction's fetch would then wait for the
        // comparison instead of being predicted. An `asm!` block has side
        // effects as far as LLVM knows, so the taken path stays a path.
        #[cfg(all(wisp_threaded, not(test)))]
        // SAFETY: the block is empty: it reads and writes nothing, touches
        // no stack and keeps the flags.
        unsafe {
            core::arch::asm!("", options(nomem, nostack, preserves_flags));
        }
    }

    /// Takes entry `min(index, len)` of the jump table that follows the
    /// `BrTable { len, .. }` just fetched: continues at that `Br`'s target.
    ///
    /// Protocol: the instruction just fetched was `BrTable` with this `len`.
    #[inline(always)]
    pub(super) fn br_table(&mut self, index: u32, len: u32) {
        // SAFETY: verified code follows a `BrTable { len }` with `len + 1`
        // `Br` entries, the first at `ip`, so entry `min(index, len)` is an
        // instruction of `code`.
        let entry = unsafe { self.ip.add(index.min(len) as usize).as_ref().instr };
        let Instr::Br { target } = entry else {
            // SAFETY: verified code has only `Br` entries (`verify` checks
            // the `len + 1` instructions after every `BrTable`), so the
            // tag need not be tested.
            unsafe { core::hint::unreachable_unchecked() }
        };
        self.jump(target);
    }

    /// Takes entry `min(index, len)` of the jump table of the `BrTable {
    /// len, .. }` at instruction `table`, of which the `BrTableAt` just
    /// fetched is a copy.
    ///
    /// Protocol: the instruction just fetched was `BrTableAt` with this
    /// `len` and `table`.
    #[inline(always)]
    pub(super) fn br_table_at(&mut self, index: u32, len: u32, table: Target) {
        // SAFETY: verified code has a `BrTable { len, .. }` (or a
        // `BrTableAcc`) at `table`, and every one is followed by its `len +
        // 1` entries, so `table + 1`
        // is an instruction of the code: the protocol `br_table` needs.
        self.ip = unsafe { self.start().add(table as usize + 1) };
        self.br_table(index, len);
    }

    /// Moves back onto the instruction fetched last, to be dispatched
    /// again, charging nothing.
    ///
    /// Protocol: nothing was skipped since that fetch.
    #[inline(always)]
    pub(super) fn repeat_last(&mut self) {
        // SAFETY: by the protocol, `ip` is one past the instruction fetched
        // last, an instruction of the code.
        self.ip = unsafe { self.ip.sub(1) };
    }

    /// The fuel a branch to `target` charges when it repeats the
    /// instruction fetched last (nothing skipped since): `Some(0)` when
    /// `target` is that instruction; metered, `Some(amount)` when it is a
    /// `ConsumeFuel { amount }` right before it (a loop's head), which the
    /// branch performs; `None` when the branch goes anywhere else.
    ///
    /// Protocol: `target` is a branch target of the running function's
    /// code (as for [`Code::jump`]).
    #[inline(always)]
    pub(super) fn cost_of_repeating(&self, target: Target) -> Option<u64> {
        let at = self.start().as_ptr().wrapping_add(target as usize);
        let last = self.ip.as_ptr().wrapping_sub(1);
        if at == last {
            return Some(0);
        }
        if at != last.wrapping_sub(1) {
            return None;
        }
        // SAFETY: verified code branches only to its own instructions, so
        // by the protocol `at` is one of them.
        match unsafe { (*at).instr } {
            Instr::ConsumeFuel { amount } if METERED => Some(u64::from(amount)),
            _ => None,
        }
    }

    /// The first instruction of the code.
    #[inline(always)]
    fn start(&self) -> core::ptr::NonNull<ThreadedInstr> {
        self.start
    }
}

/// Reads the running function's instructions (the checked twin; see the
/// module docs).
#[cfg(any(test, feature = "extra-checks"))]
#[derive(Debug, Clone, Copy)]
pub(super) struct Code<'c, const METERED: bool> {
    code: &'c [ThreadedInstr],
    pc: usize,
    fuel: u64,
}

#[cfg(any(test, feature = "extra-checks"))]
impl<'c, const METERED: bool> Code<'c, METERED> {
    #[inline(always)]
    pub(super) fn new(func: &'c CompiledFunc, pc: usize, fuel: u64) -> Option<Self> {
        let code = func.code_with_sentinel();
        let mut this = (pc < code.len()).then_some(Self { code, pc, fuel })?;
        this.charge_ahead();
        Some(this)
    }

    #[inline(always)]
    pub(super) fn entry(func: &'c CompiledFunc, fuel: u64) -> Self {
        let mut this = Self {
            code: func.code_with_sentinel(),
            pc: 0,
            fuel,
        };
        this.charge_ahead();
        this
    }

    #[inline(always)]
    pub(super) fn fuel(&self) -> u64 {
        self.fuel
    }

    #[inline(always)]
    pub(super) fn consume(&mut self, amount: u64) -> bool {
        match self.fuel.checked_sub(amount) {
            Some(left) => {
                self.fuel = left;
                true
            }
            None => false,
        }
    }

    #[inline(always)]
    fn charge_ahead(&mut self) {
        if METERED
            && let Instr::ConsumeFuel { amount } = self.code[self.pc].instr
            && self.consume(u64::from(amount))
        {
            self.pc += 1;
        }
    }

    #[inline(always)]
    pub(super) fn pc(&self) -> usize {
        self.pc
    }

    #[inline(always)]
    pub(super) fn repeat_last(&mut self) {
        self.pc -= 1;
    }

    #[inline(always)]
    pub(super) fn cost_of_repeating(&self, target: Target) -> Option<u64> {
        let target = target as usize;
        if target + 1 == self.pc {
            return Some(0);
        }
        match self.code[target].instr {
            Instr::ConsumeFuel { amount } if METERED && target + 2 == self.pc => {
                Some(u64::from(amount))
            }
            _ => None,
        }
    }

    #[inline(always)]
    pub(super) fn fetch(&mut self) -> &'c Instr {
        let instr = &self.code[self.pc].instr;
        self.pc += 1;
        instr
    }

    #[inline(always)]
    pub(super) fn peek(&self) -> Instr {
        self.code[self.pc].instr
    }

    #[inline(always)]
    pub(super) fn skip(&mut self) {
        assert!(self.pc < self.code.len(), "skipped past the code");
        self.pc += 1;
    }

    #[inline(always)]
    pub(super) fn jump(&mut self, target: Target) {
        assert!((target as usize) < self.code.len(), "jump outside the code");
        self.pc = target as usize;
        self.charge_ahead();
    }

    #[inline(always)]
    #[allow(
        clippy::panic,
        reason = "the checked twin turns a broken verifier invariant into a loud failure, as its asserts do"
    )]
    pub(super) fn br_table(&mut self, index: u32, len: u32) {
        let entry = self.pc + index.min(len) as usize;
        match self.code[entry].instr {
            Instr::Br { target } => self.jump(target),
            _ => panic!("jump table entry is not a `Br`"),
        }
    }

    #[inline(always)]
    pub(super) fn br_table_at(&mut self, index: u32, len: u32, table: Target) {
        assert!(
            matches!(
                self.code[table as usize].instr,
                Instr::BrTable { len: n, .. } | Instr::BrTableAcc { len: n, .. } if n == len
            ),
            "`BrTableAt` names no matching `BrTable`"
        );
        self.pc = table as usize + 1;
        self.br_table(index, len);
    }
}

/// A function's frame size (`CompiledFunc::max_slots`), read once: the
/// call path reads it before it writes the callee's frame, and builds the
/// callee's [`Regs`] from it after, where reading the function again would
/// be a reload (the compiler cannot tell those writes from writes to the
/// function). Only [`FrameSize::of`] makes one, so a frame is always sized
/// by the function it was read from.
#[derive(Debug, Clone, Copy)]
pub(super) struct FrameSize(u32);

impl FrameSize {
    /// The frame size of `func`.
    #[inline(always)]
    pub(super) fn of(func: &CompiledFunc) -> Self {
        Self(func.max_slots())
    }

    /// The size in slots.
    #[inline(always)]
    pub(super) fn slots(self) -> usize {
        self.0 as usize
    }
}

/// The running frame's slots.
///
/// # Validity
/// `slots` is exactly the frame of a [`CompiledFunc`] (`max_slots` slots of
/// the value stack, checked by [`Regs::new`] or [`Regs::at_start`]), so
/// every slot operand of its verified code indexes it.
#[cfg(any(test, feature = "extra-checks"))]
#[derive(Debug)]
pub(super) struct Regs<'a> {
    slots: &'a mut [u64],
}

#[cfg(any(test, feature = "extra-checks"))]
impl<'a> Regs<'a> {
    /// The frame of `func` starting at index `fp` of the value stack;
    /// `None` if the value stack is too short for it.
    #[inline(always)]
    pub(super) fn new(stack: &'a mut [u64], fp: usize, func: &CompiledFunc) -> Option<Self> {
        Self::at_start(stack.get_mut(fp..)?, FrameSize::of(func))
    }

    /// The frame of the function `size` was read from, at the start of
    /// `slots`; `None` if `slots` is too short for it.
    #[inline(always)]
    pub(super) fn at_start(slots: &'a mut [u64], size: FrameSize) -> Option<Self> {
        Some(Self {
            slots: slots.get_mut(..size.slots())?,
        })
    }

    #[inline(always)]
    pub(super) fn get(&self, slot: Slot) -> u64 {
        self.slots[slot as usize]
    }

    #[inline(always)]
    pub(super) fn set(&mut self, slot: Slot, value: u64) {
        self.slots[slot as usize] = value;
    }

    /// Writes an `f32` result to `slot` (the checked twin zero-extends it,
    /// which is one of the values the unchecked twin may leave).
    #[inline(always)]
    pub(super) fn set_f32(&mut self, slot: Slot, value: f32) {
        self.set(slot, u64::from(value.to_bits()));
    }

    #[inline]
    pub(super) fn copy_to_start(&mut self, src: Slot, len: u32) {
        let src = src as usize;
        self.slots.copy_within(src..src + len as usize, 0);
    }
}

/// The running frame's slots (see the checked twin above for the
/// bounds-checked version).
///
/// # Validity
/// `base` points at slot 0 of exactly the frame of a [`CompiledFunc`]:
/// `max_slots` slots of the value stack, checked by [`Regs::new`] or
/// [`Regs::at_start`] (sized by a [`FrameSize`] of that function), borrowed
/// for `'a`; every slot operand of its verified code indexes it.
#[cfg(not(any(test, feature = "extra-checks")))]
#[derive(Debug)]
pub(super) struct Regs<'a> {
    base: core::ptr::NonNull<u64>,
    slots: core::marker::PhantomData<&'a mut [u64]>,
}

#[cfg(not(any(test, feature = "extra-checks")))]
impl<'a> Regs<'a> {
    /// The frame of `func` starting at index `fp` of the value stack;
    /// `None` if the value stack is too short for it.
    #[inline(always)]
    pub(super) fn new(stack: &'a mut [u64], fp: usize, func: &CompiledFunc) -> Option<Self> {
        Self::at_start(stack.get_mut(fp..)?, FrameSize::of(func))
    }

    /// The frame of the function `size` was read from, at the start of
    /// `slots`; `None` if `slots` is too short for it.
    #[inline(always)]
    pub(super) fn at_start(slots: &'a mut [u64], size: FrameSize) -> Option<Self> {
        let slots = slots.get_mut(..size.slots())?;
        Some(Self {
            base: core::ptr::NonNull::from(slots).cast(),
            slots: core::marker::PhantomData,
        })
    }

    /// Slot 0, for the threaded backend to pass in a register.
    #[cfg(all(wisp_threaded, not(test)))]
    #[inline(always)]
    pub(super) fn into_raw(self) -> core::ptr::NonNull<u64> {
        self.base
    }

    /// Rebuilds the frame from [`Regs::into_raw`].
    ///
    /// # Safety
    /// `base` comes from `into_raw` of a `Regs` whose frame is still borrowed
    /// for `'a` (the value stack has not been resized since).
    #[cfg(all(wisp_threaded, not(test)))]
    #[inline(always)]
    pub(super) unsafe fn from_raw(base: core::ptr::NonNull<u64>) -> Self {
        Self {
            base,
            slots: core::marker::PhantomData,
        }
    }

    /// The value of `slot`.
    ///
    /// Protocol: `slot` is an operand of the running function's code.
    #[inline(always)]
    pub(super) fn get(&self, slot: Slot) -> u64 {
        // SAFETY: verified code names only slots below `max_slots`, the
        // length of the frame (see "Validity").
        unsafe { self.base.add(slot as usize).read() }
    }

    /// Writes `value` to `slot`.
    ///
    /// Protocol: as for [`Regs::get`].
    #[inline(always)]
    pub(super) fn set(&mut self, slot: Slot, value: u64) {
        // SAFETY: as in `get`; the frame is borrowed mutably for `'a`.
        unsafe { self.base.add(slot as usize).write(value) }
    }

    /// Writes an `f32` result to the low 32 bits of `slot`; the high half
    /// keeps whatever it held (an `f32` slot's high half is unspecified:
    /// every reader of an `f32` takes the low half, and `i32.reinterpret_f32`
    /// zero-extends). Storing the float register straight to memory keeps
    /// a dependent chain of `f32` operations off the general registers: no
    /// `movd` into a general register before the store.
    ///
    /// Protocol: as for [`Regs::get`].
    #[inline(always)]
    pub(super) fn set_f32(&mut self, slot: Slot, value: f32) {
        #[cfg(target_endian = "little")]
        // SAFETY: as in `set`. A slot is an 8-byte-aligned, initialized
        // `u64`; on a little-endian target its first four bytes are its low
        // half, and any bit pattern is a valid `u64` afterwards.
        unsafe {
            self.base.add(slot as usize).cast::<f32>().write(value);
        }
        #[cfg(not(target_endian = "little"))]
        self.set(slot, u64::from(value.to_bits()));
    }

    /// Copies slots `src..src + len` to `0..len` (a multi-value return).
    ///
    /// Protocol: `src..src + len` is the span of a `ReturnSpan` of the
    /// running function's code.
    #[inline]
    pub(super) fn copy_to_start(&mut self, src: Slot, len: u32) {
        // SAFETY: the verifier checks that a `ReturnSpan`'s span lies below
        // `max_slots`; `copy` allows the overlap.
        unsafe {
            core::ptr::copy(
                self.base.add(src as usize).as_ptr(),
                self.base.as_ptr(),
                len as usize,
            )
        }
    }
}
