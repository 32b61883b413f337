#!/bin/sh
# Rebuilds the checked-in test programs from their C sources (check.h is
# their shared header). Needs Debian's `clang lld wasi-libc
# libclang-rt-14-dev-wasm32`. After changing a program, re-record what
# wasmtime does with it: `python3 reference.py` (see runs.txt).
# Some programs ignore the result of a cleanup call on purpose, hence
# -Wno-unused-result.
set -eu
cd "$(dirname "$0")"
for src in *.c; do
    clang --target=wasm32-wasi -O2 -Wall -Wno-unused-result -o "${src%.c}.wasm" "$src"
done
