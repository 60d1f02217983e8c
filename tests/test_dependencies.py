"""Dependencies (issue 12 item 10): floors past published advisories, no cap that blocks a security release
(except a known API break), Textual free for users but pinned for the snapshot tests, and the README's test
command installing and running exactly what CI does."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirements(items: list[str]) -> dict[str, Requirement]:
    return {Requirement(r).name.lower(): Requirement(r) for r in items}


DEPS = _requirements(PROJECT["dependencies"])
TEST = _requirements(PROJECT["optional-dependencies"]["test"])


@pytest.mark.parametrize(
    ("name", "refused", "allowed"),
    [
        ("aiohttp", ["3.14.0", "3.13.5", "3.9.1"], ["3.14.1", "3.14.5", "3.99.0"]),
        ("cryptography", ["48.0.0", "47.0.0", "44.0.1"], ["48.0.1", "50.0.2", "51.0.0", "60.1.0"]),
    ],
)
def test_floors_exclude_versions_with_advisories_and_nothing_caps_a_fix(name, refused, allowed):
    spec = DEPS[name].specifier
    assert not [v for v in refused if v in spec], spec
    assert [v for v in allowed if v in spec] == allowed, spec


def test_every_cap_is_a_major_version_with_a_known_break():
    """A cap stops at the next major (aiohttp 4, an Azure SDK's next generation), never inside one."""
    for name, req in DEPS.items():
        for s in req.specifier:
            if s.operator == "<":
                assert re.fullmatch(r"\d+", s.version), f"{name}: cap {s} is inside a major"
            assert s.operator != "==", f"{name} is pinned to one version for users"


def test_textual_is_free_for_users_and_pinned_for_the_snapshots():
    assert "8.2.8" in DEPS["textual"].specifier and "8.9.0" in DEPS["textual"].specifier
    assert "9.0.0" not in DEPS["textual"].specifier
    assert str(TEST["textual"].specifier) == "==8.2.8"
    assert version("textual") == "8.2.8"  # what the snapshots were drawn with is what the tests run on


def test_installed_versions_satisfy_the_declared_ranges():
    for name, req in {**DEPS, **TEST}.items():
        assert version(name) in req.specifier, f"{name} {version(name)} not in {req.specifier}"


def test_readme_test_command_and_ci_install_and_run_the_same():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Run the tests", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install = re.search(r"pip install (-e '\.\[test\]')", block)
    assert install, block
    assert f"pip install --quiet {install.group(1)}" in ci
    assert "python -m pytest -q" in block and ci.rstrip().endswith("python -m pytest -q")
