"""The docs' reference tables, generated from the code so that they cannot drift (an MkDocs hook).

A page asks for a table with a marker line, e.g. `<!-- generated: options train -->`; `on_page_markdown`
replaces it with the Markdown that the functions below build from:
- the config schemas, found as Hydra finds them (each `vae` command's root schema named by conf/<command>.yaml,
  each group's `<group>_<choice>_schema` in Hydra's ConfigStore): name, type, default, range (read from each
  schema's `__post_init__` checks) and the source comment that says why;
- the objective registry (`vaecli.models.objectives.OBJECTIVES`), the metric names
  (`vaecli.evaluate.metric_names`), the exit codes (`vaecli.errors`) and the presets' header comments in conf/.
Every function returns Markdown text and imports no TensorFlow, so tests/test_docs.py calls them directly.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import re
import sys
import textwrap
import tokenize
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path; vaecli may not be installed where it runs
    sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"^<!-- generated: ([\w-]+)(?: ([\w./-]+))? -->$", re.MULTILINE)


# ------------------------------------------------------------------ one schema -> rows


@dataclasses.dataclass
class Row:
    name: str
    type: str
    default: str
    range: str
    why: str


def field_comments(cls: type) -> dict[str, str]:
    """{field: its comment}: the comment lines right above a field and the comment after it, in cls's own body."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    comments = {}  # line number (1-based) -> comment text
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    body = ast.parse(source).body[0]
    found = {}
    for node in body.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above, line = [], node.lineno - 1
        while line >= 1 and lines[line - 1].strip().startswith("#"):
            above.insert(0, comments.get(line, ""))
            line -= 1
        after = [comments[n] for n in range(node.lineno, node.end_lineno + 1) if n in comments]
        text = " ".join(part for part in above + after if part and not part.startswith("----"))
        found[node.target.id] = text.replace("noqa: F401", "").strip()
    return found


