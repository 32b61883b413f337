/*
 * malloc: an allocator-heavy program. The Wasm build links wasi-libc's
 * malloc/free/realloc (dlmalloc over memory.grow; build.sh: link wasi-libc),
 * the native build uses glibc's. Three parts:
 *
 *  - binary trees: build, walk and free complete trees of small nodes, many
 *    short-lived ones (1.5 M nodes in all) while one long-lived tree stays up;
 *  - a string-keyed hash map with separate chaining: keys and entries are
 *    individually allocated, the bucket array grows by realloc and rehash,
 *    and a pseudo-random mix of inserts, lookups and deletes runs over it;
 *  - a fragmentation churn: 4096 slots get blocks of 1 byte to 16 KiB that
 *    are freed, reallocated (grown and shrunk) and reallocated in random
 *    order, each filled with a pattern that is checked before it is freed.
 *
 * The checksum depends only on contents and counts, never on addresses, and
 * everything is freed before run() returns.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifndef TREE_DEPTH
#define TREE_DEPTH 14
#endif
#ifndef MAP_OPS
#define MAP_OPS 360000
#endif
#ifndef CHURN_OPS
#define CHURN_OPS 500000
#endif

static uint64_t rng;
static uint64_t failures; /* allocations that returned NULL */

static uint32_t rnd(uint32_t n) { return (uint32_t)(sm64_next(&rng) >> 33) % n; }

/* ---- part 1: binary trees ---------------------------------------------------- */

struct tree {
    struct tree *left, *right;
    uint32_t value;
};

static struct tree *tree_new(uint32_t depth, uint32_t value) {
    struct tree *t = malloc(sizeof *t);
    if (!t) {
        failures++;
        return 0;
    }
    t->value = value;
    if (depth == 0) {
        t->left = t->right = 0;
    } else {
        t->left = tree_new(depth - 1, 2 * value);
        t->right = tree_new(depth - 1, 2 * value + 1);
    }
    return t;
}

static uint64_t tree_check(const struct tree *t) {
    if (!t)
        return 0;
    return 1 + (t->value & 3) + tree_check(t->left) + tree_check(t->right);
}

static void tree_free(struct tree *t) {
    if (!t)
        return;
    tree_free(t->left);
    tree_free(t->right);
    free(t);
}

static NOINLINE uint64_t trees_part(void) {
    uint64_t h = 0;
    struct tree *long_lived = tree_new(TREE_DEPTH, 1);
    for (uint32_t depth = 4; depth <= TREE_DEPTH; depth += 2) {
        uint32_t iterations = 1u << (TREE_DEPTH - depth + 3);
        uint64_t check = 0;
        for (uint32_t i = 0; i < iterations; i++) {
            struct tree *t = tree_new(depth, i);
            check += tree_check(t);
            tree_free(t);
        }
        h = mix(h, check);
    }
    h = mix(h, tree_check(long_lived));
    tree_free(long_lived);
    return h;
}

/* ---- part 2: a chained hash map with string keys ----------------------------- */

struct entry {
    struct entry *next;
    char *key;
    uint32_t key_len;
    uint32_t hash;
    uint64_t value;
};

struct map {
    struct entry **buckets;
    uint32_t bucket_count; /* a power of two */
    uint32_t len;
};

static uint32_t hash_key(const char *key, uint32_t len) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)key[i]) * 16777619u;
    return h;
}

static int map_init(struct map *m) {
    m->bucket_count = 16;
    m->len = 0;
    m->buckets = calloc(m->bucket_count, sizeof *m->buckets);
    if (!m->buckets) {
        failures++;
        return 0;
    }
    return 1;
}

/* Doubles the bucket array with realloc, then splits every chain in two. */
static void map_grow(struct map *m) {
    uint32_t old = m->bucket_count;
    struct entry **grown = realloc(m->buckets, 2 * old * sizeof *grown);
    if (!grown) {
        failures++;
        return;
    }
    memset(grown + old, 0, old * sizeof *grown);
    for (uint32_t b = 0; b < old; b++) {
        struct entry **link = &grown[b];
        while (*link) {
            struct entry *e = *link;
            if (e->hash & old) {
                *link = e->next;
                e->next = grown[b + old];
                grown[b + old] = e;
            } else {
                link = &e->next;
            }
        }
    }
    m->buckets = grown;
    m->bucket_count = 2 * old;
}

static struct entry **map_find(struct map *m, const char *key, uint32_t len, uint32_t hash) {
    struct entry **link = &m->buckets[hash & (m->bucket_count - 1)];
    while (*link) {
        struct entry *e = *link;
        if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0)
            return link;
        link = &e->next;
    }
    return link;
}

/* Inserts or updates; returns 1 when the key was new. */
static int map_put(struct map *m, const char *key, uint32_t len, uint64_t value) {
    uint32_t hash = hash_key(key, len);
    struct entry **link = map_find(m, key, len, hash);
    if (*link) {
        (*link)->value = value;
        return 0;
    }
    struct entry *e = malloc(sizeof *e);
    char *copy = malloc(len + 1);
    if (!e || !copy) {
        free(e);
        free(copy);
        failures++;
        return 0;
    }
    memcpy(copy, key, len);
    copy[len] = 0;
    e->key = copy;
    e->key_len = len;
    e->hash = hash;
    e->value = value;
    e->next = 0;
    *link = e;
    m->len++;
    if (m->len > m->bucket_count * 3 / 4)
        map_grow(m);
    return 1;
}

