"""The training loop: a GradientTape step compiled with tf.function, checkpoints, resume, logging.

`train(cfg, run_dir)` is the whole of `vae train` once the config is composed; tests call it directly.
It writes the run folder through vaecli.run (the file names and what each holds: vaecli/run/names.py).
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from vaecli import track
from vaecli.config.schemas import TrainConfig
from vaecli.data import eval_pipeline, load_dataset, read_faults, training_batches
from vaecli.errors import DataError, Paused, TrainingError, disk_fault
from vaecli.evaluate.collapse import collapse_note
from vaecli.models.networks import VAE
from vaecli.run import status
from vaecli.run.files import run_lock
from vaecli.run.folder import RunFolder
from vaecli.run.history import History
from vaecli.run.provenance import provenance
from vaecli.train.build import build_steps
from vaecli.train.drawing import Drawing
from vaecli.train.early_stopping import EarlyStopping
from vaecli.train.epoch_parts import EpochParts
from vaecli.train.memory import check_memory
from vaecli.train.progress_bar import ProgressBar, time_left
from vaecli.train.steps import Steps
from vaecli.train.stop_signals import StopSignals
from vaecli.visual import run_animations as animations
from vaecli.visual import run_figures as figures

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- the run


def configure_tensorflow(cfg: TrainConfig) -> str:
    """Seeds, precision and determinism; returns a description of the device used."""
    keras.backend.clear_session()  # sweeps train many models in one process
    keras.utils.set_random_seed(cfg.seed)
    if cfg.trainer.deterministic:
        tf.config.experimental.enable_op_determinism()
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
        if cfg.trainer.strategy == "mirrored":
            return f"{len(gpus)} GPUs ({name}), mirrored"
        return f"GPU:0 ({name})" + (f" and {len(gpus) - 1} more, unused (trainer.strategy=mirrored uses them)" if len(gpus) > 1 else "")
    return f"CPU ({tf.config.threading.get_intra_op_parallelism_threads() or 'all'} threads)"


def accept(run_dir: Path, cfg: TrainConfig) -> RunFolder:
    """The checks before anything is written into the run folder: a new run goes into a folder without one; a
    resumed run keeps its model. A refused command leaves the folder as it was."""
    folder = RunFolder(run_dir)
    if cfg.resume is not None:
        folder.check_resumable(cfg)
    else:
        folder.check_new()
    return folder


class Progress(tf.Module):
    """Where training stands, saved in every checkpoint: finished epochs, and batches into the next."""

    def __init__(self):
        super().__init__()
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.step_in_epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False)  # all batches so far: names the checkpoints


def train(cfg: TrainConfig, run_dir: Path, overrides: list[str] | None = None) -> dict[str, float]:
    """Train (or resume) one run in `run_dir`; returns the last epoch's metrics. `overrides`: the command line's,
    recorded so that `resume=` can replay them."""
    run_dir = Path(run_dir)
    accept(run_dir, cfg)  # before the folder is touched (and again once it is locked)
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        with run_lock(run_dir, "vae train"), StopSignals() as stop:
            log.info(f"run folder: {run_dir}")  # once the run is accepted: a refused command writes no log here
            trainer = Trainer(cfg, run_dir, stop, overrides)
            # The tracker run ends finished, failed or interrupted with the run, after the last drawing is written.
            with trainer.tracking, trainer.drawing:
                return trainer.fit()
    except (OSError, tf.errors.OpError) as ex:  # a full or read-only disk: name the file, say how to continue
        if (fault := disk_fault(ex, run_dir, f"continue with: vae train resume={run_dir}")) is None:
            raise
        raise fault from ex


class Trainer:
    """One run: its data, model, compiled steps, checkpoints and logs, and the epoch loop."""

    def __init__(self, cfg: TrainConfig, run_dir: Path, stop: StopSignals, overrides: list[str] | None = None):
        self.cfg, self.run_dir, self.stop = cfg, run_dir, stop
        self.folder = folder = accept(run_dir, cfg)
        device = configure_tensorflow(cfg)
        self.data = data = load_dataset(cfg.dataset, seed=cfg.seed)
        stop.defer()  # from here on a signal stops after a checkpoint
        check_memory(cfg, data)  # before the model is built: a config too large for this machine is refused
        streamed = " (streamed)" if data.train_stream is not None else ""
        log.info(f"data: {data.name} from {data.source}: {data.train_count} train{streamed}, "
                 f"{len(data.validation_images)} validation, {len(data.test_images)} test images of shape {data.image_shape}")
        log.info(f"device: {device}")
        self.batches_for_epoch = training_batches(data.training_images, cfg.trainer.batch_size, cfg.seed, cfg.dataset.shuffle_buffer)
        self.steps_per_epoch = data.train_count // cfg.trainer.batch_size
        self.bar = ProgressBar(cfg.trainer.epochs, self.steps_per_epoch, cfg.trainer.steps_per_call, cfg.trainer.quiet)
        self.held_out = {"test": eval_pipeline(data.test_images, cfg.trainer.eval_batch_size)}
        if len(data.validation_images):
            self.held_out["val"] = eval_pipeline(data.validation_images, cfg.trainer.eval_batch_size)

        self.steps = steps = build_steps(cfg, data.image_shape, data.train_count)
        self.vae, optimizer = steps.vae, steps.optimizer
        self.progress = Progress()
        checkpoint = tf.train.Checkpoint(vae=self.vae, optimizer=optimizer, rng=steps.rng, progress=self.progress,
                                         train_means=steps.train_means)
        self.manager = tf.train.CheckpointManager(checkpoint, folder.checkpoints, max_to_keep=cfg.trainer.keep_checkpoints)
        if cfg.resume is not None and self.manager.checkpoints:
            _restore_latest(self.manager, checkpoint, run_dir)
            optimizer.learning_rate.assign(cfg.trainer.learning_rate)  # the command line wins over the checkpoint
            log.info(f"resumed {run_dir} at epoch {self.finished_epochs + 1}, "
                     f"step {int(self.progress.step_in_epoch.numpy())} of {self.steps_per_epoch}")
        elif cfg.resume is not None:
            log.info(f"resume={run_dir} has no checkpoint yet: starting from the beginning")
        folder.write_config(cfg)
        if overrides is not None:
            folder.write_overrides(overrides)
        folder.write_run_info({**provenance(data, device), "precision": cfg.trainer.precision})  # what auto chose, too
        status.mark(run_dir, "running")
        if not self.manager.checkpoints:
            self.save_checkpoint()  # from now on the folder can always be resumed

        self.history = History(folder.metrics_csv, keep_through_epoch=self.finished_epochs)
        self.animator = animations.Animator(run_dir, data, cfg, self.vae, self.finished_epochs)
        self.timing = History(folder.timing_csv, keep_through_epoch=self.finished_epochs)
        self.writer = tf.summary.create_file_writer(str(folder.tensorboard))
        self.early_stopping = None
        if cfg.trainer.early_stopping.patience is not None:
            self.early_stopping = EarlyStopping(cfg.trainer.early_stopping, run_dir, self.vae, self.history.rows)
        self.tracking = track.RunTracking(cfg, run_dir)  # tracker=...: params and tags now, each epoch's row below
        self.drawing = Drawing(cfg.trainer.draw_in_background)

    @property
    def finished_epochs(self) -> int:
        return int(self.progress.epoch.numpy())

    def save_checkpoint(self) -> None:
        self.manager.save(checkpoint_number=int(self.progress.step.numpy()))

    def fit(self) -> dict[str, float]:
        row = self.history.rows[-1] if self.history.rows else {}
        epochs = self.cfg.trainer.epochs
        for epoch_number in range(first := self.finished_epochs + 1, epochs + 1):
            if self.early_stopping is not None and self.early_stopping.should_stop:
                break
            parts = EpochParts()
            with read_faults(self.data.train_stream), parts.timed("train"):  # a streamed file that cannot be read: DataError naming it
                self.train_epoch(epoch_number)
            row = self.end_epoch(epoch_number, parts)
            if epoch_number == first < epochs:  # the whole epoch's time: steps, held-out losses, figures
                log.info(time_left(parts.elapsed(), epochs - epoch_number))
            if self.stop.received:
                self.interrupt()
        if self.early_stopping is not None:
            self.early_stopping.finish()  # the best epoch's weights, drawn once more if it stopped early
            if self.early_stopping.should_stop:
                self.draw(self.finished_epochs)
        _save_model(self.vae, self.folder.model)
        if note := collapse_note(self.history.rows):
            log.warning(note)
        return row

    def train_epoch(self, epoch_number: int) -> None:
        """The epoch's batches, `steps_per_call` at a time; resumes mid-epoch where a checkpoint left off."""
        done = int(self.progress.step_in_epoch.numpy())
        if done == 0:
            self.steps.train_means.reset()
        iterator = iter(self.steps.distribute(self.batches_for_epoch(epoch_number).skip(done)))
        with self.bar.epoch(epoch_number, done) as bar:
            while done < self.steps_per_epoch:
                chunk = bar.chunk(self.steps_per_epoch - done)
                stopped_at = int(self.steps.train_chunk(iterator, tf.constant(chunk, tf.int32)))
                if stopped_at >= 0:
                    _stop_on_nonfinite(self.steps, epoch_number, done + stopped_at + 1, self.folder)
                done += chunk
                self.progress.step.assign_add(chunk)
                bar.update(chunk, self.steps.train_means.result())
                if self.stop.received and done < self.steps_per_epoch:
                    self.progress.step_in_epoch.assign(done)
                    self.save_checkpoint()
                    self.interrupt()

    def end_epoch(self, epoch_number: int, parts: EpochParts) -> dict[str, float]:
        """Held-out losses, the metrics row, the checkpoint, logs and (every plot_every epochs) figures; each timed."""
        row = {"epoch": epoch_number, **{f"train/{k}": v for k, v in self.steps.train_means.result().items()}}
        with parts.timed("test"):
            for split, dataset in self.held_out.items():
                row.update({f"{split}/{k}": v for k, v in self.steps.evaluate(dataset, self.cfg.seed + 1).items()})
        # Metrics (and a first timing row) before the checkpoint: a run killed in between redoes the epoch and
        # rewrites its rows, so both files always cover exactly the checkpointed epochs.
        with parts.timed("tracking"):
            self.history.append(row)
            self.tracking.log_epoch(row)
            self.timing.append(parts.row(epoch_number, parts.elapsed()))
        with parts.timed("checkpoint"):
            if self.early_stopping is not None:
                self.early_stopping.update(row)  # saves the best epoch's weights
            self.progress.epoch.assign(epoch_number)
            self.progress.step_in_epoch.assign(0)
            self.save_checkpoint()
        with parts.timed("frames"):
            self.animator.record(self.vae, epoch_number)  # the latent space's every epoch, for latent_evolution.gif
        if epoch_number % self.cfg.trainer.plot_every == 0 or epoch_number == self.cfg.trainer.epochs:
            self.draw(epoch_number, parts)
        with parts.timed("tracking"), self.writer.as_default(step=epoch_number):
            for key, value in row.items():
                if "/" in key:
                    tf.summary.scalar(key, value)
            tf.summary.scalar("time/epoch_seconds", parts.seconds["train"])
            self.writer.flush()
        # The epoch's final row, with its checkpoint, figures and tracking: made after the last timed part has ended,
        # so the parts add up to the whole epoch.
        self.timing.rows.pop()
        self.timing.append(parts.row(epoch_number, parts.elapsed()))
        log.info(_summary(row, parts, self.cfg.trainer.epochs))
        return row

    def draw(self, epoch_number: int, parts: EpochParts | None = None) -> None:
        """The figures and GIFs of the model as it is now: the model's share here, on the training thread; the
        rendering and the files on the drawing thread (vaecli/train/drawing.py), beside the next epoch."""
        cfg, data, parts = self.cfg, self.data, parts or EpochParts()
        title = f"{cfg.model.name} ({cfg.likelihood.name}, {cfg.network.name}) on {data.name}, latent_dim={cfg.latent_dim}"
        with parts.timed("frames"):
            animate = self.animator.prepare(self.vae, title)
        with parts.timed("figures"):  # with trainer.draw_in_background=false, the rendering too
            drawn = figures.draw(self.vae, data.test_images, data.test_labels, data.class_names, cfg.figures, title, cfg.seed)
            self.drawing.submit(partial(self._render, drawn, animate, epoch_number))

    def _render(self, drawn: dict, animate, epoch_number: int) -> None:
        """On the drawing thread: figures/*.png, the GIFs, and the figures in TensorBoard at the epoch they show."""
        pngs = figures.save(drawn, self.folder.figures, epoch_number)
        animate()
        with self.writer.as_default(step=epoch_number):
            for kind, png in pngs.items():
                tf.summary.image(kind, tf.image.decode_png(png)[None])
            self.writer.flush()

    def interrupt(self) -> None:
        raise Paused(f"stopped by {self.stop.received} with a checkpoint; continue with: vae train resume={self.run_dir}")


