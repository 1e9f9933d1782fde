"""tracker=none: no tracker; the run folder and TensorBoard are the record."""

from vaecli.track.base import Tracker


class NoTracker(Tracker):
    name = "none"
