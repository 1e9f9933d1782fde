"""The small-data table: does a model trained on 500 images generalise, next to the same number
of steps on 8,000? Reads the run folders; prints Markdown. Used by collect.sh."""

import statistics
import sys
from pathlib import Path

from vaecli.run.api import find_run_folders, load_run

# The reconstruction part of the loss, not the whole loss: it is the part both models share, and
# the MMD estimate's bias depends on the batch size, which differs between training and testing.
RECON = "test/reconstruction"

COLUMNS = [  # (heading, function of (per-epoch metrics rows, vae eval's metrics.json))
    ("train images", lambda h, m: m["run"]["train_images"]),
    ("best test recon. at epoch", lambda h, m: min(h, key=lambda r: r[RECON])["epoch"]),
    ("test recon.: final vs best (%)", lambda h, m: 100 * (h[-1][RECON] / min(r[RECON] for r in h) - 1)),
    ("test vs train recon., final (%)", lambda h, m: 100 * (h[-1][RECON] / h[-1]["train/reconstruction"] - 1)),
    ("recon. BCE (nats)", lambda h, m: m["metrics"]["reconstruction_bce"]),
    ("1-NN acc.", lambda h, m: m["metrics"]["knn1_accuracy"]),
    ("Frechet dist.", lambda h, m: m["metrics"]["frechet_distance"]),
    ("samples recognisable", lambda h, m: m["metrics"]["sample_confident_share"]),
    ("sample class entropy", lambda h, m: m["metrics"]["sample_class_entropy"]),
]


def main(sweeps: list[str]) -> None:
    rows: dict[tuple, list[list[float]]] = {}
    for sweep in map(Path, sweeps):
        for run in map(load_run, find_run_folders(sweep)):
            metrics = run.folder.read_evaluation()
            if metrics is None:
                continue
            history = run.folder.read_history()
            key = (sweep.name, run.config.model.name, run.config.trainer.epochs)
            rows.setdefault(key, []).append([f(history, metrics) for _, f in COLUMNS])
    print("| sweep | model | epochs | seeds | " + " | ".join(name for name, _ in COLUMNS) + " |")
    print("|" + "---|" * (4 + len(COLUMNS)))
    for (sweep, model, epochs), values in rows.items():
        cells = []
        for column in zip(*values):
            mean = statistics.fmean(column)
            spread = statistics.stdev(column) if len(column) > 1 else 0
            cells.append(f"{mean:.4g}" + (f" ± {spread:.2g}" if spread else ""))
        print(f"| {sweep} | {model} | {epochs} | {len(values)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
