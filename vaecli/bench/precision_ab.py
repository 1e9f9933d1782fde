"""The precision A/B: mixed bfloat16 against float32, over seeds, on the objective family.

    python -m vaecli.bench.precision_ab --out outputs/precision_ab [--models elbo mmd beta_tcvae]
        [--latent-dims 2 10] [--seeds 0 1 2] [--precisions float32 mixed_bfloat16] [--epochs 10] [--train-size N]
        [--parallel 2] [--table-only] [OVERRIDE ...]

runs (or, with --table-only, reads back) one `vae train -m` sweep of every model x latent_dim x seed x
trainer.precision (float32, mixed_bfloat16), each evaluated by `vae eval` (float32 evaluation in both arms),
and prints a Markdown table per model and latent_dim: the mean and standard deviation over seeds of the last
epoch's test loss (in the training precision), and `vae eval`'s float32 test ELBO (stochastic encoders), 5-NN
accuracy and Frechet distance in each precision, the difference bfloat16 - float32 of the means, and whether
that difference lies within the seed-to-seed spread (|difference| <= the larger of the two arms' standard
deviations). The issue's full A/B is the defaults (3 seeds x 3 objectives x latent 2 and 10 x 10 epochs of
Fashion-MNIST: 36 runs); --precisions trains one arm again after a change to it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from vaecli.run.folder import RunFolder

PRECISIONS = ("float32", "mixed_bfloat16")
# (key, label, better): the last epoch's test loss (metrics.csv: the training model's, in its precision), and `vae eval`'s
# test ELBO (stochastic encoders only), 5-NN accuracy and Frechet distance (metrics.json: evaluated in float32 in both
# arms; absent where evaluation was off).
METRICS = (("test/loss", "test loss", "lower"), ("elbo", "test ELBO", "higher"), ("knn5_accuracy", "5-NN acc.", "higher"),
           ("frechet_distance", "Frechet dist.", "lower"))
HISTORY_KEYS = ("test/loss",)


def sweep_command(args, out: Path) -> list[str]:
    command = [sys.executable, "-m", "vaecli", "train", "-m", f"model={','.join(args.models)}",
               f"latent_dim={','.join(map(str, args.latent_dims))}", f"seed={','.join(map(str, args.seeds))}",
               f"trainer.precision={','.join(args.precisions)}", f"trainer.epochs={args.epochs}", "trainer.quiet=true",
               f"dataset={args.dataset}", f"hydra.sweep.dir={out}"]
    if args.train_size:
        command.append(f"dataset.train_size={args.train_size}")
    if args.parallel > 1:
        command += ["hydra/launcher=parallel", f"hydra.launcher.n_jobs={args.parallel}"]
    return command + list(args.overrides)


def collect(out: Path) -> list[dict]:
    """One row per finished run under `out`: its model, latent_dim, seed, precision and metrics."""
    rows = []
    for folder in RunFolder.under(out):
        cfg, history = folder.read_config(), folder.read_history()
        if not history:
            continue
        info = folder.read_run_info()
        rows.append({"model": cfg.model.name, "latent_dim": cfg.latent_dim, "seed": cfg.seed,
                     "precision": info.get("precision", cfg.trainer.precision),
                     **{k: history[-1][k] for k in HISTORY_KEYS if k in history[-1]},
                     **{k: v for k, v in folder.read_metrics().items() if k in {m[0] for m in METRICS}}})
    return rows


def _spread(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def compare(rows: list[dict]) -> list[dict]:
    """Per model, latent_dim and metric: each arm's mean and sd over seeds, the difference, and whether it is within the spread."""
    results = []
    for model, dim in sorted({(r["model"], r["latent_dim"]) for r in rows}):
        group = [r for r in rows if r["model"] == model and r["latent_dim"] == dim]
        for key, label, _ in METRICS:
            arms = {p: [r[key] for r in group if r["precision"] == p and r.get(key) is not None] for p in PRECISIONS}
            if not all(arms.values()):
                continue
            (m32, s32), (m16, s16) = _spread(arms["float32"]), _spread(arms["mixed_bfloat16"])
            results.append({"model": model, "latent_dim": dim, "metric": label, "seeds": min(map(len, arms.values())),
                            "float32": (m32, s32), "mixed_bfloat16": (m16, s16), "difference": m16 - m32,
                            "within_spread": abs(m16 - m32) <= max(s32, s16)})
    return results


def markdown(results: list[dict]) -> str:
    lines = ["| model | latent | metric | seeds | float32 mean ± sd | bfloat16 mean ± sd | bf16 − fp32 | within spread |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        (m32, s32), (m16, s16) = r["float32"], r["mixed_bfloat16"]
        lines.append(f"| {r['model']} | {r['latent_dim']} | {r['metric']} | {r['seeds']} | {m32:.4g} ± {s32:.2g} | "
                     f"{m16:.4g} ± {s16:.2g} | {r['difference']:+.3g} | {'yes' if r['within_spread'] else '**no**'} |")
    inside = sum(r["within_spread"] for r in results)
    lines.append(f"\n{inside} of {len(results)} comparisons within the seed-to-seed spread.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the sweep folder (written, or read with --table-only)")
    parser.add_argument("--models", nargs="+", default=["elbo", "mmd", "beta_tcvae"])
    parser.add_argument("--latent-dims", nargs="+", type=int, default=[2, 10])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--precisions", nargs="+", default=list(PRECISIONS), choices=PRECISIONS,
                        help="the arms to train (one arm again after a change to it; the table reads every run under --out)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dataset", default="fashion")
    parser.add_argument("--train-size", type=int, default=None, help="training images per run (default: all)")
    parser.add_argument("--parallel", type=int, default=2, help="joblib jobs at once (1: one after another)")
    parser.add_argument("--table-only", action="store_true", help="read the finished runs under --out; train nothing")
    parser.add_argument("overrides", nargs="*", help="more `vae train` overrides, e.g. dataset.path=DIR dataset.test_size=2000")
    args = parser.parse_args(argv)
    if not args.table_only:
        subprocess.run(sweep_command(args, args.out), check=True, stdin=subprocess.DEVNULL)
    rows = collect(args.out)
    results = compare(rows)
    (args.out / "precision_ab.json").write_text(json.dumps({"runs": rows, "comparisons": results}, indent=2) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
