"""Exact block forms of strided and transposed convolutions (`network.input_layout`, `network.output_layout`).

A stride-s convolution equals a stride-1 convolution on the input's space-to-depth rearrangement
(s x s pixels become s*s channels at 1/s the resolution), with the kernel re-indexed and zeros where
a block tap has no original tap; a transposed convolution of stride s equals a convolution at the
input's resolution that gives s*s times the channels, then depth-to-space (the "sub-pixel" form);
a stride-1 one can be done the same way on 2x2 blocks. A thin layer (one input or output channel)
becomes one with 4x the channels, which suits the CPU's vector units better.

The Keras layer keeps its kernel of the original shape; `apply_on_blocks(layer, x)` re-indexes it on
each call, so gradients reach the same variable, and checkpoints and model.keras files are the same
for either layout. Each spatial axis has a `BlockPlan`; the two axes' plans give the 2-D kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from keras import layers, ops


@dataclass(frozen=True)
class BlockPlan:
    """One axis: y = crop(depth_to_space(conv_valid(space_to_depth(pad(x), m), K), b)).

    taps[j, u, r] is the original kernel tap that block-kernel tap j joins from input phase u to
    output phase r, or -1 (a zero); pad = (before, after) pixels on x (negative: cut), crop = first
    output pixel kept, length = output pixels.
    """

    m: int
    b: int
    taps: np.ndarray
    pad: tuple[int, int]
    crop: int
    length: int


def plan_axis(size: int, kernel: int, stride: int, padding: str, transposed: bool, block: int = 2) -> BlockPlan:
    """The block form of one axis of a Conv2D (transposed=False) or Conv2DTranspose ('same' padding only)."""
    if transposed:  # y[o] += x[i] W[o - s*i + pad_before], output s * size
        length, m, b = size * stride, (block // stride if stride < block else 1), (block if stride < block else stride)
        before = max(kernel - stride, 0) // 2
    else:  # y[o] = sum_a x[s*o + a - pad_before] W[a]
        length = math.ceil(size / stride) if padding == "same" else (size - kernel) // stride + 1
        m, b = stride, 1
        before = max((length - 1) * stride + kernel - size, 0) // 2 if padding == "same" else 0
    best = None
    for shift_out in range(b):  # output block p holds pixels b*p - shift_out ...; input block q pixels m*q - shift_in ...
        for shift_in in range(m):
            taps = {}
            for u in range(m):
                for r in range(b):
                    for d in range(-kernel - 2, kernel + 3):  # d: input block minus output block
                        i_rel, o_rel = m * d + u - shift_in, r - shift_out
                        a = (o_rel - stride * i_rel + before) if transposed else (i_rel - stride * o_rel + before)
                        if 0 <= a < kernel:
                            taps[(d, u, r)] = a
            lo, hi = min(d for d, _, _ in taps), max(d for d, _, _ in taps)
            if best is None or hi - lo < best[0]:
                best = (hi - lo, shift_out, shift_in, lo, taps)
    if best is None:
        raise ValueError("no block layout found for this convolution")  # every stride has one; a guard for mypy's sake
    span, shift_out, shift_in, lo, taps = best
    table = np.full((span + 1, m, b), -1, np.int64)
    for (d, u, r), a in taps.items():
        table[d - lo, u, r] = a
    blocks_out = math.ceil((length + shift_out) / b)
    pad_before = shift_in - m * lo  # input pixel index of the first block the convolution reads, negated
    pad_after = m * (blocks_out + span) - pad_before - size
    return BlockPlan(m, b, table, (pad_before, pad_after), shift_out, length)


def block_kernel(kernel, rows: BlockPlan, cols: BlockPlan, transposed: bool):
    """The stride-1 kernel on blocks: (span_h, span_w, m*m*C_in, b*b*C_out), gathered from the original."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    padded = ops.pad(kernel, [[0, 1], [0, 1], [0, 0], [0, 0]])  # tap -1 -> the zero row and column at the end
    a = np.where(rows.taps < 0, kh, rows.taps)[:, None, :, None, :, None]  # (jh, 1, uh, 1, rh, 1)
    c = np.where(cols.taps < 0, kw, cols.taps)[None, :, None, :, None, :]  # (1, jw, 1, uw, 1, rw)
    index = a * (kw + 1) + c  # (jh, jw, uh, uw, rh, rw)
    flat = ops.reshape(padded, ((kh + 1) * (kw + 1), kernel.shape[2], kernel.shape[3]))
    gathered = ops.take(flat, index.reshape(-1), axis=0)
    gathered = ops.reshape(gathered, (*index.shape, kernel.shape[2], kernel.shape[3]))
    if transposed:  # Conv2DTranspose kernels are (k, k, C_out, C_in)
        gathered = ops.transpose(gathered, (0, 1, 2, 3, 7, 4, 5, 6))
    else:
        gathered = ops.transpose(gathered, (0, 1, 2, 3, 6, 4, 5, 7))
    span_h, span_w = index.shape[0], index.shape[1]
    c_in = kernel.shape[3] if transposed else kernel.shape[2]
    c_out = kernel.shape[2] if transposed else kernel.shape[3]
    return ops.reshape(gathered, (span_h, span_w, rows.m * cols.m * c_in, rows.b * cols.b * c_out))


