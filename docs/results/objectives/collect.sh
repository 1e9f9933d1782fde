#!/usr/bin/env bash
# Rebuild docs/results/objectives/ from the objective-family sweep (README.md here has the command).
# Usage: bash docs/results/objectives/collect.sh [RUNS]   (from anywhere; RUNS defaults to outputs/objectives)
set -euo pipefail
cd "$(dirname "$0")/../../.."
VAE=${VAE:-$(command -v vae || echo .venv/bin/vae)}
PY="$(dirname "$VAE")/python"
RUNS=${1:-outputs/objectives}
OUT=docs/results/objectives
KEY='[reconstruction,reconstruction_bce,reconstruction_mse,elbo,knn5_accuracy,probe_accuracy,prior_mmd,active_units,frechet_distance,epoch_seconds]'

# The page (too large to commit: it embeds every figure) stays beside the runs; the tables come here.
"$VAE" report "$RUNS" out="$RUNS/report.html" markdown="$OUT/metrics.md" title='"vaecli: the objective family on Fashion-MNIST"'
"$VAE" report "$RUNS" out="$RUNS/report.html" markdown="$OUT/summary.md" columns="$KEY" title='"vaecli: the objective family on Fashion-MNIST"'

# Seed 0's final latent scatter and prior samples of every objective and latent size: <model>_d<latent_dim>_<kind>.png
mkdir -p "$OUT/figures"
rm -f "$OUT"/figures/*.png
for run in "$RUNS"/*seed=0*/; do
  [ -f "$run/model.keras" ] || continue  # unfinished
  name=$("$PY" -c "import sys; from omegaconf import OmegaConf; c = OmegaConf.load(sys.argv[1]); print(f'{c.model.name}_d{c.latent_dim}')" "$run/config.yaml")
  for kind in latent samples; do
    cp "$(ls "$run"/figures/${kind}_epoch*.png | tail -1)" "$OUT/figures/${name}_${kind}.png"
  done
done
ls "$OUT/figures" | wc -l
