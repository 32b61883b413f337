/*
 * calls_indirect: indirect calls through function-pointer tables, the shape
 * of virtual dispatch in C++ or trait objects in Rust. Three parts:
 *
 *  - an expression tree whose nodes each carry a pointer to a "class" (a
 *    table of function pointers: eval, weight); evaluating the tree for many
 *    variable assignments makes one indirect call per node visit;
 *  - a bytecode-free "op table" fold: a pseudo-random program of indices
 *    into a table of sixteen binary functions, applied to a running value;
 *  - an insertion sort and a filter driven by comparator / predicate
 *    callbacks passed as arguments (qsort-style).
 *
 * The classes and programs are chosen from pseudo-random numbers at run
 * time, so the compiler cannot devirtualise the calls: in Wasm every one is
 * a `call_indirect`.
 */
#include "bench.h"

#ifndef TREE_EVALS
#define TREE_EVALS 14000
#endif
#ifndef OP_REPS
#define OP_REPS 1700
#endif
#ifndef SORT_REPS
#define SORT_REPS 120
#endif

/* ---- part 1: an expression tree with per-node class tables --------------- */

struct node;

struct node_class {
    const char *name;
    /* Evaluates the node for the variable values in env[0..7]. */
    uint32_t (*eval)(const struct node *n, const uint32_t *env);
    /* A static cost estimate, summed over the tree once per build. */
    uint32_t (*weight)(const struct node *n);
};

struct node {
    const struct node_class *cls;
    const struct node *left, *right;
    uint32_t value; /* constant, or variable index */
};

#define MAX_NODES 4096
static struct node pool[MAX_NODES];
static uint32_t pool_used;

static uint32_t eval_node(const struct node *n, const uint32_t *env) { return n->cls->eval(n, env); }

static uint32_t const_eval(const struct node *n, const uint32_t *env) {
    (void)env;
    return n->value;
}
static uint32_t var_eval(const struct node *n, const uint32_t *env) { return env[n->value & 7]; }
static uint32_t add_eval(const struct node *n, const uint32_t *env) {
    return eval_node(n->left, env) + eval_node(n->right, env);
}
static uint32_t sub_eval(const struct node *n, const uint32_t *env) {
    return eval_node(n->left, env) - eval_node(n->right, env);
}
static uint32_t mul_eval(const struct node *n, const uint32_t *env) {
    return eval_node(n->left, env) * eval_node(n->right, env);
}
static uint32_t xor_eval(const struct node *n, const uint32_t *env) {
    return eval_node(n->left, env) ^ eval_node(n->right, env);
}
static uint32_t rotl_eval(const struct node *n, const uint32_t *env) {
    uint32_t v = eval_node(n->left, env);
    uint32_t r = eval_node(n->right, env) & 31;
    return r ? (v << r) | (v >> (32 - r)) : v;
}
static uint32_t min_eval(const struct node *n, const uint32_t *env) {
    uint32_t a = eval_node(n->left, env), b = eval_node(n->right, env);
    return a < b ? a : b;
}
static uint32_t select_eval(const struct node *n, const uint32_t *env) {
    /* Evaluates only one side: a data-dependent branch between two calls. */
    return (env[n->value & 7] & 1) ? eval_node(n->left, env) : eval_node(n->right, env);
}
static uint32_t not_eval(const struct node *n, const uint32_t *env) { return ~eval_node(n->left, env); }

static uint32_t leaf_weight(const struct node *n) {
    (void)n;
    return 1;
}
static uint32_t unary_weight(const struct node *n) { return 1 + n->left->cls->weight(n->left); }
static uint32_t binary_weight(const struct node *n) {
    return 2 + n->left->cls->weight(n->left) + n->right->cls->weight(n->right);
}

static const struct node_class CONST = {"const", const_eval, leaf_weight};
static const struct node_class VAR = {"var", var_eval, leaf_weight};
static const struct node_class NOT = {"not", not_eval, unary_weight};
static const struct node_class BINARY[] = {
    {"add", add_eval, binary_weight}, {"sub", sub_eval, binary_weight},
    {"mul", mul_eval, binary_weight}, {"xor", xor_eval, binary_weight},
    {"rotl", rotl_eval, binary_weight}, {"min", min_eval, binary_weight},
    {"select", select_eval, binary_weight},
};
#define BINARY_COUNT (sizeof BINARY / sizeof BINARY[0])

static uint64_t rng;

static uint32_t rnd(uint32_t n) { return (uint32_t)(sm64_next(&rng) >> 33) % n; }

static const struct node *build(uint32_t depth) {
    struct node *n = &pool[pool_used++];
    uint32_t pick = depth == 0 ? rnd(2) : 2 + rnd(BINARY_COUNT + 1);
    n->left = n->right = 0;
    n->value = (uint32_t)(sm64_next(&rng) >> 40);
    if (pick == 0) {
        n->cls = &CONST;
    } else if (pick == 1) {
        n->cls = &VAR;
    } else if (pick == 2) {
        n->cls = &NOT;
        n->left = build(depth - 1);
    } else {
        n->cls = &BINARY[pick - 3];
        n->left = build(depth - 1);
        n->right = build(depth - 1 - rnd(2) * (depth > 1));
    }
    return n;
}