def _stop_on_nonfinite(steps: Steps, epoch_number: int, step: int, folder: RunFolder) -> None:
    bad = [name for name, ok in zip(steps.parts, steps.bad_parts.numpy()) if not ok]
    path = folder.nonfinite_batch
    np.savez_compressed(path, images=steps.bad_batch.numpy(), epoch=epoch_number, step=step)
    raise TrainingError(
        f"non-finite {', '.join(bad)} at epoch {epoch_number}, step {step}; the batch is in {path}, "
        f"the last good checkpoint in {folder.checkpoints}; lower trainer.learning_rate, or set "
        "trainer.on_nonfinite=skip to skip such steps"
    )


def _restore_latest(manager, checkpoint, run_dir: Path) -> None:
    """The newest readable checkpoint; a corrupt newest one falls back to the one before."""
    failures: list[str] = []
    for path in reversed(manager.checkpoints):
        try:
            checkpoint.restore(path).assert_existing_objects_matched()
            if failures:
                log.warning(f"skipped unreadable checkpoint(s): {'; '.join(failures)}")
            return
        except (tf.errors.OpError, ValueError, AssertionError, IndexError, KeyError) as ex:  # corrupt files fail in many ways
            failures.append(f"{Path(path).name} ({type(ex).__name__})")
    raise DataError(f"no readable checkpoint in {RunFolder(run_dir).checkpoints} ({'; '.join(failures) or 'none'}); start a new run")


def _summary(row: dict, timing: EpochParts, epochs: int) -> str:
    def parts(split: str) -> str:
        return " ".join(f"{k.split('/', 1)[1]}={v:.5g}" for k, v in row.items() if k.startswith(f"{split}/"))

    held = " | ".join(f"{split} {parts(split)}" for split in ("val", "test") if any(k.startswith(split) for k in row))
    return f"epoch {row['epoch']}/{epochs} {timing.elapsed():.1f}s ({timing.brief()}) | train {parts('train')} | {held}"


def _save_model(vae: VAE, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.tmp.keras")  # Keras insists on the .keras suffix
    vae.save(tmp)
    tmp.replace(path)
