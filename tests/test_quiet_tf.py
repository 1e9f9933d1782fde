"""TensorFlow's start-up chatter is dropped; its errors are not."""

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
