/* clock_res_get, clock_time_get, random_get, sched_yield and poll_oneoff.
 * Only deterministic facts are printed: errnos, event fields, and yes/no
 * answers about times ("advanced by at least the timeout"). */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

#define MS 1000000ull

static __wasi_timestamp_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(id, 1, &t) != 0) return 0;
    return t;
}

static void clocks(void) {
    const __wasi_clockid_t ids[] = {0, 1, 2, 3};
    const char *names[] = {"realtime", "monotonic", "process_cputime", "thread_cputime"};
    for (int i = 0; i < 4; i++) {
        __wasi_timestamp_t res = 0, t = 0;
        char label[64];
        snprintf(label, sizeof label, "clock_res_get(%s)", names[i]);
        if (SHOW(label, __wasi_clock_res_get(ids[i], &res)) == 0)
            printf("  resolution in (0, 1s]: %s\n", res > 0 && res <= 1000 * MS ? "yes" : "no");
        snprintf(label, sizeof label, "clock_time_get(%s)", names[i]);
        if (SHOW(label, __wasi_clock_time_get(ids[i], 0, &t)) == 0 && i == 0)
            printf("  after 2020: %s\n", t > 1577836800ull * 1000 * MS ? "yes" : "no");
    }
    __wasi_timestamp_t a = now(1), b = now(1);
    printf("monotonic never goes back: %s\n", b >= a ? "yes" : "no");
    __wasi_timestamp_t t = 0;
    SHOW("clock_time_get(monotonic, huge precision)", __wasi_clock_time_get(1, UINT64_MAX, &t));
}

static void randomness(void) {
    uint8_t a[32] = {0}, b[32] = {0};
    SHOW("random_get(0 bytes)", __wasi_random_get(a, 0));
    SHOW("random_get(32)", __wasi_random_get(a, sizeof a));
    SHOW("random_get(32) again", __wasi_random_get(b, sizeof b));
    printf("two draws differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    size_t n = 100000;
    uint8_t *big = calloc(n, 1);
    SHOW("random_get(100000)", __wasi_random_get(big, n));
    int seen[256] = {0}, distinct = 0;
    for (size_t i = 0; i < n; i++) seen[big[i]] = 1;
    for (int i = 0; i < 256; i++) distinct += seen[i];
    printf("all 256 byte values seen: %s\n", distinct == 256 ? "yes" : "no");
    free(big);
    SHOW("sched_yield", __wasi_sched_yield());
}

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id,
                                       __wasi_timestamp_t timeout, int abstime) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.precision = 0;
    s.u.u.clock.flags = abstime ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
    return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, int write, __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = write ? __WASI_EVENTTYPE_FD_WRITE : __WASI_EVENTTYPE_FD_READ;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

/* Polls and prints the errno, the event count and each event (sorted by
 * userdata; nbytes only as "nbytes > 0"). */
static void poll(const char *label, const __wasi_subscription_t *subs, size_t n) {
    __wasi_event_t ev[8];
    memset(ev, 0xff, sizeof ev);
    size_t got = 12345;
    unsigned e = SHOW(label, __wasi_poll_oneoff(subs, ev, n, &got));
    if (e != 0) return;
    printf("  events: %zu\n", got);
    for (size_t i = 0; i < got; i++)
        for (size_t j = i + 1; j < got; j++)
            if (ev[j].userdata < ev[i].userdata) {
                __wasi_event_t t = ev[i];
                ev[i] = ev[j];
                ev[j] = t;
            }
    for (size_t i = 0; i < got && i < 8; i++)
        printf("  userdata %llu type %u error %s nbytes>0 %s flags %u\n",
               (unsigned long long)ev[i].userdata, ev[i].type, errname(ev[i].error),
               ev[i].fd_readwrite.nbytes > 0 ? "yes" : "no", ev[i].fd_readwrite.flags);
}

static void polls(void) {
    __wasi_subscription_t s[4];
    __wasi_timestamp_t t0 = now(1);
    s[0] = clock_sub(7, 1, 2 * MS, 0);
    poll("poll_oneoff(monotonic +2ms)", s, 1);
    printf("  waited at least 2ms: %s\n", now(1) - t0 >= 2 * MS ? "yes" : "no");

    t0 = now(1);
    s[0] = clock_sub(1, 1, 1 * MS, 0);
    s[1] = clock_sub(2, 1, 3600000 * MS, 0);
    poll("poll_oneoff(+1ms, +1h)", s, 2);
    printf("  returned within 10 minutes: %s\n", now(1) - t0 < 600000 * MS ? "yes" : "no");

    s[0] = clock_sub(3, 0, now(0) - 1000 * MS, 1);
    poll("poll_oneoff(realtime abstime in the past)", s, 1);

    t0 = now(1);
    s[0] = clock_sub(4, 1, t0 + 1 * MS, 1);
    poll("poll_oneoff(monotonic abstime +1ms)", s, 1);
    printf("  reached the deadline: %s\n", now(1) >= t0 + 1 * MS ? "yes" : "no");

    s[0] = clock_sub(5, 1, 0, 0);
    poll("poll_oneoff(monotonic +0)", s, 1);

    s[0] = fd_sub(10, 0, 0);
    s[1] = fd_sub(11, 1, 1);
    s[2] = fd_sub(12, 1, 2);
    poll("poll_oneoff(stdin read, stdout write, stderr write)", s, 3);

    s[0] = fd_sub(20, 1, 1);
    s[1] = clock_sub(21, 1, 3600000 * MS, 0);
    poll("poll_oneoff(stdout write, +1h)", s, 2);

    __wasi_event_t ev[1];
    size_t got = 99;
    SHOW("poll_oneoff(no subscriptions)", __wasi_poll_oneoff(s, ev, 0, &got));

    s[0] = fd_sub(30, 0, 99);
    s[1] = clock_sub(31, 1, 1 * MS, 0);
    poll("poll_oneoff(fd 99 read, +1ms)", s, 2);
    s[0] = clock_sub(40, 2, 1 * MS, 0);
    poll("poll_oneoff(process_cputime +1ms)", s, 1);
    s[0] = clock_sub(41, 99, 1 * MS, 0);
    poll("poll_oneoff(clock 99 +1ms)", s, 1);
    s[0] = clock_sub(42, 1, 1 * MS, 0);
    s[0].u.tag = 9;
    poll("poll_oneoff(tag 9)", s, 1);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "bad-clock") == 0) {
        /* wasmtime traps on a clock id outside the witx enum: last. */
        __wasi_timestamp_t t;
        SHOW("clock_res_get(99)", __wasi_clock_res_get(99, &t));
        fflush(stdout);
        SHOW("clock_time_get(99)", __wasi_clock_time_get(99, 0, &t));
        return 0;
    }
    clocks();
    randomness();
    polls();
    return 0;
}
