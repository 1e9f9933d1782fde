"""Make tests/data/mnist-800 from a larger set of MNIST IDX files: 60 digits of each class for training,
20 of each for testing, in a seeded random order (so any prefix is close to class-balanced).

    python tests/data/make_mnist_800.py SOURCE_DIR tests/data/mnist-800

SOURCE_DIR holds the four standard MNIST IDX .gz files (tests/data/README.md says which were used).
Only numpy and the standard library: the bytes written do not depend on vaecli.
"""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np

PER_CLASS = {"train": 60, "t10k": 20}  # 600 + 200: what tests/conftest.py's tiny_mnist trains and tests on
FILES = {"images": "{split}-images-idx3-ubyte.gz", "labels": "{split}-labels-idx1-ubyte.gz"}


def read(path: Path) -> np.ndarray:
    data = gzip.decompress(path.read_bytes())
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def write(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    # mtime=0: the same input gives the same bytes, so the sha256 in tests/data/README.md can be checked
    path.write_bytes(gzip.compress(header + array.tobytes(), compresslevel=9, mtime=0))


def main(source: Path, target: Path) -> None:
    rng = np.random.default_rng(0)
    target.mkdir(parents=True, exist_ok=True)
    for split, per_class in PER_CLASS.items():
        images, labels = (read(source / name.format(split=split)) for name in FILES.values())
        chosen = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)])
        chosen = rng.permutation(chosen)
        write(target / FILES["images"].format(split=split), images[chosen])
        write(target / FILES["labels"].format(split=split), labels[chosen])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
