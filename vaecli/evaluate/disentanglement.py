"""Disentanglement metrics of an encoder on data whose generating factors are known.

MIG (Chen et al. 2018), SAP (Kumar et al. 2018), DCI (Eastwood & Williams 2018), the FactorVAE score
(Kim & Mnih 2018) and the beta-VAE score (Higgins et al. 2017), with the sampling protocols of
google-research/disentanglement_lib ("dlib" below; its study settings of Locatello et al. 2019 are the
"paper" numbers quoted in DisentanglementConfig). Written anew here from numpy and scikit-learn.
All are higher-is-better and lie in [0, 1]. The encoder is any callable, so nothing here imports TensorFlow.

Deviations from dlib, each so that the metric is invariant to permuting, shifting and positively
rescaling the code dimensions (an objective should not score better for choosing a unit):
- SAP (discrete variant) and the beta-VAE classifier standardise their inputs first.
- DCI's importances come from extremely randomised trees, not gradient boosting (see `dci`).
- MIG, SAP and DCI share one sample of codes, and FactorVAE's global variances reuse it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from vaecli.data.factors import FactorSource
from vaecli.evaluate.schema import DisentanglementConfig  # the sample counts: eval options (eval.disentanglement.*)

Encoder = Callable[[np.ndarray], np.ndarray]  # uint8 images (n, H, W, C) -> codes (n, d): the posterior means


# ------------------------------------------------------------------ metrics of (codes, factors)


def mig(codes: np.ndarray, factors: np.ndarray, bins: int = 20) -> float:
    """Mutual information gap: per factor, (I(top code) - I(second code)) / H(factor), averaged.

    Codes are discretised into `bins` equal-width bins (dlib's histogram discretiser), so MI is the
    plug-in estimate of sklearn's mutual_info_score. Factors that do not vary in the sample are skipped.
    """
    binned = [_equal_width_bins(z, bins) for z in codes.T]
    gaps = []
    for f in factors.T:
        entropy = mutual_info_score(f, f)
        if entropy <= 0:
            continue
        mi = np.sort([mutual_info_score(f, b) for b in binned])[::-1]
        gaps.append((mi[0] - (mi[1] if len(mi) > 1 else 0.0)) / entropy)
    return float(np.mean(gaps)) if gaps else 0.0


def sap(codes: np.ndarray, factors: np.ndarray, codes_test: np.ndarray | None = None,
        factors_test: np.ndarray | None = None, continuous: bool = True) -> float:
    """Separated attribute predictability: per factor, the gap between the two codes that predict it best, averaged.

    continuous=True: a code's score is its squared correlation (R^2) with the factor. continuous=False (dlib's
    study): the accuracy on (codes_test, factors_test), or on the training codes if none are given, of a
    LinearSVC(C=0.01, balanced classes) fitted on that one standardised code.
    """
    scores = np.zeros((codes.shape[1], factors.shape[1]))
    if continuous:
        for j, f in enumerate(factors.T):
            for i, z in enumerate(codes.T):
                if z.std() > 0 and f.std() > 0:
                    scores[i, j] = np.corrcoef(z, f)[0, 1] ** 2
    else:
        if codes_test is None or factors_test is None:  # scored on the training codes
            codes_test, factors_test = codes, factors
        scaler = StandardScaler().fit(codes)
        z_train, z_test = scaler.transform(codes), scaler.transform(codes_test)
        for j in range(factors.shape[1]):
            if len(np.unique(factors[:, j])) < 2:
                continue
            for i in range(codes.shape[1]):
                svm = LinearSVC(C=0.01, class_weight="balanced").fit(z_train[:, i : i + 1], factors[:, j])
                scores[i, j] = np.mean(svm.predict(z_test[:, i : i + 1]) == factors_test[:, j])
    top = np.sort(scores, axis=0)[::-1]
    return float(np.mean(top[0] - (top[1] if len(top) > 1 else 0.0)))


def dci(codes_train: np.ndarray, factors_train: np.ndarray, codes_test: np.ndarray, factors_test: np.ndarray,
        n_trees: int = 50, min_leaf: int = 10, seed: int = 0) -> dict[str, float]:
    """Disentanglement, completeness and informativeness from one tree ensemble per factor.

    R[i, j] is the impurity importance of code i for predicting factor j. Disentanglement: 1 - entropy
    (base n_factors) of each code's row, weighted by the code's share of importance; completeness: 1 -
    entropy (base n_codes) of each factor's column, weighted likewise; informativeness: mean test
    accuracy (dlib's `informativeness_test`; Eastwood & Williams report the error, 1 - this).

    Estimator: sklearn's ExtraTreesClassifier considering every code at each split. Eastwood & Williams
    used random forests (and lasso); dlib used GradientBoostingClassifier, which grows one tree per class
    per stage: 36 s on 2 cores for just 1,000 codes of a 40-valued factor (dSprites' orientation), against
    ~1 s for these trees on 10,000. Extremely randomised thresholds are several times faster than a random
    forest's searched ones; the minimum leaf size keeps deep trees from crediting noise codes.
    """
    n_codes, n_factors = codes_train.shape[1], factors_train.shape[1]
    importance, accuracy = np.zeros((n_codes, n_factors)), []
    for j in range(n_factors):
        trees = ExtraTreesClassifier(n_trees, max_features=None, min_samples_leaf=min_leaf, random_state=seed)
        trees.fit(codes_train, factors_train[:, j])
        importance[:, j] = trees.feature_importances_
        accuracy.append(np.mean(trees.predict(codes_test) == factors_test[:, j]))
    total = importance.sum() or 1.0
    code_share, factor_share = importance.sum(axis=1) / total, importance.sum(axis=0) / total
    return {
        "disentanglement": float(np.sum(code_share * (1 - _normalised_entropy(importance, n_factors)))),
        "completeness": float(np.sum(factor_share * (1 - _normalised_entropy(importance.T, n_codes)))),
        "informativeness": float(np.mean(accuracy)),
    }


# ------------------------------------------------------------------ metrics that sample groups of factors


def factor_vae_score(encode: Encoder, source: FactorSource, rng: np.random.Generator, group_size: int = 64,
                     n_train: int = 1_000, n_eval: int = 500, threshold: float = 0.05,
                     variances: np.ndarray | None = None, n_variance: int = 10_000, encode_batch: int = 1_024) -> float:
    """Accuracy of a majority-vote classifier from "the code that varies least" to "the factor held fixed".

    A vote fixes one random factor at a random value over `group_size` images, divides each code's variance
    in the group by its variance over the data (`variances`, else estimated from `n_variance` codes), and
    names the code with the smallest ratio among those whose std is at least `threshold`. The classifier
    maps each code to the factor it was named for most often in `n_train` votes; the score is its accuracy
    on `n_eval` fresh votes. Chance: 1 / n_factors.
    """
    if variances is None:
        variances = _encode(encode, source, source.sample_factors(n_variance, rng), encode_batch).var(axis=0, ddof=1)
    active = np.sqrt(variances) >= threshold
    if not active.any():
        return 0.0
    n_factors = len(source.factor_sizes)

    def votes(n: int) -> np.ndarray:
        fixed = rng.integers(n_factors, size=n)
        groups = source.sample_factors(n * group_size, rng).reshape(n, group_size, n_factors)
        groups[np.arange(n), :, fixed] = groups[np.arange(n), :1, fixed]
        codes = _encode(encode, source, groups.reshape(n * group_size, n_factors), encode_batch)
        ratio = codes.reshape(n, group_size, -1).var(axis=1, ddof=1) / np.where(active, variances, 1.0)
        counts = np.zeros((n_factors, len(variances)), dtype=np.int64)
        np.add.at(counts, (fixed, np.where(active, ratio, np.inf).argmin(axis=1)), 1)
        return counts

    classifier = votes(n_train).argmax(axis=0)  # code -> factor
    scored = votes(n_eval)
    return float(scored[classifier, np.arange(scored.shape[1])].sum() / scored.sum())


def beta_vae_score(encode: Encoder, source: FactorSource, rng: np.random.Generator, group_size: int = 64,
                   n_train: int = 500, n_eval: int = 500, encode_batch: int = 1_024) -> float:
    """Accuracy of a linear classifier that names the factor two groups of images share.

    A point draws `group_size` pairs of factor vectors that agree on one random factor, and its features are
    the mean |code difference| over the pairs; logistic regression (on standardised features) is fitted on
    `n_train` points and scored on `n_eval`. Chance: 1 / n_factors.
    """
    n_factors = len(source.factor_sizes)

    def points(n: int) -> tuple[np.ndarray, np.ndarray]:
        shared = rng.integers(n_factors, size=n)
        first = source.sample_factors(n * group_size, rng).reshape(n, group_size, n_factors)
        second = source.sample_factors(n * group_size, rng).reshape(n, group_size, n_factors)
        second[np.arange(n), :, shared] = first[np.arange(n), :, shared]
        codes = [_encode(encode, source, f.reshape(n * group_size, n_factors), encode_batch) for f in (first, second)]
        return np.abs(codes[0] - codes[1]).reshape(n, group_size, -1).mean(axis=1), shared

    x_train, y_train = points(n_train)
    x_eval, y_eval = points(n_eval)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1_000)).fit(x_train, y_train)
    return float(model.score(x_eval, y_eval))


# ------------------------------------------------------------------ all of them


def disentanglement_metrics(encode: Encoder, source: FactorSource, seed: int = 0,
                            cfg: DisentanglementConfig | None = None) -> dict[str, float]:
    """Every metric above for one encoder, seeded: the same seed gives the same factors and the same numbers."""
    cfg = cfg or DisentanglementConfig()
    data_rng, fvae_rng, bvae_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    f_train, f_test = source.sample_factors(cfg.n_train, data_rng), source.sample_factors(cfg.n_test, data_rng)
    z_train, z_test = (_encode(encode, source, f, cfg.encode_batch) for f in (f_train, f_test))
    groups = dict(group_size=cfg.group_size, encode_batch=cfg.encode_batch)
    return {
        **sample_metrics(z_train, f_train, z_test, f_test, seed, cfg),
        "factor_vae_score": factor_vae_score(encode, source, fvae_rng, n_train=cfg.factor_vae_train,
                                             n_eval=cfg.factor_vae_eval, threshold=cfg.factor_vae_threshold,
                                             variances=z_train.var(axis=0, ddof=1), **groups),
        "beta_vae_score": beta_vae_score(encode, source, bvae_rng, n_train=cfg.beta_vae_train,
                                         n_eval=cfg.beta_vae_eval, **groups),
    }


def sample_metrics(z_train: np.ndarray, f_train: np.ndarray, z_test: np.ndarray, f_test: np.ndarray, seed: int = 0,
                   cfg: DisentanglementConfig | None = None) -> dict[str, float]:
    """The metrics that need only (code, factor) pairs, for datasets that label images with factors but cannot
    render an image from chosen factors: MIG on the training pairs, SAP and DCI trained on them, scored on the test pairs."""
    cfg = cfg or DisentanglementConfig()
    z_train, f_train = z_train[: cfg.n_train], f_train[: cfg.n_train]
    scores = dci(z_train, f_train, z_test[: cfg.n_test], f_test[: cfg.n_test], cfg.dci_trees, cfg.dci_min_leaf, seed)
    return {
        "mig": mig(z_train, f_train, cfg.mig_bins),
        "sap": sap(z_train, f_train, z_test[: cfg.n_test], f_test[: cfg.n_test], cfg.sap_continuous),
        **{f"dci_{name}": value for name, value in scores.items()},
    }


# ------------------------------------------------------------------ helpers


def _encode(encode: Encoder, source: FactorSource, factors: np.ndarray, batch: int) -> np.ndarray:
    """Codes (n, d) of the images of `factors`, rendered and encoded `batch` at a time."""
    parts = [np.asarray(encode(source.images(factors[i : i + batch])), dtype=np.float64)
             for i in range(0, len(factors), batch)]
    return np.concatenate(parts).reshape(len(factors), -1)


def _equal_width_bins(values: np.ndarray, bins: int) -> np.ndarray:
    """Bin index 0..bins-1 of each value, bins of equal width between the sample's min and max."""
    return np.digitize(values, np.linspace(values.min(), values.max(), bins + 1)[1:-1])


def _normalised_entropy(weights: np.ndarray, base: int) -> np.ndarray:
    """Entropy (log base `base`) of each row of non-negative weights scaled to sum to 1; an all-zero row is uniform."""
    p = weights + 1e-11  # as dlib: keeps log finite
    p = p / p.sum(axis=1, keepdims=True)
    return -(p * np.log(p)).sum(axis=1) / np.log(base) if base > 1 else np.zeros(len(p))
