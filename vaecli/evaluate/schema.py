"""`eval.disentanglement.*`: the disentanglement metrics' sample counts, beside the metrics that use them.

Plain numbers and no scikit-learn, so the config can compose this schema before any metric loads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DisentanglementConfig:
    """Sample counts. "paper": dlib's unsupervised_study_v1 metric configs, which implement the papers.

    Images encoded with these defaults: n_train + n_test (15k) + group_size * (factor_vae_train +
    factor_vae_eval) (96k) + 2 * group_size * (beta_vae_train + beta_vae_eval) (128k), about 240k,
    against dlib's 3.0M; the two group-based scores dominate, so cut their counts first.
    """

    n_train: int = 10_000  # codes for MIG, SAP, DCI fit, FactorVAE's variances; paper 10,000 per metric (shared here)
    n_test: int = 5_000  # held-out codes for SAP (discrete) and DCI informativeness; paper 5,000
    mig_bins: int = 20  # histogram bins per code dimension; paper 20. A factor with more values than bins caps MIG < 1
    # Kumar et al. score a continuous factor by R^2 and a categorical one by a classifier's accuracy. dlib's study used
    # the classifier (a LinearSVC on one code) for every factor; on a 1-D code it separates ~3 ordered classes at
    # most: a code equal to a 10-valued factor predicts it with ~0.2 accuracy (chance 0.1). dSprites/3D Shapes
    # factors are ordered (scale, angle, position, hue), so R^2 is our default; False compares with Locatello et al.
    sap_continuous: bool = True
    dci_trees: int = 50  # trees per factor: D and C move < 0.005 between tree seeds at these counts
    dci_min_leaf: int = 10  # keeps trees from fitting noise, which spreads importance onto uninformative codes
    group_size: int = 64  # L: images per FactorVAE vote, image pairs per beta-VAE point; paper 64
    factor_vae_train: int = 1_000  # votes to fit the majority-vote classifier (d x K counts); paper 10,000
    factor_vae_eval: int = 500  # votes scored; binomial s.e. <= 0.022; paper 5,000
    factor_vae_threshold: float = 0.05  # code dimensions with a std below this count as collapsed; paper 0.05
    beta_vae_train: int = 500  # points to fit the linear classifier ((d+1) x K weights); paper 10,000
    beta_vae_eval: int = 500  # points scored; binomial s.e. <= 0.022; paper 5,000
    encode_batch: int = 1_024  # images per encode() call: bounds memory (1024 64x64 RGB images are 12 MB)
