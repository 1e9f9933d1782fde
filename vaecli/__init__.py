"""vaecli: an experiment runner for how a VAE's training objective shapes its latent space.

For notebooks: `vaecli.load_run(path)` and `vaecli.load_runs(folder)` (vaecli/run/api.py). They load lazily, so
that `import vaecli` (and the `vae` command's start-up) stays free of TensorFlow and pandas.
"""

__version__ = "0.1.0"
__all__ = ["load_run", "load_runs", "__version__"]


def __getattr__(name: str):
    if name in ("load_run", "load_runs", "Run"):
        from vaecli.run import api

        return getattr(api, name)
    raise AttributeError(f"module 'vaecli' has no attribute {name!r}")
