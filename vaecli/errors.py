"""Errors a user can cause and fix, each with its exit code.

Exit codes (docs/reliability.md, generated from the classes below):
    0  success
    1  internal error (a bug: please report it with HYDRA_FULL_ERROR=1's traceback)
    2  usage error: an unknown command, option, group choice, or a bad value
    3  data or run-folder error: missing, corrupt or unreadable inputs; a full or read-only disk
    4  training failed: a non-finite loss stopped the run (the last good checkpoint is kept)
    130 interrupted (Ctrl-C or SIGTERM); the run folder can be resumed, or nothing was kept
"""

from __future__ import annotations

import errno
import os
import re


class VaeError(Exception):
    """An error with a one-line message that names the problem and the fix."""

    exit_code = 1


class ConfigError(VaeError):
    """The command line or config asks for something invalid."""

    exit_code = 2


def require(ok: bool, message: str) -> None:
    """A config check: raise ConfigError(message) unless ok. The message names the problem and the fix."""
    if not ok:
        raise ConfigError(message)


def require_positive(name: str, value: float, example: str) -> None:
    require(value > 0, f"{name} must be > 0, got {value}; e.g. {name}={example}")


def require_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    require(value in choices, f"{name}={value} is not known; choose one of {', '.join(choices)}")


class DataError(VaeError):
    """Input data or a run folder is missing, corrupt or unusable."""

    exit_code = 3


class TrainingError(VaeError):
    """Training could not go on (a non-finite loss)."""

    exit_code = 4


class Interrupted(VaeError):
    """Ctrl-C or SIGTERM stopped training after it saved a checkpoint."""

    exit_code = 130


class Paused(Interrupted):
    """Training stopped by Ctrl-C or SIGTERM after a checkpoint: the documented way to pause; `resume=` continues."""


# Disk faults by errno: what the fix is. TensorFlow reports them as OpErrors whose message ends in the strerror.
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_STRERRORS = {os.strerror(code): code for code in _FULL | _READ_ONLY}


def disk_fault(ex: BaseException, folder=None, then: str | None = None) -> DataError | None:
    """A DataError for a full or read-only disk (an OSError, or TensorFlow's error for one) that names the file
    (else `folder`, where the command writes) and the fix, ending in `then` (how to continue); None for other errors."""
    code, path = getattr(ex, "errno", None), getattr(ex, "filename", None)
    if not isinstance(ex, OSError):  # tensorflow.errors.OpError: "{{...}} /path/file; No space left on device [Op:SaveV2]"
        text = str(getattr(ex, "message", "") or "")
        found = next((s for s in _STRERRORS if s in text), None)
        if found is None:
            return None
        code, named = _STRERRORS[found], re.search(r"(/[^\s;]+?)[;:]?\s*" + re.escape(found), text)
        path = named.group(1) if named else None
    if code not in _FULL | _READ_ONLY:
        return None
    if path and "_temp/" in str(path):  # a checkpoint's temporary file: name its folder
        path = str(path).split("_temp/")[0].rsplit("/", 1)[0]
    if code in _FULL:
        fix = f"free space there, then {then}" if then else "free space there, or write elsewhere (hydra.run.dir=...)"
    else:
        fix = f"make it writable, then {then}" if then else "choose a folder you can write (hydra.run.dir=...)"
    return DataError(f"cannot write {path or folder or 'the output folder'}: {os.strerror(code)}; {fix}")


def describe_config_error(ex: BaseException) -> str | None:
    """One line for a Hydra or OmegaConf composition error, or None if `ex` is neither.

    Hydra's own messages run over several lines (search paths, full keys); a user
    needs the key, what was wrong, and what is allowed.
    """
    from hydra.errors import HydraException, MissingConfigException, OverrideParseException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, MissingMandatoryValue, OmegaConfBaseException

    if isinstance(ex, MissingConfigException):
        group = (ex.missing_cfg_file or "").rsplit("/", 1)
        options = list(ex.options or [])
        if len(group) == 2 and options:
            return f"unknown {group[0]} '{group[1]}'; choose one of: {', '.join(sorted(options))}{_did_you_mean(group[1], options)}"
        return _first_line(str(ex))
    if isinstance(ex, OverrideParseException):
        return f"cannot parse override '{ex.override}': {_first_line(ex.message)}"
    cause = ex.__cause__ if isinstance(ex, HydraException) else ex
    if isinstance(cause, MissingMandatoryValue):
        key = getattr(cause, "full_key", "") or "a value"
        return f"{key} is required; pass {key}=..."
    if isinstance(cause, (ConfigKeyError, ConfigAttributeError)):
        key = getattr(cause, "full_key", "") or getattr(cause, "key", "")
        parent, known = key.rpartition(".")[0], getattr(cause, "parent_node", None)
        listed = getattr(known, "keys", None)
        keys = [f"{parent}.{k}" if parent else str(k) for k in (listed() if callable(listed) else [])]
        return f"unknown option '{key}' ({_first_line(cause.msg or '')}); add --cfg job to list the options{_did_you_mean(key, keys)}"
    if isinstance(cause, OmegaConfBaseException) and (missing := re.search(r"Missing mandatory value: ([\w.]+)", str(cause))):
        return f"{missing.group(1)} is required; pass {missing.group(1)}=..."
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", "")
        message = _first_line(getattr(cause, "msg", None) or str(cause))
        return f"{key}: {message}" if key else message
    if isinstance(ex, HydraException):
        return _first_line(str(ex))
    if isinstance(ex, ValueError) and str(ex).startswith("Only one of --run, --multirun"):  # Hydra's flag check
        return (f"{_first_line(str(ex))}: without -m, --cfg job prints the config (the same for every job of a "
                "sweep but the swept keys); without --cfg, -m runs the sweep")
    return None


def one_line_message(ex: BaseException) -> str:
    """What `vae` prints for an error raised inside a job: vaecli's own message, or a described config error."""
    if isinstance(ex, VaeError):
        return " ".join(str(ex).split())
    return describe_config_error(ex) or f"{type(ex).__name__}: {_first_line(str(ex))}"


def _did_you_mean(typed: str, known) -> str:
    """"; did you mean 'x'?" for the known name nearest to a typo (as git does), or "" if none is near."""
    import difflib

    # cutoff 0.6: difflib's default; 'modle' -> 'model', 'trainer.epoch' -> 'trainer.epochs', 'mdd' -> 'mmd'
    near = difflib.get_close_matches(typed, [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean '{near[0]}'?" if near else ""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)
