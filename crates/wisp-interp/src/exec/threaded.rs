//! Threaded dispatch: one handler function per instruction kind, each
//! ending in a tail call of the next instruction's handler, whose address
//! that instruction's record holds (direct threading, see
//! [`ThreadedInstr`]), so every instruction has its own indirect jump
//! (which the branch predictor learns per site) and the hot state — position, code start, frame, memory,
//! fuel, accumulators — stays in argument registers from handler to
//! handler.
//!
//! Each handler is [`handler`] instantiated for one instruction tag: the
//! body of [`execute_instr`](super::dispatch) with the tag known, so the
//! compiler keeps just that instruction's arm. The tail calls rely on LLVM's
//! sibling-call optimisation, so this backend exists only where `build.rs`
//! enables it (`cfg(wisp_threaded)`: optimised builds on x86_64 and
//! aarch64, without debug assertions); elsewhere the executor is the
//! `loop { match }` of `dispatch`.
//! A call that did not become a jump would grow the native stack by one
//! frame per instruction executed; `tests/exec/deep_loops.rs` runs loops
//! over many instruction families on a 256 KiB thread stack to catch that.
//!
//! Status: the default where `build.rs` enables it (the `loop-dispatch`
//! feature opts out). With leaf handlers (loads and stores bail to
//! `dispatch::slow` instead of calling out and coming back; five
//! arguments; branches kept as branches, see `docs/bytecode.md`) it runs
//! the benchmark workloads in 0.958x the loop's time with fuel off and
//! 0.963x with fuel on (geometric means over the 14 workloads). Call-heavy
//! code gains least: call and return handlers still save registers.
//! Direct threading (instead of looking each tag up in the handler table)
//! then took 0.937x of the time with fuel off and 0.944x with fuel on
//! (`docs/bytecode.md`, "Direct threading").

use core::ptr::NonNull;

use wisp_core::TrapCode;
use wisp_memory::Memory;

use crate::ir::{CompiledFunc, KIND_COUNT, ThreadedInstr};

use super::Exit;
use super::dispatch::handler;
use super::env::{Env, frame, frame_pointer, select_memory, trapped};
use super::hot::Code;

/// What a handler returns; the run's outcome is in `Env::outcome`.
pub(super) struct Halt;

/// A handler: the instruction at `ip`, on the frame `regs` with the running
/// instance's memory `mem` and `fuel` left (see [`Fuel`]), and the
/// accumulators (integer, `f64`, `f32`; see `translate/accumulators.rs`).
/// The running code's start is in `Env::code_start`. On x86_64 the five
/// integer arguments leave `r9`, `rax`, `r10` and `r11` scratch; the fuel
/// and the float accumulators travel in `xmm0` to `xmm2`. Few enough
/// registers that most handlers save no callee-saved one: a `push`/`pop`
/// pair in every handler would chain each instruction to the previous one
/// through a store and a load.
pub(super) type Handler = for<'a, 's> fn(
    NonNull<ThreadedInstr>,
    NonNull<u64>,
    NonNull<Memory>,
    &'a mut Env<'s>,
    Fuel,
    u64,
    f64,
    f32,
) -> Halt;

/// The fuel argument of a handler: the bits of the remaining fuel in a
/// float register when metered, and left uninitialized in unmetered code,
/// which never reads it. (Passing 0 cost every unmetered handler an
/// instruction to zero the register.)
///
/// A float register because handlers barely use those: in an integer
/// register, the fuel left metered handlers one scratch register fewer
/// than unmetered ones, and 250 of the 450 metered handlers saved
/// callee-saved registers (563 `push`es) against 118 unmetered ones (306).
/// The fuel now costs a move in and out on each check instead. Its bits
/// only ever move (no arithmetic), which keeps them exact on the targets
/// this backend runs on (x86_64, aarch64).
pub(super) type Fuel = core::mem::MaybeUninit<f64>;

/// The fuel a handler of metered (`M`) or unmetered code was passed: what
/// it holds when metered, 0 otherwise.
#[inline(always)]
pub(super) fn fuel_of<const M: bool>(fuel: Fuel) -> u64 {
    if M {
        // SAFETY: a metered handler is reached only through the `METERED`
        // table, by `next::<true>`, which passes initialized fuel, or by a
        // tail call to `dispatch::slow::<true>` from a metered handler,
        // which passes on the fuel it was given.
        unsafe { fuel.assume_init() }.to_bits()
    } else {
        0
    }
}

