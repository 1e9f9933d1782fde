"""Every objective x every likelihood it takes trains for real on real digits, logs its listed parts,
and `vae eval` measures it: one smoke test over the registry, so a new objective is tested by adding it."""

import json
import math

import pytest

from vaecli.assess.evaluate_run import evaluate_run
from vaecli.models.objectives import OBJECTIVES, Context
from vaecli.run import names
from vaecli.run.history import read_metrics
from vaecli.train.loop import train

PAIRS = [(name, likelihood) for name, cls in OBJECTIVES.items() for likelihood in cls.likelihoods
         if not (name == "infovae" and likelihood == "mse")]  # mse needs infovae's deterministic corner: below
OPTIONS = {"vamp": ["model.components=10"], "infovae": ["model.lam=10"]}  # small K keeps the smoke test quick
TINY_EVAL = ["eval.iw_samples=5", "eval.iw_subset=40", "eval.prior_samples=300", "eval.mmd_samples=200", "eval.probe_max_iter=200"]


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("classifiers")


@pytest.mark.slow
@pytest.mark.parametrize("name, likelihood", PAIRS + [("infovae", "mse")])
def test_every_objective_and_likelihood_trains_and_evaluates(quick, tmp_path, classifier_cache, name, likelihood):
    extra = ["model.alpha=1", "model.deterministic=true"] if likelihood == "mse" and name == "infovae" else []
    cfg = quick(f"model={name}", f"likelihood={likelihood}", "trainer.epochs=1", "figures.sample_grid=2",
                f"eval.classifier_cache={classifier_cache}", *OPTIONS.get(name, []), *extra, *TINY_EVAL)
    final = train(cfg, tmp_path)
    objective = OBJECTIVES[name](cfg.model, Context(cfg.latent_dim))
    for split in ("train", "test"):
        assert {f"{split}/{part}" for part in objective.parts} == {k for k in final if k.startswith(f"{split}/")}
    assert all(math.isfinite(v) for v in final.values())
    assert read_metrics(tmp_path / names.METRICS_CSV)[-1] == final

    report = evaluate_run(tmp_path, cfg.eval)
    values = report["metrics"]
    assert json.loads((tmp_path / names.METRICS_JSON).read_text())["metrics"] == values
    assert math.isfinite(values["reconstruction"]) and math.isfinite(values["prior_mmd"]) and values["active_units"] >= 0
    assert ("elbo" in values and "iw_log_px" in values) == objective.stochastic
    assert report["run"]["likelihood"] == likelihood
