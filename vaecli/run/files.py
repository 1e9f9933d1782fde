"""Safe file handling for run folders.

Atomic writes: a reader (or a run resumed after SIGKILL) sees the old file or the new one,
never half of one. The run lock: one `vae train` per run folder at a time.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vaecli.errors import DataError
from vaecli.run import names

log = logging.getLogger(__name__)


@functools.cache
def _umask() -> int:
    """The process umask, read at the first write, not at import: os.umask reads it only by setting it."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
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
def run_lock(run_dir: Path, command: str = "vae train") -> Iterator[None]:
    """Hold <run_dir>/.lock while training (or evaluating), so a second `vae train` or a `vae eval` of the same
    folder refuses instead of reading a model that is still changing.

    The kernel releases an flock when its process dies, so a lock left by a killed run is
    recognised as stale (its file still names the old pid) and taken over.
    """
    path = Path(run_dir) / names.LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 64, 0).decode(errors="replace").split(maxsplit=1) or ["unknown"]
        os.close(fd)
        holder = f"another {owner[1].strip() if len(owner) > 1 else 'vae train'} (pid {owner[0]})"
        raise DataError(f"{run_dir} is in use by {holder}; wait for it to end or stop it, then run `{command}` again") from None
    words = os.pread(fd, 64, 0).decode(errors="replace").split(maxsplit=1)
    stale = words[0] if words else ""
    if stale:
        log.warning(f"taking over the lock left by pid {stale}, which is no longer running")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
    try:
        yield
    finally:
        os.ftruncate(fd, 0)  # an empty lock file: the last holder ended cleanly
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def holds_run(run_dir: Path) -> bool:
    """Whether a folder already holds (part of) a training run: metrics or a checkpoint."""
    from vaecli.run.folder import RunFolder

    return RunFolder(run_dir).holds_run()
