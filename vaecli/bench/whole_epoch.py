"""Whole epochs in `vae bench`: vaecli's own `vae train` epoch, in parts, beside the tutorial's whole epoch.

`vaecli/<model> whole epoch` is a real `vaecli.train.loop.Trainer` in a scratch run folder, on the bench's
images: each timed epoch is `train_epoch` + `end_epoch` (test pass, metrics, checkpoint, the animations' codes,
figures at trainer.plot_every, rendered beside the next epoch), exactly as `vae train` runs it, and its parts
(vaecli/train/epoch_parts.py) are kept, so the bench prints where a default run's epoch goes. `tutorial/elbo
whole epoch` is the CVAE tutorial's epoch (vaecli.bench.tutorial): training, the test ELBO, one 4x4 figure.
Both evaluate the whole test split every epoch.
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics
import tempfile
from pathlib import Path

import numpy as np

from vaecli.bench.candidates import Candidate, default_config, training_flops_per_image
from vaecli.bench.tutorial import TutorialLoop
from vaecli.run.names import TIMING_PARTS


@dataclasses.dataclass
class WholeEpochCandidate(Candidate):
    """A Candidate whose epochs also record their parts (seconds per part, one dict per timed epoch)."""

    parts: list[dict] = dataclasses.field(default_factory=list)

    def result(self, gflops_peak: float) -> dict:
        result = super().result(gflops_peak)
        timed = self.parts[-len(self.seconds):]  # not the warm-up's
        if timed:
            result["median_part_seconds"] = {p: round(statistics.median(e[p] for e in timed), 3) for p in timed[0]}
        return result


def vaecli_whole_epoch(model: str, cfg, scratch: Path) -> WholeEpochCandidate:
    """`vae train`'s epochs of `model` with the bench's trainer settings, on cfg.images training images."""
    from vaecli.train.epoch_parts import EpochParts
    from vaecli.train.loop import Trainer
    from vaecli.train.stop_signals import StopSignals

    trainer_cfg = dataclasses.replace(cfg.trainer, quiet=True, eval_at_end=False, epochs=10**6)  # no "last epoch" drawing
    config = dataclasses.replace(default_config(model, trainer_cfg, cfg.latent_dim, cfg.seed),
                                 dataset=dataclasses.replace(cfg.dataset, train_size=cfg.images, validation_size=0))
    (scratch / model).mkdir(parents=True)
    trainer = Trainer(config, scratch / model, StopSignals())
    candidate = WholeEpochCandidate(f"vaecli/{model} whole epoch", training_flops_per_image(trainer.vae),
                                    trainer.steps_per_epoch * trainer_cfg.batch_size, lambda epoch, synthetic: 0.0,
                                    measures_input=False)  # run_epoch: set below, once it can see the candidate
    epochs = itertools.count(1)  # the run's own epoch numbers: figures at trainer.plot_every, as in `vae train`

    def run_epoch(epoch: int, synthetic: bool) -> float:
        parts, number = EpochParts(), next(epochs)
        with parts.timed("train"):
            trainer.train_epoch(number)
        trainer.end_epoch(number, parts)
        candidate.parts.append({p: parts.seconds[p] for p in TIMING_PARTS} | {"total": parts.elapsed()})
        return parts.elapsed()

    candidate.run_epoch = run_epoch
    candidate.close = trainer.drawing.close  # a drawing still running writes into the scratch folder
    return candidate


def tutorial_whole_epoch(images: np.ndarray, test_images: np.ndarray, batch_size: int, latent_dim: int,
                         figure_dir: Path) -> Candidate:
    loop = TutorialLoop(images, batch_size, latent_dim, test_images, figure_dir)
    return Candidate("tutorial/elbo whole epoch", training_flops_per_image(loop.vae), loop.n_steps * batch_size, loop.whole_epoch,
                     measures_input=False)


def whole_epoch_candidates(cfg, images: np.ndarray, test_images: np.ndarray, scratch: Path) -> list[Candidate]:
    """vaecli's whole epochs for cfg.whole_epoch_models, then the tutorial's."""
    candidates = [vaecli_whole_epoch(model, cfg, scratch) for model in cfg.whole_epoch_models]
    figures = scratch / "tutorial_figures"
    figures.mkdir(parents=True, exist_ok=True)
    return candidates + [tutorial_whole_epoch(images, test_images, cfg.trainer.batch_size, cfg.latent_dim, figures)]


def scratch_folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="vae-bench-")


def parts_table(results: dict) -> str:
    """The median seconds of each part of vaecli's whole epochs."""
    rows = [(name, r["median_part_seconds"]) for name, r in results.items() if "median_part_seconds" in r]
    if not rows:
        return ""
    head = f"{'epoch in parts (median s)':<32}" + "".join(f"{p:>11}" for p in rows[0][1])
    return "\n".join([head, *(f"{name:<32}" + "".join(f"{s:>11.2f}" for s in parts.values()) for name, parts in rows)])
