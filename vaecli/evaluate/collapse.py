"""Posterior collapse: a run whose code carries nothing about the image, said in one note with the usual remedies.

A VAE's posterior collapses when q(z|x) equals the prior for every image: the KL term falls to 0 and
the decoder learns to ignore z (Bowman et al. 2016, "Generating sentences from a continuous space";
Lucas et al. 2019, "Don't blame the ELBO!"). Two signs are read, whichever the run has:
- the KL part of the last epoch's row (training's metrics.csv), for objectives that log one;
- `active_units` of metrics.json (Burda et al. 2016): dimensions whose posterior mean varies across
  images, Var_x E q(z|x) > 0.01 (vaecli.evaluate.metrics.active_units). It decides when present.
Objectives without a KL term (mmd, wae: a point encoder) log no `kl`, so only active units can call
them collapsed; a KL of 0 is never read into a part they do not have.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

# Below this KL (nats per image, all dimensions together) q(z|x) is the prior for practical purposes: the
# code tells the decoder less than 0.15 bits about an image. A healthy 2-D MNIST VAE has ~5-10 nats.
KL_NEAR_ZERO = 0.1
# The splits whose KL is read, most trusted first: held-out data over the training batches.
SPLITS = ("test", "val", "train")
REMEDIES = ("try a KL warm-up (model.warmup_epochs=10), a smaller KL weight or β (model.kl_weight, model.beta), "
            "or more epochs (trainer.epochs)")


def last_kl(row: Mapping[str, float]) -> float | None:
    """The KL part of a metrics row (`test/kl`, else `val/kl`, else `train/kl`), or None if the objective logs none."""
    for split in SPLITS:
        value = row.get(f"{split}/kl")
        if value is not None and math.isfinite(float(value)):
            return float(value)
    return None


def collapse_note(history_rows: Sequence[Mapping[str, Any]], metrics: Mapping[str, float] | None = None) -> str | None:
    """One line saying the posterior collapsed, with the remedies; None when the run shows no sign of it.

    history_rows: metrics.csv's rows (the last one is read); metrics: metrics.json's `metrics`, once evaluated.
    """
    kl = last_kl(history_rows[-1]) if history_rows else None
    active = (metrics or {}).get("active_units")
    if active is not None:
        if int(active) > 0:
            return None  # some dimension still carries information: not collapsed, whatever the KL says
        said_kl = f"KL {kl:.3g} nats, " if kl is not None else ""
        return f"posterior collapse: {said_kl}no code dimension is active (their means do not vary across images); {REMEDIES}"
    if kl is not None and kl < KL_NEAR_ZERO:
        return (f"posterior collapse: the KL term is {kl:.3g} nats per image (under {KL_NEAR_ZERO}), so the code carries "
                f"almost nothing about the image; {REMEDIES}")
    return None
