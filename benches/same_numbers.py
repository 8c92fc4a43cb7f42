#!/usr/bin/env python3
"""Check that two nnviz builds compute the same numbers, where their output formats differ.

    benches/same_numbers.py OLD_NNVIZ NEW_NNVIZ [STEPS]

Runs `--headless --steps STEPS NAME` (default 500) with both binaries for every bundled
scenario (from the old binary's --list) and compares, line by line, every number and boolean
that both outputs have under the same JSON path (losses, accuracies, norms, counts, first
change steps, ...). Fields only one build prints (a newer build adds some), and values one
build prints as null where the other has a number, are skipped and counted. Exits 1 on the first difference, naming the scenario, line and path.

For the issue-13 promise that the numbers stay those of an old build (e.g. the one before
issue 7, b30b1e2) even though later issues added fields: benches/same_output.sh checks
byte-identity against a recent build, this script checks the numbers against an old one.
"""

import json
import subprocess
import sys


def leaves(value, path=""):
    """Every number, boolean and null of a JSON value with its dotted path."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, f"{path}.{i}")
    elif isinstance(value, (int, float, bool)) or value is None:
        yield path, value


def run(binary, steps, name):
    out = subprocess.run(
        [binary, "--headless", "--steps", str(steps), name],
        capture_output=True, text=True, check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) == 4 else 500
    names = [line.split()[0] for line in subprocess.run(
        [old, "--list"], capture_output=True, text=True, check=True).stdout.splitlines()]
    compared = skipped = nulled = 0
    for name in names:
        a, b = run(old, steps, name), run(new, steps, name)
        if len(a) != len(b):
            sys.exit(f"DIFFERENT {name}: {len(a)} lines against {len(b)}")
        for i, (la, lb) in enumerate(zip(a, b)):
            fa, fb = dict(leaves(la)), dict(leaves(lb))
            for path in fa.keys() | fb.keys():
                if path not in fa or path not in fb:
                    skipped += 1
                elif (fa[path] is None) != (fb[path] is None):
                    # One build says "no value" where the other printed one (grad_norm at
                    # step 0 is null since issue 11, where 0 was printed before).
                    nulled += 1
                elif fa[path] != fb[path]:
                    sys.exit(f"DIFFERENT {name} line {i + 1} ({la.get('event')}) {path}: "
                             f"{fa[path]!r} against {fb[path]!r}")
                else:
                    compared += 1
        print(f"same numbers  {name}", flush=True)
    print(f"{compared} values identical in {len(names)} scenarios "
          f"({skipped} printed by one build only and {nulled} null in one build, skipped)", file=sys.stderr)


if __name__ == "__main__":
    main()
