#!/usr/bin/env python3
"""Peer benchmark: the nnviz training loop written in plain numpy.

    python numpy_mlp.py WORKLOAD --steps N

WORKLOAD is tiny, digits or wide (the shapes of benches/workloads/*.toml). The network
is x -> W1,b1 -> ReLU -> W2,b2 -> softmax with cross-entropy, trained by minibatch SGD:
a fresh permutation of the training rows each epoch, batches taken in that order (the
last one of an epoch may be short, as in nnviz), L2 on both weight matrices, float64.

Only the training loop is timed (data generation, standardization and init are not).
Prints the BLAS in use, then one line

    numpy WORKLOAD steps_per_second=... steps=N seconds=... final_loss=... accuracy=...

where final_loss is the mean cross-entropy over the whole training set after training.
"""

import argparse
import gzip
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DIGITS = REPO / "data" / "digits.csv.gz"

LEARNING_RATE = 0.05
L2 = 1e-4
BLOB_BOX = 10.0

# name: (hidden units, batch size, data maker)
WORKLOADS = {
    "tiny": dict(hidden=16, batch=16),
    "digits": dict(hidden=32, batch=32),
    "wide": dict(hidden=256, batch=64),
}


def blobs(rng, samples, classes, features):
    """Gaussian blobs: centres uniform in [-10, 10]^features, unit spread; row i is class i % classes."""
    centres = rng.uniform(-BLOB_BOX, BLOB_BOX, size=(classes, features))
    y = np.arange(samples) % classes
    x = centres[y] + rng.standard_normal((samples, features))
    return x, y


def load_digits():
    with gzip.open(DIGITS, "rt") as f:
        raw = np.loadtxt(f, delimiter=",", dtype=np.float64)
    return raw[:, :-1], raw[:, -1].astype(np.int64)


def standardize(x):
    """Per-feature (x - mean) / std over all rows; a zero-std feature is only centred."""
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    return (x - mean) / std


def make_data(name, rng):
    if name == "tiny":
        x, y = blobs(rng, 600, 3, 2)
    elif name == "digits":
        x, y = load_digits()
    elif name == "wide":
        x, y = blobs(rng, 4096, 10, 784)
    else:
        raise SystemExit(f"unknown workload {name!r}: expected one of {', '.join(WORKLOADS)}")
    return np.ascontiguousarray(standardize(x)), y


def softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def forward(x, w1, b1, w2, b2):
    z1 = x @ w1.T + b1
    h = np.maximum(z1, 0.0)
    return z1, h, softmax(h @ w2.T + b2)


def mean_loss(x, y, w1, b1, w2, b2):
    _, _, p = forward(x, w1, b1, w2, b2)
    picked = p[np.arange(len(y)), y]
    loss = -np.log(np.maximum(picked, 1e-300)).mean()
    accuracy = (p.argmax(axis=1) == y).mean()
    return loss, accuracy


def train(x, y, hidden, batch, steps, rng):
    n, d = x.shape
    k = int(y.max()) + 1
    onehot = np.eye(k)[y]
    batch = max(1, min(batch, n))

    w1 = rng.standard_normal((hidden, d)) / np.sqrt(d)
    b1 = np.zeros(hidden)
    w2 = rng.standard_normal((k, hidden)) / np.sqrt(hidden)
    b2 = np.zeros(k)
    lr = LEARNING_RATE

    order = np.arange(n)
    cursor = n  # forces a shuffle before the first batch

    start = time.perf_counter()
    for _ in range(steps):
        if cursor >= n:
            order = rng.permutation(n)
            cursor = 0
        idx = order[cursor:cursor + batch]
        cursor += batch
        xb = x[idx]
        yb = onehot[idx]
        m = len(idx)

        # forward
        z1 = xb @ w1.T + b1
        h = np.maximum(z1, 0.0)
        p = softmax(h @ w2.T + b2)

        # backward
        dl = (p - yb) / m
        gw2 = dl.T @ h + L2 * w2
        gb2 = dl.sum(axis=0)
        g = (dl @ w2) * (z1 > 0)
        gw1 = g.T @ xb + L2 * w1
        gb1 = g.sum(axis=0)

        # SGD
        w1 -= lr * gw1
        b1 -= lr * gb1
        w2 -= lr * gw2
        b2 -= lr * gb2
    seconds = time.perf_counter() - start
    return seconds, (w1, b1, w2, b2)


def blas_summary():
    """One line naming numpy's BLAS, its kernel (core type) and thread count."""
    env = " ".join(f"{v}={os.environ.get(v, 'unset')}" for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"))
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            parts = [
                f"{p.get('internal_api')} {p.get('version')} kernel={p.get('architecture')} threads={p.get('num_threads')}"
                for p in pools
            ]
            return f"numpy {np.__version__}: " + "; ".join(parts) + f" ({env})"
    except ImportError:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        simd = cfg.get("SIMD Extensions", {}).get("found", [])
        return (
            f"numpy {np.__version__}: {blas.get('name')} {blas.get('version')} "
            f"(threadpoolctl missing; SIMD {','.join(simd)}) ({env})"
        )
    except Exception as e:  # noqa: BLE001 - only a summary line
        return f"numpy {np.__version__}: BLAS unknown ({e}) ({env})"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.steps < 1:
        ap.error("--steps must be at least 1")

    rng = np.random.default_rng(args.seed)
    x, y = make_data(args.workload, rng)
    spec = WORKLOADS[args.workload]
    seconds, params = train(x, y, spec["hidden"], spec["batch"], args.steps, rng)
    loss, accuracy = mean_loss(x, y, *params)

    n, d = x.shape
    b, m, k = min(spec["batch"], n), spec["hidden"], int(y.max()) + 1
    # The products of one step: forward X·W1ᵀ and H·W2ᵀ, backward ∇W2 = Eᵀ·H, E·W2 and
    # ∇W1 = Gᵀ·X, 2 FLOP per multiply-add (the element-wise work is left out).
    flop = 4 * b * d * m + 6 * b * m * k
    print(f"blas: {blas_summary()}")
    print(
        f"numpy {args.workload} steps_per_second={args.steps / seconds:.1f} steps={args.steps} "
        f"seconds={seconds:.3f} final_loss={loss:.4f} accuracy={accuracy:.4f} flop_per_step={flop}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
