"""The training progress bar (tqdm): smooth, and at the speed that fused steps buy.

Steps run `trainer.steps_per_call` at a time inside one compiled call (vaecli.train.steps), and the bar
can only move between calls. A fixed 50 steps moved it about 12 times an epoch on a CPU. Here the
number of steps per call follows the measured step time so that the bar moves about every
`UPDATE_SECONDS` (5 Hz), never more than `trainer.steps_per_call` at once: on a CPU at ~20 ms a
step, about 10 steps a call, whose ~1.4 ms call overhead costs under 1% (docs/performance.md);
on a GPU, where a step takes a millisecond, the full steps_per_call. Without a terminal (logs,
sweeps) or with trainer.quiet=true there is no bar and every call takes steps_per_call.

Each epoch's bar stays on screen when it is full: one line per epoch with its steps/s and the
running train losses; the epoch's summary line (training.py) follows it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from tqdm.auto import tqdm

UPDATE_SECONDS = 0.2
FIRST_CALL_STEPS = 2


class ProgressBar:
    """One bar per epoch; remembers the step time across epochs, so each epoch starts at the right pace."""

    def __init__(self, epochs: int, steps_per_epoch: int, steps_per_call: int, quiet: bool, stream=None):
        self.epochs, self.steps_per_epoch, self.max_chunk, self.quiet = epochs, steps_per_epoch, steps_per_call, quiet
        self.stream = stream  # None: stderr, drawn only if it is a terminal
        self.seconds_per_step: float | None = None
        self._bar, self._since = None, 0.0

    @contextmanager
    def epoch(self, epoch_number: int, done: int):
        """The bar of one epoch, starting at `done` steps (a resumed epoch)."""
        bar = tqdm(total=self.steps_per_epoch, initial=done, desc=f"epoch {epoch_number}/{self.epochs}",
                   leave=True, disable=True if self.quiet else None, unit="step", dynamic_ncols=True, file=self.stream)
        self._bar, self._since = bar, time.perf_counter()
        with bar:
            yield self
        self._bar = None

    def chunk(self, remaining: int) -> int:
        """How many steps the next compiled call takes."""
        if self._bar is None or self._bar.disable:
            return min(self.max_chunk, remaining)
        if self.seconds_per_step is None:  # the first call traces the step: a short one starts the bar soon
            return min(FIRST_CALL_STEPS, self.max_chunk, remaining)
        return chunk_size(self.seconds_per_step, self.max_chunk, remaining)

    def update(self, steps: int, losses: dict[str, float]) -> None:
        """`steps` more steps done, with the running train losses shown beside the bar."""
        now = time.perf_counter()
        self.seconds_per_step, self._since = (now - self._since) / steps, now
        if self._bar is not None and not self._bar.disable:
            self._bar.set_postfix({k: f"{v:.4g}" for k, v in losses.items()}, refresh=False)
            self._bar.update(steps)


def chunk_size(seconds_per_step: float, most: int, remaining: int) -> int:
    """Steps that take about UPDATE_SECONDS, at least 1, at most `most` and what is left of the epoch."""
    return max(1, min(most, remaining, round(UPDATE_SECONDS / max(seconds_per_step, 1e-9))))


def time_left(seconds_per_epoch: float, epochs_left: int) -> str:
    """`vae train`'s estimate after its first epoch: epochs left x that epoch's time, rounded as a person says it."""
    left = seconds_per_epoch * epochs_left
    if left < 60:
        when = "under a minute"
    elif left < 90 * 60:
        when = f"about {round(left / 60)} min"
    else:
        when = f"about {int(left // 3600)} h {round(left % 3600 / 60)} min"
    return f"{when} of training left ({epochs_left} more epoch{'s' * (epochs_left != 1)} at {seconds_per_epoch:.0f} s each)"
