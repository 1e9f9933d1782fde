"""The documentation site: its generated reference tables follow the code, and `mkdocs build --strict` passes."""

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

from vaecli.errors import require, require_choice, require_positive

REPO = Path(__file__).resolve().parents[1]


def _load_generator():
    spec = importlib.util.spec_from_file_location("docs_reference", REPO / "docs" / "hooks" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


reference = _load_generator()


@dataclass
class ScratchConfig:
    """A scratch schema, written as vaecli's are."""

    epochs: int = 7  # seven, because a scratch run is short
    # The optimiser's step size; the comment above a field counts too.
    learning_rate: float = 0.5
    kind: str = "plain"  # one of the two kinds
    widths: list[int] = field(default_factory=lambda: [3, 4])
    limit: Optional[int] = None

    def __post_init__(self) -> None:
        require_positive("epochs", self.epochs, "7")
        require_choice("kind", self.kind, ("plain", "fancy"))
        require(0 < self.learning_rate < 1, "learning_rate must be in (0, 1)")


def _rows(cls, prefix=""):
    return {row.name: row for row in reference.schema_rows(cls, prefix)}


def test_a_schema_row_has_its_type_default_range_and_comment():
    rows = _rows(ScratchConfig)
    assert list(rows) == ["epochs", "learning_rate", "kind", "widths", "limit"]
    assert (rows["epochs"].type, rows["epochs"].default, rows["epochs"].range) == ("int", "7", "> 0")
    assert rows["epochs"].why == "seven, because a scratch run is short"
    assert rows["learning_rate"].why == "The optimiser's step size; the comment above a field counts too."
    assert rows["learning_rate"].range == "0 < learning_rate < 1"
    assert rows["kind"].range == "one of plain, fancy"
    assert rows["widths"].default == "[3, 4]" and rows["limit"].default == "null"


def test_changing_a_default_changes_the_table():
    changed = dataclasses.make_dataclass("Changed", [("epochs", int, field(default=9))], bases=(ScratchConfig,))
    before, after = reference.rows_table(reference.schema_rows(ScratchConfig)), reference.rows_table(reference.schema_rows(changed))
    assert "| <code>epochs</code> | int | `7` | > 0 |" in before
    assert "| <code>epochs</code> | int | `9` | > 0 |" in after and "`7`" not in _row(after, "epochs")


def _leaves(cls, prefix=""):
    """(name, default) of every leaf option of a schema, nested schemas expanded, read with dataclasses alone."""
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if dataclasses.is_dataclass(default):
            yield from _leaves(type(default), f"{prefix}{f.name}.")
        elif f.name not in ("model", "network", "likelihood", "dataset"):
            yield prefix + f.name, default


def test_the_train_options_table_lists_every_schema_field_with_its_default():
    from vaecli.config.schemas import TrainConfig
    from vaecli.data.schema import DatasetConfig

    table = reference.options_markdown("train")
    leaves = list(_leaves(TrainConfig)) + list(_leaves(DatasetConfig, "dataset."))
    assert len(leaves) > 60
    for name, default in leaves:
        shown = reference._show("???" if default == "???" else default)
        assert f"| `{_escape(shown)}` |" in _row(table, name), (name, shown)


def _escape(text):
    return text.replace("|", "\\|")


def _row(table, name):
    """The table's row of an option (shown as <code>, with a break allowed after each dot) or of an objective."""
    starts = (f"| `{name}` |", "| <code>" + name.replace(".", ".<wbr>") + "</code> |")
    rows = [line for line in table.splitlines() if line.startswith(starts)]
    assert rows, f"{name} missing from the table"
    return rows[0]


def test_every_objective_network_and_likelihood_has_its_options_section():
    from vaecli.models.likelihoods import LIKELIHOODS
    from vaecli.models.network_schemas import NETWORK_SCHEMAS
    from vaecli.models.objectives import OBJECTIVES

    for group, names in (("model", OBJECTIVES), ("network", NETWORK_SCHEMAS), ("likelihood", LIKELIHOODS)):
        page = reference.options_markdown(group)
        for name in names:
            assert f"### `{group}={name}`" in page
    elbo = _row(reference.options_markdown("model"), "model.kl_weight")
    assert "`1.0`" in elbo and "kl_weight >= 0" in elbo and "true ELBO" in elbo


def test_the_objective_metric_and_exit_code_tables_follow_their_registries():
    from vaecli import errors
    from vaecli.evaluate.metric_names import COLUMNS
    from vaecli.models.objectives import OBJECTIVES

    objectives = reference.objectives_markdown()
    assert [line.split("|")[1].strip() for line in objectives.splitlines()[2:]] == [f"`{n}`" for n in OBJECTIVES]
    assert "`mmd` | " in objectives and "deterministic z = f(x)" in _row(objectives, "mmd")
    metrics = reference.metrics_markdown()
    assert [line.split("|")[1].strip() for line in metrics.splitlines()[2:]] == [f"`{key}`" for key, _, _ in COLUMNS]
    assert set(reference.METRIC_PAPERS) == {key for key, _, _ in COLUMNS}, "a metric without its definition"
    codes = reference.exit_codes_markdown()
    for cls in (errors.ConfigError, errors.DataError, errors.TrainingError, errors.Interrupted):
        assert f"| {cls.exit_code} | `{cls.__name__}` |" in codes


def test_an_unknown_marker_fails_loudly():
    assert "| choice |" in reference.render("<!-- generated: presets dataset -->")
    with pytest.raises(ValueError, match="unknown generated table"):
        reference.render("<!-- generated: nothing -->")


def test_no_internal_nickname_in_the_docs():
    pages = [REPO / "README.md", *(REPO / "docs").rglob("*.md")]
    for page in pages:
        assert "seeds'" not in page.read_text(), f"{page}: name the article, not \"the seeds'\""


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        from conftest import missing

        missing("mkdocs (pip install -e '.[docs]')")
    result = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=REPO,
                            capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    options = (tmp_path / "site" / "options.html").read_text()
    assert "trainer.<wbr>learning_rate" in options and "model.<wbr>kl_weight" in options  # the generated tables
    assert (tmp_path / "site" / "index.html").is_file()
