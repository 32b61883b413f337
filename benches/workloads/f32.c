/*
 * f32: single-precision float math. Three parts, all in `float`:
 *
 *  - Mandelbrot / Julia escape-time renders of a 320x240 grid, 4 frames
 *    (f32 mul/add in a tight dependent loop, f32 compares, i32 -> f32);
 *  - a mass-spring cloth: a 48x48 grid of particles joined by springs,
 *    integrated for 220 Verlet steps (f32 sqrt and divide per spring);
 *  - the spectral-norm kernel (power iteration on an implicit matrix, f32
 *    divides) on 300 elements, 20 iterations.
 *
 * Only + - * / and sqrt are used, and contraction into FMA is off, so gcc on
 * x86-64 (SSE) and Wasm give the same bits.
 */
#include "bench.h"

#ifndef FRACTAL_FRAMES
#define FRACTAL_FRAMES 4
#endif
#ifndef CLOTH_STEPS
#define CLOTH_STEPS 220
#endif
#ifndef SPECTRAL_ITERS
#define SPECTRAL_ITERS 20
#endif

static inline uint32_t f32_bits(float f) {
    uint32_t b;
    __builtin_memcpy(&b, &f, sizeof b);
    return b;
}

/* ---- part 1: escape-time fractals ----------------------------------------- */

#define W 320
#define H 240
#define MAX_ITER 256

static uint8_t image[W * H];

static NOINLINE uint32_t escape(float zr, float zi, float cr, float ci) {
    uint32_t n = 0;
    while (n < MAX_ITER) {
        float zr2 = zr * zr, zi2 = zi * zi;
        if (zr2 + zi2 > 4.0f)
            break;
        zi = 2.0f * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        n++;
    }
    return n;
}

static NOINLINE uint64_t fractal_part(void) {
    uint64_t h = 0;
    for (uint32_t frame = 0; frame < FRACTAL_FRAMES; frame++) {
        float zoom = 1.0f / (float)(1 + frame);
        float cx = -0.743643f, cy = 0.131825f;
        float span = 3.0f * zoom;
        for (uint32_t y = 0; y < H; y++) {
            float im = cy + ((float)y / (float)H - 0.5f) * span * 0.75f;
            for (uint32_t x = 0; x < W; x++) {
                float re = cx + ((float)x / (float)W - 0.5f) * span;
                image[y * W + x] = (uint8_t)escape(0.0f, 0.0f, re, im);
            }
        }
        /* A Julia set at a frame-dependent constant. */
        float jr = -0.8f + 0.05f * (float)frame, ji = 0.156f;
        uint32_t total = 0;
        for (uint32_t y = 0; y < H; y += 2) {
            for (uint32_t x = 0; x < W; x += 2) {
                float zr = ((float)x / (float)W - 0.5f) * 3.0f;
                float zi = ((float)y / (float)H - 0.5f) * 2.25f;
                total += escape(zr, zi, jr, ji);
            }
        }
        uint64_t sum = 0;
        for (uint32_t i = 0; i < W * H; i++)
            sum = sum * 31 + image[i];
        h = mix(mix(h, sum), total);
    }
    return h;
}

/* ---- part 2: a mass-spring cloth ------------------------------------------ */

#define CW 48
#define CN (CW * CW)
#define MAX_SPRINGS (CN * 4)

struct particle {
    float x, y, z;    /* position */
    float px, py, pz; /* previous position (Verlet) */
    float inv_mass;   /* 0 for pinned particles */
};

struct spring {
    uint32_t a, b;
    float rest;
    float stiffness;
};

static struct particle cloth[CN];
static struct spring springs[MAX_SPRINGS];
static uint32_t spring_count;

static void add_spring(uint32_t a, uint32_t b, float stiffness) {
    struct spring *s = &springs[spring_count++];
    float dx = cloth[a].x - cloth[b].x, dy = cloth[a].y - cloth[b].y, dz = cloth[a].z - cloth[b].z;
    s->a = a;
    s->b = b;
    s->rest = __builtin_sqrtf(dx * dx + dy * dy + dz * dz);
    s->stiffness = stiffness;
}

static void cloth_init(void) {
    for (uint32_t j = 0; j < CW; j++) {
        for (uint32_t i = 0; i < CW; i++) {
            struct particle *p = &cloth[j * CW + i];
            p->x = (float)i * 0.1f;
            p->y = 0.0f;
            p->z = (float)j * 0.1f;
            p->px = p->x;
            p->py = p->y;
            p->pz = p->z;
            /* Pin two corners of the first row. */
            p->inv_mass = (j == 0 && (i == 0 || i == CW - 1)) ? 0.0f : 1.0f;
        }
    }
    spring_count = 0;
    for (uint32_t j = 0; j < CW; j++) {
        for (uint32_t i = 0; i < CW; i++) {
            uint32_t k = j * CW + i;
            if (i + 1 < CW)
                add_spring(k, k + 1, 0.9f);
            if (j + 1 < CW)
                add_spring(k, k + CW, 0.9f);
            if (i + 1 < CW && j + 1 < CW)
                add_spring(k, k + CW + 1, 0.4f);
            if (i + 2 < CW)
                add_spring(k, k + 2, 0.2f);
        }
    }
}

