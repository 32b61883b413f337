#!/bin/sh
# Rebuilds the supervised example's worker from ../programs/worker.wat and
# pins its new sha256 in _index.yaml. Needs wat2wasm (Debian: wabt).
set -eu
cd "$(dirname "$0")"
wat2wasm -o wasm/worker.wasm ../programs/worker.wat
hash="sha256:$(sha256sum wasm/worker.wasm | cut -d' ' -f1)"
sed -i "/path: \/worker.wasm/{n;s|hash: .*|hash: $hash|}" _index.yaml
echo "worker.wasm $hash"
