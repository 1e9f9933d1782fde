"""Optuna's TPE sampler for a study that may be continued (conf/hparams_search/).

A seeded sampler makes a study reproducible, but started again on a stored study it would suggest
its first parameters again: the continued study would repeat trials it has. So the seed is offset
by the number of trials already stored: the same study grows the same way, with new suggestions.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def tpe(seed: int | None = None, **options):
    """optuna.samplers.TPESampler(seed + trials already in the sweep's study, **options)."""
    import optuna

    from vaecli.sweep.callback import current_launch

    launch = current_launch()
    if seed is not None and launch is not None and launch.config is not None:
        sweeper = launch.config.hydra.sweeper
        try:
            seed += len(optuna.load_study(study_name=sweeper.study_name, storage=sweeper.storage).trials)
        except Exception:  # noqa: BLE001  no study stored yet (or no folder for it): a new study, seeded as given
            pass
    return optuna.samplers.TPESampler(seed=seed, **options)
