"""Where a short `vae` process spends its time: `python -m vaecli.bench.startup train [overrides]`.

Runs the command in this process, with timestamps (seconds since the process started) around the
phases that many short sweep jobs pay again and again: composing the config, importing TensorFlow,
loading the data, building the model, the first compiled call (tracing and its 50 steps), figures,
the end of training and `vae eval` at the end. Each function is wrapped when its module loads, so
nothing is imported earlier than the command itself would import it. Also prints how often the
training and evaluation steps were traced (once each is right).
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import json
import sys
import time

import psutil

STARTED = psutil.Process().create_time()
marks: list[tuple[str, float]] = []
steps_seen: list = []


def mark(name: str) -> None:
    marks.append((name, round(time.time() - STARTED, 2)))


def _timed(owner, attribute: str, name: str) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        mark(f"{name} starts")
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"{name} ends")

    setattr(owner, attribute, timed)


def _watch_first_call(module) -> None:
    """Each Steps' first train_chunk call: its end (tracing + one chunk of steps)."""
    init = module.Steps.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        chunk, calls = self.train_chunk, []

        def train_chunk(*a, **k):
            result = chunk(*a, **k)
            if not calls:
                result.numpy()
                mark("first compiled call (tracing + steps_per_call steps) ends")
            calls.append(1)
            return result

        self.train_chunk = train_chunk
        steps_seen.append(self)

    module.Steps.__init__ = __init__


PHASES = {  # module -> what to wrap once it has loaded
    "vaecli.config.store": lambda m: _timed(m, "to_object", "config check"),
    "vaecli.quiet_tf": lambda m: _timed(m, "import_tensorflow_quietly", "import tensorflow"),
    "vaecli.data": lambda m: _timed(m, "load_dataset", "load data"),
    "vaecli.train.build": lambda m: _timed(m, "build_steps", "build model and steps"),
    "vaecli.train.steps": _watch_first_call,
    "vaecli.train.loop": lambda m: _timed(m, "train", "train"),
    "vaecli.visual.run_figures": lambda m: _timed(m, "draw", "figures"),
    "vaecli.assess.evaluate_run": lambda m: _timed(m, "evaluate_run", "eval at end"),
}


class _Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in PHASES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            PHASES[name](module)

        spec.loader.exec_module = exec_module
        return spec


def main(argv: list[str] | None = None) -> dict:
    sys.meta_path.insert(0, _Hook())
    mark("python and this module loaded")
    from vaecli.cli import main as vae

    code = vae(sys.argv[1:] if argv is None else argv)
    mark("command returns")
    tracing = [{"train_step": s._step.experimental_get_tracing_count(),
                "evaluate": s.evaluate_dataset.experimental_get_tracing_count()} for s in steps_seen]
    report = {"exit_code": code, "seconds": marks, "tracing_counts": tracing}
    width = max(len(name) for name, _ in marks)
    print("\n".join(f"{name:<{width}} {t:7.2f} s" for name, t in marks), file=sys.stderr)
    print(json.dumps(report), file=sys.stderr)
    return report


if __name__ == "__main__":
    sys.exit(main()["exit_code"])
