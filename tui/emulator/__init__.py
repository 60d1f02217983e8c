"""The ARM emulator ("Azure in a box"): serves an estate over HTTPS as Azure Resource Manager does."""

from .estate import Estate, EstateError, load_estate, parse_estate
from .server import Emulator, EmulatorConfig, EmulatorStartError, EmulatorThread, running

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "EmulatorStartError",
    "EmulatorThread",
    "Estate",
    "EstateError",
    "load_estate",
    "parse_estate",
    "running",
]
