"""`vae COMMAND --help`: the choices of the command's own config groups, not every group under conf/.

Hydra's $APP_CONFIG_GROUPS lists every group in the search path, so `vae train --help` offered `method`
(vae embed's). The help templates in conf/*.yaml call ${own_choices:} instead: the groups in the composed
config's defaults list (hydra.runtime.choices), each with the options Hydra would accept.
"""

from __future__ import annotations

from omegaconf import OmegaConf

RESOLVER = "own_choices"


def own_choices(*, _root_) -> str:
    """A 'Choices' section of 'group: a, b, c' lines for the groups this command's config chose from (Hydra's own
    groups left out); empty for a command without groups."""
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    groups = sorted(group for group in _root_.hydra.runtime.choices if not group.startswith("hydra"))
    if not groups:
        return ""
    lines = [f"{group}: {', '.join(sorted(loader.get_group_options(group)))}" for group in groups]
    return "\n".join(["", "== Choices (group=option) ==", *lines])


def register_help_resolver() -> None:
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, own_choices)
