"""The method registry: every module of this package with a `Config` (whose `name` is set) and a `fit` adds one method.

Adding a method = one module here + conf/method/<name>.yaml; nothing else changes. A module gives:
    Config                 a dataclass of its options (`name` first), typed by Hydra like any group
    TEST_POINTS            one line saying how the test images get their places on the map
    fit(cfg, train, test, seed, threads) -> (train codes, test codes, extra)
                           train, test: float32 (N, pixels) in [0, 1]; codes (N, 2); extra: numbers for metrics.json
Modules import their library inside `fit`, so that composing a config stays fast.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from types import ModuleType

from omegaconf import MISSING


def _discover() -> dict[str, ModuleType]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        config = getattr(module, "Config", None)
        if dataclasses.is_dataclass(config) and callable(getattr(module, "fit", None)):
            name = {f.name: f.default for f in dataclasses.fields(config)}["name"]
            if isinstance(name, str) and name != MISSING:
                found[name] = module
    return dict(sorted(found.items()))


METHODS: dict[str, ModuleType] = _discover()


def get(name: str) -> ModuleType:
    from vaecli.errors import ConfigError

    if name not in METHODS:
        raise ConfigError(f"unknown method '{name}'; choose one of: {', '.join(METHODS)}")
    return METHODS[name]
