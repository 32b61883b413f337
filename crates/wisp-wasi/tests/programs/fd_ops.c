/* The fd_* family on files, directories and closed fds: seek/tell, read/
 * write, pread/pwrite, sync/datasync, advise/allocate, filestat get/
 * set_size/set_times, fdstat get/set_flags/set_rights, renumber, readdir,
 * close, prestat. /work is a read-write copy of data/fdops, /ro a read-only
 * one. Every call's errno is printed. */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

#define ALL_RIGHTS ((__wasi_rights_t)0x1fffffff)
#define SEC 1000000000ull

static int work, ro;

static int open_at(int dir, const char *path, int oflags, __wasi_rights_t base,
                   int fdflags, const char *label) {
    __wasi_fd_t fd = 0;
    unsigned e = __wasi_path_open(dir, 0, path, oflags, base, base, fdflags, &fd);
    printf("%s: %s", label, errname(e));
    if (e == 0) printf(" (fd %u)", fd);
    printf("\n");
    return e == 0 ? (int)fd : -1;
}

static void fdstat(int fd, const char *label) {
    __wasi_fdstat_t st;
    unsigned e = __wasi_fd_fdstat_get(fd, &st);
    printf("fd_fdstat_get(%s): %s", label, errname(e));
    if (e == 0)
        printf(" type %s flags %u base %#llx inheriting %#llx", ftname(st.fs_filetype),
               st.fs_flags, (unsigned long long)st.fs_rights_base,
               (unsigned long long)st.fs_rights_inheriting);
    printf("\n");
}

static void filestat(int fd, const char *label, int times) {
    __wasi_filestat_t st;
    unsigned e = __wasi_fd_filestat_get(fd, &st);
    printf("fd_filestat_get(%s): %s", label, errname(e));
    /* A directory's size and link count depend on the host filesystem. */
    if (e == 0 && st.filetype == __WASI_FILETYPE_DIRECTORY) {
        printf(" type directory");
    } else if (e == 0) {
        printf(" type %s nlink %llu size %llu", ftname(st.filetype),
               (unsigned long long)st.nlink, (unsigned long long)st.size);
    }
    if (e == 0) {
        if (times) printf(" atim %llu mtim %llu", (unsigned long long)st.atim,
                          (unsigned long long)st.mtim);
    }
    printf("\n");
}

static void rd(int fd, size_t n, const char *label) {
    char buf[64] = {0};
    __wasi_iovec_t iov = {(uint8_t *)buf, n};
    size_t got = 999;
    unsigned e = __wasi_fd_read(fd, &iov, 1, &got);
    printf("fd_read(%s, %zu): %s", label, n, errname(e));
    if (e == 0) printf(" %zu [%.*s]", got, (int)got, buf);
    printf("\n");
}

static void wr(int fd, const char *s, const char *label) {
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    size_t put = 999;
    unsigned e = __wasi_fd_write(fd, &iov, 1, &put);
    printf("fd_write(%s, \"%s\"): %s", label, s, errname(e));
    if (e == 0) printf(" %zu", put);
    printf("\n");
}

static void seek(int fd, int64_t off, int whence, const char *label) {
    __wasi_filesize_t pos = 999;
    unsigned e = __wasi_fd_seek(fd, off, whence, &pos);
    printf("fd_seek(%s, %lld, %d): %s", label, (long long)off, whence, errname(e));
    if (e == 0) printf(" -> %llu", (unsigned long long)pos);
    printf("\n");
}

static void tell(int fd, const char *label) {
    __wasi_filesize_t pos = 999;
    unsigned e = __wasi_fd_tell(fd, &pos);
    printf("fd_tell(%s): %s", label, errname(e));
    if (e == 0) printf(" %llu", (unsigned long long)pos);
    printf("\n");
}

static void pread_(int fd, size_t n, uint64_t off, const char *label) {
    char b[64] = {0};
    __wasi_iovec_t iov = {(uint8_t *)b, n};
    size_t got = 999;
    unsigned e = __wasi_fd_pread(fd, &iov, 1, off, &got);
    printf("fd_pread(%s, %zu @%llu): %s", label, n, (unsigned long long)off, errname(e));
    if (e == 0) {
        printf(" %zu [", got);
        for (size_t i = 0; i < got; i++) printf(b[i] ? "%c" : "\\0", b[i]);
        printf("]");
    }
    printf("\n");
}

