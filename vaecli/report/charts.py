"""The report's interactive charts: Vega-Lite specs built with Altair, drawn by an inlined Vega bundle.

Why Vega-Lite (through altair and vl-convert-python) rather than hand-written JavaScript or plotly:
- one declarative spec per chart gives shared scales, zoom/pan, hover tooltips and faceting for free;
- its tooltip plugin (vega-tooltip) shows an `image` field as a picture, which is exactly the latent
  view's hover (an image beside its reconstruction), with no code of ours;
- vl-convert-python ships the Vega, Vega-Lite and vega-embed JavaScript in its wheel, so the page
  inlines it (about 0.9 MB, once) and opens offline; plotly's inlined plotly.js weighs about 4.5 MB.
"""

from __future__ import annotations

import functools
import json

import altair as alt
import numpy as np

from vaecli.evaluate.metric_names import OWN_SCALE
from vaecli.visual import plots

from .images import pair_uri

CURVE_SIZE = (210, 150)  # one panel per loss part; four fit beside each other at 1400 px
SPLITS = ["train", "val", "test"]  # solid, dotted, dashed
LATENT_SIZE = 300  # px square: three or four runs fit side by side in the comparison
MARGIN = 0.05  # of each axis's range, around the codes: no point on a latent view's frame
DEFAULT_AXES = ("z[0]", "z[1]")  # latent_points.npz written before it named its axes: vaecli.visual's 2-D names
OWN_PARTS = {key.rsplit("/", 1)[-1] for key in OWN_SCALE}  # loss parts in each objective's own units
MAP_POINTS = 2000  # a map's view: enough to see its clusters; about 60 bytes a point without images


@functools.cache
def javascript() -> str:
    """vega, vega-lite and vega-embed as one script, for the Vega-Lite version that altair writes."""
    import vl_convert

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vl_convert.javascript_bundle(vl_version=version)  # type: ignore[call-arg]  # its stub wants `snippet`; without one it bundles the libraries alone


def curve_series(history: list[dict]) -> dict:
    """metrics.csv by column: {"epoch": [...], "series": {"train/loss": [...]}}; the page spreads it into one record
    per (epoch, split, loss part), so that a run's curves cost a few numbers each, not a record each."""
    epochs = [row["epoch"] for row in history]
    keys = dict.fromkeys(key for row in history for key in row if "/" in key)
    return {"epoch": epochs,
            "series": {key: [_finite(row.get(key)) for row in history] for key in keys}}


def _finite(value):
    return round(float(value), 6) if value is not None and np.isfinite(value) else None


def panels(parts: list[str], unit: str, mixed: bool) -> dict[str, str]:
    """Loss part -> its panel's name. A part in each objective's own units (the loss, the reconstruction term)
    gets a panel per objective and likelihood when the runs mix them: an MMD run's MSE is never drawn on the
    scale of an ELBO run's nats."""
    return {part: f"{part} · {unit}" if mixed and part in OWN_PARTS else part for part in parts}


def curves(picked: list[int] | None = None) -> dict:
    """Loss parts per epoch, a panel per part (and unit), a colour per run: runs share each panel's scales.

    The page fills the data (records of id, run, epoch, split, part, panel, value) from its curve series.
    `picked` None: every run given. Otherwise the page sets the `picked` signal (run ids) as the user ticks
    runs, and only those are drawn.
    """
    line = alt.Chart(alt.Data(values=[])).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", scale=alt.Scale(zero=False), title=None),
        color=alt.Color("run:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        # the title says which dash is which: a strokeDash legend draws no symbols beside a line with points
        strokeDash=alt.StrokeDash("split:N", scale=alt.Scale(domain=SPLITS, range=[[1, 0], [2, 2], [6, 3]]), legend=None),
        tooltip=["run:N", "split:N", "part:N", "epoch:Q", alt.Tooltip("value:Q", format=".4g")],
    ).properties(width=CURVE_SIZE[0], height=CURVE_SIZE[1])
    if picked is not None:
        line = line.transform_filter("indexof(picked, datum.id) >= 0")
    # independent y scales: every panel has its own, and a panel holds one unit
    chart = line.facet(facet=alt.Facet("panel:N", title=None), columns=5).resolve_scale(y="independent").properties(
        title=alt.Title("loss parts per epoch: train solid, validation dotted, test dashed", fontSize=11, anchor="start"))
    if picked is not None:
        chart = chart.add_params(alt.param(name="picked", value=picked))
    return chart.to_dict()


