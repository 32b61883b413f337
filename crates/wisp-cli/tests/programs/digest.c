/* A WASI program that reads and writes files over a long run, for the
 * checkpoint tests: it must produce the same output when stopped at any
 * point and resumed in another process.
 *
 * usage: digest IN_DIR OUT_DIR
 * Reads IN_DIR/data.txt line by line (buffered stdio: the fd's offset and
 * the buffer in guest memory must both survive a checkpoint), writes one
 * digest line per input line to OUT_DIR/digests.txt, appends a progress
 * line to OUT_DIR/log.txt (O_APPEND) every 100 lines, re-reads earlier
 * input with pread, and prints progress and a summary to stdout. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t fnv1a(const char *s, size_t n, uint32_t h) {
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: digest IN_DIR OUT_DIR\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/data.txt", argv[1]);
    FILE *in = fopen(path, "r");
    int raw = open(path, O_RDONLY);
    snprintf(path, sizeof path, "%s/digests.txt", argv[2]);
    FILE *out = fopen(path, "w");
    snprintf(path, sizeof path, "%s/log.txt", argv[2]);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (!in || raw < 0 || !out || log < 0) {
        perror("open");
        return 1;
    }
    char line[512];
    uint32_t total = 2166136261u;
    long n = 0, bytes = 0;
    while (fgets(line, sizeof line, in)) {
        size_t len = strlen(line);
        uint32_t h = 2166136261u;
        /* Some work per line, so a run spans many fuel slices. */
        for (int round = 0; round < 20; round++)
            h = fnv1a(line, len, h);
        total = fnv1a((const char *)&h, sizeof h, total);
        fprintf(out, "%ld %08x\n", n, h);
        n++;
        bytes += (long)len;
        if (n % 100 == 0) {
            char head[16] = {0};
            /* Re-read the first bytes of the file at an offset. */
            ssize_t got = pread(raw, head, 8, (off_t)(n % 7));
            char msg[96];
            int m = snprintf(msg, sizeof msg, "line %ld, %ld bytes, head %zd:%.8s\n", n, bytes, got, head);
            write(log, msg, (size_t)m);
            printf("progress %ld %08x\n", n, total);
        }
    }
    fclose(in);
    close(raw);
    fclose(out);
    close(log);
    struct stat st;
    snprintf(path, sizeof path, "%s/digests.txt", argv[2]);
    if (stat(path, &st) != 0) {
        perror("stat");
        return 1;
    }
    printf("lines %ld bytes %ld digest %08x out %lld\n", n, bytes, total, (long long)st.st_size);
    return 0;
}
