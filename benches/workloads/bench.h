/*
 * Shared helpers for the wisp benchmark workloads.
 *
 * Every workload is one freestanding C file that exports `uint64_t run(void)`
 * (a Wasm `() -> i64`) returning a checksum of all the work it did. The same
 * file is compiled twice by build.sh: to wasm32 with clang (the module the
 * engines run) and natively with gcc (the reference checksum in expected.txt).
 * So the code must not depend on pointer or `long` width, must reset all of its
 * state at the start of every run() (the harness calls run() several times on
 * one instance), and must only use floating-point operations that are exactly
 * rounded on both targets (+ - * / and sqrt, no contraction into FMA).
 */
#ifndef WISP_BENCH_H
#define WISP_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(name)))
#else
#define EXPORT(name)
#endif

#define NOINLINE __attribute__((noinline))

/* splitmix64: a small, well-mixed pseudo-random generator. */
static inline uint64_t sm64_next(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Folds one value into a running checksum (order-sensitive). */
static inline uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0x100000001b3ULL;
}

/* The bit pattern of a double, without type punning through pointers. */
static inline uint64_t f64_bits(double d) {
    uint64_t b;
    __builtin_memcpy(&b, &d, sizeof b);
    return b;
}

#endif
