"""An epoch in parts: timing.csv's columns and the log line's split (vaecli/train/epoch_parts.py)."""

import json
import logging

import pytest

from vaecli.run import names
from vaecli.run.history import read_metrics
from vaecli.run.names import TIMING_PARTS
from vaecli.train.epoch_parts import EpochParts
from vaecli.train.loop import train


def test_parts_add_up_and_name_themselves():
    parts = EpochParts()
    parts.seconds.update(train=2.0, test=0.5, checkpoint=0.01)
    row = parts.row(3, 2.6)
    assert row == {"epoch": 3, "seconds": 2.0, "test_seconds": 0.5, "figures_seconds": 0.0, "frames_seconds": 0.0,
                   "checkpoint_seconds": 0.01, "tracking_seconds": 0.0, "total_seconds": 2.6}
    assert parts.brief() == "train 2.0 test 0.5"  # under 0.05 s is left out of the log line
    with parts.timed("figures"):
        pass
    assert 0 <= parts.seconds["figures"] < 0.05


@pytest.mark.slow
def test_timing_csv_splits_every_epoch(quick, tmp_path, caplog):
    cfg = quick("model=elbo", "trainer.epochs=3", "trainer.plot_every=2", "figures.animations=true")
    with caplog.at_level(logging.INFO, logger="vaecli.train.loop"):
        train(cfg, tmp_path)
    rows = read_metrics(tmp_path / names.TIMING_CSV)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    columns = ["epoch", "seconds", *(f"{p}_seconds" for p in TIMING_PARTS if p != "train"), "total_seconds"]
    assert list(rows[0]) == columns
    for row in rows:
        parts = sum(row[c] for c in columns[1:-1])
        assert row["test_seconds"] > 0 and row["checkpoint_seconds"] > 0 and row["frames_seconds"] > 0
        # The parts are the epoch, less bookkeeping; each is rounded to a millisecond, so their sum may pass the
        # rounded total by half a millisecond per part.
        rounding = 0.0005 * (len(columns) - 2)
        assert parts - rounding <= row["total_seconds"] <= parts + 0.25
    # Figures are drawn at the plot interval and the last epoch only, and counted there.
    assert [row["figures_seconds"] > 0 for row in rows] == [False, True, True]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("epoch ")]
    assert len(lines) == 3 and "(train " in lines[0] and " test " in lines[0] and "figures" in lines[1]
    assert json.loads((tmp_path / names.RUN_INFO).read_text())["precision"] == "float32"
