"""A run folder's arrays, read back checked: a VAE run's latent_points.npz and an embedding run's codes.npz.

Each is read with allow_pickle=False (a folder from elsewhere is data, never code) and checked against what vaecli
writes; anything else is a DamagedFile naming the file and what is wrong, so that the report and load_runs name it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from vaecli.run.damaged_file import DamagedFile

# latent_points.npz (vaecli/visual/run_animations.py): a fixed test subset's 2-D codes, labels, images and reconstructions
LATENT_KEYS = ("codes", "labels", "images", "reconstructions", "class_names")
# codes.npz (vaecli/embed/run.py): the map's train and test codes and labels, and the class names
CODES_KEYS = ("train_codes", "train_labels", "test_codes", "test_labels")


def read_latent_points(path: Path) -> dict[str, np.ndarray]:
    """latent_points.npz as arrays (LATENT_KEYS, and axis_names where written)."""
    points = _arrays(path)
    missing = [key for key in LATENT_KEYS if key not in points]
    codes = points.get("codes", np.zeros((0, 0)))
    if missing or codes.ndim != 2 or codes.shape[1] != 2 or len(points.get("labels", ())) != len(codes):
        raise DamagedFile(path, ValueError(
            f"expected arrays {', '.join(LATENT_KEYS)} with codes of shape (N, 2); found "
            f"{', '.join(f'{k} {v.shape}' for k, v in points.items() if k in LATENT_KEYS)}"))
    _check_labels(path, points["labels"], points["class_names"])
    return points


def read_codes(path: Path) -> dict[str, np.ndarray]:
    """codes.npz as arrays (CODES_KEYS, class_names and train_index where written)."""
    codes = _arrays(path)
    if missing := [key for key in CODES_KEYS if key not in codes]:
        raise DamagedFile(path, f"no {', '.join(missing)} inside")
    for split in ("train", "test"):
        found, labels = codes[f"{split}_codes"], codes[f"{split}_labels"]
        if found.ndim != 2 or found.shape[1] != 2 or len(labels) != len(found):
            raise DamagedFile(path, ValueError(f"expected {split}_codes of shape (N, 2) and N {split}_labels; found "
                                               f"{found.shape} and {labels.shape}"))
    if "class_names" in codes:
        _check_labels(path, np.concatenate([codes["train_labels"], codes["test_labels"]]), codes["class_names"])
    return codes


def _arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as ex:  # truncated, a bad header, not a zip
        raise DamagedFile(path, ex) from None


def _check_labels(path: Path, labels: np.ndarray, class_names: np.ndarray) -> None:
    if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise DamagedFile(path, ValueError(f"labels run from {labels.min()} to {labels.max()}, but there are "
                                           f"{len(class_names)} class names"))
