"""The objective registry: every module of this package that defines an `Objective` subclass adds one entry.

This is the only place that knows objective names. Schemas, the network's stochasticity, the
prior, the likelihoods allowed, the report's columns, the bench and the docs scripts ask it.
Adding an objective = one module here + conf/model/<name>.yaml; nothing else changes.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from typing import Any

from omegaconf import MISSING

from vaecli.models.objectives.base import Context, KLConfig, Objective, ObjectiveConfig

__all__ = ["OBJECTIVES", "Context", "KLConfig", "Objective", "ObjectiveConfig", "get", "make_objective"]


def _discover() -> dict[str, type[Objective[Any]]]:
    found: dict[str, type[Objective[Any]]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, Objective) and cls.__module__ == module.__name__:
                name = {f.name: f.default for f in dataclasses.fields(cls.Config)}["name"]
                if isinstance(name, str) and name != MISSING:  # the base class is no objective
                    cls.name = name
                    found[name] = cls
    return dict(sorted(found.items()))


OBJECTIVES: dict[str, type[Objective[Any]]] = _discover()


def get(name: str) -> type[Objective[Any]]:
    from vaecli.errors import ConfigError

    if name not in OBJECTIVES:
        raise ConfigError(f"unknown model '{name}'; choose one of: {', '.join(OBJECTIVES)}")
    return OBJECTIVES[name]


def make_objective(model_cfg: Any, context: Context) -> Objective[Any]:
    """The objective named by `model.name`, with its options."""
    return get(model_cfg.name)(model_cfg, context)
