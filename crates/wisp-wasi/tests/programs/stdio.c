/* fd_read/fd_write and the other fd calls on fds 0-2: stdin comes from
 * data/stdin.txt, stdout and stderr are captured. Ends with fd_renumber of
 * a file onto stdout (what `freopen` would need). */
#include <stdint.h>
#include <stdlib.h>
#include <ctype.h>
#include "check.h"

static void fdstat(int fd) {
    __wasi_fdstat_t st;
    unsigned e = __wasi_fd_fdstat_get(fd, &st);
    printf("fd_fdstat_get(%d): %s", fd, errname(e));
    if (e == 0)
        printf(" type %s flags %u base %#llx inheriting %#llx", ftname(st.fs_filetype), st.fs_flags,
               (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting);
    printf("\n");
}

static void filestat(int fd) {
    __wasi_filestat_t st;
    memset(&st, 0x55, sizeof st);
    unsigned e = __wasi_fd_filestat_get(fd, &st);
    printf("fd_filestat_get(%d): %s", fd, errname(e));
    if (e == 0)
        printf(" dev %llu ino %llu type %s nlink %llu size %llu times %llu/%llu/%llu",
               (unsigned long long)st.dev, (unsigned long long)st.ino, ftname(st.filetype),
               (unsigned long long)st.nlink, (unsigned long long)st.size, (unsigned long long)st.atim,
               (unsigned long long)st.mtim, (unsigned long long)st.ctim);
    printf("\n");
}

static void raw_write(int fd, const char *s) {
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    size_t n = 0;
    unsigned e = __wasi_fd_write(fd, &iov, 1, &n);
    printf("fd_write(%d, %zu bytes): %s %zu\n", fd, strlen(s), errname(e), n);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int fd = 0; fd < 3; fd++) {
        fdstat(fd);
        filestat(fd);
        __wasi_filesize_t pos;
        SHOW("  fd_seek", __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));
        SHOW("  fd_tell", __wasi_fd_tell(fd, &pos));
        char b[4];
        __wasi_iovec_t iov = {(uint8_t *)b, 4};
        __wasi_ciovec_t ciov = {(const uint8_t *)"", 0};
        size_t n;
        SHOW("  fd_pread", __wasi_fd_pread(fd, &iov, 1, 0, &n));
        SHOW("  fd_pwrite", __wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
        SHOW("  fd_sync", __wasi_fd_sync(fd));
        SHOW("  fd_datasync", __wasi_fd_datasync(fd));
        SHOW("  fd_filestat_set_size", __wasi_fd_filestat_set_size(fd, 0));
        SHOW("  fd_filestat_set_times", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
        SHOW("  fd_fdstat_set_flags(append)", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
        SHOW("  fd_fdstat_set_flags(0)", __wasi_fd_fdstat_set_flags(fd, 0));
        SHOW("  fd_fdstat_set_rights(same)", __wasi_fd_fdstat_set_rights(fd, fd ? __WASI_RIGHTS_FD_WRITE : __WASI_RIGHTS_FD_READ,
                                                                          fd ? __WASI_RIGHTS_FD_WRITE : __WASI_RIGHTS_FD_READ));
        SHOW("  fd_fdstat_set_rights(none)", __wasi_fd_fdstat_set_rights(fd, 0, 0));
        SHOW("  fd_advise", __wasi_fd_advise(fd, 0, 0, 0));
        SHOW("  fd_allocate", __wasi_fd_allocate(fd, 0, 1));
        SHOW("  fd_readdir", __wasi_fd_readdir(fd, (uint8_t *)b, 4, 0, &n));
        __wasi_prestat_t ps;
        SHOW("  fd_prestat_get", __wasi_fd_prestat_get(fd, &ps));
        SHOW("  fd_prestat_dir_name", __wasi_fd_prestat_dir_name(fd, (uint8_t *)b, 4));
    }
    /* Wrong directions. */
    char b[16];
    __wasi_iovec_t iov = {(uint8_t *)b, sizeof b};
    size_t n;
    SHOW("fd_read(1)", __wasi_fd_read(1, &iov, 1, &n));
    SHOW("fd_read(2)", __wasi_fd_read(2, &iov, 1, &n));
    raw_write(0, "x");
    /* Several iovecs to stdout, an empty one first. */
    __wasi_ciovec_t v[3] = {{(const uint8_t *)"", 0}, {(const uint8_t *)"one ", 4}, {(const uint8_t *)"two\n", 4}};
    unsigned e = __wasi_fd_write(1, v, 3, &n);
    printf("\nfd_write(1, 3 iovecs 0+4+4): %s %zu\n", errname(e), n);
    raw_write(2, "to stderr\n");
    /* stdin through the raw call, small reads, then EOF. */
    size_t total = 0, reads = 0;
    char all[256];
    for (;;) {
        __wasi_iovec_t one = {(uint8_t *)all + total, 5};
        e = __wasi_fd_read(0, &one, 1, &n);
        if (e != 0 || n == 0) break;
        total += n;
        reads++;
    }
    printf("stdin: %s, %zu bytes in %zu reads of up to 5\n", errname(e), total, reads);
    for (size_t i = 0; i < total; i++) all[i] = (char)toupper((unsigned char)all[i]);
    printf("upper: %.*s", (int)total, all);
    SHOW("fd_read(0) at EOF", __wasi_fd_read(0, &iov, 1, &n));
    printf("  bytes: %zu\n", n);
    /* Closing stdin and stderr. */
    SHOW("fd_close(0)", __wasi_fd_close(0));
    SHOW("fd_read(0) after close", __wasi_fd_read(0, &iov, 1, &n));
    fdstat(0);
    SHOW("fd_close(0) again", __wasi_fd_close(0));
    SHOW("fd_close(2)", __wasi_fd_close(2));
    raw_write(2, "lost\n");
    /* A file renumbered onto stdout: later output goes to the file. */
    int work = preopen_fd("/work");
    __wasi_fd_t f;
    SHOW("path_open(out.txt)", __wasi_path_open(work, 0, "out.txt", __WASI_OFLAGS_CREAT,
         __WASI_RIGHTS_FD_WRITE, 0, 0, &f));
    e = __wasi_fd_renumber(f, 1);
    printf("fd_renumber(file, 1): %s\n", errname(e));
    fdstat(1);
    printf("after renumber\n");
    SHOW("fd_renumber(1, 2)", __wasi_fd_renumber(1, 2));
    SHOW("fd_renumber(1, 0)", __wasi_fd_renumber(1, 0));
    fdstat(0);
    printf("the end\n");
    return 0;
}
