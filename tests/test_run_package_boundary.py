"""Only the run package (vaecli/run/) knows a run folder's file names: every other module reaches a run's files
through RunFolder (vaecli/run/folder.py), so that one reader checks them (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vaecli.run import names

PACKAGE = Path(__file__).resolve().parent.parent / "vaecli"
# names' file and folder names (TIMING_PARTS are timing.csv's columns and EMBEDDING_KIND a value of run.json:
# neither is a file)
NOT_FILES = {"EMBEDDING_KIND"}
FILE_NAMES = {key: value for key, value in vars(names).items()
              if key.isupper() and isinstance(value, str) and key not in NOT_FILES}
SPELLED = set(FILE_NAMES.values()) | set(names.LOGS)


def spelled_run_names(source: str) -> list[str]:
    """Where a module names a run folder's file: `names.X` or an import of it, or a literal such as
    `folder / "metrics.csv"` or `open("run.json")`."""
    tree = ast.parse(source)
    aliases, found = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "vaecli.run":
            aliases |= {alias.asname or alias.name for alias in node.names if alias.name == "names"}
        elif isinstance(node, ast.ImportFrom) and node.module == "vaecli.run.names":
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in FILE_NAMES]
        elif isinstance(node, ast.Import):
            found += [f"line {node.lineno}: imports vaecli.run.names" for a in node.names if a.name == "vaecli.run.names"]
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr in FILE_NAMES):
            found.append(f"line {node.lineno}: names.{node.attr}")
        literal = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant):
            literal = node.right.value
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open" and node.args \
                and isinstance(node.args[0], ast.Constant):
            literal = node.args[0].value
        if isinstance(literal, str) and literal in SPELLED:
            found.append(f"line {node.lineno}: {literal!r}")
    return found


# every package and top-level module of vaecli but the run package, one test each
PARTS = sorted({p.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("*.py")} - {"run"})


@pytest.mark.parametrize("part", PARTS)
def test_no_module_outside_the_run_package_spells_a_run_file(part):
    outside = {}
    for path in sorted((PACKAGE / part).rglob("*.py")) if (PACKAGE / part).is_dir() else [PACKAGE / part]:
        if found := spelled_run_names(path.read_text()):
            outside[str(path.relative_to(PACKAGE.parent))] = found
    assert not outside, f"read these through RunFolder (vaecli/run/folder.py): {outside}"


def test_the_check_sees_every_package():
    assert {"report", "track", "embed", "train", "commands"} <= set(PARTS) and "run" not in PARTS


def test_the_check_finds_each_way_of_spelling_a_run_file():
    assert spelled_run_names("from vaecli.run import names\npath = run / names.METRICS_CSV\n") == ["line 2: names.METRICS_CSV"]
    assert spelled_run_names("from vaecli.run.names import CONFIG\n") == ["line 1: imports CONFIG"]
    assert spelled_run_names("p = run_dir / 'status.json'\nq = open('run.json')\n") == [
        "line 1: 'status.json'", "line 2: 'run.json'"]
    # a timing part or a figure kind that shares a word with a folder is not a path
    assert spelled_run_names("with parts.timed('figures'):\n    pass\nkinds = ['figures']\n") == []
    assert spelled_run_names("from vaecli.run import names\nparts = names.TIMING_PARTS\n") == []