def _self_field(node: ast.AST) -> str | None:
    """The first `self.<name>` (or `getattr(self, "<name>")`) inside node."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
            return sub.attr
    return None


def _constant(node: ast.AST, namespace: dict):
    try:
        return ast.literal_eval(node)
    except ValueError:
        try:
            return eval(compile(ast.Expression(node), "<range>", "eval"), dict(namespace))  # names the schema's module defines
        except Exception:  # noqa: BLE001  (a range the schema's names cannot evaluate here stays unread)
            return None


_NEGATE = {ast.Lt: ">=", ast.LtE: ">", ast.Gt: "<=", ast.GtE: "<", ast.Eq: "!=", ast.NotEq: "=="}


def _condition_text(cond: ast.AST, namespace: dict) -> str:
    if (isinstance(cond, ast.Compare) and len(cond.ops) == 1 and isinstance(cond.ops[0], ast.In)
            and (choices := _constant(cond.comparators[0], namespace)) is not None):
        return "one of " + ", ".join(map(str, choices))
    if (isinstance(cond, ast.Call) and getattr(cond.func, "id", None) == "all" and len(cond.args) == 1
            and isinstance(gen := cond.args[0], ast.GeneratorExp) and isinstance(test := gen.elt, ast.Compare)
            and isinstance(test.left, ast.Name) and test.left.id == getattr(gen.generators[0].target, "id", None)):
        return "each " + ast.unparse(test)[len(test.left.id):].strip()  # all(k > 0 for k in self.x) -> each > 0
    return ast.unparse(cond).replace("self.", "")


def field_ranges(cls: type) -> dict[str, list[str]]:
    """{field: [range, ...]} from the checks in `__post_init__` of cls and its bases: require_positive
    (> 0), require_choice (one of ...), require(condition, ...) and `if condition: raise`."""
    ranges: dict[str, list[str]] = {}

    def add(name, text):
        if name and text not in ranges.setdefault(name, []):
            ranges[name].append(text)

    for klass in reversed(cls.__mro__):
        method = klass.__dict__.get("__post_init__")
        if method is None:
            continue
        module = sys.modules[klass.__module__]
        namespace = dict(vars(module))
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
        for node in ast.walk(tree):  # names the check imports inside the method (`from vaecli.data import SOURCES`)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                try:
                    imported = __import__(node.module, fromlist=[a.name for a in node.names])
                    namespace.update({a.asname or a.name: getattr(imported, a.name) for a in node.names})
                except Exception:  # noqa: BLE001  a check that needs more than the schemas: its range stays unread
                    pass
        loop_names: dict[int, list[str]] = {}  # `for key in ("a", "b"): ... getattr(self, key)`, or (key, example) pairs
        for node in ast.walk(tree):
            if isinstance(node, ast.For) and isinstance(node.target, (ast.Name, ast.Tuple)):
                values = _constant(node.iter, namespace)
                if isinstance(values, tuple) and values and all(isinstance(v, tuple) for v in values):
                    values = tuple(v[0] for v in values)
                if isinstance(values, tuple) and all(isinstance(v, str) for v in values):
                    for sub in ast.walk(node):
                        loop_names.setdefault(id(sub), list(values))
            if isinstance(node, ast.If) and any(isinstance(s, ast.Raise) for s in node.body):
                test = node.test
                if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _NEGATE:
                    text = f"{ast.unparse(test.left)} {_NEGATE[type(test.ops[0])]} {ast.unparse(test.comparators[0])}"
                    add(_self_field(test), text.replace("self.", ""))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) >= 2):
                continue
            kind = node.func.id.lstrip("_")
            if kind in ("positive", "require_positive"):
                names = [_self_field(node.args[1])] if _self_field(node.args[1]) else loop_names.get(id(node), [])
                for name in names:
                    add(name, "> 0")
            elif kind in ("choice", "require_choice") and len(node.args) >= 3:
                choices = _constant(node.args[2], namespace)
                text = "one of " + ", ".join(map(str, choices)) if choices else f"one of {ast.unparse(node.args[2])}"
                add(_self_field(node.args[1]), text)
            elif kind == "require":
                cond = node.args[0]
                fields = {sub.attr for sub in ast.walk(cond) if isinstance(sub, ast.Attribute)
                          and isinstance(sub.value, ast.Name) and sub.value.id == "self"}
                if len(fields) == 1:
                    add(fields.pop(), _condition_text(cond, namespace))
    return ranges


def _default(f: dataclasses.Field) -> object:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return "???"


def _show(value: object) -> str:
    if value == "???":
        return "required"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return value or '""'
    return str(value).replace("'", "")


def _nested_schema(f: dataclasses.Field, cls: type) -> type | None:
    default = _default(f)
    if dataclasses.is_dataclass(default):
        return type(default)
    try:
        hint = typing.get_type_hints(cls).get(f.name)
    except Exception:  # noqa: BLE001  an annotation that does not resolve here: not a nested schema
        return None
    return hint if isinstance(hint, type) and dataclasses.is_dataclass(hint) else None


def schema_rows(cls: type, prefix: str = "", skip: tuple[str, ...] = ()) -> list[Row]:
    """One row per option of the dataclass schema cls (nested schemas expanded as prefix.field.sub)."""
    comments: dict[str, str] = {}
    for klass in reversed(cls.__mro__):  # a subclass's comment wins over its base's
        if dataclasses.is_dataclass(klass):
            comments.update({k: v for k, v in field_comments(klass).items() if v})
    ranges = field_ranges(cls)
    rows = []
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        nested = _nested_schema(f, cls)
        if nested is not None:
            rows += schema_rows(nested, f"{prefix}{f.name}.")
            continue
        why = f.metadata.get("doc") or comments.get(f.name, "")
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        rows.append(Row(prefix + f.name, kind, _show(_default(f)), "; ".join(ranges.get(f.name, [])), why))
    return rows


def _cell(text: str) -> str:
    """text as one Markdown table cell: pipes escaped; outside `code`, no accidental emphasis or HTML tags."""
    parts = text.replace("|", "\\|").replace("\n", " ").split("`")
    for i in range(0, len(parts), 2):  # the even parts lie outside code spans
        parts[i] = parts[i].replace("*", "\\*").replace("__", "\\_\\_").replace("<", "&lt;")
    return "`".join(parts)


def rows_table(rows: list[Row]) -> str:
    """An options table, in a div that docs/stylesheets/extra.css lays out (md_in_html reads the Markdown inside)."""
    out = ['<div class="options-table" markdown>', "", "| option | type | default | range | why |", "|---|---|---|---|---|"]
    for row in rows:
        name = "<code>" + row.name.replace(".", ".<wbr>") + "</code>"  # long names break after a dot
        out.append(f"| {name} | {_cell(row.type)} | `{_cell(row.default)}` | {_cell(row.range)} | {_cell(row.why)} |")
    return "\n".join(out) + "\n\n</div>\n"


# ------------------------------------------------------------------ the option pages


def _class_doc(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return "" if doc.startswith(cls.__name__ + "(") else doc.split("\n\n")[0].replace("\n", " ")


# Options a command shares with `vae train`, whose table shows them: bench's and embed's dataset, bench's trainer.
SHOWN_UNDER_TRAIN = {"bench": ("dataset", "trainer"), "embed": ("dataset",)}


def _register_schemas() -> None:
    """Store every schema in Hydra's ConfigStore, as the commands do at start-up (no TensorFlow)."""
    from vaecli.config.store import register_schemas
    from vaecli.embed.config import register_schemas as register_embed_schemas

    register_schemas()
    register_embed_schemas()


