"""Each disentanglement metric on encoders whose answer is known: the factors themselves, noise, and mixtures."""

import numpy as np
import pytest

from vaecli.evaluate import disentanglement as dis
from vaecli.evaluate.schema import DisentanglementConfig

SIZES = (3, 6, 10, 8)
CHANCE = 1 / len(SIZES)  # FactorVAE and beta-VAE scores of codes that ignore the factors
CHANCE_ACCURACY = float(np.mean([1 / k for k in SIZES]))  # DCI informativeness of such codes: uniform factors
PERM, SCALE, SHIFT = np.array([2, 0, 3, 1]), np.array([0.5, 3.0, 7.0, 0.2]), np.array([-1.0, 4.0, 0.0, 10.0])
# Fewer votes than the defaults, to keep the file fast; the tolerances below are about 3 binomial s.e.
FAST = DisentanglementConfig(n_train=4_000, n_test=2_000, factor_vae_train=400, factor_vae_eval=400,
                             beta_vae_train=400, beta_vae_eval=400)


class IndexImages:
    """A FactorSource whose 'image' of factors f is the (1, n_factors, 1) uint8 array f itself."""

    def __init__(self, sizes=SIZES):
        self.factor_sizes = tuple(sizes)
        self.factor_names = tuple(f"f{i}" for i in range(len(sizes)))

    def sample_factors(self, n, rng):
        return np.stack([rng.integers(k, size=n) for k in self.factor_sizes], axis=1)

    def images(self, factors):
        return factors.astype(np.uint8)[:, None, :, None]


def identity(images):
    return images.reshape(len(images), -1).astype(float)


def permuted(images):
    return identity(images)[:, PERM] * SCALE + SHIFT


def with_noise(encode, dims, seed):
    """`encode`'s codes followed by `dims` standard-normal codes independent of the images, seeded."""
    rng = np.random.default_rng(seed)
    return lambda images: np.concatenate([encode(images), rng.standard_normal((len(images), dims))], axis=1)


def mixed(images):
    """Code 0 carries factors 0 and 1 together (6 * f0 + f1, 18 values), code 1 carries f1 again."""
    f = identity(images)
    return np.stack([6 * f[:, 0] + f[:, 1], f[:, 1], f[:, 2], f[:, 3]], axis=1)


def merged(images):
    """One code carries factors 0 and 1 together and no other code has them: 3 codes for 4 factors."""
    f = identity(images)
    return np.stack([6 * f[:, 0] + f[:, 1], f[:, 2], f[:, 3]], axis=1)


@pytest.fixture(scope="module")
def scores():
    """All metrics once per encoder, shared by the tests below."""
    noise = with_noise(lambda images: np.zeros((len(images), 0)), len(SIZES), seed=1)
    encoders = {"identity": identity, "permuted": permuted, "noise": noise, "mixed": mixed, "merged": merged}
    return {name: dis.disentanglement_metrics(enc, IndexImages(), seed=0, cfg=FAST) for name, enc in encoders.items()}


def test_codes_equal_to_the_factors_score_perfectly(scores):
    s = scores["identity"]
    assert s["mig"] == pytest.approx(1.0, abs=0.01)  # each factor has < 20 values: every value its own bin
    assert s["sap"] == pytest.approx(1.0, abs=0.01)  # R^2 = 1 with its own code, ~0 with the others
    for key in ("dci_disentanglement", "dci_completeness", "dci_informativeness", "factor_vae_score", "beta_vae_score"):
        assert s[key] == pytest.approx(1.0, abs=0.01), key


def test_codes_independent_of_the_factors_score_zero_or_chance(scores):
    s = scores["noise"]
    assert 0 <= s["mig"] < 0.02  # plug-in MI bias only: ~(bins-1)(k-1)/2n nats on both top codes
    assert 0 <= s["sap"] < 0.01  # R^2 of independent variables ~ 1/n
    assert s["dci_disentanglement"] < 0.1 and s["dci_completeness"] < 0.1  # importance spread evenly
    assert s["dci_informativeness"] == pytest.approx(CHANCE_ACCURACY, abs=0.03)
    assert s["factor_vae_score"] == pytest.approx(CHANCE, abs=0.07)  # s.e. sqrt(.25 * .75 / 400) = 0.022
    assert s["beta_vae_score"] == pytest.approx(CHANCE, abs=0.07)


def test_permuting_shifting_and_rescaling_the_codes_changes_nothing(scores):
    same, moved = scores["identity"], scores["permuted"]
    for key in ("mig", "sap", "factor_vae_score"):  # same bins, same correlations, same votes
        assert moved[key] == pytest.approx(same[key], abs=1e-9), key
    for key in ("dci_disentanglement", "dci_completeness", "dci_informativeness", "beta_vae_score"):
        assert moved[key] == pytest.approx(same[key], abs=0.01), key  # trees and lbfgs see the codes in another order


