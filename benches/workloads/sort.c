/*
 * sort: branchy sorting. Sorts the same 256 Ki pseudo-random u32 keys with a
 * recursive median-of-three quicksort (insertion sort below 16 elements) and
 * with a heapsort, checks the two agree, and hashes the result. Comparisons
 * on random data make the branches unpredictable.
 */
#include "bench.h"

#ifndef N
#define N (256u << 10)
#endif
#ifndef REPS
#define REPS 5
#endif

static uint32_t qa[N];
static uint32_t ha[N];

static void insertion_sort(uint32_t *a, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int32_t j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static inline void swap(uint32_t *a, int32_t i, int32_t j) {
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static NOINLINE void quicksort(uint32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo >= 16) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap(a, mid, lo);
        if (a[hi] < a[lo])
            swap(a, hi, lo);
        if (a[hi] < a[mid])
            swap(a, hi, mid);
        uint32_t pivot = a[mid];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                swap(a, i, j);
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger: O(log n) depth. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

static void sift_down(uint32_t *a, uint32_t root, uint32_t end) {
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= end)
            return;
        if (child + 1 < end && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static NOINLINE void heapsort(uint32_t *a, uint32_t n) {
    for (uint32_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (uint32_t end = n - 1; end > 0; end--) {
        uint32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

EXPORT("run") uint64_t run(void) {
    uint64_t h = 0;
    for (uint32_t r = 0; r < REPS; r++) {
        uint64_t state = 0xC0FFEEu + r;
        for (uint32_t i = 0; i < N; i++) {
            uint32_t v = (uint32_t)(sm64_next(&state) >> 32);
            qa[i] = v;
            ha[i] = v;
        }
        quicksort(qa, 0, (int32_t)N - 1);
        heapsort(ha, N);
        uint64_t agree = 1;
        for (uint32_t i = 0; i < N; i++) {
            if (qa[i] != ha[i] || (i > 0 && qa[i - 1] > qa[i]))
                agree = 0;
            h = mix(h, qa[i]) + i;
        }
        h = mix(h, agree);
    }
    return h;
}
