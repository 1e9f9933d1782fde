"""The error of a damaged run-folder file: which file, and why, for a message and for a report's list.

Every reader of vaecli/run/ raises it for a file that vaecli did not write as it is (vaecli/run/damage.py lists
what counts). It is a DataError (exit code 3), so a command says one line naming the file and what to do; the
report and load_runs read its `path` and `reason` to name the file beside the others that are well.
"""

from __future__ import annotations

from pathlib import Path

from vaecli.errors import DataError


class DamagedFile(DataError):
    """A damaged file of a run folder: `path`, and `reason` (one line, at most 200 characters)."""

    def __init__(self, path: Path | str, reason: BaseException | str, message: str | None = None):
        text = f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) else str(reason)
        self.path, self.reason = Path(path), " ".join(text.split())[:200]
        super().__init__(message or f"{self.path} is damaged ({self.reason}); restore it from a copy, or start a new run")
