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
        $fast_t:ident
    ) => {{
        use Instr as I;
        match *$instr {
            // ----- Control -------------------------------------------------------
            I::Trap(trap) => $exit!(@trap $env, $code.pc() - 1, trap),
            I::ConsumeFuel { amount } => {
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
                    $exit!(Ok(out_of_fuel($env.frames, $code.pc() - 1, amount)));
                }
            }
            I::Br { target } => $code.jump(target),
            I::BrTable { index, len } => $code.br_table($regs.get(index) as u32, len),
            I::BrTableAt { index, len, table } => {
                $code.br_table_at($regs.get(index) as u32, len, table)
            }
            I::Return | I::Return1 { .. } | I::ReturnImm32 { .. } | I::ReturnSpan { .. } => {
                // Nothing after a call or a return reads an accumulator:
                // constants spare saving them around the calls out.
                ($acci, $acc64, $acc32) = (0, 0.0, 0.0);
                // A copy, read before the results are written: the checks
                // below then need not be redone after those stores.
                let caller = caller_frame($env.frames);
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
                    frame($env.stack, caller.fp as usize, caller_func)
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
            I::BrI32Eq(op) => br_cmp(&$regs, $code, op, |a: u32, b| a == b),
            I::BrI32Ne(op) => br_cmp(&$regs, $code, op, |a: u32, b| a != b),
            I::BrI32LtS(op) => br_cmp(&$regs, $code, op, |a: i32, b| a < b),
            I::BrI32LtU(op) => br_cmp(&$regs, $code, op, |a: u32, b| a < b),
            I::BrI32GtS(op) => br_cmp(&$regs, $code, op, |a: i32, b| a > b),
            I::BrI32GtU(op) => br_cmp(&$regs, $code, op, |a: u32, b| a > b),
            I::BrI32LeS(op) => br_cmp(&$regs, $code, op, |a: i32, b| a <= b),
            I::BrI32LeU(op) => br_cmp(&$regs, $code, op, |a: u32, b| a <= b),
            I::BrI32GeS(op) => br_cmp(&$regs, $code, op, |a: i32, b| a >= b),
            I::BrI32GeU(op) => br_cmp(&$regs, $code, op, |a: u32, b| a >= b),
            I::BrI32EqImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a == b),
            I::BrI32NeImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a != b),
            I::BrI32LtSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a < b),
            I::BrI32LtUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a < b),
            I::BrI32GtSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a > b),
            I::BrI32GtUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a > b),
            I::BrI32LeSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a <= b),
            I::BrI32LeUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a <= b),
            I::BrI32GeSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i32, b| a >= b),
            I::BrI32GeUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u32, b| a >= b),
            I::BrI64Eq(op) => br_cmp(&$regs, $code, op, |a: u64, b| a == b),
            I::BrI64Ne(op) => br_cmp(&$regs, $code, op, |a: u64, b| a != b),
            I::BrI64LtS(op) => br_cmp(&$regs, $code, op, |a: i64, b| a < b),
            I::BrI64LtU(op) => br_cmp(&$regs, $code, op, |a: u64, b| a < b),
            I::BrI64GtS(op) => br_cmp(&$regs, $code, op, |a: i64, b| a > b),
            I::BrI64GtU(op) => br_cmp(&$regs, $code, op, |a: u64, b| a > b),
            I::BrI64LeS(op) => br_cmp(&$regs, $code, op, |a: i64, b| a <= b),
            I::BrI64LeU(op) => br_cmp(&$regs, $code, op, |a: u64, b| a <= b),
            I::BrI64GeS(op) => br_cmp(&$regs, $code, op, |a: i64, b| a >= b),
            I::BrI64GeU(op) => br_cmp(&$regs, $code, op, |a: u64, b| a >= b),
            I::BrI64EqImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a == b),
            I::BrI64NeImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a != b),
            I::BrI64LtSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a < b),
            I::BrI64LtUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a < b),
            I::BrI64GtSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a > b),
            I::BrI64GtUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a > b),
            I::BrI64LeSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a <= b),
            I::BrI64LeUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a <= b),
            I::BrI64GeSImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: i64, b| a >= b),
            I::BrI64GeUImm(op) => $acci = br_cmp_imm(&$regs, $code, op, |a: u64, b| a >= b),

            // ----- Superinstructions ------------------------------------------------
            I::I32AddImmBrEqImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a == b)
            }
            I::I32AddImmBrNeImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a != b)
            }
            I::I32AddImmBrLtSImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a < b)
            }
            I::I32AddImmBrLtUImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a < b)
            }
            I::I32AddImmBrGtSImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a > b)
            }
            I::I32AddImmBrGtUImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a > b)
            }
            I::I32AddImmBrLeSImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a <= b)
            }
            I::I32AddImmBrLeUImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a <= b)
            }
            I::I32AddImmBrGeSImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: i32, b| a >= b)
            }
            I::I32AddImmBrGeUImm(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, None, |a: u32, b| a >= b)
            }
            I::I32AddBrEqImm(op) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a == b),
            I::I32AddBrNeImm(op) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a != b),
            I::I32AddBrLtSImm(op) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a < b),
            I::I32AddBrLtUImm(op) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a < b),
            I::I32AddBrGtSImm(op) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a > b),
            I::I32AddBrGtUImm(op) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a > b),
            I::I32AddBrLeSImm(op) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a <= b),
            I::I32AddBrLeUImm(op) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a <= b),
            I::I32AddBrGeSImm(op) => $acci = add_br(&mut $regs, $code, op, |a: i32, b| a >= b),
            I::I32AddBrGeUImm(op) => $acci = add_br(&mut $regs, $code, op, |a: u32, b| a >= b),
            I::I32AndImmBrEqz(op) => $acci = and_imm_br(&mut $regs, $code, op, None, true),
            I::I32AndImmBrNez(op) => $acci = and_imm_br(&mut $regs, $code, op, None, false),
            I::F64MulAdd(op) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, y| x + y);
                $code.skip();
            }
            I::F64MulSub(op) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, y| x - y);
                $code.skip();
            }
            I::F64MulAddLeft(op) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, t| t + x);
                $code.skip();
            }
            I::F64MulSubLeft(op) => {
                $acc64 = bin_bin_out(&mut $regs, op, |a: f64, b| a * b, |x, t| t - x);
                $code.skip();
            }
            I::F32MulAdd(op) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulSub(op) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32MulAddLeft(op) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| t + x);
                $code.skip();
            }
            I::F32MulSubLeft(op) => {
                $acc32 = bin_bin_out(&mut $regs, op, |a: f32, b| a * b, |x, t| t - x);
                $code.skip();
            }
            I::F32EqBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a == b),
            I::F32EqBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a == b),
            I::F32NeBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a != b),
            I::F32NeBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a != b),
            I::F32LtBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a < b),
            I::F32LtBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a < b),
            I::F32GtBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a > b),
            I::F32GtBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a > b),
            I::F32LeBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a <= b),
            I::F32LeBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a <= b),
            I::F32GeBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f32, b| a >= b),
            I::F32GeBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f32, b| a >= b),
            I::F64EqBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a == b),
            I::F64EqBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a == b),
            I::F64NeBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a != b),
            I::F64NeBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a != b),
            I::F64LtBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a < b),
            I::F64LtBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a < b),
            I::F64GtBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a > b),
            I::F64GtBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a > b),
            I::F64LeBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a <= b),
            I::F64LeBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a <= b),
            I::F64GeBrNez(op) => cmp_br(&mut $regs, $code, op, true, |a: f64, b| a >= b),
            I::F64GeBrEqz(op) => cmp_br(&mut $regs, $code, op, false, |a: f64, b| a >= b),
            I::I32AndImmBrEqImm(op) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a == b),
            I::I32AndImmBrNeImm(op) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a != b),
            I::I32AndImmBrLtUImm(op) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a < b),
            I::I32AndImmBrGtUImm(op) => $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a > b),
            I::I32AndImmBrLeUImm(op) => {
                $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a <= b)
            }
            I::I32AndImmBrGeUImm(op) => {
                $acci = and_imm_br_imm(&mut $regs, $code, op, |a, b| a >= b)
            }
            I::I32AddImmCopy(op) => {
                let t = ($regs.get(Slot::from(op.a)) as u32).wrapping_add(op.imm as u32);
                $regs.set(Slot::from(op.t), u64::from(t));
                $regs.set(Slot::from(op.dst), u64::from(t));
                $code.skip();
            }
            I::I32ShrUImmXor(op) => {
                $acci = bin_imm_bin(&mut $regs, op, num::i32_shr_u, |x: i32, t| x ^ t).into_raw();
                $code.skip();
            }
            I::I32XorMulImm(op) => {
                $acci =
                    bin_bin_imm(&mut $regs, op, |a: i32, b| a ^ b, i32::wrapping_mul).into_raw();
                $code.skip();
            }
            I::I64XorMul(op) => {
                $acci = bin_bin(&mut $regs, op, |a: i64, b| a ^ b, i64::wrapping_mul).into_raw();
                $code.skip();
            }
            I::I64XorMulAccA(op) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_bin_acc_a(&mut $regs, op, acc, |a: i64, b| a ^ b, i64::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I64XorMulAccB(op) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_bin_acc_b(&mut $regs, op, acc, |a: i64, b| a ^ b, i64::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I32XorMulImmAccA(op) => {
                let a: i32 = int_acc(&$regs, Slot::from(op.a), $acci);
                let b = i32::from_raw($regs.get(Slot::from(op.b)));
                $acci = bin_bin_imm_on(&mut $regs, op, a, b, |a, b| a ^ b, i32::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I32XorMulImmAccB(op) => {
                let a = i32::from_raw($regs.get(Slot::from(op.a)));
                let b: i32 = int_acc(&$regs, Slot::from(op.b), $acci);
                $acci = bin_bin_imm_on(&mut $regs, op, a, b, |a, b| a ^ b, i32::wrapping_mul)
                    .into_raw();
                $code.skip();
            }
            I::I32ShrUImmXorAcc(op) => {
                let a: i32 = int_acc(&$regs, Slot::from(op.a), $acci);
                $acci =
                    bin_imm_bin_on(&mut $regs, op, a, num::i32_shr_u, |x: i32, t| x ^ t).into_raw();
                $code.skip();
            }
            I::I32ShrUImmXorAccAX(op) => {
                $acci =
                    bin_imm_bin_acc_ax(&mut $regs, op, $acci, num::i32_shr_u, |x: i32, t| x ^ t)
                        .into_raw();
                $code.skip();
            }
            I::I32AddLoad32(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_load::<4, FAST>($mem, &mut $regs, op, memory::u32_raw)
                );
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddLoad64(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_load::<8, FAST>($mem, &mut $regs, op, memory::u64_raw)
                );
                $acc64 = f64::from_bits($acci);
                $code.skip();
            }
            I::I32AddLoad8U(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_load::<1, FAST>($mem, &mut $regs, op, memory::u8_raw)
                );
                $code.skip();
            }
            I::Load32Load32(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_load::<FAST>($mem, &mut $regs, op)
                );
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddImm2(op) => {
                let t = ($regs.get(Slot::from(op.a)) as u32).wrapping_add(op.imm_a as u32);
                $regs.set(Slot::from(op.t), u64::from(t));
                let sum = ($regs.get(Slot::from(op.b)) as u32).wrapping_add(op.imm_b as u32);
                $regs.set(Slot::from(op.dst), u64::from(sum));
                $acci = u64::from(sum);
                $code.skip();
            }
            I::I32AddImmStore32(op) => {
                $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::add_imm_store::<FAST>($mem, &mut $regs, op)
                );
                $code.skip();
            }
            I::Load8UStore8(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            I::Load8UStore8Acc(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            I::Load32Store32(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<4, FAST>($mem, &mut $regs, op, from, memory::u32_raw)
                });
                $code.skip();
            }
            I::Load32Store32Acc(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<4, FAST>($mem, &mut $regs, op, from, memory::u32_raw)
                });
                $code.skip();
            }
            I::Load64Store64(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<8, FAST>($mem, &mut $regs, op, from, memory::u64_raw)
                });
                $code.skip();
            }
            I::Load64Store64Acc(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_store_from(a, op);
                    memory::load_store::<8, FAST>($mem, &mut $regs, op, from, memory::u64_raw)
                });
                $code.skip();
            }
            I::Load8UAddStore8(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    let from = memory::load_add_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            I::Load8UAddStore8Acc(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    let from = memory::load_add_store_from(a, op);
                    memory::load_store::<1, FAST>($mem, &mut $regs, op, from, memory::u8_raw)
                });
                $code.skip();
            }
            I::I32AddImmLoad32(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    memory::add_imm_load::<4, FAST>($mem, &mut $regs, op, a, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddImmLoad64(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    memory::add_imm_load::<8, FAST>($mem, &mut $regs, op, a, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
                $code.skip();
            }
            I::I32AddImmLoad8U(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = $regs.get(Slot::from(op.a)) as u32;
                    memory::add_imm_load::<1, FAST>($mem, &mut $regs, op, a, memory::u8_raw)
                });
                $code.skip();
            }

            // ----- Calls -----------------------------------------------------------
            I::CallInternal { func, args } => {
                // Nothing after a call or a return reads an accumulator:
                // constants spare saving them around the calls out.
                ($acci, $acc64, $acc32) = (0, 0.0, 0.0);
                let callee = $env.inst.defined(func);
                if FAST {
                    enter_plain_callee!($env, $code, $regs, $exit, $fast_t, callee, args);
                } else {
                    let callee_fp = frame_pointer($env.frames) + args as usize;
                    t!(
                        $env,
                        $code,
                        $exit,
                        push_frame(
                            $env.limits,
                            $env.stack,
                            $env.frames,
                            $code.pc(),
                            callee_fp,
                            &callee
                        )
                    );
                    enter_callee!($env, $code, $regs, $exit, callee.code, callee_fp);
                }
            }
            I::CallImported { .. } | I::CallIndirect { .. } => {
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
                        let table = match $code.peek() {
                            I::CallIndirectTable { table } => table,
                            _ => 0,
                        };
                        $code.skip();
                        let table = &$env.tables[$env.inst.tables[table as usize] as usize];
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
                let callee_fp = frame_pointer($env.frames) + args as usize;
                let Some(callee) = wasm_func($env.funcs, addr) else {
                    // A host function: the driver calls it and resumes at `pc`.
                    if let Some(frame) = $env.frames.last_mut() {
                        frame.pc = $code.pc() as u32;
                    }
                    $exit!(Ok(Exit::HostCall {
                        func: addr,
                        slot: callee_fp,
                    }));
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
                    t!(
                        $env,
                        $code,
                        $exit,
                        push_frame(
                            $env.limits,
                            $env.stack,
                            $env.frames,
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
            I::Copy { dst, src } => $regs.set(dst, $regs.get(src)),
            I::Copy2 { dst, a, b } => variable::copy2(&mut $regs, dst, a, b),
            I::Const32 { dst, value } => $regs.set(dst, value as u64),
            I::Const64 { dst, lo, hi } => $regs.set(dst, (hi as u64) << 32 | lo as u64),
            I::Select { dst, a, b } => {
                let cond = match $code.peek() {
                    I::SelectCond { cond } => cond,
                    _ => dst,
                };
                $code.skip();
                let cond = $regs.get(cond) as u32;
                variable::select(&mut $regs, dst, a, b, cond);
            }
            I::SelectAcc { dst, a, b } => {
                let cond = match $code.peek() {
                    I::SelectCond { cond } => cond,
                    _ => dst,
                };
                $code.skip();
                let cond = int_acc::<u32>(&$regs, cond, $acci);
                variable::select(&mut $regs, dst, a, b, cond);
            }
            I::SelectCond { .. } | I::CallIndirectTable { .. } => {}
            I::GlobalGet { dst, global } => {
                variable::global_get($env.globals, &$env.inst, &mut $regs, dst, global)
            }
            I::GlobalSet { global, src } => {
                variable::global_set($env.globals, &$env.inst, &$regs, global, src)
            }
            I::RefFunc { dst, func } => $regs.set(dst, variable::ref_func(&$env.inst, func)),

            // ----- Memory ------------------------------------------------------------
            I::Load32(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<4, FAST>($mem, &mut $regs, op, memory::u32_raw)
                );
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<8, FAST>($mem, &mut $regs, op, memory::u64_raw)
                );
                $acc64 = f64::from_bits($acci);
            }
            I::Load8U(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<1, FAST>($mem, &mut $regs, op, memory::u8_raw)
                )
            }
            I::Load16U(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<2, FAST>($mem, &mut $regs, op, memory::u16_raw)
                )
            }
            I::I32Load8S(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i32)
                )
            }
            I::I32Load16S(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i32)
                )
            }
            I::I64Load8S(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i64)
                )
            }
            I::I64Load16S(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i64)
                )
            }
            I::I64Load32S(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    load::<4, FAST>($mem, &mut $regs, op, memory::i32_as_i64)
                )
            }
            I::Store8(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<1, FAST>($mem, &$regs, op)
            ),
            I::Store16(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store::<8, FAST>($mem, &$regs, op)
            ),
            I::Store64AccF64(op) => $fast_t!(
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
            I::Store32AccF32(op) => $fast_t!(
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
            I::Store8Imm(op) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<1, FAST>($mem, &$regs, op)
            ),
            I::Store16Imm(op) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32Imm(op) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64Imm(op) => $fast_t!(
                $env,
                $code,
                $exit,
                store_imm::<8, FAST>($mem, &$regs, op)
            ),
            I::Load32Add(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<4, FAST>($mem, &mut $regs, op, memory::u32_raw)
                );
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load32Idx(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = $regs.get(op.a) as u32;
                    memory::load_idx::<4, 2, FAST>($mem, &mut $regs, op, index, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64Idx(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = $regs.get(op.a) as u32;
                    memory::load_idx::<8, 3, FAST>($mem, &mut $regs, op, index, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::Load64Add(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<8, FAST>($mem, &mut $regs, op, memory::u64_raw)
                );
                $acc64 = f64::from_bits($acci);
            }
            I::Load8UAdd(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<1, FAST>($mem, &mut $regs, op, memory::u8_raw)
                )
            }
            I::Load16UAdd(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<2, FAST>($mem, &mut $regs, op, memory::u16_raw)
                )
            }
            I::I32Load8SAdd(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i32)
                )
            }
            I::I32Load16SAdd(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i32)
                )
            }
            I::I64Load8SAdd(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<1, FAST>($mem, &mut $regs, op, memory::i8_as_i64)
                )
            }
            I::I64Load16SAdd(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<2, FAST>($mem, &mut $regs, op, memory::i16_as_i64)
                )
            }
            I::I64Load32SAdd(op) => {
                $acci = $fast_t!(
                    $env,
                    $code,
                    $exit,
                    memory::load_add::<4, FAST>($mem, &mut $regs, op, memory::i32_as_i64)
                )
            }
            I::Store8Add(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<1, FAST>($mem, &$regs, op)
            ),
            I::Store16Add(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32Add(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64Add(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_add::<8, FAST>($mem, &$regs, op)
            ),
            I::Store8ImmAdd(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<1, FAST>($mem, &$regs, op)
            ),
            I::Store16ImmAdd(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<2, FAST>($mem, &$regs, op)
            ),
            I::Store32ImmAdd(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<4, FAST>($mem, &$regs, op)
            ),
            I::Store64ImmAdd(op) => $fast_t!(
                $env,
                $code,
                $exit,
                memory::store_imm_add::<8, FAST>($mem, &$regs, op)
            ),
            I::MemorySize { dst } => $regs.set(dst, memory::size($mem)),
            I::MemoryGrow { dst, delta } => {
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
            I::MemoryFill { args } => t!(
                $env,
                $code,
                $exit,
                memory::fill($mem, bulk_args(&$regs, args))
            ),
            I::MemoryCopy { args } => t!(
                $env,
                $code,
                $exit,
                memory::copy($mem, bulk_args(&$regs, args))
            ),
            I::MemoryInit { args, data } => {
                let segment = &$env.datas[$env.inst.datas[data as usize] as usize];
                t!(
                    $env,
                    $code,
                    $exit,
                    memory::init($mem, segment, bulk_args(&$regs, args))
                );
            }
            I::DataDrop { data } => {
                memory::drop_data(&mut $env.datas[$env.inst.datas[data as usize] as usize])
            }

            // ----- Tables -------------------------------------------------------------
            I::TableGet { dst, index, table } => {
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
            } => {
                let addr = $env.inst.tables[table as usize];
                t!(
                    $env,
                    $code,
                    $exit,
                    table::set($env.tables, addr, $regs.get(index), $regs.get(value))
                );
            }
            I::TableSize { dst, table } => {
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
            I::TableGrow { args, table } => {
                let addr = $env.inst.tables[table as usize];
                let operands = ($regs.get(args), $regs.get(args + 1));
                let grown = table::grow($env.tables, addr, operands, $env.store_limits);
                $regs.set(args, t!($env, $code, $exit, grown));
            }
            I::TableFill { args, table } => {
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
            } => {
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
            I::TableInit { args, table, elem } => {
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
            I::ElemDrop { elem } => {
                table::drop_elem(&mut $env.elems[$env.inst.elems[elem as usize] as usize])
            }

            // ----- i32 -----------------------------------------------------------------
            I::I32Eq(op) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a == b).into_raw(),
            I::I32Ne(op) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a != b).into_raw(),
            I::I32LtS(op) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a < b).into_raw(),
            I::I32LtU(op) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a < b).into_raw(),
            I::I32GtS(op) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a > b).into_raw(),
            I::I32GtU(op) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a > b).into_raw(),
            I::I32LeS(op) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a <= b).into_raw(),
            I::I32LeU(op) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a <= b).into_raw(),
            I::I32GeS(op) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a >= b).into_raw(),
            I::I32GeU(op) => $acci = bin_out(&mut $regs, op, |a: u32, b: u32| a >= b).into_raw(),
            I::I32EqImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a == b).into_raw()
            }
            I::I32NeImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a != b).into_raw()
            }
            I::I32LtSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a < b).into_raw()
            }
            I::I32LtUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a < b).into_raw()
            }
            I::I32GtSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a > b).into_raw()
            }
            I::I32GtUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a > b).into_raw()
            }
            I::I32LeSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a <= b).into_raw()
            }
            I::I32LeUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a <= b).into_raw()
            }
            I::I32GeSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a >= b).into_raw()
            }
            I::I32GeUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u32, b: u32| a >= b).into_raw()
            }
            I::I32Clz(op) => un(&mut $regs, op, num::i32_clz),
            I::I32Ctz(op) => un(&mut $regs, op, num::i32_ctz),
            I::I32Popcnt(op) => un(&mut $regs, op, num::i32_popcnt),
            I::I32Add(op) => $acci = bin_out(&mut $regs, op, i32::wrapping_add).into_raw(),
            I::I32AddShl2(op) => {
                $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a.wrapping_add(b << 2)).into_raw()
            }
            I::I32AddShl3(op) => {
                $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a.wrapping_add(b << 3)).into_raw()
            }
            I::I32AddShl2AccB(op) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_acc_b(&mut $regs, op, acc, |a: i32, b: i32| a.wrapping_add(b << 2))
                    .into_raw()
            }
            I::I32AddShl3AccB(op) => {
                let acc = Raw::from_raw($acci);
                $acci = bin_acc_b(&mut $regs, op, acc, |a: i32, b: i32| a.wrapping_add(b << 3))
                    .into_raw()
            }
            I::I32Sub(op) => $acci = bin_out(&mut $regs, op, i32::wrapping_sub).into_raw(),
            I::I32Mul(op) => $acci = bin_out(&mut $regs, op, i32::wrapping_mul).into_raw(),
            I::I32DivS(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_div_s)),
            I::I32DivU(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_div_u)),
            I::I32RemS(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_rem_s)),
            I::I32RemU(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i32_rem_u)),
            I::I32And(op) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a & b).into_raw(),
            I::I32Or(op) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a | b).into_raw(),
            I::I32Xor(op) => $acci = bin_out(&mut $regs, op, |a: i32, b: i32| a ^ b).into_raw(),
            I::I32Shl(op) => $acci = bin_out(&mut $regs, op, num::i32_shl).into_raw(),
            I::I32ShrS(op) => $acci = bin_out(&mut $regs, op, num::i32_shr_s).into_raw(),
            I::I32ShrU(op) => $acci = bin_out(&mut $regs, op, num::i32_shr_u).into_raw(),
            I::I32Rotl(op) => $acci = bin_out(&mut $regs, op, num::i32_rotl).into_raw(),
            I::I32Rotr(op) => bin(&mut $regs, op, num::i32_rotr),
            I::I32AddImm(op) => $acci = bin_imm_out(&mut $regs, op, i32::wrapping_add).into_raw(),
            I::I32RSubImm(op) => bin_imm(&mut $regs, op, |a: i32, imm: i32| imm.wrapping_sub(a)),
            I::I32MulImm(op) => $acci = bin_imm_out(&mut $regs, op, i32::wrapping_mul).into_raw(),
            I::I32AndImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a & b).into_raw()
            }
            I::I32OrImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a | b).into_raw()
            }
            I::I32XorImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i32, b: i32| a ^ b).into_raw()
            }
            I::I32ShlImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i32_shl).into_raw(),
            I::I32ShrSImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i32_shr_s).into_raw(),
            I::I32ShrUImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i32_shr_u).into_raw(),
            I::I32RotlImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i32_rotl).into_raw(),
            I::I32RotrImm(op) => bin_imm(&mut $regs, op, num::i32_rotr),
            I::I32Extend8S(op) => un(&mut $regs, op, num::i32_extend8_s),
            I::I32Extend16S(op) => un(&mut $regs, op, num::i32_extend16_s),

            // ----- i64 -----------------------------------------------------------------
            I::I64Eq(op) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a == b).into_raw(),
            I::I64Ne(op) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a != b).into_raw(),
            I::I64LtS(op) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a < b).into_raw(),
            I::I64LtU(op) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a < b).into_raw(),
            I::I64GtS(op) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a > b).into_raw(),
            I::I64GtU(op) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a > b).into_raw(),
            I::I64LeS(op) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a <= b).into_raw(),
            I::I64LeU(op) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a <= b).into_raw(),
            I::I64GeS(op) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a >= b).into_raw(),
            I::I64GeU(op) => $acci = bin_out(&mut $regs, op, |a: u64, b: u64| a >= b).into_raw(),
            I::I64EqImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a == b).into_raw()
            }
            I::I64NeImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a != b).into_raw()
            }
            I::I64LtSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a < b).into_raw()
            }
            I::I64LtUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a < b).into_raw()
            }
            I::I64GtSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a > b).into_raw()
            }
            I::I64GtUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a > b).into_raw()
            }
            I::I64LeSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a <= b).into_raw()
            }
            I::I64LeUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a <= b).into_raw()
            }
            I::I64GeSImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a >= b).into_raw()
            }
            I::I64GeUImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: u64, b: u64| a >= b).into_raw()
            }
            I::I64Clz(op) => un(&mut $regs, op, num::i64_clz),
            I::I64Ctz(op) => un(&mut $regs, op, num::i64_ctz),
            I::I64Popcnt(op) => un(&mut $regs, op, num::i64_popcnt),
            I::I64Add(op) => $acci = bin_out(&mut $regs, op, i64::wrapping_add).into_raw(),
            I::I64Sub(op) => $acci = bin_out(&mut $regs, op, i64::wrapping_sub).into_raw(),
            I::I64Mul(op) => $acci = bin_out(&mut $regs, op, i64::wrapping_mul).into_raw(),
            I::I64DivS(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_div_s)),
            I::I64DivU(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_div_u)),
            I::I64RemS(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_rem_s)),
            I::I64RemU(op) => t!($env, $code, $exit, bin_trap(&mut $regs, op, num::i64_rem_u)),
            I::I64And(op) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a & b).into_raw(),
            I::I64Or(op) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a | b).into_raw(),
            I::I64Xor(op) => $acci = bin_out(&mut $regs, op, |a: i64, b: i64| a ^ b).into_raw(),
            I::I64Shl(op) => $acci = bin_out(&mut $regs, op, num::i64_shl).into_raw(),
            I::I64ShrS(op) => $acci = bin_out(&mut $regs, op, num::i64_shr_s).into_raw(),
            I::I64ShrU(op) => $acci = bin_out(&mut $regs, op, num::i64_shr_u).into_raw(),
            I::I64Rotl(op) => $acci = bin_out(&mut $regs, op, num::i64_rotl).into_raw(),
            I::I64Rotr(op) => bin(&mut $regs, op, num::i64_rotr),
            I::I64AddImm(op) => $acci = bin_imm_out(&mut $regs, op, i64::wrapping_add).into_raw(),
            I::I64RSubImm(op) => bin_imm(&mut $regs, op, |a: i64, imm: i64| imm.wrapping_sub(a)),
            I::I64MulImm(op) => $acci = bin_imm_out(&mut $regs, op, i64::wrapping_mul).into_raw(),
            I::I64AndImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a & b).into_raw()
            }
            I::I64OrImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a | b).into_raw()
            }
            I::I64XorImm(op) => {
                $acci = bin_imm_out(&mut $regs, op, |a: i64, b: i64| a ^ b).into_raw()
            }
            I::I64ShlImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i64_shl).into_raw(),
            I::I64ShrSImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i64_shr_s).into_raw(),
            I::I64ShrUImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i64_shr_u).into_raw(),
            I::I64RotlImm(op) => $acci = bin_imm_out(&mut $regs, op, num::i64_rotl).into_raw(),
            I::I64RotrImm(op) => bin_imm(&mut $regs, op, num::i64_rotr),
            I::I64Extend8S(op) => un(&mut $regs, op, num::i64_extend8_s),
            I::I64Extend16S(op) => un(&mut $regs, op, num::i64_extend16_s),
            I::I64Extend32S(op) => un(&mut $regs, op, num::i64_extend32_s),

            // ----- f32 -----------------------------------------------------------------
            I::F32Eq(op) => bin(&mut $regs, op, |a: f32, b: f32| a == b),
            I::F32Ne(op) => bin(&mut $regs, op, |a: f32, b: f32| a != b),
            I::F32Lt(op) => bin(&mut $regs, op, |a: f32, b: f32| a < b),
            I::F32Gt(op) => bin(&mut $regs, op, |a: f32, b: f32| a > b),
            I::F32Le(op) => bin(&mut $regs, op, |a: f32, b: f32| a <= b),
            I::F32Ge(op) => bin(&mut $regs, op, |a: f32, b: f32| a >= b),
            I::F32Abs(op) => un(&mut $regs, op, num::f32_abs),
            I::F32Neg(op) => un(&mut $regs, op, num::f32_neg),
            I::F32Ceil(op) => un(&mut $regs, op, num::f32_ceil),
            I::F32Floor(op) => un(&mut $regs, op, num::f32_floor),
            I::F32Trunc(op) => un(&mut $regs, op, num::f32_trunc),
            I::F32Nearest(op) => un(&mut $regs, op, num::f32_nearest),
            I::F32Sqrt(op) => $acc32 = un_out(&mut $regs, op, num::f32_sqrt),
            I::F32CanonNan(op) => un(&mut $regs, op, num::f32_canon_nan),
            I::F64CanonNan(op) => un(&mut $regs, op, num::f64_canon_nan),
            I::F32Add(op) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a + b),
            I::F32Sub(op) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a - b),
            I::F32Mul(op) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a * b),
            I::F32Div(op) => $acc32 = bin_out(&mut $regs, op, |a: f32, b| a / b),
            I::F32Min(op) => bin(&mut $regs, op, num::f32_min),
            I::F32Max(op) => bin(&mut $regs, op, num::f32_max),
            I::F32Copysign(op) => bin(&mut $regs, op, num::f32_copysign),

            // ----- f64 -----------------------------------------------------------------
            I::F64Eq(op) => bin(&mut $regs, op, |a: f64, b: f64| a == b),
            I::F64Ne(op) => bin(&mut $regs, op, |a: f64, b: f64| a != b),
            I::F64Lt(op) => bin(&mut $regs, op, |a: f64, b: f64| a < b),
            I::F64Gt(op) => bin(&mut $regs, op, |a: f64, b: f64| a > b),
            I::F64Le(op) => bin(&mut $regs, op, |a: f64, b: f64| a <= b),
            I::F64Ge(op) => bin(&mut $regs, op, |a: f64, b: f64| a >= b),
            I::F64Abs(op) => un(&mut $regs, op, num::f64_abs),
            I::F64Neg(op) => un(&mut $regs, op, num::f64_neg),
            I::F64Ceil(op) => un(&mut $regs, op, num::f64_ceil),
            I::F64Floor(op) => un(&mut $regs, op, num::f64_floor),
            I::F64Trunc(op) => un(&mut $regs, op, num::f64_trunc),
            I::F64Nearest(op) => un(&mut $regs, op, num::f64_nearest),
            I::F64Sqrt(op) => $acc64 = un_out(&mut $regs, op, num::f64_sqrt),
            I::F64Add(op) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a + b),
            I::F64Sub(op) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a - b),
            I::F64Mul(op) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a * b),
            I::F64Div(op) => $acc64 = bin_out(&mut $regs, op, |a: f64, b| a / b),
            I::F64Min(op) => bin(&mut $regs, op, num::f64_min),
            I::F64Max(op) => bin(&mut $regs, op, num::f64_max),
            I::F64Copysign(op) => bin(&mut $regs, op, num::f64_copysign),

            // ----- Float accumulator operands ---------------------------------------
            I::F64AddAccA(op) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a + b),
            I::F64AddAccB(op) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a + b),
            I::F64SubAccA(op) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a - b),
            I::F64SubAccB(op) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a - b),
            I::F64MulAccA(op) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a * b),
            I::F64MulAccB(op) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a * b),
            I::F64DivAccA(op) => $acc64 = bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a / b),
            I::F64DivAccB(op) => $acc64 = bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a / b),
            I::F64SqrtAcc(op) => $acc64 = un_acc(&mut $regs, op, $acc64, num::f64_sqrt),
            I::F64MulAddAccA(op) => {
                $acc64 = bin_bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F64MulAddAccB(op) => {
                $acc64 = bin_bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F64MulSubAccA(op) => {
                $acc64 = bin_bin_acc_a(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F64MulSubAccB(op) => {
                $acc64 = bin_bin_acc_b(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F64MulAccAB(op) => $acc64 = bin_acc_ab(&mut $regs, op, $acc64, |a: f64, b| a * b),
            I::F64MulAddAccAB(op) => {
                $acc64 = bin_bin_acc_ab(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F64MulSubAccAB(op) => {
                $acc64 = bin_bin_acc_ab(&mut $regs, op, $acc64, |a: f64, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32AddAccA(op) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a + b),
            I::F32AddAccB(op) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a + b),
            I::F32SubAccA(op) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a - b),
            I::F32SubAccB(op) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a - b),
            I::F32MulAccA(op) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a * b),
            I::F32MulAccB(op) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a * b),
            I::F32DivAccA(op) => $acc32 = bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a / b),
            I::F32DivAccB(op) => $acc32 = bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a / b),
            I::F32SqrtAcc(op) => $acc32 = un_acc(&mut $regs, op, $acc32, num::f32_sqrt),
            I::F32MulAddAccA(op) => {
                $acc32 = bin_bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulAddAccB(op) => {
                $acc32 = bin_bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulSubAccA(op) => {
                $acc32 = bin_bin_acc_a(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32MulSubAccB(op) => {
                $acc32 = bin_bin_acc_b(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }
            I::F32MulAccAB(op) => $acc32 = bin_acc_ab(&mut $regs, op, $acc32, |a: f32, b| a * b),
            I::F32MulAddAccAB(op) => {
                $acc32 = bin_bin_acc_ab(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x + t);
                $code.skip();
            }
            I::F32MulSubAccAB(op) => {
                $acc32 = bin_bin_acc_ab(&mut $regs, op, $acc32, |a: f32, b| a * b, |x, t| x - t);
                $code.skip();
            }

            // ----- Integer accumulator operands -------------------------------------
            I::I32AddAccA(op) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_add).into_raw()
            }
            I::I32AddAccB(op) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_add).into_raw()
            }
            I::I32SubAccA(op) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_sub).into_raw()
            }
            I::I32SubAccB(op) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_sub).into_raw()
            }
            I::I32MulAccA(op) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32MulAccB(op) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32MulAccAB(op) => {
                $acci =
                    bin_acc_ab(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32AndAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a & b)
                    .into_raw()
            }
            I::I32AndAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a & b)
                    .into_raw()
            }
            I::I32OrAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a | b)
                    .into_raw()
            }
            I::I32OrAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a | b)
                    .into_raw()
            }
            I::I32XorAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a ^ b)
                    .into_raw()
            }
            I::I32XorAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a ^ b)
                    .into_raw()
            }
            I::I32ShlAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i32_shl).into_raw()
            }
            I::I32ShlAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i32_shl).into_raw()
            }
            I::I32ShrUAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_u).into_raw()
            }
            I::I32ShrUAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_u).into_raw()
            }
            I::I32ShrSAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_s).into_raw()
            }
            I::I32ShrSAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_s).into_raw()
            }
            I::I64AddAccA(op) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_add).into_raw()
            }
            I::I64AddAccB(op) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_add).into_raw()
            }
            I::I64SubAccA(op) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_sub).into_raw()
            }
            I::I64SubAccB(op) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_sub).into_raw()
            }
            I::I64MulAccA(op) => {
                $acci =
                    bin_acc_a(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64MulAccB(op) => {
                $acci =
                    bin_acc_b(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64MulAccAB(op) => {
                $acci =
                    bin_acc_ab(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64AndAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a & b)
                    .into_raw()
            }
            I::I64AndAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a & b)
                    .into_raw()
            }
            I::I64OrAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a | b)
                    .into_raw()
            }
            I::I64OrAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a | b)
                    .into_raw()
            }
            I::I64XorAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a ^ b)
                    .into_raw()
            }
            I::I64XorAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a ^ b)
                    .into_raw()
            }
            I::I64ShlAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i64_shl).into_raw()
            }
            I::I64ShlAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i64_shl).into_raw()
            }
            I::I64ShrUAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_u).into_raw()
            }
            I::I64ShrUAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_u).into_raw()
            }
            I::I64ShrSAccA(op) => {
                $acci = bin_acc_a(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_s).into_raw()
            }
            I::I64ShrSAccB(op) => {
                $acci = bin_acc_b(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_s).into_raw()
            }
            I::I32AddImmAcc(op) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_add).into_raw()
            }
            I::I32RotlImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_rotl).into_raw()
            }
            I::I64RotlImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_rotl).into_raw()
            }
            I::I32MulImmAcc(op) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i32::wrapping_mul).into_raw()
            }
            I::I32AndImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a & b)
                    .into_raw()
            }
            I::I32OrImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a | b)
                    .into_raw()
            }
            I::I32XorImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i32, b: i32| a ^ b)
                    .into_raw()
            }
            I::I32ShlImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_shl).into_raw()
            }
            I::I32ShrUImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_u).into_raw()
            }
            I::I32ShrSImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i32_shr_s).into_raw()
            }
            I::I64AddImmAcc(op) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_add).into_raw()
            }
            I::I64MulImmAcc(op) => {
                $acci =
                    bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), i64::wrapping_mul).into_raw()
            }
            I::I64AndImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a & b)
                    .into_raw()
            }
            I::I64OrImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a | b)
                    .into_raw()
            }
            I::I64XorImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), |a: i64, b: i64| a ^ b)
                    .into_raw()
            }
            I::I64ShlImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_shl).into_raw()
            }
            I::I64ShrUImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_u).into_raw()
            }
            I::I64ShrSImmAcc(op) => {
                $acci = bin_imm_acc(&mut $regs, op, Raw::from_raw($acci), num::i64_shr_s).into_raw()
            }
            I::Load32Acc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<4, FAST>($mem, &mut $regs, op, addr, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64Acc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<8, FAST>($mem, &mut $regs, op, addr, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::Load8UAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<1, FAST>($mem, &mut $regs, op, addr, memory::u8_raw)
                })
            }
            I::Load16UAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let addr = int_acc(&$regs, op.addr, $acci);
                    memory::load_from::<2, FAST>($mem, &mut $regs, op, addr, memory::u16_raw)
                })
            }
            I::Store32Acc(op) => $fast_t!(
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
            I::Store64Acc(op) => $fast_t!(
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
            I::Store8Acc(op) => $fast_t!(
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
            I::Store16Acc(op) => $fast_t!(
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
            I::BrI32NeImmAcc(op) => {
                br_cmp_imm_on($code, op, int_acc(&$regs, op.a, $acci), |a: u32, b| a != b)
            }
            I::BrI32EqImmAcc(op) => {
                br_cmp_imm_on($code, op, int_acc(&$regs, op.a, $acci), |a: u32, b| a == b)
            }
            I::BrI32EqAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a == b),
            I::BrI32NeAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a != b),
            I::BrI32LtSAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a < b),
            I::BrI32LtUAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a < b),
            I::BrI32GtSAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a > b),
            I::BrI32GtUAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a > b),
            I::BrI32LeSAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a <= b),
            I::BrI32LeUAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a <= b),
            I::BrI32GeSAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: i32, b| a >= b),
            I::BrI32GeUAccA(op) => br_cmp_acc_a(&$regs, $code, op, $acci, |a: u32, b| a >= b),
            I::Load32AddAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<4, FAST>($mem, &mut $regs, op, a, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64AddAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<8, FAST>($mem, &mut $regs, op, a, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::Load8UAddAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<1, FAST>($mem, &mut $regs, op, a, memory::u8_raw)
                })
            }
            I::Load16UAddAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_add_from::<2, FAST>($mem, &mut $regs, op, a, memory::u16_raw)
                })
            }
            I::I32AddImmBrNeImmAcc(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, Some($acci), |a: u32, b| a != b)
            }
            I::I32AddImmBrLtUImmAcc(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, Some($acci), |a: u32, b| a < b)
            }
            I::I32AddImmBrGtUImmAcc(op) => {
                $acci = add_imm_br(&mut $regs, $code, op, Some($acci), |a: u32, b| a > b)
            }
            I::I32AndImmBrEqzAcc(op) => {
                $acci = and_imm_br(&mut $regs, $code, op, Some($acci), true)
            }
            I::I32AndImmBrNezAcc(op) => {
                $acci = and_imm_br(&mut $regs, $code, op, Some($acci), false)
            }
            I::Load32IdxAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_idx::<4, 2, FAST>($mem, &mut $regs, op, index, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
            }
            I::Load64IdxAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let index = int_acc::<u32>(&$regs, op.a, $acci);
                    memory::load_idx::<8, 3, FAST>($mem, &mut $regs, op, index, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
            }
            I::I32AddImmStore32Acc(op) => {
                $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_store_from::<FAST>($mem, &mut $regs, op, a)
                });
                $code.skip();
            }
            I::I32AddImmLoad32Acc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_load::<4, FAST>($mem, &mut $regs, op, a, memory::u32_raw)
                });
                $acc32 = f32::from_bits($acci as u32);
                $code.skip();
            }
            I::I32AddImmLoad64Acc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_load::<8, FAST>($mem, &mut $regs, op, a, memory::u64_raw)
                });
                $acc64 = f64::from_bits($acci);
                $code.skip();
            }
            I::I32AddImmLoad8UAcc(op) => {
                $acci = $fast_t!($env, $code, $exit, {
                    let a = int_acc::<u32>(&$regs, Slot::from(op.a), $acci);
                    memory::add_imm_load::<1, FAST>($mem, &mut $regs, op, a, memory::u8_raw)
                });
                $code.skip();
            }

            // ----- Conversions -----------------------------------------------------------
            I::I32WrapI64(op) => $acci = un_out(&mut $regs, op, num::i32_wrap_i64).into_raw(),
            I::I32WrapI64Acc(op) => {
                let acc = Raw::from_raw($acci);
                $acci = un_acc(&mut $regs, op, acc, num::i32_wrap_i64).into_raw()
            }
            I::I32TruncF32S(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f32_s)
            ),
            I::I32TruncF32U(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f32_u)
            ),
            I::I32TruncF64S(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f64_s)
            ),
            I::I32TruncF64U(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i32_trunc_f64_u)
            ),
            I::I64ExtendI32S(op) => un(&mut $regs, op, num::i64_extend_i32_s),
            I::I64TruncF32S(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f32_s)
            ),
            I::I64TruncF32U(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f32_u)
            ),
            I::I64TruncF64S(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f64_s)
            ),
            I::I64TruncF64U(op) => t!(
                $env,
                $code,
                $exit,
                un_trap(&mut $regs, op, num::i64_trunc_f64_u)
            ),
            I::F32ConvertI32S(op) => un(&mut $regs, op, num::f32_convert_i32_s),
            I::F32ConvertI32U(op) => un(&mut $regs, op, num::f32_convert_i32_u),
            I::F32ConvertI64S(op) => un(&mut $regs, op, num::f32_convert_i64_s),
            I::F32ConvertI64U(op) => un(&mut $regs, op, num::f32_convert_i64_u),
            I::F32DemoteF64(op) => un(&mut $regs, op, num::f32_demote_f64),
            I::F64ConvertI32S(op) => un(&mut $regs, op, num::f64_convert_i32_s),
            I::F64ConvertI32U(op) => un(&mut $regs, op, num::f64_convert_i32_u),
            I::F64ConvertI64S(op) => un(&mut $regs, op, num::f64_convert_i64_s),
            I::F64ConvertI64U(op) => un(&mut $regs, op, num::f64_convert_i64_u),
            I::F64PromoteF32(op) => un(&mut $regs, op, num::f64_promote_f32),
            I::I32TruncSatF32S(op) => un(&mut $regs, op, num::i32_trunc_sat_f32_s),
            I::I32TruncSatF32U(op) => un(&mut $regs, op, num::i32_trunc_sat_f32_u),
            I::I32TruncSatF64S(op) => un(&mut $regs, op, num::i32_trunc_sat_f64_s),
            I::I32TruncSatF64U(op) => un(&mut $regs, op, num::i32_trunc_sat_f64_u),
            I::I64TruncSatF32S(op) => un(&mut $regs, op, num::i64_trunc_sat_f32_s),
            I::I64TruncSatF32U(op) => un(&mut $regs, op, num::i64_trunc_sat_f32_u),
            I::I64TruncSatF64S(op) => un(&mut $regs, op, num::i64_trunc_sat_f64_s),
            I::I64TruncSatF64U(op) => un(&mut $regs, op, num::i64_trunc_sat_f64_u),
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
        $regs = t!($env, $code, $exit, frame($env.stack, $fp, $callee));
    };
}

/// The plain call (see `push_plain_frame`) of `callee`, whose arguments
/// start `args` slots into the running frame, made by a threaded handler,
/// which then continues in the callee; any other call goes to `$fast_t`'s
/// refusal, before anything changed.
macro_rules! enter_plain_callee {
    ($env:ident, $code:ident, $regs:ident, $exit:ident, $fast_t:ident, $callee:expr, $args:expr) => {
        let callee = $callee;
        let slots = $fast_t!(
            $env,
            $code,
            $exit,
            push_plain_frame(
                $env.limits,
                $env.stack,
                $env.frames,
                $code.pc(),
                $args,
                &callee
            )
        );
        *$code = Code::entry(callee.code, $code.fuel());
        $regs = t!($env, $code, $exit, frame(slots, 0, callee.code));
    };
}

pub(super) use {enter_callee, enter_plain_callee, execute_instr, t};
