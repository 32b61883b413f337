/*
 * compress: a larger program -- two lossless compressors and their
 * decompressors, run over generated text and data.
 *
 *  1. A DEFLATE (RFC 1951) encoder: LZ77 over a 32 KiB window with hash
 *     chains and lazy matching at three effort levels, blocks of literal /
 *     length / distance symbols coded with length-limited canonical Huffman
 *     codes, and per block the cheapest of a stored, a fixed-code and a
 *     dynamic-code block (code lengths sent with the 16/17/18 run-length
 *     code). Wrapped in a zlib header with an Adler-32 trailer.
 *  2. An inflater for that format: table-driven Huffman decoding with a
 *     canonical slow path, all three block types, and a typed error for every
 *     malformed input (it is also fed deliberately corrupted streams).
 *     The same DEFLATE data also goes into gzip members (RFC 1952), with
 *     every optional header field and the header CRC.
 *  3. A block-sorting codec in the style of bzip2: Burrows-Wheeler transform
 *     by prefix doubling over rotations, move-to-front, a bijective base-2
 *     run-length code for zero runs, and one Huffman table per block; and its
 *     inverse (LF mapping).
 *
 * The inputs are synthetic but shaped like real files: English-like prose,
 * C-like source code, CSV records, server log lines, a table of slowly
 * changing binary integers, and a stretch of incompressible noise. Every
 * stream is decompressed again and compared byte for byte with its input;
 * the checksum covers the compressed bytes (CRC-32), their sizes, the
 * round-trip results and the decoder's verdicts on the corrupted streams.
 *
 * The program is freestanding (no C library): all buffers are static and
 * every run() starts from scratch.
 */
#include "bench.h"

#ifndef CORPUS_SCALE
#define CORPUS_SCALE 4 /* multiples of the base corpus sizes below */
#endif
#ifndef CORRUPT_TRIALS
#define CORRUPT_TRIALS 24
#endif

/* ==========================================================================
 * Part 0: small utilities
 * ========================================================================== */

static uint64_t rng_state;

static uint32_t rnd32(void) { return (uint32_t)(sm64_next(&rng_state) >> 32); }

/* A uniform-enough number in [0, n). n must be non-zero. */
static uint32_t rnd(uint32_t n) { return rnd32() % n; }

