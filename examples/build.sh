#!/bin/sh
# Rebuilds the example modules from programs/*.c into src/wasm/ and pins
# their new sha256 in src/_index.yaml. Needs clang, lld and wasi-libc
# (Debian: `clang lld wasi-libc libclang-rt-dev-wasm32`).
set -eu
cd "$(dirname "$0")"

# compute: a bare function, no libc, no entry point.
clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--strip-all \
    -o src/wasm/compute.wasm programs/compute.c
# greet: a WASI command (wasi-libc's _start calls main).
clang --target=wasm32-wasi -O2 -Wl,--strip-all \
    -o src/wasm/greet.wasm programs/greet.c

# Pin each module's hash on the `hash:` line after its `path:` line.
for name in compute greet; do
    hash="sha256:$(sha256sum "src/wasm/$name.wasm" | cut -d' ' -f1)"
    sed -i "/path: \/$name.wasm/{n;s|hash: .*|hash: $hash|}" src/_index.yaml
    echo "$name.wasm $hash"
done
