"""vmbackup-prep: get Azure virtual machines ready for Azure Backup."""

from importlib.metadata import PackageNotFoundError, version

try:  # one source of truth: the version in pyproject.toml, as installed
    __version__ = version("vmbackup-prep")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
