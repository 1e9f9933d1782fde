"""The dotted names a command line uses: which of them name paths, and a config flattened into them.

The lowest layer that needs them: `vae` quotes path values for Hydra (vaecli/commands), a run's hyperparameters
leave them out (vaecli/track), and the Python API, the report and the tracker show a config by these names.
"""

from __future__ import annotations

from typing import Any

# A value of a flattened config: what a command line, a table's cell and a tracker's parameter can hold.
Scalar = int | float | str | bool | None

# Options whose values are paths. Sweep folders are named like `0_model=elbo,seed=1`, and Hydra's
# override grammar reads '=' and ',' in a bare value as syntax, so such values are quoted for it.
PATH_KEYS = frozenset({"run", "resume", "out", "markdown", "dataset.path", "dataset.tfds_data_dir",
                       "eval.classifier_cache", "classifier_cache", "hydra.run.dir", "hydra.sweep.dir",
                       "tracker.tracking_uri", "tracker.artifact_location"})


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Scalar]:
    """{"trainer": {"learning_rate": 0.001}} -> {"trainer.learning_rate": 0.001}: the dotted names a command line
    uses; numbers, strings, booleans and None kept, anything else (a list) as its text."""
    flat: dict[str, Scalar] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
    return flat
