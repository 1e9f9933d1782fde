"""Write a CelebA-sized folder of real images: N 64x64 RGB PNGs in 10 class sub-folders, made from
Fashion-MNIST (resized 28 -> 64, tinted with a per-image colour), to measure what a streamed run holds.

    python docs/results/streaming/make_folder.py OUT [N]
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from vaecli.data.idx import read_idx_dir

FASHION = Path("/usr/share/datasets/fashion-mnist")


def main(out: Path, n: int) -> None:
    arrays = read_idx_dir(FASHION)
    images, labels = arrays["train_images"], arrays["train_labels"]
    rng = np.random.default_rng(0)
    for k in range(10):
        (out / f"class{k}").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        j = i % len(images)
        grey = np.asarray(Image.fromarray(images[j]).resize((64, 64), Image.BILINEAR), dtype=np.float32) / 255
        tint = rng.uniform(0.3, 1.0, 3)
        rgb = (grey[..., None] * tint * 255).astype(np.uint8)
        Image.fromarray(rgb).save(out / f"class{labels[j]}" / f"{i:06d}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 200_000)