def test_a_code_that_mixes_two_factors_lowers_mig_and_dci_disentanglement(scores):
    # `mixed`: f1 is carried fully by two codes, so its gap is 0; the other three factors keep a gap of 1.
    assert scores["mixed"]["mig"] == pytest.approx(0.75, abs=0.02)
    # `merged`: code 0 holds all of f0 and f1, so its importance row is (1, 1, 0, 0): entropy log 2 / log 4 = 1/2,
    # its disentanglement 1/2 with half the total importance; codes 1, 2 score 1 with a quarter each: 0.75.
    merged_ = scores["merged"]
    assert merged_["dci_disentanglement"] == pytest.approx(0.75, abs=0.02)
    assert merged_["dci_completeness"] == pytest.approx(1.0, abs=0.02)  # each factor still lives in one code
    assert merged_["mig"] == pytest.approx(1.0, abs=0.01)  # MIG asks only that each factor have one best code
    for s in (scores["mixed"], merged_):
        assert s["dci_informativeness"] == pytest.approx(1.0, abs=0.01)  # nothing was lost, only mixed


def test_mig_and_sap_on_arrays_with_known_answers():
    rng = np.random.default_rng(0)
    f = IndexImages().sample_factors(5_000, rng)
    codes = f.astype(float)
    assert dis.mig(codes, f) == pytest.approx(1.0, abs=0.01)
    assert dis.mig(codes[:, [0, 2, 3]], f) < 0.8  # factor 1 lost: its gap is ~0
    assert dis.mig(codes, f, bins=5) < dis.mig(codes, f)  # 10 and 8 values squeezed into 5 bins lose information
    # Discrete SAP (dlib's study): a 1-D linear classifier separates a 3-valued factor perfectly and chance is 1/3.
    three = f[:, :1]
    assert dis.sap(codes, three, continuous=False) == pytest.approx(1 - 1 / 3, abs=0.03)
    assert dis.sap(codes * SCALE + SHIFT, three, continuous=False) == pytest.approx(
        dis.sap(codes, three, continuous=False), abs=1e-9)


def test_dci_credits_each_factor_to_the_code_that_carries_it():
    rng = np.random.default_rng(0)
    f_train, f_test = IndexImages().sample_factors(3_000, rng), IndexImages().sample_factors(1_000, rng)
    extra = with_noise(identity, 2, seed=1)  # the factors + 2 noise codes
    s = dis.dci(extra(f_train), f_train, extra(f_test), f_test)
    assert s["disentanglement"] == pytest.approx(1.0, abs=0.02)  # noise codes get no importance, so weigh nothing
    assert s["completeness"] == pytest.approx(1.0, abs=0.02)
    assert s["informativeness"] == pytest.approx(1.0, abs=0.01)


def test_group_scores_prune_collapsed_codes_and_are_seeded():
    source = IndexImages()
    def collapsed(images):
        return np.concatenate([identity(images), np.zeros((len(images), 3))], axis=1)

    a = dis.factor_vae_score(collapsed, source, np.random.default_rng(3), n_train=200, n_eval=200, n_variance=2_000)
    assert a == 1.0  # the zero-variance codes are pruned, else their 0/0 ratios would be NaN
    b = dis.factor_vae_score(collapsed, source, np.random.default_rng(3), n_train=200, n_eval=200, n_variance=2_000)
    assert a == b
    beta = dis.beta_vae_score(collapsed, source, np.random.default_rng(3), n_train=200, n_eval=200)
    assert beta == pytest.approx(1.0, abs=0.01)
    def all_collapsed(images):
        return np.zeros((len(images), 2))

    assert dis.factor_vae_score(all_collapsed, source, np.random.default_rng(0), n_variance=100) == 0.0


def test_default_config_runs_on_a_ten_dimensional_code():
    """The defaults as `vae eval` will use them: 4 factor codes + 6 noise codes, and the same seed twice."""
    source = IndexImages()
    first = dis.disentanglement_metrics(with_noise(identity, 6, seed=2), source, seed=5)
    assert set(first) == {"mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness",
                          "factor_vae_score", "beta_vae_score"}
    assert all(0.0 <= v <= 1.0 for v in first.values())
    assert first["dci_informativeness"] == pytest.approx(1.0, abs=0.01)
    assert dis.disentanglement_metrics(with_noise(identity, 6, seed=2), source, seed=5) == first
