"""Source `idx`: MNIST-format IDX files from dataset.path, else a system copy (dataset.system_dirs, e.g.
Debian's dataset-fashion-mnist), else tensorflow-datasets' copy of dataset.tfds_name (downloaded when it can).
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vaecli.data.splits import Arrays, Loaded
from vaecli.errors import ConfigError, DataError

if TYPE_CHECKING:
    from vaecli.data.schema import DatasetConfig

# IDX type codes (http://yann.lecun.com/exdb/mnist/, "the IDX file format").
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


# ---------------------------------------------------------------- IDX files


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (gzip-compressed or not) as a numpy array; DataError if it is not valid."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as ex:
        raise DataError(f"{path}: cannot read ({ex}); copy or download the file again") from ex
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path}: not an IDX file (wrong magic number {raw[:4].hex() or 'none'}); expected MNIST-format data")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path}: truncated IDX header; copy or download the file again")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = math.prod(dims) * dtype.itemsize  # Python ints: a header's sizes cannot overflow (np.prod wraps at 2**63)
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: truncated or padded IDX file ({len(raw) - header} data bytes, but its header's shape {dims} needs "
            f"{expected}); copy or download the file again"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def _find_idx_file(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    return None


def has_idx_files(directory: Path) -> bool:
    return directory.is_dir() and all(_find_idx_file(directory, stem) for stem in IDX_FILES.values())


def read_idx_dir(directory: Path) -> dict[str, np.ndarray]:
    """The four standard IDX files of a directory, checked for consistent shapes."""
    if not directory.exists():
        raise ConfigError(f"dataset.path={directory} does not exist; pass a directory holding the four IDX files")
    if not directory.is_dir():
        raise ConfigError(f"dataset.path={directory} is a file, not a directory; pass the directory that holds it")
    arrays = {}
    for key, stem in IDX_FILES.items():
        path = _find_idx_file(directory, stem)
        if path is None:
            raise DataError(
                f"{directory} lacks {stem}[.gz]; a dataset directory needs all four: {', '.join(IDX_FILES.values())}"
            )
        arrays[key] = read_idx(path)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim not in (3, 4) or labels.ndim != 1:
            raise DataError(f"{directory}: {split} images must be (N, H, W[, C]) and labels (N,); got {images.shape}, {labels.shape}")
        if len(images) != len(labels):
            raise DataError(f"{directory}: {len(images)} {split} images but {len(labels)} labels; the files do not belong together")
    if arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        raise DataError(f"{directory}: train and test images differ in shape")
    return arrays


# ---------------------------------------------------------------- the source


def check(cfg: DatasetConfig) -> None:
    if cfg.path is None and not cfg.system_dirs and not cfg.tfds_name:
        raise ConfigError(f"dataset={cfg.name} needs dataset.path=DIR, a directory with the four IDX files")


def load(cfg: DatasetConfig, seed: int) -> Loaded:
    if cfg.path is not None:
        directory = Path(cfg.path).expanduser().resolve()
        return _loaded(read_idx_dir(directory), f"idx:{directory}")
    for system_dir in map(Path, cfg.system_dirs):
        if has_idx_files(system_dir):
            return _loaded(read_idx_dir(system_dir), f"idx:{system_dir}")
    from vaecli.data import tfds  # the last resort: tensorflow-datasets, which downloads when it can

    remedies = ["pass dataset.path=DIR (a directory with the four IDX files)"]
    if cfg.system_dirs:
        remedies.append(f"install a system copy into {cfg.system_dirs[0]} (e.g. apt-get install dataset-fashion-mnist)")
    return tfds.load(cfg, seed, remedies)


def _loaded(arrays: dict[str, np.ndarray], source: str) -> Loaded:
    split = {s: Arrays(_as_nhwc_uint8(arrays[f"{s}_images"]), arrays[f"{s}_labels"].astype(np.int64).reshape(-1)) for s in ("train", "test")}
    return Loaded(source, split["train"], split["test"])


def _as_nhwc_uint8(images: np.ndarray) -> np.ndarray:
    if images.ndim == 3:
        images = images[..., None]
    if images.dtype != np.uint8:
        raise DataError(f"images must be 8-bit (IDX type 0x08), got {images.dtype}")
    return images
