"""Evaluation metrics as functions of arrays (and, for the likelihood bounds, of a model).

Each says what it measures and which direction is better; docs/evaluation.md repeats it.
scikit-learn does the neighbours, the probe and the silhouette. Images may be uint8 (0-255) or floats
in [0, 1]; uint8 ones are scaled a batch at a time, so a split is never copied whole as floats.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from scipy import ndimage
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vaecli.models.losses import imq_kernel, log_normal_pdf, mmd

EPS = 1e-6


def unit(images: np.ndarray) -> np.ndarray:
    """Images as float32 in [0, 1]: uint8 ones scaled, float ones as they are."""
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32, copy=False)


def batches(images: np.ndarray, batch_size: int):
    """(start, float32 batch in [0, 1]) over `images`, `batch_size` at a time."""
    for start in range(0, len(images), batch_size):
        yield start, unit(images[start : start + batch_size])


def mean_over_batches(parts: list[tuple[int, dict[str, float]]]) -> dict[str, float]:
    """Per-image means computed batch by batch, as (batch length, means) pairs -> the means over all images."""
    total = sum(n for n, _ in parts)
    return {key: float(sum(n * means[key] for n, means in parts) / total) for key in parts[0][1]}


# ---------------------------------------------------------------- reconstruction


def reconstruction_errors(images: np.ndarray, decoded: np.ndarray) -> dict[str, float]:
    """Per-image Bernoulli cross-entropy (nats, summed over pixels) and per-pixel MSE; lower is better."""
    images = unit(images)
    p = np.clip(decoded, EPS, 1.0 - EPS)
    bce = -(images * np.log(p) + (1.0 - images) * np.log(1.0 - p)).reshape(len(images), -1).sum(axis=1)
    return {"reconstruction_bce": float(bce.mean()), "reconstruction_mse": float(np.mean((images - decoded) ** 2))}


# ---------------------------------------------------------------- likelihood bounds


def reconstruction_nll(vae, images: np.ndarray, batch_size: int) -> float:
    """-log p(x | z = code of x) under the run's own likelihood, per image (nats; `mse`: per-pixel error); lower is better."""
    total = 0.0
    for _, batch in batches(images, batch_size):
        x = tf.convert_to_tensor(batch)
        outputs = tf.cast(vae.decoder(vae.encode(x)), tf.float32)
        total -= float(tf.reduce_sum(vae.likelihood.log_prob(x, outputs)))
    return total / len(images)


def log_weights(vae, images: np.ndarray, k: int, seed: int) -> np.ndarray:
    """log p(x|z) + log p(z) - log q(z|x) for k draws z ~ q(z|x) per image: a (k, n) array.

    The run's own likelihood and prior. One encoder pass per image and one batched decoder pass
    over all k*n codes: no Python loop over k.
    """
    x = tf.convert_to_tensor(unit(images))
    mean, logvar = vae.posterior(x)
    noise = tf.random.stateless_normal((k, *mean.shape), seed=[seed, 0])
    z = mean[None] + tf.exp(0.5 * logvar)[None] * noise  # (k, n, d)
    outputs = tf.cast(vae.decoder(tf.reshape(z, (-1, vae.latent_dim))), tf.float32)
    x_k = tf.tile(x, [k] + [1] * (len(x.shape) - 1))  # row i*n + j is image j, as in z
    log_px_z = tf.reshape(vae.likelihood.log_prob(x_k, outputs), (k, -1))
    return (log_px_z + vae.log_prior(z) - log_normal_pdf(z, mean[None], logvar[None])).numpy()


def elbo(vae, images: np.ndarray, batch_size: int, seed: int) -> float:
    """The ELBO, nats per image, one z ~ q(z|x) per image: the closed-form KL for the N(0, I) prior, else
    log q(z|x) - log p(z) at that z; higher is better."""
    total = 0.0
    for start, batch in batches(images, batch_size):
        x = tf.convert_to_tensor(batch)
        mean, logvar = vae.posterior(x)
        z = mean + tf.exp(0.5 * logvar) * tf.random.stateless_normal(tf.shape(mean), seed=[seed, start])
        log_px = vae.likelihood.log_prob(x, tf.cast(vae.decoder(z), tf.float32))
        total += float(tf.reduce_sum(log_px - vae.kl(mean, logvar, z)))
    return total / len(images)


