"""Animations and latent points: pure frame-making on tiny arrays, then the files from a tiny model."""

import io
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import small_vae
from PIL import Image

from vaecli.run.names import ANIMATIONS, LATENT_POINTS
from vaecli.visual import frames


def test_mosaic_tiles_enlarges_and_separates():
    images = np.zeros((2, 3, 4, 5, 1))
    images[1, 2] = 1.0
    frame = frames.mosaic(images, scale=2)
    assert frame.shape == (2 * 6 * 2, 3 * 7 * 2, 1) and frame.dtype == np.uint8
    assert frame[-3, -3, 0] == 255 and frame[2, 2, 0] == 0 and frame[0, 0, 0] == round(frames.GAP * 255)


@pytest.mark.parametrize("channels", [1, 3])
def test_interpolation_and_traversal_frames_loop_there_and_back(channels):
    rng = np.random.default_rng(0)
    decoded = rng.random((2, 4, 6, 6, channels))  # 2 pairs, 4 steps
    loop = frames.interpolation_frames(decoded[:, 0], decoded, decoded[:, -1], scale=1)
    assert len(loop) == 4 + 2 and loop[0].shape == (2 * 8, 3 * 8, channels)
    assert np.array_equal(loop[1], loop[-1])  # ... 2, 3, 2, then 1 again as the GIF loops
    traversal = frames.traversal_frames(rng.random((3, 5, 4, 6, 6, channels)), scale=1)
    assert len(traversal) == 6 and traversal[0].shape == (3 * 8, 5 * 8, channels)


def test_latent_frames_keep_their_axes_and_work_without_labels():
    points = np.stack([np.random.default_rng(e).normal(0, 0.1 + e, (50, 2)) for e in range(3)])
    limits = frames.fixed_limits(points)
    assert limits[0][0] < np.percentile(points[..., 0], 1) and limits[1][1] > np.percentile(points[..., 1], 99)
    drawn = frames.latent_frames(points, np.zeros(50, int), ("all",), [0, 1, 2], limits, ("z[0]", "z[1]"), "t", dpi=40)
    assert len(drawn) == 3 and len({f.shape for f in drawn}) == 1 and drawn[0].shape[-1] == 3
    assert not np.array_equal(drawn[0], drawn[2])


@pytest.mark.parametrize("channels", [1, 3])
def test_gif_bytes_loop_forever_with_every_frame(channels):
    pictures = [np.full((6, 8, channels), 40 * k, np.uint8) for k in range(4)]
    gif = Image.open(io.BytesIO(frames.gif_bytes(pictures, [0.1, 0.1, 0.1, 1.0])))
    assert gif.n_frames == 4 and gif.info["loop"] == 0 and gif.size == (8, 6)


@pytest.mark.parametrize("shape, latent_dim, class_names", [((8, 8, 3), 3, ("all",)), ((8, 8, 1), 2, ("a", "b", "c"))])
def test_animator_writes_the_contract_and_keeps_history_over_a_resume(compose, tmp_path, shape, latent_dim, class_names):
    """RGB with one class (no labels) and latent_dim > 2 (the figures' PCA plane); greyscale with classes in 2-D."""
    from vaecli.run.folder import RunFolder
    from vaecli.visual.run_animations import LATENT_POINTS_N, Animator

    cfg = compose("figures.scatter_points=100", f"seed={latent_dim}")
    rng = np.random.default_rng(0)
    data = SimpleNamespace(test_images=rng.integers(0, 256, (LATENT_POINTS_N + 20, *shape), dtype=np.uint8),
                           test_labels=rng.integers(0, len(class_names), LATENT_POINTS_N + 20), class_names=class_names)
    vae = small_vae(latent_dim=latent_dim, shape=shape)
    animator = Animator(tmp_path, data, cfg, vae, finished_epochs=0)
    animator.record(vae, 1)
    sizes = animator.write(vae, "a title")
    assert set(sizes) == {LATENT_POINTS, *(f"{ANIMATIONS}/{n}.gif" for n in ("latent_evolution", "interpolation", "traversal"))}
    with np.load(tmp_path / LATENT_POINTS) as points:
        assert points["codes"].shape == (LATENT_POINTS_N, 2) and points["codes"].dtype == np.float32
        assert points["labels"].shape == (LATENT_POINTS_N,) and points["labels"].dtype == np.int64
        assert points["images"].shape == points["reconstructions"].shape == (LATENT_POINTS_N, *shape)
        assert points["images"].dtype == points["reconstructions"].dtype == np.uint8
        assert list(points["class_names"]) == list(class_names)
        subset = np.load(RunFolder(tmp_path).latent_history)["subset"]
        assert np.array_equal(points["images"], data.test_images[subset])
    assert Image.open(tmp_path / ANIMATIONS / "latent_evolution.gif").n_frames == 2  # epochs 0 and 1

    again = Animator(tmp_path, data, cfg, vae, finished_epochs=1)  # a resumed run keeps its history ...
    again.record(vae, 2)
    assert again.epochs == [0, 1, 2]
    assert Animator(tmp_path, data, cfg, vae, finished_epochs=1).epochs == [0, 1]  # ... up to its checkpoint


def test_animations_can_be_turned_off(compose, tmp_path):
    from vaecli.visual.run_animations import Animator

    data = SimpleNamespace(test_images=np.zeros((4, 8, 8, 1), np.uint8), test_labels=np.zeros(4, int), class_names=("all",))
    vae = small_vae(shape=(8, 8, 1))
    animator = Animator(tmp_path, data, compose("figures.animations=false"), vae, finished_epochs=0)
    animator.record(vae, 1)
    assert animator.write(vae, "t") == {} and list(tmp_path.iterdir()) == []


def test_a_run_without_history_still_writes_its_latent_points(compose, tmp_path):
    """A resumed run whose history was lost and that trains no further epoch (early stopping) draws once more."""
    from vaecli.visual.run_animations import Animator

    data = SimpleNamespace(test_images=np.zeros((4, 8, 8, 1), np.uint8), test_labels=np.zeros(4, int), class_names=("all",))
    vae = small_vae(shape=(8, 8, 1))
    written = Animator(tmp_path, data, compose(), vae, finished_epochs=3).write(vae, "t")
    assert LATENT_POINTS in written and f"{ANIMATIONS}/latent_evolution.gif" not in written
