"""The progress bar's pace: calls of about UPDATE_SECONDS while a bar is shown, full calls otherwise."""

import io

from vaecli.train.progress_bar import UPDATE_SECONDS, ProgressBar, chunk_size


def test_chunks_last_about_the_update_interval_within_bounds():
    assert chunk_size(0.020, 50, 600) == round(UPDATE_SECONDS / 0.020)  # a CPU: ~10 steps, 5 updates a second
    assert chunk_size(0.001, 50, 600) == 50  # a GPU: the full fused call
    assert chunk_size(5.0, 50, 600) == 1
    assert chunk_size(0.001, 50, 7) == 7  # never past the epoch's end


def test_without_a_bar_every_call_takes_steps_per_call(capsys):
    bar = ProgressBar(epochs=2, steps_per_epoch=120, steps_per_call=50, quiet=True)
    with bar.epoch(1, done=0) as epoch:
        chunks, done = [], 0
        while done < 120:
            chunks.append(epoch.chunk(120 - done))
            done += chunks[-1]
            epoch.update(chunks[-1], {"loss": 1.0})
    assert chunks == [50, 50, 20]
    assert capsys.readouterr().err == ""


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_shown_bar_stays_as_the_epochs_line():
    screen = Terminal()
    bar = ProgressBar(epochs=3, steps_per_epoch=40, steps_per_call=50, quiet=False, stream=screen)
    with bar.epoch(2, done=0) as epoch:
        assert epoch.chunk(40) == 2  # the first call compiles the step: the bar moves once it has
        bar.seconds_per_step = 0.02
        assert epoch.chunk(40) == 10
        epoch.update(40, {"loss": 0.5})
    last = screen.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("epoch 2/3: 100%") and "40/40" in last and "loss=0.5" in last
