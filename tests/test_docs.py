"""The documentation site: its generated reference tables follow the code, and `mkdocs build --strict` passes."""

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
import typing
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


def _leaves(cls, prefix="", groups=True):
    """(name, default) of every leaf option of a schema, nested schemas expanded (a field whose default or type is
    a dataclass), read with dataclasses alone; groups=True: without model, network, likelihood and dataset."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        nested = type(default) if dataclasses.is_dataclass(default) else hints.get(f.name)
        if groups and f.name in ("model", "network", "likelihood", "dataset"):
            continue
        if isinstance(nested, type) and dataclasses.is_dataclass(nested):
            yield from _leaves(nested, f"{prefix}{f.name}.", groups)
        else:
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


def test_every_objective_network_likelihood_and_method_has_its_options_section():
    from vaecli.embed.methods import METHODS
    from vaecli.models.likelihoods import LIKELIHOODS
    from vaecli.models.network_schemas import NETWORK_SCHEMAS
    from vaecli.models.objectives import OBJECTIVES

    for group, names in (("model", OBJECTIVES), ("network", NETWORK_SCHEMAS), ("likelihood", LIKELIHOODS),
                         ("method", METHODS)):
        page = reference.options_markdown(group)
        for name in names:
            assert f"### `{group}={name}`" in page
    elbo = _row(reference.options_markdown("model"), "model.kl_weight")
    assert "`1.0`" in elbo and "kl_weight >= 0" in elbo and "true ELBO" in elbo


def test_the_options_page_has_every_command_and_every_config_group():
    """docs/options.md: a table for each `vae` command's root schema (found through conf/<command>.yaml, as Hydra
    finds it), one per group whose options depend on the choice, and the choices of every group in conf/."""
    from vaecli.cli import COMMANDS

    page = (REPO / "docs" / "options.md").read_text()
    schemas, groups = reference.command_schemas(), reference.schema_groups()
    assert list(schemas) == list(COMMANDS)
    assert {"model", "network", "likelihood", "method"} <= set(groups)
    for command in COMMANDS:
        assert f"## `vae {command}`" in page and f"<!-- generated: options {command} -->" in page, f"vae {command} is missing"
    for group in groups:
        assert f"<!-- generated: options {group} -->" in page, f"the {group}= options are missing"
    for folder in sorted(p for p in (REPO / "conf").iterdir() if p.is_dir() and p.name != "hydra"):
        assert f"<!-- generated: presets {folder.name} -->" in page, f"the choices of {folder.name}= are missing"


@pytest.mark.parametrize("command", ["train", "eval", "embed", "report", "bench"])
def test_each_command_table_lists_every_option_of_its_schema(command):
    """Every leaf of the command's schema is a row, but the groups with tables of their own and the options a
    command shares with `vae train` (bench's and embed's dataset.*, bench's trainer.*)."""
    schema = reference.command_schemas()[command]
    left_out = (*reference.schema_groups(), *reference.SHOWN_UNDER_TRAIN.get(command, ()))
    table = reference.options_markdown(command)
    leaves = [(name, default) for name, default in _leaves(schema, groups=False) if name.split(".")[0] not in left_out]
    assert leaves, command
    for name, default in leaves:
        assert f"| `{_escape(reference._show(default))}` |" in _row(table, name), (command, name)
    for name in left_out:
        assert f"<code>{name}.<wbr>" not in table and f"<code>{name}</code>" not in table, (command, name)


def test_a_required_option_shows_as_required():
    assert "| `required` |" in _row(reference.options_markdown("eval"), "run")


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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The documentation site, built once with `mkdocs build --strict`."""
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        from conftest import missing

        missing("mkdocs (pip install -e '.[docs]')")
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(folder)], cwd=REPO,
                            capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1", "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


@pytest.mark.slow
def test_mkdocs_build_strict(site):
    options = (site / "options.html").read_text()
    assert "trainer.<wbr>learning_rate" in options and "model.<wbr>kl_weight" in options  # the generated tables
    assert "method.<wbr>perplexity" in options and "<code>knn_neighbours</code>" in options  # vae embed's
    assert (site / "index.html").is_file()


# Every one-word value or type in a column after the option's name, split over lines: none, at any width.
BROKEN_WORDS = """
const broken = [];
for (const cell of document.querySelectorAll('.options-table td:not(:first-child)')) {
  for (const node of cell.querySelectorAll('code').length ? cell.querySelectorAll('code') : [cell]) {
    if (node.textContent.trim().split(/\\s+/).length !== 1) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) broken.push(node.textContent);
  }
}
return broken;
"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [1400, 700])
def test_no_value_in_the_options_tables_breaks_inside_a_word(site, width):
    """Material lets inline code break anywhere: before docs/stylesheets/extra.css said otherwise, a default of
    `required` wrapped as requi|red (12 values at every width)."""
    from test_report_page import chromium

    driver = chromium(width=width)
    try:
        driver.get((site / "options.html").as_uri())
        assert driver.execute_script("return document.querySelectorAll('.options-table td').length") > 500
        assert driver.execute_script(BROKEN_WORDS) == []
    finally:
        driver.quit()
