"""Import TensorFlow without its start-up chatter.

TensorFlow 2.21 logs through absl before absl is initialised, so TF_CPP_MIN_LOG_LEVEL no
longer hides the INFO lines it prints at import (oneDNN notices, CUDA probing). We catch
what the import and the first look for devices write to the stderr file descriptor and pass
on only error and fatal lines (absl's E.../F... prefixes) and anything that is not a log line
at all. On a machine with no NVIDIA device, CUDA's "failed call to cuInit" error says only
that there is no GPU (the run's log names the device it uses), so it goes too.
Set TF_CPP_MIN_LOG_LEVEL=0 to see everything.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

_ENTRY = re.compile(r"^([IWEF])\d{4} ")  # absl's INFO, WARNING, ERROR, FATAL lines
_ABSL_NOTICE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_NO_GPU = "failed call to cuInit"


def has_nvidia_device() -> bool:
    """Whether the NVIDIA driver shows a device; without one, cuInit's failure is expected."""
    return Path("/dev/nvidiactl").exists() or Path("/proc/driver/nvidia").exists()


def _keep_errors(text: str, no_gpu_expected: bool = False) -> list[str]:
    """Error and fatal entries (with their continuation lines) and anything that is not a log entry."""
    kept, dropping = [], False
    for line in text.splitlines():
        entry = _ENTRY.match(line)
        if entry:
            dropping = entry.group(1) in "IW" or (no_gpu_expected and _NO_GPU in line)
        elif line.strip() == _ABSL_NOTICE:
            continue
        if not dropping:
            kept.append(line)
    return kept


def import_tensorflow_quietly():
    """TensorFlow, imported and its devices probed (where CUDA logs), with only real errors shown."""
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2") in ("0", "1"):
        import tensorflow

        return tensorflow
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # still honoured by TensorFlow's later C++ logs
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            tensorflow.config.list_physical_devices()  # CUDA's probe logs here, not at import
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = _keep_errors(captured.read().decode(errors="replace"), no_gpu_expected=not has_nvidia_device())
            if kept:
                print("\n".join(kept), file=sys.stderr)
    return tensorflow
