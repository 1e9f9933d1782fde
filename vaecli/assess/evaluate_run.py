"""`vae eval`: every metric of a finished run on its test split, written to <run>/metrics.json."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import tensorflow as tf
from omegaconf import OmegaConf

from vaecli import track
from vaecli.config.schemas import EvalConfig, TrainConfig
from vaecli.data import load_dataset
from vaecli.errors import DataError, Interrupted, disk_fault
from vaecli.evaluate import metrics
from vaecli.evaluate.classifier import reference_classifier
from vaecli.models.networks import decode_codes, encode_images
from vaecli.run.files import run_lock
from vaecli.run.folder import RunFolder
from vaecli.visual.run_figures import draw_factors, grid_codes, latent_plane, prior_samples, save

log = logging.getLogger(__name__)

SHARPNESS_IMAGES = 1000  # samples and test images whose sharpness is compared: enough for a stable mean, seconds to filter


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
    folder = RunFolder(run_dir)
    epochs = [row["epoch"] for row in folder.read_history()]
    save({"factors": partial(draw_factors, test_codes, data.test_factors, data.factor_names, names, title)},
         folder.figures, int(max(epochs, default=0)))
    return {key: float(value) for key, value in found.items()}


def evaluate_run(run_dir: Path, cfg: EvalConfig, tracker=None) -> dict:
    """Every metric of a finished run, written to <run>/metrics.json; refused while another process trains it.
    An interrupt, or a full or read-only disk, leaves the run as it was and says how to evaluate it again."""
    again = f"evaluate it with: vae eval run={run_dir}"
    folder = RunFolder(run_dir)
    if not folder.path.is_dir():
        raise DataError(f"run={run_dir} is not a folder; pass a run folder under outputs/")
    train_cfg = folder.read_config()  # before the lock: a folder that is not a run gets no lock file
    try:
        with run_lock(folder.path, "vae eval"):
            return _evaluate(folder, train_cfg, folder.load_model(), cfg, tracker)
    except KeyboardInterrupt:
        raise Interrupted(f"evaluation interrupted; {run_dir} is kept as it was; {again}") from None
    except (OSError, tf.errors.OpError) as ex:
        if (fault := disk_fault(ex, run_dir, again)) is None:
            raise
        raise fault from ex


def _evaluate(folder: RunFolder, train_cfg: TrainConfig, vae, cfg: EvalConfig, tracker=None) -> dict:
    run_dir = folder.path
    data = load_dataset(train_cfg.dataset, seed=train_cfg.seed)
    started = time.perf_counter()
    rng = np.random.default_rng(train_cfg.seed)
    test_images, batch = data.test_images, cfg.batch_size  # uint8: scaled a batch at a time, never whole as floats
    results: dict = {}

    log.info("eval: reconstructions and likelihood bounds")
    test_codes = encode_images(vae, test_images, batch)
    train_codes = encode_images(vae, data.train_images, batch)
    results.update(metrics.mean_over_batches([
        (len(x), metrics.reconstruction_errors(x, decode_codes(vae, test_codes[start : start + len(x)], batch)))
        for start, x in metrics.batches(test_images, batch)
    ]))
    results["reconstruction"] = metrics.reconstruction_nll(vae, test_images, batch)  # the run's own likelihood
    if vae.stochastic:
        results["elbo"] = metrics.elbo(vae, test_images, batch, train_cfg.seed)
        subset = test_images[rng.permutation(len(test_images))[: cfg.iw_subset]]
        results.update(metrics.likelihood_bounds(vae, subset, cfg.iw_samples, batch, train_cfg.seed))

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
    whole = train_cfg.dataset.train_size is None and train_cfg.dataset.validation_size == 0
    full = data if whole else load_dataset(replace(train_cfg.dataset, train_size=None, validation_size=0), seed=0)
    judge = reference_classifier(full, Path(cfg.classifier_cache) if cfg.classifier_cache else None)
    sample_features, sample_probabilities, first_samples = _judged(vae, judge, prior_samples(vae, cfg.prior_samples, train_cfg.seed), batch)
    plane = latent_plane(test_codes)
    codes, _, _ = grid_codes(vae, plane, train_cfg.figures.grid_size, train_cfg.figures.grid_quantile, train_cfg.seed)
    _, grid_probabilities, _ = _judged(vae, judge, codes, batch)
    test_features = np.concatenate([judge.predict(x)[0] for _, x in metrics.batches(test_images, batch)])
    results["classifier_test_accuracy"] = judge.test_accuracy
    results["frechet_distance"] = metrics.frechet_distance(sample_features, test_features)
    results["grid_confident_share"] = metrics.confident_share(grid_probabilities, cfg.confidence)
    results["sample_confident_share"] = metrics.confident_share(sample_probabilities, cfg.confidence)
    results["sample_class_entropy"] = metrics.class_entropy(sample_probabilities)
    results["sample_sharpness_ratio"] = metrics.sharpness(first_samples) / metrics.sharpness(test_images[:SHARPNESS_IMAGES])

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
    folder.write_evaluation(report)
    track.log_evaluation(run_dir, results, tracker or getattr(cfg, "tracker", None))  # TensorBoard; the chosen tracker
    log.info("eval: " + " ".join(f"{k}={v:.4g}" for k, v in results.items() if isinstance(v, float)))
    return report


def _judged(vae, judge, codes: np.ndarray, batch_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reference classifier's features and class probabilities of the images decoded from `codes`, decoded a
    batch at a time, and the first SHARPNESS_IMAGES of those images."""
    features, probabilities, first = [], [], []
    for start in range(0, len(codes), batch_size):
        images = decode_codes(vae, codes[start : start + batch_size], batch_size)
        batch_features, batch_probabilities = judge.predict(images)
        features.append(batch_features)
        probabilities.append(batch_probabilities)
        if start < SHARPNESS_IMAGES:
            first.append(images[: SHARPNESS_IMAGES - start])
    return np.concatenate(features), np.concatenate(probabilities), np.concatenate(first)
