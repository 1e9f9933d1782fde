"""Ctrl-C and SIGTERM during training: finish the current steps, save a checkpoint, then stop.

Before the data is loaded there is nothing to save, and a signal stops at once (KeyboardInterrupt:
`vae` then says how to continue, vaecli/cli.py). From `defer()` on it waits for the next checkpoint.
"""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger("vaecli.train.loop")  # its messages are the training loop's


class StopSignals:
    """Ctrl-C and SIGTERM ask training to stop at the next chunk boundary, after a checkpoint.

    A second Ctrl-C stops at once (the last checkpoint still holds).
    """

    def __init__(self):
        self.received: str | None = None
        self.deferring = False  # until defer(): stop at once
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def defer(self) -> None:
        """From now on a signal waits for the next checkpoint (the loop asks `received` after each chunk)."""
        self.deferring = True

    def _handle(self, signum, frame):
        if not self.deferring or (self.received and signum == signal.SIGINT):
            raise KeyboardInterrupt
        self.received = signal.Signals(signum).name
        log.warning(f"{self.received}: stopping after the current steps, with a checkpoint (Ctrl-C again to stop now)")
