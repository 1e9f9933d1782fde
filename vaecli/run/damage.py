"""What is damaged in a run folder: every file a reader of the folder opens, checked cheaply, each damaged one named.

load_runs' `damaged` column (vaecli/run/api.py) comes from here, so that one broken run is flagged in a table of
many without loading its model and without hiding the others. Damage is what vaecli never writes: an empty file, a
cut CSV row, a JSON file that is not an object (or a status with a state or field vaecli does not know), a zip
archive that does not open or lacks its parts, a figure that is not a PNG. A file that is missing is no damage
(a run killed early, or one that was not evaluated, simply has fewer files).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from vaecli.errors import DataError
from vaecli.run import names
from vaecli.run.folder import RunFolder

# Records read as one JSON object each (the tracker's record is checked by vaecli/track/, which ignores it if damaged).
JSON_RECORDS = (names.RUN_INFO, names.METRICS_JSON, names.EARLY_STOPPING)
# Zip archives and the members each must hold: a Keras model's config, `vae embed`'s arrays.
ARCHIVES = {
    names.MODEL: ("config.json",),
    names.LATENT_POINTS: (),
    names.CODES: ("train_codes.npy", "train_labels.npy", "test_codes.npy", "test_labels.npy"),
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def problems(folder: RunFolder) -> list[str]:
    """One line per damaged file of `folder` (empty when all is well)."""
    found = []
    for check in (_config, _records, _status, _tables, _archives, _figures):
        found.extend(check(folder))
    return found


def _config(folder: RunFolder) -> list[str]:
    from vaecli.run.yaml_reader import load_yaml

    if not folder.config.is_file():
        return []
    return _caught(lambda: load_yaml(folder.config) if folder.config.stat().st_size else _empty(folder, folder.config))


def _records(folder: RunFolder) -> list[str]:
    found = []
    for name in JSON_RECORDS:
        path = folder / name
        if path.is_file():
            found += _caught(lambda path=path: _object(folder, path))
    return found


def _status(folder: RunFolder) -> list[str]:
    return _caught(folder.read_status)


def _tables(folder: RunFolder) -> list[str]:
    return _caught(folder.read_history) + _caught(folder.read_timing)


def _archives(folder: RunFolder) -> list[str]:
    found = []
    for name, wanted in ARCHIVES.items():
        path = folder / name
        if not path.exists():
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                missing = [member for member in wanted if member not in archive.namelist()]
            if missing:
                found.append(f"{path} is damaged (no {', '.join(missing)} inside)")
        except (OSError, zipfile.BadZipFile) as ex:
            found.append(str(folder.damaged(path, ex)))
    return found


def _figures(folder: RunFolder) -> list[str]:
    found = []
    for path in sorted(folder.figures.glob("*.png")):
        with open(path, "rb") as handle:
            if handle.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
                found.append(f"{path} is damaged (not a PNG image)")
    return found


def _object(folder: RunFolder, path: Path) -> None:
    if not path.stat().st_size:
        _empty(folder, path)
    if not isinstance(folder._json(path), dict):
        raise folder.damaged(path, "not a JSON object")


def _empty(folder: RunFolder, path: Path):
    raise folder.damaged(path, "empty")


def _caught(read) -> list[str]:
    try:
        read()
    except DataError as ex:
        return [str(ex)]
    return []