/* Reads and writes with several iovecs (an empty one first). */
static void vectors(int f) {
    char a[4] = {0}, b[8] = {0};
    __wasi_iovec_t iov[3] = {{(uint8_t *)a, 0}, {(uint8_t *)a, 3}, {(uint8_t *)b, 7}};
    size_t n = 999;
    unsigned e = __wasi_fd_pread(f, iov, 3, 0, &n);
    printf("fd_pread(3 iovecs 0+3+7 @0): %s %zu [%s|%s]\n", errname(e), n, a, b);
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &(__wasi_filesize_t){0});
    e = __wasi_fd_read(f, iov, 3, &n);
    printf("fd_read(3 iovecs 0+3+7): %s %zu [%s|%s]\n", errname(e), n, a, b);
    __wasi_ciovec_t out[3] = {{(const uint8_t *)"", 0}, {(const uint8_t *)"AB", 2}, {(const uint8_t *)"CD", 2}};
    e = __wasi_fd_pwrite(f, out, 3, 0, &n);
    printf("fd_pwrite(3 iovecs 0+2+2 @0): %s %zu\n", errname(e), n);
    __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &(__wasi_filesize_t){0});
    e = __wasi_fd_write(f, out, 3, &n);
    printf("fd_write(3 iovecs 0+2+2): %s %zu\n", errname(e), n);
    e = __wasi_fd_write(f, out, 1, &n);
    printf("fd_write(1 empty iovec): %s %zu\n", errname(e), n);
    e = __wasi_fd_write(f, out, 0, &n);
    printf("fd_write(0 iovecs): %s %zu\n", errname(e), n);
    e = __wasi_fd_read(f, iov, 0, &n);
    printf("fd_read(0 iovecs): %s %zu\n", errname(e), n);
}

static void pwrite_(int fd, const char *s, uint64_t off, const char *label) {
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    size_t put = 999;
    unsigned e = __wasi_fd_pwrite(fd, &iov, 1, off, &put);
    printf("fd_pwrite(%s, \"%s\" @%llu): %s", label, s, (unsigned long long)off, errname(e));
    if (e == 0) printf(" %zu", put);
    printf("\n");
}

static void prestats(void) {
    for (int fd = 0; fd <= 6; fd++) {
        __wasi_prestat_t ps;
        unsigned e = __wasi_fd_prestat_get(fd, &ps);
        printf("fd_prestat_get(%d): %s", fd, errname(e));
        if (e == 0) {
            char name[64] = {0};
            size_t len = ps.u.dir.pr_name_len;
            printf(" tag %u len %zu", ps.tag, len);
            unsigned e2 = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len);
            printf(" name %s [%s]", errname(e2), name);
            memset(name, 0, sizeof name);
            e2 = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len - 1);
            printf(" short %s [%s]", errname(e2), name);
            memset(name, 0, sizeof name);
            e2 = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len + 4);
            printf(" long %s [%s]", errname(e2), name);
        }
        printf("\n");
    }
}