/// The number of instruction kinds (tags are `0..KINDS`).
const KINDS: usize = KIND_COUNT;

/// A table of the handlers of tags `0..KINDS`. The tags are listed by hand
/// (a `macro_rules!` cannot count): when an instruction kind is added, the
/// tables fail to compile with "expected an array with a size of N", and
/// the lists below must be extended to `N - 1`.
macro_rules! handler_table {
    ($metered:literal; $($tag:literal)*) => {
        [$(handler::<$tag, $metered> as Handler),*]
    };
}

/// The handlers of metered code, by tag.
static METERED: HandlerTable = handler_table!(true; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180 181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200 201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 259 260 261 262 263 264 265 266 267 268 269 270 271 272 273 274 275 276 277 278 279 280 281 282 283 284 285 286 287 288 289 290 291 292 293 294 295 296 297 298 299 300 301 302 303 304 305 306 307 308 309 310 311 312 313 314 315 316 317 318 319 320 321 322 323 324 325 326 327 328 329 330 331 332 333 334 335 336 337 338 339 340 341 342 343 344 345 346 347 348 349 350 351 352 353 354 355 356 357 358 359 360 361 362 363 364 365 366 367 368 369 370 371 372 373 374 375 376 377 378 379 380 381 382 383 384 385 386 387 388 389 390 391 392 393 394 395 396 397 398 399 400 401 402 403 404 405 406 407 408 409 410 411 412 413 414 415 416 417 418 419 420 421 422 423 424 425 426 427 428 429 430 431 432 433 434 435 436 437 438 439 440 441 442 443 444 445 446 447 448 449 450 451 452 453 454 455 456 457 458 459 460 461 462 463 464 465 466 467 468 469 470 471 472 473 474 475 476 477 478 479 480 481 482 483 484 485 486 487 488 489 490 491 492 493 494 495 496 497 498 499 500 501 502 503 504 505 506 507 508 509 510 511 512 513 514 515 516 517 518 519 520 521 522);
/// The handlers of unmetered code, by tag.
static UNMETERED: HandlerTable = handler_table!(false; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180 181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200 201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 259 260 261 262 263 264 265 266 267 268 269 270 271 272 273 274 275 276 277 278 279 280 281 282 283 284 285 286 287 288 289 290 291 292 293 294 295 296 297 298 299 300 301 302 303 304 305 306 307 308 309 310 311 312 313 314 315 316 317 318 319 320 321 322 323 324 325 326 327 328 329 330 331 332 333 334 335 336 337 338 339 340 341 342 343 344 345 346 347 348 349 350 351 352 353 354 355 356 357 358 359 360 361 362 363 364 365 366 367 368 369 370 371 372 373 374 375 376 377 378 379 380 381 382 383 384 385 386 387 388 389 390 391 392 393 394 395 396 397 398 399 400 401 402 403 404 405 406 407 408 409 410 411 412 413 414 415 416 417 418 419 420 421 422 423 424 425 426 427 428 429 430 431 432 433 434 435 436 437 438 439 440 441 442 443 444 445 446 447 448 449 450 451 452 453 454 455 456 457 458 459 460 461 462 463 464 465 466 467 468 469 470 471 472 473 474 475 476 477 478 479 480 481 482 483 484 485 486 487 488 489 490 491 492 493 494 495 496 497 498 499 500 501 502 503 504 505 506 507 508 509 510 511 512 513 514 515 516 517 518 519 520 521 522);

/// A table of handlers by tag.
pub(super) type HandlerTable = [Handler; KINDS];

/// The handlers of metered or of unmetered code.
pub(super) fn handlers(metered: bool) -> &'static HandlerTable {
    if metered { &METERED } else { &UNMETERED }
}

