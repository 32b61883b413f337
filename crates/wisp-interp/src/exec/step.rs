//! The body of one instruction, as a macro ([`execute_instr`]) that the
//! `loop { match }` of [`dispatch`](super::dispatch) and each threaded
//! handler expand: one arm per instruction, each a call to a named,
//! `#[inline(always)]` handler of its family. A macro rather than a
//! function because the running code's state (`code`, `regs`, `mem`) must
//! stay plain locals of the expanding function for LLVM to keep them in
//! registers; the names the arms use resolve where it is expanded.

/// One instruction: the body shared by the loop and the threaded backend.
/// `$instr` is the instruction just fetched (`$code` is past it); `$exit`
/// names the macro that leaves with a `Result<Exit, TrapCode>` (or, as
/// `$exit!(@trap $env, at, trap)`, with a trap at instruction `at` of the
/// running frame). `FAST` (a constant where it is expanded) says whether
/// loads, stores, calls and returns take only their common path: then
/// `$fast_t` names the macro that handles a refusal (`Err`, with nothing
/// changed yet), by running the instruction again in full; otherwise it
/// is [`t`], and an `Err` is a trap. Running
/// code's state is in `$env`, `$code`, `$regs` and `$mem`, and the float
/// accumulators in `$acc64` and `$acc32` (the locals of the loop, or of one
/// threaded handler): float producers assign them, their `…Acc…` forms
/// read them (see `translate/accumulators.rs`).
///
/// Arms bind the operands of superinstructions by reference (`ref op`),
/// and their helpers take them so: each field is then read where it is
/// used, after the writes before it. Bound by value, every field is read
/// at the `match`, before the first write, which the compiler cannot tell
/// from a write to the code, and all of them stay live at once (see
/// `docs/bytecode.md`, "Operands read where they are used").
///
/// `$keep` names a macro that tells, from the kinds an arm runs (`I::A |
/// I::B`), whether to keep the arm: `true` for the loop; for a threaded
/// handler, a constant that is true for its own kind only. The compiler
/// then drops the other arms before generating code (it skips blocks under
/// a constant condition), so each of the thousand handlers does not carry
/// all five hundred arms, with their closures and helper instances, into
/// LLVM only for LLVM to delete them: a release build of wisp-interp took
/// 13 min 42 s before and 1 min 10 s after.
macro_rules! execute_instr {
    (
        $instr:ident,
        $env:ident,
        $code:ident,
        $regs:ident,
        $mem:ident,
        $acci:ident,
        $acc64:ident,
        $acc32:ident,
        $no_memory:expr,
        $exit:ident,
        $fast_t:ident,
        $keep:ident
    ) => {{
        use Instr as I;
        match *$instr {
            // ----- Control -------------------------------------------------------
            I::Trap(trap) if $keep!(I::Trap) => $exit!(@trap $env, $code.pc() - 1, trap),
            I::ConsumeFuel { amount } if $keep!(I::ConsumeFuel) => {
                // (Most fuel checks are performed where a jump, call or
                // return lands on them; see `Code`.) Unmetered $code has no
                // fuel checks; should one appear, it works on the store's
                // counter directly.
                let amount = amount as u64;
                let charged = if METERED {
                    $code.consume(amount)
                } else {
                    $env.fuel
                        .checked_sub(amount)
                        .map(|left| *$env.fuel = left)
                        .is_some()
                };
                if !charged {
                    $exit!(Ok(out_of_fuel(&mut $env.frames, $code.pc() - 1, amount)));
                }
            }
            I::Br { target } if $keep!(I::Br) => $code.jump(target),
            I::BrTable { index, len } if $keep!(I::BrTable) => $code.br_table($regs.get(index) as u32, len),
            I::BrTableAt { index, len, table } if $keep!(I::BrTableAt) => {
                $code.br_table_at($regs.get(index) as u32, len, table)
            }
            I::BrTableAcc { index, len } if $keep!(I::BrTableAcc) => {
                $code.br_table(int_acc(&$regs, index, $acci), len)
            }
            I::BrTableAtAcc { index, len, table } if $keep!(I::BrTableAtAcc) => {
                $code.br_table_at(int_acc(&$regs, index, $acci), len, table)
            }
            I::Return | I::Return1 { .. } | I::ReturnImm32 { .. } | I::ReturnSpan { .. } if $keep!(I::Return | I::Return1 | I::ReturnImm32 | I::ReturnSpan) => {
                // Nothing after a call or a return reads an accumulator:
                // constants spare saving them around the calls out.
                ($acci, $acc64, $acc32) = (0, 0.0, 0.0);
                // A copy, read before the results are written: the checks
                // below then need not be redone after those stores.
                let caller = caller_frame(&$env.frames);
                if FAST {
                    // Only a return to a caller of the same instance (the
                    // others leave the run or switch instances: calls out).
                    $fast_t!(
                        $env,
                        $code,
                        $exit,
                        match caller {
                            Some(caller) if caller.instance == $env.inst.id => Ok(()),
                            _ => Err(TrapCode::Unreachable),
                        }
                    );
                }
                // Popped first, while the length is still in a register;
                // the instruction was read before that store, which the
                // compiler cannot tell from one to the code.
                let returning = *$instr;
                $env.frames.pop();
                write_results(&mut $regs, returning);
                let Some(caller) = caller else {
                    $exit!(Ok(Exit::Return));
                };
                if caller.instance != $env.inst.id {
                    switch_instance(&mut $env.inst, $env.instances, caller.instance);
                    $mem = select_memory($env.memories, $env.inst.memory, $no_memory);
                }
                let caller_func = t!(
                    $env,
                    $code,
                    $exit,
                    $env.inst
                        .code
                        .get(caller.defined as usize)
                        .ok_or(TrapCode::Unreachable)
                );
                *$code = t!(
                    $env,
                    $code,
                    $exit,
                    Code::new(caller_func, caller.pc as usize, $code.fuel())
                        .ok_or(TrapCode::Unreachable)
                );
                $regs = t!(
                    $env,
                    $code,
                    $exit,
                    frame(&mut $env.stack, caller.fp as usize, caller_func)
                );
                // A call is often followed by a copy of its result into a
                // local: do it now and save that instruction's dispatch.
                // (A call is never the last instruction, so there is one.)
                if let I::Copy { dst, src } = $code.peek() {
                    $regs.set(dst, $regs.get(src));
                    $code.skip();
                }
            }

            // ----- Fused compare-and-branch --------------------------------------
            I::BrI32Eq(op) if $keep!(I::BrI32Eq) => br_cmp(&$regs, $code, op, |a: u32, b| a == b),
            I::BrI32Ne(op) if $keep!(I::BrI32Ne) => br_cmp(&$regs, $code, op, |a: u32, b| a != b),
            I::BrI32LtS(op) if $keep!(I::BrI32LtS) => br_cmp(&$regs, $code, op, |a: i32, b| a < b),
            I::BrI32LtU(op) if $keep!(I::BrI32LtU) => br_cmp(&$regs, $code, op, |a: u32, b| a < b),
            I::BrI32GtS(op) if $keep!(I::BrI32GtS) => br_cmp(&$regs, $code, op, |a: i32, b| a > b),
            I::BrI32GtU(op) if $keep!(I::BrI32GtU) => br_cmp(&$regs, $code, op, |a: u32, b| a > b),
            I::BrI32LeS(op) if $keep!(I::BrI32LeS) => br_cmp(&$regs, $code, op, |a: i32, b| a <= b),
            I::BrI32LeU(op) if $keep!(I::BrI32LeU) => br_cmp(&$regs, $code, op, |a: u32, b| a <= b),
            I::BrI32GeS(op) if $keep!(I::BrI32GeS) => br_cmp(&$regs, $code, op, |a: i32, b| a >= b),
            I::BrI32GeU(op) if $keep!(I::BrI32GeU) => br_cmp(&$regs, $code, op, |a: u32, b| a >= b),
            I::BrI32EqImm(op) if $keep!(I::BrI32EqImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a == b),
            I::BrI32NeImm(op) if $keep!(I::BrI32NeImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a != b),
            I::BrI32LtSImm(op) if $keep!(I::BrI32LtSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a < b),
            I::BrI32LtUImm(op) if $keep!(I::BrI32LtUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a < b),
            I::BrI32GtSImm(op) if $keep!(I::BrI32GtSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a > b),
            I::BrI32GtUImm(op) if $keep!(I::BrI32GtUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a > b),
            I::BrI32LeSImm(op) if $keep!(I::BrI32LeSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a <= b),
            I::BrI32LeUImm(op) if $keep!(I::BrI32LeUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a <= b),
            I::BrI32GeSImm(op) if $keep!(I::BrI32GeSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a >= b),
            I::BrI32GeUImm(op) if $keep!(I::BrI32GeUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a >= b),
            I::BrI64Eq(op) if $keep!(I::BrI64Eq) => br_cmp(&$regs, $code, op, |a: u64, b| a == b),
            I::BrI64Ne(op) if $keep!(I::BrI64Ne) => br_cmp(&$regs, $code, op, |a: u64, b| a != b),
            I::BrI64LtS(op) if $keep!(I::BrI64LtS) => br_cmp(&$regs, $code, op, |a: i64, b| a < b),
            I::BrI64LtU(op) if $keep!(I::BrI64LtU) => br_cmp(&$regs, $code, op, |a: u64, b| a < b),
            I::BrI64GtS(op) if $keep!(I::BrI64GtS) => br_cmp(&$regs, $code, op, |a: i64, b| a > b),
            I::BrI64GtU(op) if $keep!(I::BrI64GtU) => br_cmp(&$regs, $code, op, |a: u64, b| a > b),
            I::BrI64LeS(op) if $keep!(I::BrI64LeS) => br_cmp(&$regs, $code, op, |a: i64, b| a <= b),
            I::BrI64LeU(op) if $keep!(I::BrI64LeU) => br_cmp(&$regs, $code, op, |a: u64, b| a <= b),
            I::BrI64GeS(op) if $keep!(I::BrI64GeS) => br_cmp(&$regs, $code, op, |a: i64, b| a >= b),
            I::BrI64GeU(op) if $keep!(I::BrI64GeU) => br_cmp(&$regs, $code, op, |a: u64, b| a >= b),
            I::BrI64EqImm(op) if $keep!(I::BrI64EqImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a == b),
            I::BrI64NeImm(op) if $keep!(I::BrI64NeImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a != b),
            I::BrI64LtSImm(op) if $keep!(I::BrI64LtSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a < b),
            I::BrI64LtUImm(op) if $keep!(I::BrI64LtUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a < b),
            I::BrI64GtSImm(op) if $keep!(I::BrI64GtSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a > b),
            I::BrI64GtUImm(op) if $keep!(I::BrI64GtUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a > b),
            I::BrI64LeSImm(op) if $keep!(I::BrI64LeSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a <= b),
            I::BrI64LeUImm(op) if $keep!(I::BrI64LeUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a <= b),
            I::BrI64GeSImm(op) if $keep!(I::BrI64GeSImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a >= b),
            I::BrI64GeUImm(op) if $keep!(I::BrI64GeUImm) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a >= b),

            // ----- Superinstructions ------------------------------------------------
            I::I32AddImmBrEqImm(ref op) if $keep!(I::I32AddImmBrEqImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a == b)
            }
            I::I32AddImmBrNeImm(ref op) if $keep!(I::I32AddImmBrNeImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a != b)
            }
            I::I32AddImmBrLtSImm(ref op) if $keep!(I::I32AddImmBrLtSImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a < b)
            }
            I::I32AddImmBrLtUImm(ref op) if $keep!(I::I32AddImmBrLtUImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a < b)
            }
            I::I32AddImmBrGtSImm(ref op) if $keep!(I::I32AddImmBrGtSImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a > b)
            }
            I::I32AddImmBrGtUImm(ref op) if $keep!(I::I32AddImmBrGtUImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a > b)
            }
            I::I32AddImmBrLeSImm(ref op) if $keep!(I::I32AddImmBrLeSImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a <= b)
            }
            I::I32AddImmBrLeUImm(ref op) if $keep!(I::I32AddImmBrLeUImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a <= b)
            }
            I::I32AddImmBrGeSImm(ref op) if $keep!(I::I32AddImmBrGeSImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a >= b)
            }
            I::I32AddImmBrGeUImm(ref op) if $keep!(I::I32AddImmBrGeUImm) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a >= b)
            }
            I::I32AddBrEqImm(ref op) if $keep!(I::I32AddBrEqImm) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a == b),
            I::I32AddBrNeImm(ref op) if $keep!(I::I32AddBrNeImm) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a != b),
            I::I32AddBrLtSImm(ref op) if $keep!(I::I32AddBrLtSImm) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a < b),
            I::I32AddBrLtUImm(ref op) if $keep!(I::I32AddBrLtUImm) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a < b),
            I::I32AddBrGtSImm(ref op) if $keep!(I::I32AddBrGtSImm) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a > b),
            I::I32AddBrGtUImm(ref op) if $keep!(I::I32AddBrGtUImm) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a > b),
            I::I32AddBrLeSImm(ref op) if $keep!(I::I32AddBrLeSImm) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a <= b),
            I::I32AddBrLeUImm(ref op) if $keep!(I::I32AddBrLeUImm) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a <= b),
            I::I32AddBrGeSImm(ref op) if $keep!(I::I32AddBrGeSImm) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a >= b),
            I::I32AddBrGeUImm(ref op) if $keep!(I::I32AddBrGeUImm) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a >= b),
            I::Load32BrEqz(ref op) | I::Load32BrNez(ref op) if $keep!(I::Load32BrEqz | I::Load32BrNez) => {
                $acci = $fast_t!($env, $code, $exit, memory::load_of_br::<4, FAST>($mem, &mut $regs, op, memory::u32_raw));
                br_on_zero($code, $acci, matches!($instr, I::Load32BrEqz(_)), op.target);
            }
            I::Load8UBrEqz(ref op) | I::Load8UBrNez(ref op) if $keep!(I::Load8UBrEqz | I::Load8UBrNez) => {
                $acci = $fast_t!($env, $code, $exit, memory::load_of_br::<1, FAST>($mem, &mut $regs, op, memory::u8_raw));
                br_on_zero($code, $acci, matches!($instr, I::Load8UBrEqz(_)), op.target);
            }
            I::I32AndImmBrEqz(ref op) if $keep!(I::I32AndImmBrEqz) => $acci = and_imm_br(&mut $regs, $code, op, None, true),
            I::I32AndImmBrNez(ref op) if $keep!(I::I32AndImmBrNez) => $acci = and_imm_br(&mut $regs, $code, op, None, false),
            I::F64MulAdd(ref op) if $keep!(I::F64MulAdd) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, y| x + y);
                $code.skip();
            }
            I::F64MulSub(ref op) if $keep!(I::F64MulSub) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, y| x - y);
                $code.skip();
            }
            I::F64MulAddLeft(ref op) if $keep!(I::F64MulAddLeft) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, t| t + x);
                $code.skip();
            }
            I::F64MulSubLeft(ref op) if $keep!(I::F64MulSubLeft) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, t| t - x);
                $code.skip();
            }
            I::F32MulAdd(ref op) if $keep!(I::F32MulAdd) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulSub(ref op) if $keep!(I::F32MulSub) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32MulAddLeft(ref op) if $keep!(I::F32MulAddLeft) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| t + x);
                $code.skip();
            }
            I::F32MulSubLeft(ref op) if $keep!(I::F32MulSubLeft) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| t - x);
                $code.skip();
            }
            I::F32EqBrNez(ref op) if $keep!(I::F32EqBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a == b),
            I::F32EqBrEqz(ref op) if $keep!(I::F32EqBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a == b),
            I::F32NeBrNez(ref op) if $keep!(I::F32NeBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a != b),
            I::F32NeBrEqz(ref op) if $keep!(I::F32NeBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a != b),
            I::F32LtBrNez(ref op) if $keep!(I::F32LtBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a < b),
            I::F32LtBrEqz(ref op) if $keep!(I::F32LtBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a < b),
            I::F32GtBrNez(ref op) if $keep!(I::F32GtBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a > b),
            I::F32GtBrEqz(ref op) if $keep!(I::F32GtBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a > b),
            I::F32LeBrNez(ref op) if $keep!(I::F32LeBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a <= b),
            I::F32LeBrEqz(ref op) if $keep!(I::F32LeBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a <= b),
            I::F32GeBrNez(ref op) if $keep!(I::F32GeBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a >= b),
            I::F32GeBrEqz(ref op) if $keep!(I::F32GeBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a >= b),
            I::F64EqBrNez(ref op) if $keep!(I::F64EqBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a == b),
            I::F64EqBrEqz(ref op) if $keep!(I::F64EqBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a == b),
            I::F64NeBrNez(ref op) if $keep!(I::F64NeBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a != b),
            I::F64NeBrEqz(ref op) if $keep!(I::F64NeBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a != b),
            I::F64LtBrNez(ref op) if $keep!(I::F64LtBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a < b),
            I::F64LtBrEqz(ref op) if $keep!(I::F64LtBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a < b),
            I::F64GtBrNez(ref op) if $keep!(I::F64GtBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a > b),
            I::F64GtBrEqz(ref op) if $keep!(I::F64GtBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a > b),
            I::F64LeBrNez(ref op) if $keep!(I::F64LeBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a <= b),
            I::F64LeBrEqz(ref op) if $keep!(I::F64LeBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a <= b),
            I::F64GeBrNez(ref op) if $keep!(I::F64GeBrNez) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a >= b),
            I::F64GeBrEqz(ref op) if $keep!(I::F64GeBrEqz) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a >= b),
            I::I32AndImmBrEqImm(ref op) if $keep!(I::I32AndImmBrEqImm) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a == b),
            I::I32AndImmBrNeImm(ref op) if $keep!(I::I32AndImmBrNeImm) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a != b),
            I::I32AndImmBrLtUImm(ref op) if $keep!(I::I32AndImmBrLtUImm) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a < b),
            I::I32AndImmBrGtUImm(ref op) if $keep!(I::I32AndImmBrGtUImm) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a > b),
            I::I32AndImmBrLeUImm(ref op) if $keep!(I::I32AndImmBrLeUImm) => {
                $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a <= b)
            }
            I::I32AndImmBrGeUImm(ref op) if $keep!(I::I32AndImmBrGeUImm) => {
                $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a >= b)
            }
            I::I32AddImmCopy(op) if $keep!(I::I32AddImmCopy) => {
                let t = ($regs.get(Slot::from(op.a)) as u32).wrapping_add(op.imm as u32);
                $regs.set(Slot::from(op.t), u64::from(t));
                $regs.set(Slot::from(op.dst), u64::from(t));
                $code.skip();
            }
            I::I32ShrUImmXor(ref op) if $keep!(I::I32ShrUImmXor) => {
                $acci = bin_imm_bin(&mut $regs, op, num::i32_shr_u, |x: i32, t| x ^ t).into_raw();
                $code.skip();
            }
            I::I32XorMulImm(ref op) if $keep!(I::I32XorMulImm) => {
                $acci =
                    bin_bin_imm(&mut $regs, op, |a: i32, b| a ^ b, i32::wrapping_mul).into_raw();
                $code.skip();
            }
            I::I64XorMul(ref op) if $keep!(I::I64XorMul) => {
                $acci = bin_bin(&mut $regs, op, |a: i64, b| a ^ b, i64::wrapping_mul).into_raw();
                $code.skip();
            }
            I::I64XorMulAccA(ref op) if $keep!(I::I64XorMulAccA) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_bin_acc_a(&mut $regs, op, acc, |a: i64, b| a ^ b, i64::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I64XorMulAccB(ref op) if $keep!(I::I64XorMulAccB) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_bin_acc_b(&mut $regs, op, acc, |a: i64, b| a ^ b, i64::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I32XorMulImmAccA(ref op) if $keep!(I::I32XorMulImmAccA) => {
                let a: i32 = int_acc(&$regs, Slot::from(op.a), $acci);
                let b = i32::from_raw($regs.get(Slot::from(op.b)));
                $acci = bin_bin_imm_on(&mut $regs, op, a, b, |a, b| a ^ b, i32::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I32XorMulImmAccB(ref op) if $keep!(I::I32XorMulImmAccB) => {
                let a = i32::from_raw($regs.get(Slot::from(op.a)));
                let b: i32 = int_acc(&$regs, Slot::from(op.b), $acci);
                $acci = bin_bin_imm_on(&mut $regs, op, a, b, |a, b| a ^ b, i32::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I32ShrUImmXorAcc(ref op) if $keep!(I::I32ShrUImmXorAcc) => {
                let a: i32 = int_acc(&$regs, Slot::from(op.a), $acci);
                $acci =
                    bin_imm_bin_on(&mut $regs, op, a, num::i32_shr_u, |x: i32, t| x ^ t).into_raw();
                $code.skip();
            }
            I::I32ShrUImmXorAccAX(ref op) if $keep!(I::I32ShrUImmXorAccAX) => {
                $acci =
                    bin_imm_bin_acc_ax(&mut $regs, op, $acci, num::i32_shr_u, |x: i32, t| x ^ t)
                        .into_raw();
                $code.skip();
            }
            I::I32AddLoad32(ref op) if $keep!(I::I32AddLoad32) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_load::<4, FAST>($mem, &mut $regs, op, memory::u32_raw)
                );
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddLoad64(ref op) if $keep!(I::I32AddLoad64) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_load::<8, FAST>($mem, &mut $regs, op, memory::u64_raw)
                );
                $acc64 = f64::from_bits($acci);
                $code.skip();
            }
            I::I32AddLoad8U(ref op) if $keep!(I::I32AddLoad8U) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_load::<1, FAST>($mem, &mut $regs, op, memory::u8_raw)
                );
                $code.skip();
            }
            I::Load32Load32(ref op) if $keep!(I::Load32Load32) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_load::<FAST>($mem, &mut $regs, op)
                );
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddImm2(ref op) if $keep!(I::I32AddImm2) => {
                // `dst` is read from the record after the first write. A
                // copy of all six fields up front held seven values at once
                // with the next handler's address, one more than the
                // handler's scratch registers, so every execution saved and
                // restored one (reading `dst` late: memcpy 0.935x, sort
                // 0.977x).
                let crate::ir::AddImm2 { t: t_slot, a, imm_a, b, imm_b, .. } = *op;
                let t = ($regs.get(Slot::from(a)) as u32).wrapping_add(imm_a as u32);
                $regs.set(Slot::from(t_slot), u64::from(t));
                let sum = ($regs.get(Slot::from(b)) as u32).wrapping_add(imm_b as u32);
                $regs.set(Slot::from(op.dst), u64::from(sum));
                $acci = u64::from(sum);
                $code.skip();
            }
            I::I32AddImmStore32(ref op) if $keep!(I::I32AddImmStore32) => {
                $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_imm_store::<FAST>($mem, &mut $regs, op)
                );
                $code.skip();
            }
            I::Load8UStore8(ref op) if $keep!(I::Load8UStore8) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            I::Load8UStore8Acc(ref op) if $keep!(I::Load8UStore8Acc) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            I::Load32Store32(ref op) if $keep!(I::Load32Store32) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<4, FAST>($mem, &mut $regs, op, from, memory::u32_raw)
                });
                $code.skip();
            }
            I::Load32Store32Acc(ref op) if $keep!(I::Load32Store32Acc) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<4, FAST>($mem, &mut $regs, op, from, memory::u32_raw)
                });
                $code.skip();
            }
            I::Load64Store64(ref op) if $keep!(I::Load64Store64) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<8, FAST>($mem, &mut $regs, op, from, memory::u64_raw)
                });
                $code.skip();
            }
            I::Load64Store64Acc(ref op) if $keep!(I::Load64Store64Acc) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<8, FAST>($mem, &mut $regs, op, from, memory::u64_raw)
                });
                $code.skip();
            }
            I::Load8UAddStore8(ref op) if $keep!(I::Load8UAddStore8) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_add_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            I::Load8UAddStore8Acc(ref op) if $keep!(I::Load8UAddStore8Acc) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_add_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            // Skips the `I32AddImm` (or `I32AddImmLoad32`) and the `Load32`.
            I::I32ShlImmAddImmLoad32(ref op) if $keep!(I::I32ShlImmAddImmLoad32) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    memory::shl_add_imm_load::<FAST>($mem, &mut $regs, op, a)
                });
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
                $code.skip();
            }
            I::I32AddImmLoad32(ref op) if $keep!(I::I32AddImmLoad32) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    memory::add_imm_load::<4, FAST>($mem, &mut $regs, op, a, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddImmLoad64(ref op) if $keep!(I::I32AddImmLoad64) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    memory::add_imm_load::<8, FAST>($mem, &mut $regs, op, a, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
                $code.skip();
            }
            I::I32AddImmLoad8U(ref op) if $keep!(I::I32AddImmLoad8U) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    memory::add_imm_load::<1, FAST>($mem, &mut $regs, op, a, memory::u8_raw)
                });
                $code.skip();
            }

            // ----- Calls -----------------------------------------------------------
            I::CallInternal { func, args } if $keep!(I::CallInternal) => {
                let callee = $env.inst.defined(func);
                if FAST {
                    // Nothing after a call or a return reads an
                    // accumulator: the float ones pass through untouched,
                    // and the integer one's register is free for the call.
                    $acci = 0;
                    enter_plain_callee!($env, $code, $regs, $exit, $fast_t, callee, args);
                } else {
                    // Constants spare saving them around the calls out.
                    ($acci, $acc64, $acc32) = (0, 0.0, 0.0);
                    let callee_fp = frame_pointer(&$env.frames) + args as usize;
                    t!(
                        $env,
                        $code,
                        $exit,
                        push_frame(
                            $env.limits,
                            &mut $env.stack,
                            &mut $env.frames,
                            $code.pc(),
                            callee_fp,
                            &callee
                        )
                    );
                    enter_callee!($env, $code, $regs, $exit, callee.code, callee_fp);
                }
            }
            I::CallImported { .. } | I::CallIndirect { .. } if $keep!(I::CallImported | I::CallIndirect) => {
                // Nothing after a call or a return reads an accumulator:
                // constants spare saving them around the calls out.
                ($acci, $acc64, $acc32) = (0, 0.0, 0.0);
                let (addr, args) = match *$instr {
                    I::CallImported { func, args } => ($env.inst.funcs[func as usize], args),
                    I::CallIndirect {
                        type_index,
                        index,
                        args,
                    } => {
                        // Table 0's address is cached: one dependent load
                        // fewer before the element.
                        let table = match $code.peek() {
                            I::CallIndirectTable { table } if table != 0 => {
                                $env.inst.tables[table as usize]
                            }
                            _ => $env.inst.table0,
                        };
                        $code.skip();
                        let table = &$env.tables[table as usize];
                        let expected = $env.inst.type_ids[type_index as usize];
                        let elem = $regs.get(index) as u32;
                        (
                            t!(
                                $env,
                                $code,
                                $exit,
                                resolve_indirect($env.funcs, table, elem, expected)
                            ),
                            args,
                        )
                    }
                    _ => $exit!(@trap $env, $code.pc() - 1, TrapCode::Unreachable),
                };
                let Some(callee) = $env.inst.wasm_func($env.funcs, addr) else {
                    // A host function: the driver calls it and resumes at `pc`.
                    let slot = frame_pointer(&$env.frames) + args as usize;
                    if let Some(frame) = $env.frames.last_mut() {
                        frame.pc = $code.pc() as u32;
                    }
                    $exit!(Ok(Exit::HostCall { func: addr, slot }));
                };
                if FAST {
                    // A call into another instance switches instances, a
                    // call out: refused like the calls that are not plain.
                    $fast_t!(
                        $env,
                        $code,
                        $exit,
                        if callee.instance == $env.inst.id {
                            Ok(())
                        } else {
                            Err(TrapCode::Unreachable)
                        }
                    );
                    enter_plain_callee!($env, $code, $regs, $exit, $fast_t, callee, args);
                } else {
                    let callee_fp = frame_pointer(&$env.frames) + args as usize;
                    t!(
                        $env,
                        $code,
                        $exit,
                        push_frame(
                            $env.limits,
                            &mut $env.stack,
                            &mut $env.frames,
                            $code.pc(),
                            callee_fp,
                            &callee
                        )
                    );
                    if callee.instance != $env.inst.id {
                        switch_instance(&mut $env.inst, $env.instances, callee.instance);
                        $mem = select_memory($env.memories, $env.inst.memory, $no_memory);
                    }
                    enter_callee!($env, $code, $regs, $exit, callee.code, callee_fp);
                }
            }

            // ----- Variables, constants and parametric -----------------------------
            I::Copy { dst, src } if $keep!(I::Copy) => $regs.set(dst, $regs.get(src)),
            I::Copy2 { dst, a, b } if $keep!(I::Copy2) => variable::copy2(&mut $regs, dst, a, b),
            I::Const32 { dst, value } if $keep!(I::Const32) => $regs.set(dst, value as u64),
            I::Const64 { dst, lo, hi } if $keep!(I::Const64) => $regs.set(dst, (hi as u64) << 32 | lo as u64),
            I::Select { dst, a, b } if $keep!(I::Select) => {
                let cond = match $code.peek() {
                    I::SelectCond { cond } => cond,
                    _ => dst,
                };
                $code.skip();
                let cond = $regs.get(cond) as u32;
                variable::select(&mut $regs, dst, a, b, cond);
            }
            I::SelectAcc { dst, a, b } if $keep!(I::SelectAcc) => {
                let cond = match $code.peek() {
                    I::SelectCond { cond } => cond,
                    _ => dst,
                };
                $code.skip();
                let cond = int_acc::<u32>(&$regs, cond, $acci);
                variable::select(&mut $regs, dst, a, b, cond);
            }
            // Compare-select superinstructions: the `Select` and its
            // condition word after them are skipped.
            I::I32LtUSelect(ref op) if $keep!(I::I32LtUSelect) => {
                variable::compare_select(&mut $regs, op, |a, b| a < b);
                $code.skip();
                $code.skip();
            }
            I::I32LtSSelect(ref op) if $keep!(I::I32LtSSelect) => {
                variable::compare_select(&mut $regs, op, |a, b| (a as i32) < (b as i32));
                $code.skip();
                $code.skip();
            }
            I::I32GtUImmSelect(ref op) if $keep!(I::I32GtUImmSelect) => {
                variable::compare_imm_select(&mut $regs, op, |a, imm| a > imm);
                $code.skip();
                $code.skip();
            }
            I::I32LtUImmSelect(ref op) if $keep!(I::I32LtUImmSelect) => {
                variable::compare_imm_select(&mut $regs, op, |a, imm| a < imm);
                $code.skip();
                $code.skip();
            }
            I::SelectCond { .. } | I::CallIndirectTable { .. } if $keep!(I::SelectCond | I::CallIndirectTable) => {}
            I::GlobalGet { dst, global } if $keep!(I::GlobalGet) => {
                variable::global_get($env.globals, &$env.inst, &mut $regs, dst, global)
            }
            I::GlobalSet { global, src } if $keep!(I::GlobalSet) => {
                variable::global_set($env.globals, &$env.inst, &$regs, global, src)
            }
            I::RefFunc { dst, func } if $keep!(I::RefFunc) => $regs.set(dst, variable::ref_func(&$env.inst, func)),

            // ----- Memory ------------------------------------------------------------
            I::Load32(op) if $keep!(I::Load32) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<4, FAST>($mem, &mut $regs, op, memory::u32_raw)
                );
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64(op) if $keep!(I::Load64) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<8, FAST>($mem, &mut $regs, op, memory::u64_raw)
                );
                $acc64 = f64::from_bits($acci);
            }
            I::Load8U(op) if $keep!(I::Load8U) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<1, FAST>($mem, &mut $regs, op, memory::u8_raw)
                )
            }
            I::Load16U(op) if $keep!(I::Load16U) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<2, FAST>($mem, &mut $regs, op, memory::u16_raw)
                )
            }
            I::I32Load8S(op) if $keep!(I::I32Load8S) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i32)
                )
            }
            I::I32Load16S(op) if $keep!(I::I32Load16S) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i32)
                )
            }
            I::I64Load8S(op) if $keep!(I::I64Load8S) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i64)
                )
            }
            I::I64Load16S(op) if $keep!(I::I64Load16S) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i64)
                )
            }
            I::I64Load32S(op) if $keep!(I::I64Load32S) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<4, FAST>($mem, &mut $regs, op, memory::i32_as_i64)
                )
            }
            I::Store8(op) if $keep!(I::Store8) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<1, FAST>($mem, &$regs, op)
            ),
            I::Store16(op) if $keep!(I::Store16) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32(op) if $keep!(I::Store32) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64(op) if $keep!(I::Store64) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<8, FAST>($mem, &$regs, op)
            ),
            I::Store64AccF64(op) if $keep!(I::Store64AccF64) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_value::<8, FAST>(
                    $mem,
                    &$regs,
                    op,
                    acc_operand(&$regs, op.value, $acc64)
                )
            ),
            I::Store32AccF32(op) if $keep!(I::Store32AccF32) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_value::<4, FAST>(
                    $mem,
                    &$regs,
                    op,
                    acc_operand(&$regs, op.value, $acc32)
                )
            ),
            I::Store8Imm(op) if $keep!(I::Store8Imm) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<1, FAST>($mem, &$regs, op)
            ),
            I::Store16Imm(op) if $keep!(I::Store16Imm) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32Imm(op) if $keep!(I::Store32Imm) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64Imm(op) if $keep!(I::Store64Imm) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<8, FAST>($mem, &$regs, op)
            ),
            I::Load32Add(op) if $keep!(I::Load32Add) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<4, FAST>($mem, &mut $regs, op, memory::u32_raw)
                );
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load32Idx(op) if $keep!(I::Load32Idx) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = $regs.get(op.a) as u32;
                    memory::load_idx::<4, 2, FAST>($mem, &mut $regs, op, index, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load32IdxBrTable(op) if $keep!(I::Load32IdxBrTable) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = $regs.get(op.a) as u32;
                    memory::load_idx::<4, 2, FAST>($mem, &mut $regs, op, index, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
                br_table_after($code, $acci);
            }
            I::Load64Idx(op) if $keep!(I::Load64Idx) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = $regs.get(op.a) as u32;
                    memory::load_idx::<8, 3, FAST>($mem, &mut $regs, op, index, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::Load64Add(op) if $keep!(I::Load64Add) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<8, FAST>($mem, &mut $regs, op, memory::u64_raw)
                );
                $acc64 = f64::from_bits($acci);
            }
            I::Load8UAdd(op) if $keep!(I::Load8UAdd) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<1, FAST>($mem, &mut $regs, op, memory::u8_raw)
                )
            }
            I::Load8UAddBrTable(op) if $keep!(I::Load8UAddBrTable) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<1, FAST>($mem, &mut $regs, op, memory::u8_raw)
                );
                br_table_after($code, $acci);
            }
            I::Load16UAdd(op) if $keep!(I::Load16UAdd) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<2, FAST>($mem, &mut $regs, op, memory::u16_raw)
                )
            }
            I::I32Load8SAdd(op) if $keep!(I::I32Load8SAdd) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i32)
                )
            }
            I::I32Load16SAdd(op) if $keep!(I::I32Load16SAdd) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i32)
                )
            }
            I::I64Load8SAdd(op) if $keep!(I::I64Load8SAdd) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i64)
                )
            }
            I::I64Load16SAdd(op) if $keep!(I::I64Load16SAdd) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i64)
                )
            }
            I::I64Load32SAdd(op) if $keep!(I::I64Load32SAdd) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<4, FAST>($mem, &mut $regs, op, memory::i32_as_i64)
                )
            }
            I::Store8Add(op) if $keep!(I::Store8Add) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<1, FAST>($mem, &$regs, op)
            ),
            I::Store16Add(op) if $keep!(I::Store16Add) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32Add(op) if $keep!(I::Store32Add) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64Add(op) if $keep!(I::Store64Add) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<8, FAST>($mem, &$regs, op)
            ),
            I::Store8ImmAdd(op) if $keep!(I::Store8ImmAdd) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<1, FAST>($mem, &$regs, op)
            ),
            I::Store8ImmLatch(op) if $keep!(I::Store8ImmLatch) => {
                let at = |j: u32| u64::from(j) + u64::from(op.offset);
                if let Some(acc) = strided_store_loop($code, &mut $regs, $mem, op.addr, op.value as u8, at) {
                    $acci = acc;
                } else {
                    $fast_t!($env, $code, $exit, store_imm::<1, FAST>($mem, &$regs, op));
                    $acci = latch_after_store($code, &mut $regs, $acci);
                }
            }
            I::Store8ImmAddLatch(op) if $keep!(I::Store8ImmAddLatch) => {
                let at = |j: u32| u64::from(j.wrapping_add(op.add as u32));
                if let Some(acc) = strided_store_loop($code, &mut $regs, $mem, op.base, op.value as u8, at) {
                    $acci = acc;
                } else {
                    $fast_t!(
                        $env,
                        $code,
                        $exit,
                        memory::store_imm_add::<1, FAST>($mem, &$regs, op)
                    );
                    $acci = latch_after_store($code, &mut $regs, $acci);
                }
            }
            I::Store16ImmAdd(op) if $keep!(I::Store16ImmAdd) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32ImmAdd(op) if $keep!(I::Store32ImmAdd) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64ImmAdd(op) if $keep!(I::Store64ImmAdd) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<8, FAST>($mem, &$regs, op)
            ),
            I::MemorySize { dst } if $keep!(I::MemorySize) => $regs.set(dst, memory::size($mem)),
            I::MemoryGrow { dst, delta } if $keep!(I::MemoryGrow) => {
                let delta = $regs.get(delta) as u32 as u64;
                let total = &mut *$env.memory_pages_total;
                let refused = &mut *$env.memory_refused;
                let old = t!(
                    $env,
                    $code,
                    $exit,
                    memory::grow($mem, delta, $env.store_limits, total, refused)
                );
                $regs.set(dst, old);
            }
            I::MemoryFill { args } if $keep!(I::MemoryFill) => t!(
                $env,
                $code,
                $exit,
                memory::fill($mem, bulk_args(&$regs, args))
            ),
            I::MemoryCopy { args } if $keep!(I::MemoryCopy) => t!(
                $env,
                $code,
                $exit,
                memory::copy($mem, bulk_args(&$regs, args))
            ),
            I::MemoryInit { args, data } if $keep!(I::MemoryInit) => {
                let segment = &$env.datas[$env.inst.datas[data as usize] as usize];
                t!(
                    $env,
                    $code,
                    $exit,
                    memory::init($mem, segment, bulk_args(&$regs, args))
                );
            }
            I::DataDrop { data } if $keep!(I::DataDrop) => {
                memory::drop_data(&mut $env.datas[$env.inst.datas[data as usize] as usize])
            }

            // ----- Tables -------------------------------------------------------------
            I::TableGet { dst, index, table } if $keep!(I::TableGet) => {
                let addr = $env.inst.tables[table as usize];
                $regs.set(
                    dst,
                    t!(
                        $env,
                        $code,
                        $exit,
                        table::get($env.tables, addr, $regs.get(index))
                    ),
                );
            }
            I::TableSet {
                index,
                value,
                table,
            } if $keep!(I::TableSet) => {
                let addr = $env.inst.tables[table as usize];
                t!(
                    $env,
                    $code,
                    $exit,
                    table::set($env.tables, addr, $regs.get(index), $regs.get(value))
                );
            }
            I::TableSize { dst, table } if $keep!(I::TableSize) => {
                $regs.set(
                    dst,
                    t!(
                        $env,
                        $code,
                        $exit,
                        table::size($env.tables, $env.inst.tables[table as usize])
                    ),
                );
            }
            I::TableGrow { args, table } if $keep!(I::TableGrow) => {
                let addr = $env.inst.tables[table as usize];
                let operands = ($regs.get(args), $regs.get(args + 1));
                let grown = table::grow($env.tables, addr, operands, $env.store_limits);
                $regs.set(args, t!($env, $code, $exit, grown));
            }
            I::TableFill { args, table } if $keep!(I::TableFill) => {
                let addr = $env.inst.tables[table as usize];
                let start = $regs.get(args) as u32 as u64;
                let (value, len) = ($regs.get(args + 1), $regs.get(args + 2) as u32 as u64);
                t!(
                    $env,
                    $code,
                    $exit,
                    table::fill($env.tables, addr, (start, value, len))
                );
            }
            I::TableCopy {
                args,
                dst_table,
                src_table,
            } if $keep!(I::TableCopy) => {
                let (dst, src) = (
                    $env.inst.tables[dst_table as usize],
                    $env.inst.tables[src_table as usize],
                );
                t!(
                    $env,
                    $code,
                    $exit,
                    table::copy($env.tables, dst, src, bulk_args(&$regs, args))
                );
            }
            I::TableInit { args, table, elem } if $keep!(I::TableInit) => {
                let segment = &$env.elems[$env.inst.elems[elem as usize] as usize];
                t!(
                    $env,
                    $code,
                    $exit,
                    table::init(
                        $env.tables,
                        $env.inst.tables[table as usize],
                        segment,
                        bulk_args(&$regs, args)
                    )
                );
            }
            I::ElemDrop { elem } if $keep!(I::ElemDrop) => {
                table::drop_elem(&mut $env.elems[$env.inst.elems[elem as usize] as usize])
            }

            // ----- i32 -----------------------------------------------------------------
            I::I32Eq(op) if $keep!(I::I32Eq) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a == b).into_raw(),
            I::I32Ne(op) if $keep!(I::I32Ne) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a != b).into_raw(),
            I::I32LtS(op) if $keep!(I::I32LtS) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a < b).into_raw(),
            I::I32LtU(op) if $keep!(I::I32LtU) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a < b).into_raw(),
            I::I32GtS(op) if $keep!(I::I32GtS) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a > b).into_raw(),
            I::I32GtU(op) if $keep!(I::I32GtU) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a > b).into_raw(),
            I::I32LeS(op) if $keep!(I::I32LeS) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a <= b).into_raw(),
            I::I32LeU(op) if $keep!(I::I32LeU) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a <= b).into_raw(),
            I::I32GeS(op) if $keep!(I::I32GeS) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a >= b).into_raw(),
            I::I32GeU(op) if $keep!(I::I32GeU) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a >= b).into_raw(),
            I::I32EqImm(op) if $keep!(I::I32EqImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a == b).into_raw()
            }
            I::I32NeImm(op) if $keep!(I::I32NeImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a != b).into_raw()
            }
            I::I32LtSImm(op) if $keep!(I::I32LtSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a < b).into_raw()
            }
            I::I32LtUImm(op) if $keep!(I::I32LtUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a < b).into_raw()
            }
            I::I32GtSImm(op) if $keep!(I::I32GtSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a > b).into_raw()
            }
            I::I32GtUImm(op) if $keep!(I::I32GtUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a > b).into_raw()
            }
            I::I32LeSImm(op) if $keep!(I::I32LeSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a <= b).into_raw()
            }
            I::I32LeUImm(op) if $keep!(I::I32LeUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a <= b).into_raw()
            }
            I::I32GeSImm(op) if $keep!(I::I32GeSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a >= b).into_raw()
            }
            I::I32GeUImm(op) if $keep!(I::I32GeUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a >= b).into_raw()
            }
            I::I32Clz(op) if $keep!(I::I32Clz) => un(&mut $regs, op, num::i32_clz),
            I::I32Ctz(op) if $keep!(I::I32Ctz) => un(&mut $regs, op, num::i32_ctz),
            I::I32Popcnt(op) if $keep!(I::I32Popcnt) => un(&mut $regs, op, num::i32_popcnt),
            I::I32Add(op) if $keep!(I::I32Add) => $acci = bin_out(&mut $regs, op, i32::wrapping_add).into_raw(),
            I::I32AddShl2(op) if $keep!(I::I32AddShl2) => {
                $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a.wrapping_add(b << 2)).into_raw()
            }
            I::I32AddShl3(op) if $keep!(I::I32AddShl3) => {
                $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a.wrapping_add(b << 3)).into_raw()
            }
            I::I32AddShl2AccB(op) if $keep!(I::I32AddShl2AccB) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_acc_b(&mut $regs, op, acc, |a: i32, b: i32| a.wrapping_add(b << 2))
                    .into_raw()
            }
            I::I32AddShl3AccB(op) if $keep!(I::I32AddShl3AccB) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_acc_b(&mut $regs, op, acc, |a: i32, b: i32| a.wrapping_add(b << 3))
                    .into_raw()
            }
            I::I32Sub(op) if $keep!(I::I32Sub) => $acci = bin_out(&mut $regs, op, i32::wrapping_sub).into_raw(),
            I::I32Mul(op) if $keep!(I::I32Mul) => $acci = bin_out(&mut $regs, op, i32::wrapping_mul).into_raw(),
            I::I32DivS(op) if $keep!(I::I32DivS) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_div_s)),
            I::I32DivU(op) if $keep!(I::I32DivU) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_div_u)),
            I::I32RemS(op) if $keep!(I::I32RemS) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_rem_s)),
            I::I32RemU(op) if $keep!(I::I32RemU) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_rem_u)),
            I::I32And(op) if $keep!(I::I32And) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a & b).into_raw(),
            I::I32Or(op) if $keep!(I::I32Or) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a | b).into_raw(),
            I::I32Xor(op) if $keep!(I::I32Xor) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a ^ b).into_raw(),
            I::I32Shl(op) if $keep!(I::I32Shl) => $acci = bin_out(&mut $regs, op, num::i32_shl).into_raw(),
            I::I32ShrS(op) if $keep!(I::I32ShrS) => $acci = bin_out(&mut $regs, op, num::i32_shr_s).into_raw(),
            I::I32ShrU(op) if $keep!(I::I32ShrU) => $acci = bin_out(&mut $regs, op, num::i32_shr_u).into_raw(),
            I::I32Rotl(op) if $keep!(I::I32Rotl) => $acci = bin_out(&mut $regs, op, num::i32_rotl).into_raw(),
            I::I32Rotr(op) if $keep!(I::I32Rotr) => bin(&mut $regs, op, num::i32_rotr),
            I::I32AddImm(op) if $keep!(I::I32AddImm) => $acci = bin_imm_out(&mut $regs, op, i32::wrapping_add).into_raw(),
            I::I32RSubImm(op) if $keep!(I::I32RSubImm) => bin_imm(&mut $regs, op, |a: i32, imm: i32| imm.wrapping_sub(a)),
            I::I32MulImm(op) if $keep!(I::I32MulImm) => $acci = bin_imm_out(&mut $regs, op, i32::wrapping_mul).into_raw(),
            I::I32AndImm(op) if $keep!(I::I32AndImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a & b).into_raw()
            }
            I::I32OrImm(op) if $keep!(I::I32OrImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a | b).into_raw()
            }
            I::I32XorImm(op) if $keep!(I::I32XorImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a ^ b).into_raw()
            }
            I::I32ShlImm(op) if $keep!(I::I32ShlImm) => $acci = bin_imm_out(&mut $regs, op, num::i32_shl).into_raw(),
            I::I32ShrSImm(op) if $keep!(I::I32ShrSImm) => $acci = bin_imm_out(&mut $regs, op, num::i32_shr_s).into_raw(),
            I::I32ShrUImm(op) if $keep!(I::I32ShrUImm) => $acci = bin_imm_out(&mut $regs, op, num::i32_shr_u).into_raw(),
            I::I32RotlImm(op) if $keep!(I::I32RotlImm) => $acci = bin_imm_out(&mut $regs, op, num::i32_rotl).into_raw(),
            I::I32RotrImm(op) if $keep!(I::I32RotrImm) => bin_imm(&mut $regs, op, num::i32_rotr),
            I::I32Extend8S(op) if $keep!(I::I32Extend8S) => un(&mut $regs, op, num::i32_extend8_s),
            I::I32Extend16S(op) if $keep!(I::I32Extend16S) => un(&mut $regs, op, num::i32_extend16_s),

            // ----- i64 -----------------------------------------------------------------
            I::I64Eq(op) if $keep!(I::I64Eq) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a == b).into_raw(),
            I::I64Ne(op) if $keep!(I::I64Ne) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a != b).into_raw(),
            I::I64LtS(op) if $keep!(I::I64LtS) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a < b).into_raw(),
            I::I64LtU(op) if $keep!(I::I64LtU) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a < b).into_raw(),
            I::I64GtS(op) if $keep!(I::I64GtS) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a > b).into_raw(),
            I::I64GtU(op) if $keep!(I::I64GtU) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a > b).into_raw(),
            I::I64LeS(op) if $keep!(I::I64LeS) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a <= b).into_raw(),
            I::I64LeU(op) if $keep!(I::I64LeU) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a <= b).into_raw(),
            I::I64GeS(op) if $keep!(I::I64GeS) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a >= b).into_raw(),
            I::I64GeU(op) if $keep!(I::I64GeU) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a >= b).into_raw(),
            I::I64EqImm(op) if $keep!(I::I64EqImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a == b).into_raw()
            }
            I::I64NeImm(op) if $keep!(I::I64NeImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a != b).into_raw()
            }
            I::I64LtSImm(op) if $keep!(I::I64LtSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a < b).into_raw()
            }
            I::I64LtUImm(op) if $keep!(I::I64LtUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a < b).into_raw()
            }
            I::I64GtSImm(op) if $keep!(I::I64GtSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a > b).into_raw()
            }
            I::I64GtUImm(op) if $keep!(I::I64GtUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a > b).into_raw()
            }
            I::I64LeSImm(op) if $keep!(I::I64LeSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a <= b).into_raw()
            }
            I::I64LeUImm(op) if $keep!(I::I64LeUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a <= b).into_raw()
            }
            I::I64GeSImm(op) if $keep!(I::I64GeSImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a >= b).into_raw()
            }
            I::I64GeUImm(op) if $keep!(I::I64GeUImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a >= b).into_raw()
            }
            I::I64Clz(op) if $keep!(I::I64Clz) => un(&mut $regs, op, num::i64_clz),
            I::I64Ctz(op) if $keep!(I::I64Ctz) => un(&mut $regs, op, num::i64_ctz),
            I::I64Popcnt(op) if $keep!(I::I64Popcnt) => un(&mut $regs, op, num::i64_popcnt),
            I::I64Add(op) if $keep!(I::I64Add) => $acci = bin_out(&mut $regs, op, i64::wrapping_add).into_raw(),
            I::I64Sub(op) if $keep!(I::I64Sub) => $acci = bin_out(&mut $regs, op, i64::wrapping_sub).into_raw(),
            I::I64Mul(op) if $keep!(I::I64Mul) => $acci = bin_out(&mut $regs, op, i64::wrapping_mul).into_raw(),
            I::I64DivS(op) if $keep!(I::I64DivS) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_div_s)),
            I::I64DivU(op) if $keep!(I::I64DivU) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_div_u)),
            I::I64RemS(op) if $keep!(I::I64RemS) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_rem_s)),
            I::I64RemU(op) if $keep!(I::I64RemU) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_rem_u)),
            I::I64And(op) if $keep!(I::I64And) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a & b).into_raw(),
            I::I64Or(op) if $keep!(I::I64Or) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a | b).into_raw(),
            I::I64Xor(op) if $keep!(I::I64Xor) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a ^ b).into_raw(),
            I::I64Shl(op) if $keep!(I::I64Shl) => $acci = bin_out(&mut $regs, op, num::i64_shl).into_raw(),
            I::I64ShrS(op) if $keep!(I::I64ShrS) => $acci = bin_out(&mut $regs, op, num::i64_shr_s).into_raw(),
            I::I64ShrU(op) if $keep!(I::I64ShrU) => $acci = bin_out(&mut $regs, op, num::i64_shr_u).into_raw(),
            I::I64Rotl(op) if $keep!(I::I64Rotl) => $acci = bin_out(&mut $regs, op, num::i64_rotl).into_raw(),
            I::I64Rotr(op) if $keep!(I::I64Rotr) => bin(&mut $regs, op, num::i64_rotr),
            I::I64AddImm(op) if $keep!(I::I64AddImm) => $acci = bin_imm_out(&mut $regs, op, i64::wrapping_add).into_raw(),
            I::I64RSubImm(op) if $keep!(I::I64RSubImm) => bin_imm(&mut $regs, op, |a: i64, imm: i64| imm.wrapping_sub(a)),
            I::I64MulImm(op) if $keep!(I::I64MulImm) => $acci = bin_imm_out(&mut $regs, op, i64::wrapping_mul).into_raw(),
            I::I64AndImm(op) if $keep!(I::I64AndImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a & b).into_raw()
            }
            I::I64OrImm(op) if $keep!(I::I64OrImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a | b).into_raw()
            }
            I::I64XorImm(op) if $keep!(I::I64XorImm) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a ^ b).into_raw()
            }
            I::I64ShlImm(op) if $keep!(I::I64ShlImm) => $acci = bin_imm_out(&mut $regs, op, num::i64_shl).into_raw(),
            I::I64ShrSImm(op) if $keep!(I::I64ShrSImm) => $acci = bin_imm_out(&mut $regs, op, num::i64_shr_s).into_raw(),
            I::I64ShrUImm(op) if $keep!(I::I64ShrUImm) => $acci = bin_imm_out(&mut $regs, op, num::i64_shr_u).into_raw(),
            I::I64RotlImm(op) if $keep!(I::I64RotlImm) => $acci = bin_imm_out(&mut $regs, op, num::i64_rotl).into_raw(),
            I::I64RotrImm(op) if $keep!(I::I64RotrImm) => bin_imm(&mut $regs, op, num::i64_rotr),
            I::I64Extend8S(op) if $keep!(I::I64Extend8S) => un(&mut $regs, op, num::i64_extend8_s),
            I::I64Extend16S(op) if $keep!(I::I64Extend16S) => un(&mut $regs, op, num::i64_extend16_s),
            I::I64Extend32S(op) if $keep!(I::I64Extend32S) => un(&mut $regs, op, num::i64_extend32_s),

            // ----- f32 -----------------------------------------------------------------
            I::F32Eq(op) if $keep!(I::F32Eq) => bin(&mut $regs, op, |a: f32, b: f32| a == b),
            I::F32Ne(op) if $keep!(I::F32Ne) => bin(&mut $regs, op, |a: f32, b: f32| a != b),
            I::F32Lt(op) if $keep!(I::F32Lt) => bin(&mut $regs, op, |a: f32, b: f32| a < b),
            I::F32Gt(op) if $keep!(I::F32Gt) => bin(&mut $regs, op, |a: f32, b: f32| a > b),
            I::F32Le(op) if $keep!(I::F32Le) => bin(&mut $regs, op, |a: f32, b: f32| a <= b),
            I::F32Ge(op) if $keep!(I::F32Ge) => bin(&mut $regs, op, |a: f32, b: f32| a >= b),
            I::F32Abs(op) if $keep!(I::F32Abs) => un(&mut $regs, op, num::f32_abs),
            I::F32Neg(op) if $keep!(I::F32Neg) => un(&mut $regs, op, num::f32_neg),
            I::F32Ceil(op) if $keep!(I::F32Ceil) => un(&mut $regs, op, num::f32_ceil),
            I::F32Floor(op) if $keep!(I::F32Floor) => un(&mut $regs, op, num::f32_floor),
            I::F32Trunc(op) if $keep!(I::F32Trunc) => un(&mut $regs, op, num::f32_trunc),
            I::F32Nearest(op) if $keep!(I::F32Nearest) => un(&mut $regs, op, num::f32_nearest),
            I::F32Sqrt(op) if $keep!(I::F32Sqrt) => $acc32 = un_out(&mut $regs, op, num::f32_sqrt),
            I::F32CanonNan(op) if $keep!(I::F32CanonNan) => un(&mut $regs, op, num::f32_canon_nan),
            I::F64CanonNan(op) if $keep!(I::F64CanonNan) => un(&mut $regs, op, num::f64_canon_nan),
            I::F32Add(op) if $keep!(I::F32Add) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a + b),
            I::F32Sub(op) if $keep!(I::F32Sub) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a - b),
            I::F32Mul(op) if $keep!(I::F32Mul) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a * b),
            I::F32Div(op) if $keep!(I::F32Div) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a / b),
            I::F32Min(op) if $keep!(I::F32Min) => bin(&mut $regs, op, num::f32_min),
            I::F32Max(op) if $keep!(I::F32Max) => bin(&mut $regs, op, num::f32_max),
            I::F32Copysign(op) if $keep!(I::F32Copysign) => bin(&mut $regs, op, num::f32_copysign),

            // ----- f64 -----------------------------------------------------------------
            I::F64Eq(op) if $keep!(I::F64Eq) => bin(&mut $regs, op, |a: f64, b: f64| a == b),
            I::F64Ne(op) if $keep!(I::F64Ne) => bin(&mut $regs, op, |a: f64, b: f64| a != b),
            I::F64Lt(op) if $keep!(I::F64Lt) => bin(&mut $regs, op, |a: f64, b: f64| a < b),
            I::F64Gt(op) if $keep!(I::F64Gt) => bin(&mut $regs, op, |a: f64, b: f64| a > b),
            I::F64Le(op) if $keep!(I::F64Le) => bin(&mut $regs, op, |a: f64, b: f64| a <= b),
            I::F64Ge(op) if $keep!(I::F64Ge) => bin(&mut $regs, op, |a: f64, b: f64| a >= b),
            I::F64Abs(op) if $keep!(I::F64Abs) => un(&mut $regs, op, num::f64_abs),
            I::F64Neg(op) if $keep!(I::F64Neg) => un(&mut $regs, op, num::f64_neg),
            I::F64Ceil(op) if $keep!(I::F64Ceil) => un(&mut $regs, op, num::f64_ceil),
            I::F64Floor(op) if $keep!(I::F64Floor) => un(&mut $regs, op, num::f64_floor),
            I::F64Trunc(op) if $keep!(I::F64Trunc) => un(&mut $regs, op, num::f64_trunc),
            I::F64Nearest(op) if $keep!(I::F64Nearest) => un(&mut $regs, op, num::f64_nearest),
            I::F64Sqrt(op) if $keep!(I::F64Sqrt) => $acc64 = un_out(&mut $regs, op, num::f64_sqrt),
            I::F64Add(op) if $keep!(I::F64Add) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a + b),
            I::F64Sub(op) if $keep!(I::F64Sub) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a - b),
            I::F64Mul(op) if $keep!(I::F64Mul) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a * b),
            I::F64Div(op) if $keep!(I::F64Div) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a / b),
            I::F64Min(op) if $keep!(I::F64Min) => bin(&mut $regs, op, num::f64_min),
            I::F64Max(op) if $keep!(I::F64Max) => bin(&mut $regs, op, num::f64_max),
            I::F64Copysign(op) if $keep!(I::F64Copysign) => bin(&mut $regs, op, num::f64_copysign),

            // ----- Float accumulator operands ---------------------------------------
            I::F64AddAccA(op) if $keep!(I::F64AddAccA) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a + b),
            I::F64AddAccB(op) if $keep!(I::F64AddAccB) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a + b),
            I::F64SubAccA(op) if $keep!(I::F64SubAccA) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a - b),
            I::F64SubAccB(op) if $keep!(I::F64SubAccB) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a - b),
            I::F64MulAccA(op) if $keep!(I::F64MulAccA) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a * b),
            I::F64MulAccB(op) if $keep!(I::F64MulAccB) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a * b),
            I::F64DivAccA(op) if $keep!(I::F64DivAccA) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a / b),
            I::F64DivAccB(op) if $keep!(I::F64DivAccB) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a / b),
            I::F64SqrtAcc(op) if $keep!(I::F64SqrtAcc) => $acc64 = un_acc(&mut $regs, op, $acc64, num::f64_sqrt),
            I::F64MulAddAccA(ref op) if $keep!(I::F64MulAddAccA) => {
                $acc64 = bin_bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F64MulAddAccB(ref op) if $keep!(I::F64MulAddAccB) => {
                $acc64 = bin_bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F64MulSubAccA(ref op) if $keep!(I::F64MulSubAccA) => {
                $acc64 = bin_bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F64MulSubAccB(ref op) if $keep!(I::F64MulSubAccB) => {
                $acc64 = bin_bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F64MulAccAB(op) if $keep!(I::F64MulAccAB) => $acc64 = bin_acc_ab(&mut $regs, op, $acc64, |a: f64, b| a * b),
            I::F64MulAddAccAB(ref op) if $keep!(I::F64MulAddAccAB) => {
                $acc64 = bin_bin_acc_ab(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F64MulSubAccAB(ref op) if $keep!(I::F64MulSubAccAB) => {
                $acc64 = bin_bin_acc_ab(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32AddAccA(op) if $keep!(I::F32AddAccA) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a + b),
            I::F32AddAccB(op) if $keep!(I::F32AddAccB) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a + b),
            I::F32SubAccA(op) if $keep!(I::F32SubAccA) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a - b),
            I::F32SubAccB(op) if $keep!(I::F32SubAccB) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a - b),
            I::F32MulAccA(op) if $keep!(I::F32MulAccA) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a * b),
            I::F32MulAccB(op) if $keep!(I::F32MulAccB) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a * b),
            I::F32DivAccA(op) if $keep!(I::F32DivAccA) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a / b),
            I::F32DivAccB(op) if $keep!(I::F32DivAccB) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a / b),
            I::F32SqrtAcc(op) if $keep!(I::F32SqrtAcc) => $acc32 = un_acc(&mut $regs, op, $acc32, num::f32_sqrt),
            I::F32MulAddAccA(ref op) if $keep!(I::F32MulAddAccA) => {
                $acc32 = bin_bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulAddAccB(ref op) if $keep!(I::F32MulAddAccB) => {
                $acc32 = bin_bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulSubAccA(ref op) if $keep!(I::F32MulSubAccA) => {
                $acc32 = bin_bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32MulSubAccB(ref op) if $keep!(I::F32MulSubAccB) => {
                $acc32 = bin_bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32MulAccAB(op) if $keep!(I::F32MulAccAB) => $acc32 = bin_acc_ab(&mut $regs, op, $acc32, |a: f32, b| a * b),
            I::F32MulAddAccAB(ref op) if $keep!(I::F32MulAddAccAB) => {
                $acc32 = bin_bin_acc_ab(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulSubAccAB(ref op) if $keep!(I::F32MulSubAccAB) => {
                $acc32 = bin_bin_acc_ab(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }

            // ----- Integer accumulator operands -------------------------------------
            I::I32AddAccA(op) if $keep!(I::I32AddAccA) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_add).into_raw()
            }
            I::I32AddAccB(op) if $keep!(I::I32AddAccB) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_add).into_raw()
            }
            I::I32SubAccA(op) if $keep!(I::I32SubAccA) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_sub).into_raw()
            }
            I::I32SubAccB(op) if $keep!(I::I32SubAccB) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_sub).into_raw()
            }
            I::I32MulAccA(op) if $keep!(I::I32MulAccA) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32MulAccB(op) if $keep!(I::I32MulAccB) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32MulAccAB(op) if $keep!(I::I32MulAccAB) => {
                $acci =
                    bin_acc_ab(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32AndAccA(op) if $keep!(I::I32AndAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a & b)
                    .into_raw()
            }
            I::I32AndAccB(op) if $keep!(I::I32AndAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a & b)
                    .into_raw()
            }
            I::I32OrAccA(op) if $keep!(I::I32OrAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a | b)
                    .into_raw()
            }
            I::I32OrAccB(op) if $keep!(I::I32OrAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a | b)
                    .into_raw()
            }
            I::I32XorAccA(op) if $keep!(I::I32XorAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a ^ b)
                    .into_raw()
            }
            I::I32XorAccB(op) if $keep!(I::I32XorAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a ^ b)
                    .into_raw()
            }
            I::I32ShlAccA(op) if $keep!(I::I32ShlAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i32_shl).into_raw()
            }
            I::I32ShlAccB(op) if $keep!(I::I32ShlAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i32_shl).into_raw()
            }
            I::I32ShrUAccA(op) if $keep!(I::I32ShrUAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_u).into_raw()
            }
            I::I32ShrUAccB(op) if $keep!(I::I32ShrUAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_u).into_raw()
            }
            I::I32ShrSAccA(op) if $keep!(I::I32ShrSAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_s).into_raw()
            }
            I::I32ShrSAccB(op) if $keep!(I::I32ShrSAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_s).into_raw()
            }
            I::I64AddAccA(op) if $keep!(I::I64AddAccA) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_add).into_raw()
            }
            I::I64AddAccB(op) if $keep!(I::I64AddAccB) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_add).into_raw()
            }
            I::I64SubAccA(op) if $keep!(I::I64SubAccA) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_sub).into_raw()
            }
            I::I64SubAccB(op) if $keep!(I::I64SubAccB) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_sub).into_raw()
            }
            I::I64MulAccA(op) if $keep!(I::I64MulAccA) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64MulAccB(op) if $keep!(I::I64MulAccB) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64MulAccAB(op) if $keep!(I::I64MulAccAB) => {
                $acci =
                    bin_acc_ab(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64AndAccA(op) if $keep!(I::I64AndAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a & b)
                    .into_raw()
            }
            I::I64AndAccB(op) if $keep!(I::I64AndAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a & b)
                    .into_raw()
            }
            I::I64OrAccA(op) if $keep!(I::I64OrAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a | b)
                    .into_raw()
            }
            I::I64OrAccB(op) if $keep!(I::I64OrAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a | b)
                    .into_raw()
            }
            I::I64XorAccA(op) if $keep!(I::I64XorAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a ^ b)
                    .into_raw()
            }
            I::I64XorAccB(op) if $keep!(I::I64XorAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a ^ b)
                    .into_raw()
            }
            I::I64ShlAccA(op) if $keep!(I::I64ShlAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i64_shl).into_raw()
            }
            I::I64ShlAccB(op) if $keep!(I::I64ShlAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i64_shl).into_raw()
            }
            I::I64ShrUAccA(op) if $keep!(I::I64ShrUAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_u).into_raw()
            }
            I::I64ShrUAccB(op) if $keep!(I::I64ShrUAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_u).into_raw()
            }
            I::I64ShrSAccA(op) if $keep!(I::I64ShrSAccA) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_s).into_raw()
            }
            I::I64ShrSAccB(op) if $keep!(I::I64ShrSAccB) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_s).into_raw()
            }
            I::I32AddImmAcc(op) if $keep!(I::I32AddImmAcc) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_add).into_raw()
            }
            I::I32AddImmBrTable(op) if $keep!(I::I32AddImmBrTable) => {
                $acci = bin_imm_out(&mut $regs, op, i32::wrapping_add).into_raw();
                br_table_after($code, $acci);
            }
            I::I32AddImmAccBrTable(op) if $keep!(I::I32AddImmAccBrTable) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_add).into_raw();
                br_table_after($code, $acci);
            }
            I::I32RotlImmAcc(op) if $keep!(I::I32RotlImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_rotl).into_raw()
            }
            I::I64RotlImmAcc(op) if $keep!(I::I64RotlImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_rotl).into_raw()
            }
            I::I32MulImmAcc(op) if $keep!(I::I32MulImmAcc) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32AndImmAcc(op) if $keep!(I::I32AndImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a & b)
                    .into_raw()
            }
            I::I32OrImmAcc(op) if $keep!(I::I32OrImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a | b)
                    .into_raw()
            }
            I::I32XorImmAcc(op) if $keep!(I::I32XorImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a ^ b)
                    .into_raw()
            }
            I::I32ShlImmAcc(op) if $keep!(I::I32ShlImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_shl).into_raw()
            }
            I::I32ShrUImmAcc(op) if $keep!(I::I32ShrUImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_u).into_raw()
            }
            I::I32ShrSImmAcc(op) if $keep!(I::I32ShrSImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_s).into_raw()
            }
            I::I64AddImmAcc(op) if $keep!(I::I64AddImmAcc) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_add).into_raw()
            }
            I::I64MulImmAcc(op) if $keep!(I::I64MulImmAcc) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64AndImmAcc(op) if $keep!(I::I64AndImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a & b)
                    .into_raw()
            }
            I::I64OrImmAcc(op) if $keep!(I::I64OrImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a | b)
                    .into_raw()
            }
            I::I64XorImmAcc(op) if $keep!(I::I64XorImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a ^ b)
                    .into_raw()
            }
            I::I64ShlImmAcc(op) if $keep!(I::I64ShlImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_shl).into_raw()
            }
            I::I64ShrUImmAcc(op) if $keep!(I::I64ShrUImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_u).into_raw()
            }
            I::I64ShrSImmAcc(op) if $keep!(I::I64ShrSImmAcc) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_s).into_raw()
            }
            I::Load32Acc(op) if $keep!(I::Load32Acc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<4, FAST>($mem, &mut $regs, op, addr, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64Acc(op) if $keep!(I::Load64Acc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<8, FAST>($mem, &mut $regs, op, addr, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::Load8UAcc(op) if $keep!(I::Load8UAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<1, FAST>($mem, &mut $regs, op, addr, memory::u8_raw)
                })
            }
            I::Load16UAcc(op) if $keep!(I::Load16UAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<2, FAST>($mem, &mut $regs, op, addr, memory::u16_raw)
                })
            }
            I::Store32Acc(op) if $keep!(I::Store32Acc) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_value::<4, FAST>(
                    $mem,
                    &$regs,
                    op,
                    int_acc::<u64>(&$regs, op.value, $acci)
                )
            ),
            I::Store64Acc(op) if $keep!(I::Store64Acc) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_value::<8, FAST>(
                    $mem,
                    &$regs,
                    op,
                    int_acc::<u64>(&$regs, op.value, $acci)
                )
            ),
            I::Store8Acc(op) if $keep!(I::Store8Acc) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_value::<1, FAST>(
                    $mem,
                    &$regs,
                    op,
                    int_acc::<u64>(&$regs, op.value, $acci)
                )
            ),
            I::Store16Acc(op) if $keep!(I::Store16Acc) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_value::<2, FAST>(
                    $mem,
                    &$regs,
                    op,
                    int_acc::<u64>(&$regs, op.value, $acci)
                )
            ),
            I::BrI32NeImmAcc(op) if $keep!(I::BrI32NeImmAcc) => {
                br_cmp_imm_on($code, op, int_acc(&$regs, op.a, $acci), |a: u32, b| a != b)
            }
            I::BrI32EqImmAcc(op) if $keep!(I::BrI32EqImmAcc) => {
                br_cmp_imm_on($code, op, int_acc(&$regs, op.a, $acci), |a: u32, b| a == b)
            }
            I::BrI32EqAccA(op) if $keep!(I::BrI32EqAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a == b),
            I::BrI32NeAccA(op) if $keep!(I::BrI32NeAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a != b),
            I::BrI32LtSAccA(op) if $keep!(I::BrI32LtSAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a < b),
            I::BrI32LtUAccA(op) if $keep!(I::BrI32LtUAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a < b),
            I::BrI32GtSAccA(op) if $keep!(I::BrI32GtSAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a > b),
            I::BrI32GtUAccA(op) if $keep!(I::BrI32GtUAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a > b),
            I::BrI32LeSAccA(op) if $keep!(I::BrI32LeSAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a <= b),
            I::BrI32LeUAccA(op) if $keep!(I::BrI32LeUAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a <= b),
            I::BrI32GeSAccA(op) if $keep!(I::BrI32GeSAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a >= b),
            I::BrI32GeUAccA(op) if $keep!(I::BrI32GeUAccA) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a >= b),
            I::Load32AddAcc(op) if $keep!(I::Load32AddAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<4, FAST>($mem, &mut $regs, op, a, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64AddAcc(op) if $keep!(I::Load64AddAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<8, FAST>($mem, &mut $regs, op, a, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::Load8UAddAcc(op) if $keep!(I::Load8UAddAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<1, FAST>($mem, &mut $regs, op, a, memory::u8_raw)
                })
            }
            I::Load8UAddAccBrTable(op) if $keep!(I::Load8UAddAccBrTable) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<1, FAST>($mem, &mut $regs, op, a, memory::u8_raw)
                });
                br_table_after($code, $acci);
            }
            I::Load16UAddAcc(op) if $keep!(I::Load16UAddAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<2, FAST>($mem, &mut $regs, op, a, memory::u16_raw)
                })
            }
            I::I32AddImmBrNeImmAcc(ref op) if $keep!(I::I32AddImmBrNeImmAcc) => {
                $acci = add_imm_br(&mut $regs, $code, op, Some($acci), |a: u32, b| a != b)
            }
            I::I32AddImmBrLtUImmAcc(ref op) if $keep!(I::I32AddImmBrLtUImmAcc) => {
                $acci = add_imm_br(&mut $regs, $code, op, Some($acci), |a: u32, b| a < b)
            }
            I::I32AddImmBrGtUImmAcc(ref op) if $keep!(I::I32AddImmBrGtUImmAcc) => {
                $acci = add_imm_br(&mut $regs, $code, op, Some($acci), |a: u32, b| a > b)
            }
            I::I32AndImmBrEqzAcc(ref op) if $keep!(I::I32AndImmBrEqzAcc) => {
                $acci = and_imm_br(&mut $regs, $code, op, Some($acci), true)
            }
            I::I32AndImmBrNezAcc(ref op) if $keep!(I::I32AndImmBrNezAcc) => {
                $acci = and_imm_br(&mut $regs, $code, op, Some($acci), false)
            }
            I::Load32IdxAcc(op) if $keep!(I::Load32IdxAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_idx::<4, 2, FAST>($mem, &mut $regs, op, index, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load32IdxAccBrTable(op) if $keep!(I::Load32IdxAccBrTable) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_idx::<4, 2, FAST>($mem, &mut $regs, op, index, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
                br_table_after($code, $acci);
            }
            I::Load64IdxAcc(op) if $keep!(I::Load64IdxAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_idx::<8, 3, FAST>($mem, &mut $regs, op, index, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::I32AddImmStore32Acc(ref op) if $keep!(I::I32AddImmStore32Acc) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_store_from::<FAST>($mem, &mut $regs, op, a)
                });
                $code.skip();
            }
            I::I32ShlImmAddImmLoad32Acc(ref op) if $keep!(I::I32ShlImmAddImmLoad32Acc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::shl_add_imm_load::<FAST>($mem, &mut $regs, op, a)
                });
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
                $code.skip();
            }
            I::I32AddImmLoad32Acc(ref op) if $keep!(I::I32AddImmLoad32Acc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_load::<4, FAST>($mem, &mut $regs, op, a, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddImmLoad64Acc(ref op) if $keep!(I::I32AddImmLoad64Acc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_load::<8, FAST>($mem, &mut $regs, op, a, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
                $code.skip();
            }
            I::I32AddImmLoad8UAcc(ref op) if $keep!(I::I32AddImmLoad8UAcc) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_load::<1, FAST>($mem, &mut $regs, op, a, memory::u8_raw)
                });
                $code.skip();
            }

            // ----- Conversions -----------------------------------------------------------
            I::I32WrapI64(op) if $keep!(I::I32WrapI64) => $acci = un_out(&mut $regs, op, num::i32_wrap_i64).into_raw(),
            I::I32WrapI64Acc(op) if $keep!(I::I32WrapI64Acc) => {
                let acc = Raw::from_raw($acci);
                $acci = un_acc(&mut $regs, op, acc, num::i32_wrap_i64).into_raw()
            }
            I::I32TruncF32S(op) if $keep!(I::I32TruncF32S) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f32_s)
            ),
            I::I32TruncF32U(op) if $keep!(I::I32TruncF32U) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f32_u)
            ),
            I::I32TruncF64S(op) if $keep!(I::I32TruncF64S) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f64_s)
            ),
            I::I32TruncF64U(op) if $keep!(I::I32TruncF64U) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f64_u)
            ),
            I::I64ExtendI32S(op) if $keep!(I::I64ExtendI32S) => un(&mut $regs, op, num::i64_extend_i32_s),
            I::I64TruncF32S(op) if $keep!(I::I64TruncF32S) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f32_s)
            ),
            I::I64TruncF32U(op) if $keep!(I::I64TruncF32U) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f32_u)
            ),
            I::I64TruncF64S(op) if $keep!(I::I64TruncF64S) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f64_s)
            ),
            I::I64TruncF64U(op) if $keep!(I::I64TruncF64U) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f64_u)
            ),
            I::F32ConvertI32S(op) if $keep!(I::F32ConvertI32S) => un(&mut $regs, op, num::f32_convert_i32_s),
            I::F32ConvertI32U(op) if $keep!(I::F32ConvertI32U) => un(&mut $regs, op, num::f32_convert_i32_u),
            I::F32ConvertI64S(op) if $keep!(I::F32ConvertI64S) => un(&mut $regs, op, num::f32_convert_i64_s),
            I::F32ConvertI64U(op) if $keep!(I::F32ConvertI64U) => un(&mut $regs, op, num::f32_convert_i64_u),
            I::F32DemoteF64(op) if $keep!(I::F32DemoteF64) => un(&mut $regs, op, num::f32_demote_f64),
            I::F64ConvertI32S(op) if $keep!(I::F64ConvertI32S) => un(&mut $regs, op, num::f64_convert_i32_s),
            I::F64ConvertI32U(op) if $keep!(I::F64ConvertI32U) => un(&mut $regs, op, num::f64_convert_i32_u),
            I::F64ConvertI64S(op) if $keep!(I::F64ConvertI64S) => un(&mut $regs, op, num::f64_convert_i64_s),
            I::F64ConvertI64U(op) if $keep!(I::F64ConvertI64U) => un(&mut $regs, op, num::f64_convert_i64_u),
            I::F64PromoteF32(op) if $keep!(I::F64PromoteF32) => un(&mut $regs, op, num::f64_promote_f32),
            I::I32TruncSatF32S(op) if $keep!(I::I32TruncSatF32S) => un(&mut $regs, op, num::i32_trunc_sat_f32_s),
            I::I32TruncSatF32U(op) if $keep!(I::I32TruncSatF32U) => un(&mut $regs, op, num::i32_trunc_sat_f32_u),
            I::I32TruncSatF64S(op) if $keep!(I::I32TruncSatF64S) => un(&mut $regs, op, num::i32_trunc_sat_f64_s),
            I::I32TruncSatF64U(op) if $keep!(I::I32TruncSatF64U) => un(&mut $regs, op, num::i32_trunc_sat_f64_u),
            I::I64TruncSatF32S(op) if $keep!(I::I64TruncSatF32S) => un(&mut $regs, op, num::i64_trunc_sat_f32_s),
            I::I64TruncSatF32U(op) if $keep!(I::I64TruncSatF32U) => un(&mut $regs, op, num::i64_trunc_sat_f32_u),
            I::I64TruncSatF64S(op) if $keep!(I::I64TruncSatF64S) => un(&mut $regs, op, num::i64_trunc_sat_f64_s),
            I::I64TruncSatF64U(op) if $keep!(I::I64TruncSatF64U) => un(&mut $regs, op, num::i64_trunc_sat_f64_u),
            // Every arm is taken in the loop; a threaded handler keeps only
            // its own kind's arm (see `$keep`), and its tag is that kind.
            _ => $exit!(@trap $env, $code.pc() - 1, TrapCode::Unreachable),
        }
    }};
}

