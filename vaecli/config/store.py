"""The schemas of vaecli.config.schemas meet Hydra: registered for composing, built and checked, loaded back from runs.

`register_schemas` stores every schema in Hydra's ConfigStore (conf/*.yaml name them in their
defaults lists); `to_object` turns a composed config into the checked dataclasses;
`load_train_config` reads a run's saved config.yaml the same way, upgrading older layouts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from vaecli.config.schemas import BenchConfig, EvalCommandConfig, ReportConfig, TrainConfig
from vaecli.errors import ConfigError, DataError
from vaecli.models.network_schemas import NETWORK_SCHEMAS
from vaecli.run.yaml_reader import load_yaml


def _schema_groups() -> dict[str, Mapping[str, type]]:
    """Every config group whose options are schemas: group -> {name: dataclass}."""
    from vaecli.models.likelihoods import LIKELIHOODS
    from vaecli.models.objectives import OBJECTIVES

    return {
        "model": {name: cls.Config for name, cls in OBJECTIVES.items()},
        "network": NETWORK_SCHEMAS,
        "likelihood": {name: cls.Config for name, cls in LIKELIHOODS.items()},
    }


def load_train_config(path) -> TrainConfig:
    """A run's saved config.yaml, typed and checked like a freshly composed one."""
    saved = load_yaml(path)  # a run folder is data: bounded, literal (vaecli/run/yaml_reader.py)
    if not isinstance(saved, DictConfig):
        raise DataError(f"{path}: a config is a mapping of options, not a list; the file is damaged")
    _upgrade_v1(saved)
    schema = OmegaConf.structured(TrainConfig)  # the classes, not instances: checks run once, on the merged values
    for group, schemas in _schema_groups().items():
        name = OmegaConf.select(saved, f"{group}.name")
        if name not in schemas:
            raise ConfigError(f"{path}: {group}.name={name} is not one of {', '.join(schemas)}")
        schema[group] = OmegaConf.structured(schemas[name])
    return OmegaConf.to_object(OmegaConf.merge(schema, saved))  # type: ignore[return-value]


def _upgrade_v1(saved: DictConfig) -> None:
    """Runs saved before networks and likelihoods were groups kept the widths under model."""
    if "network" in saved:
        return
    widths = {key: saved.model.pop(key) for key in ("encoder_filters", "decoder_filters", "decoder_base_channels") if key in saved.model}
    from vaecli.models.objectives import get

    saved.network = {"name": "conv", **widths}
    saved.likelihood = {"name": get(saved.model.name).likelihoods[0]}  # the objective's own (elbo: bernoulli, mmd: mse)


def register_schemas() -> None:
    """Make the schemas known to Hydra; conf/*.yaml name them in their defaults lists.

    The root schema types every node but the groups whose type depends on the choice (model,
    network, likelihood): each conf/<group>/<name>.yaml starts from `/<group>_<name>_schema`
    (stored at the root, not as a group, so that `--help` lists only the user's choices).
    """
    if not OmegaConf.has_resolver("direction_of"):
        # ${direction_of:${sweep_metric}}: an Optuna study's direction follows the metric it optimises.
        OmegaConf.register_new_resolver("direction_of", _direction_of)
    cs = ConfigStore.instance()
    cs.store(name="train_schema", node=TrainConfig)
    cs.store(name="eval_schema", node=EvalCommandConfig)
    cs.store(name="report_schema", node=ReportConfig)
    cs.store(name="bench_schema", node=BenchConfig)
    for group, schemas in _schema_groups().items():
        for name, schema in schemas.items():
            cs.store(name=f"{group}_{name}_schema", node=schema)


def _direction_of(metric: str) -> str:
    from vaecli.evaluate.metric_names import direction

    found = direction(metric)
    if found is None:
        raise ConfigError(f"sweep_metric={metric} has no known direction; pass hydra.sweeper.direction=minimize or maximize")
    return found


def to_object(cfg: DictConfig):
    """The composed config as typed dataclasses, range-checked."""
    _reject_unknown_keys(cfg)
    return OmegaConf.to_object(cfg)


def _reject_unknown_keys(node: DictConfig, prefix: str = "") -> None:
    """Hydra lets `+key=value` add keys that no schema knows; they would be silently ignored."""
    schema = OmegaConf.get_type(node)
    known = {f.name for f in dataclasses.fields(schema)} if dataclasses.is_dataclass(schema) else None
    for key in map(str, node.keys()):
        if known is not None and key not in known:
            raise ConfigError(f"unknown option '{prefix}{key}'; add --cfg job to list the options")
        child = node._get_node(key)
        if isinstance(child, DictConfig):
            _reject_unknown_keys(child, f"{prefix}{key}.")
