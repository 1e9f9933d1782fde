"""`vae embed`'s work: a 2-D map of a dataset's images by a non-parametric method, as a run folder of its own kind.

    <run>/
      config.yaml    the resolved EmbedConfig (vaecli/embed/config.py)
      run.json       provenance, with kind: embedding, the method's library version, how test points were placed
      status.json    running | finished | failed | interrupted, as a training run's (vaecli/run/status.py)
      codes.npz      train_codes, train_labels, train_index (rows of the training split used), test_codes,
                     test_labels, class_names
      figures/       latent_epoch000.png: the test codes by class (a map has no epochs: epoch 0)
      metrics.json   the latent metrics of `vae eval` (vaecli/embed/scores.py), in its layout

The images and their split are `vae train`'s for the same dataset options and seed (vaecli.data.load_dataset).
"""

from __future__ import annotations

import io
import logging
import math
import sys
import time
import zipfile
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import numpy as np

import vaecli
from vaecli.data import load_dataset
from vaecli.embed import KIND
from vaecli.embed.config import EmbedConfig, load_embed_config
from vaecli.embed.methods import get
from vaecli.embed.pixels import as_rows
from vaecli.embed.scores import check_neighbours, latent_scores
from vaecli.errors import DataError, Interrupted
from vaecli.run import names, status
from vaecli.run.files import atomic_write_bytes, run_lock
from vaecli.run.folder import RunFolder
from vaecli.run.provenance import data_fingerprint, git_state

log = logging.getLogger(__name__)

AXIS_NAMES = {"pca": "PC", "tsne": "t-SNE", "umap": "UMAP"}  # figure axes; other methods use their name


def embed_run(cfg: EmbedConfig, run_dir: Path, threads: int | None = None) -> dict:
    """Fit the map, write the run folder, return metrics.json's content.

    The run-folder contract of `vae train` (vaecli/run/): a folder that already holds a run of any kind is
    refused before anything is written; the folder's lock is held while the map is fitted (a second command on
    it refuses); every file is written atomically; status.json says running, finished or failed."""
    folder = RunFolder(run_dir)
    folder.check_new("vae embed")  # before the folder is touched (and again once it is locked)
    folder.path.mkdir(parents=True, exist_ok=True)
    with run_lock(folder.path, "vae embed"):
        folder.check_new("vae embed")  # another command may have written a run here before we held the lock
        log.info(f"run folder: {folder.path}")  # once the run is accepted: a refused command writes no log here
        status.mark(folder.path, "running")
        try:
            report = _fit_and_write(cfg, folder, threads)
        except BaseException as ex:
            state = "interrupted" if isinstance(ex, (KeyboardInterrupt, Interrupted)) else "failed"
            status.mark(folder.path, state, error=" ".join(str(ex).split())[:500])
            raise
        knn5 = report["metrics"].get("knn5_accuracy")
        status.mark(folder.path, "finished", value=knn5 if isinstance(knn5, float) and math.isfinite(knn5) else None)
    return report


def _fit_and_write(cfg: EmbedConfig, folder: RunFolder, threads: int | None) -> dict:
    method = get(cfg.method.name)
    data = load_dataset(cfg.dataset, seed=cfg.seed)
    train_index = np.arange(len(data.train_images))  # a streamed dataset's: its held sample (dataset.sample_size)
    if cfg.train_points is not None and cfg.train_points < len(train_index):
        train_index = np.sort(np.random.default_rng(cfg.seed).choice(len(train_index), cfg.train_points, replace=False))
    check_neighbours(cfg.knn_neighbours, len(train_index))  # before the fit, which may take minutes
    folder.write_config(cfg)
    train_labels, test_labels = data.train_labels[train_index], data.test_labels
    info = {
        "kind": KIND,  # written before the fit: a folder killed mid-fit is still known as an embedding run
        "method": cfg.method.name,
        "test_points": _test_points(method, cfg.method),
        "vaecli": vaecli.__version__,
        "git": git_state(),
        "data_fingerprint": data_fingerprint(data),
        "data_source": data.source,
        "image_shape": list(data.image_shape),
        "class_names": list(data.class_names),
        "train_images": len(train_index),
        "test_images": len(test_labels),
        "threads": threads,
        "versions": {lib: metadata.version(lib) for lib in dict.fromkeys([method.LIBRARY, "scikit-learn", "numpy"])},
        "command": " ".join(["vae", "embed", *sys.argv[1:]]),
    }
    folder.write_run_info(info)
    log.info(f"embed: {cfg.method.name} of {len(train_index)} training and {len(test_labels)} test images of {data.name}")

    started = time.perf_counter()
    try:
        train_codes, test_codes, extra = method.fit(cfg.method, as_rows(data.train_images[train_index]),
                                                    as_rows(data.test_images), cfg.seed, threads)
    except ValueError as ex:  # the library's check of its options against the data (too few images for them)
        raise DataError(f"method={cfg.method.name} cannot map {len(train_index)} training images with these options "
                        f"({' '.join(str(ex).split())[:200]}); use more images (train_points) or other method options") from None
    seconds = time.perf_counter() - started
    train_codes, test_codes = np.asarray(train_codes, np.float32), np.asarray(test_codes, np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, train_codes=train_codes, train_labels=train_labels, train_index=train_index,
                        test_codes=test_codes, test_labels=test_labels, class_names=np.array(data.class_names))
    atomic_write_bytes(folder.codes, buffer.getvalue())
    folder.write_run_info({**info, "fit_seconds": round(seconds, 1)})
    _draw(folder, cfg, test_codes, test_labels, list(data.class_names), data.name)
    log.info(f"embed: fitted in {seconds:.1f} s; scoring the test codes against the training codes")
    return _write_metrics(folder, cfg, {**extra, "fit_seconds": round(seconds, 1)})


