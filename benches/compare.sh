#!/usr/bin/env bash
# Compare nnviz's training speed with a plain-numpy peer (benches/peers/numpy_mlp.py).
#
# For each workload (benches/workloads/{tiny,digits,wide}.toml), one after the other:
#   1. the numpy peer, timing its training loop only;
#   2. `nnviz --headless --steps N W.toml > /dev/null`, timed by wall clock as a whole
#      process (start-up, data, the two evaluations included), so nnviz is not flattered.
# Each pair runs REPEAT times (default 3), alternating, and the table keeps each side's
# best run: on a shared machine a slow run says more about the neighbours than the code.
# First the machine's f64 ceiling (benches/peers/ceiling.py: a 2048³ product through the
# peer's BLAS, all cores and one). Then a table: workload | numpy steps/s | nnviz steps/s |
# ratio nnviz/numpy | MFLOP per step (from the shapes) | nnviz's share of the one-core and
# of the all-core ceiling (steps/s × FLOP per step ÷ ceiling).
#
# Step counts (each aimed at ~2-5 s on a 2-core machine) can be overridden:
#   NUMPY_STEPS_TINY NUMPY_STEPS_DIGITS NUMPY_STEPS_WIDE
#   NNVIZ_STEPS_TINY NNVIZ_STEPS_DIGITS NNVIZ_STEPS_WIDE
#   WORKLOADS="tiny wide"   (a subset, in that order)
#   REPEAT=1                (one run of each instead of the best of 3)
# numpy goes into a venv under target/peers-venv, created on first use
# (PEERS_PYTHON=/path/to/python to use another interpreter that already has numpy).
set -euo pipefail

cd "$(dirname "$0")/.."

NUMPY_STEPS_TINY=${NUMPY_STEPS_TINY:-100000}
NUMPY_STEPS_DIGITS=${NUMPY_STEPS_DIGITS:-50000}
NUMPY_STEPS_WIDE=${NUMPY_STEPS_WIDE:-3000}
NNVIZ_STEPS_TINY=${NNVIZ_STEPS_TINY:-1000000}
NNVIZ_STEPS_DIGITS=${NNVIZ_STEPS_DIGITS:-100000}
NNVIZ_STEPS_WIDE=${NNVIZ_STEPS_WIDE:-3000}
WORKLOADS=${WORKLOADS:-tiny digits wide}
REPEAT=${REPEAT:-3}

script_start=$(date +%s.%N)

venv=target/peers-venv
if [ -n "${PEERS_PYTHON:-}" ]; then
    py=$PEERS_PYTHON
else
    py=$venv/bin/python
    if ! { [ -x "$py" ] && "$py" -c 'import numpy' >/dev/null 2>&1; }; then
        echo "setting up $venv (numpy) ..." >&2
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade pip
        "$venv/bin/python" -m pip install --quiet -r benches/peers/requirements.txt
    fi
fi

echo "building nnviz (cargo build --release) ..." >&2
cargo build --release --quiet
nnviz=target/release/nnviz

# steps for workload $1 from the variable named PREFIX_WORKLOAD
steps_for() {
    local var
    var="$1_STEPS_$(printf '%s' "$2" | tr '[:lower:]' '[:upper:]')"
    printf '%s' "${!var:?no step count for $2 (set $var)}"
}

# The machine's own ceiling, measured in this run: a 2048³ f64 product through the peer's
# BLAS on all cores and on one.
ceiling=$("$py" benches/peers/ceiling.py)
echo "$ceiling"
ceil_all=$(printf '%s\n' "$ceiling" | sed -n 's/.*all_cores_gflops=\([0-9.]*\).*/\1/p')
ceil_one=$(printf '%s\n' "$ceiling" | sed -n 's/.*one_core_gflops=\([0-9.]*\).*/\1/p')
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
vec=$(grep -o -m1 -w 'avx512f' /proc/cpuinfo 2>/dev/null || grep -o -m1 -w 'avx2' /proc/cpuinfo 2>/dev/null || true)

