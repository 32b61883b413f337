/*
 * Native driver for a workload: build.sh links it with one workload compiled
 * by gcc, runs run() twice (checking the two checksums agree, which proves the
 * workload resets its state), and prints "0x<checksum> <seconds>".
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <time.h>

uint64_t run(void);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void) {
    double t0 = now();
    uint64_t first = run();
    double t1 = now();
    uint64_t second = run();
    if (first != second) {
        fprintf(stderr, "run() is not repeatable: 0x%016llx then 0x%016llx\n",
                (unsigned long long)first, (unsigned long long)second);
        return 1;
    }
    printf("0x%016llx %.4f\n", (unsigned long long)first, t1 - t0);
    return 0;
}
