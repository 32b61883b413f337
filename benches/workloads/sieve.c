/*
 * sieve: memory loops over a few MB of linear memory. A byte-per-number sieve
 * of Eratosthenes over 4 Mi numbers (strided stores), a scan for the largest
 * prime gap (sequential byte loads), and a dependent prefix-mixing pass over a
 * 1 Mi-entry u32 array (sequential 32-bit loads and stores).
 */
#include "bench.h"

#ifndef SIEVE_N
#define SIEVE_N (4u << 20)
#endif
#ifndef ARRAY_N
#define ARRAY_N (1u << 20)
#endif
#ifndef REPS
#define REPS 14
#endif

static uint8_t composite[SIEVE_N];
static uint32_t words[ARRAY_N];

static NOINLINE uint64_t sieve(void) {
    for (uint32_t i = 0; i < SIEVE_N; i++)
        composite[i] = 0;
    for (uint32_t i = 2; i * i < SIEVE_N; i++) {
        if (composite[i])
            continue;
        for (uint32_t j = i * i; j < SIEVE_N; j += i)
            composite[j] = 1;
    }
    uint64_t count = 0, sum = 0;
    uint32_t last = 2, max_gap = 0;
    for (uint32_t i = 2; i < SIEVE_N; i++) {
        if (composite[i])
            continue;
        count++;
        sum += i;
        if (i - last > max_gap)
            max_gap = i - last;
        last = i;
    }
    return mix(mix(count, sum), max_gap);
}

static NOINLINE uint64_t prefix_mix(uint32_t seed) {
    for (uint32_t i = 0; i < ARRAY_N; i++)
        words[i] = (i + seed) * 2654435761u;
    for (uint32_t pass = 0; pass < 4; pass++) {
        for (uint32_t i = 1; i < ARRAY_N; i++)
            words[i] += words[i - 1] ^ (words[i] >> 3);
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < ARRAY_N; i += 7)
        sum += words[i];
    return sum;
}

EXPORT("run") uint64_t run(void) {
    uint64_t h = 0;
    for (uint32_t r = 0; r < REPS; r++) {
        h = mix(h, sieve());
        h = mix(h, prefix_mix(r));
    }
    return h;
}
