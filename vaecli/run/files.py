"""Safe file handling for run folders.

Atomic writes: a reader (or a run resumed after SIGKILL) sees the old file or the new one,
never half of one. The run lock: one `vae train` per run folder at a time.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from vaecli.errors import DataError

log = logging.getLogger(__name__)

# Files of a run folder that training writes and the report reads (README "The run folder").
# codes (N,2) float32, labels (N,) int, images and reconstructions (N,H,W,C) uint8, class_names (K,) str:
# a fixed test subset, its codes in the same 2-D projection as the latent figures.
LATENT_POINTS = "latent_points.npz"
ANIMATIONS = "animations"  # a folder of GIFs: latent_evolution.gif, interpolation.gif, traversal.gif


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextmanager
def run_lock(run_dir: Path):
    """Hold <run_dir>/.lock while training, so a second `vae train` on the same folder refuses.

    The kernel releases an flock when its process dies, so a lock left by a killed run is
    recognised as stale (its file still names the old pid) and taken over.
    """
    path = Path(run_dir) / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise DataError(f"{run_dir} is in use by another vae train (pid {owner}); wait for it to end or stop it") from None
    stale = os.pread(fd, 32, 0).decode(errors="replace").strip()
    if stale:
        log.warning(f"taking over the lock left by pid {stale}, which is no longer running")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    try:
        yield
    finally:
        os.ftruncate(fd, 0)  # an empty lock file: the last holder ended cleanly
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def holds_run(run_dir: Path) -> bool:
    """Whether a folder already holds (part of) a training run: metrics or a checkpoint."""
    run_dir = Path(run_dir)
    return (run_dir / "metrics.csv").is_file() or any((run_dir / "checkpoints").glob("ckpt-*"))
