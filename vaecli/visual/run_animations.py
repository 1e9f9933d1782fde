"""The run's animations and its latent points: from a model and the test split to files.

    animations/latent_evolution.gif  the codes of a fixed test subset at every epoch, on fixed axes
    animations/interpolation.gif     decoded points on the line between the codes of pairs of test images
    animations/traversal.gif         each code dimension swept over the prior's quantiles, around a few test codes
    animations/latent_history.npz    the subset's codes at every epoch (so a resumed run keeps its history)
    latent_points.npz                the subset's 2-D codes, labels, images and reconstructions (the report's
                                     interactive latent space): codes (N, 2) float32, labels (N,) int64,
                                     images and reconstructions (N, H, W, C) uint8, class_names (K,) str

`Animator.record` runs after every epoch (encoding LATENT_POINTS_N images); `Animator.write` at the plot
interval and at the end, beside the figures. For latent_dim > 2 the codes are shown on the same plane as
the figures (vaecli.visual.run_figures.latent_plane: the test codes' first two principal directions).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vaecli.models.networks import decode_codes, encode_images
from vaecli.run.files import atomic_write_bytes
from vaecli.run.folder import RunFolder
from vaecli.visual import frames
from vaecli.visual import run_figures as figures

log = logging.getLogger(__name__)

LATENT_POINTS_N = 500  # test images followed every epoch: enough to see classes form, cheap to encode
INTERPOLATION_PAIRS, INTERPOLATION_STEPS = 6, 10
TRAVERSAL_ROWS, TRAVERSAL_DIMS, TRAVERSAL_STEPS = 3, 10, 10  # test codes x most used dimensions x steps
SECONDS_PER_FRAME = 0.12
SECONDS_PER_EPOCH = 0.3  # latent_evolution.gif: 50 epochs in 15 s, the last one held longer


class Animator:
    """The fixed test subset of one run, its codes so far, and the files drawn from them."""

    def __init__(self, run_dir: Path, data, cfg, vae, finished_epochs: int):
        self.run, self.cfg = RunFolder(run_dir), cfg
        self.enabled = cfg.figures.animations
        self.images, self.labels, self.class_names = data.test_images, data.test_labels, tuple(data.class_names)
        self.subset = np.random.default_rng(cfg.seed).permutation(len(self.images))[:LATENT_POINTS_N]
        self.epochs, self.codes = load_history(self.run.latent_history, self.subset, finished_epochs)
        if not self.epochs and finished_epochs == 0:
            self.record(vae, 0)  # the untrained model: where the codes start from

    def record(self, vae, epoch: int) -> None:
        """The subset's codes after `epoch` (an epoch done again after a resume replaces its codes)."""
        if not self.enabled:
            return
        keep = [i for i, e in enumerate(self.epochs) if e < epoch]
        self.epochs = [self.epochs[i] for i in keep] + [epoch]
        self.codes = [self.codes[i] for i in keep] + [encode_images(vae, self.images[self.subset])]
        self.run.animations.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.run.latent_history, npz_bytes(epochs=np.array(self.epochs), subset=self.subset,
                                                             codes=np.stack(self.codes).astype(np.float32)))

    def write(self, vae, title: str) -> dict[str, int]:
        """latent_points.npz and the three GIFs, from the model as it is now; returns each file's bytes."""
        return self.prepare(vae, title)()

    def prepare(self, vae, title: str) -> Callable[[], dict[str, int]]:
        """`write` in two halves: the model's share (codes, decoded frames) now, on the calling thread; the function
        returned renders the frames and writes the files, and can run on another (vaecli/train/drawing.py)."""
        if not self.enabled:
            return dict
        cfg, images, labels, run = self.cfg, self.images[self.subset], self.labels[self.subset], self.run
        plane = figures.latent_plane(self._figure_codes(vae))
        codes, logvars = figures.posterior_moments(vae, images)
        reconstructions = np.round(np.clip(decode_codes(vae, codes), 0, 1) * 255).astype(np.uint8)
        between = interpolation(vae, images, codes)
        order = figures.dimension_usage(vae, codes, logvars)[0][:TRAVERSAL_DIMS]
        swept = traversal(vae, codes[:TRAVERSAL_ROWS], order, cfg.figures.grid_quantile, cfg.seed)
        epochs, history = list(self.epochs), list(self.codes)  # record() replaces its lists; these stay as they are now

        def render() -> dict[str, int]:
            written = {run.latent_points: npz_bytes(
                codes=plane.project(codes).astype(np.float32), labels=labels.astype(np.int64), images=images,
                reconstructions=reconstructions, class_names=np.array(self.class_names, str),
                axis_names=np.array(plane.names, str),  # the figures' axis names, so that the report's chart agrees
            )}
            if history:  # none only if a resumed run lost its history and trained no epoch since
                points = np.stack([plane.project(c) for c in history])
                heading = f"{title}\ncodes of {len(self.subset)} test images: {plane.description}"
                latent = frames.latent_frames(points, labels, self.class_names, epochs, frames.fixed_limits(points), plane.names,
                                              heading)
                written[run.animation("latent_evolution.gif")] = frames.gif_bytes(
                    latent, [SECONDS_PER_EPOCH] * (len(latent) - 1) + [2.0])
            written[run.animation("interpolation.gif")] = frames.gif_bytes(frames.interpolation_frames(*between), SECONDS_PER_FRAME)
            written[run.animation("traversal.gif")] = frames.gif_bytes(frames.traversal_frames(swept), SECONDS_PER_FRAME)
            run.animations.mkdir(parents=True, exist_ok=True)
            for path, data in written.items():
                atomic_write_bytes(path, data)
            return {str(path.relative_to(run.path)): len(data) for path, data in written.items()}

        return render

    def _figure_codes(self, vae) -> np.ndarray:
        """The codes that the figures' plane is fitted on (figures.draw): for 2-D codes the plane is fixed."""
        if vae.latent_dim <= 2:
            return np.zeros((1, vae.latent_dim))
        shown = np.random.default_rng(self.cfg.seed).permutation(len(self.images))[: self.cfg.figures.scatter_points]
        return figures.posterior_moments(vae, self.images[shown])[0]


