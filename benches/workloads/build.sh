#!/usr/bin/env bash
# Builds the benchmark workloads: benches/workloads/*.c -> *.wasm, and records
# each workload's reference checksum (the same C compiled natively with gcc)
# in expected.txt.
#
# Needs Debian's clang + lld (wasm32 target and wasm-ld) and gcc; workloads
# that use the C library (a `build.sh: link wasi-libc` marker in the source)
# also need wasi-libc and the wasm32 compiler-rt builtins:
#     apt-get install -y clang lld gcc wasi-libc libclang-rt-14-dev-wasm32
# wabt (`apt-get install -y wabt`) is optional: when present, every module is
# also checked with wasm-validate with SIMD disabled, and for imports.
#
# Usage: benches/workloads/build.sh [workload...]   (default: every *.c)
# Extra flags for both compilers (e.g. to try other sizes): EXTRA_CFLAGS.
# A wasi-libc sysroot other than Debian's /usr/lib/wasm32-wasi: WASI_SYSROOT.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

CLANG="${CLANG:-clang}"
CC_NATIVE="${CC_NATIVE:-gcc}"
EXTRA_CFLAGS="${EXTRA_CFLAGS:-}"

# Wasm 2.0 minus SIMD: start from the MVP and add the 2.0 proposals clang
# can use (bulk memory turns memset/memcpy into memory.fill/memory.copy, so
# no libc is needed). Multi-value is left off: it changes the C ABI.
WASM_CFLAGS=(
    -O2 -ffp-contract=off
    -mcpu=mvp -mmutable-globals -msign-ext -mnontrapping-fptoint -mbulk-memory
    -Wall -Wextra -Werror
    -Wl,--no-entry -Wl,--export=run
)
# Most workloads are freestanding: no C library at all.
WASM_FREESTANDING=(--target=wasm32 -ffreestanding -nostdlib)
# The marked ones link wasi-libc's libc.a (for malloc and friends) but not its
# start files (there is no `_start`, only the `run` export) nor its debug
# info. The import check below makes sure nothing linked in needs WASI.
WASM_LIBC=(--target=wasm32-wasi -nostartfiles -Wl,--strip-debug)
if [ -n "${WASI_SYSROOT:-}" ]; then
    WASM_LIBC+=(--sysroot="$WASI_SYSROOT")
fi
NATIVE_CFLAGS=(-O2 -std=c11 -ffp-contract=off -fno-math-errno -Wall -Wextra -Werror)

if [ "$#" -gt 0 ]; then
    names=("$@")
else
    names=()
    for f in *.c; do
        [ "$f" = native_main.c ] && continue
        names+=("${f%.c}")
    done
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

expected="$here/expected.txt"
touch "$expected"

for name in "${names[@]}"; do
    src="$name.c"
    [ -f "$src" ] || { echo "no such workload: $src" >&2; exit 1; }

    if grep -q 'build.sh: link wasi-libc' "$src"; then
        target=("${WASM_LIBC[@]}")
    else
        target=("${WASM_FREESTANDING[@]}")
    fi
    # shellcheck disable=SC2086
    "$CLANG" "${target[@]}" "${WASM_CFLAGS[@]}" $EXTRA_CFLAGS -o "$name.wasm" "$src"
    if command -v wasm-validate >/dev/null 2>&1; then
        wasm-validate --disable-simd --disable-multi-value "$name.wasm"
    fi
    if command -v wasm-objdump >/dev/null 2>&1; then
        if wasm-objdump -x -j Import "$name.wasm" 2>/dev/null | grep -q ' <- '; then
            echo "$name.wasm has imports; workloads must be self-contained" >&2
            exit 1
        fi
    fi

    # shellcheck disable=SC2086
    "$CC_NATIVE" "${NATIVE_CFLAGS[@]}" $EXTRA_CFLAGS -o "$tmp/$name" "$src" native_main.c -lm
    read -r checksum native_secs < <("$tmp/$name")

    # Replace this workload's line in expected.txt, keep the others, sort.
    { grep -v "^$name " "$expected" || true; echo "$name $checksum"; } | sort > "$tmp/expected"
    mv "$tmp/expected" "$expected"
    printf '%-14s %s  %6d bytes  native %.3fs\n' "$name" "$checksum" "$(stat -c %s "$name.wasm")" "$native_secs"
done
