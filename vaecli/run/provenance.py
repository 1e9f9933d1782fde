"""What a run came from, for run.json: the code (vaecli version, git commit and whether the tree was dirty), the
data (a fingerprint of the bytes it trained and was tested on), the libraries, the device and the command line.

Two runs with the same `data_fingerprint` saw the same images and labels in the same order. For a streamed dataset
the fingerprint covers the held sample of the training split (dataset.sample_size images), the training count and
the test split, which is what can be hashed without reading every file again.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

import vaecli

if TYPE_CHECKING:  # for the annotations only
    from vaecli.data.splits import Splits


class GitState(TypedDict):
    commit: str
    dirty: bool


def data_fingerprint(data: Splits) -> str:
    """sha256 over the training images and labels (held, or the streamed split's sample), their count, and the test split."""
    digest = hashlib.sha256()
    digest.update(f"{data.train_count} {data.image_shape}".encode())
    for array in (data.train_images, data.train_labels, data.test_images, data.test_labels):
        digest.update(np.ascontiguousarray(array).data)
    return "sha256:" + digest.hexdigest()


def git_state(start: Path | None = None) -> GitState | None:
    """{"commit": ..., "dirty": bool} when vaecli runs from a git checkout of itself; None when installed."""
    here = Path(start or Path(vaecli.__file__).resolve().parent)
    try:
        top = _git(here, "rev-parse", "--show-toplevel")
        if not (Path(top) / "vaecli" / "__init__.py").is_file():  # vaecli installed inside some other repository
            return None
        commit = _git(here, "rev-parse", "HEAD")
        dirty = bool(_git(here, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def _git(where: Path, *args: str) -> str:
    """git with nothing from the environment: a variable set for the job (GIT_CONFIG_COUNT/KEY/VALUE, GIT_SSH_COMMAND,
    GIT_EXTERNAL_DIFF, ...) or a user or system config could name a command for git to run; no hooks, no fsmonitor."""
    with tempfile.TemporaryDirectory(prefix="vaecli-git-") as home:
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": home, "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
        command = ["git", "-c", "core.fsmonitor=false", "-c", f"core.hooksPath={os.devnull}", "-C", str(where), *args]
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=10, env=env).stdout.strip()


def command_line(argv: list[str] | None = None) -> str:
    """`vae train model=mmd ...` as it was typed (sys.argv[0] is `vae train` while a command runs, see vaecli.cli)."""
    argv = list(sys.argv if argv is None else argv)
    head = argv[0] if argv and argv[0].startswith("vae ") else Path(argv[0]).name if argv else "vae"
    return " ".join([head, *(shlex.quote(arg) for arg in argv[1:])])


def provenance(data: Splits, device: str) -> dict[str, Any]:
    """Everything run.json records about where a run came from."""
    import keras
    import tensorflow as tf

    return {
        "vaecli": vaecli.__version__,
        "git": git_state(),
        "command": command_line(),
        "data_fingerprint": data_fingerprint(data),
        "data_source": data.source,
        "image_shape": list(data.image_shape),
        "class_names": list(data.class_names),
        "train_images": data.train_count,
        "validation_images": len(data.validation_images),
        "test_images": len(data.test_images),
        "device": device,
        "python": platform.python_version(),
        "host": platform.node(),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
    }
