"""The version the CLI, the reports and the User-Agent say is the one the package is installed as."""

from __future__ import annotations

from importlib.metadata import version

import pytest

import tui
from tui.cli import main


def test_the_package_version_is_the_installed_distributions() -> None:
    assert tui.__version__ == version("vmbackup-prep")


def test_version_option_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"vmbackup-prep {version('vmbackup-prep')}"
