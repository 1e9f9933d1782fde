"""Animation frames as pure functions: arrays in, frames (uint8 arrays) or GIF bytes out.

Nothing here touches a model or a file (vaecli.visual.run_animations does, as figures.py does for plots.py).
Images come in [0, 1] as (..., H, W, C) with C = 1 (greyscale) or 3 (RGB); a frame is (H, W, C) uint8.
"""

from __future__ import annotations

import io

import numpy as np

from vaecli.visual import plots  # also selects matplotlib's file-only backend

GAP = 0.5  # the grey between tiles: visible on black (MNIST) and on white backgrounds


def mosaic(images: np.ndarray, scale: int = 2) -> np.ndarray:
    """(rows, cols, H, W, C) images in [0, 1] -> one uint8 frame, tiles 1 px apart, enlarged `scale` times."""
    rows, cols = images.shape[:2]
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1), (0, 0)), constant_values=GAP)
    tiled = plots.tile(padded.reshape(rows * cols, *padded.shape[2:]), rows, cols)
    tiled = np.repeat(np.repeat(tiled, scale, axis=0), scale, axis=1)
    return np.round(np.clip(tiled, 0.0, 1.0) * 255).astype(np.uint8)


def there_and_back(frames: list) -> list:
    """frames, then the same in reverse without repeating the ends: a loop with no jump."""
    return frames + frames[-2:0:-1]


def interpolation_frames(starts: np.ndarray, decoded: np.ndarray, ends: np.ndarray, scale: int = 2) -> list[np.ndarray]:
    """One row per pair: its first image, the decoded point between the two codes, its second image.
    starts, ends: (pairs, H, W, C); decoded: (pairs, steps, H, W, C), step 0 at the first code."""
    return there_and_back([mosaic(np.stack([starts, decoded[:, s], ends], axis=1), scale) for s in range(decoded.shape[1])])


def traversal_frames(decoded: np.ndarray, scale: int = 2) -> list[np.ndarray]:
    """decoded: (rows, dims, steps, H, W, C): row r, column c sweeps dimension c of row r's code; frame s
    shows every cell at step s."""
    return there_and_back([mosaic(decoded[:, :, s], scale) for s in range(decoded.shape[2])])


def latent_frames(points: np.ndarray, labels: np.ndarray, class_names, epochs, limits, axis_names, title: str,
                  size=(5.2, 4.0), dpi: int = 80) -> list[np.ndarray]:
    """points: (frames, N, 2), the same N codes at each epoch, on fixed axes `limits` ((x0, x1), (y0, y1));
    coloured by class (one colour without labels), the epoch in each frame's title."""
    from .plots import class_colours, new_figure

    palette = class_colours(max(len(class_names), 1))
    fig, ax = new_figure(figsize=size, dpi=dpi)
    colours = np.array([palette[int(k) % len(palette)] for k in labels])
    dots = ax.scatter(points[0, :, 0], points[0, :, 1], s=4, c=colours, linewidths=0)
    ax.set(xlim=limits[0], ylim=limits[1], xlabel=axis_names[0], ylabel=axis_names[1])
    if len(class_names) > 1:
        for k, name in enumerate(class_names):
            ax.scatter([], [], s=12, color=palette[k], label=name)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False, handletextpad=0.2)
    heading = ax.set_title(f"{title}\nepoch {max(epochs)} (untrained)", fontsize=8)  # the longest, for the layout
    fig.tight_layout()
    frames = []
    for frame, epoch in zip(points, epochs):
        dots.set_offsets(frame)
        heading.set_text(f"{title}\nepoch {epoch}" + (" (untrained)" if epoch == 0 else ""))
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    return frames


def fixed_limits(points: np.ndarray, margin: float = 0.05) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axes that hold 99% of the points of every frame (a few far-off codes would squeeze the rest), plus a margin."""
    flat = points.reshape(-1, 2)
    low, high = np.percentile(flat, 0.5, axis=0), np.percentile(flat, 99.5, axis=0)
    pad = np.maximum((high - low) * margin, 1e-3)
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))


def gif_bytes(frames: list[np.ndarray], seconds: float | list[float], grey_levels: int = 32) -> bytes:
    """An endlessly looping GIF (Pillow, matplotlib's own image dependency); `seconds` per frame, or one each.
    Greyscale frames keep `grey_levels` levels: decoded images are smooth, and 32 levels make the file
    about half as large as 256 (measured on Fashion-MNIST interpolations) with no banding to see at this size."""
    from PIL import Image

    mode = "L" if frames[0].shape[-1] == 1 else "RGB"
    if mode == "L":
        step = 255 / (grey_levels - 1)
        frames = [(np.round(f / step) * step).astype(np.uint8) for f in frames]
    images = [Image.fromarray(np.ascontiguousarray(f[..., 0] if mode == "L" else f)) for f in frames]
    if mode == "RGB":  # one palette from (up to 16 of) all frames keeps colours steady from frame to frame
        sample = np.concatenate([*frames[:: max(1, len(frames) // 15)], frames[-1]], axis=0)
        palette = Image.fromarray(sample).quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    durations = [round(1000 * s) for s in seconds] if isinstance(seconds, list) else round(1000 * seconds)
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0, optimize=True)
    return buffer.getvalue()
