"""trainer.precision=auto: mixed bfloat16 where the GPU or CPU has fast bfloat16, float32 elsewhere."""

from vaecli.config.schemas import TrainerConfig
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
