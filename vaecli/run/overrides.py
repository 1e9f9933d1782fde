"""Which command-line overrides name paths: the lowest layer that needs it, for the commands and the tracker.

`vae` quotes such values for Hydra (vaecli/commands), and a run's hyperparameters leave them out (vaecli/track).
"""

from __future__ import annotations

# Options whose values are paths. Sweep folders are named like `0_model=elbo,seed=1`, and Hydra's
# override grammar reads '=' and ',' in a bare value as syntax, so such values are quoted for it.
PATH_KEYS = frozenset({"run", "resume", "out", "markdown", "dataset.path", "dataset.tfds_data_dir",
                       "eval.classifier_cache", "classifier_cache", "hydra.run.dir", "hydra.sweep.dir",
                       "tracker.tracking_uri", "tracker.artifact_location"})
