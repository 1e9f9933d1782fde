"""What `run.model.encode` and `run.model.decode` accept (vaecli/run/api.py): checked against the model, so that a
wrong input is a one-line error saying what the model takes, never silently wrong codes or a page of Keras trace.

Images: shaped (N, *image_shape); for a one-channel model also (N, height, width) or flat rows (N, height*width*1).
uint8 images are scaled to [0, 1] (the documented conversion, as the training data was); floats must already lie
in [0, 1]: floats in 0..255 are refused rather than guessed at. Codes: (N, latent_dim), or one code (latent_dim,).
"""

from __future__ import annotations

import numpy as np

from vaecli.errors import DataError

# Floats a hair outside [0, 1] (rounding in a user's own preprocessing) are the same pixels; anything further is not.
PIXEL_SLACK = 1e-3


def checked_images(x, image_shape) -> np.ndarray:
    """`x` as float32 images in [0, 1] of shape (N, *image_shape), or a DataError saying what the model takes."""
    shape = tuple(int(n) for n in image_shape)
    x = np.asarray(x)
    expected = _shapes_taken(shape)
    if x.shape[1:] != shape:
        if shape[-1] == 1 and x.shape[1:] == shape[:-1]:
            x = x[..., np.newaxis]  # (N, 28, 28) for a (28, 28, 1) model
        elif x.ndim == 2 and x.shape[1] == int(np.prod(shape)):
            x = x.reshape(-1, *shape)  # flat rows
        else:
            raise DataError(f"images of shape {tuple(x.shape)} do not fit this model, which takes {expected}; "
                            + _channel_hint(x.shape, shape))
    if x.dtype == np.uint8:
        return x.astype("float32") / 255.0  # the documented conversion: 0..255 -> 0..1, as the training data
    if not np.issubdtype(x.dtype, np.floating):
        raise DataError(f"images of dtype {x.dtype} are not taken; pass uint8 (0..255) or floats in [0, 1]")
    x = x.astype("float32")
    if x.size and not np.isfinite(x).all():
        raise DataError("images hold NaN or infinite values; pass uint8 (0..255) or floats in [0, 1]")
    low, high = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    if low < -PIXEL_SLACK or high > 1 + PIXEL_SLACK:
        raise DataError(f"image values lie in [{low:g}, {high:g}], not [0, 1]; divide 0..255 pixels by 255, or pass them as uint8")
    return np.clip(x, 0.0, 1.0)


def checked_codes(z, latent_dim: int) -> np.ndarray:
    """`z` as float32 codes (N, latent_dim), or a DataError saying what the model takes."""
    z = np.asarray(z)
    if z.ndim == 1 and z.shape[0] == latent_dim:
        z = z[np.newaxis]  # one code
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise DataError(f"codes of shape {tuple(z.shape)} do not fit this model, which takes (N, {latent_dim}) "
                        f"(latent_dim={latent_dim})")
    if not (np.issubdtype(z.dtype, np.floating) or np.issubdtype(z.dtype, np.integer)):
        raise DataError(f"codes of dtype {z.dtype} are not taken; pass floats of shape (N, {latent_dim})")
    z = z.astype("float32")
    if z.size and not np.isfinite(z).all():
        raise DataError("codes hold NaN or infinite values; pass finite floats")
    return z


def _shapes_taken(shape: tuple[int, ...]) -> str:
    flat = int(np.prod(shape))
    taken = [f"(N, {', '.join(map(str, shape))})"]
    if shape[-1] == 1:
        taken.append(f"(N, {', '.join(map(str, shape[:-1]))})")
    taken.append(f"(N, {flat})")
    return " or ".join(taken)


def _channel_hint(got: tuple, shape: tuple) -> str:
    if len(got) == len(shape) + 1 and got[1:-1] == shape[:-1] and got[-1] != shape[-1]:
        wanted = "greyscale (1 channel)" if shape[-1] == 1 else f"{shape[-1]} channels"
        return f"it was trained on {wanted} images, these have {got[-1]} channels"
    return "resize or reshape the images to the model's image shape (run.model.image_shape)"
