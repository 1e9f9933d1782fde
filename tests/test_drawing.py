"""Drawing beside training (vaecli/train/drawing.py): one drawing at a time, off the training thread, errors kept."""

import errno
import logging
import threading

import pytest

from vaecli.errors import VaeError
from vaecli.run import names
from vaecli.train.drawing import Drawing
from vaecli.train.loop import train
from vaecli.visual import plots, run_figures


def test_drawings_run_one_at_a_time_in_order_off_the_calling_thread():
    done, threads, first_may_end = [], [], threading.Event()
    threading.Timer(0.2, first_may_end.set).start()

    def job(n, wait=False):
        if wait:
            first_may_end.wait(10)
        threads.append(threading.current_thread())
        done.append(n)

    with Drawing() as drawing:
        drawing.submit(lambda: job(1, wait=True))
        assert done == []  # submitted, not waited for
        drawing.submit(lambda: job(2))  # waits for the one before
        assert done[0] == 1
    assert done == [1, 2] and threading.current_thread() not in threads


def test_in_the_foreground_a_drawing_runs_at_once_on_the_calling_thread():
    threads = []
    with Drawing(background=False) as drawing:
        drawing.submit(lambda: threads.append(threading.current_thread()))
        assert threads == [threading.current_thread()]


def test_a_drawings_error_is_raised_where_the_training_thread_waits():
    drawing = Drawing()
    drawing.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        drawing.submit(lambda: None)
    drawing.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        drawing.close()


def test_a_failing_run_keeps_its_own_error_and_logs_the_drawings(caplog):
    with caplog.at_level(logging.WARNING), pytest.raises(RuntimeError, match="the run's own"), Drawing() as drawing:
        drawing.submit(lambda: 1 / 0)
        raise RuntimeError("the run's own")
    assert "figures of the last plot epoch were not all written: division by zero" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("background", [True, False])
def test_training_renders_its_figures_on_the_drawing_thread(quick, tmp_path, monkeypatch, background):
    """Every plot epoch's PNG files are written (by the drawing thread, or the training thread when asked)."""
    threads = []
    save = run_figures.save

    def recorded_save(*args):
        threads.append(threading.current_thread().name)
        return save(*args)

    monkeypatch.setattr(run_figures, "save", recorded_save)
    train(quick("trainer.epochs=3", "trainer.plot_every=1", "figures.animations=true",
                f"trainer.draw_in_background={str(background).lower()}"), tmp_path)
    assert len(threads) == 3 and [name.startswith("vae-draw") for name in threads] == [background] * 3
    written = sorted(p.name for p in (tmp_path / names.FIGURES).glob("*.png"))
    assert written == sorted(names.figure_name(kind, e) for kind in ("grid", "latent", "reconstructions", "samples", "traversal")
                             for e in (1, 2, 3))
    assert (tmp_path / names.ANIMATIONS / "latent_evolution.gif").stat().st_size > 0


@pytest.mark.slow
def test_a_disk_error_while_drawing_stops_the_run_naming_the_file(quick, tmp_path, monkeypatch):
    """A figure that cannot be written (here: the disk is full at the first plot epoch's latent scatter) fails the run
    with the one-line disk error, though it happened on the drawing thread; the epoch's checkpoint stays."""
    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / names.FIGURES / "latent_epoch001.png"))

    monkeypatch.setattr(plots, "latent_scatter", full_disk)
    with pytest.raises(VaeError, match="No space left on device; free space there, then continue with: vae train resume="):
        train(quick("trainer.epochs=3", "trainer.plot_every=1"), tmp_path)
    assert sorted(p.name for p in (tmp_path / names.CHECKPOINTS).glob("*.index"))  # resumable
