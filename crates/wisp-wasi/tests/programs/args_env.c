/* args_* and environ_*: through the libc (argv, environ, getenv) and
 * through the raw calls, including their sizes and a NULL-free layout. */
#include <stdlib.h>
#include <stdint.h>
#include "check.h"

extern char **environ;

int main(int argc, char **argv) {
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]: [%s] len %zu\n", i, argv[i], strlen(argv[i]));

    size_t count = 0, size = 0;
    SHOW("args_sizes_get", __wasi_args_sizes_get(&count, &size));
    size_t expect = 0;
    for (int i = 0; i < argc; i++) expect += strlen(argv[i]) + 1;
    printf("args count %zu size %zu (matches libc: %s)\n", count, size,
           count == (size_t)argc && size == expect ? "yes" : "no");
    uint8_t **ptrs = calloc(count + 1, sizeof *ptrs);
    uint8_t *buf = calloc(size + 1, 1);
    SHOW("args_get", __wasi_args_get(ptrs, buf));
    int same = 1;
    for (size_t i = 0; i < count; i++)
        if (strcmp((char *)ptrs[i], argv[i]) != 0) same = 0;
    printf("raw args equal argv: %s; first at buffer start: %s\n", same ? "yes" : "no",
           count && ptrs[0] == buf ? "yes" : "no");
    /* Strings are packed back to back, each with its NUL. */
    size_t off = 0;
    for (size_t i = 0; i < count; i++) {
        if (ptrs[i] != buf + off) same = 0;
        off += strlen((char *)buf + off) + 1;
    }
    printf("args packed: %s\n", same && off == size ? "yes" : "no");
    free(ptrs);
    free(buf);

    SHOW("environ_sizes_get", __wasi_environ_sizes_get(&count, &size));
    printf("environ count %zu size %zu\n", count, size);
    ptrs = calloc(count + 1, sizeof *ptrs);
    buf = calloc(size + 1, 1);
    SHOW("environ_get", __wasi_environ_get(ptrs, buf));
    for (size_t i = 0; i < count; i++) printf("env[%zu]: [%s]\n", i, (char *)ptrs[i]);
    free(ptrs);
    free(buf);

    int n = 0;
    for (char **e = environ; *e; e++) n++;
    printf("libc environ entries: %d\n", n);
    const char *names[] = {"HOME", "EMPTY", "WITH_EQ", "UNICODE", "MISSING"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        printf("getenv(%s): %s%s%s\n", names[i], v ? "[" : "", v ? v : "(null)", v ? "]" : "");
    }
    if (argc > 1 && strcmp(argv[1], "fault") == 0) {
        /* A result pointer outside memory: wasmtime traps, so this is last. */
        fflush(stdout);
        SHOW("args_sizes_get(bad ptr)", __wasi_args_sizes_get((size_t *)0xfffffff0u, &size));
        return 0;
    }
    return argc == 4 ? 0 : 3;
}
