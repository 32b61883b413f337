/* sock_accept, sock_recv, sock_send and sock_shutdown: nothing here is a
 * socket, so every call is refused; the errno shows how (stdio, a
 * preopened directory, a file, a directory, a closed fd). */
#include <stdint.h>
#include "check.h"

int main(void) {
    int work = preopen_fd("/work");
    __wasi_fd_t file = 0, dir = 0;
    SHOW("path_open(hello.txt)", __wasi_path_open(work, 0, "hello.txt", 0,
         __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &file));
    SHOW("path_open(sub)", __wasi_path_open(work, 0, "sub", __WASI_OFLAGS_DIRECTORY,
         __WASI_RIGHTS_FD_READDIR, 0, 0, &dir));
    const int fds[] = {0, 1, 2, work, (int)file, (int)dir, 40};
    const char *names[] = {"stdin", "stdout", "stderr", "preopen", "file", "directory", "closed 40"};
    for (int i = 0; i < 7; i++) {
        int fd = fds[i];
        char buf[8] = {0};
        __wasi_iovec_t in = {(uint8_t *)buf, sizeof buf};
        __wasi_ciovec_t out = {(const uint8_t *)"data", 4};
        size_t n = 777;
        __wasi_roflags_t ro = 77;
        __wasi_fd_t accepted = 777;
        printf("[%s]\n", names[i]);
        SHOW("  sock_accept", __wasi_sock_accept(fd, 0, &accepted));
        SHOW("  sock_recv", __wasi_sock_recv(fd, &in, 1, 0, &n, &ro));
        SHOW("  sock_send", __wasi_sock_send(fd, &out, 1, 0, &n));
        SHOW("  sock_shutdown(rd|wr)", __wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR));
        printf("  results untouched: %s\n", n == 777 && ro == 77 && accepted == 777 ? "yes" : "no");
    }
    /* The file is still usable. */
    char buf[8] = {0};
    __wasi_iovec_t in = {(uint8_t *)buf, 5};
    size_t n = 0;
    SHOW("fd_read(file)", __wasi_fd_read(file, &in, 1, &n));
    printf("read [%.*s]\n", (int)n, buf);
    return 0;
}
