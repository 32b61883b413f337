#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <errno.h>

int main(void) {
    FILE *f = fopen("/data/note.txt", "w");
    if (!f) { perror("fopen w"); return 1; }
    fprintf(f, "line %d\n", 42);
    fclose(f);
    f = fopen("/data/note.txt", "r");
    if (!f) { perror("fopen r"); return 2; }
    char buf[64] = {0};
    if (!fgets(buf, sizeof buf, f)) return 3;
    fclose(f);
    printf("read: %s", buf);
    if (mkdir("/data/sub", 0755) != 0) { perror("mkdir"); return 4; }
    if (rename("/data/note.txt", "/data/sub/moved.txt") != 0) { perror("rename"); return 5; }
    struct stat st;
    if (stat("/data/sub/moved.txt", &st) != 0) { perror("stat"); return 6; }
    printf("size: %lld\n", (long long)st.st_size);
    DIR *d = opendir("/data/sub");
    if (!d) { perror("opendir"); return 7; }
    struct dirent *e;
    while ((e = readdir(d))) printf("entry: %s\n", e->d_name);
    closedir(d);
    if (open("/data/../etc/passwd", O_RDONLY) >= 0) return 8;
    printf("escape: %s\n", strerror(errno));
    if (unlink("/data/sub/moved.txt") != 0) { perror("unlink"); return 9; }
    if (rmdir("/data/sub") != 0) { perror("rmdir"); return 10; }
    printf("done\n");
    return 0;
}
