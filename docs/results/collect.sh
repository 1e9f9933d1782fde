#!/usr/bin/env bash
# Rebuild docs/results/ from the study's run folders (see README.md here for the commands that made them).
# Usage: bash docs/results/collect.sh   (from the repository root, with vae on PATH or in .venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
VAE=${VAE:-$(command -v vae || echo .venv/bin/vae)}
OUT=docs/results
STUDY=outputs/study

"$VAE" report "$STUDY" embed=true out="$OUT/report.html" markdown="$OUT/metrics.md" title='"vaecli: the seeds study, ELBO-VAE vs MMD-VAE"'
"$VAE" bench time_to_quality="[outputs/ttq]" > "$OUT/time_to_quality.md"
"$(dirname "$VAE")/python" "$OUT/small_data.py" "$STUDY/seeds_mnist" "$STUDY/small_data" > "$OUT/small_data.md"
cp "$(ls outputs/bench/*/bench.json | tail -1)" "$OUT/bench.json"  # the newest full benchmark

# The final figures of the lowest seed of every configuration: <sweep>_<model>_<kind>.png
mkdir -p "$OUT/figures"
rm -f "$OUT"/figures/*.png
for run in $(ls -d "$STUDY"/*/*/ | awk -F'seed=' '{print $NF "\t" $0}' | sort -n | cut -f2-); do
  sweep=$(basename "$(dirname "$run")")
  model=$("$(dirname "$VAE")/python" -c "import sys; from omegaconf import OmegaConf; print(OmegaConf.load(sys.argv[1]).model.name)" "$run/config.yaml")
  [ -e "$OUT/figures/${sweep}_${model}_latent.png" ] && continue  # a lower seed is there
  for kind in latent grid samples; do
    cp "$(ls "$run"/figures/${kind}_epoch*.png | tail -1)" "$OUT/figures/${sweep}_${model}_${kind}.png"
  done
done
ls "$OUT/figures"
