"""A synthetic Optuna study of many runs, and the measurement of `vae report` on it (docs/big-studies.md).

make_study() writes what `vae train -m hparams_search=elbo` leaves behind, without training: a real Optuna
study in the sweep's SQLite storage (trials asked and told through Optuna's API, with the parameters of
conf/hparams_search/elbo.yaml), vaecli's trials.csv (written by vaecli.sweep.callback.write_trials), and a run
folder per trial (tests/report_runs.py) with its status.json and run.json. The objective is a made-up smooth
function of the parameters, so the importances have something to find.

    .venv/bin/python tests/report_big_study.py --runs 200 --root /tmp/big [--figures-from <a real run>]

writes the study, then the report with embed=false and embed=true, and prints each page's size and the time
until its runs table sorts and filters in headless Chromium (selenium, as tests/test_report_page.py).
`--study <sweep>` measures an existing sweep folder's report instead (a real study, say).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from report_runs import make_run

from vaecli.run import names, status

BATCH_SIZES, LATENT_DIMS = (50, 100, 200), (2, 4, 8, 16)


def make_study(root: Path, runs: int, figures_from: Path | None = None, points: int = 500) -> Path:
    import optuna

    from vaecli.sweep.callback import write_trials

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sweep = root / "study"
    sweep.mkdir(parents=True)
    storage = f"sqlite:///{(sweep / names.OPTUNA_STORAGE).resolve()}"
    study = optuna.create_study(study_name="elbo", storage=storage, direction="minimize",
                                sampler=optuna.samplers.RandomSampler(seed=0))
    for number in range(runs):
        trial = study.ask()
        rate = trial.suggest_float("trainer.learning_rate", 1e-4, 1e-2, log=True)
        batch = trial.suggest_categorical("trainer.batch_size", BATCH_SIZES)
        dim = trial.suggest_categorical("latent_dim", LATENT_DIMS)
        loss = 240 + 8 * (math.log10(rate) + 2.5) ** 2 - 6 * math.log2(dim) + 0.01 * batch + (number % 7) * 0.3
        folder = sweep / str(number)
        overrides = (f"trainer.learning_rate={rate}", f"trainer.batch_size={batch}", f"latent_dim={dim}")
        rng = random.Random(number)
        metrics = {"knn5_accuracy": 0.55 + 0.02 * math.log2(dim) + 0.05 * rng.random(), "prior_mmd": 0.05 * rng.random(),
                   "probe_accuracy": 0.5 + 0.1 * rng.random(), "frechet_distance": 40 + 5 * rng.random(), "test/loss": loss}
        make_run(folder, "elbo", 0, points, metrics=metrics, overrides=overrides, figures_from=figures_from)
        (folder / names.RUN_INFO).write_text(json.dumps({
            "vaecli": "0.9.0", "git": {"commit": "0123456789abcdef0123", "dirty": number % 2 == 1},
            "data_fingerprint": "sha256:feedbeef", "python": "3.11.2", "versions": {"tensorflow": "2.16.1", "keras": "3.3.3"},
            "device": "cpu", "command": ["vae", "train", "-m", "hparams_search=elbo"]}))
        status.write(folder, status.JobStatus("finished", f"job {number}", value=loss))
        study.tell(trial, loss)
    write_trials(storage, "elbo", sweep / names.TRIALS)
    return sweep


def measure(page: Path, repeats: int = 3) -> dict:
    """The page's bytes (with its folder beside it), and the median milliseconds until its runs table is usable."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_report_page import chromium

    side = page.parent / f"{page.stem}_files"
    sizes = {"page_bytes": page.stat().st_size,
             "beside_bytes": sum(f.stat().st_size for f in side.glob("*")) if side.is_dir() else 0}
    times = []
    for _ in range(repeats):
        driver = chromium()
        try:
            driver.get(page.as_uri())  # returns at the load event
            ready = driver.execute_script("return window.vaeTableReady")
            timing = driver.execute_script("var t = performance.timing; return [t.domContentLoadedEventEnd - t.navigationStart,"
                                           " t.loadEventEnd - t.navigationStart]")
            times.append((ready, *timing))
        finally:
            driver.quit()
    times.sort()
    median = times[len(times) // 2]
    return {**sizes, "table_ready_ms": round(median[0]), "dom_ms": median[1], "load_ms": median[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--root", type=Path, help="where to make the study (replaced if it exists)")
    parser.add_argument("--figures-from", type=Path, help="a real run folder whose figures and GIFs every run copies")
    parser.add_argument("--study", type=Path, help="measure the report of this sweep folder instead of making one")
    args = parser.parse_args()
    from vaecli.report import write_report

    sweep = args.study
    if sweep is None:
        if args.root.exists():
            shutil.rmtree(args.root)
        started = time.perf_counter()
        sweep = make_study(args.root, args.runs, args.figures_from)
        print(f"{args.runs} runs written in {time.perf_counter() - started:.0f} s under {sweep}")
    for embed in (False, True):
        page = sweep / f"report_embed_{str(embed).lower()}.html"
        started = time.perf_counter()
        write_report([sweep], page, embed=embed)
        seconds = time.perf_counter() - started
        print(json.dumps({"embed": embed, "write_s": round(seconds, 1), **measure(page)}))


if __name__ == "__main__":
    main()
