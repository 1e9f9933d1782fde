"""`vae embed`'s work: a 2-D map of a dataset's images by a non-parametric method, as a run folder of its own kind.

    <run>/
      config.yaml    the resolved EmbedConfig (vaecli/embed/config.py)
      run.json       provenance, with kind: "embedding", the method's library version, how test points were placed
      codes.npz      train_codes, train_labels, train_index (rows of the training split used), test_codes,
                     test_labels, class_names
      figures/       latent_epoch000.png: the test codes by class (a map has no epochs: epoch 0)
      metrics.json   the latent metrics of `vae eval` (vaecli/embed/scores.py), in its layout

The images and their split are `vae train`'s for the same dataset options and seed (vaecli.data.load_dataset).
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

import vaecli
from vaecli.data import load_dataset
from vaecli.embed import KIND
from vaecli.embed.config import EmbedConfig, load_embed_config
from vaecli.embed.methods import get
from vaecli.embed.pixels import as_rows
from vaecli.embed.scores import latent_scores
from vaecli.errors import DataError
from vaecli.run import names
from vaecli.run.files import atomic_write_bytes, atomic_write_text
from vaecli.run.provenance import data_fingerprint, git_state

log = logging.getLogger(__name__)

AXIS_NAMES = {"pca": "PC", "tsne": "t-SNE", "umap": "UMAP"}  # figure axes; other methods use their name


def embed_run(cfg: EmbedConfig, run_dir: Path, threads: int | None = None) -> dict:
    """Fit the map, write the run folder, return metrics.json's content."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    method = get(cfg.method.name)
    data = load_dataset(cfg.dataset, seed=cfg.seed)
    train_index = np.arange(len(data.train_images))  # a streamed dataset's: its held sample (dataset.sample_size)
    if cfg.train_points is not None and cfg.train_points < len(train_index):
        train_index = np.sort(np.random.default_rng(cfg.seed).choice(len(train_index), cfg.train_points, replace=False))
    atomic_write_text(run_dir / names.CONFIG, OmegaConf.to_yaml(OmegaConf.structured(cfg)))
    train_labels, test_labels = data.train_labels[train_index], data.test_labels
    log.info(f"embed: {cfg.method.name} of {len(train_index)} training and {len(test_labels)} test images of {data.name}")

    started = time.perf_counter()
    train_codes, test_codes, extra = method.fit(cfg.method, as_rows(data.train_images[train_index]),
                                                as_rows(data.test_images), cfg.seed, threads)
    seconds = time.perf_counter() - started
    train_codes, test_codes = np.asarray(train_codes, np.float32), np.asarray(test_codes, np.float32)
    test_points = _test_points(method, cfg.method)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, train_codes=train_codes, train_labels=train_labels, train_index=train_index,
                        test_codes=test_codes, test_labels=test_labels, class_names=np.array(data.class_names))
    atomic_write_bytes(run_dir / names.CODES, buffer.getvalue())
    atomic_write_text(run_dir / names.RUN_INFO, json.dumps({
        "kind": KIND,
        "method": cfg.method.name,
        "test_points": test_points,
        "vaecli": vaecli.__version__,
        "git": git_state(),
        "data_fingerprint": data_fingerprint(data),
        "data_source": data.source,
        "image_shape": list(data.image_shape),
        "class_names": list(data.class_names),
        "train_images": len(train_index),
        "test_images": len(test_labels),
        "fit_seconds": round(seconds, 1),
        "threads": threads,
        "versions": {lib: metadata.version(lib) for lib in dict.fromkeys([method.LIBRARY, "scikit-learn", "numpy"])},
        "command": " ".join(["vae", "embed", *sys.argv[1:]]),
    }, indent=2) + "\n")
    _draw(run_dir, cfg, test_codes, test_labels, list(data.class_names), data.name)
    log.info(f"embed: fitted in {seconds:.1f} s; scoring the test codes against the training codes")
    return _write_metrics(run_dir, cfg, {**extra, "fit_seconds": round(seconds, 1)})


def evaluate_embedding(run_dir: Path, knn_neighbours=None, probe_max_iter: int | None = None) -> dict:
    """metrics.json of an embedding run again, from its codes.npz (what `vae eval run=<embedding run>` does);
    the settings default to the run's own."""
    run_dir = Path(run_dir)
    cfg = load_embed_config(run_dir / names.CONFIG)
    if knn_neighbours is not None:
        cfg.knn_neighbours = list(knn_neighbours)
    if probe_max_iter is not None:
        cfg.probe_max_iter = probe_max_iter
    previous = _read_json(run_dir / names.METRICS_JSON).get("metrics", {})
    kept = {k: v for k, v in previous.items() if not k.startswith(("knn", "probe", "silhouette"))}
    return _write_metrics(run_dir, cfg, kept)


def _write_metrics(run_dir: Path, cfg: EmbedConfig, extra: dict) -> dict:
    codes_path = run_dir / names.CODES
    if not codes_path.is_file():
        raise DataError(f"{run_dir} has no {names.CODES}; it is not a finished embedding run: run vae embed again")
    started = time.perf_counter()
    with np.load(codes_path, allow_pickle=False) as codes:
        found = latent_scores(codes["train_codes"], codes["train_labels"], codes["test_codes"], codes["test_labels"],
                              cfg.knn_neighbours, cfg.probe_max_iter, cfg.seed)
        train_images, test_images = len(codes["train_codes"]), len(codes["test_codes"])
    info = _read_json(run_dir / names.RUN_INFO)
    report = {
        "run": {"kind": KIND, "model": cfg.method.name, "method": cfg.method.name, "dataset": cfg.dataset.name,
                "latent_dim": 2, "seed": cfg.seed, "train_images": train_images, "test_images": test_images,
                "test_points": info.get("test_points")},
        "settings": {"method": asdict(cfg.method), "knn_neighbours": list(cfg.knn_neighbours),
                     "probe_max_iter": cfg.probe_max_iter},
        "metrics": {**found, **extra},
        "seconds": round(time.perf_counter() - started, 1),
    }
    atomic_write_text(run_dir / names.METRICS_JSON, json.dumps(report, indent=2) + "\n")
    log.info("embed: " + " ".join(f"{k}={v:.4g}" for k, v in {**found, **extra}.items()))
    return report


def _test_points(method, method_cfg) -> str:
    """How the method placed the test images (TEST_POINTS: one line, or one per option of `test_points`)."""
    text = method.TEST_POINTS
    return text[method_cfg.test_points] if isinstance(text, dict) else text


def _draw(run_dir: Path, cfg: EmbedConfig, codes: np.ndarray, labels: np.ndarray, class_names: list[str], dataset: str):
    from vaecli.visual import plots

    shown = np.random.default_rng(cfg.seed).permutation(len(codes))[: cfg.scatter_points]
    axis = AXIS_NAMES.get(cfg.method.name, cfg.method.name)
    title = f"{axis} of {dataset}: {len(shown)} test images by class (+: their mean)"
    fig = plots.latent_scatter(codes[shown], labels[shown], class_names, title, (f"{axis} 1", f"{axis} 2"),
                               centre=tuple(codes.mean(axis=0)))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plots.plt.close(fig)
    (run_dir / names.FIGURES).mkdir(exist_ok=True)
    atomic_write_bytes(run_dir / names.FIGURES / names.figure_name("latent", 0), buffer.getvalue())


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