def evaluate_embedding(run_dir: Path, knn_neighbours=None, probe_max_iter: int | None = None) -> dict:
    """metrics.json of an embedding run again, from its codes.npz (what `vae eval run=<embedding run>` does);
    the settings default to the run's own."""
    folder = RunFolder(run_dir)
    cfg = load_embed_config(folder.config)
    if knn_neighbours is not None:
        cfg.knn_neighbours = list(knn_neighbours)
    if probe_max_iter is not None:
        cfg.probe_max_iter = probe_max_iter
    with run_lock(folder.path, "vae eval"):  # not while a `vae embed` still writes it
        kept = {k: v for k, v in folder.read_metrics().items() if not k.startswith(("knn", "probe", "silhouette"))}
        return _write_metrics(folder, cfg, kept)


def _write_metrics(folder: RunFolder, cfg: EmbedConfig, extra: dict) -> dict:
    if not folder.codes.is_file():
        raise DataError(f"{folder.path} has no {folder.codes.name}; it is not a finished embedding run: run vae embed again")
    started = time.perf_counter()
    try:
        with np.load(folder.codes, allow_pickle=False) as codes:
            arrays = {key: codes[key] for key in ("train_codes", "train_labels", "test_codes", "test_labels")}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as ex:  # truncated, or not vae embed's
        raise folder.damaged(folder.codes, ex) from None
    found = latent_scores(arrays["train_codes"], arrays["train_labels"], arrays["test_codes"], arrays["test_labels"],
                          cfg.knn_neighbours, cfg.probe_max_iter, cfg.seed)
    try:
        info = folder.read_run_info()
    except DataError:
        info = {}  # only its description of the test points is shown; the metrics do not depend on it
    report = {
        "run": {"kind": KIND, "model": cfg.method.name, "method": cfg.method.name, "dataset": cfg.dataset.name,
                "latent_dim": 2, "seed": cfg.seed, "train_images": len(arrays["train_codes"]),
                "test_images": len(arrays["test_codes"]), "test_points": info.get("test_points")},
        "settings": {"method": asdict(cfg.method), "knn_neighbours": list(cfg.knn_neighbours),
                     "probe_max_iter": cfg.probe_max_iter},
        "metrics": {**found, **extra},
        "seconds": round(time.perf_counter() - started, 1),
    }
    folder.write_evaluation(report)
    log.info("embed: " + " ".join(f"{k}={v:.4g}" for k, v in {**found, **extra}.items()))
    return report


def _test_points(method, method_cfg) -> str:
    """How the method placed the test images (TEST_POINTS: one line, or one per option of `test_points`)."""
    text = method.TEST_POINTS
    return text[method_cfg.test_points] if isinstance(text, dict) else text


def _draw(folder: RunFolder, cfg: EmbedConfig, codes: np.ndarray, labels: np.ndarray, class_names: list[str], dataset: str):
    from vaecli.visual import plots

    shown = np.random.default_rng(cfg.seed).permutation(len(codes))[: cfg.scatter_points]
    axis = AXIS_NAMES.get(cfg.method.name, cfg.method.name)
    title = f"{axis} of {dataset}: {len(shown)} test images by class (+: their mean)"
    fig = plots.latent_scatter(codes[shown], labels[shown], class_names, title, (f"{axis} 1", f"{axis} 2"),
                               centre=tuple(codes.mean(axis=0)))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    folder.figures.mkdir(exist_ok=True)
    atomic_write_bytes(folder.figures / names.figure_name("latent", 0), buffer.getvalue())