static void copy_bytes(uint8_t *dst, const uint8_t *src, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static void zero_bytes(void *p, uint32_t n) {
    uint8_t *b = p;
    for (uint32_t i = 0; i < n; i++)
        b[i] = 0;
}

static int equal_bytes(const uint8_t *a, const uint8_t *b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static uint32_t str_len(const char *s) {
    uint32_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* CRC-32 (IEEE 802.3, reflected, as in zlib and PNG). */
static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, uint32_t n) {
    crc = ~crc;
    for (uint32_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* Adler-32 (RFC 1950), with the usual deferred modulo. */
static uint32_t adler32(const uint8_t *p, uint32_t n) {
    uint32_t a = 1, b = 0;
    while (n > 0) {
        uint32_t chunk = n < 5552 ? n : 5552;
        n -= chunk;
        while (chunk--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return (b << 16) | a;
}

/* ==========================================================================
 * Part 1: the corpus generator
 * ========================================================================== */

#define CORPUS_CAP (1u << 20)

/* The generated inputs, one after another in `corpus`. */
static uint8_t corpus[CORPUS_CAP];
static uint32_t corpus_len;

struct input {
    const char *name;
    uint32_t start, len;
};

#define MAX_INPUTS 8
static struct input inputs[MAX_INPUTS];
static uint32_t input_count;

static void put_byte(uint8_t b) {
    if (corpus_len < CORPUS_CAP)
        corpus[corpus_len++] = b;
}

static void put_str(const char *s) {
    while (*s)
        put_byte((uint8_t)*s++);
}

static void put_uint(uint32_t v) {
    char digits[12];
    uint32_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put_byte((uint8_t)digits[--n]);
}

/* v with exactly `width` digits, zero padded. */
static void put_uint_padded(uint32_t v, uint32_t width) {
    char digits[12];
    for (uint32_t i = 0; i < width && i < 12; i++) {
        digits[width - 1 - i] = (char)('0' + v % 10);
        v /= 10;
    }
    for (uint32_t i = 0; i < width && i < 12; i++)
        put_byte((uint8_t)digits[i]);
}

static const char *const NOUNS[] = {
    "time", "year", "people", "way", "day", "man", "thing", "woman", "life", "child",
    "world", "school", "state", "family", "student", "group", "country", "problem",
    "hand", "part", "place", "case", "week", "company", "system", "program", "question",
    "work", "government", "number", "night", "point", "home", "water", "room", "mother",
    "area", "money", "story", "fact", "month", "lot", "right", "study", "book", "eye",
    "job", "word", "business", "issue", "side", "kind", "head", "house", "service",
    "friend", "father", "power", "hour", "game", "line", "end", "member", "law", "car",
    "city", "community", "name", "president", "team", "minute", "idea", "kid", "body",
    "information", "back", "parent", "face", "others", "level", "office", "door",
    "health", "person", "art", "war", "history", "party", "result", "change", "morning",
    "reason", "research", "girl", "guy", "moment", "air", "teacher", "force", "education",
};
static const char *const VERBS[] = {
    "is", "has", "does", "says", "gets", "makes", "goes", "knows", "takes", "sees",
    "comes", "thinks", "looks", "wants", "gives", "uses", "finds", "tells", "asks",
    "works", "seems", "feels", "tries", "leaves", "calls", "keeps", "provides", "holds",
    "turns", "follows", "begins", "brings", "shows", "hears", "plays", "runs", "moves",
    "likes", "lives", "believes", "allows", "writes", "includes", "continues", "changes",
    "leads", "understands", "watches", "stands", "loses", "pays", "meets", "learns",
};
static const char *const ADJECTIVES[] = {
    "other", "new", "good", "high", "old", "great", "big", "small", "large", "national",
    "young", "different", "black", "long", "little", "important", "political", "bad",
    "white", "real", "best", "right", "social", "only", "public", "sure", "low", "early",
    "able", "human", "local", "late", "hard", "major", "better", "economic", "strong",
    "possible", "whole", "free", "military", "true", "federal", "international", "full",
    "special", "easy", "clear", "recent", "certain", "personal", "open", "red", "difficult",
};
static const char *const SMALL_WORDS[] = {
    "the", "a", "of", "and", "to", "in", "that", "it", "with", "as", "for", "on", "at",
    "by", "from", "but", "or", "not", "this", "which", "their", "about", "into", "than",
};

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static const char *pick(const char *const *words, uint32_t count) {
    /* Zipf-like: small indices are much more frequent, as in real text. */
    uint32_t r = rnd(count);
    uint32_t s = rnd(count);
    return words[r < s ? r : s];
}

static void put_word_capitalised(const char *w, int capital) {
    if (capital && *w >= 'a' && *w <= 'z') {
        put_byte((uint8_t)(*w - 'a' + 'A'));
        w++;
    }
    put_str(w);
}

static void gen_sentence(void) {
    uint32_t clauses = 1 + rnd(3);
    int first = 1;
    for (uint32_t c = 0; c < clauses; c++) {
        if (c > 0)
            put_str(rnd(2) ? ", and " : ", but ");
        put_word_capitalised(pick(SMALL_WORDS, 3), first);
        first = 0;
        put_byte(' ');
        if (rnd(2)) {
            put_str(pick(ADJECTIVES, COUNT(ADJECTIVES)));
            put_byte(' ');
        }
        put_str(pick(NOUNS, COUNT(NOUNS)));
        put_byte(' ');
        put_str(pick(VERBS, COUNT(VERBS)));
        uint32_t extra = rnd(4);
        for (uint32_t i = 0; i < extra; i++) {
            put_byte(' ');
            put_str(pick(SMALL_WORDS, COUNT(SMALL_WORDS)));
            put_byte(' ');
            if (rnd(3) == 0) {
                put_str(pick(ADJECTIVES, COUNT(ADJECTIVES)));
                put_byte(' ');
            }
            put_str(pick(NOUNS, COUNT(NOUNS)));
        }
    }
    put_str(rnd(8) == 0 ? "? " : ". ");
}

static void gen_prose(uint32_t bytes) {
    uint32_t end = corpus_len + bytes;
    while (corpus_len < end && corpus_len < CORPUS_CAP - 512) {
        uint32_t sentences = 2 + rnd(6);
        for (uint32_t s = 0; s < sentences; s++)
            gen_sentence();
        put_str("\n\n");
    }
}

static const char *const C_TYPES[] = {"int", "unsigned", "size_t", "char *", "double",
                                       "struct node *", "uint32_t", "bool"};
static const char *const C_NAMES[] = {
    "count", "index", "buffer", "length", "result", "node", "next", "value", "key",
    "table", "offset", "state", "flags", "data", "size", "limit", "cursor", "entry",
};

static void put_ident(void) {
    put_str(pick(C_NAMES, COUNT(C_NAMES)));
    if (rnd(3) == 0) {
        put_byte('_');
        put_str(pick(C_NAMES, COUNT(C_NAMES)));
    }
}

static void put_indent(uint32_t depth) {
    for (uint32_t i = 0; i < depth; i++)
        put_str("    ");
}

static void gen_statement(uint32_t depth) {
    put_indent(depth);
    switch (rnd(6)) {
    case 0:
        put_str(pick(C_TYPES, COUNT(C_TYPES)));
        put_byte(' ');
        put_ident();
        put_str(" = ");
        put_uint(rnd(1000));
        put_str(";\n");
        break;
    case 1:
        put_ident();
        put_str(" += ");
        put_ident();
        put_str(rnd(2) ? " * 2;\n" : ";\n");
        break;
    case 2:
        put_str("if (");
        put_ident();
        put_str(rnd(2) ? " == NULL) {\n" : " < limit) {\n");
        if (depth < 4)
            gen_statement(depth + 1);
        put_indent(depth);
        put_str("}\n");
        break;
    case 3:
        put_str("for (size_t i = 0; i < ");
        put_ident();
        put_str("; i++) {\n");
        if (depth < 4) {
            gen_statement(depth + 1);
            gen_statement(depth + 1);
        }
        put_indent(depth);
        put_str("}\n");
        break;
    case 4:
        put_str("return ");
        put_ident();
        put_str(";\n");
        break;
    default:
        put_ident();
        put_str("(");
        put_ident();
        put_str(", ");
        put_uint(rnd(64));
        put_str(");\n");
        break;
    }
}

static void gen_source(uint32_t bytes) {
    uint32_t end = corpus_len + bytes;
    while (corpus_len < end && corpus_len < CORPUS_CAP - 4096) {
        put_str("/* ");
        gen_sentence();
        put_str("*/\nstatic ");
        put_str(pick(C_TYPES, COUNT(C_TYPES)));
        put_byte(' ');
        put_ident();
        put_str("(const ");
        put_str(pick(C_TYPES, COUNT(C_TYPES)));
        put_byte(' ');
        put_ident();
        put_str(") {\n");
        uint32_t statements = 2 + rnd(8);
        for (uint32_t s = 0; s < statements; s++)
            gen_statement(1);
        put_str("}\n\n");
    }
}

static const char *const CITIES[] = {"Lisbon", "Oslo", "Nairobi", "Lima", "Osaka",
                                     "Quebec", "Tbilisi", "Hanoi", "Perth", "Accra"};
static const char *const PRODUCTS[] = {"widget", "gadget", "sprocket", "flange",
                                       "bracket", "gasket", "spindle", "washer"};

static void gen_csv(uint32_t bytes) {
    uint32_t end = corpus_len + bytes;
    put_str("id,date,city,product,quantity,unit_price,total\n");
    uint32_t id = 1000, day = 0;
    while (corpus_len < end && corpus_len < CORPUS_CAP - 256) {
        uint32_t qty = 1 + rnd(40), cents = 99 + rnd(9900);
        put_uint(id++);
        put_byte(',');
        day += rnd(3);
        put_str("2024-");
        put_uint_padded(1 + (day / 28) % 12, 2);
        put_byte('-');
        put_uint_padded(1 + day % 28, 2);
        put_byte(',');
        put_str(pick(CITIES, COUNT(CITIES)));
        put_byte(',');
        put_str(pick(PRODUCTS, COUNT(PRODUCTS)));
        put_byte(',');
        put_uint(qty);
        put_byte(',');
        put_uint(cents / 100);
        put_byte('.');
        put_uint_padded(cents % 100, 2);
        put_byte(',');
        put_uint(qty * cents / 100);
        put_byte('.');
        put_uint_padded(qty * cents % 100, 2);
        put_byte('\n');
    }
}

static const char *const LEVELS[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
static const char *const PATHS[] = {"/", "/index.html", "/api/v1/users", "/api/v1/orders",
                                    "/static/app.js", "/static/style.css", "/login",
                                    "/healthz", "/api/v1/items/search"};

static void gen_log(uint32_t bytes) {
    uint32_t end = corpus_len + bytes;
    uint32_t seconds = 36000;
    while (corpus_len < end && corpus_len < CORPUS_CAP - 256) {
        seconds += rnd(4);
        put_str("2024-03-17T");
        put_uint_padded(seconds / 3600 % 24, 2);
        put_byte(':');
        put_uint_padded(seconds / 60 % 60, 2);
        put_byte(':');
        put_uint_padded(seconds % 60, 2);
        put_byte('.');
        put_uint_padded(rnd(1000), 3);
        put_str("Z ");
        put_str(pick(LEVELS, COUNT(LEVELS)));
        put_str(" [worker-");
        put_uint(rnd(8));
        put_str("] 10.");
        put_uint(rnd(4));
        put_byte('.');
        put_uint(rnd(256));
        put_byte('.');
        put_uint(1 + rnd(254));
        put_str(" \"GET ");
        put_str(pick(PATHS, COUNT(PATHS)));
        put_str(" HTTP/1.1\" ");
        uint32_t status = rnd(10) == 0 ? 404 : (rnd(20) == 0 ? 500 : 200);
        put_uint(status);
        put_byte(' ');
        put_uint(rnd(60000));
        put_str(" bytes in ");
        put_uint(1 + rnd(900));
        put_str("ms\n");
    }
}

/* Little-endian samples of a slow random walk: compressible, not textual. */
static void gen_samples(uint32_t bytes) {
    uint32_t end = corpus_len + bytes;
    int32_t value = 100000, slope = 0;
    while (corpus_len + 4 <= end && corpus_len + 4 <= CORPUS_CAP) {
        slope += (int32_t)rnd(7) - 3;
        if (slope > 50 || slope < -50)
            slope /= 2;
        value += slope;
        uint32_t u = (uint32_t)value;
        put_byte((uint8_t)u);
        put_byte((uint8_t)(u >> 8));
        put_byte((uint8_t)(u >> 16));
        put_byte((uint8_t)(u >> 24));
    }
}

static void gen_noise(uint32_t bytes) {
    for (uint32_t i = 0; i < bytes; i++)
        put_byte((uint8_t)rnd32());
}

static void add_input(const char *name, void (*gen)(uint32_t), uint32_t bytes) {
    if (input_count >= MAX_INPUTS)
        return;
    struct input *in = &inputs[input_count++];
    in->name = name;
    in->start = corpus_len;
    gen(bytes);
    in->len = corpus_len - in->start;
}

static void build_corpus(void) {
    corpus_len = 0;
    input_count = 0;
    add_input("prose", gen_prose, 24000 * CORPUS_SCALE);
    add_input("source", gen_source, 20000 * CORPUS_SCALE);
    add_input("csv", gen_csv, 16000 * CORPUS_SCALE);
    add_input("log", gen_log, 20000 * CORPUS_SCALE);
    add_input("samples", gen_samples, 12000 * CORPUS_SCALE);
    add_input("noise", gen_noise, 3000 * CORPUS_SCALE);
}

/* ==========================================================================
 * Part 2: bit streams
 * ========================================================================== */

/* An LSB-first bit writer (DEFLATE's order) into a caller's buffer. Writing
 * past the end sets `overflow` and drops the bits instead. */
struct bit_writer {
    uint8_t *out;
    uint32_t cap;
    uint32_t pos;     /* whole bytes written */
    uint64_t bits;    /* pending bits, LSB first */
    uint32_t count;   /* number of pending bits, < 8 between calls */
    int overflow;
};

static void bw_init(struct bit_writer *w, uint8_t *out, uint32_t cap) {
    w->out = out;
    w->cap = cap;
    w->pos = 0;
    w->bits = 0;
    w->count = 0;
    w->overflow = 0;
}

static void bw_emit_byte(struct bit_writer *w, uint8_t b) {
    if (w->pos < w->cap)
        w->out[w->pos++] = b;
    else
        w->overflow = 1;
}

/* Writes the low n bits of value (n <= 32). */
static void bw_put(struct bit_writer *w, uint32_t value, uint32_t n) {
    if (n == 0)
        return;
    w->bits |= (uint64_t)(value & (n == 32 ? 0xffffffffu : ((1u << n) - 1))) << w->count;
    w->count += n;
    while (w->count >= 8) {
        bw_emit_byte(w, (uint8_t)w->bits);
        w->bits >>= 8;
        w->count -= 8;
    }
}

/* Pads with zero bits to the next byte boundary. */
static void bw_align(struct bit_writer *w) {
    if (w->count > 0)
        bw_put(w, 0, 8 - w->count);
}

/* An LSB-first bit reader. Loading past the end yields zero bytes (counted
 * in `extra`): decoders peek ahead, so only consuming them is an error,
 * which br_overrun() tells. */
struct bit_reader {
    const uint8_t *in;
    uint32_t len;
    uint32_t pos;   /* next byte to load */
    uint64_t bits;  /* loaded bits, LSB first */
    uint32_t count; /* number of loaded bits */
    uint32_t extra; /* zero bytes loaded past the end */
};

static void br_init(struct bit_reader *r, const uint8_t *in, uint32_t len) {
    r->in = in;
    r->len = len;
    r->pos = 0;
    r->bits = 0;
    r->count = 0;
    r->extra = 0;
}

/* Makes sure at least n (<= 32) bits are loaded. */
static void br_need(struct bit_reader *r, uint32_t n) {
    while (r->count < n) {
        uint64_t byte = 0;
        if (r->pos < r->len)
            byte = r->in[r->pos++];
        else
            r->extra++;
        r->bits |= byte << r->count;
        r->count += 8;
    }
}

static uint32_t br_peek(struct bit_reader *r, uint32_t n) {
    br_need(r, n);
    return (uint32_t)(r->bits & ((1ull << n) - 1));
}

static void br_skip(struct bit_reader *r, uint32_t n) {
    r->bits >>= n;
    r->count -= n;
}

static uint32_t br_get(struct bit_reader *r, uint32_t n) {
    if (n == 0)
        return 0;
    uint32_t v = br_peek(r, n);
    br_skip(r, n);
    return v;
}

/* Whether more bits were consumed than the input has. */
static int br_overrun(const struct bit_reader *r) { return r->extra * 8 > r->count; }

/* Drops the bits up to the next byte boundary of the input. */
static void br_align(struct bit_reader *r) { br_skip(r, r->count % 8); }

/* ==========================================================================
 * Part 3: Huffman codes
 * ========================================================================== */

#define MAX_SYMBOLS 320
#define MAX_CODE_LEN 15

/* Reverses the low n bits of code: DEFLATE sends Huffman codes MSB first
 * inside its LSB-first bit stream. */
static uint32_t reverse_bits(uint32_t code, uint32_t n) {
    uint32_t r = 0;
    for (uint32_t i = 0; i < n; i++) {
        r = (r << 1) | (code & 1);
        code >>= 1;
    }
    return r;
}

/* A node of the tree built while computing code lengths. */
struct huff_node {
    uint32_t freq;
    int32_t left, right; /* children, or -1 for a leaf */
    uint32_t symbol;
};

static struct huff_node huff_nodes[2 * MAX_SYMBOLS];
static uint32_t huff_depth_of[2 * MAX_SYMBOLS];

/* Sorts leaf indices by (freq, symbol) with an insertion sort: n <= 320 and
 * the input is usually nearly sorted after the first block. */
static void sort_leaves(uint32_t *order, uint32_t n) {
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = order[i];
        uint32_t j = i;
        while (j > 0) {
            const struct huff_node *a = &huff_nodes[order[j - 1]], *b = &huff_nodes[v];
            if (a->freq < b->freq || (a->freq == b->freq && a->symbol < b->symbol))
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

/*
 * Computes code lengths for freq[0..n) with no length above max_len, by the
 * two-queue method over sorted leaves (an optimal Huffman tree), then, if the
 * tree is too deep, by flattening the frequencies and building again (a
 * simple, always terminating way to meet the limit at a small cost).
 * Symbols with zero frequency get length 0. At least two symbols always get
 * a code, so that the code is complete, as inflaters expect.
 */
static void build_lengths(const uint32_t *freq_in, uint32_t n, uint32_t max_len, uint8_t *lengths) {
    static uint32_t freq[MAX_SYMBOLS];
    static uint32_t order[MAX_SYMBOLS];
    uint32_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        freq[i] = freq_in[i];
        lengths[i] = 0;
        used += freq[i] != 0;
    }
    /* Make at least two codes. */
    for (uint32_t i = 0; used < 2 && i < n; i++) {
        if (freq[i] == 0) {
            freq[i] = 1;
            used++;
        }
    }
    for (uint32_t attempt = 0;; attempt++) {
        uint32_t leaves = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (freq[i] == 0)
                continue;
            struct huff_node *node = &huff_nodes[leaves];
            node->freq = freq[i];
            node->left = node->right = -1;
            node->symbol = i;
            order[leaves] = leaves;
            leaves++;
        }
        sort_leaves(order, leaves);
        /* Two queues: sorted leaves, and internal nodes in creation order
         * (which are created in non-decreasing weight order). */
        uint32_t next_leaf = 0, next_internal = leaves, created = leaves;
        while ((leaves - next_leaf) + (created - next_internal) > 1) {
            int32_t kids[2];
            for (int k = 0; k < 2; k++) {
                int take_leaf;
                if (next_leaf >= leaves)
                    take_leaf = 0;
                else if (next_internal >= created)
                    take_leaf = 1;
                else
                    take_leaf = huff_nodes[order[next_leaf]].freq <= huff_nodes[next_internal].freq;
                kids[k] = take_leaf ? (int32_t)order[next_leaf++] : (int32_t)next_internal++;
            }
            struct huff_node *parent = &huff_nodes[created];
            parent->freq = huff_nodes[kids[0]].freq + huff_nodes[kids[1]].freq;
            parent->left = kids[0];
            parent->right = kids[1];
            parent->symbol = 0;
            created++;
        }
        /* Depths, top down: a parent is always created after its children. */
        uint32_t root = created - 1;
        huff_depth_of[root] = 0;
        uint32_t deepest = 0;
        for (uint32_t i = created; i-- > leaves;) {
            const struct huff_node *node = &huff_nodes[i];
            huff_depth_of[node->left] = huff_depth_of[i] + 1;
            huff_depth_of[node->right] = huff_depth_of[i] + 1;
        }
        for (uint32_t i = 0; i < leaves; i++) {
            uint32_t d = huff_depth_of[i];
            if (d > deepest)
                deepest = d;
        }
        if (deepest <= max_len || attempt > 30) {
            for (uint32_t i = 0; i < leaves; i++) {
                uint32_t d = huff_depth_of[i];
                lengths[huff_nodes[i].symbol] = (uint8_t)(d > max_len ? max_len : d);
            }
            return;
        }
        /* Too deep: flatten the distribution and try again. */
        for (uint32_t i = 0; i < n; i++)
            if (freq[i] != 0)
                freq[i] = (freq[i] >> 1) | 1;
    }
}

/* Assigns canonical codes to lengths[0..n), already bit-reversed for
 * writing. Returns 0 if the lengths over-subscribe the code space. */
static int assign_codes(const uint8_t *lengths, uint32_t n, uint16_t *codes) {
    uint32_t count[MAX_CODE_LEN + 1] = {0};
    uint32_t next[MAX_CODE_LEN + 2];
    for (uint32_t i = 0; i < n; i++)
        count[lengths[i]]++;
    count[0] = 0;
    uint32_t code = 0;
    int32_t left = 1;
    for (uint32_t len = 1; len <= MAX_CODE_LEN; len++) {
        left = 2 * left - (int32_t)count[len];
        if (left < 0)
            return 0;
        code = (code + count[len - 1]) << 1;
        next[len] = code;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = lengths[i];
        codes[i] = len ? (uint16_t)reverse_bits(next[len]++, len) : 0;
    }
    return 1;
}

/*
 * A decoding table for a canonical code: a direct lookup of FAST_BITS bits
 * for short codes, and for longer ones the canonical (count, symbol) tables
 * walked one bit at a time, as in the RFC's reference description.
 */
#define FAST_BITS 9
#define FAST_SIZE (1u << FAST_BITS)

struct decoder {
    /* fast[bits] = symbol << 4 | length, or 0 when the code is longer. */
    uint16_t fast[FAST_SIZE];
    uint16_t count[MAX_CODE_LEN + 1];
    uint16_t symbols[MAX_SYMBOLS];
    uint32_t max_len;
};

enum build_result { BUILD_OK, BUILD_OVERSUBSCRIBED, BUILD_INCOMPLETE, BUILD_EMPTY };

/* Builds a decoder; an incomplete code is accepted only when it has a
 * single code of length 1 (allowed by RFC 1951 for distance codes). */
static enum build_result decoder_build(struct decoder *d, const uint8_t *lengths, uint32_t n) {
    uint16_t offs[MAX_CODE_LEN + 2];
    for (uint32_t len = 0; len <= MAX_CODE_LEN; len++)
        d->count[len] = 0;
    for (uint32_t i = 0; i < n; i++)
        d->count[lengths[i]]++;
    d->count[0] = 0;
    int32_t left = 1;
    uint32_t codes = 0;
    d->max_len = 0;
    for (uint32_t len = 1; len <= MAX_CODE_LEN; len++) {
        left = 2 * left - (int32_t)d->count[len];
        if (left < 0)
            return BUILD_OVERSUBSCRIBED;
        codes += d->count[len];
        if (d->count[len])
            d->max_len = len;
    }
    if (codes == 0)
        return BUILD_EMPTY;
    offs[1] = 0;
    for (uint32_t len = 1; len < MAX_CODE_LEN; len++)
        offs[len + 1] = (uint16_t)(offs[len] + d->count[len]);
    for (uint32_t i = 0; i < n; i++)
        if (lengths[i])
            d->symbols[offs[lengths[i]]++] = (uint16_t)i;
    /* Fill the fast table by walking the canonical codes in order. */
    for (uint32_t i = 0; i < FAST_SIZE; i++)
        d->fast[i] = 0;
    uint32_t code = 0, index = 0;
    for (uint32_t len = 1; len <= FAST_BITS; len++) {
        for (uint32_t k = 0; k < d->count[len]; k++) {
            uint32_t symbol = d->symbols[index++];
            uint32_t rev = reverse_bits(code++, len);
            for (uint32_t fill = rev; fill < FAST_SIZE; fill += 1u << len)
                d->fast[fill] = (uint16_t)(symbol << 4 | len);
        }
        code <<= 1;
    }
    if (left > 0 && !(codes == 1 && d->count[1] == 1))
        return BUILD_INCOMPLETE;
    return BUILD_OK;
}

/* Decodes one symbol, or returns -1 for a bit pattern with no code. */
static int32_t decode_symbol(struct bit_reader *r, const struct decoder *d) {
    uint32_t peek = br_peek(r, FAST_BITS);
    uint32_t entry = d->fast[peek];
    if (entry) {
        br_skip(r, entry & 15);
        return (int32_t)(entry >> 4);
    }
    /* Slow path: canonical decoding, one bit at a time. */
    int32_t code = 0, first = 0, index = 0;
    for (uint32_t len = 1; len <= d->max_len; len++) {
        code |= (int32_t)br_get(r, 1);
        int32_t count = d->count[len];
        if (code - first < count)
            return d->symbols[index + (code - first)];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

/* ==========================================================================
 * Part 4: the DEFLATE format's tables
 * ========================================================================== */

#define LITLEN_CODES 286 /* 0..255 literals, 256 end of block, 257..285 lengths */
#define DIST_CODES 30
#define CL_CODES 19
#define END_OF_BLOCK 256
#define MIN_MATCH 3
#define MAX_MATCH 258
#define WSIZE 32768u
#define WMASK (WSIZE - 1)

static const uint16_t LENGTH_BASE[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,
                                         15, 17, 19, 23, 27, 31, 35, 43, 51,  59,
                                         67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t LENGTH_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                         2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t DIST_BASE[30] = {1,    2,    3,    4,    5,    7,     9,     13,
                                       17,   25,   33,   49,   65,   97,    129,   193,
                                       257,  385,  513,  769,  1025, 1537,  2049,  3073,
                                       4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t DIST_EXTRA[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
/* The order in which code-length code lengths are sent. */
static const uint8_t CL_ORDER[CL_CODES] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                           11, 4,  12, 3, 13, 2, 14, 1, 15};

/* Lookup tables from a match length / distance to its code. */
static uint8_t length_code_of[MAX_MATCH + 1];
static uint8_t dist_code_of[WSIZE + 1];

static uint8_t fixed_lit_lengths[288], fixed_dist_lengths[32];
static uint16_t fixed_lit_codes[288], fixed_dist_codes[32];
static struct decoder fixed_lit_decoder, fixed_dist_decoder;

static void deflate_tables_init(void) {
    for (uint32_t code = 0; code < 29; code++) {
        uint32_t span = 1u << LENGTH_EXTRA[code];
        for (uint32_t k = 0; k < span && LENGTH_BASE[code] + k <= MAX_MATCH; k++)
            length_code_of[LENGTH_BASE[code] + k] = (uint8_t)code;
    }
    /* 258 has its own code (28), not 227 + 31 of code 27. */
    length_code_of[MAX_MATCH] = 28;
    for (uint32_t code = 0; code < 30; code++) {
        uint32_t span = 1u << DIST_EXTRA[code];
        for (uint32_t k = 0; k < span && DIST_BASE[code] + k <= WSIZE; k++)
            dist_code_of[DIST_BASE[code] + k] = (uint8_t)code;
    }
    for (uint32_t i = 0; i < 288; i++)
        fixed_lit_lengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    for (uint32_t i = 0; i < 32; i++)
        fixed_dist_lengths[i] = 5;
    assign_codes(fixed_lit_lengths, 288, fixed_lit_codes);
    assign_codes(fixed_dist_lengths, 32, fixed_dist_codes);
    decoder_build(&fixed_lit_decoder, fixed_lit_lengths, 288);
    decoder_build(&fixed_dist_decoder, fixed_dist_lengths, 32);
}

/* ==========================================================================
 * Part 5: LZ77 match finding
 * ========================================================================== */

#define HASH_BITS 15
#define HASH_SIZE (1u << HASH_BITS)
#define NIL 0xffffffffu

struct level_config {
    uint32_t max_chain; /* chain links to follow per search */
    uint32_t good_len;  /* after a match this long, search a quarter as hard */
    uint32_t nice_len;  /* stop searching at a match this long */
    uint32_t lazy_len;  /* do not look for a better match after one this long */
    int lazy;           /* defer each match by one byte to look for a better one */
};

static const struct level_config LEVEL_CONFIGS[] = {
    {6, 4, 16, 0, 0},         /* 0: fast, greedy */
    {48, 8, 128, 32, 1},      /* 1: default, lazy */
    {1024, 32, 258, 258, 1}, /* 2: thorough, lazy */
};
#define LEVEL_COUNT 3

static uint32_t hash_head[HASH_SIZE];
static uint32_t hash_prev[WSIZE];

struct matcher {
    const uint8_t *data;
    uint32_t len;
    const struct level_config *cfg;
    uint64_t chain_steps; /* statistics for the checksum */
};

static uint32_t hash3(const uint8_t *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static void matcher_init(struct matcher *m, const uint8_t *data, uint32_t len,
                         const struct level_config *cfg) {
    m->data = data;
    m->len = len;
    m->cfg = cfg;
    m->chain_steps = 0;
    for (uint32_t i = 0; i < HASH_SIZE; i++)
        hash_head[i] = NIL;
}

/* Links pos into its hash chain. */
static void matcher_insert(struct matcher *m, uint32_t pos) {
    if (pos + MIN_MATCH > m->len)
        return;
    uint32_t h = hash3(m->data + pos);
    hash_prev[pos & WMASK] = hash_head[h];
    hash_head[h] = pos;
}

/*
 * The longest match for pos among earlier positions in its chain (pos itself
 * must already be inserted). Returns its length (0 if below MIN_MATCH or no
 * better than `prev_len`) and stores its distance in *dist.
 */
static uint32_t longest_match(struct matcher *m, uint32_t pos, uint32_t prev_len, uint32_t *dist) {
    const uint8_t *data = m->data;
    uint32_t max_len = m->len - pos;
    if (max_len > MAX_MATCH)
        max_len = MAX_MATCH;
    if (max_len < MIN_MATCH || prev_len >= max_len)
        return 0;
    uint32_t chain = m->cfg->max_chain;
    if (prev_len >= m->cfg->good_len)
        chain >>= 2;
    uint32_t best = prev_len < MIN_MATCH - 1 ? MIN_MATCH - 1 : prev_len;
    uint32_t best_dist = 0;
    uint32_t cand = hash_prev[pos & WMASK];
    while (cand != NIL && cand < pos && pos - cand < WSIZE && chain-- > 0) {
        m->chain_steps++;
        const uint8_t *a = data + cand, *b = data + pos;
        /* Cheap rejections first: the byte that would extend the best match,
         * then the first two. */
        if (a[best] == b[best] && a[0] == b[0] && a[1] == b[1]) {
            uint32_t n = 2;
            while (n < max_len && a[n] == b[n])
                n++;
            if (n > best) {
                best = n;
                best_dist = pos - cand;
                if (n >= m->cfg->nice_len || n == max_len)
                    break;
            }
        }
        uint32_t next = hash_prev[cand & WMASK];
        if (next >= cand)
            break; /* the slot was reused by a newer position */
        cand = next;
    }
    if (best_dist == 0)
        return 0;
    *dist = best_dist;
    return best;
}

/* ==========================================================================
 * Part 6: the DEFLATE encoder
 * ========================================================================== */

#define SYM_CAP 16384

/* One LZ77 output symbol: a literal (dist == 0) or a (length, distance). */
struct lz_symbol {
    uint16_t lit_or_len;
    uint16_t dist;
};

struct deflate_stats {
    uint32_t stored_blocks, fixed_blocks, dynamic_blocks;
    uint32_t literals, matches;
    uint64_t matched_bytes;
};

struct deflate_state {
    struct bit_writer bw;
    const uint8_t *in;
    uint32_t in_len;
    struct lz_symbol syms[SYM_CAP];
    uint32_t sym_count;
    uint32_t block_start; /* input offset of the current block's first byte */
    struct deflate_stats stats;
};

static struct deflate_state ds;

/* A dynamic block's header, computed once for costing and writing. */
struct dynamic_header {
    uint8_t lit_lengths[LITLEN_CODES];
    uint8_t dist_lengths[DIST_CODES];
    uint16_t lit_codes[LITLEN_CODES];
    uint16_t dist_codes[DIST_CODES];
    uint32_t hlit, hdist, hclen;
    /* The run-length coded code lengths: symbol, extra-bits value. */
    uint8_t cl_syms[LITLEN_CODES + DIST_CODES];
    uint8_t cl_extra[LITLEN_CODES + DIST_CODES];
    uint32_t cl_count;
    uint8_t cl_lengths[CL_CODES];
    uint16_t cl_codes[CL_CODES];
    uint64_t header_bits;
};

static struct dynamic_header dh;

/* Run-length codes lengths[0..n) with the code-length alphabet. */
static void rle_code_lengths(struct dynamic_header *h, const uint8_t *lengths, uint32_t n) {
    h->cl_count = 0;
    uint32_t i = 0;
    while (i < n) {
        uint8_t len = lengths[i];
        uint32_t run = 1;
        while (i + run < n && lengths[i + run] == len)
            run++;
        if (len == 0 && run >= 3) {
            uint32_t take = run > 138 ? 138 : run;
            if (take >= 11) {
                h->cl_syms[h->cl_count] = 18;
                h->cl_extra[h->cl_count++] = (uint8_t)(take - 11);
            } else {
                h->cl_syms[h->cl_count] = 17;
                h->cl_extra[h->cl_count++] = (uint8_t)(take - 3);
            }
            i += take;
        } else if (len != 0 && run >= 4) {
            /* The length itself, then repeats of it in runs of 3 to 6. */
            h->cl_syms[h->cl_count] = len;
            h->cl_extra[h->cl_count++] = 0;
            uint32_t rest = run - 1;
            while (rest >= 3) {
                uint32_t take = rest > 6 ? 6 : rest;
                h->cl_syms[h->cl_count] = 16;
                h->cl_extra[h->cl_count++] = (uint8_t)(take - 3);
                rest -= take;
            }
            i += run - rest;
        } else {
            h->cl_syms[h->cl_count] = len;
            h->cl_extra[h->cl_count++] = 0;
            i++;
        }
    }
}

static uint32_t cl_extra_bits(uint32_t sym) { return sym == 16 ? 2 : sym == 17 ? 3 : sym == 18 ? 7 : 0; }

/* Builds the dynamic codes for the given frequencies and sizes the header. */
static void build_dynamic(struct dynamic_header *h, const uint32_t *lit_freq,
                          const uint32_t *dist_freq) {
    build_lengths(lit_freq, LITLEN_CODES, MAX_CODE_LEN, h->lit_lengths);
    build_lengths(dist_freq, DIST_CODES, MAX_CODE_LEN, h->dist_lengths);
    assign_codes(h->lit_lengths, LITLEN_CODES, h->lit_codes);
    assign_codes(h->dist_lengths, DIST_CODES, h->dist_codes);
    h->hlit = LITLEN_CODES;
    while (h->hlit > 257 && h->lit_lengths[h->hlit - 1] == 0)
        h->hlit--;
    h->hdist = DIST_CODES;
    while (h->hdist > 1 && h->dist_lengths[h->hdist - 1] == 0)
        h->hdist--;
    /* The two length lists are run-length coded as one sequence. */
    uint8_t all[LITLEN_CODES + DIST_CODES];
    for (uint32_t i = 0; i < h->hlit; i++)
        all[i] = h->lit_lengths[i];
    for (uint32_t i = 0; i < h->hdist; i++)
        all[h->hlit + i] = h->dist_lengths[i];
    rle_code_lengths(h, all, h->hlit + h->hdist);
    uint32_t cl_freq[CL_CODES] = {0};
    for (uint32_t i = 0; i < h->cl_count; i++)
        cl_freq[h->cl_syms[i]]++;
    build_lengths(cl_freq, CL_CODES, 7, h->cl_lengths);
    assign_codes(h->cl_lengths, CL_CODES, h->cl_codes);
    h->hclen = CL_CODES;
    while (h->hclen > 4 && h->cl_lengths[CL_ORDER[h->hclen - 1]] == 0)
        h->hclen--;
    uint64_t bits = 5 + 5 + 4 + 3 * (uint64_t)h->hclen;
    for (uint32_t i = 0; i < h->cl_count; i++)
        bits += h->cl_lengths[h->cl_syms[i]] + cl_extra_bits(h->cl_syms[i]);
    h->header_bits = bits;
}

static void write_dynamic_header(struct bit_writer *w, const struct dynamic_header *h) {
    bw_put(w, h->hlit - 257, 5);
    bw_put(w, h->hdist - 1, 5);
    bw_put(w, h->hclen - 4, 4);
    for (uint32_t i = 0; i < h->hclen; i++)
        bw_put(w, h->cl_lengths[CL_ORDER[i]], 3);
    for (uint32_t i = 0; i < h->cl_count; i++) {
        uint32_t sym = h->cl_syms[i];
        bw_put(w, h->cl_codes[sym], h->cl_lengths[sym]);
        bw_put(w, h->cl_extra[i], cl_extra_bits(sym));
    }
}

/* Writes the block's symbols with the given codes, then end-of-block. */
static void write_symbols(struct bit_writer *w, const uint16_t *lit_codes, const uint8_t *lit_lengths,
                          const uint16_t *dist_codes, const uint8_t *dist_lengths) {
    for (uint32_t i = 0; i < ds.sym_count; i++) {
        const struct lz_symbol *s = &ds.syms[i];
        if (s->dist == 0) {
            bw_put(w, lit_codes[s->lit_or_len], lit_lengths[s->lit_or_len]);
            continue;
        }
        uint32_t lc = length_code_of[s->lit_or_len];
        bw_put(w, lit_codes[257 + lc], lit_lengths[257 + lc]);
        bw_put(w, s->lit_or_len - LENGTH_BASE[lc], LENGTH_EXTRA[lc]);
        uint32_t dc = dist_code_of[s->dist];
        bw_put(w, dist_codes[dc], dist_lengths[dc]);
        bw_put(w, s->dist - DIST_BASE[dc], DIST_EXTRA[dc]);
    }
    bw_put(w, lit_codes[END_OF_BLOCK], lit_lengths[END_OF_BLOCK]);
}

/* The bits the block's symbols take with the given code lengths. */
static uint64_t symbols_cost(const uint32_t *lit_freq, const uint32_t *dist_freq,
                             const uint8_t *lit_lengths, const uint8_t *dist_lengths) {
    uint64_t bits = 0;
    for (uint32_t i = 0; i < LITLEN_CODES; i++) {
        uint64_t extra = i > 256 ? LENGTH_EXTRA[i - 257] : 0;
        bits += (uint64_t)lit_freq[i] * (lit_lengths[i] + extra);
    }
    for (uint32_t i = 0; i < DIST_CODES; i++)
        bits += (uint64_t)dist_freq[i] * (dist_lengths[i] + DIST_EXTRA[i]);
    return bits;
}

/* Stored blocks hold at most 65535 bytes each. */
static void write_stored(struct bit_writer *w, const uint8_t *p, uint32_t len, int final) {
    do {
        uint32_t chunk = len > 65535 ? 65535 : len;
        int last = final && chunk == len;
        bw_put(w, (uint32_t)last, 1);
        bw_put(w, 0, 2);
        bw_align(w);
        bw_put(w, chunk, 16);
        bw_put(w, ~chunk & 0xffff, 16);
        for (uint32_t i = 0; i < chunk; i++)
            bw_emit_byte(w, p[i]);
        p += chunk;
        len -= chunk;
        ds.stats.stored_blocks++;
    } while (len > 0);
}

/* Ends the current block at input offset `end`: picks the cheapest type. */
static void flush_block(uint32_t end, int final) {
    uint32_t lit_freq[LITLEN_CODES] = {0};
    uint32_t dist_freq[DIST_CODES] = {0};
    for (uint32_t i = 0; i < ds.sym_count; i++) {
        const struct lz_symbol *s = &ds.syms[i];
        if (s->dist == 0) {
            lit_freq[s->lit_or_len]++;
        } else {
            lit_freq[257 + length_code_of[s->lit_or_len]]++;
            dist_freq[dist_code_of[s->dist]]++;
        }
    }
    lit_freq[END_OF_BLOCK] = 1;
    build_dynamic(&dh, lit_freq, dist_freq);
    uint64_t dynamic_bits = 3 + dh.header_bits +
                            symbols_cost(lit_freq, dist_freq, dh.lit_lengths, dh.dist_lengths);
    uint64_t fixed_bits = 3 + symbols_cost(lit_freq, dist_freq, fixed_lit_lengths, fixed_dist_lengths);
    uint32_t raw = end - ds.block_start;
    uint64_t stored_bits = ((uint64_t)raw / 65535 + 1) * (3 + 7 + 32) + (uint64_t)raw * 8;
    struct bit_writer *w = &ds.bw;
    if (stored_bits <= fixed_bits && stored_bits <= dynamic_bits) {
        write_stored(w, ds.in + ds.block_start, raw, final);
    } else if (fixed_bits <= dynamic_bits) {
        bw_put(w, (uint32_t)final, 1);
        bw_put(w, 1, 2);
        write_symbols(w, fixed_lit_codes, fixed_lit_lengths, fixed_dist_codes, fixed_dist_lengths);
        ds.stats.fixed_blocks++;
    } else {
        bw_put(w, (uint32_t)final, 1);
        bw_put(w, 2, 2);
        write_dynamic_header(w, &dh);
        write_symbols(w, dh.lit_codes, dh.lit_lengths, dh.dist_codes, dh.dist_lengths);
        ds.stats.dynamic_blocks++;
    }
    ds.sym_count = 0;
    ds.block_start = end;
}

static void emit_literal(uint32_t pos) {
    ds.syms[ds.sym_count].lit_or_len = ds.in[pos];
    ds.syms[ds.sym_count].dist = 0;
    ds.sym_count++;
    ds.stats.literals++;
}

static void emit_match(uint32_t len, uint32_t dist) {
    ds.syms[ds.sym_count].lit_or_len = (uint16_t)len;
    ds.syms[ds.sym_count].dist = (uint16_t)dist;
    ds.sym_count++;
    ds.stats.matches++;
    ds.stats.matched_bytes += len;
}

/* Runs LZ77 over the input at the given level, flushing full blocks. */
static void deflate_blocks(int level) {
    struct matcher m;
    matcher_init(&m, ds.in, ds.in_len, &LEVEL_CONFIGS[level]);
    const struct level_config *cfg = m.cfg;
    uint32_t pos = 0;
    /* The lazy evaluator's pending match, found at pos - 1. */
    uint32_t prev_len = 0, prev_dist = 0;
    int have_prev = 0;
    while (pos < ds.in_len) {
        matcher_insert(&m, pos);
        uint32_t dist = 0;
        uint32_t len = 0;
        if (!cfg->lazy || !have_prev || prev_len < cfg->lazy_len)
            len = longest_match(&m, pos, have_prev ? prev_len : 0, &dist);
        if (!cfg->lazy) {
            if (len >= MIN_MATCH) {
                emit_match(len, dist);
                for (uint32_t k = 1; k < len; k++)
                    matcher_insert(&m, pos + k);
                pos += len;
            } else {
                emit_literal(pos);
                pos++;
            }
        } else if (have_prev && len <= prev_len) {
            /* The match at pos - 1 wins: emit it and skip over it. */
            emit_match(prev_len, prev_dist);
            uint32_t end = pos - 1 + prev_len;
            for (uint32_t k = pos + 1; k < end; k++)
                matcher_insert(&m, k);
            pos = end;
            have_prev = 0;
        } else {
            /* Either the first match here, or a better one than at pos - 1
             * (which then becomes a literal). */
            if (have_prev)
                emit_literal(pos - 1);
            if (len >= MIN_MATCH) {
                prev_len = len;
                prev_dist = dist;
                have_prev = 1;
            } else {
                emit_literal(pos);
                have_prev = 0;
            }
            pos++;
        }
        if (ds.sym_count >= SYM_CAP - 2)
            flush_block(pos - (uint32_t)have_prev, 0);
    }
    if (have_prev)
        emit_match(prev_len, prev_dist);
    flush_block(ds.in_len, 1);
}

/*
 * Compresses in[0..len) into a zlib stream (RFC 1950) at out; returns its
 * size, or 0 if it did not fit in cap bytes.
 */
static uint32_t zlib_compress(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap, int level) {
    bw_init(&ds.bw, out, cap);
    ds.in = in;
    ds.in_len = len;
    ds.sym_count = 0;
    ds.block_start = 0;
    /* CMF: deflate with a 32 KiB window; FLG: the level, and a check value
     * that makes CMF*256+FLG a multiple of 31. */
    uint32_t cmf = 0x78;
    uint32_t flg = (uint32_t)(level == 0 ? 0 : level == 1 ? 2 : 3) << 6;
    flg += 31 - (cmf * 256 + flg) % 31;
    bw_put(&ds.bw, cmf, 8);
    bw_put(&ds.bw, flg, 8);
    deflate_blocks(level);
    bw_align(&ds.bw);
    uint32_t adler = adler32(in, len);
    for (int shift = 24; shift >= 0; shift -= 8)
        bw_put(&ds.bw, (adler >> shift) & 0xff, 8);
    return ds.bw.overflow ? 0 : ds.bw.pos;
}

/* ==========================================================================
 * Part 7: the inflater
 * ========================================================================== */

enum inflate_error {
    INF_OK = 0,
    INF_BAD_HEADER,        /* zlib header check failed or not deflate */
    INF_BAD_BLOCK_TYPE,    /* BTYPE 3 */
    INF_STORED_LENGTH,     /* LEN and NLEN disagree */
    INF_TOO_MANY_CODES,    /* HLIT > 286 or HDIST > 30 */
    INF_BAD_CL_CODE,       /* the code-length code is not a complete code */
    INF_BAD_LENGTHS,       /* the code lengths themselves are malformed */
    INF_NO_END_OF_BLOCK,   /* the literal/length code has no code for 256 */
    INF_BAD_LITLEN_CODE,   /* over-subscribed or incomplete */
    INF_BAD_DIST_CODE,     /* over-subscribed or incomplete */
    INF_BAD_SYMBOL,        /* a bit pattern with no symbol, or symbol 286+ */
    INF_BAD_DISTANCE,      /* distance symbol 30/31 */
    INF_DISTANCE_TOO_FAR,  /* reaches before the start of the output */
    INF_OUTPUT_FULL,       /* more output than the caller allowed */
    INF_TRUNCATED,         /* the input ended inside the stream */
    INF_BAD_CHECKSUM,      /* Adler-32 of the output does not match */
    INF_ERROR_COUNT
};

struct inflater {
    struct bit_reader br;
    uint8_t *out;
    uint32_t cap;
    uint32_t len;
    struct decoder lit, dist, cl;
    uint32_t blocks;
};

static struct inflater inf;

static enum inflate_error inflate_stored(struct inflater *z) {
    br_align(&z->br);
    uint32_t len = br_get(&z->br, 16);
    uint32_t nlen = br_get(&z->br, 16);
    if (br_overrun(&z->br))
        return INF_TRUNCATED;
    if ((len ^ 0xffff) != nlen)
        return INF_STORED_LENGTH;
    /* The bit buffer is byte aligned here; drain it before copying bytes. */
    while (len > 0 && z->br.count >= 8) {
        if (z->len >= z->cap)
            return INF_OUTPUT_FULL;
        z->out[z->len++] = (uint8_t)br_get(&z->br, 8);
        len--;
    }
    if (br_overrun(&z->br))
        return INF_TRUNCATED;
    if (len > z->br.len - z->br.pos)
        return INF_TRUNCATED;
    if (len > z->cap - z->len)
        return INF_OUTPUT_FULL;
    copy_bytes(z->out + z->len, z->br.in + z->br.pos, len);
    z->br.pos += len;
    z->len += len;
    return INF_OK;
}

/* Decodes the block's symbols with the current lit and dist decoders. */
static enum inflate_error inflate_codes(struct inflater *z, const struct decoder *lit,
                                        const struct decoder *dist) {
    for (;;) {
        int32_t sym = decode_symbol(&z->br, lit);
        if (sym < 0)
            return br_overrun(&z->br) ? INF_TRUNCATED : INF_BAD_SYMBOL;
        if (z->br.extra > 8)
            return INF_TRUNCATED;
        if (sym < 256) {
            if (z->len >= z->cap)
                return INF_OUTPUT_FULL;
            z->out[z->len++] = (uint8_t)sym;
            continue;
        }
        if (sym == END_OF_BLOCK)
            return br_overrun(&z->br) ? INF_TRUNCATED : INF_OK;
        sym -= 257;
        if (sym >= 29)
            return INF_BAD_SYMBOL;
        uint32_t len = LENGTH_BASE[sym] + br_get(&z->br, LENGTH_EXTRA[sym]);
        int32_t dsym = decode_symbol(&z->br, dist);
        if (dsym < 0)
            return br_overrun(&z->br) ? INF_TRUNCATED : INF_BAD_SYMBOL;
        if (dsym >= 30)
            return INF_BAD_DISTANCE;
        uint32_t d = DIST_BASE[dsym] + br_get(&z->br, DIST_EXTRA[dsym]);
        if (d > z->len)
            return INF_DISTANCE_TOO_FAR;
        if (len > z->cap - z->len)
            return INF_OUTPUT_FULL;
        /* Byte by byte: the source may overlap what is being written. */
        uint8_t *dst = z->out + z->len;
        const uint8_t *src = dst - d;
        for (uint32_t i = 0; i < len; i++)
            dst[i] = src[i];
        z->len += len;
    }
}

static enum inflate_error inflate_dynamic(struct inflater *z) {
    uint32_t hlit = br_get(&z->br, 5) + 257;
    uint32_t hdist = br_get(&z->br, 5) + 1;
    uint32_t hclen = br_get(&z->br, 4) + 4;
    if (hlit > LITLEN_CODES || hdist > DIST_CODES)
        return INF_TOO_MANY_CODES;
    uint8_t cl_lengths[CL_CODES] = {0};
    for (uint32_t i = 0; i < hclen; i++)
        cl_lengths[CL_ORDER[i]] = (uint8_t)br_get(&z->br, 3);
    if (br_overrun(&z->br))
        return INF_TRUNCATED;
    if (decoder_build(&z->cl, cl_lengths, CL_CODES) != BUILD_OK)
        return INF_BAD_CL_CODE;
    uint8_t lengths[LITLEN_CODES + DIST_CODES];
    uint32_t n = 0;
    while (n < hlit + hdist) {
        int32_t sym = decode_symbol(&z->br, &z->cl);
        if (sym < 0 || br_overrun(&z->br))
            return br_overrun(&z->br) ? INF_TRUNCATED : INF_BAD_LENGTHS;
        if (sym < 16) {
            lengths[n++] = (uint8_t)sym;
            continue;
        }
        uint32_t repeat;
        uint8_t value = 0;
        if (sym == 16) {
            if (n == 0)
                return INF_BAD_LENGTHS; /* nothing to repeat */
            value = lengths[n - 1];
            repeat = 3 + br_get(&z->br, 2);
        } else if (sym == 17) {
            repeat = 3 + br_get(&z->br, 3);
        } else {
            repeat = 11 + br_get(&z->br, 7);
        }
        if (n + repeat > hlit + hdist)
            return INF_BAD_LENGTHS;
        while (repeat--)
            lengths[n++] = value;
    }
    if (lengths[END_OF_BLOCK] == 0)
        return INF_NO_END_OF_BLOCK;
    if (decoder_build(&z->lit, lengths, hlit) != BUILD_OK)
        return INF_BAD_LITLEN_CODE;
    /* A distance code may be incomplete with one code, or empty when the
     * block has only literals. */
    enum build_result d = decoder_build(&z->dist, lengths + hlit, hdist);
    if (d != BUILD_OK && d != BUILD_EMPTY)
        return INF_BAD_DIST_CODE;
    return inflate_codes(z, &z->lit, &z->dist);
}

/* Inflates a raw DEFLATE stream from z->br into z->out. */
static enum inflate_error inflate_raw(struct inflater *z) {
    int final;
    do {
        final = (int)br_get(&z->br, 1);
        uint32_t type = br_get(&z->br, 2);
        if (br_overrun(&z->br))
            return INF_TRUNCATED;
        enum inflate_error e;
        if (type == 0)
            e = inflate_stored(z);
        else if (type == 1)
            e = inflate_codes(z, &fixed_lit_decoder, &fixed_dist_decoder);
        else if (type == 2)
            e = inflate_dynamic(z);
        else
            e = INF_BAD_BLOCK_TYPE;
        if (e != INF_OK)
            return e;
        z->blocks++;
    } while (!final);
    return INF_OK;
}

/* Inflates a zlib stream; *out_len gets the bytes produced (also on error). */
static enum inflate_error zlib_decompress(const uint8_t *in, uint32_t in_len, uint8_t *out,
                                          uint32_t cap, uint32_t *out_len) {
    struct inflater *z = &inf;
    br_init(&z->br, in, in_len);
    z->out = out;
    z->cap = cap;
    z->len = 0;
    z->blocks = 0;
    *out_len = 0;
    uint32_t cmf = br_get(&z->br, 8), flg = br_get(&z->br, 8);
    if (br_overrun(&z->br) || (cmf & 15) != 8 || (cmf >> 4) > 7 || (cmf * 256 + flg) % 31 != 0 ||
        (flg & 0x20))
        return INF_BAD_HEADER;
    enum inflate_error e = inflate_raw(z);
    *out_len = z->len;
    if (e != INF_OK)
        return e;
    br_align(&z->br);
    uint32_t expected = 0;
    for (int i = 0; i < 4; i++)
        expected = expected << 8 | br_get(&z->br, 8);
    if (br_overrun(&z->br))
        return INF_TRUNCATED;
    return expected == adler32(out, z->len) ? INF_OK : INF_BAD_CHECKSUM;
}

/* ==========================================================================
 * Part 7b: the gzip container (RFC 1952) around the same DEFLATE data
 * ========================================================================== */

#define GZ_FTEXT 0x01
#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10
#define GZ_RESERVED 0xe0

enum gzip_error {
    GZ_OK = 0,
    GZ_BAD_MAGIC,
    GZ_BAD_METHOD,
    GZ_RESERVED_FLAGS,
    GZ_HEADER_TRUNCATED,
    GZ_HEADER_CRC,
    GZ_INFLATE, /* the DEFLATE data failed; the inflater's error is kept */
    GZ_BAD_CRC,
    GZ_BAD_SIZE,
    GZ_ERROR_COUNT
};

/* The metadata a gzip member carries, as parsed back. */
struct gzip_info {
    uint32_t mtime;
    uint32_t name_len, comment_len, extra_len;
    uint8_t flags, os;
    enum inflate_error inflate_error;
};

/* Compresses into a gzip member with a name, a comment, an extra field and
 * a header CRC; returns its size or 0 if it did not fit. */
static uint32_t gzip_compress(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap, int level,
                              const char *name, const char *comment, uint32_t mtime) {
    struct bit_writer *w = &ds.bw;
    bw_init(w, out, cap);
    ds.in = in;
    ds.in_len = len;
    ds.sym_count = 0;
    ds.block_start = 0;
    uint8_t flags = GZ_FNAME | GZ_FCOMMENT | GZ_FEXTRA | GZ_FHCRC;
    bw_put(w, 0x1f, 8);
    bw_put(w, 0x8b, 8);
    bw_put(w, 8, 8);
    bw_put(w, flags, 8);
    bw_put(w, mtime & 0xffff, 16);
    bw_put(w, mtime >> 16, 16);
    bw_put(w, level == 2 ? 2 : level == 0 ? 4 : 0, 8); /* XFL: best / fastest */
    bw_put(w, 3, 8);                                    /* OS: Unix */
    /* FEXTRA: one subfield "WB" holding the level and the input size. */
    bw_put(w, 4 + 5, 16);
    bw_put(w, 'W', 8);
    bw_put(w, 'B', 8);
    bw_put(w, 5, 16);
    bw_put(w, (uint32_t)level, 8);
    bw_put(w, len & 0xffff, 16);
    bw_put(w, len >> 16, 16);
    for (const char *p = name; *p; p++)
        bw_put(w, (uint8_t)*p, 8);
    bw_put(w, 0, 8);
    for (const char *p = comment; *p; p++)
        bw_put(w, (uint8_t)*p, 8);
    bw_put(w, 0, 8);
    /* FHCRC: the low 16 bits of the CRC-32 of the header so far. */
    uint32_t hcrc = w->overflow ? 0 : crc32(0, out, w->pos);
    bw_put(w, hcrc & 0xffff, 16);
    deflate_blocks(level);
    bw_align(w);
    uint32_t crc = crc32(0, in, len);
    bw_put(w, crc & 0xffff, 16);
    bw_put(w, crc >> 16, 16);
    bw_put(w, len & 0xffff, 16);
    bw_put(w, len >> 16, 16);
    return w->overflow ? 0 : w->pos;
}

/* Reads a little-endian field of n bytes at *pos, or fails. */
static int gz_field(const uint8_t *in, uint32_t len, uint32_t *pos, uint32_t n, uint32_t *value) {
    if (len - *pos < n)
        return 0;
    uint32_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v |= (uint32_t)in[*pos + i] << (8 * i);
    *pos += n;
    *value = v;
    return 1;
}

/* Skips a zero-terminated string at *pos; stores its length. */
static int gz_string(const uint8_t *in, uint32_t len, uint32_t *pos, uint32_t *string_len) {
    uint32_t start = *pos;
    while (*pos < len && in[*pos] != 0)
        (*pos)++;
    if (*pos >= len)
        return 0;
    *string_len = *pos - start;
    (*pos)++;
    return 1;
}

static enum gzip_error gzip_decompress(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap,
                                       uint32_t *out_len, struct gzip_info *info) {
    uint32_t pos = 0, v = 0;
    *out_len = 0;
    zero_bytes(info, sizeof *info);
    if (len < 18)
        return GZ_HEADER_TRUNCATED;
    if (in[0] != 0x1f || in[1] != 0x8b)
        return GZ_BAD_MAGIC;
    if (in[2] != 8)
        return GZ_BAD_METHOD;
    info->flags = in[3];
    if (info->flags & GZ_RESERVED)
        return GZ_RESERVED_FLAGS;
    pos = 4;
    gz_field(in, len, &pos, 4, &info->mtime);
    pos += 1; /* XFL */
    info->os = in[pos++];
    if (info->flags & GZ_FEXTRA) {
        if (!gz_field(in, len, &pos, 2, &info->extra_len) || len - pos < info->extra_len)
            return GZ_HEADER_TRUNCATED;
        pos += info->extra_len;
    }
    if ((info->flags & GZ_FNAME) && !gz_string(in, len, &pos, &info->name_len))
        return GZ_HEADER_TRUNCATED;
    if ((info->flags & GZ_FCOMMENT) && !gz_string(in, len, &pos, &info->comment_len))
        return GZ_HEADER_TRUNCATED;
    if (info->flags & GZ_FHCRC) {
        uint32_t header_end = pos;
        if (!gz_field(in, len, &pos, 2, &v))
            return GZ_HEADER_TRUNCATED;
        if ((crc32(0, in, header_end) & 0xffff) != v)
            return GZ_HEADER_CRC;
    }
    struct inflater *z = &inf;
    br_init(&z->br, in + pos, len - pos);
    z->out = out;
    z->cap = cap;
    z->len = 0;
    z->blocks = 0;
    info->inflate_error = inflate_raw(z);
    *out_len = z->len;
    if (info->inflate_error != INF_OK)
        return GZ_INFLATE;
    br_align(&z->br);
    uint32_t crc = br_get(&z->br, 16);
    crc |= br_get(&z->br, 16) << 16;
    uint32_t size = br_get(&z->br, 16);
    size |= br_get(&z->br, 16) << 16;
    if (br_overrun(&z->br))
        return GZ_HEADER_TRUNCATED;
    if (crc != crc32(0, out, z->len))
        return GZ_BAD_CRC;
    return size == z->len ? GZ_OK : GZ_BAD_SIZE;
}

/* ==========================================================================
 * Part 8: the block-sorting codec
 * ========================================================================== */

#define BWT_BLOCK 65536u
#define BWT_SYMBOLS 258 /* RUNA, RUNB, MTF indices 1..255 as 2..256, EOB */
#define RUNA 0
#define RUNB 1
#define BWT_EOB 257

/* Work arrays for one block; the sentinel makes n + 1 rotations. */
static uint32_t bwt_sa[BWT_BLOCK + 1];
static uint32_t bwt_rank[BWT_BLOCK + 1];
static uint32_t bwt_tmp[BWT_BLOCK + 1];
static uint32_t bwt_count[BWT_BLOCK + 2];
static uint16_t bwt_text[BWT_BLOCK + 1]; /* bytes as 1..256, sentinel 0 */
static uint8_t bwt_last[BWT_BLOCK + 1];
static uint16_t bwt_syms[BWT_BLOCK + 2];

struct bwt_stats {
    uint32_t blocks;
    uint32_t sort_passes;
    uint32_t runs;
};

static struct bwt_stats bstats;

/*
 * Sorts the n rotations of bwt_text[0..n) (whose last symbol is the unique
 * smallest sentinel, so no two rotations are equal) into bwt_sa, by prefix
 * doubling: each pass sorts by (rank of the first k symbols, rank of the
 * next k) with one counting sort, since the order by the second key is
 * already known from the previous pass.
 */
static void sort_rotations(uint32_t n) {
    uint32_t *sa = bwt_sa, *rank = bwt_rank, *tmp = bwt_tmp, *cnt = bwt_count;
    uint32_t alphabet = 257;
    for (uint32_t c = 0; c < alphabet; c++)
        cnt[c] = 0;
    for (uint32_t i = 0; i < n; i++)
        cnt[bwt_text[i]]++;
    for (uint32_t c = 1; c < alphabet; c++)
        cnt[c] += cnt[c - 1];
    for (uint32_t i = n; i-- > 0;)
        sa[--cnt[bwt_text[i]]] = i;
    uint32_t classes = 1;
    rank[sa[0]] = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (bwt_text[sa[i]] != bwt_text[sa[i - 1]])
            classes++;
        rank[sa[i]] = classes - 1;
    }
    for (uint32_t k = 1; k < n && classes < n; k <<= 1) {
        bstats.sort_passes++;
        /* Rotations ordered by their second half: shift the current order. */
        for (uint32_t i = 0; i < n; i++)
            tmp[i] = sa[i] >= k ? sa[i] - k : sa[i] + n - k;
        for (uint32_t c = 0; c < classes; c++)
            cnt[c] = 0;
        for (uint32_t i = 0; i < n; i++)
            cnt[rank[tmp[i]]]++;
        for (uint32_t c = 1; c < classes; c++)
            cnt[c] += cnt[c - 1];
        for (uint32_t i = n; i-- > 0;)
            sa[--cnt[rank[tmp[i]]]] = tmp[i];
        /* New classes from (rank[i], rank[i + k]); tmp holds them. */
        tmp[sa[0]] = 0;
        classes = 1;
        for (uint32_t i = 1; i < n; i++) {
            uint32_t a = sa[i], b = sa[i - 1];
            uint32_t a2 = a + k < n ? a + k : a + k - n;
            uint32_t b2 = b + k < n ? b + k : b + k - n;
            if (rank[a] != rank[b] || rank[a2] != rank[b2])
                classes++;
            tmp[a] = classes - 1;
        }
        for (uint32_t i = 0; i < n; i++)
            rank[i] = tmp[i];
    }
}

/* The forward transform of in[0..n): writes the last column without the
 * sentinel to bwt_last and returns the sentinel's row. */
static uint32_t bwt_forward(const uint8_t *in, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        bwt_text[i] = (uint16_t)(in[i] + 1);
    bwt_text[n] = 0;
    sort_rotations(n + 1);
    uint32_t primary = 0, out = 0;
    for (uint32_t row = 0; row <= n; row++) {
        uint32_t start = bwt_sa[row];
        if (start == 0) {
            primary = row;
            continue;
        }
        bwt_last[out++] = (uint8_t)(bwt_text[start - 1] - 1);
    }
    return primary;
}

/* The inverse transform; returns 0 if `primary` is out of range. */
static int bwt_inverse(const uint8_t *last, uint32_t n, uint32_t primary, uint8_t *out) {
    if (primary > n)
        return 0;
    /* Rebuild the full last column with the sentinel (0) back in. */
    uint32_t *lf = bwt_sa, *cnt = bwt_count;
    for (uint32_t row = 0, src = 0; row <= n; row++)
        bwt_text[row] = row == primary ? 0 : (uint16_t)(last[src++] + 1);
    for (uint32_t c = 0; c < 258; c++)
        cnt[c] = 0;
    for (uint32_t row = 0; row <= n; row++)
        cnt[bwt_text[row] + 1]++;
    for (uint32_t c = 1; c < 258; c++)
        cnt[c] += cnt[c - 1];
    /* cnt[c] = rows whose symbol is below c; LF by stable counting. */
    for (uint32_t row = 0; row <= n; row++)
        lf[row] = cnt[bwt_text[row]]++;
    /* Row 0 is the rotation that starts with the sentinel; its last symbol
     * is the text's last byte. Walk backwards through the text. */
    uint32_t row = 0;
    for (uint32_t i = n; i-- > 0;) {
        uint16_t sym = bwt_text[row];
        if (sym == 0)
            return 0; /* reached the sentinel early: inconsistent input */
        out[i] = (uint8_t)(sym - 1);
        row = lf[row];
    }
    return 1;
}

/* Move-to-front plus the zero-run code: bwt_last[0..n) -> bwt_syms. */
static uint32_t mtf_rle(uint32_t n) {
    uint8_t order[256];
    for (uint32_t i = 0; i < 256; i++)
        order[i] = (uint8_t)i;
    uint32_t count = 0, zeros = 0;
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t index = 0;
        if (i < n) {
            uint8_t b = bwt_last[i];
            while (order[index] != b)
                index++;
            for (uint32_t j = index; j > 0; j--)
                order[j] = order[j - 1];
            order[0] = b;
        }
        if (i < n && index == 0) {
            zeros++;
            continue;
        }
        /* Flush a zero run in bijective base 2: RUNA = 1, RUNB = 2. */
        if (zeros > 0)
            bstats.runs++;
        while (zeros > 0) {
            if (zeros & 1) {
                bwt_syms[count++] = RUNA;
                zeros = (zeros - 1) / 2;
            } else {
                bwt_syms[count++] = RUNB;
                zeros = (zeros - 2) / 2;
            }
        }
        if (i < n)
            bwt_syms[count++] = (uint16_t)(index + 1);
    }
    bwt_syms[count++] = BWT_EOB;
    return count;
}

/* Compresses in[0..len) block by block; returns the size or 0 on overflow.
 * Layout per block: 17-bit length (0 ends the stream), 17-bit primary row,
 * 258 code lengths of 4 bits, the coded symbols. Then the CRC-32. */
static uint32_t bwt_compress(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap) {
    struct bit_writer w;
    bw_init(&w, out, cap);
    bw_put(&w, 'B', 8);
    bw_put(&w, 'W', 8);
    static uint32_t freq[BWT_SYMBOLS];
    static uint8_t lengths[BWT_SYMBOLS];
    static uint16_t codes[BWT_SYMBOLS];
    for (uint32_t start = 0; start < len; start += BWT_BLOCK) {
        uint32_t n = len - start < BWT_BLOCK ? len - start : BWT_BLOCK;
        uint32_t primary = bwt_forward(in + start, n);
        uint32_t count = mtf_rle(n);
        for (uint32_t s = 0; s < BWT_SYMBOLS; s++)
            freq[s] = 0;
        for (uint32_t i = 0; i < count; i++)
            freq[bwt_syms[i]]++;
        build_lengths(freq, BWT_SYMBOLS, MAX_CODE_LEN, lengths);
        assign_codes(lengths, BWT_SYMBOLS, codes);
        bw_put(&w, n, 17);
        bw_put(&w, primary, 17);
        for (uint32_t s = 0; s < BWT_SYMBOLS; s++)
            bw_put(&w, lengths[s], 4);
        for (uint32_t i = 0; i < count; i++)
            bw_put(&w, codes[bwt_syms[i]], lengths[bwt_syms[i]]);
        bstats.blocks++;
    }
    bw_put(&w, 0, 17);
    uint32_t crc = crc32(0, in, len);
    bw_put(&w, crc & 0xffff, 16);
    bw_put(&w, crc >> 16, 16);
    bw_align(&w);
    return w.overflow ? 0 : w.pos;
}

enum bwt_error {
    BWT_OK = 0,
    BWT_BAD_MAGIC,
    BWT_BAD_BLOCK_LENGTH,
    BWT_BAD_CODE,
    BWT_BAD_SYMBOL,
    BWT_RUN_TOO_LONG,
    BWT_LENGTH_MISMATCH,
    BWT_BAD_PRIMARY,
    BWT_OUTPUT_FULL,
    BWT_TRUNCATED,
    BWT_BAD_CHECKSUM,
    BWT_ERROR_COUNT
};

static struct decoder bwt_decoder;

static enum bwt_error bwt_decompress(const uint8_t *in, uint32_t in_len, uint8_t *out, uint32_t cap,
                                     uint32_t *out_len) {
    struct bit_reader r;
    br_init(&r, in, in_len);
    *out_len = 0;
    if (br_get(&r, 8) != 'B' || br_get(&r, 8) != 'W')
        return BWT_BAD_MAGIC;
    static uint8_t lengths[BWT_SYMBOLS];
    uint32_t total = 0;
    for (;;) {
        uint32_t n = br_get(&r, 17);
        if (br_overrun(&r))
            return BWT_TRUNCATED;
        if (n == 0)
            break;
        if (n > BWT_BLOCK)
            return BWT_BAD_BLOCK_LENGTH;
        if (n > cap - total)
            return BWT_OUTPUT_FULL;
        uint32_t primary = br_get(&r, 17);
        for (uint32_t s = 0; s < BWT_SYMBOLS; s++)
            lengths[s] = (uint8_t)br_get(&r, 4);
        if (br_overrun(&r))
            return BWT_TRUNCATED;
        if (decoder_build(&bwt_decoder, lengths, BWT_SYMBOLS) != BUILD_OK)
            return BWT_BAD_CODE;
        /* Symbols -> MTF indices -> bytes of the last column. */
        uint8_t order[256];
        for (uint32_t i = 0; i < 256; i++)
            order[i] = (uint8_t)i;
        uint32_t filled = 0, run = 0, weight = 1;
        for (;;) {
            int32_t sym = decode_symbol(&r, &bwt_decoder);
            if (sym < 0 || r.extra > 8)
                return br_overrun(&r) ? BWT_TRUNCATED : BWT_BAD_SYMBOL;
            if (sym == RUNA || sym == RUNB) {
                if (weight > n)
                    return BWT_RUN_TOO_LONG;
                run += weight * (uint32_t)(sym == RUNA ? 1 : 2);
                weight <<= 1;
                if (run > n - filled)
                    return BWT_RUN_TOO_LONG;
                continue;
            }
            /* A run of index 0 repeats the byte at the front. */
            while (run > 0) {
                bwt_last[filled++] = order[0];
                run--;
            }
            weight = 1;
            if (sym == BWT_EOB)
                break;
            uint32_t index = (uint32_t)sym - 1;
            if (filled >= n)
                return BWT_LENGTH_MISMATCH;
            uint8_t b = order[index];
            for (uint32_t j = index; j > 0; j--)
                order[j] = order[j - 1];
            order[0] = b;
            bwt_last[filled++] = b;
        }
        if (filled != n)
            return BWT_LENGTH_MISMATCH;
        if (!bwt_inverse(bwt_last, n, primary, out + total))
            return BWT_BAD_PRIMARY;
        total += n;
        *out_len = total;
    }
    uint32_t lo = br_get(&r, 16), hi = br_get(&r, 16);
    if (br_overrun(&r))
        return BWT_TRUNCATED;
    return (hi << 16 | lo) == crc32(0, out, total) ? BWT_OK : BWT_BAD_CHECKSUM;
}

/* ==========================================================================
 * Part 9: the driver
 * ========================================================================== */

#define COMP_CAP (CORPUS_CAP + CORPUS_CAP / 8 + 4096)

static uint8_t compressed[COMP_CAP];
static uint8_t damaged[COMP_CAP];
static uint8_t restored[CORPUS_CAP];

/* Verdict counts over every decompression, by error code. */
static uint32_t inflate_verdicts[INF_ERROR_COUNT];
static uint32_t bwt_verdicts[BWT_ERROR_COUNT];

struct round_trip {
    uint32_t compressed_len;
    uint32_t crc;
    int ok;
};

static struct round_trip deflate_round_trip(const uint8_t *in, uint32_t len, int level) {
    struct round_trip rt;
    zero_bytes(&ds.stats, sizeof ds.stats);
    rt.compressed_len = zlib_compress(in, len, compressed, COMP_CAP, level);
    rt.crc = crc32(0, compressed, rt.compressed_len);
    uint32_t out_len = 0;
    enum inflate_error e = zlib_decompress(compressed, rt.compressed_len, restored, CORPUS_CAP, &out_len);
    inflate_verdicts[e]++;
    rt.ok = e == INF_OK && out_len == len && equal_bytes(restored, in, len);
    return rt;
}

static struct round_trip bwt_round_trip(const uint8_t *in, uint32_t len) {
    struct round_trip rt;
    rt.compressed_len = bwt_compress(in, len, compressed, COMP_CAP);
    rt.crc = crc32(0, compressed, rt.compressed_len);
    uint32_t out_len = 0;
    enum bwt_error e = bwt_decompress(compressed, rt.compressed_len, restored, CORPUS_CAP, &out_len);
    bwt_verdicts[e]++;
    rt.ok = e == BWT_OK && out_len == len && equal_bytes(restored, in, len);
    return rt;
}

/* One kind of damage to a compressed stream. */
enum damage { FLIP_BIT, SMASH_BYTES, TRUNCATE, DUPLICATE_SPAN, DAMAGE_KINDS };

static uint32_t apply_damage(const uint8_t *src, uint32_t len, uint8_t *dst, enum damage kind) {
    copy_bytes(dst, src, len);
    if (len < 8)
        return len;
    switch (kind) {
    case FLIP_BIT: {
        uint32_t at = 2 + rnd(len - 2);
        dst[at] ^= (uint8_t)(1u << rnd(8));
        return len;
    }
    case SMASH_BYTES: {
        uint32_t at = 2 + rnd(len - 6);
        for (uint32_t i = 0; i < 4; i++)
            dst[at + i] = (uint8_t)rnd32();
        return len;
    }
    case TRUNCATE:
        return 2 + rnd(len - 2);
    default: {
        /* Repeat a span over what follows it. */
        uint32_t span = 1 + rnd(len / 4);
        uint32_t at = 2 + rnd(len - span - 2);
        for (uint32_t i = 0; i + at + span < len && i < span; i++)
            dst[at + span + i] = dst[at + i];
        return len;
    }
    }
}

/* Feeds damaged copies of a good stream to the decoders: they must stop
 * with an error (or, rarely, decode something else) and never misbehave. */
static uint64_t damage_trials(const uint8_t *in, uint32_t len) {
    uint64_t h = 0;
    uint32_t good = zlib_compress(in, len, compressed, COMP_CAP, 1);
    for (uint32_t t = 0; t < CORRUPT_TRIALS; t++) {
        uint32_t n = apply_damage(compressed, good, damaged, (enum damage)(t % DAMAGE_KINDS));
        uint32_t out_len = 0;
        enum inflate_error e = zlib_decompress(damaged, n, restored, CORPUS_CAP, &out_len);
        inflate_verdicts[e]++;
        h = mix(h, (uint64_t)e << 32 | out_len);
        h = mix(h, crc32(0, restored, out_len));
    }
    good = bwt_compress(in, len, compressed, COMP_CAP);
    for (uint32_t t = 0; t < CORRUPT_TRIALS; t++) {
        uint32_t n = apply_damage(compressed, good, damaged, (enum damage)(t % DAMAGE_KINDS));
        uint32_t out_len = 0;
        enum bwt_error e = bwt_decompress(damaged, n, restored, CORPUS_CAP, &out_len);
        bwt_verdicts[e]++;
        h = mix(h, (uint64_t)e << 32 | out_len);
    }
    return h;
}

/* The whole corpus as a gzip member, then the same member with damaged
 * headers and trailers, which the container checks must catch. */
static uint64_t gzip_trials(void) {
    static uint32_t verdicts[GZ_ERROR_COUNT];
    zero_bytes(verdicts, sizeof verdicts);
    struct gzip_info info;
    uint32_t n = gzip_compress(corpus, corpus_len, compressed, COMP_CAP, 1, "corpus.txt",
                               "generated by the wisp benchmark", 1700000000u);
    uint32_t out_len = 0;
    enum gzip_error e = gzip_decompress(compressed, n, restored, CORPUS_CAP, &out_len, &info);
    verdicts[e]++;
    uint64_t h = mix(n, crc32(0, compressed, n));
    h = mix(h, e == GZ_OK && out_len == corpus_len && equal_bytes(restored, corpus, corpus_len));
    h = mix(h, info.mtime ^ info.name_len << 8 ^ info.comment_len << 16 ^ info.extra_len << 24);
    /* One byte at a time through the header, then the trailer. */
    uint32_t header = 10 + 2 + info.extra_len + info.name_len + 1 + info.comment_len + 1 + 2;
    for (uint32_t at = 0; at < header + 8 && n > 8; at++) {
        uint32_t where = at < header ? at : n - 8 + (at - header);
        copy_bytes(damaged, compressed, n);
        damaged[where] ^= 0x40;
        e = gzip_decompress(damaged, n, restored, CORPUS_CAP, &out_len, &info);
        verdicts[e]++;
        h = mix(h, (uint64_t)e << 8 | info.inflate_error);
    }
    for (uint32_t i = 0; i < GZ_ERROR_COUNT; i++)
        h = mix(h, verdicts[i]);
    return h;
}

EXPORT("run") uint64_t run(void) {
    rng_state = 0xC0DEC0DEu;
    crc_init();
    deflate_tables_init();
    zero_bytes(inflate_verdicts, sizeof inflate_verdicts);
    zero_bytes(bwt_verdicts, sizeof bwt_verdicts);
    zero_bytes(&bstats, sizeof bstats);
    build_corpus();

    uint64_t h = mix(0, crc32(0, corpus, corpus_len));
    uint32_t failures = 0;
    for (uint32_t i = 0; i < input_count; i++) {
        const struct input *in = &inputs[i];
        const uint8_t *data = corpus + in->start;
        h = mix(h, in->len + str_len(in->name));
        for (int level = 0; level < LEVEL_COUNT; level++) {
            struct round_trip rt = deflate_round_trip(data, in->len, level);
            failures += !rt.ok;
            h = mix(h, rt.compressed_len);
            h = mix(h, rt.crc);
            h = mix(h, ds.stats.stored_blocks | ds.stats.fixed_blocks << 8 | ds.stats.dynamic_blocks << 16);
            h = mix(h, ds.stats.matched_bytes);
        }
        struct round_trip rt = bwt_round_trip(data, in->len);
        failures += !rt.ok;
        h = mix(h, rt.compressed_len);
        h = mix(h, rt.crc);
    }
    /* The whole corpus as one stream: blocks span the input boundaries. */
    struct round_trip all = deflate_round_trip(corpus, corpus_len, 1);
    failures += !all.ok;
    h = mix(mix(h, all.compressed_len), all.crc);
    h = mix(h, gzip_trials());

    /* Damaged streams, from the log input (the most repetitive). */
    h = mix(h, damage_trials(corpus + inputs[3].start, inputs[3].len / 4));

    for (uint32_t e = 0; e < INF_ERROR_COUNT; e++)
        h = mix(h, inflate_verdicts[e]);
    for (uint32_t e = 0; e < BWT_ERROR_COUNT; e++)
        h = mix(h, bwt_verdicts[e]);
    h = mix(h, bstats.blocks | (uint64_t)bstats.sort_passes << 16 | (uint64_t)bstats.runs << 32);
    return mix(h, failures);
}
