"""An epoch in parts: where its wall time went, for timing.csv, the log line and `vae bench`.

    train       the compiled training steps (and the input pipeline feeding them)
    test        the held-out losses: the test split, and the validation split where there is one
    figures     the figures (figures/*.png, TensorBoard images), at the plot interval and the last epoch
    frames      the animations' per-epoch codes, and the GIFs and latent_points.npz where figures are drawn
    checkpoint  the checkpoint written after every epoch
    tracking    metrics.csv, timing.csv, TensorBoard scalars and the experiment tracker

timing.csv's `seconds` stays what it always was, the training steps; `total_seconds` is the whole epoch, and
the parts sum to it less a few milliseconds of bookkeeping.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from vaecli.run.names import TIMING_PARTS


class EpochParts:
    """Seconds per part of one epoch, added up by `with parts.timed("test"): ...`."""

    def __init__(self):
        self.seconds = dict.fromkeys(TIMING_PARTS, 0.0)
        self.started = time.perf_counter()

    @contextmanager
    def timed(self, part: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[part] += time.perf_counter() - start

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def row(self, epoch: int, total: float) -> dict:
        """The row of the run's timing file: the training steps (`seconds`), each other part, and the whole epoch, in seconds."""
        parts = {f"{part}_seconds": round(s, 3) for part, s in self.seconds.items() if part != "train"}
        return {"epoch": epoch, "seconds": round(self.seconds["train"], 3), **parts, "total_seconds": round(total, 3)}

    def brief(self) -> str:
        """The log line's split, e.g. 'train 28.1 test 1.2 figures 3.4': parts that took under 0.05 s are left out."""
        return " ".join(f"{part} {s:.1f}" for part, s in self.seconds.items() if s >= 0.05)
