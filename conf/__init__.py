# Makes conf/ importable as `vaecli.conf` (see pyproject.toml), so that Hydra
# finds the configs with config_path="pkg://vaecli.conf" both from this
# checkout and from an installed wheel.
