"""TensorFlow's start-up chatter is dropped; its errors are not."""

import os
import subprocess
import sys

import pytest

from vaecli.quiet_tf import _keep_errors

CAPTURED = """WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795238680.391379    4618 port.cc:153] oneDNN custom operations are on.
I0000 00:00:1795238680.392301    4618 cpu_feature_guard.cc:227] This TensorFlow binary is optimized
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow
W0000 00:00:1795238680.400000    4618 some.cc:1] a warning
E0000 00:00:1795238685.511044    4618 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)
  and its second line
F0000 00:00:1795238685.511044    4618 x.cc:1] fatal"""


def test_only_errors_survive():
    assert _keep_errors(CAPTURED) == [
        "E0000 00:00:1795238685.511044    4618 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)",
        "  and its second line",
        "F0000 00:00:1795238685.511044    4618 x.cc:1] fatal",
    ]


def test_plain_output_is_kept():
    assert _keep_errors("Traceback (most recent call last):\n  boom") == ["Traceback (most recent call last):", "  boom"]


def test_cuinit_failure_is_dropped_only_where_no_gpu_is_expected():
    cuinit = CAPTURED.splitlines()[5]
    assert _keep_errors(cuinit, no_gpu_expected=True) == []
    assert _keep_errors(cuinit, no_gpu_expected=False) == [cuinit]


# The start-up lines TensorFlow's C++ log prints at import on a CPU machine (seen in a notebook before the fix).
STARTUP_NOISE = ("oneDNN custom operations", "Could not find cuda drivers", "rebuild TensorFlow with the appropriate",
                 "All log messages before absl::InitializeLog", "cpu_feature_guard", "cuInit")


@pytest.mark.slow
def test_the_python_api_loads_a_model_without_tensorflows_startup_log(quick, tmp_path):
    """A notebook's `vaecli.load_run(...).model.encode(...)` in a fresh process: stderr has no start-up lines."""
    from vaecli.train.loop import train

    run = tmp_path / "run"
    train(quick("trainer.epochs=1"), run)
    code = ("import numpy as np, vaecli; import warnings; "
            f"z = vaecli.load_run({str(run)!r}).model.encode(np.zeros((3, 28, 28), dtype='uint8')); print(z.shape); "
            "warnings.warn('a real warning')")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as in a user's notebook
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(3, 2)"
    assert [line for line in result.stderr.splitlines() if any(noise in line for noise in STARTUP_NOISE)] == []
    assert "a real warning" in result.stderr  # Python's warnings still reach the user