/// Unwraps a handler's result, or exits with its trap.
macro_rules! t {
    ($env:ident, $code:ident, $exit:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(trap) => $exit!(@trap $env, $code.pc() - 1, trap),
        }
    };
}

/// Continues in the callee whose frame was just pushed: its code from the
/// start, its slots from `fp`.
macro_rules! enter_callee {
    ($env:ident, $code:ident, $regs:ident, $exit:ident, $callee:expr, $fp:expr) => {
        *$code = Code::entry($callee, $code.fuel());
        $regs = t!($env, $code, $exit, frame(&mut $env.stack, $fp, $callee));
    };
}

/// The plain call (see `push_plain_frame`) of `callee`, whose arguments
/// start `args` slots into the running frame, made by a threaded handler,
/// which then continues in the callee; any other call goes to `$fast_t`'s
/// refusal, before anything changed.
macro_rules! enter_plain_callee {
    ($env:ident, $code:ident, $regs:ident, $exit:ident, $fast_t:ident, $callee:expr, $args:expr) => {
        let callee = $callee;
        $regs = $fast_t!(
            $env,
            $code,
            $exit,
            push_plain_frame(
                $env.limits,
                &mut $env.stack,
                &mut $env.frames,
                $code.pc(),
                $args,
                &callee
            )
        );
        // The threaded backend's `code_start`, stored unconditionally:
        // comparing it with the caller's first would keep that in a
        // register through the call's work.
        #[cfg(all(wisp_threaded, not(test)))]
        {
            $env.code_start = core::ptr::NonNull::from(callee.code.code_with_sentinel()).cast();
        }
        *$code = Code::entry(callee.code, $code.fuel());
    };
}

pub(super) use {enter_callee, enter_plain_callee, execute_instr, t};
