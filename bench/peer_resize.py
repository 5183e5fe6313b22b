"""The peer for resizing: kohya sd-scripts' resize_lora.py route for one module. It merges the
factors into the dense float32 delta W = up @ down and takes torch.linalg.svd of it (full
matrices, its default), then truncates. Here the same in numpy/LAPACK on an M x N module of rank
R. Prints one JSON line with the seconds of merge + SVD + truncation.

usage: python3 peer_resize.py M N R K
"""
import json
import sys
import time

import numpy as np


def blas():
    """Which BLAS numpy loaded (the peer is only fair with an optimized one such as OpenBLAS)."""
    np.dot(np.ones((2, 2)), np.ones((2, 2)))
    with open("/proc/self/maps") as maps:
        text = maps.read()
    for name in ("openblas", "mkl", "blis", "libblas"):
        if name in text:
            return "reference BLAS" if name == "libblas" else name
    return "unknown"


def main(m, n, r, k):
    rng = np.random.default_rng(0)
    up = rng.standard_normal((m, r)).astype(np.float32)
    down = rng.standard_normal((r, n)).astype(np.float32)
    started = time.perf_counter()
    weight = up @ down
    u, s, vh = np.linalg.svd(weight, full_matrices=True)
    new_up = u[:, :k] * s[:k]
    new_down = vh[:k, :]
    seconds = time.perf_counter() - started
    assert new_up.shape == (m, k) and new_down.shape == (k, n)
    print(json.dumps({"seconds": seconds, "sigma1": float(s[0]), "numpy": np.__version__, "blas": blas()}))


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:5]))
