"""The 2-D map study's results page, from the committed run folders (runs/, baselines/ beside this file).

    python docs/results/map2d/summarise.py        # writes summary.md, maps.png and ranking.png here

summary.md: the table (mean ± sd over seeds; a diverged seed, one with a non-finite metric, is left out and
counted), how stage 1's ranking by 5-NN settles epoch by epoch (from each run's animations/latent_history.npz:
500 fixed test images' codes after every epoch), and the runs that are not finished yet. maps.png: the best seed's
map of every objective and baseline on one grid. ranking.png: stage 1's 5-NN per epoch.
"""

from __future__ import annotations

import math
import re
import statistics
import sys
from pathlib import Path

import numpy as np

from vaecli.run import names
from vaecli.run.folder import RunFolder
from vaecli.run.result_set import is_finished

HERE = Path(__file__).resolve().parent
JOB = re.compile(r"^(?P<name>\w+?)_seed(?P<seed>\d+)$")  # the study's job folders: <model or method>_seed<seed>
BASELINES = ("tsne", "umap", "pca")
COLUMNS = [  # (heading, metrics.json key) ; training time comes from timing.csv or the fit
    ("1-NN", "knn1_accuracy"), ("5-NN", "knn5_accuracy"), ("probe", "probe_accuracy"), ("silhouette", "silhouette"),
    ("test ELBO (nats)", "elbo"), ("Frechet dist.", "frechet_distance"),
]


def jobs(part: str) -> dict[tuple[str, int], RunFolder]:
    """(objective or method, seed) -> its finished run folder."""
    found = {}
    for folder in sorted((HERE / part).glob("*_seed*")):
        match = JOB.match(folder.name)
        if match and is_finished(folder):
            found[(match["name"], int(match["seed"]))] = RunFolder(folder)
    return found


def unfinished(part: str) -> list[str]:
    return [f.name for f in sorted((HERE / part).glob("*_seed*")) if f.is_dir() and not is_finished(f)]


def row(run: RunFolder) -> dict[str, float]:
    metrics = run.read_metrics()
    values = {key: float(metrics.get(key, math.nan)) for _, key in COLUMNS}
    if run.timing_csv.is_file():
        values["minutes"] = sum(float(r.get("seconds", 0) or 0) for r in run.read_timing()) / 60
        values["epochs"] = len(run.read_history())
    else:
        values["minutes"] = float(metrics.get("fit_seconds", math.nan)) / 60
        values["epochs"] = math.nan
    return values


def cell(values: list[float], digits: int = 3) -> str:
    """mean ± sd of the finite values ("–" if none); 3 decimals for scores, 1 for nats, distances and minutes."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "–"
    digits = digits if digits == 0 or abs(statistics.fmean(finite)) < 10 else 1
    spread = f" ± {statistics.stdev(finite):.{digits}f}" if len(finite) > 1 else ""
    return f"{statistics.fmean(finite):.{digits}f}{spread}"


def table(found: dict[tuple[str, int], RunFolder]) -> list[str]:
    by_name: dict[str, list[dict]] = {}
    for (name, _), run in found.items():
        by_name.setdefault(name, []).append(row(run))
    order = sorted(by_name, key=lambda n: -statistics.fmean([r["knn5_accuracy"] for r in by_name[n]
                                                               if math.isfinite(r["knn5_accuracy"])] or [0]))
    lines = ["| map | seeds | " + " | ".join(h for h, _ in COLUMNS) + " | epochs | minutes |", "|---" * (len(COLUMNS) + 4) + "|"]
    for name in order:
        rows = by_name[name]
        diverged = sum(not all(math.isfinite(r[k]) for _, k in COLUMNS[:4]) for r in rows)
        note = f" ({diverged} diverged, left out)" if diverged else ""
        cells = [cell([r[key] for r in rows]) for _, key in COLUMNS] + [cell([r["epochs"] for r in rows], 0), cell([r["minutes"] for r in rows], 1)]
        lines.append(f"| {name} | {len(rows)}{note} | " + " | ".join(cells) + " |")
    return lines


def points(run: RunFolder) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(codes (n, 2), labels, class names) of the run's test map: a VAE's 500 followed test images, a baseline's test set."""
    path = run.latent_points if run.latent_points.is_file() else run / names.CODES
    with np.load(path, allow_pickle=False) as data:
        if "test_codes" in data.files:
            return data["test_codes"], data["test_labels"], list(data["class_names"])
        return data["codes"], data["labels"], list(data["class_names"])


