"""The latent metrics of a map, by the functions `vae eval` uses (vaecli.evaluate.metrics): one code path for both kinds."""

from __future__ import annotations

import numpy as np

from vaecli.errors import require


def latent_scores(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray, test_labels: np.ndarray,
                  knn_neighbours, probe_max_iter: int, seed: int) -> dict[str, float]:
    """kNN fit on the training codes and scored on the test codes, the linear probe (the same split) and the test
    codes' silhouette, under the keys `vae eval` writes (knn1_accuracy, knn5_accuracy, probe_accuracy, silhouette)."""
    from vaecli.evaluate import metrics

    check_neighbours(knn_neighbours, len(train_codes))
    found = {f"knn{k}_accuracy": metrics.knn_accuracy(train_codes, train_labels, test_codes, test_labels, k)
             for k in knn_neighbours}
    found["probe_accuracy"] = metrics.probe_accuracy(train_codes, train_labels, test_codes, test_labels, probe_max_iter)
    found["silhouette"] = metrics.silhouette(test_codes, test_labels, seed=seed)
    return found


def check_neighbours(knn_neighbours, train_count: int) -> None:
    """Each k of knn_neighbours must find k training codes (scikit-learn's error says n_samples_fit, not the option)."""
    most = max(knn_neighbours, default=0)
    require(most <= train_count, f"knn_neighbours={list(knn_neighbours)} asks for {most} neighbours, but the map has "
                                 f"{train_count} training codes; lower knn_neighbours or raise train_points")
