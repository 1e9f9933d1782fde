"""The package list, derived so that a new module folder or config group cannot be forgotten.

Everything else about the build is in pyproject.toml. The top-level conf/ ships inside the wheel as
vaecli.conf (each of its folders a package), so the installed `vae` finds its configs from any
working directory.
"""

from setuptools import find_namespace_packages, find_packages, setup

conf = ["vaecli.conf", *(f"vaecli.conf.{name}" for name in find_namespace_packages("conf", exclude=["*__pycache__*"]))]
setup(
    packages=[*find_packages(include=["vaecli", "vaecli.*"]), *conf],
    package_dir={"vaecli.conf": "conf"},
)