def latent(points: dict, method: str | None = None) -> dict:
    """The test codes as points coloured by class; hovering one shows its image beside its reconstruction.

    Colours are plots.class_colours, as in the run's PNG figures and GIFs; the axes are named as the figures
    name them (latent_points.npz's axis_names), and the domain keeps a margin (extent) so no point sits on the frame.
    `method`: the points are a map's (`vae embed`: t-SNE, UMAP, PCA), which holds no images: hovering names the
    class, and the chart says it is a map.
    """
    names = [str(name) for name in points["class_names"]]
    (x0, x1), (y0, y1) = extent(points)
    x_name, y_name = axis_names(points, method)
    tooltip = [alt.Tooltip("title:N")] + ([] if method else [alt.Tooltip("image:N")])  # vega-tooltip: `image` as a picture
    chart = alt.Chart(alt.Data(values=[])).mark_circle(size=22, opacity=0.75).encode(
        x=alt.X("x:Q", title=x_name, scale=alt.Scale(domain=[x0, x1], nice=False, zero=False)),
        y=alt.Y("y:Q", title=y_name, scale=alt.Scale(domain=[y0, y1], nice=False, zero=False)),
        color=alt.Color("class:N", scale=alt.Scale(domain=names, range=plots.class_colours(len(names))),
                        legend=alt.Legend(orient="right", title=None)),
        tooltip=tooltip,
    ).properties(width=LATENT_SIZE, height=LATENT_SIZE).interactive()
    if method:
        chart = chart.properties(title=alt.Title(f"{method} map of {len(points['codes'])} test images", fontSize=11,
                                                 anchor="start"))
    spec = chart.to_dict()
    spec["data"] = {"values": latent_records(points)}  # after to_dict: altair need not validate 500 records a run
    return spec


def axis_names(points: dict, method: str | None = None) -> tuple[str, str]:
    """The run's own names for the plotted axes (z[0], z[1] or PC1, PC2), as its figures have them."""
    if method:
        from vaecli.embed.run import AXIS_NAMES  # as `vae embed` names a map's axes in its figure

        axis = AXIS_NAMES.get(method, method)
        return f"{axis} 1", f"{axis} 2"
    if "axis_names" in points and len(points["axis_names"]) == 2:
        return str(points["axis_names"][0]), str(points["axis_names"][1])
    return DEFAULT_AXES


def shown_points(points: dict, seed: int) -> dict:
    """At most MAP_POINTS of them, a seeded sample: a map holds every test image (10,000 of Fashion-MNIST)."""
    count = len(points["codes"])
    if count <= MAP_POINTS:
        return points
    keep = np.sort(np.random.default_rng(seed).permutation(count)[:MAP_POINTS])
    return {key: (value[keep] if key in ("codes", "labels", "images", "reconstructions") else value)
            for key, value in points.items()}


def latent_records(points: dict) -> list[dict]:
    codes, labels, names = points["codes"], points["labels"], [str(name) for name in points["class_names"]]
    if "images" not in points:  # a map: the class alone
        return [{"x": round(float(x), 4), "y": round(float(y), 4), "class": names[label], "title": names[label]}
                for (x, y), label in zip(codes, labels)]
    return [
        {"x": round(float(x), 4), "y": round(float(y), 4), "class": names[label], "title": f"{names[label]} (image | reconstruction)",
         "image": pair_uri(image, reconstruction)}
        for (x, y), label, image, reconstruction in zip(codes, labels, points["images"], points["reconstructions"])
    ]


def extent(points: dict) -> list[list[float]]:
    """[[x min, x max], [y min, y max]] of the codes, widened by MARGIN on each side: the page puts compared
    runs on their union, and no point lands on a chart's frame."""
    codes = np.asarray(points["codes"], float)
    out = []
    for axis in (0, 1):
        low, high = float(codes[:, axis].min()), float(codes[:, axis].max())
        pad = MARGIN * ((high - low) or 1.0)
        out.append([round(low - pad, 4), round(high + pad, 4)])
    return out


def script_json(value) -> str:
    """JSON to put inside a <script> element: '<', '>' and '&' as \\u escapes, so that no string in it (a class
    named '</script>' or '<!--') can end the element or open a comment; JSON.parse reads them back unchanged."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
