/*
 * parse: a string parser. Generates ~1 MiB of pseudo-random assignment
 * statements such as `k3_x = (417 + foo * 12) & bar - 9;` (number printing,
 * byte stores), then lexes and parses them with a recursive-descent
 * expression evaluator over a 256-entry variable table several times (byte
 * loads, character-class branches, recursion, hashing of identifiers).
 */
#include "bench.h"

#ifndef TEXT_CAP
#define TEXT_CAP (1u << 20)
#endif
#ifndef REPS
#define REPS 40
#endif
#define VARS 256

static char text[TEXT_CAP + 256];
static uint32_t text_len;
static uint64_t gen_state;

/* ---- generator ---------------------------------------------------------- */

static uint32_t rnd(uint32_t n) { return (uint32_t)(sm64_next(&gen_state) >> 33) % n; }

static void put(char ch) { text[text_len++] = ch; }

static void put_spaces(void) {
    uint32_t n = rnd(3);
    while (n--)
        put(' ');
}

static void put_number(uint32_t v) {
    char digits[12];
    uint32_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put(digits[--n]);
}

static void put_ident(void) {
    static const char alpha[] = "abcdefghijklmnopqrstuvwxyz_0123456789";
    put(alpha[rnd(26)]);
    uint32_t len = rnd(6);
    while (len--)
        put(alpha[rnd(37)]);
}

static void gen_expr(uint32_t depth);

static void gen_factor(uint32_t depth) {
    uint32_t kind = depth > 3 ? rnd(2) : rnd(4);
    put_spaces();
    if (kind == 0) {
        put_number(rnd(100000));
    } else if (kind == 1) {
        put_ident();
    } else {
        put('(');
        gen_expr(depth + 1);
        put_spaces();
        put(')');
    }
}

static void gen_expr(uint32_t depth) {
    static const char ops[] = "+-*&|^";
    gen_factor(depth);
    uint32_t n = rnd(4);
    while (n--) {
        put_spaces();
        put(ops[rnd(6)]);
        gen_factor(depth);
    }
}

static void generate(void) {
    gen_state = 0x7e57;
    text_len = 0;
    while (text_len < TEXT_CAP - 200) {
        put_ident();
        put_spaces();
        put('=');
        gen_expr(0);
        put(';');
        put('\n');
    }
    text[text_len] = 0;
}

/* ---- parser / evaluator ------------------------------------------------- */

static uint32_t pos;
static uint64_t vars[VARS];
static uint64_t tokens;

static void skip_ws(void) {
    while (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t')
        pos++;
}

static int is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || ch == '_'; }
static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static uint32_t lex_ident(void) {
    uint32_t h = 2166136261u;
    while (is_alpha(text[pos]) || is_digit(text[pos])) {
        h = (h ^ (uint8_t)text[pos]) * 16777619u;
        pos++;
    }
    tokens++;
    return (h ^ (h >> 8) ^ (h >> 16)) & (VARS - 1);
}

static uint64_t parse_expr(void);

static uint64_t parse_factor(void) {
    skip_ws();
    char ch = text[pos];
    if (is_digit(ch)) {
        uint64_t v = 0;
        while (is_digit(text[pos]))
            v = v * 10 + (uint64_t)(text[pos++] - '0');
        tokens++;
        return v;
    }
    if (is_alpha(ch))
        return vars[lex_ident()];
    if (ch == '(') {
        pos++;
        tokens++;
        uint64_t v = parse_expr();
        skip_ws();
        if (text[pos] == ')')
            pos++;
        tokens++;
        return v;
    }
    /* Malformed input cannot happen with the generator above; skip a byte. */
    pos++;
    return 0;
}

/* Precedence climbing: * binds tighter than + -, which bind tighter than & ^ |. */
static int precedence(char op) {
    switch (op) {
    case '*':
        return 3;
    case '+':
    case '-':
        return 2;
    case '&':
    case '^':
    case '|':
        return 1;
    default:
        return 0;
    }
}

static uint64_t parse_binary(int min_prec) {
    uint64_t lhs = parse_factor();
    for (;;) {
        skip_ws();
        char op = text[pos];
        int prec = precedence(op);
        if (prec == 0 || prec < min_prec)
            return lhs;
        pos++;
        tokens++;
        uint64_t rhs = parse_binary(prec + 1);
        switch (op) {
        case '*':
            lhs *= rhs;
            break;
        case '+':
            lhs += rhs;
            break;
        case '-':
            lhs -= rhs;
            break;
        case '&':
            lhs &= rhs;
            break;
        case '^':
            lhs ^= rhs;
            break;
        default:
            lhs |= rhs;
            break;
        }
    }
}

static uint64_t parse_expr(void) { return parse_binary(1); }

static NOINLINE uint64_t evaluate(uint64_t seed) {
    for (uint32_t i = 0; i < VARS; i++)
        vars[i] = seed + i * 0x9e3779b97f4a7c15ULL;
    pos = 0;
    tokens = 0;
    uint64_t h = seed;
    uint32_t statements = 0;
    for (;;) {
        skip_ws();
        if (text[pos] == 0)
            break;
        uint32_t target = lex_ident();
        skip_ws();
        if (text[pos] == '=')
            pos++;
        uint64_t v = parse_expr();
        skip_ws();
        if (text[pos] == ';')
            pos++;
        vars[target] = v;
        h = mix(h, v);
        statements++;
    }
    return mix(mix(h, tokens), statements);
}

EXPORT("run") uint64_t run(void) {
    generate();
    uint64_t h = text_len;
    for (uint32_t r = 0; r < REPS; r++)
        h = mix(h, evaluate(r));
    return h;
}
