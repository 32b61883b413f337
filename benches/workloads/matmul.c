/*
 * matmul: dense f64 matrix multiply. C = A * B for 200x200 matrices in i-k-j
 * order (row-major, unit-stride inner loop), repeated with B replaced by a
 * scaled copy of C each time; the checksum is the bits of C's row sums.
 */
#include "bench.h"

#ifndef DIM
#define DIM 200
#endif
#ifndef REPS
#define REPS 20
#endif

static double a[DIM * DIM], b[DIM * DIM], c[DIM * DIM];

static NOINLINE void multiply(void) {
    for (uint32_t i = 0; i < DIM * DIM; i++)
        c[i] = 0.0;
    for (uint32_t i = 0; i < DIM; i++) {
        for (uint32_t k = 0; k < DIM; k++) {
            double aik = a[i * DIM + k];
            const double *brow = &b[k * DIM];
            double *crow = &c[i * DIM];
            for (uint32_t j = 0; j < DIM; j++)
                crow[j] += aik * brow[j];
        }
    }
}

EXPORT("run") uint64_t run(void) {
    for (uint32_t i = 0; i < DIM; i++) {
        for (uint32_t j = 0; j < DIM; j++) {
            a[i * DIM + j] = (double)((i * 7 + j * 3) % 17) / 8.0 - 1.0;
            b[i * DIM + j] = (double)((i * 5 + j * 11) % 13) / 4.0 - 1.5;
        }
    }
    uint64_t h = 0;
    for (uint32_t r = 0; r < REPS; r++) {
        multiply();
        for (uint32_t i = 0; i < DIM; i++) {
            double row = 0.0;
            for (uint32_t j = 0; j < DIM; j++)
                row += c[i * DIM + j];
            h = mix(h, f64_bits(row));
        }
        /* Feed the product back: B = C scaled down, so every rep differs. */
        for (uint32_t i = 0; i < DIM * DIM; i++)
            b[i] = c[i] * (1.0 / 64.0);
    }
    return h;
}
