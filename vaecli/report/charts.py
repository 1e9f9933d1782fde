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

from .images import pair_uri

CURVE_SIZE = (210, 150)  # one panel per loss part; four fit beside each other at 1400 px
SPLITS = ["train", "val", "test"]  # solid, dotted, dashed
LATENT_SIZE = 300  # px square: three or four runs fit side by side in the comparison


@functools.cache
def javascript() -> str:
    """vega, vega-lite and vega-embed as one script, for the Vega-Lite version that altair writes."""
    import vl_convert

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vl_convert.javascript_bundle(vl_version=version)


def curve_records(index: int, label: str, history: list[dict]) -> list[dict]:
    """metrics.csv in long form: one record per (epoch, split, loss part)."""
    return [
        {"id": index, "run": label, "epoch": row["epoch"], "split": key.split("/", 1)[0], "part": key.split("/", 1)[1],
         "value": value}
        for row in history for key, value in row.items() if "/" in key and np.isfinite(value)
    ]


def curves(records: list[dict], picked: list[int] | None = None) -> dict:
    """Loss parts per epoch, a panel per part, a colour per run: runs share each panel's scales.

    `picked` None: every run in `records`. Otherwise the page sets the `picked` signal (run ids) as
    the user ticks runs, and only those are drawn.
    """
    line = alt.Chart(alt.Data(values=records)).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", scale=alt.Scale(zero=False), title=None),
        color=alt.Color("run:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        # the title says which dash is which: a strokeDash legend draws no symbols beside a line with points
        strokeDash=alt.StrokeDash("split:N", scale=alt.Scale(domain=SPLITS, range=[[1, 0], [2, 2], [6, 3]]), legend=None),
        tooltip=["run:N", "split:N", "part:N", "epoch:Q", alt.Tooltip("value:Q", format=".4g")],
    ).properties(width=CURVE_SIZE[0], height=CURVE_SIZE[1])
    if picked is not None:
        line = line.transform_filter("indexof(picked, datum.id) >= 0")
    chart = line.facet(facet=alt.Facet("part:N", title=None), columns=5).resolve_scale(y="independent").properties(
        title=alt.Title("loss parts per epoch: train solid, validation dotted, test dashed", fontSize=11, anchor="start"))
    if picked is not None:
        chart = chart.add_params(alt.param(name="picked", value=picked))
    return chart.to_dict()


def latent(points: dict) -> dict:
    """The test codes as points coloured by class; hovering one shows its image beside its reconstruction."""
    chart = alt.Chart(alt.Data(values=latent_records(points))).mark_circle(size=22, opacity=0.75).encode(
        x=alt.X("x:Q", title="z₁", scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title="z₂", scale=alt.Scale(zero=False)),
        color=alt.Color("class:N", sort=[str(name) for name in points["class_names"]],
                        legend=alt.Legend(orient="right", title=None)),
        # vega-tooltip draws `title` as the heading and `image` as a picture
        tooltip=[alt.Tooltip("title:N"), alt.Tooltip("image:N")],
    ).properties(width=LATENT_SIZE, height=LATENT_SIZE).interactive()
    return chart.to_dict()


def latent_records(points: dict) -> list[dict]:
    codes, labels, names = points["codes"], points["labels"], [str(name) for name in points["class_names"]]
    return [
        {"x": round(float(x), 4), "y": round(float(y), 4), "class": names[label], "title": f"{names[label]} (image | reconstruction)",
         "image": pair_uri(image, reconstruction)}
        for (x, y), label, image, reconstruction in zip(codes, labels, points["images"], points["reconstructions"])
    ]


def extent(points: dict) -> list[list[float]]:
    """[[x min, x max], [y min, y max]] of the codes: the page puts compared runs on their union."""
    codes = np.asarray(points["codes"], float)
    return [[float(codes[:, 0].min()), float(codes[:, 0].max())], [float(codes[:, 1].min()), float(codes[:, 1].max())]]


def script_json(value) -> str:
    """JSON to put inside <script type="application/json">: '</' must not end the element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")
