"""What is damaged in a run folder: every file a reader of the folder opens, checked cheaply, each damaged one named.

load_runs' `damaged` column (vaecli/run/api.py) and the report's list of damaged files come from here, so that one
broken run is flagged in a table of many without loading its model and without hiding the others. Damage is what
vaecli never writes: an empty file, a cut CSV row, a JSON file that is not an object (or a status with a state or
field vaecli does not know, a metrics.json without its metrics), a zip archive that does not open or lacks its
parts, arrays of the wrong shape, a figure that is not a PNG, an animation that is not a GIF. A file that is missing
is no damage (a run killed early, or one that was not evaluated, simply has fewer files).
"""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from vaecli.run import names
from vaecli.run.arrays import read_codes, read_latent_points
from vaecli.run.damaged_file import DamagedFile
from vaecli.run.folder import RunFolder

# Records read as one JSON object each (the tracker's record is checked by vaecli/track/, which ignores it if damaged).
JSON_RECORDS = (names.RUN_INFO, names.METRICS_JSON, names.EARLY_STOPPING)
SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".gif": (b"GIF87a", b"GIF89a")}


def found(folder: RunFolder, config_read: bool = False) -> list[DamagedFile]:
    """Each damaged file of `folder`, with why (empty when all is well). `config_read`: config.yaml was read well
    already (its YAML is the slowest file to parse), so it is not parsed again."""
    damaged: list[DamagedFile] = []
    for check in (_records, _status, _tables, _model, _arrays, _images) if config_read else \
            (_config, _records, _status, _tables, _model, _arrays, _images):
        damaged.extend(check(folder))
    first: dict[Path, DamagedFile] = {}
    for damage in damaged:
        first.setdefault(damage.path, damage)  # a file once, with its first reason
    return list(first.values())


def problems(folder: RunFolder) -> list[str]:
    """One line per damaged file of `folder` (empty when all is well)."""
    return [str(damage) for damage in found(folder)]


def _config(folder: RunFolder) -> list[DamagedFile]:
    from vaecli.run.yaml_reader import load_yaml

    if not folder.config.is_file():
        return []
    return _caught(lambda: load_yaml(folder.config) if folder.config.stat().st_size else _empty(folder.config))


def _records(folder: RunFolder) -> list[DamagedFile]:
    damaged = []
    for name in JSON_RECORDS:
        path = folder / name
        if path.is_file():
            damaged += _caught(functools.partial(_object, folder, path))
    return damaged + _caught(folder.read_evaluation)  # and metrics.json's metrics an object


def _status(folder: RunFolder) -> list[DamagedFile]:
    return _caught(folder.read_status)


def _tables(folder: RunFolder) -> list[DamagedFile]:
    return _caught(folder.read_history) + _caught(folder.read_timing)


def _model(folder: RunFolder) -> list[DamagedFile]:
    """model.keras: a zip archive holding Keras' config.json (its weights are checked when it loads)."""
    if not folder.model.exists():
        return []
    try:
        with zipfile.ZipFile(folder.model) as archive:
            if "config.json" not in archive.namelist():
                return [DamagedFile(folder.model, "no config.json inside")]
    except (OSError, zipfile.BadZipFile) as ex:
        return [DamagedFile(folder.model, ex)]
    return []


def _arrays(folder: RunFolder) -> list[DamagedFile]:
    return [error for path, read in ((folder.latent_points, read_latent_points), (folder.codes, read_codes))
            if path.exists() for error in _caught(functools.partial(read, path))]


def _images(folder: RunFolder) -> list[DamagedFile]:
    """Figures (PNG) and animations (GIF) by their first bytes: the browser shows nothing for anything else."""
    damaged = []
    for path in sorted(folder.figures.glob("*.png")) + folder.animation_files():
        with open(path, "rb") as handle:
            head = handle.read(8)
        if not any(head.startswith(signature) for signature in SIGNATURES[path.suffix.lower()]):
            damaged.append(DamagedFile(path, f"not a {path.suffix.lstrip('.').upper()} image"))
    return damaged


def _object(folder: RunFolder, path: Path) -> None:
    if not path.stat().st_size:
        _empty(path)
    if not isinstance(folder._json(path), dict):
        raise DamagedFile(path, "not a JSON object")


def _empty(path: Path) -> NoReturn:
    raise DamagedFile(path, "empty")


def _caught(read: Callable[[], object]) -> list[DamagedFile]:
    try:
        read()
    except DamagedFile as ex:
        return [ex]
    return []
