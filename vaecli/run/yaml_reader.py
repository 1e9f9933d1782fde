"""Reading a YAML file from a run folder as data: bounded in size, without aliases, literal.

A run folder may come from someone else (docs/reliability.md). OmegaConf.load would expand YAML aliases (a few
hundred bytes of nested aliases grow to billions of nodes) and keep `${...}` interpolations, which OmegaConf
resolves when the value is read: `${oc.env:SECRET}` copies the user's environment into a report, a project
resolver runs code. So a stored file is parsed by a SafeLoader that refuses anchors and aliases, after a size
check, and a value holding an interpolation refuses the file: configs are saved resolved, so a real run never
holds one. Every refusal is a DataError (exit 3) naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf

from vaecli.run.damaged_file import DamagedFile

# A run's config.yaml is ~3 KB and overrides.yaml a few hundred bytes; 1 MiB is far above any real one and
# parses in well under a second.
MAX_BYTES = 1 << 20


def _base_loader() -> type:
    try:  # OmegaConf's own SafeLoader (YAML 1.2 floats such as 1e-3), so values read as they were written
        from omegaconf._utils import get_yaml_loader

        return cast(type, get_yaml_loader())  # typed as Any by OmegaConf
    except ImportError:  # a future OmegaConf without it: plain SafeLoader
        return cast(type, yaml.SafeLoader)  # PyYAML ships no types


class _NoAliasLoader(_base_loader()):  # type: ignore[misc]
    """A SafeLoader that refuses anchors and aliases (vaecli never writes them)."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("holds a YAML alias (*name); vaecli never writes them")
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise yaml.YAMLError(f"holds a YAML anchor (&{event.anchor}); vaecli never writes them")
        return super().compose_node(parent, index)


def load_yaml(path: Path | str) -> DictConfig | ListConfig:
    """The file as an OmegaConf node (DictConfig or ListConfig) of literal values; a DataError naming it otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"{size} bytes, more than the {MAX_BYTES} a vaecli record can be")
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_NoAliasLoader)
    except (OSError, ValueError, yaml.YAMLError, UnicodeDecodeError) as ex:
        raise DamagedFile(path, ex) from None
    if (where := _interpolation(data)) is not None:
        reason = f"holds an interpolation at {where or 'the top'} ('${{...}}')"
        raise DamagedFile(path, reason, f"{path} {reason}; stored configs are literal values, so it is not read: "
                          "replace it with the value, or start a new run")
    if not isinstance(data, (dict, list)):
        raise DamagedFile(path, "not a YAML mapping or list")
    return OmegaConf.create(data)


def _interpolation(node: object, where: str = "") -> str | None:
    """The dotted key of the first string (or key) holding '${', or None."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        here = f"{where}.{key}" if where else str(key)
        if "${" in str(key):
            return here
        if (found := _interpolation(value, here)) is not None:
            return found
    if isinstance(node, str) and "${" in node:
        return where
    return None
