"""A peer dequantizer for the GGUF reader's tests: numpy array code in the manner of gguf-py's
quants.py (gguf-py/gguf/quants.py, `dequantize_blocks` of Q8_0, Q4_0, Q4_1, Q5_0, Q5_1), which
splits each block into its fields and broadcasts nibble and bit extraction over whole arrays.

usage: python3 gguf_dequant_peer.py SPEC_JSON
SPEC_JSON names the file and each tensor's type and byte span; prints {name: float32 bytes as hex}.
"""
import json
import sys

import numpy as np


def nibbles(qs, n):
    """Low nibbles are values 0..15 of a block, high nibbles 16..31."""
    q = qs.reshape((n, -1, 1, 16)) >> np.array([0, 4], dtype=np.uint8).reshape((1, 1, 2, 1))
    return (q & np.uint8(0x0F)).reshape((n, -1))


def fifth_bits(qh, n):
    """Bit j of the little-endian u32 qh is the fifth bit of value j."""
    bits = qh.view(np.uint32).reshape((n, 1)) >> np.arange(32, dtype=np.uint32).reshape((1, 32))
    return (bits & np.uint32(1)).astype(np.uint8)


def half(x):
    return x.view(np.float16).astype(np.float32)


def dequantize(kind, blocks):
    n = blocks.shape[0]
    if kind == "Q8_0":
        d, qs = np.hsplit(blocks, [2])
        return half(d) * qs.view(np.int8).astype(np.float32)
    if kind == "Q4_0":
        d, qs = np.hsplit(blocks, [2])
        return half(d) * (nibbles(qs, n).astype(np.int8) - np.int8(8)).astype(np.float32)
    if kind == "Q4_1":
        d, m, qs = np.hsplit(blocks, [2, 4])
        return half(d) * nibbles(qs, n).astype(np.float32) + half(m)
    if kind == "Q5_0":
        d, qh, qs = np.hsplit(blocks, [2, 6])
        q = (nibbles(qs, n) | (fifth_bits(qh, n) << np.uint8(4))).astype(np.int8) - np.int8(16)
        return half(d) * q.astype(np.float32)
    if kind == "Q5_1":
        d, m, qh, qs = np.hsplit(blocks, [2, 4, 8])
        q = nibbles(qs, n) | (fifth_bits(qh, n) << np.uint8(4))
        return half(d) * q.astype(np.float32) + half(m)
    raise ValueError(kind)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    with open(spec["file"], "rb") as f:
        data = f.read()
    out = {}
    for t in spec["tensors"]:
        raw = np.frombuffer(data[t["start"]:t["end"]], dtype=np.uint8).reshape((-1, t["blockBytes"]))
        values = dequantize(t["type"], raw.copy()).astype(np.float32).reshape(-1)
        out[t["name"]] = values.astype("<f4").tobytes().hex()
    json.dump(out, sys.stdout)


main()
