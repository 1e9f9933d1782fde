"""What every objective shares, written once: encoder -> posterior -> codes -> decoder -> likelihood of x.

An objective is one subclass of `Objective` with its schema (a dataclass) in one file of this
package, plus `conf/model/<name>.yaml`; the package finds it by itself (`OBJECTIVES`). A subclass
supplies only `regularizer()`, the penalty added to the reconstruction term, and names the loss
parts it logs (disentanglement_lib's `regularizer()` hook). The shared `__call__` returns every
part as one dict of per-batch means, so console, metrics.csv, TensorBoard and `vae eval` speak one
vocabulary: `loss` (what is minimised), `reconstruction` (-log p(x|z), nats per image; the `mse`
likelihood's mean squared error per pixel), and for stochastic encoders `kl` (nats per image) and
`elbo` (the unweighted bound, nats per image, higher is better), then the objective's own parts.

Objective modules import TensorFlow inside functions: `vae` reads the schemas to check a command
line before it loads TensorFlow, so a typo costs a tenth of a second, not three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from omegaconf import MISSING

from vaecli.errors import require

# A TensorFlow tensor. The type checker reads TensorFlow as Any (pyproject.toml), and objective modules import
# TensorFlow only inside functions, so the annotations name it by this alias.
Tensor = Any

# The likelihoods measured in nats; `mse` (the MMD-VAE loss of Keydana's post) is not one.
NATS_LIKELIHOODS = ("bernoulli", "gaussian", "gaussian_fixed")


@dataclass
class ObjectiveConfig:
    name: str = MISSING
    # L codes per image for the Monte-Carlo terms (SGVB with L > 1). AEVB: "L = 1 as long as the
    # minibatch size M is large enough, e.g. M = 100".
    samples: int = 1

    def __post_init__(self) -> None:
        require(self.samples > 0, f"model.samples must be > 0, got {self.samples}; e.g. model.samples=1")


@dataclass
class KLConfig(ObjectiveConfig):
    """An objective with a KL(q(z|x) || p(z)) term."""

    # "analytic": the closed form against N(0, I) (AEVB eq. 10, lower variance); "sample": one-sample
    # estimate log q(z|x) - log p(z) at the drawn z, the only choice for a learned prior.
    kl: str = "analytic"
    # The KL weight rises linearly from 0 to 1 over this many epochs (Bowman et al. 2016, Sønderby et
    # al. 2016), the usual remedy for posterior collapse. 0: off, as in the papers of every objective.
    warmup_epochs: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.kl in ("analytic", "sample"), f"model.kl={self.kl} is not known; choose one of analytic, sample")
        require(self.warmup_epochs >= 0, f"model.warmup_epochs must be >= 0, got {self.warmup_epochs}; e.g. model.warmup_epochs=10")


@dataclass(frozen=True)
class Context:
    """What an objective may need to know about the run beyond its own options."""

    latent_dim: int
    train_size: int = 1  # images in the training split (beta_tcvae's estimator needs it)
    steps_per_epoch: int = 1  # for schedules counted in epochs (KL warm-up)


@dataclass(frozen=True)
class Batch:
    """What the regulariser sees of one batch: everything an objective's penalty may depend on.

    On several tf.distribute replicas every field holds the whole batch (vaecli.models.replicas), as on one device.
    """

    vae: Any  # vaecli.models.networks.VAE: its prior (log_prior, kl, sample_prior) and networks
    x: Tensor | None  # the images (batch, height, width, channels); None unless the objective sets needs_inputs
    mean: Tensor  # the posterior's mean (batch, d), or a deterministic encoder's code
    logvar: Tensor | None  # the posterior's log-variance (batch, d); None for a deterministic encoder
    z: Tensor  # the codes drawn from q(z|x): (samples, batch, d)
    kl: Tensor | None  # KL(q(z|x) || p(z)) per image (batch,); None for a deterministic encoder
    rng: Any  # a tf.random.Generator, for draws the penalty needs (prior samples)
    step: Tensor | None  # the training step, for schedules (None outside training)


C = TypeVar("C", bound=ObjectiveConfig)


class Objective(Generic[C]):
    """The shared part; subclasses name their schema (`class Elbo(Objective[ElboConfig])`, `Config = ElboConfig`),
    and override `regularizer` and the class attributes below."""

    Config: ClassVar[type[ObjectiveConfig]] = ObjectiveConfig
    name: ClassVar[str] = ""  # set by the registry from Config's default name
    stochastic: bool = True  # encoder gives mean and log-variance (else a point); an instance may decide by its options
    prior: ClassVar[str] = "standard_normal"  # the model's prior (vaecli.models.priors)
    likelihoods: ClassVar[tuple[str, ...]] = NATS_LIKELIHOODS  # the likelihoods it accepts
    own_parts: ClassVar[tuple[str, ...]] = ()  # the regulariser's loss parts, logged after the shared ones
    needs_inputs: ClassVar[bool] = False  # the penalty reads the batch's images (Batch.x): gathered across replicas

    def __init__(self, cfg: C, context: Context) -> None:
        self.cfg, self.context = cfg, context
        self.stochastic = self.stochastic_encoder(cfg)

    # ------------------------------------------------------------ what the rest of vaecli asks

    @classmethod
    def check(cls, cfg: ObjectiveConfig, likelihood: str) -> None:
        """A one-line error for a likelihood this objective does not take."""
        require(
            likelihood in cls.likelihoods,
            f"model={cls.name} does not take likelihood={likelihood}; choose one of {', '.join(cls.likelihoods)}",
        )

    @classmethod
    def stochastic_encoder(cls, cfg: ObjectiveConfig) -> bool:
        """Whether the network's encoder gives a posterior (mean, log-variance) or a point."""
        return cls.stochastic

    @classmethod
    def prior_config(cls, cfg: Any) -> dict[str, Any]:
        """The prior's name and options, stored in the saved model."""
        return {"name": cls.prior}

    @property
    def parts(self) -> tuple[str, ...]:
        shared = ("loss", "reconstruction", "kl", "elbo") if self.stochastic else ("loss", "reconstruction")
        return shared + self.own_parts

    @classmethod
    def monitor(cls, cfg: ObjectiveConfig) -> tuple[str, bool]:
        """The loss part that measures a model's quality across epochs, and whether higher is better."""
        return ("elbo", True) if cls.stochastic_encoder(cfg) else ("loss", False)

    # ------------------------------------------------------------ the hook

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """(penalty, {part: value}): what is added to the mean reconstruction term, and the parts to log."""
        raise NotImplementedError

    # ------------------------------------------------------------ the shared part

    def warmup(self, step: Tensor | None) -> Tensor:
        """The KL weight of the warm-up schedule at a training step: 0 -> 1 over cfg.warmup_epochs epochs."""
        import tensorflow as tf

        epochs = getattr(self.cfg, "warmup_epochs", 0)
        if not epochs or step is None:
            return 1.0
        return tf.minimum(1.0, tf.cast(step, tf.float32) / (epochs * self.context.steps_per_epoch))

    def kl(self, vae: Any, mean: Tensor, logvar: Tensor, z: Tensor) -> Tensor:
        """KL(q(z|x) || p(z)) per image: the prior's closed form, or averaged over the drawn codes."""
        import tensorflow as tf

        from vaecli.models.losses import log_normal_pdf

        if getattr(self.cfg, "kl", "sample") == "analytic":
            return vae.kl(mean, logvar, z)
        return tf.reduce_mean(log_normal_pdf(z, mean[None], logvar[None]) - vae.log_prior(z), axis=0)

    def __call__(self, vae: Any, x: Tensor, rng: Any, training: bool = False, step: Tensor | None = None) -> dict[str, Tensor]:
        """The loss parts of the batch x: per-batch means (of the whole batch when x is a replica's slice)."""
        return self.losses(vae, x, rng, training, step)[0]

    def losses(self, vae: Any, x: Tensor, rng: Any, training: bool = False,
               step: Tensor | None = None) -> tuple[dict[str, Tensor], Tensor]:
        """(parts, the loss to differentiate): parts["loss"] itself on one device.

        On one of several tf.distribute replicas, x is this replica's slice of the batch: the
        regulariser sees the whole batch (vaecli.models.replicas), the parts are the whole batch's,
        and the loss is this replica's share, so that the gradients summed over the replicas are
        the whole batch's. Then 1 and 2 devices give the same parts and gradients on the same batch.
        """
        import tensorflow as tf

        from vaecli.models import replicas

        context = replicas.current()  # None on one device: the path below is the one-device one
        mean, logvar = vae.posterior(x, training=training)
        z = self.codes(mean, logvar, rng, context)
        reconstruction = self.reconstruction(vae, x, z, training)  # per image, averaged over the L codes
        kl = self.kl(vae, mean, logvar, z) if logvar is not None else None
        local_reconstruction = reconstruction
        inputs = x if self.needs_inputs else None
        if context is not None:
            mean, logvar, z, kl, reconstruction = replicas.gather(context, mean, logvar, z, kl, reconstruction)
            inputs = context.all_gather(inputs, axis=0) if inputs is not None else None
        penalty, own = self.regularizer(Batch(vae, inputs, mean, logvar, z, kl, rng, step))
        parts = {"loss": tf.reduce_mean(reconstruction) + penalty, "reconstruction": tf.reduce_mean(reconstruction)}
        if kl is not None:
            parts.update(kl=tf.reduce_mean(kl), elbo=-tf.reduce_mean(reconstruction + kl))
        if context is None:
            return {**parts, **own}, parts["loss"]
        batch_size = tf.shape(reconstruction)[0]
        return {**parts, **own}, replicas.replica_loss(context, local_reconstruction, batch_size, penalty)

    def codes(self, mean: Tensor, logvar: Tensor | None, rng: Any, context: Any = None) -> Tensor:
        """z (samples, batch, d): the point code, or mean + σ ε with ε ~ N(0, I) (on a replica: its slice of
        the whole batch's ε)."""
        import tensorflow as tf

        from vaecli.models import replicas

        if logvar is None:
            return mean[None]
        shape = (self.cfg.samples, tf.shape(mean)[0], mean.shape[-1])
        noise = rng.normal(shape) if context is None else replicas.noise(context, rng, *shape)
        return mean[None] + tf.exp(0.5 * logvar)[None] * noise

    @staticmethod
    def reconstruction(vae: Any, x: Tensor, z: Tensor, training: bool) -> Tensor:
        """-log p(x|z) per image (batch,), averaged over the codes z (samples, batch, d)."""
        import tensorflow as tf

        batch, d = tf.shape(z)[1], z.shape[-1]
        outputs = tf.cast(vae.decoder(tf.reshape(z, (-1, d)), training=training), tf.float32)
        samples = tf.shape(z)[0]
        repeated = tf.tile(x, [samples] + [1] * (len(x.shape) - 1))  # row l*batch + b is image b, as in z
        log_px = tf.reshape(vae.likelihood.log_prob(repeated, outputs), (samples, batch))
        return -tf.reduce_mean(log_px, axis=0)
