"""metrics.csv, the per-epoch history.

One row per finished epoch, the whole file rewritten atomically, so it never has a gap,
a duplicate or half a row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from vaecli.run.files import atomic_write_text
from vaecli.run.json_csv_readers import EpochRow, read_rows


class History:
    def __init__(self, path: Path, keep_through_epoch: int = 0):
        """Open `path`, keeping the rows of epochs 1..keep_through_epoch (those a checkpoint covers)."""
        self.path = Path(path)
        self.rows: list[EpochRow] = [row for row in read_metrics(self.path) if row["epoch"] <= keep_through_epoch]
        if [row["epoch"] for row in self.rows] != list(range(1, len(self.rows) + 1)):
            # Only possible if the file was edited by hand: the epochs cannot be trusted.
            self.rows = self.rows[:0]

    def append(self, row: EpochRow) -> None:
        self.rows.append(row)
        columns = list(dict.fromkeys(key for r in self.rows for key in r))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, buffer.getvalue())


def read_metrics(path: Path) -> list[EpochRow]:
    """The rows of a metrics.csv (or timing.csv) as dicts of numbers (empty if there is no file)."""
    return read_rows(path, strict=False) if Path(path).is_file() else []  # the run's own file, continued
