/* The path_* family: create/remove directories, unlink, rename, symlink,
 * readlink, link, filestat get/set_times and open, with their error cases,
 * on a read-write copy of data/paths (/work), a second read-write mount
 * (/work2) and a read-only copy (/ro). Every call's errno is printed; the
 * final trees are compared as files. */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

#define SEC 1000000000ull
#define FILE_RIGHTS ((__wasi_rights_t)0x1fffffff)

static int work, work2, ro;

/* The raw import: the libc wrapper would stop the path at a NUL. */
int32_t raw_path_create_directory(int32_t fd, int32_t path, int32_t len)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("path_create_directory")));

static unsigned mkdir_(int dir, const char *p) {
    char label[128];
    snprintf(label, sizeof label, "path_create_directory(%s)", p);
    return SHOW(label, __wasi_path_create_directory(dir, p));
}
static unsigned rmdir_(int dir, const char *p) {
    char label[128];
    snprintf(label, sizeof label, "path_remove_directory(%s)", p);
    return SHOW(label, __wasi_path_remove_directory(dir, p));
}
static unsigned unlink_(int dir, const char *p) {
    char label[128];
    snprintf(label, sizeof label, "path_unlink_file(%s)", p);
    return SHOW(label, __wasi_path_unlink_file(dir, p));
}
static unsigned rename_(int d1, const char *a, int d2, const char *b) {
    char label[160];
    snprintf(label, sizeof label, "path_rename(%s, %s)", a, b);
    return SHOW(label, __wasi_path_rename(d1, a, d2, b));
}
static unsigned symlink_(const char *target, int dir, const char *p) {
    char label[160];
    snprintf(label, sizeof label, "path_symlink(%s -> %s)", p, target);
    return SHOW(label, __wasi_path_symlink(target, dir, p));
}
static unsigned link_(int d1, int follow, const char *a, int d2, const char *b) {
    char label[160];
    snprintf(label, sizeof label, "path_link(%s%s, %s)", a, follow ? " follow" : "", b);
    return SHOW(label, __wasi_path_link(d1, follow, a, d2, b));
}
static void readlink_(int dir, const char *p, size_t len) {
    char buf[64];
    memset(buf, '#', sizeof buf);
    size_t used = 999;
    unsigned e = __wasi_path_readlink(dir, p, (uint8_t *)buf, len, &used);
    printf("path_readlink(%s, %zu): %s", p, len, errname(e));
    if (e == 0) printf(" %zu [%.*s] next byte %s", used, (int)used, buf, buf[used] == '#' ? "untouched" : "written");
    printf("\n");
}
static void stat_(int dir, int follow, const char *p) {
    __wasi_filestat_t st;
    unsigned e = __wasi_path_filestat_get(dir, follow, p, &st);
    printf("path_filestat_get(%s%s): %s", p, follow ? " follow" : "", errname(e));
    /* A directory's size and link count depend on the host filesystem. */
    if (e == 0 && st.filetype == __WASI_FILETYPE_DIRECTORY) printf(" type directory");
    else if (e == 0) printf(" type %s nlink %llu size %llu", ftname(st.filetype),
                            (unsigned long long)st.nlink, (unsigned long long)st.size);
    printf("\n");
}
static void times_(int dir, int follow, const char *p, __wasi_timestamp_t a, __wasi_timestamp_t m, int flags) {
    char label[128];
    snprintf(label, sizeof label, "path_filestat_set_times(%s%s, flags %d)", p, follow ? " follow" : "", flags);
    if (SHOW(label, __wasi_path_filestat_set_times(dir, follow, p, a, m, flags)) != 0) return;
    __wasi_filestat_t st;
    if (__wasi_path_filestat_get(dir, follow, p, &st) == 0)
        printf("  atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
}
static int open_(int dir, int follow, const char *p, int oflags, __wasi_rights_t rights, const char *what) {
    __wasi_fd_t fd = 0;
    unsigned e = __wasi_path_open(dir, follow, p, oflags, rights, rights, 0, &fd);
    printf("path_open(%s, %s%s): %s", p, what, follow ? ", follow" : "", errname(e));
    if (e == 0) {
        __wasi_fdstat_t st;
        __wasi_fd_fdstat_get(fd, &st);
        printf(" type %s", ftname(st.fs_filetype));
    }
    printf("\n");
    return e == 0 ? (int)fd : -1;
}
static void put(int dir, const char *p, const char *data) {
    int fd = open_(dir, 0, p, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, FILE_RIGHTS, "creat|trunc");
    if (fd < 0) return;
    __wasi_ciovec_t iov = {(const uint8_t *)data, strlen(data)};
    size_t n;
    SHOW("  fd_write", __wasi_fd_write(fd, &iov, 1, &n));
    __wasi_fd_close(fd);
}
static void get(int dir, const char *p) {
    __wasi_fd_t fd = 0;
    unsigned e = __wasi_path_open(dir, 1, p, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    char buf[64] = {0};
    size_t n = 0;
    if (e == 0) {
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
        e = __wasi_fd_read(fd, &iov, 1, &n);
        __wasi_fd_close(fd);
    }
    printf("read %s: %s [%.*s]\n", p, errname(e), (int)n, buf);
}

static void directories(void) {
    printf("-- directories\n");
    mkdir_(work, "made");
    mkdir_(work, "made");
    mkdir_(work, "file.txt");
    mkdir_(work, "missing/sub");
    mkdir_(work, "file.txt/sub");
    mkdir_(work, "../escape");
    mkdir_(work, "/abs");
    mkdir_(work, "made/./inner/");
    mkdir_(work, "made/inner/../inner2");
    mkdir_(work, "");
    mkdir_(work, ".");
    rmdir_(work, "made/inner");
    rmdir_(work, "made/inner");
    rmdir_(work, "made");
    rmdir_(work, "nonempty");
    rmdir_(work, "file.txt");
    rmdir_(work, ".");
    rmdir_(work, "empty/");
    rmdir_(work, "missing");
    rmdir_(work, "../x");
    stat_(work, 0, "made");
    stat_(work, 0, "made/inner2");
}

static void files(void) {
    printf("-- unlink\n");
    put(work, "victim.txt", "bye\n");
    unlink_(work, "victim.txt");
    unlink_(work, "victim.txt");
    unlink_(work, "dir");
    unlink_(work, "file.txt/");
    unlink_(work, "dir/file.txt/x");
    unlink_(work, "../file.txt");
    unlink_(work, ".");
    printf("-- rename\n");
    put(work, "a.txt", "A\n");
    rename_(work, "a.txt", work, "b.txt");
    rename_(work, "a.txt", work, "c.txt");
    put(work, "a.txt", "A2\n");
    rename_(work, "a.txt", work, "b.txt");
    get(work, "b.txt");
    rename_(work, "b.txt", work, "b.txt");
    rename_(work, "b.txt", work, "dir");
    mkdir_(work, "d1");
    mkdir_(work, "d2");
    rename_(work, "d1", work, "b.txt");
    rename_(work, "d1", work, "nonempty");
    rename_(work, "d1", work, "d2");
    stat_(work, 0, "d1");
    rename_(work, "d2", work, "d2/inside");
    rename_(work, "d2", work, "moved-dir/");
    rename_(work, "b.txt", work, "b2.txt/");
    rename_(work, "b.txt", work, "../b.txt");
    rename_(work, "b.txt", work, "dir/b.txt");
    rename_(work, ".", work, "dot");
    /* Across preopens: the host decides under wasmtime (both temp dirs
     * share a filesystem there); undone silently so later output and the
     * final trees do not depend on it. */
    put(work, "cross.txt", "X\n");
    if (rename_(work, "cross.txt", work2, "cross.txt") == 0)
        __wasi_path_rename(work2, "cross.txt", work, "cross.txt");
    unlink_(work, "cross.txt");
    rename_(work, "dir/b.txt", ro, "b.txt");
}

static void links(void) {
    printf("-- symlinks\n");
    symlink_("file.txt", work, "ln");
    symlink_("file.txt", work, "ln");
    symlink_("dir", work, "ln-dir");
    symlink_("missing", work, "dangling");
    symlink_("../outside", work, "escape");
    symlink_("/etc/passwd", work, "abs");
    symlink_("", work, "empty-target");
    symlink_("file.txt", work, "dir/");
    symlink_("file.txt", work, "missing-dir/ln");
    readlink_(work, "ln", 64);
    readlink_(work, "ln", 3);
    readlink_(work, "ln", 0);
    readlink_(work, "ln-dir/", 64);
    readlink_(work, "file.txt", 64);
    readlink_(work, "dir", 64);
    readlink_(work, "missing", 64);
    readlink_(work, "escape", 64);
    stat_(work, 0, "ln");
    stat_(work, 1, "ln");
    stat_(work, 1, "ln-dir");
    stat_(work, 0, "ln-dir/file.txt");
    stat_(work, 1, "dangling");
    stat_(work, 0, "dangling");
    stat_(work, 1, "escape");
    get(work, "ln");
    get(work, "ln-dir/file.txt");
    get(work, "escape");
    open_(work, 0, "ln", 0, __WASI_RIGHTS_FD_READ, "read");
    open_(work, 1, "ln", 0, __WASI_RIGHTS_FD_READ, "read");
    open_(work, 0, "ln-dir", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "directory");
    open_(work, 0, "ln-dir/", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "directory");
    symlink_("loop2", work, "loop1");
    symlink_("loop1", work, "loop2");
    stat_(work, 1, "loop1");
    open_(work, 1, "loop1", 0, __WASI_RIGHTS_FD_READ, "read");
    printf("-- hard links\n");
    link_(work, 0, "file.txt", work, "hard.txt");
    stat_(work, 0, "hard.txt");
    stat_(work, 0, "file.txt");
    link_(work, 0, "file.txt", work, "hard.txt");
    link_(work, 0, "dir", work, "dir-link");
    link_(work, 0, "missing", work, "x");
    link_(work, 0, "ln", work, "hard-ln");
    stat_(work, 0, "hard-ln");
    link_(work, 1, "ln", work, "hard-ln-followed");
    stat_(work, 0, "hard-ln-followed");
    link_(work, 0, "file.txt", work, "../out");
    if (link_(work, 0, "file.txt", work2, "cross.txt") == 0)
        __wasi_path_unlink_file(work2, "cross.txt");
    link_(work, 0, "file.txt", ro, "cross.txt");
    unlink_(work, "hard.txt");
    stat_(work, 0, "file.txt");
    unlink_(work, "ln");
    stat_(work, 0, "file.txt");
    unlink_(work, "loop1");
    unlink_(work, "loop2");
}

static void timestamps(void) {
    printf("-- times\n");
    times_(work, 0, "file.txt", 100 * SEC + 1, 200 * SEC + 2, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
    times_(work, 0, "file.txt", 0, 300 * SEC, __WASI_FSTFLAGS_MTIM);
    times_(work, 0, "dir", 400 * SEC, 500 * SEC, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
    times_(work, 1, "ln-dir", 600 * SEC, 700 * SEC, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
    stat_(work, 0, "dir");
    times_(work, 0, "ln-dir", 800 * SEC, 900 * SEC, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
    times_(work, 0, "missing", 0, 0, __WASI_FSTFLAGS_MTIM_NOW);
    times_(work, 0, "file.txt", 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW);
    times_(work, 0, "../file.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW);
    SHOW("path_filestat_set_times(file.txt, mtim_now)",
         __wasi_path_filestat_set_times(work, 0, "file.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_filestat_t st;
    __wasi_path_filestat_get(work, 0, "file.txt", &st);
    printf("  mtim after 2020: %s, atim kept: %s\n", st.mtim > 1577836800ull * SEC ? "yes" : "no",
           st.atim == 100 * SEC + 1 ? "yes" : "no");
}

static void opens(void) {
    printf("-- open\n");
    int fd = open_(work, 0, "new.txt", __WASI_OFLAGS_CREAT, FILE_RIGHTS, "creat");
    __wasi_fd_close(fd);
    open_(work, 0, "new.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, FILE_RIGHTS, "creat|excl");
    open_(work, 0, "file.txt", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, "directory");
    open_(work, 0, "missing.txt", 0, __WASI_RIGHTS_FD_READ, "read");
    open_(work, 0, "missing/x.txt", __WASI_OFLAGS_CREAT, FILE_RIGHTS, "creat");
    open_(work, 0, "dir", 0, FILE_RIGHTS, "read|write");
    open_(work, 0, "dir", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READDIR, "creat");
    open_(work, 0, "dir", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READDIR, "trunc");
    open_(work, 0, "dir", 0, __WASI_RIGHTS_FD_READDIR, "no flags");
    open_(work, 0, "new-dir", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "creat|directory");
    open_(work, 0, "new-slash.txt/", __WASI_OFLAGS_CREAT, FILE_RIGHTS, "creat");
    open_(work, 0, "file.txt/", 0, __WASI_RIGHTS_FD_READ, "read");
    open_(work, 0, "../x.txt", __WASI_OFLAGS_CREAT, FILE_RIGHTS, "creat");
    open_(work, 0, "/x.txt", 0, __WASI_RIGHTS_FD_READ, "read");
    open_(work, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "directory");
    open_(work, 0, "dir/..", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "directory");
    open_(work, 0, "dir/../..", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "directory");
    open_(work, 0, "", 0, __WASI_RIGHTS_FD_READ, "read");
    fd = open_(work, 0, "new.txt", __WASI_OFLAGS_TRUNC, FILE_RIGHTS, "trunc");
    __wasi_ciovec_t iov = {(const uint8_t *)"fresh\n", 6};
    size_t n;
    __wasi_fd_write(fd, &iov, 1, &n);
    __wasi_fd_close(fd);
    fd = open_(work, 0, "new.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, "trunc, read only");
    if (fd >= 0) __wasi_fd_close(fd);
    stat_(work, 0, "new.txt");
    /* Beneath an opened subdirectory: ".." cannot climb above it. */
    int sub = open_(work, 0, "dir", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "directory");
    stat_(sub, 0, "file.txt");
    stat_(sub, 0, "../file.txt");
    mkdir_(sub, "inner");
    stat_(work, 0, "dir/inner");
    __wasi_fd_close(sub);
    /* A file fd, a closed fd and stdio where a directory is needed. */
    fd = open_(work, 0, "file.txt", 0, __WASI_RIGHTS_FD_READ, "read");
    const int bad[3] = {fd, 40, 1};
    const char *names[3] = {"file fd", "closed fd", "stdout"};
    for (int i = 0; i < 3; i++) {
        int f = bad[i];
        printf("[%s]\n", names[i]);
        __wasi_fd_t out;
        SHOW("  path_open", __wasi_path_open(f, 0, "x", 0, 0, 0, 0, &out));
        SHOW("  path_create_directory", __wasi_path_create_directory(f, "x"));
        SHOW("  path_remove_directory", __wasi_path_remove_directory(f, "x"));
        SHOW("  path_unlink_file", __wasi_path_unlink_file(f, "x"));
        SHOW("  path_rename from", __wasi_path_rename(f, "x", work, "y"));
        SHOW("  path_rename to", __wasi_path_rename(work, "file.txt", f, "y"));
        SHOW("  path_symlink", __wasi_path_symlink("t", f, "x"));
        char buf[8];
        size_t used;
        SHOW("  path_readlink", __wasi_path_readlink(f, "x", (uint8_t *)buf, 8, &used));
        SHOW("  path_link from", __wasi_path_link(f, 0, "x", work, "y"));
        SHOW("  path_link to", __wasi_path_link(work, 0, "file.txt", f, "y"));
        __wasi_filestat_t st;
        SHOW("  path_filestat_get", __wasi_path_filestat_get(f, 0, "x", &st));
        SHOW("  path_filestat_set_times", __wasi_path_filestat_set_times(f, 0, "x", 0, 0, 0));
    }
    __wasi_fd_close(fd);
}

static void names(void) {
    printf("-- odd names\n");
    printf("path_create_directory(a<NUL>b): %s\n",
           errname((unsigned)raw_path_create_directory(work, (int32_t)(uintptr_t)"a\0b", 3)));
    char longc[301];
    memset(longc, 'x', 300);
    longc[300] = 0;
    printf("path_create_directory(300-byte name): %s\n", errname(__wasi_path_create_directory(work, longc)));
    char *lp = malloc(5001);
    for (int i = 0; i < 5000; i++) lp[i] = (i % 2) ? '/' : 'a';
    lp[5000] = 0;
    printf("path_create_directory(5000-byte path): %s\n", errname(__wasi_path_create_directory(work, lp)));
    free(lp);
    mkdir_(work, "x/..");
    mkdir_(work, "..");
    rmdir_(work, "..");
    unlink_(work, "");
    symlink_(".", work, "self");
    stat_(work, 1, "self");
    stat_(work, 0, "self/");
    stat_(work, 1, "self/self/self/file.txt");
    symlink_("..", work, "up");
    stat_(work, 1, "up");
    stat_(work, 0, "up");
    unlink_(work, "self");
    unlink_(work, "up");
}

static void readonly(void) {
    printf("-- read-only mount\n");
    mkdir_(ro, "made");
    rmdir_(ro, "dir");
    rmdir_(ro, "empty-in-ro");
    unlink_(ro, "file.txt");
    unlink_(ro, "missing");
    rename_(ro, "file.txt", ro, "renamed.txt");
    symlink_("file.txt", ro, "ln");
    link_(ro, 0, "file.txt", ro, "hard.txt");
    times_(ro, 0, "file.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW);
    open_(ro, 0, "file.txt", 0, FILE_RIGHTS, "read|write");
    open_(ro, 0, "new.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, "creat, read only");
    open_(ro, 0, "file.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, "trunc, read only");
    int fd = open_(ro, 0, "file.txt", 0, __WASI_RIGHTS_FD_READ, "read");
    if (fd >= 0) __wasi_fd_close(fd);
    stat_(ro, 0, "dir/file.txt");
    get(ro, "dir/file.txt");
    /* A non-UTF-8 path. */
    SHOW("path_create_directory(invalid UTF-8)", __wasi_path_create_directory(work, "bad\xff"));
}

int main(void) {
    work = preopen_fd("/work");
    work2 = preopen_fd("/work2");
    ro = preopen_fd("/ro");
    printf("preopens: /work %d, /work2 %d, /ro %d\n", work, work2, ro);
    directories();
    files();
    links();
    timestamps();
    opens();
    names();
    readonly();
    return 0;
}