def likelihood_bounds(vae, images: np.ndarray, k: int, batch_size: int, seed: int = 0) -> dict[str, float]:
    """Nats per image, higher is better:
    iw_log_px  the importance-weighted bound log (1/k) sum_i w_i (IWAE; tightens towards log p(x) as k grows),
    iw_elbo    the ELBO estimated from the same k draws (mean of log w_i); never above iw_log_px.
    """
    per_batch = max(1, batch_size // k)  # k decoder passes per image
    iw, elbo = [], []
    for start in range(0, len(images), per_batch):
        w = log_weights(vae, images[start : start + per_batch], k, seed + start)
        iw.append(_logsumexp(w, axis=0) - math.log(k))
        elbo.append(w.mean(axis=0))
    return {"iw_log_px": float(np.concatenate(iw).mean()), "iw_elbo": float(np.concatenate(elbo).mean())}


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    top = a.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=axis, keepdims=True))).squeeze(axis)


# ---------------------------------------------------------------- latent quality


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k: int) -> float:
    """Share of test codes whose k nearest training codes vote for their class; higher is better."""
    return float(KNeighborsClassifier(n_neighbors=k).fit(train_codes, train_labels).score(test_codes, test_labels))


def probe_accuracy(train_codes, train_labels, test_codes, test_labels, max_iter: int = 1000) -> float:
    """Test accuracy of a logistic regression on standardised codes: linearly decodable class; higher is better."""
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    return float(probe.fit(train_codes, train_labels).score(test_codes, test_labels))


def silhouette(codes, labels, sample_size: int = 5000, seed: int = 0) -> float:
    """Silhouette of the classes in code space, in [-1, 1]: compact, separated classes score higher."""
    return float(silhouette_score(codes, labels, sample_size=min(sample_size, len(codes)), random_state=seed))


# ---------------------------------------------------------------- fit to the prior


def prior_mmd(codes: np.ndarray, prior_draws: np.ndarray, seed: int = 0) -> float:
    """MMD² between codes and as many draws from the model's prior, inverse multiquadratic kernel C/(C+r²), C = 2d.

    The kernel is the same for every model (WAE's choice for a unit Gaussian prior), so values
    compare across objectives; ~0 when the codes are distributed like the prior; lower is better.
    """
    rng = np.random.default_rng(seed)
    chosen = codes[rng.permutation(len(codes))[: len(prior_draws)]].astype(np.float32)
    prior = prior_draws[: len(chosen)].astype(np.float32)
    sigma = math.sqrt(codes.shape[1])  # C = 2 sigma^2 = 2d
    return float(mmd(tf.constant(chosen), tf.constant(prior), imq_kernel, sigma))


def code_moments(codes: np.ndarray) -> dict:
    """Mean and covariance of the codes (the prior has 0 and I); the norm of the mean: centredness, lower is better."""
    mean = codes.mean(axis=0)
    return {
        "code_mean": mean.tolist(),
        "code_cov": np.atleast_2d(np.cov(codes, rowvar=False)).tolist(),
        "code_mean_norm": float(np.linalg.norm(mean)),
    }


def active_units(code_means: np.ndarray, threshold: float = 0.01) -> int:
    """Dimensions whose code (posterior mean) varies across images: Var_x[E q(z|x)] > threshold."""
    return int((code_means.var(axis=0) > threshold).sum())


# ---------------------------------------------------------------- sample quality


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """||mu_a - mu_b||² + Tr(S_a + S_b - 2 (S_a S_b)^½) between Gaussian fits of two feature sets; lower is better.

    Tr((S_a S_b)^½) is the sum of the square roots of the eigenvalues of S_a S_b, which are real
    and non-negative for covariance matrices; this stays stable where a matrix square root of a
    near-singular product (dead ReLU features) does not.
    """
    mu_a, mu_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a, cov_b = np.cov(features_a, rowvar=False), np.cov(features_b, rowvar=False)
    root_trace = np.sqrt(np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0.0, None)).sum()
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * root_trace)


def confident_share(probabilities: np.ndarray, threshold: float) -> float:
    """Share of images a classifier labels with at least `threshold` confidence: recognisable objects; higher is better."""
    return float((probabilities.max(axis=1) >= threshold).mean())


def class_entropy(probabilities: np.ndarray) -> float:
    """Entropy (nats) of the predicted classes' histogram: diversity; log(#classes) when all classes are equally common."""
    counts = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def sharpness(images: np.ndarray) -> float:
    """Mean squared Laplacian response of images (N, H, W, C) in [0, 1]: edge energy; blur lowers it."""
    images = unit(images)
    per_channel = [ndimage.laplace(img[..., c].astype(np.float64)) for img in images for c in range(images.shape[-1])]
    return float(np.mean(np.square(per_channel)))
