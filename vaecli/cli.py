"""The `vae` command: picks a subcommand and turns any error into one line and an exit code.

Each subcommand is a Hydra app in vaecli/commands/; this module only dispatches.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from pathlib import Path

# TensorFlow logs dozens of INFO/WARNING lines at import; level 2 hides those, errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

COMMANDS = {
    "train": "train a VAE: vae train model=mmd dataset=fashion [overrides]; -m for sweeps",
    "eval": "measure a finished run: vae eval run=outputs/<run>",
    "embed": "a 2-D map by t-SNE, UMAP or PCA, scored like a VAE: vae embed method=tsne dataset=fashion",
    "report": "one HTML page comparing runs: vae report [dirs=[outputs]]",
    "bench": "training throughput against baselines: vae bench",
}

USAGE = "usage: vae {" + ",".join(COMMANDS) + "} [hydra overrides]\n\n" + "\n".join(
    f"  {name:<7} {text}" for name, text in COMMANDS.items()
) + "\n\n`vae COMMAND --help` lists a command's options; HYDRA_FULL_ERROR=1 shows tracebacks."


def main(argv: list[str] | None = None) -> int:
    # SIGTERM's default action ends the process without a word; as an interrupt it says how to continue.
    # Training catches both signals itself (vaecli/train/stop_signals.py) to stop after a checkpoint.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] == "--version":
        from vaecli import __version__

        print(f"vaecli {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"vae: error: unknown command '{name}'; choose one of: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    return _run(name, rest)


def _run(name: str, rest: list[str]) -> int:
    user_wants_traceback = os.environ.get("HYDRA_FULL_ERROR") == "1"
    # Hydra prints multi-line reports of its own unless this is set; we want the exception.
    os.environ["HYDRA_FULL_ERROR"] = "1"
    from vaecli.run.creation import recording

    saved_argv = sys.argv
    sys.argv = [f"vae {name}", *rest]
    try:
        with recording() as created:  # the folders this command creates: taken away if it fails before it starts
            return _run_recorded(name, rest, created, user_wants_traceback)
    finally:
        sys.argv = saved_argv
        if not user_wants_traceback:
            os.environ.pop("HYDRA_FULL_ERROR", None)


def _run_recorded(name: str, rest: list[str], created: list[Path], user_wants_traceback: bool) -> int:
    from vaecli.errors import Paused, VaeError, describe_config_error, disk_fault

    try:
        importlib.import_module(f"vaecli.commands.{name}").main()
        return 0
    except SystemExit as ex:  # argparse inside Hydra (--help, bad flags) exits by itself
        return ex.code if isinstance(ex.code, int) else (0 if ex.code is None else 1)
    except KeyboardInterrupt:
        print(f"vae {name}: interrupted; {_how_to_continue(name, rest, created)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `vae train --help | head`: the reader left; no error to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 0
    except Exception as ex:
        if user_wants_traceback:
            raise
        if isinstance(ex, VaeError):
            message, code = str(ex), ex.exit_code
        elif (described := describe_config_error(ex)) is not None:
            message, code = described, 2
        elif (disk := disk_fault(ex)) is not None:  # a full or read-only disk: its file and the fix
            message, code = str(disk), disk.exit_code
        elif isinstance(ex, OSError) and ex.filename:  # e.g. an output folder that cannot be written
            message, code = f"cannot use {ex.filename}: {ex.strerror}; choose another place (hydra.run.dir=...)", 3
        else:
            message, code = f"internal error: {type(ex).__name__}: {ex} (HYDRA_FULL_ERROR=1 shows the traceback)", 1
        said = "paused" if isinstance(ex, Paused) else "error"  # Ctrl-C in training is how users pause a run
        print(f"vae {name}: {said}: {_one_line(message)}", file=sys.stderr)
        return code


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _how_to_continue(name: str, args: list[str], created: list[Path]) -> str:
    """After an interrupt outside training's own handling (start-up, a second Ctrl-C): the run to continue,
    or, for a new run that had not started, nothing kept (the folder this command made is taken away)."""
    given = {key: value.strip("'\"") for key, value in (arg.split("=", 1) for arg in args if "=" in arg)}
    if name == "eval" and given.get("run"):
        return f"evaluate it with: vae eval run={given['run']}"
    if name != "train":
        return "run the same command again"
    if given.get("resume") not in (None, "", "null"):
        return f"continue with: vae train resume={given['resume']}"
    from vaecli.run.creation import is_litter, remove_unused_run_folder
    from vaecli.run.files import holds_run

    folder = created[0] if created else Path(given["hydra.run.dir"]) if "hydra.run.dir" in given else None
    remove_unused_run_folder()  # only if it holds nothing but Hydra's record, the lock and the log
    if folder is not None and folder.is_dir() and (holds_run(folder) or not all(map(is_litter, folder.iterdir()))):
        return f"continue with: vae train resume={folder}"
    return "training had not started and nothing was kept; run the same command again"


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