static int map_remove(struct map *m, const char *key, uint32_t len, uint64_t *value) {
    struct entry **link = map_find(m, key, len, hash_key(key, len));
    struct entry *e = *link;
    if (!e)
        return 0;
    *value = e->value;
    *link = e->next;
    free(e->key);
    free(e);
    m->len--;
    return 1;
}

static void map_free(struct map *m) {
    for (uint32_t b = 0; b < m->bucket_count; b++) {
        struct entry *e = m->buckets[b];
        while (e) {
            struct entry *next = e->next;
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = 0;
}

/* Keys like "user:48213/session/7": a number from a skewed range, padded to a
 * pseudo-random length so that key sizes vary from 6 to ~70 bytes. */
static uint32_t make_key(char *out, uint32_t id) {
    static const char *const PREFIX[4] = {"user:", "item/", "cache.", "k"};
    uint32_t n = 0;
    const char *p = PREFIX[id & 3];
    while (*p)
        out[n++] = *p++;
    char digits[12];
    uint32_t d = 0, v = id;
    do {
        digits[d++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (d)
        out[n++] = digits[--d];
    uint32_t pad = (id * 2654435761u) >> 26; /* 0..63 */
    for (uint32_t i = 0; i < pad; i++)
        out[n++] = (char)('a' + (id + i) % 26);
    return n;
}

static NOINLINE uint64_t map_part(void) {
    struct map m;
    if (!map_init(&m))
        return 0;
    char key[96];
    uint64_t h = 0, hits = 0, removed = 0;
    for (uint32_t op = 0; op < MAP_OPS; op++) {
        /* A key space that grows with time, so the map keeps growing too. */
        uint32_t id = rnd(1024 + op / 4);
        uint32_t len = make_key(key, id);
        uint32_t kind = rnd(10);
        if (kind < 5) {
            map_put(&m, key, len, (uint64_t)op * 31 + id);
        } else if (kind < 8) {
            struct entry **link = map_find(&m, key, len, hash_key(key, len));
            if (*link) {
                hits++;
                h = mix(h, (*link)->value);
            }
        } else {
            uint64_t value;
            if (map_remove(&m, key, len, &value)) {
                removed++;
                h += value;
            }
        }
    }
    h = mix(mix(h, hits), removed);
    h = mix(mix(h, m.len), m.bucket_count);
    /* Visit what is left, in bucket order (deterministic: the hash is ours). */
    for (uint32_t b = 0; b < m.bucket_count; b++)
        for (const struct entry *e = m.buckets[b]; e; e = e->next)
            h += e->value ^ e->key_len;
    map_free(&m);
    return h;
}

/* ---- part 3: fragmentation churn --------------------------------------------- */

#define SLOTS 4096

struct block {
    uint8_t *data;
    uint32_t size;
    uint32_t seed;
};

static struct block slots[SLOTS];

static void fill(uint8_t *p, uint32_t size, uint32_t seed) {
    for (uint32_t i = 0; i < size; i += 61)
        p[i] = (uint8_t)(seed + i);
    if (size)
        p[size - 1] = (uint8_t)(seed ^ 0xa5);
}

/* Checks the pattern fill() wrote (the first `size` bytes of it). */
static uint64_t verify(const uint8_t *p, uint32_t size, uint32_t written, uint32_t seed) {
    uint64_t bad = 0;
    uint32_t limit = size < written ? size : written;
    for (uint32_t i = 0; i < limit; i += 61)
        bad += p[i] != (uint8_t)(seed + i) && !(i == written - 1);
    return bad;
}

/* Sizes mostly small, sometimes page-sized, rarely 16 KiB. */
static uint32_t churn_size(void) {
    uint32_t r = rnd(100);
    if (r < 70)
        return 1 + rnd(128);
    if (r < 95)
        return 129 + rnd(2048);
    return 2177 + rnd(14208);
}

static NOINLINE uint64_t churn_part(void) {
    uint64_t h = 0, bad = 0, live_bytes = 0;
    for (uint32_t s = 0; s < SLOTS; s++)
        slots[s].data = 0;
    for (uint32_t op = 0; op < CHURN_OPS; op++) {
        struct block *b = &slots[rnd(SLOTS)];
        uint32_t kind = rnd(4);
        if (!b->data) {
            uint32_t size = churn_size();
            b->data = malloc(size);
            if (!b->data) {
                failures++;
                continue;
            }
            b->size = size;
            b->seed = op;
            fill(b->data, size, op);
            live_bytes += size;
        } else if (kind == 0) {
            /* Grow or shrink in place or by moving; the prefix must survive. */
            uint32_t size = churn_size();
            uint8_t *moved = realloc(b->data, size);
            if (!moved) {
                failures++;
                continue;
            }
            bad += verify(moved, size, b->size, b->seed);
            live_bytes = live_bytes - b->size + size;
            b->data = moved;
            b->size = size;
            b->seed = op;
            fill(moved, size, op);
        } else {
            bad += verify(b->data, b->size, b->size, b->seed);
            h = mix(h, b->data[b->size - 1]);
            live_bytes -= b->size;
            free(b->data);
            b->data = 0;
        }
    }
    for (uint32_t s = 0; s < SLOTS; s++) {
        if (slots[s].data) {
            bad += verify(slots[s].data, slots[s].size, slots[s].size, slots[s].seed);
            free(slots[s].data);
            slots[s].data = 0;
        }
    }
    return mix(mix(h, bad), live_bytes);
}

EXPORT("run") uint64_t run(void) {
    rng = 0xA110CA7Eu;
    failures = 0;
    uint64_t h = 0;
    h = mix(h, trees_part());
    h = mix(h, map_part());
    h = mix(h, churn_part());
    return mix(h, failures);
}
