"""A figure as the page refers to it: a data URI (embed=true: the page carries everything it shows) or a
relative link to the run folder's file (the default: the page stays small, the browser loads what is seen)."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from urllib.parse import quote

import numpy as np
from PIL import Image

MAX_WIDTH = 1400  # figures keep their own size (vaecli draws them 600-1150 px wide) unless wider than this


def source(path: Path, base: Path, embed: bool) -> str:
    """The src of an <img> for `path` on a page in folder `base` (not yet HTML-escaped)."""
    if embed:
        return file_uri(path)
    return href(path, base)


def href(path: Path, base: Path) -> str:
    """A link target for `path` on a page in folder `base`: a relative path, percent-encoded and starting with ./ or
    ../, so that a run folder named `javascript:...` (a folder from elsewhere is data) is never a scheme."""
    relative = os.path.relpath(Path(path).resolve(), Path(base).resolve()).replace(os.sep, "/")
    return quote(relative if relative.startswith("../") else f"./{relative}")


def file_uri(path: Path) -> str:
    """A figure (PNG, at most MAX_WIDTH wide) or an animation (GIF, as written) as a data URI.

    Figures are re-encoded with a 256-colour palette: vaecli's plots have few colours, and a run's
    five figures shrink from about 650 KB to 400 KB with no visible change.
    """
    path = Path(path)
    if path.suffix.lower() == ".gif":
        return "data:image/gif;base64," + base64.b64encode(path.read_bytes()).decode()
    with Image.open(path) as image:
        image = image.convert("RGB")
    image.thumbnail((MAX_WIDTH, MAX_WIDTH * 4))
    return png_uri(image.quantize(256, method=Image.Quantize.MEDIANCUT))


def png_uri(image: Image.Image, **options) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **(options or {"optimize": True}))
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


GREYS = [level * 17 for level in range(16) for _ in range(3)]  # a 16-level grey palette, 0 to 255


def pair_uri(image: np.ndarray, reconstruction: np.ndarray, gap: int = 2, colours: int = 16) -> str:
    """An (H,W,C) uint8 image and its reconstruction side by side, as one small PNG.

    A palette of 16 colours (grey levels for MNIST) halves a 28x58 pair's PNG (about 980 to 550 bytes on
    Fashion-MNIST); at the tooltip's size the difference does not show. Grey images take 16 even levels at
    4 bits a pixel, which is about 3x quicker than a median-cut palette (a 200-run study has 100,000 pairs).
    """
    height, _, channels = image.shape
    spacer = np.full((height, gap, channels), 255, np.uint8)
    both = np.concatenate([image, spacer, reconstruction], axis=1)
    if channels == 1 and colours == 16:
        levels = Image.fromarray(((both[..., 0].astype(np.uint16) * 15 + 127) // 255).astype(np.uint8), "P")
        levels.putpalette(GREYS)
        return png_uri(levels, bits=4)
    return png_uri(Image.fromarray(both[..., 0] if channels == 1 else both).quantize(colours))
