/*
 * regex: a larger program -- a regular-expression engine and a grep-like
 * driver that runs a few dozen patterns over generated log and text lines.
 *
 *  1. A parser for a practical regex dialect: literals and escapes (\n \t
 *     \xHH, \d \w \s and their negations), `.`, bracket classes with ranges
 *     and negation, groups (capturing, `(?:...)`, `(?i)` and `(?i:...)`),
 *     alternation, the quantifiers * + ? {n} {n,} {n,m} and their lazy
 *     forms, and the assertions ^ $ \b \B. Malformed patterns get a typed
 *     error and the offset where parsing stopped.
 *  2. A compiler from the syntax tree to a Thompson-NFA program (char,
 *     class, any, split, jmp, save, assert, match), with counted repetition
 *     expanded and a bound on the program size.
 *  3. Three matchers, which must agree:
 *       - a lazy DFA (states are sets of NFA positions plus the look-behind
 *         flags the assertions need, built on demand and cached, with a
 *         flush when the cache is full) that answers "does the line match";
 *       - a Pike VM (breadth-first NFA simulation with per-thread capture
 *         slots, leftmost-first priority) that finds the match and groups;
 *       - a bounded backtracker (depth-first, with a visited bitmap over
 *         (instruction, position) so it stays linear) that finds the same.
 *  4. A literal prefilter (a required substring of the pattern, searched
 *     before any matcher runs), and find-all, global replace and split built
 *     on the Pike VM.
 *
 * The checksum covers match counts, capture offsets, replaced text, the DFA
 * cache statistics and the parser's verdicts on a list of invalid patterns;
 * any disagreement between the matchers is counted into it as well.
 *
 * The program is freestanding (no C library): all storage is static and
 * every run() starts from scratch.
 */
#include "bench.h"

#ifndef LINES
#define LINES 700
#endif
#ifndef CROSS_CHECK_EVERY
#define CROSS_CHECK_EVERY 3 /* run the backtracker on every n-th line */
#endif

/* ==========================================================================
 * Part 0: small utilities
 * ========================================================================== */

static uint64_t rng_state;

static uint32_t rnd32(void) { return (uint32_t)(sm64_next(&rng_state) >> 32); }

static uint32_t rnd(uint32_t n) { return rnd32() % n; }

