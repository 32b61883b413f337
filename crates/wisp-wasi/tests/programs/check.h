/* Shared helpers for the WASI test programs: print every call's errno by
 * its witx name, so any difference between runtimes shows in stdout. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char *const ERRNO_NAMES[] = {
    "success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport",
    "again", "already", "badf", "badmsg", "busy", "canceled", "child",
    "connaborted", "connrefused", "connreset", "deadlk", "destaddrreq", "dom",
    "dquot", "exist", "fault", "fbig", "hostunreach", "idrm", "ilseq",
    "inprogress", "intr", "inval", "io", "isconn", "isdir", "loop", "mfile",
    "mlink", "msgsize", "multihop", "nametoolong", "netdown", "netreset",
    "netunreach", "nfile", "nobufs", "nodev", "noent", "noexec", "nolck",
    "nolink", "nomem", "nomsg", "noprotoopt", "nospc", "nosys", "notconn",
    "notdir", "notempty", "notrecoverable", "notsock", "notsup", "notty",
    "nxio", "overflow", "ownerdead", "perm", "pipe", "proto", "protonosupport",
    "prototype", "range", "rofs", "spipe", "srch", "stale", "timedout",
    "txtbsy", "xdev", "notcapable",
};

/* The witx name of errno `e` ("errno N" when out of range). */
static inline const char *errname(unsigned e) {
    static char buf[32];
    if (e < sizeof ERRNO_NAMES / sizeof ERRNO_NAMES[0]) return ERRNO_NAMES[e];
    snprintf(buf, sizeof buf, "errno %u", e);
    return buf;
}

/* Prints "label: errno-name" and evaluates to the errno. */
#define SHOW(label, call) show((label), (call))
static inline unsigned show(const char *label, unsigned e) {
    printf("%s: %s\n", label, errname(e));
    return e;
}

static const char *const FILETYPE_NAMES[] = {
    "unknown", "block_device", "character_device", "directory",
    "regular_file", "socket_dgram", "socket_stream", "symbolic_link",
};

static inline const char *ftname(unsigned t) {
    return t < 8 ? FILETYPE_NAMES[t] : "filetype?";
}

/* The fd of the preopen named `name` (the libc keeps its own table; this
 * asks the runtime directly), or -1. */
static inline int preopen_fd(const char *name) {
    for (int fd = 3; fd < 64; fd++) {
        __wasi_prestat_t ps;
        if (__wasi_fd_prestat_get(fd, &ps) != 0) continue;
        char buf[256];
        if (ps.u.dir.pr_name_len >= sizeof buf) continue;
        if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, ps.u.dir.pr_name_len) != 0) continue;
        buf[ps.u.dir.pr_name_len] = 0;
        if (strcmp(buf, name) == 0) return fd;
    }
    return -1;
}

#endif
