/*
 * fib: recursive calls. Naive doubly recursive Fibonacci plus Takeuchi's tak
 * function; almost all the time goes into call/return and the frame setup of
 * tiny functions.
 */
#include "bench.h"

#ifndef FIB_N
#define FIB_N 36
#endif
#ifndef TAK_REPS
#define TAK_REPS 700
#endif

/* Read through a volatile so the compiler cannot specialise on the argument. */
static volatile uint32_t fib_n = FIB_N;

static NOINLINE uint32_t fib(uint32_t n) {
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

static NOINLINE int32_t tak(int32_t x, int32_t y, int32_t z) {
    if (y >= x)
        return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

EXPORT("run") uint64_t run(void) {
    uint64_t h = 0;
    h = mix(h, fib(fib_n));
    for (int32_t i = 0; i < TAK_REPS; i++)
        h = mix(h, (uint32_t)tak(18 + (i & 1), 12, 6));
    return h;
}
