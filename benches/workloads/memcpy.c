/*
 * memcpy: memory copies and fills of many sizes. Three parts:
 *
 *  - a gap-buffer text editor: a 1 MiB document with a movable gap takes a
 *    pseudo-random script of cursor moves (memmove across the gap),
 *    insertions (memcpy of snippets), deletions and overwrites;
 *  - block shuffles: copies of blocks from 1 byte to 64 KiB between and
 *    within two 2 MiB arenas (memcpy and overlapping memmove), and memset
 *    fills of random spans;
 *  - byte-wise copy loops that transform as they copy (a xor-keyed copy, a
 *    reversing copy and a stride-gather), which stay loops of loads/stores.
 *
 * With bulk memory, clang lowers memcpy/memmove/memset to `memory.copy` and
 * `memory.fill`; the C library's versions do the work natively.
 */
#include "bench.h"

#ifndef EDIT_OPS
#define EDIT_OPS 800000
#endif
#ifndef SHUFFLE_OPS
#define SHUFFLE_OPS 300000
#endif
#ifndef LOOP_REPS
#define LOOP_REPS 18
#endif

static uint64_t rng;

static uint32_t rnd(uint32_t n) { return (uint32_t)(sm64_next(&rng) >> 33) % n; }

/* A 64-bit hash of a byte range, eight bytes at a time. */
static NOINLINE uint64_t hash_bytes(const uint8_t *p, uint32_t len) {
    uint64_t h = 0x84222325cbf29ce4ULL ^ len;
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- part 1: a gap buffer -------------------------------------------------- */

#define DOC_CAP (1u << 20)

/* Text lives in doc[0..gap_start) and doc[gap_end..DOC_CAP). */
static uint8_t doc[DOC_CAP];
static uint32_t gap_start, gap_end;

static uint32_t doc_len(void) { return DOC_CAP - (gap_end - gap_start); }

/* Moves the gap so that it starts at text position pos. */
static void move_gap(uint32_t pos) {
    if (pos < gap_start) {
        uint32_t n = gap_start - pos;
        __builtin_memmove(doc + gap_end - n, doc + pos, n);
        gap_start -= n;
        gap_end -= n;
    } else if (pos > gap_start) {
        uint32_t n = pos - gap_start;
        __builtin_memmove(doc + gap_start, doc + gap_end, n);
        gap_start += n;
        gap_end += n;
    }
}

static void insert_at(uint32_t pos, const uint8_t *src, uint32_t n) {
    if (gap_end - gap_start < n)
        return;
    move_gap(pos);
    __builtin_memcpy(doc + gap_start, src, n);
    gap_start += n;
}

static void delete_at(uint32_t pos, uint32_t n) {
    uint32_t len = doc_len();
    if (pos >= len)
        return;
    if (n > len - pos)
        n = len - pos;
    move_gap(pos);
    gap_end += n;
}

/* Overwrites n bytes at pos with one byte value (a run of spaces, say). */
static void fill_at(uint32_t pos, uint8_t value, uint32_t n) {
    uint32_t len = doc_len();
    if (pos >= len)
        return;
    if (n > len - pos)
        n = len - pos;
    move_gap(pos);
    __builtin_memset(doc + gap_end, value, n);
}

static const char *const SNIPPETS[] = {
    "the ", "quick brown fox ", "jumps over the lazy dog. ", "\n",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, ",
    "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ",
    "int main(void) { return 0; }\n", "    ", "/* comment */ ",
    "0123456789abcdef",
};
#define SNIPPET_COUNT (sizeof SNIPPETS / sizeof SNIPPETS[0])
static uint8_t snippet_buf[SNIPPET_COUNT][96];
static uint32_t snippet_len[SNIPPET_COUNT];

static NOINLINE uint64_t editor_part(void) {
    for (uint32_t s = 0; s < SNIPPET_COUNT; s++) {
        uint32_t n = 0;
        while (SNIPPETS[s][n])
            n++;
        __builtin_memcpy(snippet_buf[s], SNIPPETS[s], n);
        snippet_len[s] = n;
    }
    gap_start = 0;
    gap_end = DOC_CAP;
    /* Start with 512 KiB of text so that gap moves copy real amounts. */
    while (doc_len() < DOC_CAP / 2) {
        uint32_t s = rnd(SNIPPET_COUNT);
        insert_at(gap_start, snippet_buf[s], snippet_len[s]);
    }
    uint64_t h = 0;
    uint32_t cursor = 0;
    for (uint32_t op = 0; op < EDIT_OPS; op++) {
        uint32_t len = doc_len();
        uint32_t kind = rnd(16);
        /* Mostly local edits near the cursor, sometimes a long jump. */
        if (kind == 0)
            cursor = rnd(len + 1);
        else
            cursor = (cursor + rnd(4096)) % (len + 1);
        if (kind < 8) {
            uint32_t s = rnd(SNIPPET_COUNT);
            insert_at(cursor, snippet_buf[s], snippet_len[s]);
        } else if (kind < 13) {
            delete_at(cursor, 1 + rnd(80));
        } else {
            /* Two draws in sequence: argument evaluation order is unspecified. */
            uint8_t value = (uint8_t)(' ' + rnd(3));
            fill_at(cursor, value, 1 + rnd(200));
        }
        if ((op & 4095) == 0)
            h = mix(h, hash_bytes(doc, gap_start) ^ doc_len());
    }
    move_gap(doc_len());
    return mix(h, hash_bytes(doc, doc_len()));
}

/* ---- part 2: block shuffles ------------------------------------------------ */

#define ARENA (2u << 20)
static uint8_t arena_a[ARENA], arena_b[ARENA];

/* Sizes from 1 byte to 64 KiB, skewed towards small ones as in real programs. */
static uint32_t block_size(void) {
    uint32_t bits = rnd(17);
    return 1 + rnd(1u << bits);
}

static NOINLINE uint64_t shuffle_part(void) {
    for (uint32_t i = 0; i < ARENA; i += 8) {
        uint64_t v = sm64_next(&rng);
        __builtin_memcpy(arena_a + i, &v, 8);
    }
    __builtin_memset(arena_b, 0x5a, ARENA);
    uint64_t h = 0;
    for (uint32_t op = 0; op < SHUFFLE_OPS; op++) {
        uint32_t n = block_size();
        uint32_t src = rnd(ARENA - n + 1), dst = rnd(ARENA - n + 1);
        switch (rnd(5)) {
        case 0:
            __builtin_memcpy(arena_b + dst, arena_a + src, n);
            break;
        case 1:
            __builtin_memcpy(arena_a + dst, arena_b + src, n);
            break;
        case 2: /* overlapping, either direction */
            __builtin_memmove(arena_a + dst, arena_a + src, n);
            break;
        case 3:
            __builtin_memmove(arena_b + dst, arena_b + src, n);
            break;
        default:
            __builtin_memset(arena_a + dst, (int)(op & 0xff), n);
            break;
        }
        /* Touch the copied bytes so the copies cannot be skipped. */
        h = mix(h, arena_a[dst] + ((uint64_t)arena_b[dst + n - 1] << 8));
    }
    h = mix(h, hash_bytes(arena_a, ARENA));
    return mix(h, hash_bytes(arena_b, ARENA));
}

/* ---- part 3: transforming byte loops --------------------------------------- */

static NOINLINE void xor_copy(uint8_t *dst, const uint8_t *src, uint32_t n, const uint8_t *key) {
    for (uint32_t i = 0; i < n; i++)
        dst[i] = src[i] ^ key[i & 15];
}

static NOINLINE void reverse_copy(uint8_t *dst, const uint8_t *src, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        dst[i] = src[n - 1 - i];
}

/* Gathers every stride-th byte (stride odd, so it visits the whole range). */
static NOINLINE void gather(uint8_t *dst, const uint8_t *src, uint32_t n, uint32_t stride) {
    uint32_t j = 0;
    for (uint32_t i = 0; i < n; i++) {
        dst[i] = src[j];
        j += stride;
        if (j >= n)
            j -= n;
    }
}

static NOINLINE uint64_t loop_part(void) {
    uint8_t key[16];
    uint64_t h = 0;
    for (uint32_t r = 0; r < LOOP_REPS; r++) {
        for (uint32_t i = 0; i < 16; i++)
            key[i] = (uint8_t)(sm64_next(&rng) >> 56);
        xor_copy(arena_b, arena_a, ARENA, key);
        reverse_copy(arena_a, arena_b, ARENA);
        gather(arena_b, arena_a, ARENA, 2 * rnd(1000) + 1);
        h = mix(h, hash_bytes(arena_b, ARENA));
    }
    return h;
}

EXPORT("run") uint64_t run(void) {
    rng = 0x3E3C0B1Eu;
    uint64_t h = 0;
    h = mix(h, editor_part());
    h = mix(h, shuffle_part());
    h = mix(h, loop_part());
    return h;
}
