"""Figures as pure functions: arrays in, a matplotlib Figure out. Nothing here touches a model or a file."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Class names in scripts that matplotlib's own font lacks (a folder dataset's sub-folders named in Japanese,
# say) fall back to one of these where it is installed (Debian: fonts-noto-cjk, fonts-wqy-zenhei); a name
# no font has draws as boxes.
FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")


def configure_matplotlib() -> None:
    """A command's start-up (vaecli/commands): figures go to files, and names in other scripts find a font.

    Agg: files only, no display on servers and in CI. matplotlib's warning for each missing glyph is nothing a
    user can act on in the middle of a run, so it stays off stderr."""
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    plt.switch_backend("Agg")
    warnings.filterwarnings("ignore", message=r"Glyph \d+ \(.*\) missing from font", category=UserWarning)
    installed = {font.name for font in font_manager.fontManager.ttflist}
    missing = [f for f in FALLBACK_FONTS if f in installed and f not in matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["font.sans-serif"] = [*matplotlib.rcParams["font.sans-serif"], *missing]


# The run's figures, figures/<kind>_epochNNN.png; `factors` only for datasets with known factors.
KINDS = ("latent", "grid", "samples", "reconstructions", "traversal", "factors")


def new_figure(*grid, **options):
    """(Figure, axes) as pyplot.subplots makes them, but outside pyplot's global list of open figures: nothing shared,
    so figures can be drawn on a thread of their own (vaecli/train/drawing.py) and need no closing."""
    fig = Figure(figsize=options.pop("figsize", None), dpi=options.pop("dpi", None))
    FigureCanvasAgg(fig)  # renders to pixels (GIF frames) and to every savefig format
    return fig, fig.subplots(*grid, **options)


def class_colours(n: int) -> list[str]:
    """One colour per class, as hex strings: every view (these figures, the GIFs, the report's charts) takes
    class k's colour from here. matplotlib's tab10 (tab20 beyond ten classes), the palette vaecli drew with first."""
    from matplotlib.colors import to_hex

    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [to_hex(cmap(k % cmap.N)) for k in range(n)]


def tile(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """rows*cols images (N, H, W, C) as one (rows*H, cols*W, C) mosaic, row by row."""
    n, h, w, c = images.shape
    assert n == rows * cols, f"{n} images do not fill {rows}x{cols}"
    return images.reshape(rows, cols, h, w, c).transpose(0, 2, 1, 3, 4).reshape(rows * h, cols * w, c)


def _show(ax, mosaic: np.ndarray, extent=None) -> None:
    if mosaic.shape[-1] == 1:
        ax.imshow(mosaic[..., 0], cmap="gray", vmin=0.0, vmax=1.0, extent=extent, interpolation="nearest")
    else:
        ax.imshow(np.clip(mosaic, 0.0, 1.0), extent=extent, interpolation="nearest")


def latent_scatter(codes: np.ndarray, labels: np.ndarray, class_names, title: str, axis_names=("z[0]", "z[1]"),
                   centre=(0.0, 0.0)):
    """Test codes (N, 2) coloured by class, with the class names in a legend; `+` marks the prior's mean (`centre`)."""
    fig, ax = new_figure(figsize=(7.5, 6), dpi=110)
    colours = class_colours(len(class_names))
    for k, name in enumerate(class_names):
        mine = labels == k
        if mine.any():
            ax.scatter(codes[mine, 0], codes[mine, 1], s=3, alpha=0.6, color=colours[k], label=name, rasterized=True)
    ax.scatter([centre[0]], [centre[1]], marker="+", s=120, color="black", linewidths=1.5, zorder=5)
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(title, fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=4, fontsize=8, frameon=False)
    ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    return fig


def latent_grid(images: np.ndarray, axes: tuple[np.ndarray, np.ndarray], title: str, axis_names=("z[0]", "z[1]")):
    """Images decoded on a grid (n*n, H, W, C) over (u values, v values); row 0 is the top (largest v)."""
    u_values, v_values = axes
    n = len(u_values)
    side = max(6.0, 0.5 * n)  # about 55 pixels per decoded image
    fig, ax = new_figure(figsize=(side, side), dpi=110)
    extent = (float(u_values[0]), float(u_values[-1]), float(v_values[0]), float(v_values[-1]))
    _show(ax, tile(images, n, n), extent=extent)
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def image_grid(images: np.ndarray, rows: int, cols: int, title: str):
    """A plain mosaic, e.g. samples decoded from the prior."""
    fig, ax = new_figure(figsize=(6, 6 * rows / cols + 0.4), dpi=110)
    _show(ax, tile(images, rows, cols))
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def reconstructions(originals: np.ndarray, decoded: np.ndarray, title: str):
    """Test images (top row) above their reconstructions (bottom row)."""
    n = len(originals)
    fig, ax = new_figure(figsize=(1.0 * n, 2.4), dpi=110)
    _show(ax, tile(np.concatenate([originals, decoded]), 2, n))
    ax.set_yticks([originals.shape[1] / 2, originals.shape[1] * 1.5], ["input", "decoded"])
    ax.set_xticks([])
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def latent_traversal(images: np.ndarray, row_labels, probabilities: np.ndarray, title: str):
    """Decoded traversals (rows * steps, H, W, C), row by row: each row sweeps one code dimension over the
    prior quantiles `probabilities`, named by `row_labels`."""
    rows, steps = len(row_labels), len(probabilities)
    h, w = images.shape[1:3]
    fig, ax = new_figure(figsize=(max(6.0, 0.55 * steps + 1.5), 0.55 * rows * h / w + 1.2), dpi=110)
    _show(ax, tile(images, rows, steps))
    ticks = sorted({0, steps // 2, steps - 1})
    ax.set_xticks([(c + 0.5) * w for c in ticks], [f"{probabilities[c]:.0%}" for c in ticks])
    ax.set_xlabel("prior quantile of the swept dimension")
    ax.set_yticks([(r + 0.5) * h for r in range(rows)], row_labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class FactorPanel:
    """One factor's panel: 2-D points, the factor's value index per point, and how to name things."""

    points: np.ndarray  # (N, 2)
    values: np.ndarray  # (N,) int, 0 .. len(value_names) - 1
    name: str
    value_names: tuple[str, ...]
    axis_names: tuple[str, str]


def factor_scatter(panels: list[FactorPanel], title: str):
    """One scatter per factor, points coloured by the factor's value (a colour bar from its first to last value)."""
    cols = min(3, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = new_figure(rows, cols, figsize=(4.2 * cols, 3.8 * rows), dpi=100, squeeze=False)
    for ax, panel in zip(axes.ravel(), panels):
        top = max(len(panel.value_names) - 1, 1)
        dots = ax.scatter(panel.points[:, 0], panel.points[:, 1], c=panel.values, cmap="viridis", vmin=0, vmax=top,
                          s=2, alpha=0.6, rasterized=True)
        bar = fig.colorbar(dots, ax=ax, ticks=[0, top])
        bar.ax.set_yticklabels([panel.value_names[0], panel.value_names[-1]], fontsize=8)
        ax.set_title(panel.name, fontsize=10)
        ax.set_xlabel(panel.axis_names[0], fontsize=8)
        ax.set_ylabel(panel.axis_names[1], fontsize=8)
    for ax in axes.ravel()[len(panels):]:
        ax.set_axis_off()
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
