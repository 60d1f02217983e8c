"""vmbackup-prep: get Azure virtual machines ready for Azure Backup."""

# The one source of truth: pyproject.toml reads it from here (setuptools' dynamic version). A literal, so
# that starting the wizard asks importlib.metadata nothing (issue 9: about 30 ms before the first paint).
__version__ = "0.1.0"
