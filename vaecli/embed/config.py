"""`vae embed`'s config: the schema of its root and of each method, registered with Hydra beside vaecli's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import MISSING

from vaecli.config.schemas import EvalConfig
from vaecli.data.schema import DatasetConfig
from vaecli.errors import require, require_positive


@dataclass
class EmbedConfig:
    """The root of `vae embed`'s config."""

    method: Any = MISSING  # a method's schema (vaecli/embed/methods/), chosen by method=pca|tsne|umap
    dataset: DatasetConfig = MISSING
    # The split's seed, as in `vae train` (train_size subset, validation carve-out): the same seed, the same images.
    # Random methods (t-SNE, UMAP) take it too.
    seed: int = 0
    # Fit on a seeded subsample of this many training images. None: all of them, because a VAE's kNN and
    # probe are fitted on every training code, so a full map compares like with like. train_points=10000 halved
    # t-SNE's CPU time on Fashion-MNIST (the 10,000 test images are still placed; docs/embed.md): a first look.
    train_points: Optional[int] = None
    # The same latent metrics as `vae eval`, with its defaults: k of the kNN accuracies (each at most the
    # training codes), and the linear probe's iteration cap.
    knn_neighbours: list[int] = field(default_factory=lambda: list(EvalConfig().knn_neighbours))
    probe_max_iter: int = EvalConfig().probe_max_iter  # as `vae eval`'s, so that a map's probe compares with a VAE's
    scatter_points: int = 10000  # test points in the figure (all of a 10k test split), as figures.scatter_points
    # Threads for the method (openTSNE). None: this machine's cores divided by the parallel launcher's jobs.
    threads: Optional[int] = None

    def __post_init__(self) -> None:
        require(self.seed >= 0, f"seed must be >= 0, got {self.seed}; e.g. seed=0")
        if self.train_points is not None:
            require_positive("train_points", self.train_points, "10000")
        require(all(k > 0 for k in self.knn_neighbours), "knn_neighbours must be positive, e.g. [1,5]")
        require_positive("probe_max_iter", self.probe_max_iter, "1000")
        require_positive("scatter_points", self.scatter_points, "10000")
        if self.threads is not None:
            require_positive("threads", self.threads, "1")


def register_schemas() -> None:
    """conf/embed.yaml starts from `embed_schema`; conf/method/<name>.yaml from `method_<name>_schema`."""
    from hydra.core.config_store import ConfigStore

    from vaecli.embed.methods import METHODS

    cs = ConfigStore.instance()
    cs.store(name="embed_schema", node=EmbedConfig)
    for name, module in METHODS.items():
        cs.store(name=f"method_{name}_schema", node=module.Config)


def load_embed_config(path) -> EmbedConfig:
    """An embedding run's saved config.yaml, typed and checked like a freshly composed one."""
    from omegaconf import OmegaConf

    from vaecli.embed.methods import get
    from vaecli.run.yaml_reader import load_yaml

    saved = load_yaml(path)  # a run folder is data: bounded, literal (vaecli/run/yaml_reader.py)
    schema = OmegaConf.structured(EmbedConfig)
    schema.method = OmegaConf.structured(get(OmegaConf.select(saved, "method.name")).Config)
    return OmegaConf.to_object(OmegaConf.merge(schema, saved))  # type: ignore[return-value]
