"""The metrics a run reports, by name: what the report's table shows, and which way is better.

A name is a key of <run>/metrics.json (`vae eval`) or, like test/loss, a column of the last epoch
of metrics.csv. The report's columns and a sweep's `sweep_metric` (what Optuna optimises) read it.
"""

from __future__ import annotations

import re

# key, label, better direction
COLUMNS = [
    ("test/loss", "final test loss", "lower"),
    ("elbo", "test ELBO (nats)", "higher"),
    ("reconstruction", "recon. (own likelihood)", "lower"),
    ("iw_log_px", "IW log p(x) (nats)", "higher"),
    ("reconstruction_bce", "recon. BCE (nats)", "lower"),
    ("reconstruction_mse", "recon. MSE", "lower"),
    ("knn1_accuracy", "1-NN acc.", "higher"),
    ("knn5_accuracy", "5-NN acc.", "higher"),
    ("probe_accuracy", "linear probe acc.", "higher"),
    ("silhouette", "silhouette", "higher"),
    ("prior_mmd", "MMD to prior", "lower"),
    ("code_mean_norm", "|code mean|", "lower"),
    ("active_units", "active units", "higher"),
    # Datasets with known factors (vaecli/evaluate/disentanglement.py): all in [0, 1], 1 for a code that is the factors.
    ("mig", "MIG", "higher"),
    ("sap", "SAP", "higher"),
    ("dci_disentanglement", "DCI disentanglement", "higher"),
    ("dci_completeness", "DCI completeness", "higher"),
    ("dci_informativeness", "DCI informativeness", "higher"),
    ("factor_vae_score", "FactorVAE score", "higher"),
    ("beta_vae_score", "β-VAE score", "higher"),
    ("frechet_distance", "Frechet dist.", "lower"),
    ("grid_confident_share", "grid recognisable", "higher"),
    ("sample_confident_share", "samples recognisable", "higher"),
    ("sample_class_entropy", "sample class entropy", "higher"),
    ("sample_sharpness_ratio", "sample sharpness", "higher"),
    ("epoch_seconds", "s / epoch", "lower"),
]
# In each objective's own units (its loss, its likelihood): compared only between runs of one objective and likelihood.
OWN_SCALE = frozenset({"test/loss", "reconstruction"})
OBJECTIVE_SETTINGS = ("model", "likelihood")

EPOCH_COLUMN = re.compile(r"^(train|validation|test)/\w+$")  # metrics.csv: <split>/<loss part>
EVAL_METRICS = {key for key, _, _ in COLUMNS if not EPOCH_COLUMN.match(key) and key != "epoch_seconds"}


def direction(name: str) -> str | None:
    """'minimize' or 'maximize' (Optuna's words) for a known metric; loss parts: elbo up, the rest down."""
    better = {key: b for key, _, b in COLUMNS}.get(name)
    if better is None and EPOCH_COLUMN.match(name):
        better = "higher" if name.endswith("/elbo") else "lower"
    return {"lower": "minimize", "higher": "maximize"}.get(better or "")
