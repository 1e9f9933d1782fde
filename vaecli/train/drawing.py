"""Drawing beside training: a plot epoch's figures and GIFs are rendered on a thread of their own.

The model's share of a drawing (encoding the test codes, decoding grids and samples) runs on the training
thread, where the model lives (vaecli.visual.run_figures.draw, run_animations.Animator.prepare); matplotlib's
rendering, PNG and GIF encoding and the files then run on one drawing thread while the next epoch trains, so a
plot epoch costs the training thread only the model's share. One drawing at a time: the next plot epoch, the end
of the run and an interruption wait for the one before, and its error, if any, is raised there.

`trainer.draw_in_background=false` draws on the training thread, as before (timings that want the whole
cost in the figure epoch's row; debugging).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)


class Drawing:
    """Runs drawing jobs one at a time, on a worker thread (`background`) or at once on the caller's."""

    def __init__(self, background: bool = True):
        self.background = background
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future | None = None

    def submit(self, job: Callable[[], object]) -> None:
        """Run `job` after the drawing before it (whose error is raised here)."""
        self.wait()
        if not self.background:
            job()
            return
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vae-draw")
        self.pending = self.pool.submit(job)

    def wait(self) -> None:
        """Until the pending drawing is done; raises its error."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self.pool is not None:
                self.pool.shutdown()
                self.pool = None

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is None:
            self.close()
            return
        try:  # the run is already failing or pausing: finish the drawing, but let the run's own error be the one raised
            self.close()
        except Exception as drawing_error:  # noqa: BLE001 (logged; the original error goes on)
            log.warning(f"the figures of the last plot epoch were not all written: {drawing_error}")
