"""trainer.precision=auto: mixed bfloat16 where the GPU or CPU has fast bfloat16, float32 elsewhere."""

import keras
import pytest
from keras import ops

from vaecli.config.schemas import TrainerConfig
from vaecli.models.likelihoods import BernoulliConfig
from vaecli.models.network_schemas import NETWORK_SCHEMAS
from vaecli.models.networks import build_vae
from vaecli.models.objectives.elbo import ElboConfig
from vaecli.models.precision import auto_precision, cpu_flags


def test_auto_follows_the_gpus_else_the_cpu_flags():
    assert auto_precision([9.0], set()) == "mixed_bfloat16"  # an H100/H200
    assert auto_precision([8.0, 8.6], {"avx2"}) == "mixed_bfloat16"
    assert auto_precision([7.0], {"amx_bf16"}) == "float32"  # a V100 trains the model, whatever the CPU
    assert auto_precision([], {"avx512f", "avx512_bf16"}) == "mixed_bfloat16"
    assert auto_precision([], {"amx_bf16"}) == "mixed_bfloat16"
    assert auto_precision([], {"avx512f", "avx2"}) == "float32"


def test_auto_is_resolved_when_the_config_is_checked(tmp_path):
    assert TrainerConfig(precision="auto").precision == auto_precision() in ("float32", "mixed_bfloat16")
    assert TrainerConfig().precision == "float32"  # studies keep float32 unless asked
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx512f amx_bf16\n\nprocessor\t: 1\nflags\t\t: fpu avx512f amx_bf16\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx512f", "amx_bf16"} and cpu_flags(tmp_path / "missing") == set()


@pytest.mark.parametrize("network, image_shape", [("conv", (28, 28, 1)), ("conv", (30, 30, 3)), ("mlp", (28, 28, 1))])
def test_mixed_precision_computes_the_heads_in_float32(network, image_shape):
    """The hidden layers run in bfloat16; the posterior's parameters and the logits come out of float32 layers,
    not bfloat16 ones cast up afterwards (30x30: the decoder's crop comes after its output layer), and the decoder
    reads the code in float32."""
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        vae = build_vae(ElboConfig(), NETWORK_SCHEMAS[network](), BernoulliConfig(), 2, image_shape)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    assert vae.encoder.sequence[-2].compute_dtype == "bfloat16"  # the hidden layers (the MLP's one is at the decoder's edges)
    assert network == "mlp" or vae.decoder.sequence[2].compute_dtype == "bfloat16"
    assert vae.decoder.sequence[0].compute_dtype == "float32"
    outputs = vae.encoder(ops.zeros((1, *image_shape))), vae.decoder(ops.zeros((1, 2)))
    assert [keras.backend.standardize_dtype(o.dtype) for o in outputs] == ["float32", "float32"]
    assert vae.encoder.sequence[-1].compute_dtype == "float32"