def interpolation(vae, images: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first INTERPOLATION_PAIRS pairs of the subset (images 0-1, 2-3, ...): (first images, the images decoded
    on the line between their codes, second images), as frames.interpolation_frames takes them."""
    pairs = min(INTERPOLATION_PAIRS, len(codes) // 2)
    a, b = codes[0 : 2 * pairs : 2], codes[1 : 2 * pairs : 2]
    t = np.linspace(0.0, 1.0, INTERPOLATION_STEPS, dtype=np.float32)[None, :, None]
    line = (a[:, None] * (1 - t) + b[:, None] * t).reshape(-1, codes.shape[1])
    decoded = decode_codes(vae, line).reshape(pairs, INTERPOLATION_STEPS, *images.shape[1:])
    return images[0 : 2 * pairs : 2] / 255.0, decoded, images[1 : 2 * pairs : 2] / 255.0


def traversal(vae, bases: np.ndarray, dims, quantile: float, seed: int) -> np.ndarray:
    """Images decoded sweeping each of `dims` (columns) around each of `bases` (rows) over the prior's quantiles,
    (rows, dims, steps, H, W, C), as frames.traversal_frames takes them."""
    decoded = []
    for base in bases:
        _, swept = figures.traversal_codes(vae, base, dims, TRAVERSAL_STEPS, quantile, seed)
        images = decode_codes(vae, swept)
        decoded.append(images.reshape(len(dims), TRAVERSAL_STEPS, *images.shape[1:]))
    return np.stack(decoded)


def load_history(path: Path, subset: np.ndarray, finished_epochs: int) -> tuple[list[int], list[np.ndarray]]:
    """The recorded epochs up to `finished_epochs` and their codes; nothing if the file is missing,
    unreadable or recorded another subset (other data or seed)."""
    try:
        with np.load(path) as saved:
            if not np.array_equal(saved["subset"], subset):
                return [], []
            keep = saved["epochs"] <= finished_epochs
            return [int(e) for e in saved["epochs"][keep]], list(saved["codes"][keep])
    except (OSError, KeyError, ValueError):
        return [], []


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()
