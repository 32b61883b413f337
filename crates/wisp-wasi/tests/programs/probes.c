/* One edge-case call per run (argv[1] names it), each on a valid file or
 * directory, for arguments wasmtime may reject by trapping (enum and flag
 * values outside witx, pointers outside memory): whatever the runtime
 * does, nothing else in the run depends on it. */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

/* The raw import: the libc wrapper would read the string (strlen) itself. */
int32_t raw_path_create_directory(int32_t fd, int32_t path, int32_t len)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("path_create_directory")));

int main(int argc, char **argv) {
    const char *probe = argc > 1 ? argv[1] : "";
    int dir = preopen_fd("/work");
    __wasi_fd_t f;
    if (__wasi_path_open(dir, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
                         0, 0, &f) != 0)
        return 2;
    printf("probe %s\n", probe);
    fflush(stdout);
    unsigned e = 9999;
    __wasi_filesize_t pos;
    __wasi_fd_t out;
    if (!strcmp(probe, "whence")) e = __wasi_fd_seek(f, 0, 3, &pos);
    else if (!strcmp(probe, "advice")) e = __wasi_fd_advise(f, 0, 0, 6);
    else if (!strcmp(probe, "advice-closed-fd")) e = __wasi_fd_advise(99, 0, 0, 6);
    else if (!strcmp(probe, "fdflags")) e = __wasi_fd_fdstat_set_flags(f, 0x20);
    else if (!strcmp(probe, "fstflags")) e = __wasi_fd_filestat_set_times(f, 0, 0, 0x10);
    else if (!strcmp(probe, "oflags")) e = __wasi_path_open(dir, 0, "hello.txt", 0x10, 0, 0, 0, &out);
    else if (!strcmp(probe, "open-fdflags")) e = __wasi_path_open(dir, 0, "hello.txt", 0, 0, 0, 0x20, &out);
    else if (!strcmp(probe, "lookupflags")) {
        __wasi_filestat_t st;
        e = __wasi_path_filestat_get(dir, 2, "hello.txt", &st);
    } else if (!strcmp(probe, "sdflags")) e = __wasi_sock_shutdown(f, 4);
    else if (!strcmp(probe, "sdflags-valid")) e = __wasi_sock_shutdown(f, 3);
    else if (!strcmp(probe, "riflags")) {
        char b[4];
        __wasi_iovec_t iov = {(uint8_t *)b, 4};
        size_t n;
        __wasi_roflags_t ro;
        e = __wasi_sock_recv(f, &iov, 1, 4, &n, &ro);
    } else if (!strcmp(probe, "siflags")) {
        __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
        size_t n;
        e = __wasi_sock_send(f, &iov, 1, 1, &n);
    } else if (!strcmp(probe, "accept-fdflags")) e = __wasi_sock_accept(f, 0x20, &out);
    else if (!strcmp(probe, "accept-nonblock")) e = __wasi_sock_accept(f, __WASI_FDFLAGS_NONBLOCK, &out);
    else if (!strcmp(probe, "accept-append")) e = __wasi_sock_accept(f, __WASI_FDFLAGS_APPEND, &out);
    else if (!strcmp(probe, "read-iovec-oob")) {
        size_t n;
        e = __wasi_fd_read(f, (const __wasi_iovec_t *)0xfffffff0u, 1, &n);
    } else if (!strcmp(probe, "read-buf-oob")) {
        __wasi_iovec_t iov = {(uint8_t *)0xfffffff0u, 100};
        size_t n;
        e = __wasi_fd_read(f, &iov, 1, &n);
    } else if (!strcmp(probe, "path-oob")) {
        e = raw_path_create_directory(dir, (int32_t)0xfffffff0u, 100);
    } else if (!strcmp(probe, "filestat-oob")) {
        e = __wasi_fd_filestat_get(f, (__wasi_filestat_t *)0xfffffff0u);
    } else {
        printf("unknown probe\n");
        return 1;
    }
    printf("result: %s\n", errname(e));
    return 0;
}
