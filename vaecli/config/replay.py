"""What `resume=` may replay from a run folder's overrides.yaml: the run's own config options, nothing else.

A run folder may come from someone else (docs/reliability.md, "A run folder from elsewhere"). Its overrides.yaml is
replayed onto the command line, so a line under `hydra.` (`hydra.job.env_set` sets environment variables that git
reads as commands, `hydra.callbacks` instantiates classes), an addition outside the schema, a sweep or an
interpolation (`${oc.env:...}` would copy the user's environment into the run's config) would be obeyed. Only a
plain `key=value` whose key is one of TrainConfig's options or one of vaecli's config groups is replayed; anything
else refuses the resume with one line naming the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from vaecli.errors import DataError

# The config groups a run may choose beside TrainConfig's own fields (conf/train.yaml's defaults list); never `hydra`.
_GROUPS = ("experiment", "hparams_search")


def replayable(saved: list[str], path: Path) -> list[str]:
    """`saved` (overrides.yaml's lines) if every line is a plain option of the run's config; else a DataError."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType

    from vaecli.config.schemas import TrainConfig

    known = {f.name for f in dataclasses.fields(TrainConfig)} | set(_GROUPS)
    parser = OverridesParser.create()
    for line in saved:
        try:
            (override,) = parser.parse_overrides([line])
        except Exception as ex:  # noqa: BLE001  hydra's OverrideParseException, or a line that is no override at all
            raise _refuse(path, line, f"not an override ({type(ex).__name__})") from None
        key = override.key_or_group
        top = key.replace("/", ".").split(".", 1)[0]
        if top not in known:
            raise _refuse(path, line, f"'{top}' is not an option of vaecli's train config")
        if override.package or override.type == OverrideType.DEL or override.is_sweep_override():
            raise _refuse(path, line, "a package, deletion or sweep, not one option's value")
        if "${" in line:
            raise _refuse(path, line, "an interpolation; stored options are literal values")
    return saved


def _refuse(path: Path, line: str, why: str) -> DataError:
    shown = line if len(line) <= 80 else line[:77] + "..."
    return DataError(f"{path} holds {shown!r}, which resume= does not replay ({why}); "
                     "remove that line, or start a new run with the options you want")
