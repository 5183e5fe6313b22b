"""The peer: the same exact route in numpy/LAPACK, as Learning-on-LoRAs-style code computes
spectra: for every module, decode the BF16 factors to float64, R of QR(B) and QR(A^T), the
r x r core s * R_B @ R_A^T, and its singular values. Prints one JSON line with the time, the
sum of all singular values (to check that both sides computed the same thing) and peak RSS.

usage: python3 peer_numpy.py ADAPTER_DIR
       python3 peer_numpy.py --dense-svd N   (the dense SVD peer for top-k of an N x N matrix)
       python3 peer_numpy.py --dgemm N       (numpy's float64 matmul rate, N x N by N x N: the floor's rate)
"""
import json
import os
import resource
import struct
import sys
import time

import numpy as np


def blas():
    """Which BLAS numpy loaded: Debian's numpy links the reference BLAS unless OpenBLAS is installed
    (apt-get install libopenblas0-pthread), and the peer is only fair with OpenBLAS."""
    np.dot(np.ones((2, 2)), np.ones((2, 2)))
    with open("/proc/self/maps") as maps:
        text = maps.read()
    for name in ("openblas", "mkl", "blis", "libblas"):
        if name in text:
            return "reference BLAS" if name == "libblas" else name
    return "unknown"


def main(folder):
    path = os.path.join(folder, "adapter_model.safetensors")
    config = json.load(open(os.path.join(folder, "adapter_config.json")))
    scale = config["lora_alpha"] / config["r"]
    started = time.perf_counter()
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        header.pop("__metadata__", None)
        data_start = 8 + n

        def read(name):
            info = header[name]
            begin, end = info["data_offsets"]
            f.seek(data_start + begin)
            raw = np.frombuffer(f.read(end - begin), dtype=np.uint16)
            values = (raw.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
            return values.reshape(info["shape"])

        total = 0.0
        modules = sorted({k.rsplit(".lora_", 1)[0] for k in header})
        for module in modules:
            A = read(module + ".lora_A.weight")
            B = read(module + ".lora_B.weight")
            RB = np.linalg.qr(B, mode="r")
            RA = np.linalg.qr(A.T, mode="r")
            sigma = np.linalg.svd(scale * RB @ RA.T, compute_uv=False)
            total += float(sigma.sum())
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "sigmaSum": total, "modules": len(modules), "peakRssMB": peak_kb / 1024, "numpy": np.__version__, "blas": blas()}))


def dense_svd(n):
    """LAPACK's divide-and-conquer SVD (gesdd) of an N x N Gaussian float32 matrix, with vectors:
    what code without a randomized method does to get the top-k triplets of a weight."""
    matrix = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    started = time.perf_counter()
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "sigma1": float(s[0]), "numpy": np.__version__, "blas": blas()}))


def dgemm(n):
    """The BLAS dgemm rate (GFLOPS, 2 per multiply-add) on all cores: best of three."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n))
    b = rng.standard_normal((n, n))
    a @ b
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    print(json.dumps({"gflops": 2 * n**3 / best / 1e9, "numpy": np.__version__, "blas": blas()}))


if __name__ == "__main__":
    if sys.argv[1] == "--dgemm":
        dgemm(int(sys.argv[2]))
    elif sys.argv[1] == "--dense-svd":
        dense_svd(int(sys.argv[2]))
    else:
        main(sys.argv[1])
