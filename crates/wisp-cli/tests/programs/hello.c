/* A WASI command built with clang and wasi-libc (see build.sh): prints a
 * greeting, its arguments and one environment variable with stdio, and
 * exits with the number of arguments (argc - 1) when asked to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    printf("hello from C\n");
    for (int i = 1; i < argc; i++) {
        printf("arg %d: %s\n", i, argv[i]);
    }
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    fprintf(stderr, "to stderr\n");
    if (argc > 1 && strcmp(argv[1], "exit") == 0) {
        return argc - 1;
    }
    return 0;
}
