#!/bin/sh
# Rebuilds the checked-in test programs from their C sources.
# Needs Debian's `clang lld wasi-libc libclang-rt-14-dev-wasm32`.
set -eu
cd "$(dirname "$0")"
for src in *.c; do
    clang --target=wasm32-wasi -O2 -o "${src%.c}.wasm" "$src"
done
