"""`vae eval`: every metric of a finished run on its test split, written to <run>/metrics.json."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from vaecli import track
from vaecli.evaluate import metrics
from vaecli.run.files import atomic_write_text
from vaecli.evaluate.classifier import reference_classifier
from vaecli.config.schemas import EvalConfig, TrainConfig
from vaecli.config.store import load_train_config
from vaecli.data import load_dataset
from vaecli.errors import DataError
from vaecli.visual.run_figures import draw_factors, grid_codes, latent_plane, prior_samples, save
from vaecli.run.history import read_metrics
from vaecli.models.networks import decode_codes, encode_images
from vaecli.train.loop import load_model

log = logging.getLogger(__name__)


def load_run_config(run_dir: Path) -> TrainConfig:
    """The TrainConfig a run folder was trained with."""
    path = Path(run_dir) / "config.yaml"
    if not path.is_file():
        raise DataError(f"{run_dir} is not a vaecli run folder (no config.yaml); pass a folder under outputs/ that `vae train` wrote")
    return load_train_config(path)


def _disentanglement(vae, data, test_codes, run_dir: Path, train_cfg: TrainConfig, cfg: EvalConfig) -> dict:
    """The disentanglement metrics against the dataset's known factors (vaecli/evaluate/disentanglement.py, with the
    sample counts of eval.disentanglement), and the figure of the test codes coloured by each factor.

    A dataset that renders images from factors (generated, or a TFDS grid held in memory) gets every
    metric with its paper's sampling; one that only labels its images with factors gets those computed
    from (code, factor) pairs: MIG, SAP and DCI on its training sample and test split."""
    from vaecli.evaluate import disentanglement  # sklearn-heavy; only factor datasets need it

    log.info("eval: disentanglement against the known factors")
    encode = lambda images: encode_images(vae, images, cfg.batch_size)  # noqa: E731
    if data.factor_source is not None:
        found = disentanglement.disentanglement_metrics(encode, data.factor_source, seed=train_cfg.seed, cfg=cfg.disentanglement)
    else:
        found = disentanglement.sample_metrics(encode(data.train_images), data.train_factors, test_codes, data.test_factors,
                                               seed=train_cfg.seed, cfg=cfg.disentanglement)
    names = [data.factor_values(k) for k in range(len(data.factor_sizes))]
    title = f"{train_cfg.model.name} on {data.name}, latent_dim={train_cfg.latent_dim}: test codes by factor"
    epochs = [row["epoch"] for row in read_metrics(run_dir / "metrics.csv")]
    save({"factors": draw_factors(test_codes, data.test_factors, data.factor_names, names, title)},
         run_dir / "figures", int(max(epochs, default=0)))
    return {key: float(value) for key, value in found.items()}


def evaluate_run(run_dir: Path, cfg: EvalConfig) -> dict:
    run_dir = Path(run_dir)
    train_cfg = load_run_config(run_dir)
    vae = load_model(run_dir)
    data = load_dataset(train_cfg.dataset, seed=train_cfg.seed)
    started = time.perf_counter()
    rng = np.random.default_rng(train_cfg.seed)
    test_x = data.test_images.astype(np.float32) / 255.0
    results: dict = {}

    log.info("eval: reconstructions and likelihood bounds")
    test_codes = encode_images(vae, data.test_images, cfg.batch_size)
    train_codes = encode_images(vae, data.train_images, cfg.batch_size)
    results.update(metrics.reconstruction_errors(test_x, decode_codes(vae, test_codes, cfg.batch_size)))
    results["reconstruction"] = metrics.reconstruction_nll(vae, test_x, cfg.batch_size)  # the run's own likelihood
    if vae.stochastic:
        results["elbo"] = metrics.elbo(vae, test_x, cfg.batch_size, train_cfg.seed)
        subset = test_x[rng.permutation(len(test_x))[: cfg.iw_subset]]
        results.update(metrics.likelihood_bounds(vae, subset, cfg.iw_samples, cfg.batch_size, train_cfg.seed))

    log.info("eval: latent space")
    for k in cfg.knn_neighbours:
        results[f"knn{k}_accuracy"] = metrics.knn_accuracy(train_codes, data.train_labels, test_codes, data.test_labels, k)
    results["probe_accuracy"] = metrics.probe_accuracy(train_codes, data.train_labels, test_codes, data.test_labels, cfg.probe_max_iter)
    results["silhouette"] = metrics.silhouette(test_codes, data.test_labels, seed=train_cfg.seed)
    results["prior_mmd"] = metrics.prior_mmd(test_codes, prior_samples(vae, cfg.mmd_samples, train_cfg.seed + 1), seed=train_cfg.seed)
    results.update(metrics.code_moments(test_codes))
    results["active_units"] = metrics.active_units(test_codes)
    if data.test_factors is not None:
        results.update(_disentanglement(vae, data, test_codes, run_dir, train_cfg, cfg))

    log.info("eval: samples, judged by the reference classifier")
    full = load_dataset(replace(train_cfg.dataset, train_size=None, validation_size=0), seed=0)
    judge = reference_classifier(full, Path(cfg.classifier_cache) if cfg.classifier_cache else None)
    samples = decode_codes(vae, prior_samples(vae, cfg.prior_samples, train_cfg.seed), cfg.batch_size)
    plane = latent_plane(test_codes)
    codes, _, _ = grid_codes(vae, plane, train_cfg.figures.grid_size, train_cfg.figures.grid_quantile, train_cfg.seed)
    grid = decode_codes(vae, codes, cfg.batch_size)
    test_features, _ = judge.predict(test_x)
    sample_features, sample_probabilities = judge.predict(samples)
    _, grid_probabilities = judge.predict(grid)
    results["classifier_test_accuracy"] = judge.test_accuracy
    results["frechet_distance"] = metrics.frechet_distance(sample_features, test_features)
    results["grid_confident_share"] = metrics.confident_share(grid_probabilities, cfg.confidence)
    results["sample_confident_share"] = metrics.confident_share(sample_probabilities, cfg.confidence)
    results["sample_class_entropy"] = metrics.class_entropy(sample_probabilities)
    results["sample_sharpness_ratio"] = metrics.sharpness(samples[:1000]) / metrics.sharpness(test_x[:1000])

    report = {
        "run": {
            "model": train_cfg.model.name,
            "likelihood": train_cfg.likelihood.name,
            "network": train_cfg.network.name,
            "dataset": train_cfg.dataset.name,
            "latent_dim": train_cfg.latent_dim,
            "seed": train_cfg.seed,
            "train_images": data.train_count,
            "test_images": len(data.test_images),
        },
        "settings": OmegaConf.to_container(OmegaConf.structured(cfg)),
        "metrics": results,
        "seconds": round(time.perf_counter() - started, 1),
    }
    atomic_write_text(run_dir / "metrics.json", json.dumps(report, indent=2) + "\n")
    track.log_evaluation(run_dir, results)  # TensorBoard's eval/<name> scalars; the tracker run, if any
    log.info("eval: " + " ".join(f"{k}={v:.4g}" for k, v in results.items() if isinstance(v, float)))
    return report