def space_to_depth(x, m_h: int, m_w: int):
    """(N, H, W, C) -> (N, H/m_h, W/m_w, m_h*m_w*C), channels ordered (row phase, column phase, channel)."""
    if m_h == m_w == 1:
        return x
    _, h, w, c = x.shape
    x = ops.reshape(x, (-1, h // m_h, m_h, w // m_w, m_w, c))
    return ops.reshape(ops.transpose(x, (0, 1, 3, 2, 4, 5)), (-1, h // m_h, w // m_w, m_h * m_w * c))


def depth_to_space(x, b_h: int, b_w: int):
    """The inverse of space_to_depth."""
    if b_h == b_w == 1:
        return x
    _, h, w, c = x.shape
    x = ops.reshape(x, (-1, h, w, b_h, b_w, c // (b_h * b_w)))
    return ops.reshape(ops.transpose(x, (0, 1, 3, 2, 4, 5)), (-1, h * b_h, w * b_w, c // (b_h * b_w)))


def _pad_or_cut(x, axis: int, before: int, after: int):
    start, stop = max(-before, 0), x.shape[axis] - max(-after, 0)
    if start or stop < x.shape[axis]:
        x = x[:, start:stop] if axis == 1 else x[:, :, start:stop]
    widths = [[0, 0]] * 4
    widths[axis] = [max(before, 0), max(after, 0)]
    return ops.pad(x, widths) if before > 0 or after > 0 else x


def supports(layer) -> bool:
    """Whether apply_on_blocks has an exact form of this layer."""
    if not isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose)):
        return False
    plain = layer.dilation_rate == (1, 1) and getattr(layer, "groups", 1) == 1 and layer.data_format == "channels_last"
    if isinstance(layer, layers.Conv2DTranspose):
        return plain and layer.padding == "same" and layer.output_padding is None
    return plain and layer.padding in ("valid", "same")


def apply_on_blocks(layer, x):
    """`layer(x)` for a Conv2D or Conv2DTranspose, computed in its block form with the layer's own weights."""
    transposed = isinstance(layer, layers.Conv2DTranspose)
    if not layer.built:
        layer.build(tuple(x.shape))
    x = ops.cast(x, layer.compute_dtype)
    rows, cols = (plan_axis(x.shape[axis], layer.kernel_size[axis - 1], layer.strides[axis - 1], layer.padding, transposed)
                  for axis in (1, 2))
    kernel = block_kernel(ops.cast(layer.kernel, layer.compute_dtype), rows, cols, transposed)
    x = _pad_or_cut(_pad_or_cut(x, 1, *rows.pad), 2, *cols.pad)
    y = ops.conv(space_to_depth(x, rows.m, cols.m), kernel, strides=1, padding="valid")
    y = depth_to_space(y, rows.b, cols.b)[:, rows.crop : rows.crop + rows.length, cols.crop : cols.crop + cols.length]
    if layer.use_bias:
        y = y + ops.cast(layer.bias, layer.compute_dtype)
    return layer.activation(y) if layer.activation is not None else y
