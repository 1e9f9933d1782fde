"""The latent metrics of a map, by the functions `vae eval` uses (vaecli.evaluate.metrics): one code path for both kinds."""

from __future__ import annotations

import numpy as np


def latent_scores(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray, test_labels: np.ndarray,
                  knn_neighbours, probe_max_iter: int, seed: int) -> dict[str, float]:
    """kNN fit on the training codes and scored on the test codes, the linear probe (the same split) and the test
    codes' silhouette, under the keys `vae eval` writes (knn1_accuracy, knn5_accuracy, probe_accuracy, silhouette)."""
    from vaecli.evaluate import metrics

    found = {f"knn{k}_accuracy": metrics.knn_accuracy(train_codes, train_labels, test_codes, test_labels, k)
             for k in knn_neighbours}
    found["probe_accuracy"] = metrics.probe_accuracy(train_codes, train_labels, test_codes, test_labels, probe_max_iter)
    found["silhouette"] = metrics.silhouette(test_codes, test_labels, seed=seed)
    return found