def maps_figure(found: dict[tuple[str, int], RunFolder], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vaecli.visual.plots import class_colours

    best: dict[str, RunFolder] = {}
    for (name, _), run in found.items():
        score = row(run)["knn5_accuracy"]
        if name not in best or score > row(best[name])["knn5_accuracy"]:
            best[name] = run
    names_ = sorted(best, key=lambda n: -row(best[n])["knn5_accuracy"])
    cols = min(4, len(names_))
    rows_ = math.ceil(len(names_) / cols)
    fig, axes = plt.subplots(rows_, cols, figsize=(3.2 * cols, 3.2 * rows_), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, name in zip(axes.flat, names_):
        codes, labels, classes = points(best[name])
        shown = np.random.default_rng(0).permutation(len(codes))[:2000]
        colours = np.array(class_colours(len(classes)))
        ax.scatter(codes[shown, 0], codes[shown, 1], s=5, c=colours[labels[shown]], linewidths=0)
        ax.set_title(f"{name} (5-NN {row(best[name])['knn5_accuracy']:.3f})", fontsize=9)
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=n) for c, n in zip(class_colours(len(classes)), classes)]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def knn5_by_epoch(run: RunFolder) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, leave-one-out 5-NN accuracy of the 500 followed test images' codes after each epoch)."""
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    with np.load(run.animations / names.LATENT_HISTORY, allow_pickle=False) as history:
        epochs, codes = history["epochs"], history["codes"]
    labels = points(run)[1]
    scores = [cross_val_score(KNeighborsClassifier(5), c, labels, cv=10).mean() for c in codes]
    return epochs, np.array(scores)


def ranking(stage1: dict[str, RunFolder], path: Path) -> list[str]:
    """Stage 1's ranking by 5-NN at every epoch, and from which epoch on its top three stay as at the end."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {name: knn5_by_epoch(run) for name, run in stage1.items() if (run.animations / names.LATENT_HISTORY).is_file()}
    if len(curves) < 2:
        return ["Fewer than two stage-1 runs have finished: no ranking yet."]
    last = min(int(e[-1]) for e, _ in curves.values())  # the epochs every run reached
    at = {name: dict(zip(e.tolist(), s.tolist())) for name, (e, s) in curves.items()}
    final_top = sorted(at, key=lambda n: -at[n][last])[:3]
    settled = next((epoch for epoch in range(1, last + 1)
                    if all(sorted(at, key=lambda n: -at[n][e])[:3] == final_top for e in range(epoch, last + 1))), last)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, (e, s) in sorted(curves.items()):
        ax.plot(e, s, label=name)
    ax.set(xlabel="epoch", ylabel="5-NN accuracy (500 test images)", title="stage 1: the maps' 5-NN as they train")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [f"Over the {last} epochs that every finished stage-1 run reached, the top three by 5-NN ({', '.join(final_top)}) "
            f"are the same at every epoch from epoch {settled} on."]


def main() -> int:
    runs, baselines = jobs("runs"), jobs("baselines")
    lines = ["# The 2-D map study: the numbers", "",
             "Written by `python docs/results/map2d/summarise.py` from the committed run folders; the verdict and the "
             "study's cost are on [the study's page](../map2d.md).", "", "## The table", "",
             "Mean ± sd over the finished seeds; maps ordered by 5-NN. VAEs: `vae eval` on the 10,000 test images "
             "(kNN and probe fitted on the training codes); baselines: `vae embed`, scored alike. minutes: training time "
             "(a VAE's epochs, a baseline's fit).", "", *table({**runs, **baselines}), ""]
    if runs or baselines:
        maps_figure({**runs, **baselines}, HERE / "maps.png")
        lines += ["## The maps", "", "The best seed of each objective and baseline: its test images' codes.", "",
                  "![The best seed's map of every objective and baseline](maps.png)", ""]
    stage1 = {name: run for (name, seed), run in runs.items() if seed == 0}
    lines += ["## When stage 1's ranking settles", "", *ranking(stage1, HERE / "ranking.png"), ""]
    if (HERE / "ranking.png").is_file() and len(stage1) >= 2:
        lines += ["![Stage 1: 5-NN per epoch](ranking.png)", ""]
    waiting = unfinished("runs") + unfinished("baselines")
    lines += ["## Not finished yet", "", ", ".join(waiting) if waiting else "None.", ""]
    (HERE / "summary.md").write_text("\n".join(lines))
    print(f"summary.md: {len(runs)} VAE runs, {len(baselines)} baseline runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
