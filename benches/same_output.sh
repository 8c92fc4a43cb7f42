#!/usr/bin/env bash
# Check that this checkout's nnviz prints exactly what an earlier build printed.
#
#   benches/same_output.sh [BASE_REV]      (default HEAD: what the uncommitted change does;
#                                           issue 13's clean-up was checked against 5c92415)
#   OLD_BIN=path/to/nnviz benches/same_output.sh   (compare with a binary built already)
#
# For a refactoring that must not change behaviour. Builds BASE_REV in a throw-away git
# worktree (its own target folder under target/same-output, kept between runs), builds this
# checkout, then runs both binaries on every bundled scenario and compares the outputs byte
# for byte:
#   --headless --steps 500 NAME               (JSON Lines)
#   --headless --steps 500 --dump FILE NAME   (the dump file)
#   --inspect NAME
#   --headless --steps 500 --gradcheck NAME
#   --headless --steps 500 --table ALL        (one table of every bundled scenario)
#   --headless --steps 200 --sweep regularization.l2.W1=0,1e-3 regularization/none
# and the stderr and exit status of each. Prints one line per comparison and exits 1 on
# the first difference (with a diff), 0 when everything matches.
# Both builds run on this machine, so "identical" means identical here: the fast kernels
# are allowed to differ in last bits between processors, never between two builds.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
base=${1:-HEAD}
work=$root/target/same-output
mkdir -p "$work"

if [ -n "${OLD_BIN:-}" ]; then
    old=$(realpath "$OLD_BIN")
    base=$old
else
    tree=$work/base-tree
    git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
    git worktree prune
    git worktree add --detach "$tree" "$base" >/dev/null 2>&1
    trap 'git -C "$root" worktree remove --force "$tree" 2>/dev/null || true' EXIT
    echo "building $base (target/same-output/target) ..." >&2
    (cd "$tree" && CARGO_TARGET_DIR=$work/target cargo build --release --quiet)
    old=$work/target/release/nnviz
fi
echo "building this checkout ..." >&2
cargo build --release --quiet
new=$root/target/release/nnviz

out=$work/out
rm -rf "$out"
mkdir -p "$out/old" "$out/new"

# run LABEL ARGS...: run both binaries from the repository's root (bundled names and
# relative paths resolve the same way), keep stdout, stderr and status, and compare.
checks=0
run() {
    local label=$1
    shift
    local side bin
    for side in old new; do
        if [ $side = old ]; then bin=$old; else bin=$new; fi
        set +e
        (cd "$root" && "$bin" "${@//@SIDE@/$out/$side}" >"$out/$side/$label.stdout" 2>"$out/$side/$label.stderr")
        echo $? >"$out/$side/$label.status"
        set -e
    done
    local f
    for f in stdout stderr status; do
        if ! cmp -s "$out/old/$label.$f" "$out/new/$label.$f"; then
            echo "DIFFERENT  $label ($f): nnviz $*" >&2
            diff <(head -c 4000 "$out/old/$label.$f") <(head -c 4000 "$out/new/$label.$f") | head -20 >&2
            exit 1
        fi
    done
    checks=$((checks + 1))
    echo "same  $label"
}

mapfile -t names < <("$old" --list | awk '{print $1}')
for name in "${names[@]}"; do
    label=${name//\//_}
    run "$label.headless" --headless --steps 500 "$name"
    run "$label.dump" --headless --steps 500 --dump "@SIDE@/$label.dump.json" "$name"
    # (A scenario whose data is not on this machine, e.g. mnist, writes no dump on either side.)
    if { [ -e "$out/old/$label.dump.json" ] || [ -e "$out/new/$label.dump.json" ]; } &&
        ! cmp -s "$out/old/$label.dump.json" "$out/new/$label.dump.json"; then
        echo "DIFFERENT  $label.dump (the dump file)" >&2
        exit 1
    fi
    run "$label.inspect" --inspect "$name"
    run "$label.gradcheck" --headless --steps 500 --gradcheck "$name"
done
run all.table --headless --steps 500 --table "${names[@]}"
run sweep --headless --steps 200 --sweep regularization.l2.W1=0,1e-3 regularization/none
echo "all $checks outputs identical to $base" >&2
