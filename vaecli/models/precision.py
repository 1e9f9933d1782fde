"""`trainer.precision=auto`: mixed bfloat16 where the hardware has fast bfloat16 arithmetic, else float32.

Read before TensorFlow loads (the config is checked first): the GPUs from `nvidia-smi` (compute
capability 8.0 and up, Ampere and later, have bfloat16 tensor cores), else the CPU's flags
(AVX512-BF16 or AMX-BF16).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")  # trainer.precision: Keras mixed-precision policies
FAST_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def gpu_compute_capabilities() -> list[float]:
    """Compute capabilities of the visible NVIDIA GPUs; [] where there are none or nvidia-smi is missing."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1") or shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=10, check=True).stdout
        return [float(line) for line in out.split()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return []


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}


def auto_precision(capabilities: list[float] | None = None, flags: set[str] | None = None) -> str:
    """What `auto` means on this machine: the GPUs decide where there are any (training runs there), else the CPU."""
    capabilities = gpu_compute_capabilities() if capabilities is None else capabilities
    if capabilities:
        return "mixed_bfloat16" if min(capabilities) >= 8.0 else "float32"
    flags = cpu_flags() if flags is None else flags
    return "mixed_bfloat16" if any(flag in flags for flag in FAST_CPU_FLAGS) else "float32"
