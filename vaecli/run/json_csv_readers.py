"""The two plain formats of a run folder, read with bounds: JSON (run.json, status.json, metrics.json, tracker.json)
and the per-epoch CSVs (metrics.csv, timing.csv). Each raises ValueError saying what is wrong; RunFolder names the
file (vaecli/run/folder.py). Their neighbour yaml_reader.py reads the YAML files alike."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

# run.json, metrics.json, status.json and tracker.json are a few KiB; 16 MiB leaves room for many metrics and
# bounds what a hostile file can make a reader hold (json has no aliases: its size bounds its cost).
MAX_JSON_BYTES = 16 * 2**20

# A row of a per-epoch CSV: "epoch" an int, each other column a float.
EpochRow = dict[str, float]


def load_json(path: Path, limit: int = MAX_JSON_BYTES) -> object:
    """A JSON file of a run folder, bounded: a file over `limit` bytes raises ValueError (it is not one vaecli wrote).
    Any JSON value: the caller checks that it is the object it expects."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit // 2**20} MiB")
    return json.loads(data)  # any JSON value: callers check its type


def read_rows(path: Path, strict: bool = True) -> list[EpochRow]:
    """The rows of a per-epoch CSV (metrics.csv, timing.csv) as dicts of numbers.

    vaecli writes these whole and atomically (vaecli/run/history.py): a header, a row per epoch, a newline after
    each. `strict`: anything else is damage, a ValueError that says what: an empty file, a last row cut short (no
    newline after it: a number in it may be cut too, "0.12" read as "0."), a row with fewer or more values than
    columns. Not strict (a resumed run's own file): the rows that parse."""
    text = Path(path).read_text()
    if strict and not text:
        raise ValueError("empty; vaecli writes a header and a row per epoch")
    if strict and not text.endswith("\n"):
        raise ValueError("its last row is cut short (no newline after it)")
    rows: list[EpochRow] = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        if None in row or (strict and None in row.values()):
            raise ValueError(f"line {number} has {'more' if None in row else 'fewer'} values than the header has columns")
        rows.append({key: (int(value) if key == "epoch" else float(value)) for key, value in row.items() if value not in ("", None)})
    if any("epoch" not in row for row in rows):
        raise ValueError("a row without an epoch")
    return rows
