// The `greet` example: a WASI command. It reads the greeting from
// /data/greeting.txt (the registry mounts examples/src/data there,
// read-only) and greets each name on its command line.

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    char greeting[128];
    FILE *f = fopen("/data/greeting.txt", "r");
    if (f == NULL) {
        perror("/data/greeting.txt");
        return 1;
    }
    if (fgets(greeting, sizeof greeting, f) == NULL) {
        fprintf(stderr, "/data/greeting.txt is empty\n");
        return 1;
    }
    fclose(f);
    greeting[strcspn(greeting, "\r\n")] = '\0';
    if (argc < 2) {
        printf("%s, world!\n", greeting);
    }
    for (int i = 1; i < argc; i++) {
        printf("%s, %s!\n", greeting, argv[i]);
    }
    return 0;
}