static NOINLINE void cloth_step(float dt, float wind) {
    /* Verlet integration with gravity and a little wind. */
    for (uint32_t k = 0; k < CN; k++) {
        struct particle *p = &cloth[k];
        if (p->inv_mass == 0.0f)
            continue;
        float vx = (p->x - p->px) * 0.99f, vy = (p->y - p->py) * 0.99f, vz = (p->z - p->pz) * 0.99f;
        p->px = p->x;
        p->py = p->y;
        p->pz = p->z;
        p->x += vx + wind * dt * dt;
        p->y += vy - 9.81f * dt * dt;
        p->z += vz;
    }
    /* A few relaxation passes over the springs. */
    for (uint32_t pass = 0; pass < 4; pass++) {
        for (uint32_t s = 0; s < spring_count; s++) {
            struct spring *sp = &springs[s];
            struct particle *a = &cloth[sp->a], *b = &cloth[sp->b];
            float dx = b->x - a->x, dy = b->y - a->y, dz = b->z - a->z;
            float len = __builtin_sqrtf(dx * dx + dy * dy + dz * dz);
            float w = a->inv_mass + b->inv_mass;
            if (len < 1e-6f || w == 0.0f)
                continue;
            float diff = (len - sp->rest) / (len * w) * sp->stiffness;
            dx *= diff;
            dy *= diff;
            dz *= diff;
            a->x += dx * a->inv_mass;
            a->y += dy * a->inv_mass;
            a->z += dz * a->inv_mass;
            b->x -= dx * b->inv_mass;
            b->y -= dy * b->inv_mass;
            b->z -= dz * b->inv_mass;
        }
    }
}

static NOINLINE uint64_t cloth_part(void) {
    cloth_init();
    uint64_t h = mix(0, spring_count);
    for (uint32_t step = 0; step < CLOTH_STEPS; step++) {
        float wind = (float)(step % 50) / 25.0f - 1.0f;
        cloth_step(1.0f / 60.0f, wind);
        if (step % 16 == 15) {
            float ex = 0.0f, ey = 0.0f;
            for (uint32_t k = 0; k < CN; k++) {
                ex += cloth[k].x;
                ey += cloth[k].y;
            }
            h = mix(mix(h, f32_bits(ex)), f32_bits(ey));
        }
    }
    for (uint32_t k = 0; k < CN; k += 7)
        h = mix(h, f32_bits(cloth[k].y));
    return h;
}

/* ---- part 3: spectral norm --------------------------------------------------- */

#define SN 300

static float su[SN], sv[SN], stmp[SN];

static inline float matrix_a(uint32_t i, uint32_t j) {
    return 1.0f / (float)((i + j) * (i + j + 1) / 2 + i + 1);
}

static NOINLINE void mul_av(const float *v, float *out) {
    for (uint32_t i = 0; i < SN; i++) {
        float sum = 0.0f;
        for (uint32_t j = 0; j < SN; j++)
            sum += matrix_a(i, j) * v[j];
        out[i] = sum;
    }
}

static NOINLINE void mul_atv(const float *v, float *out) {
    for (uint32_t i = 0; i < SN; i++) {
        float sum = 0.0f;
        for (uint32_t j = 0; j < SN; j++)
            sum += matrix_a(j, i) * v[j];
        out[i] = sum;
    }
}

static void mul_atav(const float *v, float *out) {
    mul_av(v, stmp);
    mul_atv(stmp, out);
}

static NOINLINE uint64_t spectral_part(void) {
    for (uint32_t i = 0; i < SN; i++)
        su[i] = 1.0f;
    for (uint32_t it = 0; it < SPECTRAL_ITERS; it++) {
        mul_atav(su, sv);
        mul_atav(sv, su);
    }
    float vbv = 0.0f, vv = 0.0f;
    for (uint32_t i = 0; i < SN; i++) {
        vbv += su[i] * sv[i];
        vv += sv[i] * sv[i];
    }
    return mix(mix(f32_bits(vbv), f32_bits(vv)), f32_bits(__builtin_sqrtf(vbv / vv)));
}

EXPORT("run") uint64_t run(void) {
    uint64_t h = 0;
    h = mix(h, fractal_part());
    h = mix(h, cloth_part());
    h = mix(h, spectral_part());
    return h;
}
