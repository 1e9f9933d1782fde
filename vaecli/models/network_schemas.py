"""The network options (`network=conv|conv64|conv_wide|mlp`): one schema each, read before TensorFlow loads.

vaecli/models/networks.py builds the Keras networks from them (`NETWORKS`, by the same names).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from vaecli.errors import require
from vaecli.errors import require_choice as _choice
from vaecli.errors import require_positive as _positive


@dataclass
class NetworkConfig:
    name: str = MISSING


@dataclass
class ConvNetworkConfig(NetworkConfig):
    """The network of Keydana's posts (the TensorFlow CVAE tutorial's), sized from the image shape."""

    name: str = "conv"
    encoder_filters: list[int] = field(default_factory=lambda: [32, 64])  # Keydana's encoder
    decoder_filters: list[int] = field(default_factory=lambda: [64, 32])  # Keydana's decoder
    decoder_base_channels: int = 32  # Keydana's dense layer reshapes to 7x7x32
    kernel_size: int = 3  # Keydana's 3x3
    encoder_padding: str = "valid"  # Keydana's (28 -> 13 -> 6)
    hidden_units: int = 0  # no dense layer between the convolutions and the code (Keydana's)
    output_stride: int = 1  # Keydana's last transposed convolution keeps the size
    # The same arithmetic in another layout (vaecli/models/layouts.py; same weights, outputs equal to float
    # round-off): space_to_depth runs the first convolution on 2x2 blocks of the image (4x the channels
    # at half the size); depth_to_space computes the output layer on 2x2 blocks, then rearranges them.
    # Defaults: what `vae bench` measured faster on a 2-core AVX-512 CPU (docs/performance.md).
    input_layout: str = "plain"
    output_layout: str = "plain"

    def __post_init__(self) -> None:
        require(len(self.encoder_filters) > 0, "network.encoder_filters must list at least one width, e.g. [32,64]")
        require(len(self.decoder_filters) > 0, "network.decoder_filters must list at least one width, e.g. [64,32]")
        for key, widths in (("encoder_filters", self.encoder_filters), ("decoder_filters", self.decoder_filters)):
            require(all(w > 0 for w in widths), f"network.{key} must be positive widths, got {list(widths)}")
        _positive("network.decoder_base_channels", self.decoder_base_channels, "32")
        _positive("network.kernel_size", self.kernel_size, "3")
        _choice("network.encoder_padding", self.encoder_padding, ("valid", "same"))
        require(self.hidden_units >= 0, f"network.hidden_units must be >= 0, got {self.hidden_units}")
        _choice("network.output_stride", str(self.output_stride), ("1", "2"))
        _choice("network.input_layout", self.input_layout, ("plain", "space_to_depth"))
        _choice("network.output_layout", self.output_layout, ("plain", "depth_to_space"))


@dataclass
class Conv64NetworkConfig(ConvNetworkConfig):
    """Higgins et al. 2017 / Burgess et al. 2018 / disentanglement_lib's network for 64x64 images."""

    name: str = "conv64"
    encoder_filters: list[int] = field(default_factory=lambda: [32, 32, 64, 64])  # four 4x4 stride-2 convolutions
    decoder_filters: list[int] = field(default_factory=lambda: [64, 32, 32])  # and the output layer, stride 2 too
    decoder_base_channels: int = 64  # the decoder starts from 4x4x64 (for 64x64 images)
    kernel_size: int = 4
    encoder_padding: str = "same"
    hidden_units: int = 256  # the dense 256 layer each way
    output_stride: int = 2


@dataclass
class ConvWideNetworkConfig(ConvNetworkConfig):
    """Room to separate classes on 28x28 images: InfoGAN's MNIST convolutions (Chen et al. 2016, appendix C.1:
    64 and 128 4x4 stride-2 filters, the decoder from 7x7x128 through 64) with the dense 256 layer of the
    β-VAE / disentanglement_lib network (Burgess et al. 2018) each way, where InfoGAN has 1024. No batch norm,
    ReLU throughout, like vaecli's other networks. 3,484,037 parameters at latent_dim 2 (conv: 69,989); docs/embed.md."""

    name: str = "conv_wide"
    encoder_filters: list[int] = field(default_factory=lambda: [64, 128])  # InfoGAN's recognition network
    decoder_filters: list[int] = field(default_factory=lambda: [64])  # InfoGAN's generator: 7x7x128 -> 14x14x64 -> image
    decoder_base_channels: int = 128  # the decoder's 7x7x128 map (InfoGAN)
    kernel_size: int = 4  # InfoGAN's 4x4
    encoder_padding: str = "same"  # 28 -> 14 -> 7: the decoder mirrors it exactly
    # InfoGAN has 1024; 256 (disentanglement_lib's) keeps a training step at 2.3x conv's CPU time (docs/embed.md).
    hidden_units: int = 256
    output_stride: int = 2  # the last transposed convolution doubles 14 -> 28, as InfoGAN's


@dataclass
class MlpNetworkConfig(NetworkConfig):
    """AEVB (Kingma & Welling 2014, appendix C): one hidden layer each way."""

    name: str = "mlp"
    hidden_units: int = 500  # AEVB's 500 hidden units for MNIST (200 for Frey Face)
    activation: str = "tanh"  # AEVB's

    def __post_init__(self) -> None:
        _positive("network.hidden_units", self.hidden_units, "500")
        _choice("network.activation", self.activation, ("tanh", "relu", "softplus"))


NETWORK_SCHEMAS = {schema.name: schema for schema in (ConvNetworkConfig, Conv64NetworkConfig, ConvWideNetworkConfig,
                                                      MlpNetworkConfig)}
