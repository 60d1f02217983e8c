"""Route modules, one per resource provider. Each exposes ``register(router)``."""

from . import resources

ROUTE_MODULES = [resources]
