#!/usr/bin/env bash
# Seconds per epoch and peak memory (RSS) of one-epoch runs, one per dataset that exists offline:
# train only (trainer.eval_at_end=false), and with EVAL=1 then `vae eval` of the same run. Writes measure.log here.
#   [EVAL=1] bash docs/results/datasets/measure.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
LOG=docs/results/datasets/measure.log
PNGS=/tmp/vaecli_fashion_pngs
if [ ! -d "$PNGS" ]; then  # all 70,000 Fashion-MNIST images as PNG files: train/<class>/, test/<class>/
  .venv/bin/python - "$PNGS" <<'PY'
import sys
from pathlib import Path
from PIL import Image
from vaecli.data.idx import read_idx_dir
arrays, root = read_idx_dir(Path("/usr/share/datasets/fashion-mnist")), Path(sys.argv[1])
for split in ("train", "test"):
    for i, (image, label) in enumerate(zip(arrays[f"{split}_images"], arrays[f"{split}_labels"])):
        (root / split / f"c{label}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / split / f"c{label}" / f"{i:05d}.png")
PY
fi
run() {  # name, overrides...
  local name=$1; shift
  local dir=/tmp/vaecli_measure_$name
  rm -rf "$dir"
  /usr/bin/time -f "$name train: peak RSS %M KB, %e s wall" .venv/bin/vae train model=elbo latent_dim=10 trainer.epochs=1 \
    trainer.quiet=true trainer.eval_at_end=false hydra.run.dir="$dir" "$@" 2>&1 | grep -E "^data:|epoch 1/1|peak RSS"
  [ -z "${EVAL:-}" ] || /usr/bin/time -f "$name eval: peak RSS %M KB, %e s wall" .venv/bin/vae eval run="$dir" 2>&1 | grep -E "peak RSS"
}
{
  echo "# $(date -u +%F), $(nproc) cores; model=elbo latent_dim=10, 1 epoch"
  run mnist10k dataset=mnist dataset.path=../shared/data/mnist-10k
  run fashion dataset=fashion
  run fashion_pngs dataset=folder dataset.path=$PNGS
  run dsprites dataset=dsprites
} | tee "$LOG"
