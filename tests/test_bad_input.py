"""The bad-input catalogue: each one line naming the problem and the fix, its exit code, no traceback.

docs/reliability.md's "Bad input" table lists the same cases; the last test keeps the two in step.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, choices, run_vae, write_idx, write_idx_dir

from vaecli.run import names

IMAGES = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
LABELS = np.arange(20, dtype=np.uint8) % 10


def make(kind: str, tmp: Path) -> Path:
    """A broken input of the given kind under tmp."""
    good = write_idx_dir(tmp / "data", IMAGES, LABELS, IMAGES[:10], LABELS[:10])
    if kind == "missing file":
        (good / "t10k-labels-idx1-ubyte.gz").unlink()
    elif kind == "truncated":
        path = good / "train-images-idx3-ubyte.gz"
        write_idx(path, IMAGES, compress=False)
        path.write_bytes(path.read_bytes()[:-100])
    elif kind == "wrong magic":
        (good / "train-labels-idx1-ubyte.gz").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    elif kind == "count mismatch":
        write_idx(good / "train-labels-idx1-ubyte.gz", LABELS[:15])
    elif kind == "a file":
        return good / "train-images-idx3-ubyte.gz"
    elif kind == "a finished run":
        (tmp / "run").mkdir()
        (tmp / "run" / names.METRICS_CSV).write_text("epoch,train/loss\n1,0.5\n")
        return tmp / "run"
    return good


# (what, arguments with {data}/{tmp} placeholders, exit code, start of the message after "error: ")
CATALOGUE = [
    ("unknown command", ["fly"], 2, "unknown command 'fly'"),
    ("unknown model", ["train", "model=vqvae"], 2, f"unknown model 'vqvae'; choose one of: {', '.join(choices('model'))}"),
    ("unknown dataset", ["train", "dataset=cifar"], 2, f"unknown dataset 'cifar'; choose one of: {', '.join(choices('dataset'))}"),
    ("unknown option", ["train", "trainer.epoch=3"], 2, "unknown option 'trainer.epoch'"),
    ("option of the other model", ["train", "model=elbo", "model.kernel.sigma=1"], 2, "unknown option 'model.kernel'"),
    ("wrong type", ["train", "latent_dim=abc"], 2, "latent_dim: Value 'abc' of type 'str' could not be converted to Integer"),
    ("zero latent_dim", ["train", "latent_dim=0"], 2, "latent_dim must be > 0"),
    ("negative epochs", ["train", "trainer.epochs=-1"], 2, "trainer.epochs must be > 0"),
    ("zero batch size", ["train", "trainer.batch_size=0"], 2, "trainer.batch_size must be > 0"),
    ("batch larger than the data", ["train", "dataset=idx", "dataset.path={data}", "trainer.batch_size=500"], 2,
     "trainer.batch_size=500 is larger than the 20 training images"),
    ("kernel bandwidth <= 0", ["train", "model.kernel.sigma=0"], 2, "model.kernel.sigma must be > 0"),
    ("negative weight", ["train", "model=elbo", "model.kl_weight=-1"], 2, "model.kl_weight must be >= 0"),
    ("unknown kernel", ["train", "model.kernel.name=laplace"], 2, "model.kernel.name=laplace is not known"),
    ("idx without a path", ["train", "dataset=idx"], 2, "dataset=idx needs dataset.path=DIR"),
    ("dataset path missing", ["train", "dataset.path={tmp}/nowhere"], 2, "dataset.path={tmp}/nowhere does not exist"),
    ("dataset path is a file", ["train", "dataset=idx", "dataset.path={a file}"], 2, "dataset.path={a file} is a file, not a directory"),
    ("one of the four files missing", ["train", "dataset=idx", "dataset.path={missing file}"], 3, "{missing file} lacks t10k-labels-idx1-ubyte[.gz]"),
    ("truncated IDX file", ["train", "dataset=idx", "dataset.path={truncated}"], 3, "{truncated}/train-images-idx3-ubyte.gz: truncated"),
    ("wrong magic number", ["train", "dataset=idx", "dataset.path={wrong magic}"], 3, "{wrong magic}/train-labels-idx1-ubyte.gz: not an IDX file"),
    ("image/label count mismatch", ["train", "dataset=idx", "dataset.path={count mismatch}"], 3, "{count mismatch}: 20 train images but 15 labels"),
    ("unwritable output folder", ["train", "dataset=idx", "dataset.path={data}", "hydra.run.dir={a file}/run"], 3, "cannot use {a file}/run"),
    ("a new run over a finished one", ["train", "dataset=idx", "dataset.path={data}", "hydra.run.dir={a finished run}"], 3,
     "{a finished run} already holds a run; continue it with resume={a finished run}"),
    ("resume a folder that is no run", ["train", "resume={tmp}"], 3, "resume={tmp} is not a vaecli run folder"),
    ("resume a folder that does not exist", ["train", "resume={tmp}/nowhere"], 2, "resume={tmp}/nowhere is not a folder"),
    ("eval a folder that is no run", ["eval", "run={tmp}"], 3, "{tmp} is not a vaecli run folder"),
    ("eval without a run", ["eval"], 2, "run is required; pass run=..."),
    ("report on an empty folder", ["report", "{tmp}"], 3, "no vaecli runs under {tmp}"),
]


@pytest.mark.parametrize("what, args, code, message", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_input(tmp_path, what, args, code, message):
    places = {"tmp": str(tmp_path), "data": str(make("good", tmp_path))}
    for kind in ("missing file", "truncated", "wrong magic", "count mismatch", "a file", "a finished run"):
        if "{" + kind + "}" in " ".join(args) + message:
            places[kind] = str(make(kind, tmp_path / kind.replace(" ", "_")))
    fill = lambda text: re.sub(r"\{([a-z ]+)\}", lambda m: places[m.group(1)], text)  # noqa: E731
    result = run_vae(*[fill(a) for a in args], cwd=tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr + result.stdout, result.stderr
    command = "vae" if args[0] == "fly" else f"vae {args[0]}"
    assert lines[0].startswith(f"{command}: error: {fill(message)}"), lines[0]
    assert result.returncode == code
    assert not (tmp_path / "outputs").exists(), "a failed command left a run folder behind"
    if "a finished run" in places:
        assert (Path(places["a finished run"]) / names.METRICS_CSV).is_file()


def test_docs_list_the_catalogue():
    page = (REPO / "docs" / "reliability.md").read_text()
    table = page[page.index("## Bad input"):]
    for what, _args, code, _message in CATALOGUE:
        assert re.search(rf"\| {re.escape(what)} \|.*\| {code} \|", table), f"docs/reliability.md's bad-input table lacks: {what}"
