"""An Optuna study in the report: its trials and parameter importances, read from the study's own storage.

hparams_search=... keeps the study in <sweep>/optuna.db (vaecli.run.sweep_folder finds it; Optuna reads it).
The page shows the optimisation history (each trial's value and the best so far), each parameter against the objective,
and the parameters' importances as Optuna computes them (optuna.importance.get_param_importances, see
_importances). hydra-optuna-sweeper pins optuna < 3; what is used here is in both 2.x and 3.x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt

from vaecli.run.sweep_folder import SweepFolder

SIZE = (300, 170)  # px: the history and each parameter panel; three fit beside each other at 1400 px
LOG_SPAN = 20  # a numeric parameter whose largest value is this many times its smallest gets a log axis


@dataclass
class Study:
    name: str
    direction: str  # "minimize" or "maximize"
    trials: list[dict]  # number, state, value, params (name -> value)
    log_params: set[str] = field(default_factory=set)  # parameters sampled on a log scale
    importances: dict[str, float] = field(default_factory=dict)
    evaluator: str = ""  # which of Optuna's evaluators computed the importances
    note: str = ""  # why there are no importances, when there are none


def load(sweep: SweepFolder | Path) -> list[Study]:
    """The studies in the sweep's Optuna storage (none without one); raises what the storage raises."""
    path = (sweep if isinstance(sweep, SweepFolder) else SweepFolder(sweep)).optuna_storage()
    if path is None:
        return []
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{path.resolve()}"
    studies = []
    for summary in optuna.get_all_study_summaries(storage=storage):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        trials = [{"number": t.number, "state": t.state.name, "value": t.value, "params": dict(t.params)} for t in study.trials]
        log_params = {name for t in study.trials for name, d in t.distributions.items()
                      if getattr(d, "log", False) or type(d).__name__ == "LogUniformDistribution"}
        studies.append(Study(summary.study_name, study.direction.name.lower(), trials, log_params, *_importances(study)))
    return studies


def _importances(study) -> tuple[dict[str, float], str, str]:
    """Optuna's get_param_importances with its default evaluator, fANOVA; where that fails (optuna 2.x's fANOVA
    breaks on scikit-learn >= 1.3's tree arrays), Optuna's mean decrease in impurity. Both seeded: same page twice."""
    import optuna

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(complete) < 2:
        return {}, "", f"importances need two finished trials; this study has {len(complete)}"
    errors = []
    for name, evaluator in (("fANOVA", optuna.importance.FanovaImportanceEvaluator),
                            ("mean decrease in impurity", optuna.importance.MeanDecreaseImpurityImportanceEvaluator)):
        try:
            return dict(optuna.importance.get_param_importances(study, evaluator=evaluator(seed=0))), name, ""
        except (RuntimeError, ValueError) as error:  # a parameter that never changed; the library clash above
            errors.append(f"{name}: {error}")
    return {}, "", "no importances: " + "; ".join(errors)


def history(study: Study, objective: str) -> dict:
    """Each finished trial's value by trial number, and the best value so far as a step line."""
    best, records = None, []
    pick = min if study.direction == "minimize" else max
    for trial in sorted(study.trials, key=lambda t: t["number"]):
        value = trial["value"]
        if trial["state"] != "COMPLETE" or value is None or not math.isfinite(value):
            continue
        best = value if best is None else pick(best, value)
        records.append({"trial": trial["number"], "value": value, "best": best})
    base = alt.Chart(alt.Data(values=records)).encode(x=alt.X("trial:Q", title="trial", axis=alt.Axis(tickMinStep=1)))
    points = base.mark_circle(size=30, opacity=0.7).encode(
        y=alt.Y("value:Q", title=objective, scale=alt.Scale(zero=False)),
        tooltip=["trial:Q", alt.Tooltip("value:Q", format=".4g")])
    line = base.mark_line(interpolate="step-after", color="#d62728").encode(y="best:Q")
    return (points + line).properties(width=SIZE[0], height=SIZE[1], title=alt.Title(
        f"optimisation history ({study.direction}): dots each trial, line the best so far", fontSize=11, anchor="start")).to_dict()


def parameters(study: Study, objective: str) -> dict | None:
    """One panel per parameter: its value in each finished trial against the objective."""
    finished = [t for t in study.trials if t["state"] == "COMPLETE" and t["value"] is not None]
    params = sorted({name for t in finished for name in t["params"]})
    if not params:
        return None
    panels = []
    for name in params:
        values = [t["params"][name] for t in finished if name in t["params"]]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        records = [{"trial": t["number"], "x": t["params"][name] if numeric else str(t["params"][name]), "value": t["value"]}
                   for t in finished if name in t["params"]]
        log = numeric and (name in study.log_params or (min(values) > 0 and max(values) >= LOG_SPAN * min(values)))
        x = alt.X("x:Q", title=name, scale=alt.Scale(type="log") if log else alt.Scale(zero=False)) if numeric \
            else alt.X("x:N", title=name)
        panels.append(alt.Chart(alt.Data(values=records)).mark_circle(size=30, opacity=0.7).encode(
            x=x, y=alt.Y("value:Q", title=objective, scale=alt.Scale(zero=False)),
            tooltip=["trial:Q", alt.Tooltip("x:Q" if numeric else "x:N", title=name), alt.Tooltip("value:Q", format=".4g")],
        ).properties(width=SIZE[0] * 2 // 3, height=SIZE[1]))
    return alt.hconcat(*panels).properties(title=alt.Title("each parameter against the objective", fontSize=11,
                                                           anchor="start")).to_dict()


def importances(study: Study) -> dict | None:
    if not study.importances:
        return None
    records = [{"parameter": name, "importance": value} for name, value in study.importances.items()]
    return alt.Chart(alt.Data(values=records)).mark_bar().encode(
        x=alt.X("importance:Q", title=f"importance ({study.evaluator}, sums to 1)"),
        y=alt.Y("parameter:N", sort="-x", title=None),
        tooltip=["parameter:N", alt.Tooltip("importance:Q", format=".3f")],
    ).properties(width=SIZE[0], title=alt.Title("parameter importances (Optuna)", fontSize=11, anchor="start")).to_dict()
