"""Creating run folders: each run its own, created exclusively, and taken away again if its command fails first.

Hydra names folders from the clock (`outputs/<date>_<time>_<model>_<dataset>`), so two runs started in the same
second would share one. The resolver `${unique_dir:<name>}` (conf/hydra/vaecli.yaml) creates the folder with
os.mkdir, which fails if it exists, and takes `<name>_2`, `<name>_3`, ... until one is new: two processes can never
get the same folder, whatever the clock says. OmegaConf caches the resolved value in the config, and Hydra copies
that cache into each job's config (also to other processes and machines), so one command resolves one folder.

A folder this process created, for a single run whose command then fails before it starts (a bad value, a bad
dataset.path), holds nothing but litter (a log); `remove_unused_run_folder` takes it (and the parents it created)
away again. A folder that was there before (resume=, eval's run folder, a hydra.run.dir the user made) is never touched.

OmegaConf resolves an interpolation while merging a config over it: a preset that sets its own hydra.sweep.dir
(conf/experiment/map2d_stage1.yaml) calls the resolver for the default it replaces, once per composition, and
so creates folders nobody uses. Outside a `vae` command (Hydra's compose API in a notebook or a test) the resolver
therefore only names a free folder; inside one, every folder it created that is still empty when the command ends
is taken away again.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from vaecli.run import names

RESOLVER = "unique_dir"


class CreatedFolders(list[Path]):
    """The folders one command created: its new run folder, then each parent it created, inner first.
    `made`: every folder the resolver created during the command (the ones compositions threw away too)."""

    def __init__(self) -> None:
        super().__init__()
        self.made: list[Path] = []

    def remove_unused(self) -> None:
        """Take away each folder the resolver made that is still empty (and then its emptied parents)."""
        for folder in reversed(self.made):  # latest first: a parent is made before the folders inside it
            try:
                folder.rmdir()  # only if empty: a folder a run or a sweep used keeps what it wrote
            except OSError:
                pass
        self.made.clear()


# The command being run, set by `recording()` in `vae`'s start-up (vaecli/cli.py): Hydra calls the resolver and the
# callback below without arguments of ours, so they find the command's record here. Outside a command: None.
_recording: ContextVar[CreatedFolders | None] = ContextVar("vaecli_created_folders", default=None)


@contextmanager
def recording() -> Iterator[CreatedFolders]:
    """For the length of one command: the folders it creates, for `remove_unused_run_folder` and `vae`'s messages."""
    created = CreatedFolders()
    token = _recording.set(created)
    try:
        yield created
    finally:
        _recording.reset(token)
        created.remove_unused()


def _record(folders: list[Path]) -> None:
    created = _recording.get()
    if created is not None:
        created[:] = folders


def unique_dir(name: str) -> str:
    """Inside a `vae` command: create `name` (or `name_2`, `name_3`, ...) exclusively and return it.
    Outside one: the first of those names that is free, creating nothing."""
    base = Path(name)
    created = _recording.get()
    candidates = (base if n == 1 else base.with_name(f"{base.name}_{n}") for n in range(1, 10_000))
    if created is None:
        return str(next((c for c in candidates if not c.exists()), base))
    missing = [parent for parent in base.absolute().parents if not parent.exists()]
    base.parent.mkdir(parents=True, exist_ok=True)
    created.made.extend(reversed(missing))
    for candidate in candidates:
        try:
            os.mkdir(candidate)
        except FileExistsError:
            continue
        created.made.append(candidate.absolute())
        created[:] = [candidate.absolute(), *missing]
        return str(candidate)
    raise FileExistsError(f"{base}: 10,000 folders of that name exist; choose another hydra.run.dir")


def register_resolver() -> None:
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, unique_dir, use_cache=True)


class NewRunFolder(Callback):
    """Registered in conf/hydra/vaecli.yaml; runs in the launching process of single runs only. Notes the folders
    a single run is about to create: by `unique_dir`, or, for a hydra.run.dir that names a new folder, its missing
    parents, before Hydra creates them."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        created = _recording.get()
        if created is None:  # Hydra run outside a `vae` command: nothing to take away later
            return
        created.clear()
        try:
            HydraConfig.instance().set_config(config)  # run.dir may use ${hydra:...}; Hydra sets this itself next
            folder = Path(str(config.hydra.run.dir)).absolute()  # cached: the same name Hydra uses
        except Exception:  # noqa: BLE001  e.g. eval's ${run} left unset: the command reports that itself
            return
        if created and created[0] == folder:  # unique_dir made it just now (not one for a default a preset replaced)
            return
        missing = [parent for parent in folder.parents if not parent.exists()]
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(folder)  # exclusively: of two commands naming the same new folder, one made it
        except OSError:  # there already, or not a place to write: the command itself reports the latter
            return
        _record([folder, *missing])


def remove_unused_run_folder() -> Path | None:
    """After a failed single run: take away the folders it created, unless something besides litter is in them,
    or another process holds the folder's lock (it is training there). Returns the folder it removed if the command
    had logged there (and so named it to the user: `run folder: ...`), None otherwise."""
    created = _recording.get()
    if created is None or not created or not created[0].is_dir() or not all(is_litter(entry) for entry in created[0].iterdir()):
        return None
    try:
        fd = os.open(created[0] / names.LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a folder that turned read-only: it stays, and the command's own error says why
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return None  # in use: not ours to take away
    finally:
        os.close(fd)  # closing releases the flock; the folder goes next
    removed = created[0]
    named = any(entry.name in names.LOGS and entry.is_file() and entry.stat().st_size for entry in removed.iterdir())
    shutil.rmtree(removed, ignore_errors=True)
    for parent in created[1:]:
        try:
            parent.rmdir()  # only if empty: another run may have appeared there meanwhile
        except OSError:
            break
    created.clear()
    return removed if named else None


def is_litter(entry: Path) -> bool:
    """What a command leaves in its folder before it does any work: the lock and its log."""
    return entry.name in (names.LOCK, names.HYDRA_RECORD) or (entry.name in names.LOGS and entry.is_file())
