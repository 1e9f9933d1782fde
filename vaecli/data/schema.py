"""The `dataset` group's schema: where the images come from and how much of them a run holds in memory.

Presets in conf/dataset/ fill it in; every option can be overridden, e.g. `dataset.train_size=5000`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from omegaconf import MISSING

from vaecli.errors import require as _require
from vaecli.errors import require_choice as _choice
from vaecli.errors import require_positive as _positive


@dataclass
class DatasetConfig:
    name: str = MISSING
    # How the images are read, a name in vaecli/data/__init__.py's SOURCES: idx (MNIST-format files:
    # path, else system_dirs, else tensorflow-datasets' tfds_name), tfds (the catalogue), folder (a
    # tree of image files at path) or generated (rendered here from known factors: generator).
    # None: generated if a generator is named, else idx (how run folders saved before this option read).
    source: Optional[str] = None
    path: Optional[str] = None  # idx: the directory of the four IDX files; folder: the image tree's root
    system_dirs: list[str] = field(default_factory=list)
    tfds_name: Optional[str] = None
    tfds_data_dir: Optional[str] = None  # None: tensorflow-datasets' own default (~/tensorflow_datasets)
    class_names: Optional[list[str]] = None  # None: the source's names (TFDS metadata, folder names), else "0", "1", ...
    # Keep only this many training images (a seeded subset), for small-data studies. None: all.
    train_size: Optional[int] = None
    # Carve this many images from the training split for model selection; never the test split.
    validation_size: int = 0
    # Keep only this many test images (drawn with a fixed seed, the same for every run). None: all.
    test_size: Optional[int] = None

    # ---- tfds and folder: which fields, which splits, what shape
    image_key: str = "image"  # tfds: the feature that holds the image
    label_key: Optional[str] = "label"  # tfds: the class feature ("attributes/Male" reaches inside); None: unlabelled
    factor_keys: Optional[list[str]] = None  # tfds: features that are generating factors (dsprites, shapes3d); None: none
    train_split: str = "train"  # tfds split names; slicing works, e.g. "train[:90%]"
    test_split: str = "test"
    image_size: Optional[list[int]] = None  # [height, width] after the crop; None: as stored (folder: must be set)
    center_crop: Optional[int] = None  # a square of this many pixels from the centre first (CelebA's faces); None: none
    channels: Optional[int] = None  # 1 (grey) or 3 (colour); None: as stored
    test_fraction: float = 0.1  # folder without a test/ sub-folder: this share, drawn with a fixed seed, is the test split

    # ---- memory: datasets larger than this stream through tf.data instead of being held
    memory_limit_mb: int = 1024  # decoded training images above this stream (CelebA's 162,770 64x64 RGB: 2 GB); 0: always
    sample_size: int = 10000  # streamed: training images held for evaluation's kNN, probe and reference classifier
    shuffle_buffer: int = 10000  # streamed: tf.data's shuffle buffer (images), ~120 MB at 64x64 RGB

    # ---- generated: rendered from known factors (vaecli/data/generated.py)
    generator: Optional[str] = None  # a name in GENERATORS, e.g. dsprites
    generated_train: int = 20000  # rendered training images (train_size and validation_size take theirs from these)
    generated_test: int = 5000  # rendered test images, the same ones for every seed
    label_factor: Optional[str] = None  # the factor that is the class label (figures, kNN, probe); None: the first

    def __post_init__(self) -> None:
        from vaecli.data import SOURCES

        if self.source is None:
            self.source = "generated" if self.generator is not None else "idx"
        _choice("dataset.source", self.source, tuple(SOURCES))
        SOURCES[self.source].check(self)  # what that source needs, e.g. a path
        if self.train_size is not None:
            _positive("dataset.train_size", self.train_size, "500")
        if self.test_size is not None:
            _positive("dataset.test_size", self.test_size, "10000")
        _require(self.validation_size >= 0, f"dataset.validation_size must be >= 0, got {self.validation_size}")
        if self.image_size is not None:
            _require(len(self.image_size) == 2 and min(self.image_size) > 0,
                     f"dataset.image_size must be [height, width], got {list(self.image_size)}; e.g. dataset.image_size=[64,64]")
        _require(self.channels in (None, 1, 3), f"dataset.channels must be 1 or 3, got {self.channels}")
        _require(0 < self.test_fraction < 1, f"dataset.test_fraction must be in (0, 1), got {self.test_fraction}; e.g. 0.1")
        _require(self.memory_limit_mb >= 0, f"dataset.memory_limit_mb must be >= 0 (0: always stream), got {self.memory_limit_mb}")
        for key, example in (("sample_size", "10000"), ("shuffle_buffer", "10000")):
            _positive(f"dataset.{key}", getattr(self, key), example)