rows=()
blas_line=""
for w in $WORKLOADS; do
    toml=benches/workloads/$w.toml
    [ -f "$toml" ] || { echo "no workload file $toml" >&2; exit 1; }

    n_np=$(steps_for NUMPY "$w")
    n_nn=$(steps_for NNVIZ "$w")
    np_sps=0
    nn_sps=0
    for _ in $(seq "$REPEAT"); do
        # Old-OpenBLAS workarounds slow a current numpy: drop them for the peer only.
        out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" benches/peers/numpy_mlp.py "$w" --steps "$n_np")
        printf '%s\n' "$out"
        [ -n "$blas_line" ] || blas_line=$(printf '%s\n' "$out" | grep '^blas:' || true)
        sps=$(printf '%s\n' "$out" | sed -n 's/.*steps_per_second=\([0-9.eE+-]*\).*/\1/p')
        flop=$(printf '%s\n' "$out" | sed -n 's/.*flop_per_step=\([0-9]*\).*/\1/p')
        [ -n "$sps" ] || { echo "numpy peer printed no steps_per_second for $w" >&2; exit 1; }
        np_sps=$(awk -v a="$np_sps" -v b="$sps" 'BEGIN { print (b > a) ? b : a }')

        t0=$(date +%s.%N)
        "$nnviz" --headless --steps "$n_nn" "$toml" > /dev/null
        t1=$(date +%s.%N)
        nn_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        sps=$(awk -v n="$n_nn" -v s="$nn_secs" 'BEGIN { printf "%.1f", n / s }')
        echo "nnviz $w steps_per_second=$sps steps=$n_nn seconds=$nn_secs (whole process)"
        nn_sps=$(awk -v a="$nn_sps" -v b="$sps" 'BEGIN { print (b > a) ? b : a }')
    done

    ratio=$(awk -v a="$nn_sps" -v b="$np_sps" 'BEGIN { printf "%.2f", a / b }')
    share1=$(awk -v s="$nn_sps" -v f="$flop" -v c="$ceil_one" 'BEGIN { printf "%.0f%%", 100 * s * f / (c * 1e9) }')
    share2=$(awk -v s="$nn_sps" -v f="$flop" -v c="$ceil_all" 'BEGIN { printf "%.0f%%", 100 * s * f / (c * 1e9) }')
    mflop=$(awk -v f="$flop" 'BEGIN { printf "%.3f", f / 1e6 }')
    rows+=("$w|$np_sps|$nn_sps|$ratio|$mflop|$share1|$share2")
done

echo
[ -z "$blas_line" ] || echo "$blas_line"
echo "processor: ${cpu:-unknown} (${vec:-no avx2/avx512f}); ceiling ${ceil_all} GFLOP/s all cores, ${ceil_one} GFLOP/s one core"
printf '%-8s | %14s | %14s | %17s | %10s | %14s | %15s\n' workload "numpy steps/s" "nnviz steps/s" "ratio nnviz/numpy" "MFLOP/step" "share, 1 core" "share, all cores"
printf '%-8s-|-%14s-|-%14s-|-%17s-|-%10s-|-%14s-|-%15s\n' -------- -------------- -------------- ----------------- ---------- -------------- ---------------
for r in "${rows[@]}"; do
    IFS='|' read -r w a b c f s1 s2 <<<"$r"
    printf '%-8s | %14s | %14s | %17s | %10s | %14s | %15s\n' "$w" "$a" "$b" "$c" "$f" "$s1" "$s2"
done

# Peak memory of a long headless run: the metric history and buffers do not grow.
if [ "${SKIP_MEMORY:-0}" != 1 ]; then
    mem_steps=${MEMORY_STEPS:-1000000}
    peak_kb=$( { /usr/bin/time -f %M "$nnviz" --headless --steps "$mem_steps" \
        benches/workloads/digits.toml > /dev/null; } 2>&1 | tail -n 1)
    echo "peak memory of nnviz --headless --steps $mem_steps digits: $((peak_kb / 1024)) MiB"
fi

script_end=$(date +%s.%N)
awk -v a="$script_start" -v b="$script_end" 'BEGIN { printf "compare.sh took %.1f s\n", b - a }'
