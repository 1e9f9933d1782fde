"""`vae bench [overrides]`: measure training throughput; vaecli.bench does the work."""

from __future__ import annotations

from pathlib import Path

from hydra.core.hydra_config import HydraConfig

from vaecli.commands import hydra_command


def bench(config) -> None:
    from vaecli.bench.run import run_benchmark
    from vaecli.bench.time_to_quality import time_to_quality_table

    if config.time_to_quality:
        print(time_to_quality_table([Path(d) for d in config.time_to_quality]))
    elif config.study.models:
        from vaecli.bench.study import run_study_benchmark

        run_study_benchmark(config, Path(HydraConfig.get().runtime.output_dir))
    elif config.sweep.jobs:
        from vaecli.bench.sweep_speedup import run_sweep_benchmark

        run_sweep_benchmark(config, Path(HydraConfig.get().runtime.output_dir))
    else:
        run_benchmark(config, Path(HydraConfig.get().runtime.output_dir))


main = hydra_command("bench", bench)
