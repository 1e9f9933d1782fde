"""A single run's folder, taken away again when its command fails before the run starts.

Hydra creates the run folder (and writes .hydra/ into it) before the command has checked its
config; a typo such as latent_dim=0 or a bad dataset.path would otherwise leave a timestamped
folder behind for every try. The callback notes, before Hydra creates anything, which folders
this command is about to create; if the command then fails and the folder holds nothing but
Hydra's record, the run lock and the log (no checkpoint, no metrics, no result of any kind), those
folders go. A folder that was there before (resume=, eval's run folder, a hydra.run.dir the user
made) is never touched.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback

from vaecli.run.files import holds_run

log = logging.getLogger(__name__)

# The folders the current single run created: the run folder, then each parent it created, inner first.
created: list[Path] = []


class NewRunFolder(Callback):
    """Registered in conf/hydra/vaecli.yaml; runs in the launching process of single runs only."""

    def on_run_start(self, config, **kwargs) -> None:
        created.clear()
        try:
            HydraConfig.instance().set_config(config)  # run.dir may use ${hydra:...}; Hydra sets this itself next
            folder = Path(str(config.hydra.run.dir)).absolute()  # ${now:} is cached: the same name Hydra uses
        except Exception:  # e.g. eval's ${run} left unset: the command reports that itself
            return
        while not folder.exists():
            created.append(folder)
            folder = folder.parent


def remove_unused_run_folder() -> None:
    """After a failed single run: take away the folders it created, unless something besides litter is in them."""
    if not created or holds_run(created[0]) or not all(is_litter(entry) for entry in created[0].iterdir()):
        return
    shutil.rmtree(created[0], ignore_errors=True)
    for parent in created[1:]:
        try:
            parent.rmdir()  # only if empty: another run may have appeared there meanwhile
        except OSError:
            break
    created.clear()


def is_litter(entry: Path) -> bool:
    """What a command leaves in its folder before it does any work: Hydra's record, the lock, its log."""
    return entry.name in (".hydra", ".lock") or (entry.suffix == ".log" and entry.is_file())
