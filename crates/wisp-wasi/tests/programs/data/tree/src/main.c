#include "lib/util.h"

int main(void) {
    return twice(21) - 42;
}
