"""The reference classifier that judges decoded images, trained once per dataset and cached.

It stands in for Inception in FID-like scores without any download: a small CNN trained on
the dataset's full training split. Its penultimate layer gives the features for the Frechet
distance; its softmax gives the confidence and class of decoded images.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from vaecli.data import Splits

log = logging.getLogger(__name__)

VERSION = "cnn-v1"  # part of the cache key: change it when the architecture or training changes
EPOCHS = 4  # ~91% on Fashion-MNIST, ~99% on MNIST; more buys little for a judge


@dataclass
class ReferenceClassifier:
    model: keras.Model  # image -> (features, class probabilities)
    test_accuracy: float

    def predict(self, images: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """Features and class probabilities of images in [0, 1] (N, H, W, C)."""
        outputs = self.model.predict(images.astype(np.float32), batch_size=batch_size, verbose=0)
        return outputs["features"], outputs["probabilities"]


def default_cache_dir() -> Path:
    """$VAECLI_CACHE/classifiers if set (tests point it at a temporary folder), else the XDG cache:
    $XDG_CACHE_HOME/vaecli/classifiers, by default ~/.cache/vaecli/classifiers."""
    if os.environ.get("VAECLI_CACHE"):
        return Path(os.environ["VAECLI_CACHE"]) / "classifiers"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vaecli" / "classifiers"


def reference_classifier(splits: Splits, cache_dir: Path | None = None) -> ReferenceClassifier:
    """The cached classifier for this training split, trained now if there is none yet."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    key = _fingerprint(splits)
    model_path, info_path = cache_dir / f"{splits.name}-{key}.keras", cache_dir / f"{splits.name}-{key}.json"
    if model_path.is_file() and info_path.is_file():
        return ReferenceClassifier(keras.saving.load_model(model_path), json.loads(info_path.read_text())["test_accuracy"])

    log.info(f"training the reference classifier for {splits.name} (once; cached in {cache_dir})")
    keras.utils.set_random_seed(0)
    model = _build(splits.image_shape, len(splits.class_names))
    train_x = splits.train_images.astype(np.float32) / 255.0
    test_x = splits.test_images.astype(np.float32) / 255.0
    model.fit(train_x, {"probabilities": splits.train_labels}, batch_size=128, epochs=EPOCHS, verbose=0)
    probabilities = model.predict(test_x, batch_size=1000, verbose=0)["probabilities"]
    accuracy = float((probabilities.argmax(axis=1) == splits.test_labels).mean())

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{model_path.stem}.{os.getpid()}.keras"
    model.save(tmp)
    tmp.replace(model_path)
    info_path.write_text(json.dumps({"test_accuracy": accuracy, "version": VERSION}) + "\n")
    return ReferenceClassifier(model, accuracy)


def _build(image_shape, n_classes: int) -> keras.Model:
    inputs = keras.Input(image_shape)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(128, activation="relu", name="features")(x)
    probabilities = keras.layers.Dense(n_classes, activation="softmax", name="probabilities")(features)
    model = keras.Model(inputs, {"features": features, "probabilities": probabilities})
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss={"probabilities": "sparse_categorical_crossentropy"})
    return model


def _fingerprint(splits: Splits) -> str:
    digest = hashlib.sha256(VERSION.encode())
    for array in (splits.train_images, splits.train_labels, splits.test_labels):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]
