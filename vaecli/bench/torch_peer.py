"""The PyTorch peer of `vae bench`: vaecli's default ELBO model, trained by a plain PyTorch loop.

The same architecture as network=conv (Keydana's), the same parameter count, Bernoulli likelihood,
closed-form KL, Adam 1e-3, shuffled batches of uint8 images scaled on the fly; the loss is read on
the host once per epoch, as vaecli's loop reads it once per compiled call. It needs only torch and
numpy (no TensorFlow), so it also runs alone on a machine with a GPU:

    python -m vaecli.bench.torch_peer --device cuda --batch-size 100 [--data DIR_OF_IDX_FILES] [--precision bf16]

prints images/s per timed epoch and their median. `pip install -e ".[torch]"` installs PyTorch.
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import statistics
import struct
import time
from pathlib import Path

import numpy as np

# OpenMP threads that spin while they wait were 10x slower per layer on this shared 2-core machine
# (conv 1->32: 35 ms against 3.7 ms passive); it must be set before torch loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch
from torch import nn


class TorchConvVAE(nn.Module):
    """network=conv: conv 3x3/2 (32, 64, 'valid'), dense head; dense to (H/4)x(W/4)x32, transposed 3x3/2 (64, 32), output."""

    def __init__(self, image_shape=(28, 28, 1), latent_dim: int = 2):
        super().__init__()
        height, width, channels = image_shape
        self.image_shape, self.latent_dim = tuple(image_shape), latent_dim
        valid = lambda n: (n - 3) // 2 + 1  # noqa: E731 (a 3x3 stride-2 'valid' convolution's output size)
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, 32, 3, stride=2), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(), nn.Flatten(),
            nn.Linear(64 * valid(valid(height)) * valid(valid(width)), 2 * latent_dim))
        self.base = (math.ceil(height / 4), math.ceil(width / 4))
        up = dict(stride=2, padding=1, output_padding=1)  # TensorFlow's 'same' for 3x3 stride 2: exactly 2x the size
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, 32 * self.base[0] * self.base[1]), nn.ReLU(), nn.Unflatten(1, (32, *self.base)),
            nn.ConvTranspose2d(32, 64, 3, **up), nn.ReLU(), nn.ConvTranspose2d(64, 32, 3, **up), nn.ReLU(),
            nn.ConvTranspose2d(32, channels, 3, stride=1, padding=1))

    def loss(self, x):
        """The negative ELBO per image, averaged: Bernoulli log-likelihood, KL to N(0, I) in closed form."""
        mean, logvar = self.encoder(x).float().chunk(2, dim=1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        logits = self.decoder(z)[:, :, : self.image_shape[0], : self.image_shape[1]].float()
        reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3))
        kl = 0.5 * (torch.exp(logvar) + mean**2 - 1.0 - logvar).sum(dim=1)
        return (reconstruction + kl).mean()


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class TorchTrainer:
    """run_epoch(epoch, synthetic) -> seconds: one epoch of `n_steps` batches (synthetic: one batch repeated)."""

    def __init__(self, images: np.ndarray, batch_size: int, latent_dim: int = 2, device: str = "cpu",
                 precision: str = "fp32", compile: bool = False, seed: int = 0):
        torch.manual_seed(seed)
        self.device, self.batch_size = torch.device(device), batch_size
        self.model = TorchConvVAE(images.shape[1:], latent_dim).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        # NCHW uint8 on the device; each batch is gathered and scaled there, like vaecli's pipeline on the host.
        self.data = torch.from_numpy(images.transpose(0, 3, 1, 2).copy()).to(self.device)
        self.n_steps = len(images) // batch_size
        self.autocast = precision == "bf16"
        self.step = torch.compile(self._step) if compile else self._step

    def _step(self, x):
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            loss = self.model.loss(x)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def run_epoch(self, epoch: int, synthetic: bool = False) -> float:
        generator = torch.Generator(device="cpu").manual_seed(epoch)
        order = torch.randperm(len(self.data), generator=generator).to(self.device)
        self._sync()
        start = time.perf_counter()
        total = torch.zeros((), device=self.device)
        for i in range(self.n_steps):
            index = order[:self.batch_size] if synthetic else order[i * self.batch_size : (i + 1) * self.batch_size]
            total += self.step(self.data[index].float() / 255.0)
        if not math.isfinite(float(total)):  # one host read per epoch, which also waits for the device
            raise FloatingPointError("the PyTorch peer's loss is not finite")
        return time.perf_counter() - start

    def _sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def read_idx_images(directory: Path) -> np.ndarray:
    """train-images-idx3-ubyte(.gz) in `directory` as (N, H, W, 1) uint8."""
    path = next(p for p in (directory / "train-images-idx3-ubyte.gz", directory / "train-images-idx3-ubyte") if p.exists())
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    count, height, width = struct.unpack(">3I", raw[4:16])
    return np.frombuffer(raw, np.uint8, offset=16).reshape(count, height, width, 1)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m vaecli.bench.torch_peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--data", type=Path, help="a folder with train-images-idx3-ubyte(.gz); default: random 28x28 images")
    parser.add_argument("--images", type=int, default=20000, help="images per epoch")
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs after one warm-up epoch")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32", help="bf16: torch.autocast to bfloat16")
    parser.add_argument("--compile", action="store_true", help="torch.compile the training step")
    parser.add_argument("--threads", type=int, help="CPU threads (default: PyTorch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.data:
        images = read_idx_images(args.data)[: args.images]
    else:
        images = np.random.default_rng(0).integers(0, 256, (args.images, 28, 28, 1), dtype=np.uint8)
    trainer = TorchTrainer(images, args.batch_size, device=args.device, precision=args.precision, compile=args.compile)
    trainer.run_epoch(0)  # warm-up: allocation, cuDNN autotuning, compilation
    seconds = [trainer.run_epoch(epoch) for epoch in range(1, args.rounds + 1)]
    rates = [trainer.n_steps * args.batch_size / s for s in seconds]
    result = {"device": str(trainer.device), "name": torch.cuda.get_device_name(trainer.device) if trainer.device.type == "cuda" else "cpu",
              "torch": torch.__version__, "batch_size": args.batch_size, "images_per_epoch": trainer.n_steps * args.batch_size,
              "precision": args.precision, "compile": args.compile, "parameters": parameter_count(trainer.model),
              "images_per_s": [round(r, 1) for r in rates], "median_images_per_s": round(statistics.median(rates), 1)}
    print(result)
    return result


if __name__ == "__main__":
    main()
