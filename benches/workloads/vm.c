/*
 * vm: a switch-dispatch interpreter loop. A tiny stack-based bytecode VM whose
 * dense `switch` on the opcode compiles to a Wasm `br_table`. The bytecode
 * program (assembled at the start of every run) sums the Collatz stopping
 * times of 1..LIMIT and mixes them into an accumulator, so the guest executes
 * tens of millions of VM instructions.
 */
#include "bench.h"

#ifndef LIMIT
#define LIMIT 42000
#endif

enum op {
    OP_HALT,
    OP_PUSH,  /* imm: push the immediate */
    OP_LOAD,  /* imm: push local[imm] */
    OP_STORE, /* imm: pop into local[imm] */
    OP_INC,   /* imm: local[imm] += 1 */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_AND,
    OP_XOR,
    OP_SHR,
    OP_EQ,
    OP_LT,
    OP_DUP,
    OP_DROP,
    OP_SWAP,
    OP_JMP, /* imm: absolute target */
    OP_JZ,  /* imm: pop, jump if zero */
    OP_JNZ, /* imm: pop, jump if non-zero */
};

#define CODE_CAP 256
#define STACK_CAP 64
#define LOCALS 8

static int32_t code[CODE_CAP];
static uint32_t code_len;

static void emit(int32_t op) { code[code_len++] = op; }
static void emit_imm(int32_t op, int32_t imm) {
    emit(op);
    emit(imm);
}
/* Emits a jump with a placeholder target; returns where to patch it. */
static uint32_t emit_jump(int32_t op) {
    emit_imm(op, -1);
    return code_len - 1;
}
static void patch(uint32_t at, uint32_t target) { code[at] = (int32_t)target; }

enum { L_I, L_N, L_STEPS, L_LIMIT, L_ACC, L_TOTAL };

static void assemble(void) {
    code_len = 0;
    emit_imm(OP_PUSH, 1);
    emit_imm(OP_STORE, L_I);
    uint32_t loop_i = code_len;
    emit_imm(OP_LOAD, L_I);
    emit_imm(OP_STORE, L_N);
    emit_imm(OP_PUSH, 0);
    emit_imm(OP_STORE, L_STEPS);
    uint32_t loop_n = code_len;
    /* while (n != 1) */
    emit_imm(OP_LOAD, L_N);
    emit_imm(OP_PUSH, 1);
    emit(OP_EQ);
    uint32_t to_done = emit_jump(OP_JNZ);
    /* if (n & 1) n = 3n + 1; else n >>= 1; */
    emit_imm(OP_LOAD, L_N);
    emit(OP_DUP);
    emit_imm(OP_PUSH, 1);
    emit(OP_AND);
    uint32_t to_even = emit_jump(OP_JZ);
    emit_imm(OP_PUSH, 3);
    emit(OP_MUL);
    emit_imm(OP_PUSH, 1);
    emit(OP_ADD);
    uint32_t to_step = emit_jump(OP_JMP);
    patch(to_even, code_len);
    emit_imm(OP_PUSH, 1);
    emit(OP_SHR);
    patch(to_step, code_len);
    emit_imm(OP_STORE, L_N);
    emit_imm(OP_INC, L_STEPS);
    emit_imm(OP_JMP, (int32_t)loop_n);
    patch(to_done, code_len);
    /* acc = (acc ^ steps) * 31 - i; total += steps */
    emit_imm(OP_LOAD, L_ACC);
    emit_imm(OP_LOAD, L_STEPS);
    emit(OP_XOR);
    emit_imm(OP_PUSH, 31);
    emit(OP_MUL);
    emit_imm(OP_LOAD, L_I);
    emit(OP_SUB);
    emit_imm(OP_STORE, L_ACC);
    emit_imm(OP_LOAD, L_TOTAL);
    emit_imm(OP_LOAD, L_STEPS);
    emit(OP_ADD);
    emit_imm(OP_STORE, L_TOTAL);
    /* if (++i < limit) goto loop_i (written the long way round, via SWAP
     * and a redundant DUP/DROP, so that more opcodes are exercised) */
    emit_imm(OP_INC, L_I);
    emit_imm(OP_LOAD, L_LIMIT);
    emit_imm(OP_LOAD, L_I);
    emit(OP_SWAP);
    emit(OP_LT);
    emit(OP_DUP);
    emit(OP_DROP);
    emit_imm(OP_JNZ, (int32_t)loop_i);
    emit_imm(OP_LOAD, L_ACC);
    emit_imm(OP_LOAD, L_TOTAL);
    emit(OP_XOR);
    emit(OP_HALT);
}

/* Runs the program; also counts executed VM instructions into *executed. */
static NOINLINE int64_t interpret(int64_t *locals, uint64_t *executed) {
    int64_t stack[STACK_CAP];
    uint32_t sp = 0, pc = 0;
    uint64_t count = 0;
    for (;;) {
        int32_t op = code[pc++];
        count++;
        switch (op) {
        case OP_HALT:
            *executed = count;
            return sp ? stack[sp - 1] : 0;
        case OP_PUSH:
            stack[sp++] = code[pc++];
            break;
        case OP_LOAD:
            stack[sp++] = locals[code[pc++]];
            break;
        case OP_STORE:
            locals[code[pc++]] = stack[--sp];
            break;
        case OP_INC:
            locals[code[pc++]] += 1;
            break;
        case OP_ADD:
            sp--;
            stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] + (uint64_t)stack[sp]);
            break;
        case OP_SUB:
            sp--;
            stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] - (uint64_t)stack[sp]);
            break;
        case OP_MUL:
            sp--;
            stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] * (uint64_t)stack[sp]);
            break;
        case OP_AND:
            sp--;
            stack[sp - 1] &= stack[sp];
            break;
        case OP_XOR:
            sp--;
            stack[sp - 1] ^= stack[sp];
            break;
        case OP_SHR:
            sp--;
            stack[sp - 1] = (int64_t)((uint64_t)stack[sp - 1] >> (stack[sp] & 63));
            break;
        case OP_EQ:
            sp--;
            stack[sp - 1] = stack[sp - 1] == stack[sp];
            break;
        case OP_LT:
            sp--;
            stack[sp - 1] = stack[sp - 1] < stack[sp];
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case OP_DROP:
            sp--;
            break;
        case OP_SWAP: {
            int64_t t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
        }
        case OP_JMP:
            pc = (uint32_t)code[pc];
            break;
        case OP_JZ:
            pc = stack[--sp] == 0 ? (uint32_t)code[pc] : pc + 1;
            break;
        case OP_JNZ:
            pc = stack[--sp] != 0 ? (uint32_t)code[pc] : pc + 1;
            break;
        default:
            *executed = count;
            return -1;
        }
    }
}

EXPORT("run") uint64_t run(void) {
    assemble();
    int64_t locals[LOCALS] = {0};
    locals[L_LIMIT] = LIMIT;
    uint64_t executed = 0;
    int64_t result = interpret(locals, &executed);
    return mix(mix((uint64_t)result, executed), (uint64_t)locals[L_TOTAL]);
}