static uint32_t str_len(const char *s) {
    uint32_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static int is_upper(uint32_t c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(uint32_t c) { return c >= 'a' && c <= 'z'; }
static int is_alpha(uint32_t c) { return is_upper(c) || is_lower(c); }
static int is_word(uint32_t c) { return is_alpha(c) || is_digit(c) || c == '_'; }
static int is_space(uint32_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static uint32_t to_lower(uint32_t c) { return is_upper(c) ? c - 'A' + 'a' : c; }
static uint32_t to_upper(uint32_t c) { return is_lower(c) ? c - 'a' + 'A' : c; }

static uint32_t hex_value(uint32_t c) {
    if (is_digit(c))
        return c - '0';
    c = to_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return 16;
}

/* ==========================================================================
 * Part 1: the text generator
 * ========================================================================== */

#define TEXT_CAP (1u << 20)
#define MAX_LINE 400

static uint8_t text[TEXT_CAP];
static uint32_t text_len;

/* Line i is text[line_start[i] .. line_start[i] + line_len[i]). */
static uint32_t line_start[LINES + 1];
static uint32_t line_len[LINES + 1];
static uint32_t line_count;

static void put_byte(uint8_t b) {
    if (text_len < TEXT_CAP)
        text[text_len++] = b;
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

static void put_padded(uint32_t v, uint32_t width) {
    char digits[12];
    for (uint32_t i = 0; i < width && i < 12; i++) {
        digits[width - 1 - i] = (char)('0' + v % 10);
        v /= 10;
    }
    for (uint32_t i = 0; i < width && i < 12; i++)
        put_byte((uint8_t)digits[i]);
}

static void put_hex(uint32_t v, uint32_t digits) {
    static const char HEX[] = "0123456789abcdef";
    for (uint32_t i = digits; i-- > 0;)
        put_byte((uint8_t)HEX[(v >> (4 * i)) & 15]);
}

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static const char *pick(const char *const *words, uint32_t count) {
    uint32_t a = rnd(count), b = rnd(count);
    return words[a < b ? a : b]; /* skewed towards the first entries */
}

static const char *const USERS[] = {"alice", "bob", "carol", "dave", "erin", "frank",
                                    "grace", "heidi", "ivan", "judy", "mallory", "oscar"};
static const char *const DOMAINS[] = {"example.com", "mail.example.org", "corp.test",
                                      "university.edu", "shop.example.net"};
static const char *const LEVELS[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
static const char *const ACTIONS[] = {"logged in", "logged out", "updated profile",
                                      "failed to authenticate", "requested a timeout reset",
                                      "uploaded 3 files", "deleted an item"};
static const char *const METHODS[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
static const char *const PATHS[] = {"/", "/index.html", "/api/v1/users", "/api/v1/orders",
                                    "/static/app.js", "/search", "/login", "/api/v2/items"};
static const char *const AGENTS[] = {"Mozilla/5.0 (X11; Linux x86_64)",
                                     "Mozilla/4.0 (compatible; MSIE 6.0)", "curl/8.1.2",
                                     "Mozilla/5.0 (Macintosh; Intel Mac OS X)"};
static const char *const WORDS[] = {
    "the", "of", "and", "a", "to", "in", "is", "that", "for", "it", "as", "was", "with",
    "be", "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which",
    "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we",
    "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who",
    "so", "no", "running", "jumping", "thinking", "building", "testing", "strength",
    "rhythm", "crypts", "nymphs", "Paris", "London", "Tuesday", "March", "system",
    "process", "memory", "engine", "select", "insert", "update", "query", "table",
};
static const char *const IDENTS[] = {"count", "index", "buffer", "length", "result",
                                     "node", "value", "key", "table", "offset", "state"};
static const char *const TYPES[] = {"int", "size_t", "uint32_t", "const char *", "double",
                                    "struct node *"};
static const char *const SETTINGS[] = {"timeout", "retries", "max_connections", "port",
                                       "cache_size", "interval", "workers"};
static const char *const UNITS[] = {"", "", "ms", "s", "m"};

static void gen_timestamp(void) {
    put_str("2024-");
    put_padded(1 + rnd(12), 2);
    put_byte('-');
    put_padded(1 + rnd(28), 2);
    put_byte(' ');
    put_padded(rnd(24), 2);
    put_byte(':');
    put_padded(rnd(60), 2);
    put_byte(':');
    put_padded(rnd(60), 2);
}

static void gen_ip(void) {
    put_uint(rnd(4) == 0 ? 192 : 10);
    put_byte('.');
    put_uint(rnd(256));
    put_byte('.');
    put_uint(rnd(256));
    put_byte('.');
    /* Now and then an out-of-range octet, which a careful pattern rejects. */
    put_uint(rnd(40) == 0 ? 256 + rnd(700) : rnd(256));
}

static void gen_email(void) {
    put_str(pick(USERS, COUNT(USERS)));
    if (rnd(3) == 0) {
        put_byte('.');
        put_str(pick(USERS, COUNT(USERS)));
    }
    if (rnd(4) == 0)
        put_uint(rnd(100));
    put_byte('@');
    put_str(pick(DOMAINS, COUNT(DOMAINS)));
}

static void gen_log_line(void) {
    gen_timestamp();
    put_byte(' ');
    put_str(pick(LEVELS, COUNT(LEVELS)));
    put_str(" [worker-");
    put_uint(rnd(10));
    put_str("] user ");
    gen_email();
    put_byte(' ');
    put_str(pick(ACTIONS, COUNT(ACTIONS)));
    put_str(" from ");
    gen_ip();
    if (rnd(3) == 0) {
        put_str(" status=");
        put_uint(rnd(2) ? 200 + rnd(7) : (rnd(2) ? 404 : 500 + rnd(4)));
    }
}

static void gen_http_line(void) {
    put_str(pick(METHODS, COUNT(METHODS)));
    put_byte(' ');
    put_str(pick(PATHS, COUNT(PATHS)));
    if (rnd(2)) {
        put_str("/");
        put_uint(rnd(100000));
    }
    if (rnd(3) == 0) {
        put_str("?q=");
        put_str(pick(WORDS, COUNT(WORDS)));
        put_str("&page=");
        put_uint(1 + rnd(20));
    }
    put_str(rnd(5) ? " HTTP/1.1 " : " HTTP/1.0 ");
    put_uint(rnd(8) ? 200 : 404);
    put_byte(' ');
    put_uint(rnd(90000));
    put_str(" \"");
    put_str(pick(AGENTS, COUNT(AGENTS)));
    put_byte('"');
}

static void gen_prose_line(void) {
    uint32_t words = 6 + rnd(18);
    for (uint32_t w = 0; w < words; w++) {
        const char *word = pick(WORDS, COUNT(WORDS));
        if (w == 0 && is_lower((uint8_t)word[0])) {
            put_byte((uint8_t)to_upper((uint8_t)word[0]));
            put_str(word + 1);
        } else {
            put_str(word);
        }
        if (w + 1 < words)
            put_str(rnd(12) == 0 ? ", " : " ");
    }
    put_str(rnd(6) == 0 ? "?" : ".");
}

static void gen_code_line(void) {
    uint32_t indent = rnd(3);
    for (uint32_t i = 0; i < indent; i++)
        put_str("    ");
    switch (rnd(5)) {
    case 0:
        put_str(pick(TYPES, COUNT(TYPES)));
        put_byte(' ');
        put_str(pick(IDENTS, COUNT(IDENTS)));
        put_str(" = 0x");
        uint32_t value = rnd32(); /* two draws in sequence, not as arguments */
        put_hex(value, 1 + rnd(8));
        put_str(";");
        break;
    case 1:
        put_str("if (");
        put_str(pick(IDENTS, COUNT(IDENTS)));
        put_str(" < ");
        put_uint(rnd(1000));
        put_str(") { return \"");
        put_str(pick(WORDS, COUNT(WORDS)));
        if (rnd(3) == 0)
            put_str("\\\" quoted \\\\ text");
        put_str("\"; }");
        break;
    case 2:
        put_str("static ");
        put_str(pick(TYPES, COUNT(TYPES)));
        put_byte(' ');
        put_str(pick(IDENTS, COUNT(IDENTS)));
        put_byte('_');
        put_str(pick(IDENTS, COUNT(IDENTS)));
        put_str("(const char *name, size_t len);");
        break;
    case 3:
        put_str("# ");
        put_str(pick(WORDS, COUNT(WORDS)));
        put_str(" (see ");
        put_str(pick(IDENTS, COUNT(IDENTS)));
        put_str(")");
        break;
    default:
        put_str(pick(SETTINGS, COUNT(SETTINGS)));
        put_str(rnd(2) ? " = " : "=");
        put_uint(rnd(5000));
        put_str(pick(UNITS, COUNT(UNITS)));
        if (rnd(3) == 0) {
            put_str("\t# phone 555-");
            put_padded(rnd(10000), 4);
        }
        break;
    }
}

static void gen_csv_line(void) {
    put_uint(1000 + rnd(9000));
    put_byte(',');
    put_str(pick(USERS, COUNT(USERS)));
    put_byte(',');
    put_uint(rnd(500));
    put_str(",\"");
    put_str(pick(WORDS, COUNT(WORDS)));
    put_byte(' ');
    put_str(pick(WORDS, COUNT(WORDS)));
    put_str("\",");
    put_uint(rnd(100));
    put_byte('.');
    put_padded(rnd(100), 2);
}

static void build_text(void) {
    text_len = 0;
    line_count = 0;
    for (uint32_t i = 0; i < LINES && text_len + 2 * MAX_LINE < TEXT_CAP; i++) {
        uint32_t start = text_len;
        uint32_t kind = rnd(16);
        if (kind < 5)
            gen_log_line();
        else if (kind < 8)
            gen_http_line();
        else if (kind < 11)
            gen_prose_line();
        else if (kind < 14)
            gen_code_line();
        else if (kind < 15)
            gen_csv_line();
        /* kind 15: an empty line */
        if (text_len - start > MAX_LINE)
            text_len = start + MAX_LINE;
        line_start[line_count] = start;
        line_len[line_count] = text_len - start;
        line_count++;
        put_byte('\n');
    }
}

/* ==========================================================================
 * Part 2: the syntax tree and the parser
 * ========================================================================== */

enum node_kind {
    N_EMPTY,     /* matches the empty string */
    N_LITERAL,   /* one byte: value */
    N_CLASS,     /* a set of bytes: value is the class index */
    N_ANY,       /* any byte but '\n' */
    N_CONCAT,    /* children in sequence */
    N_ALTERNATE, /* one of the children, the first preferred */
    N_REPEAT,    /* the child min..max times (max REPEAT_INF = unbounded) */
    N_GROUP,     /* a capture group: value is the group number */
    N_ASSERT,    /* a zero-width test: value is an assert_kind */
};

enum assert_kind { A_BEGIN, A_END, A_WORD_BOUNDARY, A_NOT_WORD_BOUNDARY };

#define REPEAT_INF 0xffffu
#define MAX_REPEAT 100
#define MAX_NODES 1024
#define MAX_CLASSES 96
#define MAX_GROUPS 10
#define NO_NODE (-1)

struct node {
    uint8_t kind;
    uint8_t greedy;
    uint16_t min, max;
    int32_t value;
    int32_t first_child, last_child, next_sibling;
};

/* A byte set: bit c of bits[c / 32]. */
struct byte_class {
    uint32_t bits[8];
};

enum regex_error {
    RE_OK = 0,
    RE_MISSING_PAREN,      /* "(" without ")" */
    RE_UNEXPECTED_PAREN,   /* ")" without "(" */
    RE_NOTHING_TO_REPEAT,  /* a quantifier at the start or after "|" or "(" */
    RE_MULTIPLE_REPEAT,    /* "a**", "a{2}+" */
    RE_BAD_ESCAPE,         /* an unknown escape such as \q */
    RE_TRAILING_BACKSLASH, /* the pattern ends in "\" */
    RE_MISSING_BRACKET,    /* "[" without "]" */
    RE_BAD_RANGE,          /* "[z-a]" or a class escape as a range end */
    RE_BAD_REPEAT,         /* "{3,2}", or a count above MAX_REPEAT */
    RE_BAD_GROUP_FLAG,     /* "(?x)" or another unsupported flag */
    RE_TOO_MANY_NODES,
    RE_TOO_MANY_CLASSES,
    RE_TOO_MANY_GROUPS,
    RE_PROGRAM_TOO_LARGE,
    RE_ERROR_COUNT
};

struct parser {
    const char *pattern;
    uint32_t len, pos;
    int fold; /* case-insensitive matching is on */
    enum regex_error error;
    uint32_t error_pos;
};

/* The tree and classes of the pattern being compiled. */
static struct node nodes[MAX_NODES];
static uint32_t node_count;
static struct byte_class classes[MAX_CLASSES];
static uint32_t class_count;
static uint32_t group_count; /* capture groups, group 0 (the whole match) included */

static void fail(struct parser *p, enum regex_error e) {
    if (p->error == RE_OK) {
        p->error = e;
        p->error_pos = p->pos;
    }
}

static int32_t new_node(struct parser *p, enum node_kind kind) {
    if (node_count >= MAX_NODES) {
        fail(p, RE_TOO_MANY_NODES);
        return NO_NODE;
    }
    int32_t id = (int32_t)node_count++;
    struct node *n = &nodes[id];
    n->kind = (uint8_t)kind;
    n->greedy = 1;
    n->min = n->max = 1;
    n->value = 0;
    n->first_child = n->last_child = n->next_sibling = NO_NODE;
    return id;
}

static void add_child(int32_t parent, int32_t child) {
    struct node *p = &nodes[parent];
    if (p->last_child == NO_NODE)
        p->first_child = child;
    else
        nodes[p->last_child].next_sibling = child;
    p->last_child = child;
}

static int32_t new_class(struct parser *p) {
    if (class_count >= MAX_CLASSES) {
        fail(p, RE_TOO_MANY_CLASSES);
        return -1;
    }
    struct byte_class *c = &classes[class_count];
    for (int i = 0; i < 8; i++)
        c->bits[i] = 0;
    return (int32_t)class_count++;
}

static void class_add(struct byte_class *c, uint32_t b) { c->bits[b >> 5] |= 1u << (b & 31); }

static int class_has(const struct byte_class *c, uint32_t b) { return (c->bits[b >> 5] >> (b & 31)) & 1; }

static void class_add_range(struct byte_class *c, uint32_t lo, uint32_t hi, int fold) {
    for (uint32_t b = lo; b <= hi; b++) {
        class_add(c, b);
        if (fold && is_alpha(b)) {
            class_add(c, to_lower(b));
            class_add(c, to_upper(b));
        }
    }
}

static void class_negate(struct byte_class *c) {
    for (int i = 0; i < 8; i++)
        c->bits[i] = ~c->bits[i];
}

/* Adds the set named by a class escape letter (d w s, upper case negated). */
static void class_add_named(struct byte_class *c, uint32_t letter) {
    struct byte_class named;
    for (int i = 0; i < 8; i++)
        named.bits[i] = 0;
    uint32_t lower = to_lower(letter);
    for (uint32_t b = 0; b < 256; b++) {
        int in = lower == 'd' ? is_digit(b) : lower == 'w' ? is_word(b) : is_space(b);
        if (in)
            class_add(&named, b);
    }
    if (is_upper(letter))
        class_negate(&named);
    for (int i = 0; i < 8; i++)
        c->bits[i] |= named.bits[i];
}

static int at_end(const struct parser *p) { return p->pos >= p->len; }

static uint32_t peek(const struct parser *p) { return at_end(p) ? 0 : (uint8_t)p->pattern[p->pos]; }

static int accept(struct parser *p, uint32_t c) {
    if (!at_end(p) && peek(p) == c) {
        p->pos++;
        return 1;
    }
    return 0;
}

/* A literal byte node, or a two-case class when folding letters. */
static int32_t literal_node(struct parser *p, uint32_t b) {
    if (p->fold && is_alpha(b)) {
        int32_t cls = new_class(p);
        int32_t n = new_node(p, N_CLASS);
        if (cls < 0 || n == NO_NODE)
            return NO_NODE;
        class_add(&classes[cls], to_lower(b));
        class_add(&classes[cls], to_upper(b));
        nodes[n].value = cls;
        return n;
    }
    int32_t n = new_node(p, N_LITERAL);
    if (n != NO_NODE)
        nodes[n].value = (int32_t)b;
    return n;
}

/*
 * Parses the escape after a backslash (p->pos is just past it). For class
 * escapes (\d \w \s and negations) returns -2 - letter; for single bytes
 * returns the byte; -1 on error.
 */
static int32_t parse_escape(struct parser *p) {
    if (at_end(p)) {
        fail(p, RE_TRAILING_BACKSLASH);
        return -1;
    }
    uint32_t c = peek(p);
    p->pos++;
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case 'f':
        return '\f';
    case 'v':
        return '\v';
    case '0':
        return 0;
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S':
        return -2 - (int32_t)c;
    case 'x': {
        uint32_t hi = hex_value(peek(p));
        if (hi < 16)
            p->pos++;
        uint32_t lo = hex_value(peek(p));
        if (hi >= 16 || lo >= 16) {
            fail(p, RE_BAD_ESCAPE);
            return -1;
        }
        p->pos++;
        return (int32_t)(hi * 16 + lo);
    }
    default:
        /* Any punctuation may be escaped; letters and digits may not. */
        if (is_word(c)) {
            p->pos--;
            fail(p, RE_BAD_ESCAPE);
            return -1;
        }
        return (int32_t)c;
    }
}

/* Parses a bracket class; p->pos is just past the "[". */
static int32_t parse_class(struct parser *p) {
    int32_t cls = new_class(p);
    int32_t n = new_node(p, N_CLASS);
    if (cls < 0 || n == NO_NODE)
        return NO_NODE;
    nodes[n].value = cls;
    struct byte_class *c = &classes[cls];
    int negated = accept(p, '^');
    int first = 1;
    for (;;) {
        if (at_end(p)) {
            fail(p, RE_MISSING_BRACKET);
            return NO_NODE;
        }
        uint32_t ch = peek(p);
        if (ch == ']' && !first) {
            p->pos++;
            break;
        }
        first = 0;
        p->pos++;
        int32_t lo = (int32_t)ch;
        if (ch == '\\') {
            lo = parse_escape(p);
            if (lo == -1)
                return NO_NODE;
            if (lo <= -2) {
                class_add_named(c, (uint32_t)(-2 - lo));
                continue;
            }
        }
        /* A range, unless the "-" is the last thing before "]". */
        if (peek(p) == '-' && p->pos + 1 < p->len && p->pattern[p->pos + 1] != ']') {
            p->pos++;
            uint32_t hc = peek(p);
            p->pos++;
            int32_t hi = (int32_t)hc;
            if (hc == '\\') {
                hi = parse_escape(p);
                if (hi == -1)
                    return NO_NODE;
                if (hi <= -2) {
                    fail(p, RE_BAD_RANGE);
                    return NO_NODE;
                }
            }
            if (hi < lo) {
                fail(p, RE_BAD_RANGE);
                return NO_NODE;
            }
            class_add_range(c, (uint32_t)lo, (uint32_t)hi, p->fold);
        } else {
            class_add_range(c, (uint32_t)lo, (uint32_t)lo, p->fold);
        }
    }
    if (negated)
        class_negate(c);
    return n;
}

static int32_t parse_alternation(struct parser *p);

/* Parses a decimal count for {n,m}; returns -1 if there are no digits. */
static int32_t parse_count(struct parser *p) {
    if (!is_digit(peek(p)))
        return -1;
    int32_t v = 0;
    while (is_digit(peek(p))) {
        v = v * 10 + (int32_t)(peek(p) - '0');
        if (v > 100000)
            v = 100000; /* saturate; rejected below */
        p->pos++;
    }
    return v;
}

/* Parses a group after its "(": capturing, (?:...), (?i) or (?i:...). */
static int32_t parse_group(struct parser *p) {
    int saved_fold = p->fold;
    int capture = 1;
    if (accept(p, '?')) {
        capture = 0;
        if (accept(p, 'i')) {
            p->fold = 1;
            if (accept(p, ')')) {
                /* (?i) turns folding on for the rest of the enclosing group. */
                return new_node(p, N_EMPTY);
            }
            if (!accept(p, ':')) {
                fail(p, RE_BAD_GROUP_FLAG);
                return NO_NODE;
            }
        } else if (!accept(p, ':')) {
            fail(p, RE_BAD_GROUP_FLAG);
            return NO_NODE;
        }
    }
    int32_t group = NO_NODE;
    if (capture) {
        if (group_count >= MAX_GROUPS) {
            fail(p, RE_TOO_MANY_GROUPS);
            return NO_NODE;
        }
        group = new_node(p, N_GROUP);
        if (group == NO_NODE)
            return NO_NODE;
        nodes[group].value = (int32_t)group_count++;
    }
    int32_t inner = parse_alternation(p);
    if (inner == NO_NODE)
        return NO_NODE;
    if (!accept(p, ')')) {
        fail(p, RE_MISSING_PAREN);
        return NO_NODE;
    }
    p->fold = saved_fold;
    if (capture) {
        add_child(group, inner);
        return group;
    }
    return inner;
}

/* Parses one atom; returns NO_NODE at "|" or ")" or the end (with no error). */
static int32_t parse_atom(struct parser *p) {
    uint32_t c = peek(p);
    switch (c) {
    case '(':
        p->pos++;
        return parse_group(p);
    case '[':
        p->pos++;
        return parse_class(p);
    case '.':
        p->pos++;
        return new_node(p, N_ANY);
    case '^':
    case '$': {
        p->pos++;
        int32_t n = new_node(p, N_ASSERT);
        if (n != NO_NODE)
            nodes[n].value = c == '^' ? A_BEGIN : A_END;
        return n;
    }
    case '*':
    case '+':
    case '?':
        fail(p, RE_NOTHING_TO_REPEAT);
        return NO_NODE;
    case '{':
        /* A "{" that does not start a valid count is a literal. */
        if (p->pos + 1 < p->len && is_digit((uint8_t)p->pattern[p->pos + 1])) {
            fail(p, RE_NOTHING_TO_REPEAT);
            return NO_NODE;
        }
        p->pos++;
        return literal_node(p, c);
    case '\\': {
        p->pos++;
        uint32_t next = peek(p);
        if (next == 'b' || next == 'B') {
            p->pos++;
            int32_t n = new_node(p, N_ASSERT);
            if (n != NO_NODE)
                nodes[n].value = next == 'b' ? A_WORD_BOUNDARY : A_NOT_WORD_BOUNDARY;
            return n;
        }
        int32_t e = parse_escape(p);
        if (e == -1)
            return NO_NODE;
        if (e <= -2) {
            int32_t cls = new_class(p);
            int32_t n = new_node(p, N_CLASS);
            if (cls < 0 || n == NO_NODE)
                return NO_NODE;
            class_add_named(&classes[cls], (uint32_t)(-2 - e));
            nodes[n].value = cls;
            return n;
        }
        return literal_node(p, (uint32_t)e);
    }
    default:
        p->pos++;
        return literal_node(p, c);
    }
}

/* Parses a quantifier after an atom, if there is one; wraps the atom. */
static int32_t parse_quantifier(struct parser *p, int32_t atom) {
    uint32_t c = peek(p);
    uint32_t min, max;
    if (c == '*' || c == '+' || c == '?') {
        p->pos++;
        min = c == '+' ? 1 : 0;
        max = c == '?' ? 1 : REPEAT_INF;
    } else if (c == '{' && p->pos + 1 < p->len && is_digit((uint8_t)p->pattern[p->pos + 1])) {
        p->pos++;
        int32_t lo = parse_count(p);
        int32_t hi = lo;
        if (accept(p, ',')) {
            hi = parse_count(p);
            if (hi < 0)
                hi = (int32_t)REPEAT_INF;
        }
        if (!accept(p, '}')) {
            fail(p, RE_BAD_REPEAT);
            return NO_NODE;
        }
        if (lo > MAX_REPEAT || (hi != (int32_t)REPEAT_INF && (hi > MAX_REPEAT || hi < lo))) {
            fail(p, RE_BAD_REPEAT);
            return NO_NODE;
        }
        min = (uint32_t)lo;
        max = (uint32_t)hi;
    } else {
        return atom;
    }
    int32_t r = new_node(p, N_REPEAT);
    if (r == NO_NODE)
        return NO_NODE;
    nodes[r].min = (uint16_t)min;
    nodes[r].max = (uint16_t)max;
    nodes[r].greedy = !accept(p, '?');
    add_child(r, atom);
    c = peek(p);
    if (c == '*' || c == '+' || c == '?' ||
        (c == '{' && p->pos + 1 < p->len && is_digit((uint8_t)p->pattern[p->pos + 1]))) {
        fail(p, RE_MULTIPLE_REPEAT);
        return NO_NODE;
    }
    return r;
}

static int32_t parse_concat(struct parser *p) {
    int32_t concat = new_node(p, N_CONCAT);
    if (concat == NO_NODE)
        return NO_NODE;
    while (!at_end(p) && peek(p) != '|' && peek(p) != ')') {
        int32_t atom = parse_atom(p);
        if (atom == NO_NODE)
            return NO_NODE;
        /* Zero-width atoms may not be repeated. */
        if (nodes[atom].kind == N_ASSERT || nodes[atom].kind == N_EMPTY) {
            uint32_t c = peek(p);
            if (c == '*' || c == '+' || c == '?') {
                fail(p, RE_NOTHING_TO_REPEAT);
                return NO_NODE;
            }
        }
        int32_t item = parse_quantifier(p, atom);
        if (item == NO_NODE)
            return NO_NODE;
        add_child(concat, item);
    }
    return concat;
}

static int32_t parse_alternation(struct parser *p) {
    int32_t first = parse_concat(p);
    if (first == NO_NODE || peek(p) != '|')
        return first;
    int32_t alt = new_node(p, N_ALTERNATE);
    if (alt == NO_NODE)
        return NO_NODE;
    add_child(alt, first);
    while (accept(p, '|')) {
        int32_t next = parse_concat(p);
        if (next == NO_NODE)
            return NO_NODE;
        add_child(alt, next);
    }
    return alt;
}

/* Parses a whole pattern; the root is wrapped in group 0. */
static int32_t parse(struct parser *p, const char *pattern) {
    p->pattern = pattern;
    p->len = str_len(pattern);
    p->pos = 0;
    p->fold = 0;
    p->error = RE_OK;
    p->error_pos = 0;
    node_count = 0;
    class_count = 0;
    group_count = 1;
    int32_t root = new_node(p, N_GROUP);
    if (root == NO_NODE)
        return NO_NODE;
    nodes[root].value = 0;
    int32_t body = parse_alternation(p);
    if (body == NO_NODE) {
        fail(p, RE_TOO_MANY_NODES); /* only if no more precise error was set */
        return NO_NODE;
    }
    if (!at_end(p)) {
        /* parse_alternation stops only at the end or at an unopened ")". */
        fail(p, RE_UNEXPECTED_PAREN);
        return NO_NODE;
    }
    add_child(root, body);
    return root;
}

/* ==========================================================================
 * Part 3: the compiler to an NFA program
 * ========================================================================== */

enum opcode {
    OP_CHAR,   /* x: the byte */
    OP_CLASS,  /* x: the class index */
    OP_ANY,    /* any byte but '\n' */
    OP_SPLIT,  /* continue at x (preferred) and at y */
    OP_JMP,    /* continue at x */
    OP_SAVE,   /* x: capture slot to set to the current position */
    OP_ASSERT, /* x: an assert_kind that must hold here */
    OP_MATCH,
};

#define MAX_INSTS 2048
#define MAX_SLOTS (2 * MAX_GROUPS)

struct inst {
    uint8_t op;
    uint16_t x, y;
};

/* A compiled pattern. */
struct program {
    struct inst insts[MAX_INSTS];
    uint32_t len;
    uint32_t slots;   /* 2 per group */
    int anchored;     /* every match must start at position 0 */
    /* A byte string every match contains (for the prefilter). */
    uint8_t literal[64];
    uint32_t literal_len;
};

static struct program prog;
static int compile_overflow;

static uint32_t emit(enum opcode op, uint32_t x, uint32_t y) {
    if (prog.len >= MAX_INSTS) {
        compile_overflow = 1;
        return MAX_INSTS - 1;
    }
    struct inst *i = &prog.insts[prog.len];
    i->op = (uint8_t)op;
    i->x = (uint16_t)x;
    i->y = (uint16_t)y;
    return prog.len++;
}

static void patch_x(uint32_t at, uint32_t target) {
    if (at < MAX_INSTS)
        prog.insts[at].x = (uint16_t)target;
}

static void patch_y(uint32_t at, uint32_t target) {
    if (at < MAX_INSTS)
        prog.insts[at].y = (uint16_t)target;
}

static void compile_node(int32_t id);

/* e* (greedy) is: L: split body, out; body: e; jmp L; out. Lazy swaps the
 * split's preference. */
static void compile_star(int32_t child, int greedy) {
    uint32_t split = emit(OP_SPLIT, 0, 0);
    uint32_t body = prog.len;
    compile_node(child);
    emit(OP_JMP, split, 0);
    uint32_t out = prog.len;
    if (greedy) {
        patch_x(split, body);
        patch_y(split, out);
    } else {
        patch_x(split, out);
        patch_y(split, body);
    }
}

/* e? (greedy) is: split body, out; body: e; out. */
static uint32_t compile_optional_open(int greedy) {
    uint32_t split = emit(OP_SPLIT, 0, 0);
    if (greedy)
        patch_x(split, prog.len);
    else
        patch_y(split, prog.len);
    return split;
}

static void compile_optional_close(uint32_t split, int greedy) {
    if (greedy)
        patch_y(split, prog.len);
    else
        patch_x(split, prog.len);
}

static void compile_repeat(const struct node *n) {
    int32_t child = n->first_child;
    for (uint32_t i = 0; i < n->min && !compile_overflow; i++)
        compile_node(child);
    if (n->max == REPEAT_INF) {
        compile_star(child, n->greedy);
        return;
    }
    /* max - min nested optional copies: e{0,2} = (e(e)?)? */
    uint32_t open[MAX_REPEAT];
    uint32_t optional = (uint32_t)(n->max - n->min);
    for (uint32_t i = 0; i < optional && !compile_overflow; i++) {
        open[i] = compile_optional_open(n->greedy);
        compile_node(child);
    }
    for (uint32_t i = optional; i-- > 0;)
        compile_optional_close(open[i], n->greedy);
}

static void compile_alternate(const struct node *n) {
    uint32_t jumps[MAX_NODES];
    uint32_t jump_count = 0;
    for (int32_t c = n->first_child; c != NO_NODE; c = nodes[c].next_sibling) {
        if (nodes[c].next_sibling == NO_NODE) {
            compile_node(c); /* the last alternative needs no split */
            break;
        }
        uint32_t split = emit(OP_SPLIT, 0, 0);
        patch_x(split, prog.len);
        compile_node(c);
        jumps[jump_count++] = emit(OP_JMP, 0, 0);
        patch_y(split, prog.len);
    }
    for (uint32_t i = 0; i < jump_count; i++)
        patch_x(jumps[i], prog.len);
}

static void compile_node(int32_t id) {
    if (compile_overflow || id == NO_NODE)
        return;
    const struct node *n = &nodes[id];
    switch (n->kind) {
    case N_EMPTY:
        break;
    case N_LITERAL:
        emit(OP_CHAR, (uint32_t)n->value, 0);
        break;
    case N_CLASS:
        emit(OP_CLASS, (uint32_t)n->value, 0);
        break;
    case N_ANY:
        emit(OP_ANY, 0, 0);
        break;
    case N_CONCAT:
        for (int32_t c = n->first_child; c != NO_NODE; c = nodes[c].next_sibling)
            compile_node(c);
        break;
    case N_ALTERNATE:
        compile_alternate(n);
        break;
    case N_REPEAT:
        compile_repeat(n);
        break;
    case N_GROUP:
        emit(OP_SAVE, 2 * (uint32_t)n->value, 0);
        compile_node(n->first_child);
        emit(OP_SAVE, 2 * (uint32_t)n->value + 1, 0);
        break;
    case N_ASSERT:
        emit(OP_ASSERT, (uint32_t)n->value, 0);
        break;
    }
}

/* Whether every match of node id must begin at position 0. */
static int node_anchored(int32_t id) {
    const struct node *n = &nodes[id];
    switch (n->kind) {
    case N_ASSERT:
        return n->value == A_BEGIN;
    case N_GROUP:
        return node_anchored(n->first_child);
    case N_CONCAT:
        /* Anchored if the first non-empty-width-free item is; stop at the
         * first child that is not a group or assertion. */
        for (int32_t c = n->first_child; c != NO_NODE; c = nodes[c].next_sibling) {
            if (node_anchored(c))
                return 1;
            if (nodes[c].kind != N_ASSERT && nodes[c].kind != N_EMPTY)
                return 0;
        }
        return 0;
    case N_ALTERNATE:
        for (int32_t c = n->first_child; c != NO_NODE; c = nodes[c].next_sibling)
            if (!node_anchored(c))
                return 0;
        return n->first_child != NO_NODE;
    default:
        return 0;
    }
}

/*
 * Finds a literal every match must contain: the longest run of consecutive
 * literal bytes among the mandatory items of the top-level sequence (through
 * capture groups). Case-folded letters are classes, so they end a run.
 */
static void extract_literal(int32_t root) {
    prog.literal_len = 0;
    int32_t id = root;
    while (nodes[id].kind == N_GROUP && nodes[id].first_child != NO_NODE)
        id = nodes[id].first_child;
    if (nodes[id].kind != N_CONCAT)
        return;
    uint8_t run[64];
    uint32_t run_len = 0;
    for (int32_t c = nodes[id].first_child;; c = nodes[c].next_sibling) {
        int32_t item = c;
        while (item != NO_NODE && nodes[item].kind == N_GROUP)
            item = nodes[item].first_child;
        int kind = item == NO_NODE ? -1 : nodes[item].kind;
        if (kind == N_LITERAL && run_len < sizeof run) {
            run[run_len++] = (uint8_t)nodes[item].value;
        } else if (kind == N_ASSERT || kind == N_EMPTY) {
            /* Zero-width: the literals on either side stay adjacent. */
        } else {
            if (run_len > prog.literal_len) {
                for (uint32_t i = 0; i < run_len; i++)
                    prog.literal[i] = run[i];
                prog.literal_len = run_len;
            }
            run_len = 0;
            if (kind == N_LITERAL)
                run[run_len++] = (uint8_t)nodes[item].value;
        }
        if (c == NO_NODE)
            break;
    }
}

/* Parses and compiles a pattern into `prog`. */
static enum regex_error compile(const char *pattern, uint32_t *error_pos) {
    struct parser p;
    int32_t root = parse(&p, pattern);
    *error_pos = p.error_pos;
    if (p.error != RE_OK)
        return p.error;
    prog.len = 0;
    compile_overflow = 0;
    compile_node(root);
    emit(OP_MATCH, 0, 0);
    if (compile_overflow) {
        *error_pos = p.len;
        return RE_PROGRAM_TOO_LARGE;
    }
    prog.slots = 2 * group_count;
    prog.anchored = node_anchored(root);
    extract_literal(root);
    return RE_OK;
}

/*
 * A fingerprint of the compiled program: how many instructions of each kind
 * it has and how far its jumps reach (what a `--debug` dump would show),
 * folded into one number.
 */
static uint64_t program_fingerprint(void) {
    uint32_t per_op[OP_MATCH + 1] = {0};
    uint32_t longest_jump = 0;
    for (uint32_t pc = 0; pc < prog.len; pc++) {
        const struct inst *in = &prog.insts[pc];
        per_op[in->op]++;
        if (in->op == OP_JMP || in->op == OP_SPLIT) {
            uint32_t target = in->op == OP_SPLIT && in->y > in->x ? in->y : in->x;
            uint32_t reach = target > pc ? target - pc : pc - target;
            if (reach > longest_jump)
                longest_jump = reach;
        }
    }
    uint64_t h = longest_jump;
    for (uint32_t op = 0; op <= OP_MATCH; op++)
        h = mix(h, per_op[op]);
    return h;
}

/* Whether instruction pc consumes byte b. */
static int inst_matches(const struct inst *i, uint32_t b) {
    switch (i->op) {
    case OP_CHAR:
        return i->x == b;
    case OP_CLASS:
        return class_has(&classes[i->x], b);
    case OP_ANY:
        return b != '\n';
    default:
        return 0;
    }
}

/* Whether an assertion holds between text[pos - 1] and text[pos]. */
static int assert_holds(uint32_t kind, const uint8_t *s, uint32_t len, uint32_t pos) {
    int before = pos > 0 && is_word(s[pos - 1]);
    int after = pos < len && is_word(s[pos]);
    switch (kind) {
    case A_BEGIN:
        return pos == 0;
    case A_END:
        return pos == len;
    case A_WORD_BOUNDARY:
        return before != after;
    default:
        return before == after;
    }
}

/* ==========================================================================
 * Part 4: the Pike VM
 * ========================================================================== */

/* A match: slot 2g / 2g + 1 are group g's start / end, -1 if it did not
 * take part. */
struct match {
    int32_t slots[MAX_SLOTS];
};

/* A list of threads, one per instruction at most (a sparse set by pc, in
 * priority order), each with its capture slots. */
struct thread_list {
    uint32_t count;
    uint32_t dense[MAX_INSTS];
    uint32_t sparse[MAX_INSTS];
    int32_t caps[MAX_INSTS][MAX_SLOTS];
};

static struct thread_list lists[2];

static int list_contains(const struct thread_list *l, uint32_t pc) {
    uint32_t i = l->sparse[pc];
    return i < l->count && l->dense[i] == pc;
}

static uint32_t list_insert(struct thread_list *l, uint32_t pc) {
    uint32_t i = l->count++;
    l->dense[i] = pc;
    l->sparse[pc] = i;
    return i;
}

/* The work stack of add_thread: follow pc, or restore a capture slot. */
struct add_job {
    uint32_t pc;
    int32_t slot; /* -1: follow pc; else restore slots[slot] = value */
    int32_t value;
};

static struct add_job add_stack[2 * MAX_INSTS + 8];

struct vm_stats {
    uint64_t threads_added;
    uint64_t steps;
};

static struct vm_stats vm_stats;

/*
 * Adds the thread at pc (and everything it reaches without consuming input)
 * to list l at position pos, in priority order. `caps` is a scratch copy of
 * the thread's slots, changed by SAVE and restored afterwards.
 */
static void add_thread(struct thread_list *l, uint32_t pc0, const uint8_t *s, uint32_t len,
                       uint32_t pos, int32_t *caps) {
    uint32_t top = 0;
    add_stack[top].pc = pc0;
    add_stack[top].slot = -1;
    top++;
    while (top > 0) {
        struct add_job job = add_stack[--top];
        if (job.slot >= 0) {
            caps[job.slot] = job.value;
            continue;
        }
        uint32_t pc = job.pc;
        if (list_contains(l, pc))
            continue;
        uint32_t index = list_insert(l, pc);
        vm_stats.threads_added++;
        const struct inst *in = &prog.insts[pc];
        switch (in->op) {
        case OP_JMP:
            add_stack[top].pc = in->x;
            add_stack[top++].slot = -1;
            break;
        case OP_SPLIT:
            /* Pushed in reverse: x is explored first. */
            add_stack[top].pc = in->y;
            add_stack[top++].slot = -1;
            add_stack[top].pc = in->x;
            add_stack[top++].slot = -1;
            break;
        case OP_SAVE:
            add_stack[top].slot = in->x;
            add_stack[top++].value = caps[in->x];
            caps[in->x] = (int32_t)pos;
            add_stack[top].pc = pc + 1;
            add_stack[top++].slot = -1;
            break;
        case OP_ASSERT:
            if (assert_holds(in->x, s, len, pos)) {
                add_stack[top].pc = pc + 1;
                add_stack[top++].slot = -1;
            }
            break;
        default:
            /* A consuming instruction or MATCH: the thread waits here. */
            for (uint32_t k = 0; k < prog.slots; k++)
                l->caps[index][k] = caps[k];
            break;
        }
    }
}

/*
 * Finds the leftmost-first match starting at or after `from` in s[0..len).
 * Returns 1 and fills *m on a match.
 */
static int pike_search(const uint8_t *s, uint32_t len, uint32_t from, struct match *m) {
    struct thread_list *clist = &lists[0], *nlist = &lists[1];
    int32_t caps[MAX_SLOTS];
    int matched = 0;
    clist->count = 0;
    for (uint32_t pos = from;; pos++) {
        if (!matched && (!prog.anchored || pos == 0)) {
            for (uint32_t k = 0; k < prog.slots; k++)
                caps[k] = -1;
            add_thread(clist, 0, s, len, pos, caps);
        }
        if (clist->count == 0)
            break;
        nlist->count = 0;
        for (uint32_t i = 0; i < clist->count; i++) {
            uint32_t pc = clist->dense[i];
            const struct inst *in = &prog.insts[pc];
            vm_stats.steps++;
            if (in->op == OP_MATCH) {
                for (uint32_t k = 0; k < prog.slots; k++)
                    m->slots[k] = clist->caps[i][k];
                matched = 1;
                break; /* lower-priority threads are cut off */
            }
            if (pos < len && inst_matches(in, s[pos])) {
                for (uint32_t k = 0; k < prog.slots; k++)
                    caps[k] = clist->caps[i][k];
                add_thread(nlist, pc + 1, s, len, pos + 1, caps);
            }
        }
        struct thread_list *t = clist;
        clist = nlist;
        nlist = t;
        if (pos >= len)
            break;
    }
    return matched;
}

/* ==========================================================================
 * Part 5: the bounded backtracker
 * ========================================================================== */

/* One bit per (instruction, position) pair already explored. */
#define VISITED_WORDS ((MAX_INSTS * (MAX_LINE + 1) + 31) / 32)
static uint32_t visited[VISITED_WORDS];

struct bt_job {
    uint32_t pc, pos;
    int32_t slot;  /* -1: explore (pc, pos); else restore caps[slot] = value */
    int32_t value;
};

#define BT_STACK (4 * MAX_INSTS * 8)
static struct bt_job bt_stack[BT_STACK];

struct bt_stats {
    uint64_t visits;
    uint32_t overflows; /* searches given up because the stack was full */
};

static struct bt_stats bt_stats;

/* Whether (pc, pos) was seen before; marks it. */
static int check_visited(uint32_t pc, uint32_t pos, uint32_t len) {
    uint32_t bit = pc * (len + 1) + pos;
    uint32_t mask = 1u << (bit & 31);
    if (visited[bit >> 5] & mask)
        return 1;
    visited[bit >> 5] |= mask;
    return 0;
}

/*
 * The same search as pike_search, depth-first. Each (pc, pos) is explored at
 * most once per search: a state that failed once fails again, whatever the
 * start, since success does not depend on the captures. Returns 1 on a
 * match, 0 on none, -1 if the work stack overflowed.
 */
static int backtrack_search(const uint8_t *s, uint32_t len, uint32_t from, struct match *m) {
    if (len > MAX_LINE)
        return -1;
    uint32_t words = (prog.len * (len + 1) + 31) / 32;
    for (uint32_t i = 0; i < words; i++)
        visited[i] = 0;
    int32_t caps[MAX_SLOTS];
    uint32_t last_start = prog.anchored ? 0 : len;
    for (uint32_t start = from; start <= last_start; start++) {
        for (uint32_t k = 0; k < prog.slots; k++)
            caps[k] = -1;
        uint32_t top = 0;
        bt_stack[top].pc = 0;
        bt_stack[top].pos = start;
        bt_stack[top++].slot = -1;
        while (top > 0) {
            struct bt_job job = bt_stack[--top];
            if (job.slot >= 0) {
                caps[job.slot] = job.value;
                continue;
            }
            uint32_t pc = job.pc, pos = job.pos;
            for (;;) {
                if (check_visited(pc, pos, len))
                    break;
                bt_stats.visits++;
                const struct inst *in = &prog.insts[pc];
                if (in->op == OP_MATCH) {
                    for (uint32_t k = 0; k < prog.slots; k++)
                        m->slots[k] = caps[k];
                    return 1;
                }
                if (in->op == OP_CHAR || in->op == OP_CLASS || in->op == OP_ANY) {
                    if (pos < len && inst_matches(in, s[pos])) {
                        pc++;
                        pos++;
                        continue;
                    }
                    break;
                }
                if (in->op == OP_JMP) {
                    pc = in->x;
                    continue;
                }
                if (in->op == OP_ASSERT) {
                    if (!assert_holds(in->x, s, len, pos))
                        break;
                    pc++;
                    continue;
                }
                if (top + 2 > BT_STACK) {
                    bt_stats.overflows++;
                    return -1;
                }
                if (in->op == OP_SPLIT) {
                    bt_stack[top].pc = in->y;
                    bt_stack[top].pos = pos;
                    bt_stack[top++].slot = -1;
                    pc = in->x;
                    continue;
                }
                /* OP_SAVE: remember the old value for when we come back. */
                bt_stack[top].slot = in->x;
                bt_stack[top++].value = caps[in->x];
                caps[in->x] = (int32_t)pos;
                pc++;
            }
        }
    }
    return 0;
}

/* ==========================================================================
 * Part 6: the lazy DFA
 * ========================================================================== */

/*
 * A DFA state is the set of NFA instructions where threads wait to consume
 * the next byte (its "kernel"), plus what the assertions need to know about
 * the text before the current position: whether it is the start, and
 * whether the previous byte is a word byte. The closure over SPLIT, JMP,
 * SAVE and ASSERT is taken when the next byte is known, so \b and $ are
 * exact. Transitions are computed on first use and cached; when the cache
 * is full it is flushed and the search carries on from the current state.
 */
#define DFA_STATES 160
#define DFA_POOL (DFA_STATES * 64)
#define DFA_HASH 512 /* a power of two, above DFA_STATES */
#define DFA_EOT 256 /* the "byte" after the end of the text */
#define DFA_UNKNOWN 0xffffffffu
#define DFA_MATCH 0xfffffffeu
#define DFA_NO_MATCH 0xfffffffdu

#define FLAG_AT_START 1u
#define FLAG_PREV_WORD 2u

struct dfa_state {
    uint32_t kernel_start, kernel_len; /* in dfa_pool */
    uint32_t flags;
    uint32_t hash;
};

static struct dfa_state dfa_states[DFA_STATES];
static uint32_t dfa_state_count;
static uint16_t dfa_pool[DFA_POOL];
static uint32_t dfa_pool_used;
static uint32_t dfa_hash_table[DFA_HASH]; /* state index + 1, 0 = empty */
static uint32_t dfa_trans[DFA_STATES][257];
typedef char dfa_hash_is_a_big_enough_power_of_two
    [(DFA_HASH & (DFA_HASH - 1)) == 0 && DFA_HASH > DFA_STATES ? 1 : -1];
static uint32_t dfa_start;

/* Scratch for computing one transition. */
static uint32_t closure_mark[MAX_INSTS];
static uint32_t next_mark[MAX_INSTS];
static uint32_t mark_generation;
static uint32_t closure_stack[3 * MAX_INSTS + 8];
static uint16_t next_kernel[MAX_INSTS];

struct dfa_stats {
    uint64_t transitions_computed;
    uint32_t flushes;
    uint32_t states_peak;
};

static struct dfa_stats dfa_stats;

static void dfa_reset(void) {
    dfa_state_count = 0;
    dfa_pool_used = 0;
    for (uint32_t i = 0; i < DFA_HASH; i++)
        dfa_hash_table[i] = 0;
    dfa_start = DFA_UNKNOWN;
}

static uint32_t kernel_hash(const uint16_t *pcs, uint32_t n, uint32_t flags) {
    uint32_t h = 2166136261u ^ flags;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ pcs[i]) * 16777619u;
    return h;
}

/*
 * Returns the index of the state (pcs, flags), creating it if needed, or
 * DFA_UNKNOWN if the cache is full (the caller flushes and retries).
 */
static uint32_t dfa_intern(const uint16_t *pcs, uint32_t n, uint32_t flags) {
    uint32_t h = kernel_hash(pcs, n, flags);
    uint32_t slot = h & (DFA_HASH - 1);
    for (;;) {
        uint32_t entry = dfa_hash_table[slot];
        if (entry == 0)
            break;
        const struct dfa_state *st = &dfa_states[entry - 1];
        if (st->hash == h && st->flags == flags && st->kernel_len == n) {
            uint32_t i = 0;
            while (i < n && dfa_pool[st->kernel_start + i] == pcs[i])
                i++;
            if (i == n)
                return entry - 1;
        }
        slot = (slot + 1) & (DFA_HASH - 1);
    }
    if (dfa_state_count >= DFA_STATES || dfa_pool_used + n > DFA_POOL)
        return DFA_UNKNOWN;
    uint32_t index = dfa_state_count++;
    struct dfa_state *st = &dfa_states[index];
    st->kernel_start = dfa_pool_used;
    st->kernel_len = n;
    st->flags = flags;
    st->hash = h;
    for (uint32_t i = 0; i < n; i++)
        dfa_pool[dfa_pool_used++] = pcs[i];
    for (uint32_t c = 0; c < 257; c++)
        dfa_trans[index][c] = DFA_UNKNOWN;
    dfa_hash_table[slot] = index + 1;
    if (dfa_state_count > dfa_stats.states_peak)
        dfa_stats.states_peak = dfa_state_count;
    return index;
}

/* Whether an assertion holds given the state's flags and the next byte. */
static int dfa_assert(uint32_t kind, uint32_t flags, uint32_t next) {
    int before = (flags & FLAG_PREV_WORD) != 0;
    int after = next != DFA_EOT && is_word(next);
    switch (kind) {
    case A_BEGIN:
        return (flags & FLAG_AT_START) != 0;
    case A_END:
        return next == DFA_EOT;
    case A_WORD_BOUNDARY:
        return before != after;
    default:
        return before == after;
    }
}

/*
 * Computes the kernel that follows state `from` on byte c (DFA_EOT at the
 * end): returns DFA_MATCH if a thread reaches MATCH before consuming c,
 * DFA_NO_MATCH at the end of the text otherwise, else fills next_kernel and
 * returns its length.
 */
static uint32_t dfa_step_kernel(uint32_t from, uint32_t c, uint32_t *flags_out) {
    const struct dfa_state *st = &dfa_states[from];
    uint32_t flags = st->flags;
    mark_generation++;
    uint32_t top = 0;
    int matched = 0;
    for (uint32_t i = 0; i < st->kernel_len; i++)
        closure_stack[top++] = dfa_pool[st->kernel_start + i];
    while (top > 0 && !matched) {
        uint32_t pc = closure_stack[--top];
        if (closure_mark[pc] == mark_generation)
            continue;
        closure_mark[pc] = mark_generation;
        const struct inst *in = &prog.insts[pc];
        switch (in->op) {
        case OP_JMP:
            closure_stack[top++] = in->x;
            break;
        case OP_SPLIT:
            closure_stack[top++] = in->x;
            closure_stack[top++] = in->y;
            break;
        case OP_SAVE:
            closure_stack[top++] = pc + 1;
            break;
        case OP_ASSERT:
            if (dfa_assert(in->x, flags, c))
                closure_stack[top++] = pc + 1;
            break;
        case OP_MATCH:
            matched = 1;
            break;
        default:
            if (c != DFA_EOT && inst_matches(in, c))
                next_mark[pc + 1] = mark_generation;
            break;
        }
    }
    if (matched)
        return DFA_MATCH;
    if (c == DFA_EOT)
        return DFA_NO_MATCH;
    /* An unanchored search starts a new thread at every position. */
    if (!prog.anchored)
        next_mark[0] = mark_generation;
    /* The kernel in pc order, so equal sets compare equal. */
    uint32_t n = 0;
    for (uint32_t pc = 0; pc < prog.len; pc++)
        if (next_mark[pc] == mark_generation)
            next_kernel[n++] = (uint16_t)pc;
    *flags_out = is_word(c) ? FLAG_PREV_WORD : 0;
    return n;
}

/* The start state, created on demand (again after a flush). */
static uint32_t dfa_start_state(void) {
    if (dfa_start == DFA_UNKNOWN) {
        uint16_t zero = 0;
        dfa_start = dfa_intern(&zero, 1, FLAG_AT_START);
    }
    return dfa_start;
}

/* The transition from state s on byte c (or DFA_EOT), computed if needed.
 * May flush the cache; the returned index is valid afterwards. */
static uint32_t dfa_next(uint32_t s, uint32_t c) {
    uint32_t t = dfa_trans[s][c];
    if (t != DFA_UNKNOWN)
        return t;
    dfa_stats.transitions_computed++;
    uint32_t flags = 0;
    uint32_t n = dfa_step_kernel(s, c, &flags);
    if (n == DFA_MATCH || n == DFA_NO_MATCH) {
        dfa_trans[s][c] = n;
        return n;
    }
    t = dfa_intern(next_kernel, n, flags);
    if (t == DFA_UNKNOWN) {
        /* Full: start over with only the target state. */
        dfa_stats.flushes++;
        dfa_reset();
        return dfa_intern(next_kernel, n, flags);
    }
    dfa_trans[s][c] = t;
    return t;
}

/* Whether s[0..len) contains a match (the DFA does not find where). */
static int dfa_is_match(const uint8_t *s, uint32_t len) {
    uint32_t state = dfa_start_state();
    for (uint32_t pos = 0; pos < len; pos++) {
        const struct dfa_state *st = &dfa_states[state];
        /* An anchored pattern whose threads all died cannot match. */
        if (st->kernel_len == 0)
            return 0;
        state = dfa_next(state, s[pos]);
        if (state == DFA_MATCH)
            return 1;
    }
    return dfa_next(state, DFA_EOT) == DFA_MATCH;
}

/* ==========================================================================
 * Part 7: prefilter, replace and split
 * ========================================================================== */

/* Whether needle occurs in s[0..len): a scan for the rarest-looking byte
 * (the last one) then a compare, like a simple memmem. */
static int contains(const uint8_t *s, uint32_t len, const uint8_t *needle, uint32_t n) {
    if (n == 0)
        return 1;
    if (n > len)
        return 0;
    uint8_t last = needle[n - 1];
    for (uint32_t i = n - 1; i < len; i++) {
        if (s[i] != last)
            continue;
        uint32_t start = i + 1 - n, k = 0;
        while (k + 1 < n && s[start + k] == needle[k])
            k++;
        if (k + 1 >= n)
            return 1;
    }
    return 0;
}

#define OUT_CAP (4 * MAX_LINE + 64)
static uint8_t replaced[OUT_CAP];

/*
 * Replaces every match in s[0..len) with `tmpl`, where "$0".."$9" stand for
 * the groups; returns the output length (the output is cut at OUT_CAP). An
 * empty match advances by one byte, copying it, so the loop always ends.
 */
static uint32_t replace_all(const uint8_t *s, uint32_t len, const char *tmpl, uint32_t *count) {
    uint32_t out = 0, pos = 0;
    struct match m;
    *count = 0;
    while (pos <= len && pike_search(s, len, pos, &m)) {
        uint32_t start = (uint32_t)m.slots[0], end = (uint32_t)m.slots[1];
        (*count)++;
        for (uint32_t i = pos; i < start && out < OUT_CAP; i++)
            replaced[out++] = s[i];
        for (const char *t = tmpl; *t && out < OUT_CAP; t++) {
            if (t[0] == '$' && is_digit((uint8_t)t[1])) {
                uint32_t g = (uint32_t)(t[1] - '0');
                t++;
                if (2 * g + 1 < prog.slots && m.slots[2 * g] >= 0) {
                    for (int32_t i = m.slots[2 * g]; i < m.slots[2 * g + 1] && out < OUT_CAP; i++)
                        replaced[out++] = s[i];
                }
                continue;
            }
            replaced[out++] = (uint8_t)*t;
        }
        if (end == start) {
            if (end < len && out < OUT_CAP)
                replaced[out++] = s[end];
            pos = end + 1;
        } else {
            pos = end;
        }
    }
    for (uint32_t i = pos; i < len && out < OUT_CAP; i++)
        replaced[out++] = s[i];
    return out;
}

/*
 * Lists every non-overlapping match in s[0..len), like `grep -o`: folds each
 * match's span and group 1 into *h and returns how many there were. After an
 * empty match the search resumes one byte later, so the loop always ends.
 */
static uint32_t find_all(const uint8_t *s, uint32_t len, uint64_t *h) {
    uint32_t count = 0, pos = 0;
    struct match m;
    while (pos <= len && pike_search(s, len, pos, &m)) {
        uint32_t start = (uint32_t)m.slots[0], end = (uint32_t)m.slots[1];
        uint64_t group1 = prog.slots > 2 && m.slots[2] >= 0 ? (uint64_t)(m.slots[3] - m.slots[2]) : 0xff;
        *h = mix(*h, (uint64_t)start << 32 | (uint64_t)(end - start) << 8 | group1);
        count++;
        pos = end > start ? end : end + 1;
    }
    return count;
}

/* Splits s[0..len) at the matches; returns the number of fields and folds
 * each field's length and first byte into *h. */
static uint32_t split_fields(const uint8_t *s, uint32_t len, uint64_t *h) {
    uint32_t fields = 0, pos = 0, field_start = 0;
    struct match m;
    while (pos <= len && pike_search(s, len, pos, &m)) {
        uint32_t start = (uint32_t)m.slots[0], end = (uint32_t)m.slots[1];
        if (end == start) {
            pos = start + 1; /* empty separators do not split */
            continue;
        }
        *h = mix(*h, (start - field_start) << 8 | (start > field_start ? s[field_start] : 0));
        fields++;
        field_start = end;
        pos = end;
    }
    *h = mix(*h, (len - field_start) << 8 | (len > field_start ? s[field_start] : 0));
    return fields + 1;
}

/* ==========================================================================
 * Part 8: the driver
 * ========================================================================== */

/* What the driver does with a pattern besides finding matches. */
enum use { FIND, REPLACE, SPLIT };

struct pattern_spec {
    const char *pattern;
    enum use use;
    const char *replacement; /* for REPLACE */
};

static const struct pattern_spec PATTERNS[] = {
    /* addresses, numbers and dates */
    {"[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,6}", REPLACE, "<email>"},
    {"\\b(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\b", REPLACE, "$4.$3.$2.$1"},
    {"\\b(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}\\b", FIND, 0},
    {"(\\d{4})-(\\d{2})-(\\d{2})", REPLACE, "$3/$2/$1"},
    {"\\d{2}:\\d{2}:\\d{2}", FIND, 0},
    {"0x[0-9a-fA-F]+", REPLACE, "HEX"},
    {"\\d+(\\.\\d+)?", FIND, 0},
    {"555-\\d{4}", FIND, 0},
    /* log structure */
    {"\\b(ERROR|WARN)\\b.*$", FIND, 0},
    {"\\[worker-[0-7]\\].*logged (in|out)", FIND, 0},
    {"(?i)error|failed|timeout", FIND, 0},
    {"status=(2|4|5)\\d\\d", FIND, 0},
    {"user ([a-z]+)(\\.[a-z]+)?\\d*@", FIND, 0},
    /* HTTP lines */
    {"^(GET|POST|PUT|DELETE) (/[^ ?]*)(\\?[^ ]*)? HTTP/1\\.[01] (\\d{3})", FIND, 0},
    {"(?i)mozilla/(\\d)\\.(\\d) \\(([^;)]+)", FIND, 0},
    {"[?&](\\w+)=(\\w*)", REPLACE, "[$1:$2]"},
    /* prose */
    {"\\b[A-Z][a-z]+\\b", FIND, 0},
    {"\\b\\w+ing\\b", REPLACE, "<$0>"},
    {"\\bthe\\s+(\\w+)\\s+(\\w+)", FIND, 0},
    {"[^aeiou\\s\\d.,?]{5,}", FIND, 0},
    {"\\B[a-z]{3}\\B", FIND, 0},
    {"(?:that|this|there)\\s+(?:is|was|will)", FIND, 0},
    {"[A-Z]{2,}", FIND, 0},
    /* code and configuration */
    {"\"((?:[^\"\\\\]|\\\\.)*)\"", FIND, 0},
    {"^\\s*#", FIND, 0},
    {"(\\w+)\\s*=\\s*(\\d+)(ms|s|m)?", REPLACE, "$1:=$2"},
    {"static\\s+(const\\s+)?(\\w+\\s*\\**)\\s*(\\w+)\\(", FIND, 0},
    {"size_t|uint32_t|const char \\*", FIND, 0},
    {"\\(([^()]*)\\)", FIND, 0},
    {"(\\w+),(\\w+),(\\d+),\"([^\"]*)\"", FIND, 0},
    /* quantifier and matcher corner cases */
    {"(a|b|c|d|e)+?s", FIND, 0},
    {"x*y*z*", REPLACE, "-"},
    {"^$", FIND, 0},
    {"(\\w+)\\s+\\w?x{0,2}q*", FIND, 0},
    {".{90,}", FIND, 0},
    {"e\\w{8}\\b", FIND, 0}, /* many DFA states: where the e was */
    {"(?:(?:a|e|i|o|u)[^aeiou]){3,}", FIND, 0},
    {"(\\d)(\\d)?(\\d)?(\\d)?(\\d)?(\\d)?(\\d)?(\\d)?(\\d)?", FIND, 0},
    {"[\\x41-\\x5a][\\x61-\\x7a]{2,5}[\\x20-\\x2f]", FIND, 0},
    /* separators for split */
    {"\\s*,\\s*", SPLIT, 0},
    {"\\s+", SPLIT, 0},
};
#define PATTERN_COUNT COUNT(PATTERNS)

struct bad_pattern {
    const char *pattern;
    enum regex_error expected;
};

static const struct bad_pattern BAD_PATTERNS[] = {
    {"(abc", RE_MISSING_PAREN},
    {"abc)", RE_UNEXPECTED_PAREN},
    {"*a", RE_NOTHING_TO_REPEAT},
    {"a|+", RE_NOTHING_TO_REPEAT},
    {"a**", RE_MULTIPLE_REPEAT},
    {"a{2}{3}", RE_MULTIPLE_REPEAT},
    {"[a-", RE_MISSING_BRACKET},
    {"[z-a]", RE_BAD_RANGE},
    {"[a-\\d]", RE_BAD_RANGE},
    {"a{3,2}", RE_BAD_REPEAT},
    {"a{1000}", RE_BAD_REPEAT},
    {"a{2", RE_BAD_REPEAT},
    {"abc\\", RE_TRAILING_BACKSLASH},
    {"\\q", RE_BAD_ESCAPE},
    {"\\xZZ", RE_BAD_ESCAPE},
    {"(?x)", RE_BAD_GROUP_FLAG},
    {"((((((((((((a))))))))))))", RE_TOO_MANY_GROUPS},
    {"(\\w{50}){50}", RE_PROGRAM_TOO_LARGE},
    {"^*", RE_NOTHING_TO_REPEAT},
    {"(a)\\1", RE_BAD_ESCAPE},
};
#define BAD_PATTERN_COUNT COUNT(BAD_PATTERNS)

struct pattern_result {
    uint32_t matched_lines;
    uint32_t prefiltered; /* lines skipped because the literal was missing */
    uint32_t disagreements;
    uint32_t backtrack_skipped;
    uint64_t hash;
};

static void hash_match(uint64_t *h, const struct match *m) {
    for (uint32_t k = 0; k < prog.slots; k++)
        *h = mix(*h, (uint64_t)(uint32_t)m->slots[k]);
}

static int same_match(const struct match *a, const struct match *b) {
    for (uint32_t k = 0; k < prog.slots; k++)
        if (a->slots[k] != b->slots[k])
            return 0;
    return 1;
}

/* Runs one compiled pattern over every line. */
static struct pattern_result run_pattern(const struct pattern_spec *spec) {
    struct pattern_result r = {0, 0, 0, 0, 0};
    dfa_reset();
    for (uint32_t li = 0; li < line_count; li++) {
        const uint8_t *s = text + line_start[li];
        uint32_t len = line_len[li];
        int cross_check = li % CROSS_CHECK_EVERY == 0;
        if (spec->use == SPLIT) {
            uint32_t fields = split_fields(s, len, &r.hash);
            r.hash = mix(r.hash, fields);
            continue;
        }
        if (prog.literal_len > 0 && !contains(s, len, prog.literal, prog.literal_len)) {
            r.prefiltered++;
            /* The prefilter must never hide a match. */
            if (cross_check && dfa_is_match(s, len))
                r.disagreements++;
            continue;
        }
        int found = dfa_is_match(s, len);
        struct match pike;
        if (found) {
            r.matched_lines++;
            if (!pike_search(s, len, 0, &pike)) {
                r.disagreements++;
                continue;
            }
            hash_match(&r.hash, &pike);
            if (spec->use == FIND) {
                uint32_t count = find_all(s, len, &r.hash);
                r.hash = mix(r.hash, count);
            } else {
                uint32_t count = 0;
                uint32_t n = replace_all(s, len, spec->replacement, &count);
                uint64_t rh = 0xcbf29ce484222325ULL;
                for (uint32_t i = 0; i < n; i++)
                    rh = (rh ^ replaced[i]) * 0x100000001b3ULL;
                r.hash = mix(mix(r.hash, rh), count);
            }
        } else if (cross_check && pike_search(s, len, 0, &pike)) {
            r.disagreements++;
        }
        if (cross_check) {
            struct match bt;
            int b = backtrack_search(s, len, 0, &bt);
            if (b < 0)
                r.backtrack_skipped++;
            else if (b != found || (found && !same_match(&bt, &pike)))
                r.disagreements++;
        }
    }
    return r;
}

EXPORT("run") uint64_t run(void) {
    rng_state = 0x5EA5C4ED;
    vm_stats.threads_added = vm_stats.steps = 0;
    bt_stats.visits = 0;
    bt_stats.overflows = 0;
    dfa_stats.transitions_computed = 0;
    dfa_stats.flushes = 0;
    dfa_stats.states_peak = 0;
    mark_generation = 0;
    for (uint32_t i = 0; i < MAX_INSTS; i++)
        closure_mark[i] = next_mark[i] = 0;
    build_text();

    uint64_t h = mix(0, text_len);
    uint32_t disagreements = 0, compile_failures = 0;
    for (uint32_t pi = 0; pi < PATTERN_COUNT; pi++) {
        uint32_t error_pos = 0;
        enum regex_error e = compile(PATTERNS[pi].pattern, &error_pos);
        if (e != RE_OK) {
            compile_failures++;
            h = mix(h, (uint64_t)e << 32 | error_pos);
            continue;
        }
        h = mix(h, prog.len | prog.slots << 16 | (uint64_t)prog.anchored << 24);
        h = mix(h, prog.literal_len);
        h = mix(h, program_fingerprint());
        struct pattern_result r = run_pattern(&PATTERNS[pi]);
        disagreements += r.disagreements;
        h = mix(h, r.hash);
        h = mix(h, r.matched_lines | (uint64_t)r.prefiltered << 32);
        h = mix(h, r.backtrack_skipped);
    }
    /* The invalid patterns: the error and where it was found. */
    uint32_t surprises = 0;
    for (uint32_t i = 0; i < BAD_PATTERN_COUNT; i++) {
        uint32_t error_pos = 0;
        enum regex_error e = compile(BAD_PATTERNS[i].pattern, &error_pos);
        surprises += e != BAD_PATTERNS[i].expected;
        h = mix(h, (uint64_t)e << 32 | error_pos);
    }
    h = mix(h, vm_stats.threads_added);
    h = mix(h, vm_stats.steps);
    h = mix(h, bt_stats.visits ^ (uint64_t)bt_stats.overflows << 48);
    h = mix(h, dfa_stats.transitions_computed);
    h = mix(h, dfa_stats.flushes | (uint64_t)dfa_stats.states_peak << 32);
    h = mix(h, compile_failures);
    h = mix(h, surprises);
    return mix(h, disagreements);
}