/// The handler of the instruction at `ip`: the address its record holds.
#[inline(always)]
fn handler_at(ip: NonNull<ThreadedInstr>) -> Handler {
    // SAFETY: `ip` points at a record of the running code (see `Code`).
    // Its address was set by `CompiledFunc::new` from `HandlerAddresses` of
    // the instruction's tag, in the table of the code's metering, and
    // never changes; `run` checks that this is the run's metering (`M`),
    // and every function the run reaches is of the same store, whose
    // instances all have the store's metering (see `instantiate`). So it
    // is the address of a `Handler` of the same `M` that `next` passes.
    unsafe {
        let address = core::ptr::with_exposed_provenance::<()>(ip.as_ref().handler);
        core::mem::transmute::<*const (), Handler>(address)
    }
}

/// Goes on with the next instruction: a tail call of its handler.
/// `entry_start` is the `env.code_start` the calling handler was entered
/// with (nothing but this function and a call's fast path, which stores
/// the callee's start before it, write it).
#[inline(always)]
#[allow(
    clippy::too_many_arguments,
    reason = "passes on the handler signature, one argument per register"
)]
pub(super) fn next<'s, const M: bool>(
    code: &mut Code<'s, M>,
    entry_start: NonNull<ThreadedInstr>,
    regs: NonNull<u64>,
    mem: NonNull<Memory>,
    env: &mut Env<'s>,
    acci: u64,
    acc64: f64,
    acc32: f32,
) -> Halt {
    let (ip, start, fuel) = code.into_parts();
    let go = handler_at(ip);
    // Free for handlers that do not change the running code: `start` is
    // then the very value they were entered with, so the compiler drops
    // the test. (Comparing with `env.code_start` instead made every
    // handler that stores to linear memory reload and test it, as the
    // compiler cannot tell that store from one to `env`.)
    if start != entry_start {
        env.code_start = start;
    }
    let fuel = if M {
        Fuel::new(f64::from_bits(fuel))
    } else {
        Fuel::uninit()
    };
    go(ip, regs, mem, env, fuel, acci, acc64, acc32)
}

/// Ends the run with `outcome`, writing the fuel back.
#[cold]
#[inline(never)]
pub(super) fn halt<const M: bool>(
    env: &mut Env<'_>,
    fuel: u64,
    outcome: Result<Exit, TrapCode>,
) -> Halt {
    if M {
        *env.fuel = fuel;
    }
    env.outcome = outcome;
    Halt
}

/// Ends the run with `trap` at instruction `at` of the running frame:
/// [`halt`] with the trap site recorded. One function, so that a handler's
/// trap path is a single tail call that keeps nothing alive across a call
/// (two calls in a row would keep `env` in a callee-saved register, which
/// every execution of the handler then saves and restores).
#[cold]
#[inline(never)]
pub(super) fn trap_halt<const M: bool>(
    env: &mut Env<'_>,
    fuel: u64,
    at: usize,
    trap: TrapCode,
) -> Halt {
    let outcome = Err(trapped(&mut env.frames, at, trap));
    halt::<M>(env, fuel, outcome)
}

/// Runs `func` from instruction `pc` in the last frame until an exit (see
/// `dispatch::run_loop`, which this replaces where threading is enabled).
pub(super) fn run<'s, const M: bool>(
    env: &mut Env<'s>,
    func: &'s CompiledFunc,
    pc: usize,
) -> Result<Exit, TrapCode> {
    // The handlers the records name are those of the code's metering:
    // they must be this run's (`handler_at`). `instantiate` gives every
    // instance of a store the store's metering, so this never fails; if
    // it did, the run would end here as a trap rather than run handlers
    // of the other kind.
    if func.is_metered() != M {
        return Err(TrapCode::Unreachable);
    }
    let mut code = Code::<M>::new(func, pc, *env.fuel).ok_or(TrapCode::Unreachable)?;
    let regs = frame(&mut env.stack, frame_pointer(&env.frames), func)?.into_raw();
    let mem = NonNull::from(select_memory(
        env.memories,
        env.inst.memory,
        &mut *env.no_memory,
    ));
    env.outcome = Err(TrapCode::Unreachable);
    let start = code.into_parts().1;
    env.code_start = start;
    let Halt = next(&mut code, start, regs, mem, env, 0, 0.0, 0.0);
    core::mem::replace(&mut env.outcome, Err(TrapCode::Unreachable))
}