def command_schemas() -> dict[str, type]:
    """{command: its root schema} for every `vae` command (vaecli.cli.COMMANDS), found as Hydra finds it: the
    first entry of conf/<command>.yaml's defaults list names a schema in Hydra's ConfigStore."""
    import yaml
    from hydra.core.config_store import ConfigStore
    from omegaconf import OmegaConf

    from vaecli.cli import COMMANDS

    _register_schemas()
    found = {}
    for command in COMMANDS:
        defaults = yaml.safe_load((ROOT / "conf" / f"{command}.yaml").read_text())["defaults"]
        node = ConfigStore.instance().load(f"{defaults[0]}.yaml").node
        found[command] = OmegaConf.get_type(node)
    return found


def schema_groups() -> dict[str, dict[str, type]]:
    """{group: {choice: schema}} for the config groups whose options depend on the choice (model, network,
    likelihood, method): each conf/<group>/<choice>.yaml starts from `<group>_<choice>_schema` in the ConfigStore."""
    from hydra.core.config_store import ConfigStore
    from omegaconf import OmegaConf

    _register_schemas()
    repo = ConfigStore.instance().repo
    groups: dict[str, dict[str, type]] = {}
    for folder in sorted(p for p in (ROOT / "conf").iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.yaml")):
            if (stored := repo.get(f"{folder.name}_{path.stem}_schema.yaml")) is not None:
                groups.setdefault(folder.name, {})[path.stem] = OmegaConf.get_type(stored.node)
    return groups


def options_markdown(which: str = "train") -> str:
    """The options of a command (train, eval, embed, report, bench) or of a config group (model, network,
    likelihood, method). A command's group choices (model=, method=, ...) have tables of their own."""
    commands, groups = command_schemas(), schema_groups()
    if which in commands:
        return rows_table(schema_rows(commands[which], skip=(*groups, *SHOWN_UNDER_TRAIN.get(which, ()))))
    if which not in groups:
        raise ValueError(f"no options table named {which!r}; use {', '.join([*commands, *groups])}")
    parts = []
    for name, schema in groups[which].items():
        parts.append(f"### `{which}={name}`\n")
        if doc := _class_doc(schema):
            parts.append(doc + "\n")
        rows = schema_rows(schema, f"{which}.", skip=("name",))
        parts.append(rows_table(rows) if rows else "No options.\n")
    return "\n".join(parts)


def presets_markdown(group: str) -> str:
    """The choices of a config group (conf/<group>/*.yaml), each with the first comment line of its file."""
    folder = ROOT / "conf" / group
    if not folder.is_dir():
        raise ValueError(f"no config group conf/{group}")
    out = ["| choice | what it is |", "|---|---|"]
    for path in sorted(folder.glob("*.yaml")):
        out.append(f"| `{group}={path.stem}` | {_cell(_first_sentence(path))} |")
    return "\n".join(out) + "\n"


# A sentence ends at a full stop before a space, but not after "et al.", "eq.", "e.g." or "i.e."
_SENTENCE_END = re.compile(r"(?<!\bal)(?<!\beq)(?<!e\.g)(?<!i\.e)\.(?=\s)")


def _first_sentence(path: Path) -> str:
    """The first sentence of a preset's header comment, which may run over several lines (a line that starts an
    indented example, or the end of the comment, ends it too)."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#") or line.startswith("#  ") or not line[1:].strip():
            break
        if not line.startswith("# @package"):
            lines.append(line[1:].strip())
    text = " ".join(lines)
    end = _SENTENCE_END.search(text)
    return text[: end.end()] if end else text.rstrip(":") + ("." if text.endswith(":") else "")


# ------------------------------------------------------------------ objectives, metrics, exit codes


def objectives_markdown() -> str:
    """The objective registry: each objective's loss, paper, encoder, prior, likelihoods and logged loss parts."""
    from vaecli.models.objectives import OBJECTIVES

    out = ["| `model=` | loss | after | encoder, prior | likelihoods it takes | loss parts logged |",
           "|---|---|---|---|---|---|"]
    for name, cls in OBJECTIVES.items():
        paper = (inspect.getdoc(sys.modules[cls.__module__]) or "").split("\n\n")[0].replace("\n", " ")
        cfg = cls.Config()
        stochastic = cls.stochastic_encoder(cfg)
        shared = ("loss", "reconstruction", "kl", "elbo") if stochastic else ("loss", "reconstruction")
        parts = ", ".join(shared + tuple(cls.own_parts))  # plain text: a narrow column wraps it
        encoder = "Gaussian q(z\\|x)" if stochastic else "deterministic z = f(x)"
        likelihoods = ", ".join(cls.likelihoods)
        module_doc = (inspect.getdoc(sys.modules[cls.__module__]) or "").split("\n\n")
        loss = inspect.cleandoc(cls.__dict__.get("__doc__") or "") or (module_doc[1] if len(module_doc) > 1 else "")
        out.append(f"| `{name}` | {_cell(loss)} | {_cell(paper)} | {encoder}, {cls.prior} prior "
                   f"| {likelihoods} | {parts} |")
    return "\n".join(out) + "\n"


METRIC_PAPERS = {  # what each metric measures and where it comes from; keys must match metric_names.COLUMNS
    "test/loss": ("the objective's loss on the test split, last epoch (its own units)", ""),
    "elbo": ("evidence lower bound, one z per image, nats per image", "Kingma & Welling 2014, AEVB"),
    "reconstruction": ("−log p(x | z = code of x) under the run's likelihood", "Kingma & Welling 2014, AEVB"),
    "iw_log_px": ("importance-weighted bound on log p(x), K = eval.iw_samples draws per image",
                  "Burda, Grosse & Salakhutdinov 2016, Importance Weighted Autoencoders"),
    "reconstruction_bce": ("Bernoulli cross-entropy of test images and their reconstructions, nats per image", ""),
    "reconstruction_mse": ("mean squared error per pixel of the same reconstructions", ""),
    "knn1_accuracy": ("1-nearest-neighbour class accuracy of test codes against training codes (scikit-learn)",
                      "Cover & Hart 1967"),
    "knn5_accuracy": ("5-nearest-neighbour class accuracy, as above", "Cover & Hart 1967"),
    "probe_accuracy": ("logistic regression on standardised codes: linearly readable class",
                       "Alain & Bengio 2016, linear classifier probes"),
    "silhouette": ("silhouette score of the classes in code space (5,000 codes)", "Rousseeuw 1987"),
    "prior_mmd": ("MMD² between test codes and draws of the model's prior, inverse multiquadratic kernel",
                  "Gretton et al. 2012, A Kernel Two-Sample Test"),
    "code_mean_norm": ("‖mean test code‖: how centred the codes are (the prior's mean is 0)", ""),
    "active_units": ("code dimensions whose posterior mean varies across test images (variance > 0.01)",
                     "Burda, Grosse & Salakhutdinov 2016"),
    "mig": ("mutual information gap: per factor, the gap between the two codes most informative about it",
            "Chen, Li, Grosse & Duvenaud 2018, β-TCVAE"),
    "sap": ("separated attribute predictability: gap between the two codes that predict a factor best (R²)",
            "Kumar, Sattigeri & Balakrishnan 2018, DIP-VAE"),
    "dci_disentanglement": ("how few factors each code dimension explains (tree importances)",
                            "Eastwood & Williams 2018, DCI"),
    "dci_completeness": ("how few code dimensions explain each factor", "Eastwood & Williams 2018, DCI"),
    "dci_informativeness": ("test accuracy of predicting the factors from the codes", "Eastwood & Williams 2018, DCI"),
    "factor_vae_score": ("majority-vote accuracy of naming the factor held fixed, from the least varying code",
                         "Kim & Mnih 2018, FactorVAE"),
    "beta_vae_score": ("linear classifier's accuracy of naming the factor held fixed, from code differences",
                       "Higgins et al. 2017, β-VAE"),
    "frechet_distance": ("Fréchet distance of the reference classifier's features of prior samples and test images",
                         "Heusel et al. 2017 (FID), with vaecli's own classifier"),
    "grid_confident_share": ("share of the decoded latent grid the reference classifier labels with confidence ≥ 0.9", ""),
    "sample_confident_share": ("the same for decoded prior samples", ""),
    "sample_class_entropy": ("entropy (nats) of the predicted classes of prior samples: diversity", ""),
    "sample_sharpness_ratio": ("edge energy (squared Laplacian) of prior samples over that of test images", ""),
    "epoch_seconds": ("median seconds per epoch (timing.csv)", ""),
}


def metrics_markdown() -> str:
    """The metric table of vaecli.evaluate.metric_names, with each metric's definition and its paper."""
    from vaecli.evaluate.metric_names import COLUMNS, OWN_SCALE

    out = ["| key | label | better | what it measures | paper |", "|---|---|---|---|---|"]
    for key, label, better in COLUMNS:
        what, paper = METRIC_PAPERS.get(key, ("", ""))
        if key in OWN_SCALE:
            what += " (compared only between runs of one objective and likelihood)"
        arrow = "↑ higher" if better == "higher" else "↓ lower"
        out.append(f"| `{key}` | {_cell(label)} | {arrow} | {_cell(what)} | {_cell(paper)} |")
    return "\n".join(out) + "\n"


def exit_codes_markdown() -> str:
    """Every exit code `vae` uses: 0, and each error class of vaecli.errors with its docstring."""
    from vaecli import errors

    classes = sorted((cls for cls in vars(errors).values()
                      if inspect.isclass(cls) and issubclass(cls, errors.VaeError)), key=lambda c: c.exit_code)
    out = ["| exit code | error | when |", "|---|---|---|", "| 0 | | success |",
           "| 1 | any other exception | an internal error, a bug (`HYDRA_FULL_ERROR=1` shows the traceback); "
           "also a sweep whose jobs failed |"]
    for cls in classes:
        if cls is errors.VaeError:
            continue
        out.append(f"| {cls.exit_code} | `{cls.__name__}` | {_cell(inspect.getdoc(cls) or '')} |")
    return "\n".join(out) + "\n"


def _first_doc_line(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())  # the first paragraph, on one line


def layout_markdown(package: str = "vaecli") -> str:
    """The package tree, each package and module with the first line of its docstring (read, not imported)."""
    root = ROOT / package
    if not root.is_dir():
        raise ValueError(f"no package {package}")
    out = []

    def walk(folder: Path, depth: int) -> None:
        for path in sorted(p for p in folder.iterdir() if p.suffix == ".py" and p.name != "__init__.py"):
            if path.name != "__main__.py":
                out.append(("  " * depth + path.name, _first_doc_line(path)))
        for sub in sorted(p for p in folder.iterdir() if (p / "__init__.py").is_file()):
            out.append(("  " * depth + sub.name + "/", _first_doc_line(sub / "__init__.py")))
            walk(sub, depth + 1)

    out.append((package + "/", _first_doc_line(root / "__init__.py")))
    walk(root, 1)
    width = max(len(name) for name, _ in out) + 2
    lines = [f"{name:<{width}}{doc}".rstrip() for name, doc in out]
    return "```\n" + "\n".join(lines) + "\n```\n"


GENERATORS = {
    "layout": layout_markdown,
    "options": options_markdown,
    "presets": presets_markdown,
    "objectives": objectives_markdown,
    "metrics": metrics_markdown,
    "exit-codes": exit_codes_markdown,
}


def render(markdown: str) -> str:
    """markdown with each `<!-- generated: NAME [ARG] -->` line replaced by its table."""

    def table(match: re.Match) -> str:
        name, arg = match.group(1), match.group(2)
        if name not in GENERATORS:
            raise ValueError(f"unknown generated table {name!r}; known: {', '.join(GENERATORS)}")
        return GENERATORS[name](arg) if arg else GENERATORS[name]()

    return MARKER.sub(table, markdown)


def on_page_markdown(markdown: str, page=None, config=None, files=None) -> str:  # the MkDocs hook
    return render(markdown)
