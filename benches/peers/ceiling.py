#!/usr/bin/env python3
"""The machine's f64 ceiling: a 2048³ matrix product through numpy's BLAS, on all cores and
on one (threadpoolctl), best of REPEAT (default 3) after a warm-up.

    python ceiling.py [--n 2048] [--repeat 3]

Prints one line: `ceiling all_cores_gflops=… one_core_gflops=… threads=… n=…`.
"""

import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def best_gflops(a, b, repeat):
    n = a.shape[0]
    a @ b  # warm-up: page in, wake the threads
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((args.n, args.n))
    b = rng.standard_normal((args.n, args.n))
    threads = max((i.get("num_threads", 1) for i in threadpool_info()), default=os.cpu_count())
    all_cores = best_gflops(a, b, args.repeat)
    with threadpool_limits(limits=1):
        one_core = best_gflops(a, b, args.repeat)
    print(f"ceiling all_cores_gflops={all_cores:.1f} one_core_gflops={one_core:.1f} threads={threads} n={args.n}")


if __name__ == "__main__":
    main()
