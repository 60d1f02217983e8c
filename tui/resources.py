"""Where the files that travel with the code are: the ``assets`` package, found with importlib.resources
(so an installed wheel finds them as a checkout does)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def asset(*parts: str) -> Path:
    """The path of a file of the ``assets`` package, e.g. ``asset("rules", "support-matrix.toml")``."""
    return Path(str(files("assets").joinpath(*parts)))


DEMO_ESTATE = asset("demo-estate.json")
RULES_DIR = asset("rules")
STYLESHEET = asset("app.tcss")
