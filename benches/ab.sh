#!/usr/bin/env bash
# A/B comparison of two builds of wisp's `examples/run` on the benchmark
# workloads: for each workload, N rounds of one call on each binary, the
# order of the two alternating from round to round (on a small shared
# machine the second of two back-to-back runs was measured up to 5% slower
# than the first, whichever binary it was), then min(B) / min(A).
# Prints one line per workload and the geometric mean of the ratios.
#
# Usage: benches/ab.sh BIN_A BIN_B N [WORKLOAD...]   (default: all 14)
# Set WISP_FUEL=1 to compare metered runs. Build each binary with
#   cargo build -p wisp-interp --example run --profile release-bench
# (copy target/release-bench/examples/run aside between the two builds).
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 BIN_A BIN_B N [WORKLOAD...]" >&2
    exit 2
fi
bin_a=$1
bin_b=$2
rounds=$3
shift 3
workloads=${*:-fib sieve nbody hash sort vm matmul parse calls_indirect memcpy f32 malloc compress regex}
dir=$(cd "$(dirname "$0")/workloads" && pwd)

# One call of `run` in a fresh process; prints its time in ms.
time_one() {
    "$1" "$dir/$2.wasm" 1 | awk '/^min:/ { print $2 }'
}

log_sum=0
count=0
for w in $workloads; do
    best_a=
    best_b=
    for round in $(seq "$rounds"); do
        if [ $((round % 2)) -eq 1 ]; then
            a=$(time_one "$bin_a" "$w")
            b=$(time_one "$bin_b" "$w")
        else
            b=$(time_one "$bin_b" "$w")
            a=$(time_one "$bin_a" "$w")
        fi
        best_a=$(awk -v x="$a" -v y="${best_a:-$a}" 'BEGIN { print (x < y) ? x : y }')
        best_b=$(awk -v x="$b" -v y="${best_b:-$b}" 'BEGIN { print (x < y) ? x : y }')
    done
    ratio=$(awk -v a="$best_a" -v b="$best_b" 'BEGIN { printf "%.3f", b / a }')
    echo "$w: A $best_a ms, B $best_b ms, B/A $ratio"
    log_sum=$(awk -v s="$log_sum" -v r="$ratio" 'BEGIN { print s + log(r) }')
    count=$((count + 1))
done
awk -v s="$log_sum" -v n="$count" 'BEGIN { printf "geomean B/A over %d: %.3f\n", n, exp(s / n) }'
