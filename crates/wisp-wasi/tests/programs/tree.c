/* Walks the read-only tree /in (sorted names, depth first), computes per
 * file its size, line count and FNV-1a checksum, writes one result file
 * per input under /out/results/ (mirroring the directories) and a summary
 * to /out/summary.txt, tries one write into /in (refused), and prints the
 * summary. Plain libc: opendir/readdir, stat, fopen/fread/fprintf, mkdir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct totals {
    unsigned files, dirs, empty_files, empty_dirs;
    unsigned long long bytes, lines;
    char largest[256];
    unsigned long long largest_size;
};

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in `path`, sorted, without "." and ".."; *n is their count. */
static char **list(const char *path, size_t *n) {
    DIR *d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 8;
    char **names = malloc(cap * sizeof *names);
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (*n == cap) names = realloc(names, (cap *= 2) * sizeof *names);
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, *n, sizeof *names, cmp);
    return names;
}

static void file(const char *in, const char *rel, struct totals *t, FILE *summary) {
    FILE *f = fopen(in, "rb");
    if (!f) {
        printf("fopen %s: %s\n", in, strerror(errno));
        exit(3);
    }
    uint32_t hash = 2166136261u;
    unsigned long long size = 0, lines = 0;
    int last = '\n';
    unsigned char buf[100];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; i < got; i++) {
            hash = (hash ^ buf[i]) * 16777619u;
            if (buf[i] == '\n') lines++;
        }
        size += got;
        last = buf[got - 1];
    }
    fclose(f);
    if (size > 0 && last != '\n') lines++;

    char out[512];
    snprintf(out, sizeof out, "/out/results/%s.txt", rel);
    FILE *o = fopen(out, "w");
    if (!o) {
        printf("fopen %s: %s\n", out, strerror(errno));
        exit(4);
    }
    fprintf(o, "file: %s\nsize: %llu\nlines: %llu\nfnv1a: %08x\n", rel, size, lines, hash);
    fclose(o);
    fprintf(summary, "%-28s %6llu bytes %4llu lines %08x\n", rel, size, lines, hash);

    t->files++;
    t->bytes += size;
    t->lines += lines;
    if (size == 0) t->empty_files++;
    if (size > t->largest_size || t->files == 1) {
        t->largest_size = size;
        snprintf(t->largest, sizeof t->largest, "%s", rel);
    }
}

static void walk(const char *in, const char *rel, struct totals *t, FILE *summary) {
    size_t n;
    char **names = list(in, &n);
    if (n == 0) {
        t->empty_dirs++;
        fprintf(summary, "%-28s (empty directory)\n", rel[0] ? rel : ".");
    }
    for (size_t i = 0; i < n; i++) {
        char child_in[512], child_rel[512];
        snprintf(child_in, sizeof child_in, "%s/%s", in, names[i]);
        snprintf(child_rel, sizeof child_rel, "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
        struct stat st;
        if (stat(child_in, &st) != 0) {
            printf("stat %s: %s\n", child_in, strerror(errno));
            exit(5);
        }
        if (S_ISDIR(st.st_mode)) {
            t->dirs++;
            char out[512];
            snprintf(out, sizeof out, "/out/results/%s", child_rel);
            if (mkdir(out, 0755) != 0) {
                printf("mkdir %s: %s\n", out, strerror(errno));
                exit(6);
            }
            walk(child_in, child_rel, t, summary);
        } else {
            file(child_in, child_rel, t, summary);
        }
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    if (mkdir("/out/results", 0755) != 0) {
        printf("mkdir /out/results: %s\n", strerror(errno));
        return 1;
    }
    FILE *summary = fopen("/out/summary.txt", "w");
    if (!summary) {
        printf("fopen summary: %s\n", strerror(errno));
        return 1;
    }
    struct totals t = {0};
    walk("/in", "", &t, summary);

    /* The input is read-only: every kind of write is refused. */
    FILE *w = fopen("/in/new.txt", "w");
    printf("create /in/new.txt: %s\n", w ? "allowed" : strerror(errno));
    if (w) fclose(w);
    int fd = open("/in/README.txt", O_WRONLY);
    printf("open /in/README.txt for writing: %s\n", fd >= 0 ? "allowed" : strerror(errno));
    if (fd >= 0) close(fd);
    printf("mkdir /in/x: %s\n", mkdir("/in/x", 0755) == 0 ? "allowed" : strerror(errno));
    printf("unlink /in/README.txt: %s\n", unlink("/in/README.txt") == 0 ? "allowed" : strerror(errno));
    printf("rename into /out: %s\n",
           rename("/in/README.txt", "/out/README.txt") == 0 ? "allowed" : strerror(errno));

    fprintf(summary, "\nfiles %u, directories %u, empty files %u, empty directories %u\n",
            t.files, t.dirs, t.empty_files, t.empty_dirs);
    fprintf(summary, "bytes %llu, lines %llu, largest %s (%llu bytes)\n", t.bytes, t.lines,
            t.largest, t.largest_size);
    fclose(summary);

    /* Print the summary as written. */
    FILE *s = fopen("/out/summary.txt", "r");
    char line[256];
    while (s && fgets(line, sizeof line, s)) fputs(line, stdout);
    if (s) fclose(s);
    return 0;
}
