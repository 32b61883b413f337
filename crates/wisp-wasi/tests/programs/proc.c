/* proc_exit and proc_raise. argv[1] picks the case: "exit N" calls
 * proc_exit(N) directly, "return N" returns N from main (the libc then
 * calls proc_exit), "raise" calls proc_raise(SIGTERM) through the raw
 * import (wasi-libc's raise() does not call it). */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

int32_t raw_proc_raise(int32_t sig)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")));

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    int code = argc > 2 ? atoi(argv[2]) : 0;
    printf("mode %s %d\n", mode, code);
    fflush(stdout);
    if (strcmp(mode, "exit") == 0) {
        __wasi_proc_exit((__wasi_exitcode_t)code);
    } else if (strcmp(mode, "return") == 0) {
        return code;
    } else if (strcmp(mode, "raise") == 0) {
        unsigned e = (unsigned)raw_proc_raise(15);
        printf("proc_raise(15): %s\n", errname(e));
        return 0;
    }
    printf("not reached\n");
    return 99;
}
