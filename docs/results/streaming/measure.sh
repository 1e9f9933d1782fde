#!/usr/bin/env bash
# Peak memory and seconds per epoch of a streamed, CelebA-sized run: 200,000 64x64 RGB PNG files
# (2.4 GB decoded), one epoch of the conv64 network, then `vae eval`. Writes measure.log here.
#   bash docs/results/streaming/measure.sh [N]   (needs ~1 GB of disk in /tmp and about an hour on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../../.."
N=${1:-200000}
DIR=/tmp/vaecli_streaming_$N
RUN=/tmp/vaecli_streaming_run_$N
LOG=docs/results/streaming/measure.log
[ -d "$DIR" ] || .venv/bin/python docs/results/streaming/make_folder.py "$DIR" "$N"
rm -rf "$RUN"
{
  echo "# $(date -u +%F) $N images, $(du -sh "$DIR" | cut -f1) of PNG files"
  /usr/bin/time -f "train: peak RSS %M KB, %e s wall" .venv/bin/vae train model=elbo dataset=folder dataset.path="$DIR" \
    dataset.image_size=[64,64] dataset.channels=3 dataset.test_size=10000 network=conv64 latent_dim=10 \
    trainer.epochs=1 trainer.quiet=true trainer.eval_at_end=false hydra.run.dir="$RUN" 2>&1 | grep -E "data:|epoch|peak RSS"
  /usr/bin/time -f "eval: peak RSS %M KB, %e s wall" .venv/bin/vae eval run="$RUN" 2>&1 | grep -E "peak RSS|eval: [a-z]+="
} | tee "$LOG"
