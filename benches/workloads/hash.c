/*
 * hash: integer bit operations. Over a 2 MiB pseudo-random buffer: FNV-1a
 * (byte loads, xor, 64-bit multiply), an xxHash64-style four-lane stripe hash
 * (unaligned 64-bit loads, rotates, multiplies), a murmur3 finaliser over
 * 32-bit words (shifts, xors), and popcount / leading / trailing zero counts.
 */
#include "bench.h"

#ifndef LEN
#define LEN (2u << 20)
#endif
#ifndef ROUNDS
#define ROUNDS 48
#endif

static uint8_t data[LEN];

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t read64(const uint8_t *p) {
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t read32(const uint8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static NOINLINE uint64_t fnv1a(uint64_t seed) {
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (uint32_t i = 0; i < LEN; i++) {
        h ^= data[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static inline uint64_t xx_round(uint64_t acc, uint64_t input) {
    acc += input * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t xx_merge(uint64_t acc, uint64_t lane) {
    acc ^= xx_round(0, lane);
    return acc * P1 + P4;
}

/* Stripes start at byte offset `skew` (0..7), so most loads are unaligned. */
static NOINLINE uint64_t xxhash_like(uint64_t seed, uint32_t skew) {
    const uint8_t *p = data + skew;
    uint32_t len = LEN - 64;
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (uint32_t i = 0; i + 32 <= len; i += 32) {
        v1 = xx_round(v1, read64(p + i));
        v2 = xx_round(v2, read64(p + i + 8));
        v3 = xx_round(v3, read64(p + i + 16));
        v4 = xx_round(v4, read64(p + i + 24));
    }
    uint64_t h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = xx_merge(h, v1);
    h = xx_merge(h, v2);
    h = xx_merge(h, v3);
    h = xx_merge(h, v4);
    h += len;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}

static NOINLINE uint64_t murmur_words(uint32_t seed) {
    uint32_t h = seed;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < LEN; i += 4) {
        uint32_t k = read32(data + i) * 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        h ^= k * 0x1b873593u;
        h = ((h << 13) | (h >> 19)) * 5 + 0xe6546b64u;
        acc += fmix32(h);
    }
    return acc ^ fmix32(h ^ LEN);
}

static NOINLINE uint64_t bit_counts(void) {
    uint64_t pop = 0, lz = 0, tz = 0;
    for (uint32_t i = 0; i < LEN; i += 8) {
        uint64_t w = read64(data + i);
        pop += (uint64_t)__builtin_popcountll(w);
        uint64_t nz = w | 1;
        lz += (uint64_t)__builtin_clzll(nz);
        tz += (uint64_t)__builtin_ctzll(w | 0x8000000000000000ULL);
    }
    return mix(mix(pop, lz), tz);
}

EXPORT("run") uint64_t run(void) {
    uint64_t state = 0x5eed;
    for (uint32_t i = 0; i < LEN; i += 8) {
        uint64_t r = sm64_next(&state);
        __builtin_memcpy(data + i, &r, sizeof r);
    }
    uint64_t h = 0;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        h = mix(h, fnv1a(round));
        h = mix(h, xxhash_like(round, round & 7));
        h = mix(h, murmur_words(round));
        h = mix(h, bit_counts());
    }
    return h;
}