static NOINLINE uint64_t tree_part(void) {
    uint64_t h = 0;
    for (uint32_t t = 0; t < 8; t++) {
        pool_used = 0;
        const struct node *root = build(9);
        h = mix(h, root->cls->weight(root));
        h = mix(h, pool_used);
        uint32_t env[8];
        for (uint32_t i = 0; i < 8; i++)
            env[i] = (uint32_t)sm64_next(&rng);
        for (uint32_t e = 0; e < TREE_EVALS; e++) {
            uint32_t v = eval_node(root, env);
            env[e & 7] ^= v + e;
            h = mix(h, v);
        }
    }
    return h;
}

/* ---- part 2: a table of binary operations --------------------------------- */

typedef uint32_t (*binop)(uint32_t, uint32_t);

static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t op_and_not(uint32_t a, uint32_t b) { return a & ~b; }
static uint32_t op_or(uint32_t a, uint32_t b) { return a | (b >> 7); }
static uint32_t op_shl(uint32_t a, uint32_t b) { return a << (b & 31); }
static uint32_t op_shr(uint32_t a, uint32_t b) { return a >> (b & 31); }
static uint32_t op_rotr(uint32_t a, uint32_t b) {
    uint32_t r = b & 31;
    return r ? (a >> r) | (a << (32 - r)) : a;
}
static uint32_t op_div(uint32_t a, uint32_t b) { return a / (b | 1); }
static uint32_t op_rem(uint32_t a, uint32_t b) { return a % ((b & 0xffff) | 1); }
static uint32_t op_max(uint32_t a, uint32_t b) { return a > b ? a : b; }
static uint32_t op_avg(uint32_t a, uint32_t b) { return (a & b) + ((a ^ b) >> 1); }
static uint32_t op_clz(uint32_t a, uint32_t b) { return a + (uint32_t)__builtin_clz(b | 1); }
static uint32_t op_popcnt(uint32_t a, uint32_t b) { return a - (uint32_t)__builtin_popcount(b); }
static uint32_t op_mix(uint32_t a, uint32_t b) { return (a ^ (b >> 16)) * 0x45d9f3bu; }

static const binop OPS[16] = {
    op_add, op_sub, op_mul, op_xor, op_and_not, op_or, op_shl, op_shr,
    op_rotr, op_div, op_rem, op_max, op_avg, op_clz, op_popcnt, op_mix,
};

#define PROGRAM_LEN 4096
static uint8_t program[PROGRAM_LEN];
static uint32_t operands[PROGRAM_LEN];

static NOINLINE uint64_t op_table_part(void) {
    for (uint32_t i = 0; i < PROGRAM_LEN; i++) {
        program[i] = (uint8_t)rnd(16);
        operands[i] = (uint32_t)sm64_next(&rng);
    }
    uint64_t h = 0;
    uint32_t acc = 0x12345678u;
    for (uint32_t r = 0; r < OP_REPS; r++) {
        for (uint32_t i = 0; i < PROGRAM_LEN; i++)
            acc = OPS[program[i]](acc, operands[i] + r);
        h = mix(h, acc);
    }
    return h;
}

/* ---- part 3: callbacks passed as arguments -------------------------------- */

typedef int32_t (*compare_fn)(const uint32_t *a, const uint32_t *b);
typedef int32_t (*predicate_fn)(uint32_t v, uint32_t arg);

static int32_t by_value(const uint32_t *a, const uint32_t *b) { return (*a > *b) - (*a < *b); }
static int32_t by_low_byte(const uint32_t *a, const uint32_t *b) {
    uint32_t x = *a & 0xff, y = *b & 0xff;
    if (x != y)
        return x < y ? -1 : 1;
    return by_value(a, b);
}
static int32_t by_popcount(const uint32_t *a, const uint32_t *b) {
    int32_t x = __builtin_popcount(*a), y = __builtin_popcount(*b);
    if (x != y)
        return x - y;
    return by_value(b, a);
}
static const compare_fn COMPARATORS[3] = {by_value, by_low_byte, by_popcount};

static int32_t is_multiple(uint32_t v, uint32_t arg) { return v % (arg | 1) == 0; }
static int32_t has_bit(uint32_t v, uint32_t arg) { return (v >> (arg & 31)) & 1; }
static int32_t below(uint32_t v, uint32_t arg) { return v < arg; }
static const predicate_fn PREDICATES[3] = {is_multiple, has_bit, below};

static NOINLINE void sort_with(uint32_t *a, uint32_t n, compare_fn cmp) {
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        uint32_t j = i;
        while (j > 0 && cmp(&a[j - 1], &v) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static NOINLINE uint32_t count_if(const uint32_t *a, uint32_t n, predicate_fn pred, uint32_t arg) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++)
        count += (uint32_t)pred(a[i], arg);
    return count;
}

#define SORT_N 600
static uint32_t items[SORT_N];

static NOINLINE uint64_t callback_part(void) {
    uint64_t h = 0;
    for (uint32_t r = 0; r < SORT_REPS; r++) {
        for (uint32_t i = 0; i < SORT_N; i++)
            items[i] = (uint32_t)sm64_next(&rng);
        sort_with(items, SORT_N, COMPARATORS[r % 3]);
        for (uint32_t i = 0; i < SORT_N; i += 37)
            h = mix(h, items[i]);
        for (uint32_t p = 0; p < 3; p++)
            h = mix(h, count_if(items, SORT_N, PREDICATES[p], items[r % SORT_N]));
    }
    return h;
}

EXPORT("run") uint64_t run(void) {
    rng = 0xCA11AB1Eu;
    uint64_t h = 0;
    h = mix(h, tree_part());
    h = mix(h, op_table_part());
    h = mix(h, callback_part());
    return h;
}