static void file_io(void) {
    int f = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "path_open(hello.txt)");
    fdstat(f, "file");
    filestat(f, "file", 0);
    rd(f, 5, "file");
    tell(f, "file");
    seek(f, 0, __WASI_WHENCE_CUR, "file");
    seek(f, -3, __WASI_WHENCE_END, "file");
    rd(f, 64, "file");
    rd(f, 64, "file at EOF");
    seek(f, -1, __WASI_WHENCE_SET, "file");
    seek(f, -100, __WASI_WHENCE_CUR, "file");
    seek(f, -100, __WASI_WHENCE_END, "file");
    seek(f, 100, __WASI_WHENCE_SET, "file");
    rd(f, 8, "file past EOF");
    seek(f, 7, __WASI_WHENCE_SET, "file");
    pread_(f, 5, 0, "file");
    pread_(f, 20, 7, "file");
    pread_(f, 4, 1000, "file");
    tell(f, "file after pread");
    pwrite_(f, "WORLD", 7, "file");
    pread_(f, 13, 0, "file");
    tell(f, "file after pwrite");
    wr(f, "w", "file");
    tell(f, "file after write");
    pwrite_(f, "!", 20, "file");
    filestat(f, "file after pwrite past end", 0);
    pread_(f, 21, 0, "file (a hole)");
    vectors(f);
    pread_(f, 21, 0, "file");

    printf("-- set_size\n");
    SHOW("fd_filestat_set_size(file, 4)", __wasi_fd_filestat_set_size(f, 4));
    filestat(f, "file", 0);
    pread_(f, 10, 0, "file");
    SHOW("fd_filestat_set_size(file, 10)", __wasi_fd_filestat_set_size(f, 10));
    filestat(f, "file", 0);

    printf("-- times\n");
    SHOW("fd_filestat_set_times(file, atim+mtim)",
         __wasi_fd_filestat_set_times(f, 1000 * SEC + 5, 2000 * SEC + 7,
                                      __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    filestat(f, "file", 1);
    SHOW("fd_filestat_set_times(file, mtim only)",
         __wasi_fd_filestat_set_times(f, 0, 3000 * SEC, __WASI_FSTFLAGS_MTIM));
    filestat(f, "file", 1);
    SHOW("fd_filestat_set_times(file, none)", __wasi_fd_filestat_set_times(f, 0, 0, 0));
    filestat(f, "file", 1);
    SHOW("fd_filestat_set_times(file, atim+atim_now)",
         __wasi_fd_filestat_set_times(f, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    SHOW("fd_filestat_set_times(file, mtim+mtim_now)",
         __wasi_fd_filestat_set_times(f, 1, 1, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    SHOW("fd_filestat_set_times(file, mtim_now)",
         __wasi_fd_filestat_set_times(f, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_filestat_t st;
    __wasi_fd_filestat_get(f, &st);
    printf("  mtim now after 2020: %s, atim kept: %s\n", st.mtim > 1577836800ull * SEC ? "yes" : "no",
           st.atim == 1000 * SEC + 5 ? "yes" : "no");

    printf("-- sync, advise, allocate\n");
    SHOW("fd_sync(file)", __wasi_fd_sync(f));
    SHOW("fd_datasync(file)", __wasi_fd_datasync(f));
    for (int adv = 0; adv <= 5; adv++) {
        char label[64];
        snprintf(label, sizeof label, "fd_advise(file, 0, 100, %d)", adv);
        SHOW(label, __wasi_fd_advise(f, 0, 100, adv));
    }
    SHOW("fd_advise(file, huge offset+len)", __wasi_fd_advise(f, INT64_MAX, INT64_MAX, 0));
    SHOW("fd_allocate(file, 0, 100)", __wasi_fd_allocate(f, 0, 100));
    SHOW("fd_allocate(file, 0, 0)", __wasi_fd_allocate(f, 0, 0));
    filestat(f, "file after allocate", 0);

    printf("-- flags\n");
    SHOW("fd_fdstat_set_flags(file, append)", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_APPEND));
    fdstat(f, "file");
    seek(f, 0, __WASI_WHENCE_SET, "file");
    wr(f, "+end", "file (append)");
    tell(f, "file");
    SHOW("fd_fdstat_set_flags(file, nonblock)", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_NONBLOCK));
    fdstat(f, "file");
    SHOW("fd_fdstat_set_flags(file, sync)", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_SYNC));
    SHOW("fd_fdstat_set_flags(file, dsync)", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_DSYNC));
    SHOW("fd_fdstat_set_flags(file, rsync)", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_RSYNC));
    SHOW("fd_fdstat_set_flags(file, 0)", __wasi_fd_fdstat_set_flags(f, 0));
    fdstat(f, "file");
    seek(f, 0, __WASI_WHENCE_SET, "file");
    wr(f, "H", "file (no append)");
    pread_(f, 30, 0, "file");

    printf("-- rights\n");
    SHOW("fd_fdstat_set_rights(file, same)", __wasi_fd_fdstat_set_rights(f, ALL_RIGHTS, ALL_RIGHTS));
    SHOW("fd_fdstat_set_rights(file, drop write)",
         __wasi_fd_fdstat_set_rights(f, ALL_RIGHTS & ~__WASI_RIGHTS_FD_WRITE, 0));
    fdstat(f, "file");
    wr(f, "?", "file without write right");
    rd(f, 2, "file");
    SHOW("fd_fdstat_set_rights(file, add write back)",
         __wasi_fd_fdstat_set_rights(f, ALL_RIGHTS, 0));
    fdstat(f, "file");
    SHOW("fd_fdstat_set_rights(file, none)", __wasi_fd_fdstat_set_rights(f, 0, 0));
    fdstat(f, "file");
    rd(f, 2, "file without rights");
    seek(f, 0, __WASI_WHENCE_SET, "file without rights");
    SHOW("fd_close(file)", __wasi_fd_close(f));
    SHOW("fd_close(file) again", __wasi_fd_close(f));
}

static void modes(void) {
    printf("-- access modes\n");
    int r = open_at(work, "hello.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0,
                    "path_open(hello.txt, read only)");
    fdstat(r, "read-only file");
    rd(r, 5, "read-only file");
    wr(r, "x", "read-only file");
    pwrite_(r, "x", 0, "read-only file");
    SHOW("fd_filestat_set_size(read-only file)", __wasi_fd_filestat_set_size(r, 1));
    SHOW("fd_allocate(read-only file)", __wasi_fd_allocate(r, 0, 1));
    __wasi_fd_close(r);
    int w = open_at(work, "hello.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, "path_open(hello.txt, write only)");
    fdstat(w, "write-only file");
    rd(w, 5, "write-only file");
    pread_(w, 5, 0, "write-only file");
    wr(w, "J", "write-only file");
    tell(w, "write-only file");
    __wasi_fd_close(w);
    int a = open_at(work, "hello.txt", 0, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_READ,
                    __WASI_FDFLAGS_APPEND, "path_open(hello.txt, append)");
    fdstat(a, "append file");
    wr(a, "[tail]", "append file");
    pwrite_(a, "<", 0, "append file");
    rd(a, 5, "append file");
    __wasi_fd_close(a);
    int n = open_at(work, "hello.txt", 0, 0, 0, "path_open(hello.txt, no rights)");
    fdstat(n, "no-rights file");
    rd(n, 5, "no-rights file");
    wr(n, "n", "no-rights file");
    filestat(n, "no-rights file", 0);
    __wasi_fd_close(n);
    int t = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "path_open(hello.txt)");
    pread_(t, 40, 0, "file");
    __wasi_fd_close(t);

    const int flags[] = {__WASI_FDFLAGS_NONBLOCK, __WASI_FDFLAGS_SYNC, __WASI_FDFLAGS_DSYNC,
                         __WASI_FDFLAGS_RSYNC};
    const char *fnames[] = {"nonblock", "sync", "dsync", "rsync"};
    for (int i = 0; i < 4; i++) {
        char label[64];
        snprintf(label, sizeof label, "path_open(hello.txt, fdflags %s)", fnames[i]);
        int s = open_at(work, "hello.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, flags[i], label);
        if (s >= 0) {
            fdstat(s, fnames[i]);
            __wasi_fd_close(s);
        }
        snprintf(label, sizeof label, "path_open(hello.txt, read only, fdflags %s)", fnames[i]);
        s = open_at(work, "hello.txt", 0, __WASI_RIGHTS_FD_READ, flags[i], label);
        if (s >= 0) __wasi_fd_close(s);
    }

    printf("-- read-only preopen\n");
    int q = open_at(ro, "hello.txt", 0, ALL_RIGHTS, 0, "path_open(/ro hello.txt, all rights)");
    if (q >= 0) __wasi_fd_close(q);
    q = open_at(ro, "hello.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
                __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES,
                0, "path_open(/ro hello.txt, read)");
    rd(q, 5, "ro file");
    wr(q, "x", "ro file");
    SHOW("fd_filestat_set_size(ro file)", __wasi_fd_filestat_set_size(q, 1));
    SHOW("fd_filestat_set_times(ro file)", __wasi_fd_filestat_set_times(q, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    SHOW("fd_sync(ro file)", __wasi_fd_sync(q));
    SHOW("fd_datasync(ro file)", __wasi_fd_datasync(q));
    SHOW("fd_advise(ro file)", __wasi_fd_advise(q, 0, 0, 0));
    SHOW("fd_allocate(ro file)", __wasi_fd_allocate(q, 0, 1));
    SHOW("fd_fdstat_set_flags(ro file, append)", __wasi_fd_fdstat_set_flags(q, __WASI_FDFLAGS_APPEND));
    __wasi_fd_close(q);
    fdstat(ro, "ro preopen");
    SHOW("fd_filestat_set_times(ro preopen)", __wasi_fd_filestat_set_times(ro, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    SHOW("fd_sync(ro preopen)", __wasi_fd_sync(ro));
}

static void on_dirs(void) {
    printf("-- directory fds\n");
    int w = open_at(work, "sub", __WASI_OFLAGS_DIRECTORY, ALL_RIGHTS, 0, "path_open(sub, directory, with fd_write)");
    int d = open_at(work, "sub", __WASI_OFLAGS_DIRECTORY, ALL_RIGHTS & ~__WASI_RIGHTS_FD_WRITE, 0,
                    "path_open(sub, directory)");
    int d2 = open_at(work, "sub", 0, __WASI_RIGHTS_FD_READDIR, 0, "path_open(sub, readdir right only)");
    fdstat(d2, "sub (readdir right only)");
    SHOW("fd_close(sub, readdir right only)", __wasi_fd_close(d2));
    (void)w;
    fdstat(work, "preopen");
    fdstat(d, "sub");
    filestat(d, "sub", 0);
    rd(d, 4, "sub");
    wr(d, "x", "sub");
    pread_(d, 4, 0, "sub");
    pwrite_(d, "x", 0, "sub");
    seek(d, 0, __WASI_WHENCE_SET, "sub");
    tell(d, "sub");
    SHOW("fd_sync(sub)", __wasi_fd_sync(d));
    SHOW("fd_datasync(sub)", __wasi_fd_datasync(d));
    SHOW("fd_advise(sub)", __wasi_fd_advise(d, 0, 0, 0));
    SHOW("fd_allocate(sub)", __wasi_fd_allocate(d, 0, 1));
    SHOW("fd_filestat_set_size(sub)", __wasi_fd_filestat_set_size(d, 0));
    SHOW("fd_filestat_set_times(sub)",
         __wasi_fd_filestat_set_times(d, 5 * SEC, 6 * SEC, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    filestat(d, "sub", 1);
    SHOW("fd_fdstat_set_flags(sub, append)", __wasi_fd_fdstat_set_flags(d, __WASI_FDFLAGS_APPEND));
    SHOW("fd_fdstat_set_flags(sub, 0)", __wasi_fd_fdstat_set_flags(d, 0));
    SHOW("fd_fdstat_set_rights(sub, drop readdir)",
         __wasi_fd_fdstat_set_rights(d, ALL_RIGHTS & ~__WASI_RIGHTS_FD_READDIR, ALL_RIGHTS));
    fdstat(d, "sub");

    printf("-- readdir\n");
    SHOW("path_symlink(sub/link -> a.txt)", __wasi_path_symlink("a.txt", work, "sub/link"));
    SHOW("path_create_directory(sub/inner)", __wasi_path_create_directory(work, "sub/inner"));
    /* Whole listing, names sorted. */
    char buf[4096];
    size_t used = 0;
    unsigned e = __wasi_fd_readdir(d, (uint8_t *)buf, sizeof buf, 0, &used);
    printf("fd_readdir(sub, 4096): %s\n", errname(e));
    char names[16][80];
    int types[16], n = 0;
    for (size_t off = 0; e == 0 && off + sizeof(__wasi_dirent_t) <= used && n < 16;) {
        __wasi_dirent_t de;
        memcpy(&de, buf + off, sizeof de);
        off += sizeof de;
        size_t len = de.d_namlen < used - off ? de.d_namlen : used - off;
        snprintf(names[n], sizeof names[n], "%.*s", (int)len, buf + off);
        types[n++] = de.d_type;
        off += de.d_namlen;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char t[80];
                strcpy(t, names[i]); strcpy(names[i], names[j]); strcpy(names[j], t);
                int x = types[i]; types[i] = types[j]; types[j] = x;
            }
    for (int i = 0; i < n; i++) printf("  %s %s\n", names[i], ftname(types[i]));
    /* Small buffers: resume from each entry's d_next until a short read. */
    size_t total = 0;
    int calls = 0, full_reads = 0;
    __wasi_dircookie_t cookie = 0;
    for (;;) {
        char small[40];
        e = __wasi_fd_readdir(d, (uint8_t *)small, sizeof small, cookie, &used);
        calls++;
        if (e != 0 || used < sizeof(__wasi_dirent_t)) break;
        __wasi_dirent_t de;
        memcpy(&de, small, sizeof de);
        total++;
        if (used == sizeof small) full_reads++;
        cookie = de.d_next;
        if (used < sizeof small) {
            /* The buffer held every remaining entry. */
            size_t off = sizeof de + de.d_namlen;
            while (off + sizeof de <= used) {
                memcpy(&de, small + off, sizeof de);
                off += sizeof de + de.d_namlen;
                total++;
            }
            break;
        }
    }
    printf("readdir with 40-byte buffers: %s, %zu entries\n", errname(e), total);
    e = __wasi_fd_readdir(d, (uint8_t *)buf, sizeof buf, 1000, &used);
    printf("fd_readdir(sub, cookie 1000): %s used %zu\n", errname(e), used);
    e = __wasi_fd_readdir(d, (uint8_t *)buf, 0, 0, &used);
    printf("fd_readdir(sub, 0 bytes): %s used %zu\n", errname(e), used);
    int f = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "path_open(hello.txt)");
    e = __wasi_fd_readdir(f, (uint8_t *)buf, sizeof buf, 0, &used);
    printf("fd_readdir(file): %s\n", errname(e));

    printf("-- renumber\n");
    int g = open_at(work, "sub/a.txt", 0, ALL_RIGHTS, 0, "path_open(sub/a.txt)");
    SHOW("fd_renumber(file, same)", __wasi_fd_renumber(f, f));
    SHOW("fd_renumber(file, sub/a.txt fd)", __wasi_fd_renumber(f, g));
    rd(g, 5, "renumbered");
    rd(f, 5, "old number");
    SHOW("fd_renumber(closed, file)", __wasi_fd_renumber(f, g));
    SHOW("fd_renumber(file, closed 40)", __wasi_fd_renumber(g, 40));
    rd(g, 5, "renumbered after failed renumber");
    SHOW("fd_renumber(dir, file)", __wasi_fd_renumber(d, g));
    fdstat(g, "renumbered dir");
    SHOW("fd_close(renumbered dir)", __wasi_fd_close(g));
    SHOW("fd_close(closed 40)", __wasi_fd_close(40));
}

/* Which numbers new fds get after closes. */
static void numbering(void) {
    printf("-- fd numbers\n");
    int a = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "open a");
    int b = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "open b");
    int c = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "open c");
    printf("a,b,c consecutive: %s\n", b == a + 1 && c == b + 1 ? "yes" : "no");
    __wasi_fd_close(a);
    __wasi_fd_close(b);
    int d = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "open d after closing a and b");
    printf("d reuses: %s\n", d == a ? "a" : d == b ? "b" : "neither");
    int e = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "open e");
    printf("e reuses: %s\n", e == a ? "a" : e == b ? "b" : "neither");
    int f = open_at(work, "hello.txt", 0, ALL_RIGHTS, 0, "open f");
    printf("f is after c: %s\n", f == c + 1 ? "yes" : "no");
    __wasi_fd_close(c);
    __wasi_fd_close(d);
    __wasi_fd_close(e);
    __wasi_fd_close(f);
}

static void closed(void) {
    printf("-- closed fd 30\n");
    int c = 30;
    rd(c, 1, "closed");
    wr(c, "x", "closed");
    seek(c, 0, 0, "closed");
    tell(c, "closed");
    fdstat(c, "closed");
    filestat(c, "closed", 0);
    SHOW("fd_sync(closed)", __wasi_fd_sync(c));
    SHOW("fd_datasync(closed)", __wasi_fd_datasync(c));
    SHOW("fd_advise(closed)", __wasi_fd_advise(c, 0, 0, 0));
    SHOW("fd_allocate(closed)", __wasi_fd_allocate(c, 0, 0));
    SHOW("fd_filestat_set_size(closed)", __wasi_fd_filestat_set_size(c, 0));
    SHOW("fd_filestat_set_times(closed)", __wasi_fd_filestat_set_times(c, 0, 0, 0));
    SHOW("fd_fdstat_set_flags(closed)", __wasi_fd_fdstat_set_flags(c, 0));
    SHOW("fd_fdstat_set_rights(closed)", __wasi_fd_fdstat_set_rights(c, 0, 0));
    char buf[64];
    size_t used;
    SHOW("fd_readdir(closed)", __wasi_fd_readdir(c, (uint8_t *)buf, sizeof buf, 0, &used));
    SHOW("fd_renumber(closed, closed)", __wasi_fd_renumber(c, c + 1));
    SHOW("fd_close(closed)", __wasi_fd_close(c));
}

int main(void) {
    work = preopen_fd("/work");
    ro = preopen_fd("/ro");
    printf("preopens: /work %d, /ro %d\n", work, ro);
    prestats();
    file_io();
    modes();
    on_dirs();
    numbering();
    closed();
    printf("-- closing a preopen\n");
    SHOW("fd_close(/ro)", __wasi_fd_close(ro));
    fdstat(ro, "closed /ro");
    SHOW("fd_prestat_get(closed /ro)", __wasi_fd_prestat_get(ro, &(__wasi_prestat_t){0}));
    return 0;
}
