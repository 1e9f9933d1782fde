"""The disentanglement table of an objective sweep on dSprites: mean ± sd over seeds of each metric.

    python docs/results/dsprites/collect.py outputs/dsprites_objectives > docs/results/dsprites/summary.md
"""

import statistics as st
import sys
from pathlib import Path

from vaecli.run.api import find_run_folders, load_run

KEYS = ["mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness", "factor_vae_score",
        "beta_vae_score", "reconstruction_bce", "knn5_accuracy", "active_units", "s/epoch"]


def cell(values: list[float]) -> str:
    mean, sd = st.mean(values), (st.stdev(values) if len(values) > 1 else 0.0)
    return f"{mean:.3f} ± {sd:.3f}" if abs(mean) < 10 else f"{mean:.1f} ± {sd:.1f}"


def main(sweep: Path) -> None:
    runs: dict[str, list[dict]] = {}
    for path in find_run_folders(sweep):
        run = load_run(path)
        if not run.metrics:
            continue
        values = dict(run.metrics)
        values["s/epoch"] = float(run.history["seconds"].median())
        runs.setdefault(run.config.model.name, []).append(values)
    print("| objective | seeds | " + " | ".join(KEYS) + " |")
    print("|" + "---|" * (len(KEYS) + 2))
    for model, found in runs.items():
        print(f"| {model} | {len(found)} | " + " | ".join(cell([v[k] for v in found]) for k in KEYS) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
