"""Synthetic run folders for the report's tests: the files training writes, made in a second, no training.

Each run holds a real composed config.yaml, a metrics.csv, a metrics.json, the latest figures, a
latent_points.npz (the files.LATENT_POINTS contract) and a GIF under animations/. make_map writes a real
`vae embed` run (PCA of the repository's 800 MNIST digits, a second).
"""

from __future__ import annotations

import csv
import functools
import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from vaecli.run.names import ANIMATIONS, CONFIG, FIGURES, LATENT_POINTS, METRICS_CSV, METRICS_JSON, MULTIRUN, figure_name

CLASSES = np.array([f"class {k}" for k in range(10)])
COLOURS = {"elbo": (70, 110, 200), "mmd": (210, 120, 40)}


@functools.cache
def config_yaml(model: str, seed: int, overrides: tuple[str, ...] = ()) -> str:
    """The config.yaml that `vae train model=<model> seed=<seed> dataset=mnist [overrides]` saves."""
    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from vaecli.config.store import register_schemas, to_object

    register_schemas()
    with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
        cfg = to_object(compose("train", overrides=[f"model={model}", f"seed={seed}", "dataset=mnist", "trainer.epochs=3", *overrides]))
    return OmegaConf.to_yaml(OmegaConf.structured(cfg))


def make_run(path: Path, model: str, seed: int, points: int = 500, metrics: dict | None = None,
             overrides: tuple[str, ...] = (), class_names=CLASSES, figures_from: Path | None = None) -> Path:
    """A run folder; `figures_from`: a real run whose figures/*.png and animations/*.gif are copied instead of drawn."""
    path.mkdir(parents=True)
    (path / CONFIG).write_text(config_yaml(model, seed, tuple(overrides)))
    rng = np.random.default_rng(seed + 10 * (model == "mmd"))
    parts = ["loss", "reconstruction", "kl", "elbo"] if model == "elbo" else ["loss", "reconstruction", "mmd"]
    scale = 100.0 if model == "elbo" else 0.05  # nats per image against a per-pixel MSE: units that must not share a scale
    rows = [{"epoch": epoch, "seconds": 1.0, **{f"{split}/{part}": scale * (1 / epoch + 0.01 * rng.random()) for split in ("train", "test")
                                                for part in parts}} for epoch in (1, 2, 3)]
    with open(path / METRICS_CSV, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    measured = {"knn1_accuracy": 0.5 + 0.1 * rng.random(), "knn5_accuracy": 0.6 + 0.1 * rng.random(),
                "probe_accuracy": 0.5 + 0.1 * rng.random(), "prior_mmd": 0.05 * rng.random(), "frechet_distance": 40 + rng.random(),
                "silhouette": 0.2, "active_units": 2, "code_mean_norm": 0.1, "reconstruction_mse": 0.05, "iw_log_px": -300.0,
                "grid_confident_share": 0.5, "sample_confident_share": 0.4, **({"elbo": -310 + rng.random()} if model == "elbo" else {})}
    (path / METRICS_JSON).write_text(json.dumps({"metrics": metrics if metrics is not None else measured}))
    (path / FIGURES).mkdir()
    if figures_from is not None:
        for figure in sorted((figures_from / FIGURES).glob("*.png")):
            shutil.copy(figure, path / FIGURES / figure.name)
    drawn = {"latent": (825, 660), "grid": (880, 880), "samples": (660, 704), "reconstructions": (1100, 264),
             "traversal": (1133, 253)}
    for kind, size in ({} if figures_from is not None else drawn).items():
        image = Image.new("RGB", size, "white")
        ImageDraw.Draw(image).rectangle([20, 20, size[0] - 20, size[1] - 20], outline=COLOURS[model], width=8)
        ImageDraw.Draw(image).text((40, 40), f"{model} seed {seed} {kind}", fill="black")
        image.save(path / FIGURES / figure_name(kind, 3))
    if points:
        np.savez(path / LATENT_POINTS, **latent_points(points, rng, np.asarray(class_names)))
    (path / ANIMATIONS).mkdir()
    if figures_from is not None:
        for animation in sorted((figures_from / ANIMATIONS).glob("*.gif")):
            shutil.copy(animation, path / ANIMATIONS / animation.name)
        return path
    frames = [Image.new("RGB", (160, 160), (40 * k, 80, 200 - 40 * k)) for k in range(4)]
    frames[0].save(path / ANIMATIONS / "latent_evolution.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return path


def latent_points(n: int, rng, class_names=CLASSES) -> dict:
    """n codes in ten clusters, with 28x28 blob images whose position tells the class (compressible, like digits)."""
    labels = rng.integers(0, 10, n)
    angles = labels * 2 * np.pi / 10
    codes = np.stack([np.cos(angles), np.sin(angles)], 1) * 2 + rng.normal(0, 0.3, (n, 2))
    yy, xx = np.mgrid[:28, :28]
    centres = np.stack([14 + 8 * np.sin(angles), 14 + 8 * np.cos(angles)], 1)
    blobs = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 18)
    images = (255 * blobs).astype(np.uint8)[..., None]
    return {"codes": codes.astype(np.float32), "labels": labels, "images": images,
            "reconstructions": (images * 0.8).astype(np.uint8), "class_names": class_names,
            "axis_names": np.array(["z[0]", "z[1]"])}


def make_sweep(root: Path, points: int = 500) -> Path:
    """`vae train -m model=elbo,mmd seed=0,1` as its folders look afterwards."""
    sweep = root / "sweep"
    sweep.mkdir(parents=True)
    (sweep / MULTIRUN).write_text("{}\n")
    for job, (model, seed) in enumerate([("elbo", 0), ("elbo", 1), ("mmd", 0), ("mmd", 1)]):
        make_run(sweep / f"{job}_model={model},seed={seed}", model, seed, points)
    return sweep


def make_map(path: Path, *overrides: str) -> Path:
    """A real `vae embed` run folder: `vae embed method=pca dataset=mnist [overrides]` on tests/data/mnist-800."""
    from conftest import MNIST_800
    from hydra import compose, initialize_config_module

    from vaecli.config.store import register_schemas, to_object
    from vaecli.embed.config import register_schemas as register_embed
    from vaecli.embed.run import embed_run

    register_schemas()
    register_embed()
    with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
        cfg = to_object(compose("embed", overrides=["method=pca", "dataset=mnist", f"dataset.path={MNIST_800}",
                                                    "scatter_points=200", *overrides]))
    embed_run(cfg, path, threads=1)
    return path
