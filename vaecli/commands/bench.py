"""`vae bench [overrides]`: measure training throughput; vaecli.bench does the work."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from vaecli.commands import JobFailures
from vaecli.config import register_schemas, to_object

register_schemas()
failures = JobFailures()


@hydra.main(version_base="1.3", config_path="pkg://vaecli.conf", config_name="bench")
@failures.catch
def _bench(cfg: DictConfig) -> None:
    config = to_object(cfg)
    from vaecli.quiet_tf import import_tensorflow_quietly

    import_tensorflow_quietly()
    from vaecli.bench import run_benchmark

    run_benchmark(config, Path(HydraConfig.get().runtime.output_dir))


def main() -> None:
    failures.run(_bench)
